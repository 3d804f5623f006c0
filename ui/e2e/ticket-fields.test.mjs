// @ts-check
/**
 * Ticket forms' organisation and file fields end to end, against the real server in
 * Chromium: the administrator adds a user picker, an upload field and a query field over a
 * dictionary from form-js's palette and publishes the type; agent1 opens a ticket, picks a
 * colleague by typing part of their name, a region from the dictionary by its label, and
 * attaches a file; the ticket then shows the colleague and the region by name (not id or
 * code) and the file downloads from it byte for byte.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { apiToken, graphql } from "./lib/api.mjs";
import { screenshot } from "./lib/browser.mjs";
import { startedForFile, withPages } from "./lib/suite.mjs";

/** @typedef {import("playwright-core").Page} Page */
/** @typedef {import("playwright-core").Locator} Locator */

const TYPE = "Noise complaint";
const TITLE = "Drilling at night";
const FILE = { name: "recording-notes.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.7 drilling from 23:00") };

const running = startedForFile();

/**
 * Adds a field of `type` from the form designer's palette (a palette entry takes Enter: the
 * field goes last), selects it (the panel then names it `typeName`) and gives it `key` and
 * `label`.
 * @param {Page} page @param {Locator} designer @param {string} type @param {string} typeName @param {string} key @param {string} label
 */
async function addField(page, designer, type, typeName, key, label) {
  await designer.locator(`.fjs-palette-field[data-field-type="${type}"]`).focus();
  await page.keyboard.press("Enter");
  const added = designer.locator(`.fjs-editor-container .fjs-element[data-field-type="${type}"]`).last();
  // The properties panel follows the selection once the new field is drawn: click until it does.
  const selected = designer.locator(".bio-properties-panel-header").filter({ hasText: typeName });
  for (let attempt = 1; !(await selected.isVisible()); attempt += 1) {
    await added.click();
    await selected.waitFor({ timeout: 2_000 }).catch((error) => {
      if (attempt === 5) throw error;
    });
  }
  const keyInput = designer.locator("#bio-properties-panel-key");
  const general = designer.locator(".bio-properties-panel-group-header").filter({ hasText: "General" });
  await general.waitFor();
  if (!(await keyInput.isVisible())) await general.click();
  await keyInput.fill(key);
  await keyInput.press("Tab");
  const labelInput = designer.locator("#bio-properties-panel-label");
  await labelInput.fill(label);
  await labelInput.press("Tab");
  await designer.locator(".fjs-editor-container .fjs-form-field").filter({ hasText: label }).waitFor();
}

describe("ticket form pickers and uploads in the browser", { timeout: 5 * 60_000 }, () => {
  test("a ticket holds a colleague picked by name and a file that downloads from it", { timeout: 180_000 }, () =>
    withPages(running, "ticket-fields", async (signIn) => {
      const { hotline } = running;
      // The tenant's regions, which the form's query field offers.
      const adminToken = await apiToken(hotline, "admin");
      await graphql(hotline, adminToken, "mutation($input: CreateDictionaryInput!) { createDictionary(input: $input) { aggregateId } }", {
        input: { code: "regions", name: "Regions", valueType: "TEXT" },
      });
      await graphql(hotline, adminToken, "mutation($input: SetDictionaryEntriesInput!) { setDictionaryEntries(input: $input) { aggregateId } }", {
        input: {
          code: "regions",
          entries: [
            { code: "east", label: "East China", sortOrder: 1 },
            { code: "north", label: "North China", sortOrder: 2 },
          ],
        },
      });
      const admin = await signIn("admin");
      await admin.goto("/admin/ticket-types");
      await admin.getByTestId("ticket-type-new").click();
      await admin.getByTestId("ticket-type-name").fill(TYPE);
      const designer = admin.getByTestId("ticket-form-designer");
      await designer.locator(".fjs-form-field").filter({ hasText: "Description" }).first().waitFor();
      // form-js's own file picker (files that never reach the server) is not offered.
      await designer.locator('.fjs-palette-field[data-field-type="hotline-upload"]').waitFor();
      assert.equal(await designer.locator('.fjs-palette-field[data-field-type="filepicker"]').isVisible(), false);
      await addField(admin, designer, "hotline-user", "User", "contact", "Contact person");
      await addField(admin, designer, "hotline-upload", "File upload", "evidence", "Evidence");
      await addField(admin, designer, "hotline-query", "Query", "region", "Region");
      await designer.locator("#bio-properties-panel-hotline-query-dictionary").selectOption("regions");
      await screenshot(admin, "ticket-fields-designer");

      // The template's workflow (one step for whoever opened the ticket, every field editable).
      await admin.getByTestId("ticket-type-tab-workflow").click();
      await admin.locator('[data-testid="ticket-workflow-designer"] g.djs-element[data-element-id="Task_handle"]').waitFor();
      await admin.getByTestId("ticket-type-save").click();
      await admin.locator(".ant-message").getByText("saved", { exact: false }).first().waitFor();
      await admin.getByTestId("ticket-type-publish").click();
      await admin.locator(".ant-message").getByText("published", { exact: false }).first().waitFor();
      assert.equal(await admin.getByTestId("ticket-type-error").count(), 0);

      const agent = await signIn("agent1");
      await agent.goto("/tickets");
      await agent.getByTestId("ticket-new").click();
      const modal = agent.locator(".ant-modal").filter({ has: agent.getByTestId("ticket-new-form") });
      await modal.getByTestId("ticket-new-type").getByText(`${TYPE} (v1)`).waitFor();
      await modal.getByTestId("ticket-new-title").fill(TITLE);
      const form = modal.getByTestId("ticket-form-view");

      // The picker searches the tenant's users as the agent types.
      await form.getByTestId("ticket-field-contact").click();
      await agent.keyboard.type("agent two");
      const dropdown = agent.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden)");
      await dropdown.locator(".ant-select-item-option").getByText("Demo agent two", { exact: true }).click();
      await form.getByTestId("ticket-field-contact").getByText("Demo agent two", { exact: true }).waitFor();

      // The query field offers the dictionary's entries by label.
      await form.getByTestId("ticket-field-region").click();
      await agent.keyboard.type("east");
      await dropdown.locator(".ant-select-item-option").getByText("East China", { exact: true }).click();
      await form.getByTestId("ticket-field-region").getByText("East China", { exact: true }).waitFor();
      // The lists close (one would lie over the modal's buttons while it fades out).
      await agent.waitForFunction(() => document.querySelectorAll(".ant-select-dropdown:not(.ant-select-dropdown-hidden)").length === 0);

      // The file is kept as soon as it is chosen, and listed.
      await form.getByTestId("ticket-field-evidence").locator('input[type="file"]').setInputFiles(FILE);
      await form.getByTestId("ticket-field-evidence").getByText(FILE.name).waitFor();
      await screenshot(agent, "ticket-fields-new-ticket");
      await agent.getByTestId("ticket-new-submit").click();
      await modal.waitFor({ state: "hidden" });

      // The ticket (opened in the drawer) names the colleague and links the file.
      const drawer = agent.locator(".ant-drawer-open");
      await drawer.getByText(TITLE).first().waitFor();
      const drawerForm = drawer.getByTestId("ticket-form-view");
      await drawerForm.getByTestId("ticket-field-contact").getByText("Demo agent two", { exact: true }).waitFor();
      await drawerForm.getByTestId("ticket-field-region").getByText("East China", { exact: true }).waitFor();
      const link = drawerForm.getByTestId("ticket-field-evidence").getByRole("link", { name: FILE.name });
      await link.waitFor();
      await screenshot(agent, "ticket-fields-drawer");
      // The link (antd opens it in a new tab, which the attachment turns into a download)
      // serves the file to the agent's session, named as it was uploaded.
      const href = await link.getAttribute("href");
      assert.ok(href, "the file is linked");
      const response = await agent.request.get(new URL(href, hotline.url).toString());
      assert.equal(response.status(), 200);
      assert.match(response.headers()["content-disposition"] ?? "", /attachment.*recording-notes\.pdf/);
      assert.deepEqual(await response.body(), FILE.buffer);
    }));
});
