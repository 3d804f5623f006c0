// @ts-check
/**
 * Web chat end to end (issue 5), with two browser contexts against the real server: a visitor
 * on a customer's site (another origin, serving only the widget snippet) chats with agent1 at
 * the agent desktop, both ways and with a file; the visitor's connection drops mid-chat and
 * nothing is lost or doubled; the agent closes with a disposition and the visitor rates.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { launchChromium, logIn, newContext, pick, screenshot } from "./lib/browser.mjs";
import { startHotline } from "./lib/server.mjs";

/** @typedef {import("playwright-core").Page} Page */

/** @type {Awaited<ReturnType<typeof startHotline>>} */
let hotline;
/** @type {import("playwright-core").Browser} */
let browser;
/** @type {import("node:http").Server} */
let site;
let siteUrl = "";
/** @type {Page} */
let agent;
/** @type {Page} */
let visitor;
/** @type {Page} */
let supervisor;

/** A 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/**
 * @param {string} name
 * @param {() => Promise<void>} body
 */
function flow(name, body) {
  test(name, { timeout: 120_000 }, async () => {
    try {
      await body();
    } catch (error) {
      const slug = name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
      for (const [who, page] of /** @type {const} */ ([["agent", agent], ["visitor", visitor], ["supervisor", supervisor]])) {
        if (page && !page.isClosed()) await screenshot(page, `failure-chat-${slug}-${who}`).catch(() => {});
      }
      console.error(`--- server output ---\n${hotline?.output().slice(-4000)}`);
      throw error;
    }
  });
}

/** The visitor's bubbles as [seq, author, text], in page order. @param {Page} page */
async function visitorBubbles(page) {
  return page.getByTestId("hotline-message").evaluateAll((nodes) =>
    nodes.map((node) => [node.getAttribute("data-seq"), node.getAttribute("data-author"), (node.textContent ?? "").trim()]),
  );
}

describe("web chat in the browser", { timeout: 8 * 60_000 }, () => {
  before(async () => {
    hotline = await startHotline();
    browser = await launchChromium();
    // The customer's site: another origin, whose page only carries the snippet.
    site = createServer((_, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(`<!doctype html><html><head><title>Acme shop</title><style>div { color: red !important; }</style></head>
        <body><h1>Acme shop</h1><script src="${hotline.url}/widget/hotline-chat.js" data-tenant="demo" data-language="en" async></script></body></html>`);
    });
    await new Promise((resolve) => site.listen(0, "127.0.0.1", () => resolve(undefined)));
    const address = /** @type {import("node:net").AddressInfo} */ (site.address());
    siteUrl = `http://127.0.0.1:${address.port}/`;
  });

  after(async () => {
    await browser?.close().catch(() => {});
    site?.close();
    await hotline?.stop();
  });

  flow("an agent takes a visitor's chat from another site and they talk both ways, with a file", async () => {
    // The supervisor's live view is open before anything happens: what follows reaches it by
    // subscription.
    const supervisorContext = await newContext(browser, { baseURL: hotline.url });
    supervisor = await supervisorContext.newPage();
    await logIn(supervisor, { username: "supervisor", password: hotline.password });
    await supervisor.goto("/supervisor");
    await supervisor.getByTestId("live-queue-row").first().waitFor();

    const agentContext = await newContext(browser, { baseURL: hotline.url });
    agent = await agentContext.newPage();
    await logIn(agent, { username: "agent1", password: hotline.password });
    await agent.goto("/desk");
    await pick(agent, agent.getByTestId("desk-presence"), "Available");
    const confirm = agent.getByTestId("desk-presence-confirm");
    if (await confirm.isVisible().catch(() => false)) await confirm.click();
    await supervisor.locator('[data-testid="live-agent"][data-state="AVAILABLE"]').waitFor();

    const visitorContext = await newContext(browser, { baseURL: siteUrl });
    visitor = await visitorContext.newPage();
    await visitor.goto(siteUrl);
    await visitor.getByTestId("hotline-launcher").click();
    await visitor.getByTestId("hotline-input").fill("Hello, my parcel is late 📦");
    await visitor.getByTestId("hotline-send").click();

    const offer = agent.getByTestId("desk-offer").first();
    await offer.waitFor();
    await offer.getByTestId("desk-accept").click();
    await agent.getByTestId("desk-message").filter({ hasText: "my parcel is late" }).waitFor();
    await agent.getByTestId("desk-screen-pop").waitFor();

    await agent.getByTestId("desk-input").fill("Sorry to hear that! What is your order number?");
    await agent.getByTestId("desk-send").click();
    await visitor.locator('[data-testid="hotline-message"][data-author="agent"]').filter({ hasText: "order number" }).waitFor();

    await visitor.getByTestId("hotline-file").setInputFiles({ name: "receipt.png", mimeType: "image/png", buffer: PNG });
    await agent.getByTestId("desk-message").filter({ has: agent.locator("img, a") }).last().waitFor();
  });

  flow("the visitor's connection drops mid-chat and comes back with nothing lost or doubled", async () => {
    await visitor.evaluate(() => /** @type {any} */ (window).HotlineChat.dropConnection());
    for (const text of ["Are you still there?", "I found your order."]) {
      await agent.getByTestId("desk-input").fill(text);
      await agent.getByTestId("desk-send").click();
    }
    await visitor.getByTestId("hotline-input").fill("Order 12345");
    await visitor.getByTestId("hotline-send").click();
    await visitor.locator('[data-testid="hotline-message"]').filter({ hasText: "I found your order." }).waitFor();
    await visitor.locator('[data-testid="hotline-message"][data-seq]').filter({ hasText: "Order 12345" }).waitFor();
    await agent.getByTestId("desk-message").filter({ hasText: "Order 12345" }).waitFor();
    const bubbles = await visitorBubbles(visitor);
    const seqs = bubbles.map(([seq]) => seq).filter(Boolean);
    assert.deepEqual(seqs, [...new Set(seqs)], `no seq shown twice: ${JSON.stringify(bubbles)}`);
    assert.deepEqual(seqs.map(Number), seqs.map((_, index) => index + 1), `no gap: ${JSON.stringify(bubbles)}`);
    assert.equal(bubbles.filter(([, , text]) => String(text).includes("Order 12345")).length, 1);
    assert.equal(await agent.getByTestId("desk-message").filter({ hasText: "Order 12345" }).count(), 1);
  });

  flow("the agent closes with a disposition and the visitor rates the chat", async () => {
    await agent.getByTestId("desk-close").click();
    await pick(agent, agent.getByTestId("desk-disposition"), "Resolved");
    await agent.getByTestId("desk-close-confirm").click();
    await visitor.getByTestId("hotline-rate-star-5").click();
    await visitor.getByTestId("hotline-rate-comment").fill("Quick and kind");
    await visitor.getByTestId("hotline-rate-submit").click();
    await visitor.getByTestId("hotline-rated").waitFor();
    await agent.getByTestId("desk-rating").waitFor();
    await screenshot(agent, "chat-desk-after-rating");
    await screenshot(visitor, "chat-widget-after-rating");
    await screenshot(supervisor, "chat-live-view");
  });

  flow("the full-page H5 variant opens the chat without a launcher", async () => {
    const context = await newContext(browser, { baseURL: hotline.url });
    const page = await context.newPage();
    await page.goto("/chat/h5?tenant=demo&language=zh-CN");
    await page.getByTestId("hotline-panel").waitFor();
    assert.equal(await page.getByTestId("hotline-launcher").count(), 0);
    await page.getByTestId("hotline-input").fill("你好");
    await page.getByTestId("hotline-send").click();
    await page.locator('[data-testid="hotline-message"][data-seq="1"]').filter({ hasText: "你好" }).waitFor();
    await context.close();
  });
});
