/** Files of the repository around ui/, for tests that check the web app against the server. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Tests run with ui/ as the working directory (npm test, npm --prefix ui test). */
export const UI_ROOT = resolve(process.cwd());
export const REPO_ROOT = resolve(UI_ROOT, "..");

export function readRepoFile(relative: string): string | null {
  const path = join(REPO_ROOT, relative);
  return existsSync(path) ? readFileSync(path, "utf8") : null;
}

/** Every file under ui/src whose name ends with `suffix`, as [path, text]. */
export function sourceFiles(suffix: string | RegExp, directory = join(UI_ROOT, "src")): [string, string][] {
  const found: [string, string][] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(suffix, path));
    else if (typeof suffix === "string" ? entry.name.endsWith(suffix) : suffix.test(entry.name)) {
      found.push([path, readFileSync(path, "utf8")]);
    }
  }
  return found;
}
