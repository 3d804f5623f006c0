// @ts-check
/**
 * SP5's month, phone, rich text, hidden and approval fields, and a calculated field, end to
 * end against the real server in Chromium. An agent opens a ticket: the total the rules
 * calculate shows in its field, locked, as the price and quantity are typed; a phone number
 * that is not one is refused under its field; the hidden field's value goes with the ticket
 * unseen. Another agent approves it at the workflow's step, and the ticket records who
 * decided, which the drawer shows.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { apiToken, graphql as callGraphql, eventually, oneStepWorkflow } from "./lib/api.mjs";
import { screenshot } from "./lib/browser.mjs";
import { startedForFile, withPages } from "./lib/suite.mjs";

const TYPE = "Refund request";
const TITLE = "Crushed parcel refund";
const FORM = {
  type: "default",
  components: [
    { type: "number", key: "price", label: "Price", id: "Field_price" },
    { type: "number", key: "quantity", label: "Quantity", id: "Field_quantity" },
    { type: "number", key: "total", label: "Total", id: "Field_total" },
    { type: "hotline-month", key: "month", label: "Billing month", id: "Field_month" },
    { type: "hotline-phone", key: "phone", label: "Phone", id: "Field_phone" },
    { type: "hotline-richtext", key: "notes", label: "Notes", id: "Field_notes" },
    { type: "hotline-hidden", key: "source", defaultValue: "web form", id: "Field_source" },
    { type: "hotline-approval", key: "decision", label: "Approval", id: "Field_decision" },
  ],
};
const RULES = "values.total = (values.price || 0) * (values.quantity || 0);";

const running = startedForFile();

/** @param {string} token @param {string} query @param {Record<string, unknown>} variables */
const graphql = (token, query, variables) => callGraphql(running.hotline, token, query, variables);

/** The ticket of that title as the token's user reads it, once `ready` holds. @param {string} token @param {(ticket: any) => boolean} ready */
const readTicket = (token, ready) =>
  eventually(`the ticket ${TITLE}`, async () => {
    const { tickets } = await graphql(token, "query($filter: TicketFilter) { tickets(filter: $filter) { items { id number title status values } } }", { filter: { text: TITLE } });
    const ticket = tickets.items.find((/** @type {{ title: string }} */ item) => item.title === TITLE);
    return ticket && ready(ticket) ? ticket : null;
  });

describe("month, phone, rich text, hidden, approval and calculated fields", { timeout: 5 * 60_000 }, () => {
  test("an agent fills the form, another approves, and the ticket records who decided", { timeout: 180_000 }, () =>
    withPages(running, "ticket-kinds", async (signIn) => {
      const { hotline } = running;
      const adminToken = await apiToken(hotline, "admin");
      const { roles } = await graphql(adminToken, "{ roles { id key } }", {});
      const agentRole = /** @type {{ id: string, key: string | null }[]} */ (roles).find((role) => role.key === "agent")?.id;
      assert.ok(agentRole, "the built-in agent role");
      const created = await graphql(adminToken, "mutation($input: CreateTicketTypeInput!) { createTicketType(input: $input) { aggregateId } }", {
        input: { name: TYPE, description: "", form: FORM, rules: RULES },
      });
      await graphql(adminToken, "mutation($input: PublishTicketWorkflowInput!) { publishTicketWorkflow(input: $input) { lastPosition } }", {
        input: { typeId: created.createTicketType.aggregateId, bpmnXml: oneStepWorkflow({ name: "Approve", assignee: `role:${agentRole}`, fields: "decision=required" }) },
      });

      const opener = await signIn("agent1");
      await opener.goto("/tickets");
      await opener.getByTestId("ticket-new").click();
      const modal = opener.locator(".ant-modal").filter({ has: opener.getByTestId("ticket-new-form") });
      await modal.getByTestId("ticket-new-type").getByText(`${TYPE} (v1)`).waitFor();
      await modal.getByTestId("ticket-new-title").fill(TITLE);
      const form = modal.getByTestId("ticket-form-view");

      // The total is the rules', shown in its field and locked, as the agent types.
      await form.getByLabel("Price").fill("12.5");
      await form.getByLabel("Quantity").fill("4");
      await form.getByTestId("ticket-field-calculated-total").waitFor();
      const total = form.getByLabel("Total");
      await opener.waitForFunction((input) => input instanceof HTMLInputElement && input.value === "50", await total.elementHandle());
      assert.equal(await total.isEditable(), false, "a calculated field cannot be typed over");

      // A month, a phone number (refused until it is one), formatted notes.
      const month = form.getByLabel("Billing month");
      await month.click();
      await month.fill("2026-11");
      await month.press("Enter");
      const phone = form.getByLabel("Phone", { exact: true });
      await phone.fill("call me");
      await phone.blur();
      await form.getByText("A phone number: 3 to 20 digits", { exact: false }).waitFor();
      await phone.fill("021-5550 1234");
      await phone.blur();
      const notes = form.getByTestId("ticket-field-notes").locator("[contenteditable='true']");
      await notes.click();
      await opener.keyboard.type("The box was crushed.");
      // The hidden field is nowhere on the form.
      assert.equal(await form.getByText("web form").count(), 0);
      await screenshot(opener, "ticket-kinds-new");
      await opener.getByTestId("ticket-new-submit").click();
      await modal.waitFor({ state: "hidden" });

      const opened = await readTicket(adminToken, (ticket) => ticket.values.total === 50);
      assert.equal(opened.values.month, "2026-11");
      assert.equal(opened.values.phone, "021-5550 1234");
      assert.equal(opened.values.source, "web form", "the hidden field's value went with the ticket");
      assert.match(opened.values.notes, /<p>The box was crushed\.<\/p>/);
      assert.equal(opened.values.decision ?? null, null);

      // agent2 decides at the step.
      const approver = await signIn("agent2");
      await approver.goto("/tickets");
      await approver.getByTestId("ticket-row-open").filter({ hasText: opened.number }).click();
      const detail = approver.getByTestId("ticket-detail");
      await detail.getByTestId("ticket-field-decision-approve").click();
      await detail.getByTestId("ticket-field-decision-comment").fill("Within the refund policy");
      await detail.getByTestId("ticket-complete").click();
      const decided = detail.getByTestId("ticket-field-decision-decision");
      await decided.waitFor();
      await detail.getByText("Approved by Demo agent two", { exact: false }).waitFor();
      await screenshot(approver, "ticket-kinds-approved");

      const finished = await readTicket(adminToken, (ticket) => ticket.status === "FINISHED");
      const { me } = await graphql(await apiToken(hotline, "agent2"), "{ me { id } }", {});
      assert.equal(finished.values.decision.decision, "approved");
      assert.equal(finished.values.decision.comment, "Within the refund policy");
      assert.equal(finished.values.decision.by, me.id, "the ticket records who decided");
      assert.ok(finished.values.decision.at, "and when");
    }));
});
