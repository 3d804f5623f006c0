// @ts-check
/**
 * Forms per role end to end, against the real server in Chromium: the administrator gives the
 * built-in agent role its own form of a ticket type in the designer (the salary hidden) and
 * publishes it. agent1 (an agent only) then opens the new-ticket dialog without a salary
 * field, while the administrator (not restricted) has it; over GraphQL the agent reads a
 * ticket the administrator opened with a salary without it, and the administrator with it.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { apiToken, graphql as callGraphql, eventually, oneStepWorkflow } from "./lib/api.mjs";
import { screenshot } from "./lib/browser.mjs";
import { startedForFile, withPages } from "./lib/suite.mjs";

/** @typedef {import("playwright-core").Page} Page */

const TYPE = "Payroll question";
const FORM = {
  type: "default",
  components: [
    { type: "textfield", key: "subject", label: "Subject", id: "Field_subject" },
    { type: "number", key: "salary", label: "Salary", id: "Field_salary" },
  ],
};

const running = startedForFile();

/** @param {string} token @param {string} query @param {Record<string, unknown>} variables */
const graphql = (token, query, variables) => callGraphql(running.hotline, token, query, variables);

/** The ticket as the token's user reads it. @param {string} token @param {string} id */
const readTicket = (token, id) => eventually(`ticket ${id}`, async () => (await graphql(token, "query($id: UUID!) { ticket(id: $id) { id values form } }", { id })).ticket);

/** Version `version` of the type as the token's user reads it. @param {string} token @param {string} id @param {number} version */
const readType = (token, id, version) =>
  eventually(`version ${version} of type ${id}`, async () => {
    const { ticketType } = await graphql(token, "query($id: UUID!) { ticketType(id: $id) { version publishedForm startFields { key access } } }", { id });
    return ticketType?.version === version ? ticketType : null;
  });

/** @param {unknown} form */
const componentKeys = (form) => /** @type {{ components: { key?: string }[] }} */ (form).components.map((component) => component.key);

/**
 * Opens the new-ticket dialog (the only published type is chosen at once) and returns its form.
 * @param {Page} page
 */
async function newTicketForm(page) {
  await page.goto("/tickets");
  await page.getByTestId("ticket-new").click();
  const modal = page.locator(".ant-modal").filter({ has: page.getByTestId("ticket-new-form") });
  await modal.getByTestId("ticket-new-type").getByText(`${TYPE} (v2)`).waitFor();
  const form = modal.getByTestId("ticket-form-view");
  await form.getByLabel("Subject").waitFor();
  return form;
}

describe("forms per role", { timeout: 5 * 60_000 }, () => {
  test("a field hidden from the agents' form is neither shown nor read by an agent", { timeout: 180_000 }, () =>
    withPages(running, "ticket-role-forms", async (signIn) => {
      const { hotline } = running;
      const adminToken = await apiToken(hotline, "admin");
      const agentToken = await apiToken(hotline, "agent1");
      const { roles } = await graphql(adminToken, "{ roles { id key builtIn } }", {});
      const agentRole = /** @type {{ id: string, key: string | null }[]} */ (roles).find((role) => role.key === "agent")?.id;
      assert.ok(agentRole, "the built-in agent role");

      const created = await graphql(adminToken, "mutation($input: CreateTicketTypeInput!) { createTicketType(input: $input) { aggregateId } }", {
        input: { name: TYPE, description: "", form: FORM },
      });
      const typeId = created.createTicketType.aggregateId;
      await graphql(adminToken, "mutation($input: PublishTicketWorkflowInput!) { publishTicketWorkflow(input: $input) { lastPosition } }", {
        input: { typeId, bpmnXml: oneStepWorkflow({ name: "Answer", assignee: `role:${agentRole}`, fields: "subject=editable,salary=editable" }) },
      });

      // The administrator gives the agents a form without the salary, and publishes it.
      const admin = await signIn("admin");
      await admin.goto("/admin/ticket-types");
      await admin.getByTestId("ticket-type-open").getByText(TYPE, { exact: true }).click();
      await admin.getByTestId("ticket-form-designer").waitFor({ state: "attached" });
      await admin.getByTestId("ticket-form-roles").click();
      await admin.getByTestId("ticket-role-forms").waitFor();
      await admin.getByTestId("ticket-role-form-role").click();
      const options = admin.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden)").locator(".ant-select-item-option");
      await options.getByText("Agent", { exact: true }).first().click();
      await admin.getByTestId(`ticket-role-form-of-${agentRole}`).waitFor();
      await admin.getByTestId("ticket-role-field-salary-hidden").click();
      const designer = admin;
      const selected = (/** @type {string} */ key, /** @type {string} */ access) =>
        designer.locator(".ant-segmented-item-selected").filter({ has: designer.getByTestId(`ticket-role-field-${key}-${access}`) });
      await selected("salary", "hidden").waitFor();
      await selected("subject", "editable").waitFor();
      await screenshot(admin, "ticket-role-forms-designer");
      await admin.getByTestId("ticket-type-publish").click();
      await admin.locator(".ant-message").getByText("published", { exact: false }).first().waitFor();

      // What each may fill in when opening a ticket, and the published form each gets.
      const asAgent = await readType(agentToken, typeId, 2);
      assert.deepEqual(asAgent.startFields, [{ key: "subject", access: "EDITABLE" }]);
      assert.deepEqual(componentKeys(asAgent.publishedForm), ["subject"]);
      assert.equal("roleForms" in asAgent.publishedForm, false);
      const asAdmin = await readType(adminToken, typeId, 2);
      assert.deepEqual(asAdmin.startFields, [
        { key: "subject", access: "EDITABLE" },
        { key: "salary", access: "EDITABLE" },
      ]);
      assert.deepEqual(componentKeys(asAdmin.publishedForm), ["subject", "salary"]);

      // A ticket the administrator opens with a salary: the agent reads it without.
      const opened = await graphql(adminToken, "mutation($input: OpenTicketInput!) { openTicket(input: $input) { aggregateId } }", {
        input: { typeId, title: "Raise for March", values: { subject: "March raise", salary: 5200 } },
      });
      const ticketId = opened.openTicket.aggregateId;
      const adminTicket = await readTicket(adminToken, ticketId);
      assert.equal(adminTicket.values.subject, "March raise");
      assert.equal(adminTicket.values.salary, 5200);
      const agentTicket = await readTicket(agentToken, ticketId);
      assert.equal(agentTicket.values.subject, "March raise");
      assert.equal("salary" in agentTicket.values, false, JSON.stringify(agentTicket.values));
      assert.deepEqual(componentKeys(agentTicket.form), ["subject"]);

      // In the web app: the agent's new-ticket dialog has no salary…
      const agent = await signIn("agent1");
      const agentForm = await newTicketForm(agent);
      assert.equal(await agentForm.getByText("Salary").count(), 0);
      await screenshot(agent, "ticket-role-forms-agent");

      // …the administrator's has it.
      const adminForm = await newTicketForm(admin);
      await adminForm.getByLabel("Salary").waitFor();
      await screenshot(admin, "ticket-role-forms-admin");
    }));
});
