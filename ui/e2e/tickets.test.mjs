// @ts-check
/**
 * Tickets end to end (issue 12), against the real server in Chromium: the administrator
 * designs a ticket type — a form with a field added through form-js's palette, a two-step
 * workflow drawn with bpmn-js's palette and context pad ("Handle" by the one who opened the
 * ticket, then "Review" by the role Supervisor, which may edit that field) — and publishes
 * it; a visitor chats, agent1 takes the chat on the desk and opens a ticket from it; the
 * ticket goes through both steps, agent1 then the supervisor, each seeing it in their
 * workbench to-dos exactly while it is theirs. The administrator then adds a Word template
 * to the type and the supervisor exports the ticket through it.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { launchChromium, logIn, newContext, pick, screenshot } from "./lib/browser.mjs";
import { startHotline } from "./lib/server.mjs";
import { unzipEntry, zip } from "./lib/zip.mjs";

/** @typedef {import("playwright-core").Page} Page */
/** @typedef {import("playwright-core").Locator} Locator */

/** @type {Awaited<ReturnType<typeof startHotline>>} */
let hotline;
/** @type {import("playwright-core").Browser} */
let browser;
/** @type {Page} */
let admin;
/** @type {Page} */
let agent;
/** @type {Page} */
let supervisor;
/** @type {Page} */
let visitor;

const TYPE = "Complaint";
const FIELD_KEY = "orderNumber";
const FIELD_LABEL = "Order number";
const TITLE = "Parcel arrived damaged";
const SAVED_QUERY = "Order A-1002";
const RULE_ERROR = "An order number looks like A-1001";
// The server runs these again and records what they calculate: the ticket keeps "A-1001".
const RULES = `values.${FIELD_KEY} = (values.${FIELD_KEY} || "").toUpperCase();
if (values.${FIELD_KEY} && !/^A-\\d+$/.test(values.${FIELD_KEY})) error("${FIELD_KEY}", "${RULE_ERROR}");`;
/** The ticket's number, as the desk shows it once opened. */
let ticketNumber = "";
let failed = false;

/**
 * @param {string} name
 * @param {() => Promise<void>} body
 */
function flow(name, body) {
  test(name, { timeout: 120_000 }, async () => {
    // The flows build on each other: after a failure the rest would only time out.
    if (failed) throw new Error("an earlier flow failed");
    try {
      await body();
    } catch (error) {
      failed = true;
      const slug = name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
      for (const [who, page] of /** @type {const} */ ([["admin", admin], ["agent", agent], ["supervisor", supervisor], ["visitor", visitor]])) {
        if (page && !page.isClosed()) await screenshot(page, `failure-tickets-${slug}-${who}`).catch(() => {});
      }
      console.error(`--- server output ---\n${hotline?.output().slice(-4000)}`);
      throw error;
    }
  });
}

/** The centre of an element on screen. @param {Locator} locator */
async function centre(locator) {
  const box = await locator.boundingBox();
  assert.ok(box, "the element is on screen");
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/**
 * Clicks `target` until `shows` appears: on a busy machine the canvas can still be settling
 * from the drop before it, and take the first click for the end of that gesture.
 * @param {Locator} target @param {Locator} shows
 */
async function clickUntil(target, shows) {
  for (let attempt = 1; ; attempt += 1) {
    await target.click();
    try {
      await shows.waitFor({ timeout: 5_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

/** A bpmn-js element of the workflow canvas by its id. @param {Page} page @param {string} id */
function diagramElement(page, id) {
  return page.locator(`[data-testid="ticket-workflow-designer"] g.djs-element[data-element-id="${id}"]`);
}

/** The ids of the user tasks in the canvas, left to right. @param {Page} page */
async function userTaskIds(page) {
  return page.locator('[data-testid="ticket-workflow-designer"] g.djs-shape[data-element-id]').evaluateAll((nodes) =>
    nodes
      .filter((node) => node.querySelector(".djs-visual rect"))
      .map((node) => ({ id: node.getAttribute("data-element-id") ?? "", x: node.getBoundingClientRect().x }))
      .sort((a, b) => a.x - b.x)
      .map((entry) => entry.id),
  );
}

/**
 * The workbench's ticket to-dos widget, after a fresh load: null while it says "Nothing to
 * do", else each to-do's text. The widget reads once when shown, so a change elsewhere
 * shows after reloading; the read side may lag a moment behind a command: poll.
 * @param {Page} page
 */
async function todos(page) {
  await page.goto("/workbench");
  const widget = page.locator('[data-widget="ticket-todos"]');
  await widget.waitFor();
  await widget.locator('[data-testid="ticket-todos"], .ant-empty').first().waitFor();
  if (await widget.locator(".ant-empty").isVisible()) return [];
  return widget.getByTestId("ticket-todo").allInnerTexts();
}

/**
 * Reloads the workbench until `accept` holds for its to-dos (bounded), and returns them.
 * @param {Page} page @param {(texts: string[]) => boolean} accept @param {string} what
 */
async function todosUntil(page, accept, what) {
  let last = /** @type {string[]} */ ([]);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    last = await todos(page);
    if (accept(last)) return last;
    await page.waitForTimeout(300);
  }
  assert.fail(`${what}: the to-dos are ${JSON.stringify(last)}`);
}

/** The to-do texts of our ticket. @param {string[]} texts */
function ours(texts) {
  return texts.filter((text) => text.includes(ticketNumber));
}

/** Opens our ticket from the workbench's to-do and waits for its detail. @param {Page} page */
async function openFromTodo(page) {
  await page.locator('[data-widget="ticket-todos"]').getByTestId("ticket-todo").filter({ hasText: ticketNumber }).click();
  const detail = page.getByTestId("ticket-detail");
  await detail.getByTestId("ticket-number").filter({ hasText: ticketNumber }).waitFor();
  // The form is drawn by form-js once loaded.
  await detail.getByTestId("ticket-form-view").locator(".fjs-form").waitFor();
  return detail;
}

describe("tickets in the browser", { timeout: 8 * 60_000 }, () => {
  before(async () => {
    hotline = await startHotline();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await hotline?.stop();
  });

  flow("the administrator designs a form and a two-step workflow and publishes it", async () => {
    const context = await newContext(browser, { baseURL: hotline.url });
    admin = await context.newPage();
    await logIn(admin, { username: "admin", password: hotline.password });
    await admin.goto("/admin/ticket-types");
    await admin.getByTestId("ticket-type-new").click();
    await admin.getByTestId("ticket-type-name").fill(TYPE);
    await admin.getByTestId("ticket-type-description").fill("A customer is not happy");

    // The form: the template's "Description", and a text field from the palette (a palette
    // entry takes Enter as well as a drag: the field goes last and is selected).
    const formDesigner = admin.getByTestId("ticket-form-designer");
    await formDesigner.locator(".fjs-form-field").filter({ hasText: "Description" }).first().waitFor();
    await formDesigner.locator('.fjs-palette-field[data-field-type="textfield"]').focus();
    await admin.keyboard.press("Enter");
    const added = formDesigner.locator(".fjs-editor-container .fjs-form-field").filter({ hasText: "Text field" });
    await added.click();
    const key = formDesigner.locator("#bio-properties-panel-key");
    const general = formDesigner.locator(".bio-properties-panel-group-header").filter({ hasText: "General" });
    await general.waitFor();
    if (!(await key.isVisible())) await general.click();
    await key.waitFor();
    await key.fill(FIELD_KEY);
    await key.press("Tab");
    const label = formDesigner.locator("#bio-properties-panel-label");
    await label.fill(FIELD_LABEL);
    await label.press("Tab");
    await formDesigner.locator(".fjs-editor-container .fjs-form-field").filter({ hasText: FIELD_LABEL }).waitFor();
    await screenshot(admin, "tickets-designer-form");

    // The workflow: the template's start → "Handle" → end; the field above is in it
    // (the template lists the form's fields when the tab first opens).
    await admin.getByTestId("ticket-type-tab-workflow").click();
    const panel = admin.getByTestId("ticket-step-panel");
    const handle = diagramElement(admin, "Task_handle");
    await handle.waitFor();
    await handle.click();
    await admin.locator('[data-testid="ticket-step-panel"][data-element-id="Task_handle"]').waitFor();
    assert.equal(await panel.getByTestId("ticket-step-name").inputValue(), "Handle");
    await panel.getByTestId("ticket-step-assignee").getByText("The one who opened the ticket", { exact: true }).waitFor();
    await panel.getByTestId(`ticket-step-field-access-${FIELD_KEY}`).getByText("Editable", { exact: true }).waitFor();

    // Room for a second step: the end event moves right (a drag on the canvas) ...
    const end = diagramElement(admin, "EndEvent_1");
    const from = await centre(end);
    await admin.mouse.move(from.x, from.y);
    await admin.mouse.down();
    await admin.mouse.move(from.x + 100, from.y, { steps: 5 });
    await admin.mouse.move(from.x + 220, from.y, { steps: 5 });
    await admin.mouse.up();
    await admin.waitForFunction(
      ([x]) => {
        const node = document.querySelector('[data-testid="ticket-workflow-designer"] g.djs-element[data-element-id="EndEvent_1"]');
        return node !== null && node.getBoundingClientRect().x > x + 150;
      },
      [from.x],
    );
    // ... and a task from the palette dropped onto the flow into it splits that flow
    // (Handle → task → end) ...
    const flowIntoEnd = diagramElement(admin, "Flow_end");
    const drop = await centre(flowIntoEnd);
    await admin.locator('.djs-palette .entry[data-action="create.task"]').click();
    await admin.mouse.move(drop.x - 40, drop.y + 40, { steps: 5 });
    await admin.mouse.move(drop.x, drop.y, { steps: 5 });
    await admin.mouse.down();
    await admin.mouse.up();
    // ... then becomes a user task through the context pad's replace menu.
    await admin.locator('.djs-context-pad .entry[data-action="replace"]').click();
    await admin.locator('.djs-popup [data-id="replace-with-user-task"]').click();
    await admin.locator(".djs-popup").waitFor({ state: "detached" });
    const [first, second, ...more] = await userTaskIds(admin);
    assert.equal(first, "Task_handle");
    assert.ok(second, "a second task");
    assert.deepEqual(more, []);
    await clickUntil(diagramElement(admin, second), admin.locator(`[data-testid="ticket-step-panel"][data-element-id="${second}"]`));
    await panel.getByTestId("ticket-step-name").fill("Review");
    await panel.getByTestId("ticket-step-name").press("Enter");
    await diagramElement(admin, second).getByText("Review").waitFor();
    await pick(admin, panel.getByTestId("ticket-step-assignee"), "Supervisor", "Supervisor");
    await panel.getByTestId("ticket-step-assignee").getByText("Supervisor", { exact: true }).waitFor();
    await pick(admin, panel.getByTestId(`ticket-step-field-access-${FIELD_KEY}`), "Editable");
    await panel.getByTestId(`ticket-step-field-access-${FIELD_KEY}`).getByText("Editable", { exact: true }).waitFor();
    await screenshot(admin, "tickets-designer-workflow");

    // Form rules: order numbers are upper-cased, and must look like A-1001. Tried here first.
    await admin.getByTestId("ticket-type-tab-rules").click();
    await admin.getByTestId("ticket-type-rules").fill(RULES);
    await admin.getByTestId("ticket-type-rules-sample").fill(JSON.stringify({ [FIELD_KEY]: "b-7" }));
    await admin.getByTestId("ticket-type-rules-try").click();
    await admin.getByTestId("ticket-type-rules-result").getByText("B-7", { exact: false }).waitFor();
    await screenshot(admin, "tickets-designer-rules");

    await admin.getByTestId("ticket-type-save").click();
    await admin.locator(".ant-message").getByText("saved", { exact: false }).first().waitFor();
    const published = admin.waitForRequest((request) => (request.postData() ?? "").includes("publishTicketWorkflow"));
    await admin.getByTestId("ticket-type-publish").click();
    const request = await published;
    await admin.locator(".ant-message").getByText("published", { exact: false }).first().waitFor();
    assert.equal(await admin.getByTestId("ticket-type-error").count(), 0);
    // The header shows the version just published (a new type's first save gave it its id).
    await admin.getByTestId("ticket-type-version").getByText("v1", { exact: true }).waitFor();
    await screenshot(admin, "tickets-designer-published");
    // What went to the server: two user tasks in a row, the second by the role Supervisor.
    const xml = String(JSON.parse(request.postData() ?? "{}").variables?.input?.bpmnXml ?? "");
    assert.equal((xml.match(/<bpmn:userTask /g) ?? []).length, 2, xml);
    assert.match(xml, /<bpmn:userTask id="Task_handle" name="Handle" hotline:assignee="starter"/, xml);
    assert.match(xml, new RegExp(`name="Review" hotline:assignee="role:[^"]+" hotline:fields="[^"]*${FIELD_KEY}=editable`), xml);
    assert.match(xml, new RegExp(`sourceRef="Task_handle" targetRef="${second}"`), xml);
    assert.match(xml, new RegExp(`sourceRef="${second}" targetRef="EndEvent_1"`), xml);
    assert.equal((xml.match(/<bpmn:sequenceFlow /g) ?? []).length, 3, xml);

    // The type's signing secret for service calls: made once, shown once, then only its date.
    await admin.getByTestId("ticket-type-tab-services").click();
    await admin.getByTestId("ticket-type-service-secret-rotate").click();
    const secret = admin.getByTestId("ticket-type-service-secret-value");
    await secret.getByText("whsec_", { exact: false }).waitFor();
    await admin.getByTestId("ticket-type-service-secret-value-done").click();
    await secret.waitFor({ state: "hidden" });
    await admin.locator('[data-testid="ticket-type-service-secret-state"].ant-alert-success').waitFor();

    await admin.getByTestId("ticket-type-back").click();
    const row = admin.getByTestId("ticket-types-table").locator("tr").filter({ has: admin.getByTestId("ticket-type-open").getByText(TYPE, { exact: true }) });
    await row.getByText("v1", { exact: true }).waitFor();
    await screenshot(admin, "tickets-types-published");
  });

  flow("agent1 takes a visitor's chat on the desk and opens a ticket from it", async () => {
    const agentContext = await newContext(browser, { baseURL: hotline.url });
    agent = await agentContext.newPage();
    await logIn(agent, { username: "agent1", password: hotline.password });
    await agent.goto("/desk");
    await pick(agent, agent.getByTestId("desk-presence"), "Available");
    const confirm = agent.getByTestId("desk-presence-confirm");
    if (await confirm.isVisible().catch(() => false)) await confirm.click();

    const visitorContext = await newContext(browser, { baseURL: hotline.url });
    visitor = await visitorContext.newPage();
    await visitor.goto("/chat/h5?tenant=demo&language=en");
    await visitor.getByTestId("hotline-panel").waitFor();
    await visitor.getByTestId("hotline-input").fill("My parcel arrived damaged");
    await visitor.getByTestId("hotline-send").click();

    const offer = agent.getByTestId("desk-offer").first();
    await offer.waitFor();
    await offer.getByTestId("desk-accept").click();
    await agent.getByTestId("desk-message").filter({ hasText: "arrived damaged" }).waitFor();

    await agent.getByTestId("desk-create-ticket").click();
    const modal = agent.locator(".ant-modal").filter({ has: agent.getByTestId("ticket-new-form") });
    await modal.waitFor();
    // The only published type is chosen at once.
    await modal.getByTestId("ticket-new-type").getByText(`${TYPE} (v1)`).waitFor();
    await modal.getByTestId("ticket-new-title").fill(TITLE);
    const formView = modal.getByTestId("ticket-form-view");
    await formView.getByLabel("Description").fill("The box was crushed.");
    // The rules run in the browser as the agent types: an error first, then a calculation.
    await formView.getByLabel(FIELD_LABEL).fill("1001");
    await modal.getByTestId("ticket-rules-errors").getByText(RULE_ERROR, { exact: false }).waitFor();
    await formView.getByLabel(FIELD_LABEL).fill("a-1001");
    await modal.getByTestId("ticket-rules-computed").getByText("A-1001", { exact: false }).waitFor();
    assert.equal(await modal.getByTestId("ticket-rules-errors").count(), 0);
    await screenshot(agent, "tickets-desk-new-ticket");
    await agent.getByTestId("ticket-new-submit").click();
    const created = agent.getByTestId("desk-ticket-created");
    await created.waitFor();
    const match = /Ticket (\S+) opened/.exec(await created.innerText());
    assert.ok(match, `the ticket's number shows: ${await created.innerText()}`);
    ticketNumber = match[1] ?? "";
    await modal.waitFor({ state: "hidden" });
    // The conversation now shows its ticket beside the button.
    await agent.getByTestId("desk-ticket").getByText(ticketNumber, { exact: true }).waitFor();
    await screenshot(agent, "tickets-desk-ticket-opened");
  });

  flow("the first step is agent1's to-do, not the supervisor's", async () => {
    const agentTodos = await todosUntil(agent, (texts) => ours(texts).length === 1, "agent1 has the ticket to do");
    assert.match(ours(agentTodos)[0] ?? "", new RegExp(`${TITLE}[\\s\\S]*${TYPE} · Handle`));
    await screenshot(agent, "tickets-agent-todos-handle");

    const supervisorContext = await newContext(browser, { baseURL: hotline.url });
    supervisor = await supervisorContext.newPage();
    await logIn(supervisor, { username: "supervisor", password: hotline.password });
    assert.deepEqual(await todos(supervisor), []);
  });

  flow("agent1 completes Handle: the ticket moves to the supervisor's to-dos at Review", async () => {
    const detail = await openFromTodo(agent);
    await detail.getByTestId("ticket-task").filter({ hasText: "Handle" }).waitFor();
    await detail.getByTestId("ticket-status").getByText("Open", { exact: true }).waitFor();
    assert.equal(await detail.getByTestId("ticket-form-view").getByLabel(FIELD_LABEL).inputValue(), "A-1001");
    await screenshot(agent, "tickets-agent-ticket-handle");
    await detail.getByTestId("ticket-complete").filter({ hasText: "Complete Handle" }).click();
    // The drawer shows the next step, which is not agent1's to complete.
    const next = agent.getByTestId("ticket-detail").getByTestId("ticket-task").filter({ hasText: "Review" });
    await next.waitFor();
    await next.getByText("Supervisor").waitFor();
    assert.equal(await agent.getByTestId("ticket-detail").getByTestId("ticket-complete").count(), 0);
    await screenshot(agent, "tickets-agent-ticket-review");

    await todosUntil(agent, (texts) => texts.length === 0, "agent1 has nothing left to do");
    const supervisorTodos = await todosUntil(supervisor, (texts) => ours(texts).length === 1, "the supervisor has the ticket to do");
    assert.match(ours(supervisorTodos)[0] ?? "", new RegExp(`${TITLE}[\\s\\S]*${TYPE} · Review`));
    await screenshot(supervisor, "tickets-supervisor-todos-review");
  });

  flow("the supervisor completes Review, editing the field: the ticket is finished and off both lists", async () => {
    const detail = await openFromTodo(supervisor);
    await detail.getByTestId("ticket-task").filter({ hasText: "Review" }).waitFor();
    const field = detail.getByTestId("ticket-form-view").getByLabel(FIELD_LABEL);
    // Typed in lower case: the server's rules record it upper-cased.
    await field.fill("a-1002");
    await detail.getByTestId("ticket-complete").filter({ hasText: "Complete Review" }).click();
    const finished = supervisor.getByTestId("ticket-detail").getByTestId("ticket-status").getByText("Finished", { exact: true });
    await finished.waitFor();
    const done = supervisor.getByTestId("ticket-detail");
    assert.equal(await done.getByTestId("ticket-task").count(), 0);
    assert.equal(await done.getByTestId("ticket-complete").count(), 0);
    assert.equal(await done.getByTestId("ticket-form-view").getByLabel(FIELD_LABEL).inputValue(), "A-1002");
    await screenshot(supervisor, "tickets-supervisor-ticket-finished");

    await todosUntil(supervisor, (texts) => texts.length === 0, "the supervisor has nothing left to do");
    await todosUntil(agent, (texts) => texts.length === 0, "agent1 has nothing left to do");
    await screenshot(supervisor, "tickets-supervisor-todos-empty");
  });

  flow("the supervisor finds the ticket by a form value, shares the query, and agent1 opens it from its link", async () => {
    await supervisor.goto("/tickets");
    const rows = () => supervisor.getByTestId("tickets-table").locator("tbody tr.ant-table-row");
    await pick(supervisor, supervisor.getByTestId("ticket-filter-status"), "Finished");
    await pick(supervisor, supervisor.getByTestId("ticket-filter-type"), TYPE);
    await supervisor.getByTestId("query-condition-add").click();
    await pick(supervisor, supervisor.getByTestId("query-field").last(), FIELD_LABEL);
    // Equals ignores case; the server recorded "A-1002".
    await supervisor.getByTestId("query-value").last().fill("a-1002");
    await supervisor.getByTestId("query-apply").click();
    await rows().filter({ hasText: TITLE }).waitFor();
    assert.equal(await rows().count(), 1);
    await supervisor.getByTestId("query-value").last().fill("A-9999");
    await supervisor.getByTestId("query-apply").click();
    await rows().first().waitFor({ state: "detached" });
    await supervisor.getByTestId("query-value").last().fill("A-1002");
    await supervisor.getByTestId("query-apply").click();
    await rows().filter({ hasText: TITLE }).waitFor();

    await supervisor.getByTestId("query-name").fill(SAVED_QUERY);
    await supervisor.getByTestId("query-shared").check();
    await supervisor.getByTestId("query-save-as").click();
    await supervisor.getByTestId("query-copy-link").click();
    await supervisor.waitForURL(/[?&]query=/);
    const link = new URL(supervisor.url());
    await screenshot(supervisor, "tickets-saved-query");

    await agent.goto(`${link.pathname}${link.search}`);
    const agentRows = agent.getByTestId("tickets-table").locator("tbody tr.ant-table-row");
    await agentRows.filter({ hasText: TITLE }).waitFor();
    assert.equal(await agentRows.count(), 1);
    await agent.getByTestId("query-select").getByText(SAVED_QUERY).waitFor();
    // Not agent1's to change: no save over it, no delete.
    assert.equal(await agent.getByTestId("query-save").count(), 0);
  });
  flow("the administrator adds a Word template to the type and the supervisor exports the ticket through it", async () => {
    await admin.goto("/admin/ticket-types");
    await admin.getByTestId("ticket-type-open").getByText(TYPE, { exact: true }).click();
    await admin.getByTestId("ticket-type-tab-exports").click();
    // As Word saves typed text: the placeholder split over two runs.
    const runs = ["Ticket {{ticket.", "number}}: order {{field." + FIELD_KEY + "}}, {{ticket.status}}"]
      .map((text) => `<w:r><w:t xml:space="preserve">${text}</w:t></w:r>`)
      .join("");
    const letter = zip({
      "[Content_Types].xml": "<Types/>",
      "word/document.xml": `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>${runs}</w:p></w:body></w:document>`,
    });
    await admin.getByTestId("export-template-upload").setInputFiles({
      name: "Complaint letter.docx",
      mimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      buffer: letter,
    });
    const row = admin.locator('[data-testid="export-template-row"][data-name="Complaint letter"]');
    await row.waitFor();
    await row.getByText(`field.${FIELD_KEY}`, { exact: false }).first().waitFor();
    await screenshot(admin, "tickets-designer-export-templates");

    await supervisor.goto("/tickets");
    await pick(supervisor, supervisor.getByTestId("ticket-filter-status"), "Finished");
    await supervisor.getByTestId("query-apply").click();
    await supervisor.getByTestId("tickets-table").getByTestId("ticket-row-open").filter({ hasText: ticketNumber }).click();
    const detail = supervisor.getByTestId("ticket-detail");
    await detail.getByTestId("ticket-number").filter({ hasText: ticketNumber }).waitFor();
    await detail.getByTestId("ticket-export").click();
    const downloading = supervisor.waitForEvent("download");
    await supervisor.locator('[data-testid="ticket-export-item"][data-name="Complaint letter"]').click();
    const download = await downloading;
    assert.equal(download.suggestedFilename(), `${ticketNumber} Complaint letter.docx`);
    const chunks = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk);
    const document = unzipEntry(Buffer.concat(chunks), "word/document.xml").replace(/<[^>]+>/g, "");
    assert.equal(document, `Ticket ${ticketNumber}: order A-1002, Finished`);
  });
});
