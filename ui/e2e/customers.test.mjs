// @ts-check
/**
 * Customer profiles end to end (issue 8), against the real server in Chromium: the
 * administrator defines a custom field, creates a profile with it, finds it with a saved
 * query, and an agent finds the same customer through that shared query.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { launchChromium, logIn, newContext, pick, screenshot } from "./lib/browser.mjs";
import { startHotline } from "./lib/server.mjs";

/** @typedef {import("playwright-core").Page} Page */

/** @type {Awaited<ReturnType<typeof startHotline>>} */
let hotline;
/** @type {import("playwright-core").Browser} */
let browser;
/** @type {Page} */
let admin;

const CUSTOMER = "李四 Li Si";
const QUERY = "Hangzhou customers";

/**
 * @param {string} name
 * @param {() => Promise<void>} body
 */
function flow(name, body) {
  test(name, { timeout: 120_000 }, async () => {
    try {
      await body();
    } catch (error) {
      if (admin && !admin.isClosed()) await screenshot(admin, `failure-customers-${name.slice(0, 40).replace(/\W+/g, "-")}`).catch(() => {});
      console.error(`--- server output ---\n${hotline?.output().slice(-4000)}`);
      throw error;
    }
  });
}

describe("customers in the browser", { timeout: 6 * 60_000 }, () => {
  before(async () => {
    hotline = await startHotline();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await hotline?.stop();
  });

  flow("the administrator adds a custom field, creates a profile with it and saves a shared query", async () => {
    const context = await newContext(browser, { baseURL: hotline.url });
    admin = await context.newPage();
    await logIn(admin, { username: "admin", password: hotline.password });

    await admin.goto("/admin/customer-fields");
    await admin.getByTestId("field-add").click();
    await admin.getByTestId("field-key").last().fill("city");
    await admin.getByTestId("field-label").last().fill("City");
    await admin.getByTestId("fields-save").click();
    await admin.locator('[data-testid="field-row"][data-field-key="city"][data-saved="true"]').waitFor();

    await admin.goto("/customers");
    await admin.getByTestId("customer-new").click();
    const form = admin.getByTestId("customer-form");
    await form.getByTestId("customer-field-name").fill(CUSTOMER);
    await form.getByTestId("customer-field-phone").fill("+86 139 0000 1234");
    await form.getByTestId("customer-field-city").fill("Hangzhou");
    await admin.getByTestId("customer-save").click();
    await admin.getByTestId("customer-row").filter({ hasText: CUSTOMER }).waitFor();

    await admin.getByTestId("query-condition-add").click();
    await pick(admin, admin.getByTestId("query-field").last(), "City");
    await admin.getByTestId("query-value").last().fill("hangzhou");
    await admin.getByTestId("query-apply").click();
    await admin.getByTestId("customer-row").filter({ hasText: CUSTOMER }).waitFor();
    await admin.getByTestId("query-name").fill(QUERY);
    const shared = admin.getByTestId("query-shared");
    if ((await shared.getAttribute("aria-checked")) !== "true") await shared.click();
    await admin.getByTestId("query-save").click();
    await admin.getByText(QUERY).first().waitFor();
    await screenshot(admin, "customers-page");
  });

  flow("an agent finds the customer through the shared query", async () => {
    const context = await newContext(browser, { baseURL: hotline.url });
    const agent = await context.newPage();
    await logIn(agent, { username: "agent1", password: hotline.password });
    await agent.goto("/customers");
    await pick(agent, agent.getByTestId("query-select"), QUERY);
    const rows = agent.getByTestId("customer-row");
    await rows.filter({ hasText: CUSTOMER }).waitFor();
    assert.equal(await rows.count(), 1);
    await context.close();
  });
});
