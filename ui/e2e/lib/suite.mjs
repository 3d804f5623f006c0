// @ts-check
/**
 * What a file of browser flows shares: one Hotline and one Chromium, started before its first
 * flow and stopped after its last, and flows whose pages (each a person signed in) are
 * screenshotted when the flow fails, with the server's last output printed.
 */
import { after, before } from "node:test";
import { launchChromium, logIn, newContext, screenshot } from "./browser.mjs";
import { startHotline } from "./server.mjs";

/** @typedef {import("playwright-core").Page} Page */
/** @typedef {{ hotline: import("./server.mjs").Hotline, browser: import("playwright-core").Browser }} Running */

/**
 * Starts Hotline and Chromium for the flows of this file; what it answers holds both once
 * the first flow runs.
 * @returns {Running}
 */
export function startedForFile() {
  const running = /** @type {Running} */ ({});
  before(async () => {
    running.hotline = await startHotline();
    running.browser = await launchChromium();
  });
  after(async () => {
    await running.browser?.close().catch(() => {});
    await running.hotline?.stop();
  });
  return running;
}

/**
 * Runs a flow that signs people in with `signIn(username)` (a page of its own browser
 * context each); when it fails, each page is screenshotted as `failure-<name>-<username>`.
 * @param {Running} running @param {string} name
 * @param {(signIn: (username: string) => Promise<Page>) => Promise<void>} body
 */
export async function withPages(running, name, body) {
  /** @type {Map<string, Page>} */
  const pages = new Map();
  const signIn = async (/** @type {string} */ username) => {
    const page = await (await newContext(running.browser, { baseURL: running.hotline.url })).newPage();
    pages.set(username, page);
    await logIn(page, { username, password: running.hotline.password });
    return page;
  };
  try {
    await body(signIn);
  } catch (error) {
    for (const [who, page] of pages) {
      if (!page.isClosed()) await screenshot(page, `failure-${name}-${who}`).catch(() => {});
    }
    console.error(`--- server output ---\n${running.hotline?.output().slice(-4000)}`);
    throw error;
  }
}
