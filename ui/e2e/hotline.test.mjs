// @ts-check
/**
 * End to end, through the real server and a real browser (issue 4): log-in and lock-out,
 * the organisation tree, a role from the permission matrix, a user in a department with
 * that role who then sees only the role's menus, language and skin switching, the
 * dictionary and tenant settings, and screenshots of the main pages in three languages
 * (target/e2e-screenshots/).
 *
 * The tests build on each other and run in order against one server started for the run.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import {
  activePane,
  avatarMenu,
  launchChromium,
  logIn,
  menuItem,
  newContext,
  openMenu,
  pick,
  screenshot,
  SCREENSHOT_DIR,
  settle,
  sideMenu,
  submitLogIn,
} from "./lib/browser.mjs";
import { startHotline } from "./lib/server.mjs";

/** @typedef {import("playwright-core").Page} Page */

const LOCALES = /** @type {const} */ (["en", "zh-CN", "zh-TW"]);

const CENTRE = "Head office";
const DEPARTMENT = "Complaints";
const ROLE = "Dictionary clerk";
const CLERK = { username: "clerk1", displayName: "Clara Clerk", password: "clerk-password-2024" };

/** @type {Awaited<ReturnType<typeof startHotline>>} */
let hotline;
/** @type {import("playwright-core").Browser} */
let browser;
/** The administrator's page, logged in from the second test on. @type {Page} */
let admin;
/** The new user's page, in a second browser context. @type {Page} */
let clerk;

/**
 * A test whose failure leaves a screenshot of every open page and the server's output.
 * @param {string} name
 * @param {() => Promise<void>} body
 */
function flow(name, body) {
  test(name, { timeout: 120_000 }, async () => {
    try {
      await body();
    } catch (error) {
      const slug = name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
      for (const [who, page] of /** @type {const} */ ([["admin", admin], ["clerk", clerk]])) {
        if (page && !page.isClosed()) await screenshot(page, `failure-${slug}-${who}`).catch(() => {});
      }
      console.error(`--- server output ---\n${hotline?.output().slice(-4000)}`);
      throw error;
    }
  });
}

/** The texts of the side menu's entries that show (top level, and the open groups' entries).
 * @param {Page} page */
async function visibleMenuTexts(page) {
  return (await sideMenu(page).locator('[role="menuitem"]:visible').allInnerTexts()).map((text) => text.trim()).filter(Boolean);
}

describe("Hotline in the browser", { timeout: 12 * 60_000 }, () => {
  before(async () => {
    // This run's screenshots only.
    rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
    hotline = await startHotline();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await hotline?.stop();
  });

  flow("five wrong passwords lock the account out, and the page says so", async () => {
    const context = await newContext(browser, { baseURL: hotline.url });
    const page = await context.newPage();
    await page.goto("/");
    const user = { username: "agent2", password: "not-the-password" };
    const error = page.getByTestId("login-error");
    /** Sends the form and returns the alert's text once the server has answered. */
    const attempt = async (/** @type {{ username: string, password: string }} */ credentials) => {
      const answered = page.waitForResponse((response) => response.url().endsWith("/graphql"));
      await submitLogIn(page, credentials);
      await answered;
      await error.waitFor();
      return (await error.innerText()).trim();
    };
    for (let count = 1; count <= 4; count++) {
      assert.equal(await attempt(user), "Wrong tenant, user name or password.", `attempt ${count}`);
    }
    assert.match(await attempt(user), /^Too many failed log-ins: the account is locked until .+\.$/);
    // Locked out means locked out: even the right password is refused now.
    assert.match(await attempt({ username: "agent2", password: hotline.password }), /locked until/);
    assert.equal(await page.getByTestId("tabs").count(), 0);
    await context.close();
  });

  flow("the administrator logs in and sees the workbench and every admin menu", async () => {
    const context = await newContext(browser, { baseURL: hotline.url });
    admin = await context.newPage();
    await logIn(admin, { username: "admin", password: hotline.password });
    await admin.getByTestId("my-profile").waitFor();
    await openMenu(admin, ["Administration", "Users"]);
    const menus = await visibleMenuTexts(admin);
    for (const entry of ["Workbench", "Administration", "Tenants", "Tenant settings", "Organisation", "Users", "Roles", "Dictionary", "Audit"]) {
      assert.ok(menus.includes(entry), `${entry} in ${menus.join(", ")}`);
    }
  });

  flow("the administrator builds a centre with a department in the organisation tree", async () => {
    await openMenu(admin, ["Administration", "Organisation"]);
    const pane = activePane(admin);
    await pane.getByText("No units in this dimension yet").waitFor();

    await pane.getByTestId("create-root-unit").click();
    let dialog = admin.getByRole("dialog", { name: "New unit" });
    await dialog.getByTestId("unit-name").fill(CENTRE);
    await dialog.getByText("Centre", { exact: true }).click();
    await dialog.getByRole("button", { name: "Create" }).click();
    await admin.getByText(`Unit ${CENTRE} created`).waitFor();
    await dialog.waitFor({ state: "hidden" });

    // The new unit is selected: add the department under it.
    await pane.getByTestId("org-unit-details").getByText(CENTRE).first().waitFor();
    await pane.getByTestId("create-sub-unit").click();
    dialog = admin.getByRole("dialog", { name: "New unit" });
    await dialog.getByText(`Under ${CENTRE}`).waitFor();
    await dialog.getByTestId("unit-name").fill(DEPARTMENT);
    await dialog.getByText("Department", { exact: true }).click();
    await dialog.getByRole("button", { name: "Create" }).click();
    await dialog.waitFor({ state: "hidden" });
    await pane.getByTestId("org-unit-details").getByText(`${CENTRE} / ${DEPARTMENT}`).waitFor();
    const tree = pane.getByTestId("org-tree");
    await tree.locator(`[data-name="${DEPARTMENT}"]`).waitFor();

    // A second unit of the same name beside the first: the server refuses, and the form says
    // why in the user's language, under the field.
    await pane.getByTestId("create-root-unit").click();
    dialog = admin.getByRole("dialog", { name: "New unit" });
    await dialog.getByTestId("unit-name").fill(CENTRE);
    await dialog.getByRole("button", { name: "Create" }).click();
    await dialog.getByText("A unit beside it already has this name.").waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    assert.equal(await tree.locator(`[data-name="${CENTRE}"]`).count(), 1);
  });

  flow("the administrator creates a role with a few menus in the permission matrix", async () => {
    await openMenu(admin, ["Administration", "Roles"]);
    const pane = activePane(admin);
    await pane.getByTestId("create-role").click();
    const drawer = admin.locator(".ant-drawer-open");
    await drawer.getByText("New role").waitFor();
    // Nothing ticked: the form refuses before asking the server.
    await drawer.getByTestId("role-name").fill(ROLE);
    await drawer.getByTestId("role-save").click();
    await drawer.getByText("Choose at least one permission").waitFor();

    const matrix = drawer.getByTestId("permission-matrix");
    await matrix.getByTestId("permission-menu.workbench").check();
    await matrix.getByTestId("permission-menu.admin.organisation").check();
    // A button ticks its menu and the menu's group with it.
    await matrix.getByTestId("permission-dictionary.edit").check();
    assert.equal(await matrix.getByTestId("permission-menu.admin.dictionary").isChecked(), true);
    assert.equal(await matrix.getByTestId("permission-menu.admin").isChecked(), true);
    assert.equal(await matrix.getByTestId("permission-org.edit").isChecked(), false);
    await drawer.getByTestId("scope-users").getByText("Own department", { exact: true }).click();
    await drawer.getByTestId("role-save").click();
    await admin.getByText(`Role ${ROLE} saved`).waitFor();
    await drawer.waitFor({ state: "hidden" });

    const row = pane.getByTestId("roles-table").locator("tr", { hasText: ROLE });
    await row.waitFor();
    for (const menu of ["Workbench", "Organisation", "Dictionary"]) await row.getByText(menu, { exact: true }).waitFor();
    await row.getByText("Users: Own department").waitFor();
  });

  flow("the administrator creates a user in the department with that role", async () => {
    await openMenu(admin, ["Administration", "Users"]);
    const pane = activePane(admin);
    await pane.getByTestId("create-user").click();
    const dialog = admin.getByRole("dialog", { name: "New user" });
    // The browser checks the form before the server sees it.
    await dialog.locator("#create-user_username").fill("x");
    await dialog.locator("#create-user_password").fill("short");
    await dialog.getByRole("button", { name: "Create" }).click();
    await dialog.getByText("3 to 64 letters, digits, '.', '_', '-' or '@'").last().waitFor();
    await dialog.getByText("Choose at least one role").waitFor();

    await dialog.locator("#create-user_username").fill(CLERK.username);
    await dialog.locator("#create-user_displayName").fill(CLERK.displayName);
    await dialog.locator("#create-user_password").fill(CLERK.password);
    await pick(admin, dialog.getByTestId("create-user-roles"), ROLE, ROLE);
    await admin.keyboard.press("Escape");
    await pick(admin, dialog.getByTestId("user-org-unit"), DEPARTMENT, DEPARTMENT);
    await dialog.getByRole("button", { name: "Create" }).click();
    await admin.getByText(`User ${CLERK.username} created`).waitFor();
    await dialog.waitFor({ state: "hidden" });

    const row = pane.locator("tr", { hasText: CLERK.username });
    await row.getByText(`${CENTRE} / ${DEPARTMENT}`).waitFor();
    await row.getByText(ROLE, { exact: true }).waitFor();
  });

  flow("the new user, in a second browser context, sees only the role's menus", async () => {
    const context = await newContext(browser, { baseURL: hotline.url });
    clerk = await context.newPage();
    await logIn(clerk, { username: CLERK.username, password: CLERK.password });
    await openMenu(clerk, ["Administration", "Organisation"]);
    assert.deepEqual(await visibleMenuTexts(clerk), ["Workbench", "Administration", "Organisation", "Dictionary"]);
    // The role has the organisation menu but not its edit button.
    const pane = activePane(clerk);
    await pane.getByTestId("org-tree").locator(`[data-name="${CENTRE}"]`).waitFor();
    assert.equal(await pane.getByTestId("create-root-unit").count(), 0);
    // No softphone permission, no softphone bar; the administrator is still logged in.
    assert.equal(await clerk.getByTestId("softphone-slot").count(), 0);
    assert.equal(await admin.getByTestId("tabs").count(), 1);
  });

  flow("switching the language to zh-TW and back to en changes the labels", async () => {
    await avatarMenu(clerk, "Language", "繁體中文（台灣）");
    await clerk.getByTestId("tabs").getByText("工作台").waitFor();
    await menuItem(clerk, "資料字典").waitFor();
    assert.deepEqual(await visibleMenuTexts(clerk), ["工作台", "系統管理", "組織架構", "資料字典"]);
    await activePane(clerk).getByText("組織架構", { exact: true }).first().waitFor();
    assert.equal(await clerk.evaluate(() => document.documentElement.lang), "zh-TW");

    await avatarMenu(clerk, "語言", "English");
    await menuItem(clerk, "Dictionary").waitFor();
    assert.deepEqual(await visibleMenuTexts(clerk), ["Workbench", "Administration", "Organisation", "Dictionary"]);
    assert.equal(await clerk.evaluate(() => document.documentElement.lang), "en");
  });

  flow("switching the skin changes the frame's colours and is remembered", async () => {
    const header = clerk.locator(".ant-layout-header").first();
    const background = () => header.evaluate((element) => getComputedStyle(element).backgroundColor);
    /** Waits until the header's background is `colour` (or, with `not`, is no longer it). */
    const headerBecomes = (/** @type {string} */ colour, not = false) =>
      clerk.waitForFunction(
        ([wanted, negate]) => {
          const header = document.querySelector(".ant-layout-header");
          return header !== null && (getComputedStyle(header).backgroundColor === wanted) !== negate;
        },
        /** @type {[string, boolean]} */ ([colour, not]),
      );
    const classic = await background();
    await avatarMenu(clerk, "Theme", "Fresh green");
    await headerBecomes(classic, true);
    assert.equal(await background(), "rgb(255, 255, 255)");
    assert.equal(await clerk.evaluate(() => localStorage.getItem("hotline.skin")), JSON.stringify("green"));
    // Remembered across a reload.
    await clerk.reload();
    await clerk.getByTestId("tabs").waitFor();
    assert.equal(await background(), "rgb(255, 255, 255)");
    await avatarMenu(clerk, "Theme", "Dark");
    await headerBecomes("rgb(31, 31, 31)");
    await avatarMenu(clerk, "Theme", "Classic blue");
    await headerBecomes(classic);
  });

  flow("the new user's edit button works: a dictionary with checked entries", async () => {
    await openMenu(clerk, ["Administration", "Dictionary"]);
    const pane = activePane(clerk);
    await pane.getByTestId("create-dictionary").click();
    let dialog = clerk.getByRole("dialog", { name: "New dictionary" });
    await dialog.getByTestId("dictionary-code").fill("contact_reasons");
    await dialog.getByTestId("dictionary-name").fill("Contact reasons");
    await dialog.getByRole("button", { name: "Create" }).click();
    await dialog.waitFor({ state: "hidden" });
    const details = pane.getByTestId("dictionary-details");
    await details.getByText("Contact reasons (contact_reasons)").waitFor();

    await details.getByTestId("add-entry").click();
    await details.getByTestId("entry-code").nth(0).fill("billing");
    await details.getByTestId("entry-label").nth(0).fill("Billing");
    await details.getByTestId("add-entry").click();
    await details.getByTestId("entry-code").nth(1).fill("Billing");
    await details.getByTestId("entry-label").nth(1).fill("Billing again");
    await details.getByTestId("entries-save").click();
    // Codes of a text dictionary clash ignoring case: refused before the server sees it.
    await details.getByText("Two entries have the same code.").waitFor();
    await details.getByTestId("entry-code").nth(1).fill("outage");
    await details.getByTestId("entry-label").nth(1).fill("Network outage");
    await details.getByTestId("entries-save").click();
    await clerk.getByText("Entries of Contact reasons saved").waitFor();
    await pane.getByTestId("dictionaries").locator("tr", { hasText: "contact_reasons" }).getByText("2", { exact: true }).waitFor();

    // The same code again: the server refuses, the form says so under the code.
    await pane.getByTestId("create-dictionary").click();
    dialog = clerk.getByRole("dialog", { name: "New dictionary" });
    await dialog.getByTestId("dictionary-code").fill("Contact_Reasons");
    await dialog.getByTestId("dictionary-name").fill("Duplicate");
    await dialog.getByRole("button", { name: "Create" }).click();
    await dialog.getByText("A dictionary with this code exists already.").waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();
  });

  flow("the administrator's tenant settings show in the footer at once", async () => {
    await openMenu(admin, ["Administration", "Tenant settings"]);
    const pane = activePane(admin);
    await pane.getByTestId("tenant-usage").getByText("Seats (users)").waitFor();
    await pane.locator("#tenant-settings_websiteUrl").fill("ftp://files.invalid");
    await pane.locator("#tenant-settings_hotlineNumber").fill("call us");
    await pane.getByTestId("settings-save").click();
    await pane.getByText("Empty, or an address starting with https:// or http://").waitFor();
    await pane.getByText("Empty, or at most 32 digits, '+', '-' and spaces").waitFor();
    await pane.locator("#tenant-settings_websiteUrl").fill("");
    await pane.locator("#tenant-settings_hotlineNumber").fill("400-800-1234");
    await pane.getByTestId("settings-save").click();
    await admin.getByText("Settings saved").waitFor();
    await admin.getByTestId("footer").getByText("400-800-1234").waitFor();
  });

  flow("screenshots of the main pages in three languages", async () => {
    const pages = [
      ["workbench", "/workbench"],
      ["users", "/admin/users"],
      ["roles", "/admin/roles"],
      ["organisation", "/admin/organisation"],
      ["dictionary", "/admin/dictionary"],
      ["settings", "/admin/settings"],
    ];
    const written = [];
    for (const locale of LOCALES) {
      const context = await newContext(browser, { baseURL: hotline.url, locale });
      const page = await context.newPage();
      await page.goto("/");
      await page.getByTestId("login").waitFor();
      await page.evaluate(() => document.fonts.ready);
      written.push(await screenshot(page, `${locale}-login`));
      await logIn(page, { username: "admin", password: hotline.password });
      for (const [name, path] of pages) {
        await page.goto(/** @type {string} */ (path));
        await page.getByTestId("tabs").waitFor();
        await settle(page);
        if (name === "organisation") await activePane(page).locator(`[data-name="${DEPARTMENT}"]`).click();
        if (name === "dictionary") await activePane(page).getByText("contact_reasons").click();
        if (name !== "workbench") await settle(page);
        written.push(await screenshot(page, `${locale}-${name}`));
        if (name === "roles") {
          await activePane(page).getByTestId(`edit-role-${ROLE}`).click();
          await page.locator(".ant-drawer-open").getByTestId("permission-matrix").waitFor();
          await page.waitForTimeout(400);
          written.push(await screenshot(page, `${locale}-role-editor`));
          await page.keyboard.press("Escape");
        }
      }
      await context.close();
    }
    assert.equal(written.length, LOCALES.length * 8);
  });
});
