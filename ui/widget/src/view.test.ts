import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChatConnection } from "./connection";
import type { WidgetConfig } from "./protocol";
import { FakeSocket } from "./test/fakeSocket";
import { ChatWidget, readableTextOn } from "./view";

const CONFIG: WidgetConfig = {
  tenant: "demo",
  organisationName: "Demo Contact Centre",
  primaryColor: "#1677ff",
  logoUrl: null,
  intro: "We answer within a minute.",
  welcome: "Hello! How can we help?",
  faq: [{ question: "Opening hours?", answer: "9:00 to 18:00." }],
  offlineMessages: true,
  offlinePrompt: "Leave a message and we will reply.",
  defaultLanguage: "en",
  agentsAvailable: true,
  maxUploadBytes: 1000,
  allowedUploadTypes: ["image/png", "application/pdf"],
};

function mount(config: Partial<WidgetConfig> = {}) {
  const connection = new ChatConnection({
    url: "ws://chat.test/chat/ws?tenant=demo",
    storage: null,
    storageKey: "hotline.chat.demo",
    language: () => "en",
    createSocket: (url) => new FakeSocket(url),
    createClientId: () => "client-1",
  });
  const widget = new ChatWidget({
    config: { ...CONFIG, ...config },
    connection,
    serverOrigin: "https://chat.test",
    tenant: "demo",
    mode: "bubble",
    language: "en",
    open: false,
    onLanguageChange: () => {},
    onOpenChange: () => {},
  });
  document.body.append(widget.host);
  const root = widget.host.shadowRoot!;
  const byTestId = <T extends HTMLElement = HTMLElement>(id: string) => root.querySelector<T>(`[data-testid="${id}"]`)!;
  return { connection, widget, root, byTestId };
}

function welcomeAssigned(socket: FakeSocket) {
  socket.accept();
  socket.receive({ type: "welcome", visitorToken: "token", conversationId: "c1", status: "assigned", agentName: "Ann", rated: false });
}

function press(element: HTMLElement, key: string, init: KeyboardEventInit = {}) {
  element.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
});

afterEach(() => {
  vi.useRealTimers();
  document.body.replaceChildren();
});

describe("the widget", () => {
  it("opens from the launcher, connects, and shows intro, FAQ and the welcome line", () => {
    const { root, byTestId } = mount();
    expect(byTestId("hotline-panel").hidden).toBe(true);
    expect(FakeSocket.all).toHaveLength(0);
    byTestId("hotline-launcher").click();
    expect(byTestId("hotline-panel").hidden).toBe(false);
    expect(FakeSocket.all).toHaveLength(1);
    expect(root.querySelector(".intro")?.textContent).toBe("We answer within a minute.");
    expect(root.querySelector("summary")?.textContent).toBe("Opening hours?");
    expect(byTestId("hotline-welcome").textContent).toBe("Hello! How can we help?");
  });

  it("sends on Enter but not on Shift+Enter, and draws each message with its seq and author", () => {
    const { byTestId, root } = mount();
    byTestId("hotline-launcher").click();
    const socket = FakeSocket.latest();
    welcomeAssigned(socket);
    expect(byTestId("hotline-status").textContent).toBe("Ann joined the chat");

    const input = byTestId<HTMLTextAreaElement>("hotline-input");
    input.value = "line one";
    press(input, "Enter", { shiftKey: true });
    expect(socket.framesOfType("message")).toEqual([]);
    press(input, "Enter");
    expect(socket.framesOfType("message")).toEqual([{ type: "message", clientId: "client-1", text: "line one" }]);
    expect(input.value).toBe("");

    socket.receive({ type: "ack", clientId: "client-1", seq: 1, conversationId: "c1" });
    socket.receive({
      type: "message",
      seq: 2,
      clientId: "a2",
      author: { kind: "agent", name: "Ann" },
      text: "Hi there",
      at: "2025-01-02T03:04:05Z",
    });
    socket.receive({ type: "message", seq: 2, clientId: "a2", author: { kind: "agent" }, text: "again", at: "2025-01-02T03:04:05Z" });
    const bubbles = [...root.querySelectorAll<HTMLElement>('[data-testid="hotline-message"]')];
    expect(bubbles.map((bubble) => [bubble.dataset.seq, bubble.dataset.author])).toEqual([
      ["1", "visitor"],
      ["2", "agent"],
    ]);
    expect(bubbles[1]!.querySelector(".name")?.textContent).toBe("Ann");
    expect(bubbles[1]!.querySelector(".bubble")?.textContent).toBe("Hi there");
  });

  it("does not send the Enter that confirms an input method's word", () => {
    const { byTestId } = mount();
    byTestId("hotline-launcher").click();
    welcomeAssigned(FakeSocket.latest());
    const input = byTestId<HTMLTextAreaElement>("hotline-input");
    input.value = "ni hao";
    press(input, "Enter", { isComposing: true });
    expect(FakeSocket.latest().framesOfType("message")).toEqual([]);
  });

  it("shows images as thumbnails with the visitor's token", () => {
    const { byTestId, root } = mount();
    byTestId("hotline-launcher").click();
    const socket = FakeSocket.latest();
    welcomeAssigned(socket);
    socket.receive({
      type: "message",
      seq: 1,
      clientId: "a1",
      author: { kind: "agent", name: "Ann" },
      attachment: { id: "f1", name: "map.png", contentType: "image/png", size: 10, url: "/chat/files/f1" },
      at: "2025-01-02T03:04:05Z",
    });
    expect(root.querySelector<HTMLImageElement>(".thumbnail")?.src).toBe("https://chat.test/chat/files/f1?token=token");
  });

  it("refuses a file that is too large before uploading it", () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const { byTestId } = mount();
    byTestId("hotline-launcher").click();
    welcomeAssigned(FakeSocket.latest());
    const input = byTestId<HTMLInputElement>("hotline-file");
    const file = new File(["x".repeat(2000)], "big.png", { type: "image/png" });
    Object.defineProperty(input, "files", { value: [file], configurable: true });
    input.dispatchEvent(new Event("change"));
    expect(byTestId("hotline-notice").textContent).toBe("big.png is too large: files may be up to 1000 B.");
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
  });

  it("with nobody available and no offline messages, says so and disables the input", () => {
    const { byTestId } = mount({ agentsAvailable: false, offlineMessages: false });
    byTestId("hotline-launcher").click();
    expect(byTestId("hotline-offline").textContent).toBe("Nobody is available right now. Please come back later.");
    expect(byTestId<HTMLTextAreaElement>("hotline-input").disabled).toBe(true);
  });

  it("with nobody available but offline messages on, shows the prompt and lets the visitor write", () => {
    const { byTestId } = mount({ agentsAvailable: false });
    byTestId("hotline-launcher").click();
    expect(byTestId("hotline-offline").textContent).toBe("Leave a message and we will reply.");
    expect(byTestId<HTMLTextAreaElement>("hotline-input").disabled).toBe(false);
  });

  it("ends the chat, rates it, thanks the visitor and offers a new chat", () => {
    const { byTestId } = mount();
    byTestId("hotline-launcher").click();
    const socket = FakeSocket.latest();
    welcomeAssigned(socket);
    byTestId("hotline-end").click();
    expect(socket.framesOfType("close")).toHaveLength(1);
    socket.receive({ type: "status", conversationId: "c1", status: "closed" });
    expect(byTestId("hotline-status").textContent).toBe("Chat ended");
    expect(byTestId("hotline-input").closest(".composer")?.hasAttribute("hidden")).toBe(true);

    const submit = byTestId<HTMLButtonElement>("hotline-rate-submit");
    expect(submit.disabled).toBe(true);
    byTestId("hotline-rate-star-4").click();
    byTestId<HTMLTextAreaElement>("hotline-rate-comment").value = " helpful ";
    submit.click();
    expect(socket.framesOfType("rate")).toEqual([{ type: "rate", score: 4, comment: "helpful" }]);
    socket.receive({ type: "rated", conversationId: "c1", score: 4 });
    expect(byTestId("hotline-rated").hidden).toBe(false);

    byTestId("hotline-new-chat").click();
    expect(byTestId("hotline-status").closest(".status-bar")?.hasAttribute("hidden")).toBe(true);
    expect(byTestId("hotline-input").closest(".composer")?.hasAttribute("hidden")).toBe(false);
  });

  it("shows reconnecting while the socket is down, and switches language", () => {
    const { byTestId, connection } = mount();
    byTestId("hotline-launcher").click();
    welcomeAssigned(FakeSocket.latest());
    connection.dropConnection();
    expect(byTestId("hotline-connection").hidden).toBe(false);
    expect(byTestId("hotline-connection").textContent).toBe("Reconnecting…");
    const select = byTestId<HTMLSelectElement>("hotline-language");
    select.value = "zh-TW";
    select.dispatchEvent(new Event("change"));
    expect(byTestId("hotline-connection").textContent).toBe("正在重新連線…");
    expect(byTestId("hotline-send").textContent).toBe("傳送");
  });

  it("picks text that reads on the tenant's colour", () => {
    expect(readableTextOn("#1677ff")).toBe("#ffffff");
    expect(readableTextOn("#ffeb3b")).toBe("#1f2329");
    expect(readableTextOn("#fff")).toBe("#1f2329");
  });
});
