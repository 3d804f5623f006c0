// @ts-check
/**
 * Debian's Chromium driven by playwright-core (no browser download), and the steps the flows
 * share: log in, open a menu entry, use the avatar menu, pick in a select, wait for a page to
 * settle, take a screenshot.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { REPO_ROOT } from "./server.mjs";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const SCREENSHOT_DIR = join(REPO_ROOT, "target", "e2e-screenshots");

/** The flags that work as root on this kind of machine. Playwright adds a fresh
 * `--user-data-dir` (a temporary profile, removed on close) to every launch. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** @typedef {import("playwright-core").Browser} Browser */
/** @typedef {import("playwright-core").BrowserContext} BrowserContext */
/** @typedef {import("playwright-core").Page} Page */
/** @typedef {import("playwright-core").Locator} Locator */

/** @returns {Promise<Browser>} */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 60_000 });
}

/**
 * A context of its own (cookies, storage), in English unless `locale` says otherwise.
 * @param {Browser} browser
 * @param {{ baseURL: string, locale?: "en" | "zh-CN" | "zh-TW" }} options
 * @returns {Promise<BrowserContext>}
 */
export async function newContext(browser, { baseURL, locale }) {
  const context = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 }, locale: "en-US", timezoneId: "UTC" });
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  if (locale) await context.addInitScript((value) => localStorage.setItem("hotline.locale", JSON.stringify(value)), locale);
  return context;
}

/**
 * Logs in through the log-in page and waits for the shell.
 * @param {Page} page
 * @param {{ username: string, password: string, tenant?: string }} user
 */
export async function logIn(page, { username, password, tenant = "demo" }) {
  await page.goto("/");
  await submitLogIn(page, { username, password, tenant });
  await page.getByTestId("tabs").waitFor();
}

/**
 * Fills in and sends the log-in form, without waiting for the outcome.
 * @param {Page} page
 * @param {{ username: string, password: string, tenant?: string }} user
 */
export async function submitLogIn(page, { username, password, tenant = "demo" }) {
  await page.locator("#login_tenant").fill(tenant);
  await page.locator("#login_username").fill(username);
  await page.locator("#login_password").fill(password);
  await page.getByTestId("login-submit").click();
}

/** The side menu. @param {Page} page */
export function sideMenu(page) {
  return page.getByTestId("side-menu");
}

/**
 * A side menu entry (or group) by its label; its icon's name is not part of it.
 * @param {Page} page
 * @param {string} label
 */
export function menuItem(page, label) {
  return sideMenu(page)
    .getByRole("menuitem")
    .filter({ has: page.locator(".ant-menu-title-content").getByText(label, { exact: true }) });
}

/**
 * Opens a menu entry by its labels (group, then entry), opening the group when it is closed,
 * and waits until its tab is the active one: a click while a group still slides open can
 * miss, so the entry is clicked again until its tab shows.
 * @param {Page} page
 * @param {string[]} labels e.g. ["Administration", "Roles"]
 */
export async function openMenu(page, labels) {
  const entry = labels[labels.length - 1] ?? "";
  for (const label of labels.slice(0, -1)) {
    // A group: open it unless its first child shows already.
    const item = menuItem(page, label);
    const expanded = await item.getAttribute("aria-expanded");
    if (expanded !== "true") await item.click();
  }
  const activeTab = page.getByTestId("tabs").locator('[role="tab"][aria-selected="true"]').filter({ hasText: entry });
  for (let attempt = 1; ; attempt++) {
    await menuItem(page, entry).click();
    try {
      await activeTab.first().waitFor({ timeout: 5_000 });
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  await settle(page);
}

/** The content of the active tab. @param {Page} page */
export function activePane(page) {
  return page.getByTestId("tabs").locator(ACTIVE_PANE);
}

const ACTIVE_PANE = '[role="tabpanel"][aria-hidden="false"]';

/**
 * Waits until the active tab has loaded: no spinner, no loading table, fonts ready.
 * @param {Page} page
 */
export async function settle(page) {
  const pane = activePane(page);
  await pane.waitFor();
  await page.waitForFunction((selector) => {
    const active = document.querySelector(`[data-testid="tabs"] ${selector}`);
    if (!active) return false;
    return !active.querySelector(".ant-spin-spinning, .ant-skeleton-active, .ant-btn-loading");
  }, ACTIVE_PANE);
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(200);
}

const OPEN_LISTS = ".ant-select-dropdown:not(.ant-select-dropdown-hidden)";

/**
 * Picks `label` in an antd Select or TreeSelect, typing `search` first when given (the list is
 * virtual: an option far down is not there until filtered). A click on an option while a
 * loaded browser re-renders the list can miss (the option is replaced under the pointer), so
 * it picks again until the select shows the choice. A single choice's list then closes; the
 * step waits until no list is left open, as a fading list lies over the buttons below it.
 * @param {Page} page @param {Locator} select @param {string} label @param {string} [search]
 */
export async function pick(page, select, label, search) {
  const open = page.locator(OPEN_LISTS);
  for (let attempt = 1; ; attempt++) {
    // The select's own combobox says whether its list is open; a click would close it.
    if ((await select.locator('[aria-expanded="true"]').count()) === 0) {
      await select.click();
      if (search) await page.keyboard.type(search);
    }
    await open.getByText(label, { exact: true }).first().click();
    try {
      await select.filter({ hasText: label }).first().waitFor({ timeout: 5_000 });
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  // A multiple choice stays open for the next one; the next click elsewhere closes it.
  const multiple = await select.evaluate((element) => Boolean(element.closest(".ant-select-multiple") ?? element.querySelector(".ant-select-multiple")));
  if (!multiple) await page.waitForFunction((lists) => document.querySelectorAll(lists).length === 0, OPEN_LISTS);
}

/**
 * Picks an entry of the avatar menu, e.g. ["Language", "繁體中文（台灣）"].
 * @param {Page} page
 * @param {string} submenu
 * @param {string} entry
 */
export async function avatarMenu(page, submenu, entry) {
  const openDropdown = page.locator(".ant-dropdown:not(.ant-dropdown-hidden)");
  const choice = page.locator(".ant-dropdown-menu-submenu-popup").getByText(entry, { exact: true }).filter({ visible: true });
  const title = openDropdown
    .getByRole("menuitem")
    .filter({ has: page.locator(".ant-dropdown-menu-title-content").getByText(submenu, { exact: true }) });
  // A menu still closing from the last use swallows the hover: wait until it is gone.
  await openDropdown.waitFor({ state: "hidden" });
  // The pointer crossing a neighbouring entry (or a skin change re-aligning the popup) can open
  // another submenu: hover the wanted one again and retry until the entry is clicked.
  for (let attempt = 1; ; attempt++) {
    try {
      if (!(await openDropdown.isVisible())) await page.getByTestId("avatar-menu").click();
      await title.hover();
      await choice.waitFor({ timeout: 3_000 });
      await choice.click({ timeout: 3_000, force: attempt > 1 });
      break;
    } catch (error) {
      if (attempt >= 4) throw error;
      await page.mouse.move(0, 0);
    }
  }
  await openDropdown.waitFor({ state: "hidden" }).catch(() => page.keyboard.press("Escape"));
}

/**
 * A screenshot under target/e2e-screenshots/.
 * @param {Page} page
 * @param {string} name without extension
 */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: "disabled" });
  return path;
}
