// @ts-check
/**
 * Starts the real `hotline` binary for the end-to-end tests: a fresh data folder, a free
 * port on 127.0.0.1, the built web app. Reads the address and the demo password from what
 * it prints (`hotline: listening on http://ADDR (...)`, `hotline: SIP on udp and tcp ADDR`,
 * `hotline: demo log-in: ... password "PW"`, `hotline: ready`) and stops it afterwards.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const UI_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const REPO_ROOT = resolve(UI_ROOT, "..");

/** Variables that would point the server somewhere else than a fresh embedded store. */
const OUTSIDE_SETTINGS = ["HOTLINE_DATABASE_URL", "HOTLINE_DATA_DIR", "HOTLINE_LISTEN", "HOTLINE_NO_DEMO", "HOTLINE_WEB_ROOT", "HOTLINE_SIP_LISTEN"];

/**
 * @typedef {object} Hotline
 * @property {string} url        e.g. http://127.0.0.1:40123
 * @property {string} password   the demo users' password
 * @property {string} sipAddress SIP's address (UDP and TCP), e.g. 127.0.0.1:40124
 * @property {() => string} output what the server printed so far (for failure reports)
 * @property {() => Promise<void>} stop
 */

/**
 * @param {{ startTimeoutMs?: number, lifetimeMs?: number, environment?: Record<string, string> }} [options]
 *   `environment`: settings of the test's own (an SMTP relay it runs, say)
 * @returns {Promise<Hotline>}
 */
export async function startHotline({ startTimeoutMs = 60_000, lifetimeMs = 15 * 60_000, environment = {} } = {}) {
  const configured = process.env.HOTLINE_BIN || "target/debug/hotline";
  const bin = isAbsolute(configured) ? configured : join(REPO_ROOT, configured);
  if (!existsSync(bin)) throw new Error(`no hotline binary at ${bin}: run \`cargo build\` first, or set HOTLINE_BIN`);
  const webRoot = join(UI_ROOT, "dist");
  if (!existsSync(join(webRoot, "index.html"))) throw new Error("ui/dist is not built: run `npm --prefix ui run build` first");
  const dataDir = mkdtempSync(join(tmpdir(), "hotline-e2e-"));
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" };
  for (const name of OUTSIDE_SETTINGS) delete env[name];
  Object.assign(env, environment);

  const child = spawn(bin, ["serve", "--listen", "127.0.0.1:0", "--sip-listen", "127.0.0.1:0", "--smtp-listen", "127.0.0.1:0", "--data-dir", dataDir, "--web-root", webRoot], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let printed = "";
  child.stderr.on("data", (chunk) => {
    printed += String(chunk);
    if (printed.length > 200_000) printed = printed.slice(-100_000);
  });

  const exited = new Promise((resolveExit) => child.once("exit", (code, signal) => resolveExit({ code, signal })));
  // Never outlive the run, whatever happens to the test process.
  const lifetime = setTimeout(() => child.kill("SIGKILL"), lifetimeMs);
  lifetime.unref();

  const stop = async () => {
    clearTimeout(lifetime);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const forced = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(forced);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const { url, password, sipAddress } = await new Promise((resolveStart, rejectStart) => {
      let url = "";
      let password = "";
      let sipAddress = "";
      const timer = setTimeout(() => rejectStart(new Error(`hotline did not say "ready" within ${startTimeoutMs} ms`)), startTimeoutMs);
      const lines = createInterface({ input: child.stdout });
      lines.on("line", (line) => {
        printed += `${line}\n`;
        const listening = /^hotline: listening on (http:\/\/\S+)/.exec(line);
        if (listening) url = listening[1] ?? "";
        const demo = /^hotline: demo log-in: .*password "([^"]+)"/.exec(line);
        if (demo) password = demo[1] ?? "";
        const sip = /^hotline: SIP on udp and tcp (\S+)/.exec(line);
        if (sip) sipAddress = sip[1] ?? "";
        if (line.trim() === "hotline: ready") {
          clearTimeout(timer);
          if (!url || !password || !sipAddress) {
            rejectStart(new Error(`hotline is ready but printed no address, SIP address or demo password:\n${printed}`));
          } else resolveStart({ url, password, sipAddress });
        }
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        rejectStart(new Error(`hotline exited before it was ready (code ${code}, signal ${signal}):\n${printed}`));
      });
    });
    const address = new URL(url);
    if (address.hostname !== "127.0.0.1") throw new Error(`hotline listens on ${url}, not on 127.0.0.1`);
    return { url, password, sipAddress, output: () => printed, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
