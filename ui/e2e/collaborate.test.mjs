// @ts-check
/**
 * Outside collaborators end to end (issue 7), against the real server in Chromium: a ticket
 * whose "Quote" step is assigned to the supplier's address (a form field) mails them a link
 * (to an SMTP relay the test runs); the link opens the step's form on a phone-sized page
 * without a log-in, in the form's phone layout, showing only the step's fields; sending it
 * moves the ticket on, and the link then says the step is done.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { apiToken, graphql as callGraphql } from "./lib/api.mjs";
import { launchChromium, newContext, screenshot } from "./lib/browser.mjs";
import { startHotline } from "./lib/server.mjs";
import { bodyText, startSmtpSink } from "./lib/smtp.mjs";

const SUPPLIER = "supplier@mail.example";
const WORKFLOW = `<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:hotline="https://hotline.example/schema/bpmn" id="d">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="quote" />
    <bpmn:userTask id="quote" name="Quote" hotline:assignee="external-field:supplier" hotline:fields="amount=required,reason=readonly" />
    <bpmn:sequenceFlow id="f2" sourceRef="quote" targetRef="check" />
    <bpmn:userTask id="check" name="Check" hotline:assignee="starter" />
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;
const FORM = {
  type: "default",
  components: [
    { type: "textfield", key: "reason", label: "Reason" },
    { type: "textfield", key: "supplier", label: "Supplier's address" },
    { type: "textfield", key: "internal", label: "Internal note" },
    { type: "number", key: "amount", label: "Quoted amount", validate: { min: 0 } },
  ],
  // What phones show: the same fields, the amount first and labelled for a small screen.
  mobileLayout: {
    components: [
      { type: "number", key: "amount", label: "Your quote", validate: { min: 0 } },
      { type: "textfield", key: "reason", label: "Why" },
      { type: "textfield", key: "internal", label: "Internal note" },
    ],
  },
};

/** @type {Awaited<ReturnType<typeof startSmtpSink>>} */
let sink;
/** @type {Awaited<ReturnType<typeof startHotline>>} */
let hotline;
/** @type {import("playwright-core").Browser} */
let browser;

before(async () => {
  sink = await startSmtpSink();
  hotline = await startHotline({ environment: { HOTLINE_SMTP_RELAY: sink.url } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => {});
  await hotline?.stop();
  await sink?.close();
});

/** @param {string} username */
const logIn = (username) => apiToken(hotline, username);

/** @param {string} token @param {string} query @param {Record<string, unknown>} variables */
const graphql = (token, query, variables) => callGraphql(hotline, token, query, variables);

test("an outside collaborator fills in their step from the mailed link", { timeout: 120_000 }, async () => {
  const admin = await logIn("admin");
  const agent = await logIn("agent1");
  await graphql(admin, "mutation($input: UpdateTenantSettingsInput!) { updateTenantSettings(input: $input) { lastPosition } }", {
    input: { organisationName: "Demo Care", logoUrl: "", copyright: "", hotlineNumber: "", websiteUrl: "", supportEmail: "care@demo.example" },
  });
  const created = await graphql(admin, "mutation($input: CreateTicketTypeInput!) { createTicketType(input: $input) { aggregateId } }", {
    input: { name: "Supplier quotes", description: "", form: FORM },
  });
  const typeId = created.createTicketType.aggregateId;
  await graphql(admin, "mutation($input: PublishTicketWorkflowInput!) { publishTicketWorkflow(input: $input) { lastPosition } }", {
    input: { typeId, bpmnXml: WORKFLOW },
  });
  const opened = await graphql(agent, "mutation($input: OpenTicketInput!) { openTicket(input: $input) { aggregateId } }", {
    input: { typeId, title: "Replace the printer", values: { reason: "Broken on arrival", supplier: SUPPLIER, internal: "Margin 40%" } },
  });
  const ticketId = opened.openTicket.aggregateId;

  const mail = await sink.waitFor((sunk) => sunk.recipients.includes(SUPPLIER));
  const url = bodyText(mail)
    .split(/\s+/)
    .find((word) => word.includes("/collaborate#"));
  if (!url?.startsWith(`${hotline.url}/collaborate#`)) assert.fail(`no link to the page in:\n${bodyText(mail)}`);
  const link = decodeURIComponent(url.slice(url.indexOf("#") + 1));

  const context = await newContext(browser, { baseURL: hotline.url });
  const page = await context.newPage();
  // The link is the credential: no request the page makes carries it in its URL (logs keep
  // those); the page's own address holds it in the fragment, which is never sent.
  /** @type {string[]} */
  const requested = [];
  page.on("request", (request) => {
    if (request.resourceType() !== "document") requested.push(request.url());
  });
  try {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(url);
    await page.getByTestId("collaborate-step").filter({ hasText: "Quote" }).waitFor();
    assert.match(await page.getByTestId("collaborate-organisation").innerText(), /Demo Care/);
    // The phone layout, with the step's fields only: the reason to read, the amount to fill
    // in; never the internal note.
    await page.locator('[data-layout="mobile"]').waitFor();
    assert.equal(await page.getByLabel("Why").inputValue(), "Broken on arrival");
    assert.equal(await page.getByLabel("Why").isDisabled(), true);
    assert.equal(await page.getByText("Internal note").count(), 0);
    assert.equal(await page.getByText("Margin 40%").count(), 0);
    // The form's own check first: the amount is required (its message goes once it is filled in).
    await page.getByTestId("collaborate-submit").click();
    await page.getByText("Field is required.").waitFor();
    await page.getByLabel("Your quote").fill("120");
    await page.getByText("Field is required.").waitFor({ state: "detached" });
    await page.getByTestId("collaborate-submit").click();
    await page.getByTestId("collaborate-done").waitFor();
    assert.ok(requested.length > 0);
    assert.deepEqual(requested.filter((sent) => sent.includes(link) || sent.includes(encodeURIComponent(link))), []);

    // The ticket moved on to the agent, with the quote, done by the supplier.
    const ticket = (
      await graphql(agent, "query($id: UUID!) { ticket(id: $id) { values tasks { stepName mine } history { kind actorName } } }", { id: ticketId })
    ).ticket;
    assert.equal(ticket.values.amount, 120);
    assert.deepEqual(ticket.tasks, [{ stepName: "Check", mine: true }]);
    assert.deepEqual(ticket.history.at(-1), { kind: "task_completed", actorName: SUPPLIER });

    // The link now says the step is done.
    await page.reload();
    const refused = page.getByTestId("collaborate-error");
    await refused.waitFor();
    assert.equal(await refused.getAttribute("data-code"), "ticket.no_such_task");
  } catch (error) {
    await screenshot(page, "failure-collaborate").catch(() => {});
    console.error(`--- server output ---\n${hotline.output().slice(-4000)}`);
    throw error;
  } finally {
    await context.close();
  }
});
