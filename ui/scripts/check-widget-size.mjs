// @ts-check
/**
 * Fails the build when the visitor widget grows past its budget: every visitor of every
 * customer's site downloads it, on any network.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET_BYTES = 50 * 1024;
const path = fileURLToPath(new URL("../dist/widget/hotline-chat.js", import.meta.url));

let source;
try {
  source = readFileSync(path);
} catch {
  console.error(`check-widget-size: ${path} is missing; run vite build -c vite.widget.config.ts first`);
  process.exit(1);
}
const gzipped = gzipSync(source, { level: 9 }).length;
/** @param {number} bytes */
const kilobytes = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const summary = `hotline-chat.js: ${kilobytes(source.length)}, ${kilobytes(gzipped)} gzipped (budget ${kilobytes(BUDGET_BYTES)})`;
if (gzipped > BUDGET_BYTES) {
  console.error(`check-widget-size: over budget. ${summary}`);
  process.exit(1);
}
console.log(summary);
