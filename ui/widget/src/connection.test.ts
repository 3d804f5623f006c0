import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChatConnection, reconnectDelay, type StorageLike } from "./connection";
import type { MessageFrame } from "./protocol";
import { FakeSocket } from "./test/fakeSocket";

const TOKEN = "visitor-token";
const CONVERSATION = "c0ffee00-0000-4000-8000-000000000001";

function memoryStorage(initial: Record<string, string> = {}): StorageLike & { items: Record<string, string> } {
  const items = { ...initial };
  return {
    items,
    getItem: (key) => items[key] ?? null,
    setItem: (key, value) => {
      items[key] = value;
    },
  };
}

function connect(storage = memoryStorage(), random = () => 1) {
  let next = 0;
  const connection = new ChatConnection({
    url: "ws://chat.test/chat/ws?tenant=demo",
    storage,
    storageKey: "hotline.chat.demo",
    language: () => "zh-TW",
    createSocket: (url) => new FakeSocket(url),
    random,
    createClientId: () => `client-${(next += 1)}`,
  });
  connection.start();
  return { connection, storage };
}

function welcome(socket: FakeSocket, conversationId: string | null = CONVERSATION) {
  socket.accept();
  socket.receive({ type: "welcome", visitorToken: TOKEN, conversationId, status: "assigned", agentName: "Ann", rated: false });
}

function agentMessage(seq: number, text = `agent ${seq}`): MessageFrame {
  return {
    type: "message",
    seq,
    clientId: `agent-${seq}`,
    author: { kind: "agent", name: "Ann" },
    text,
    at: "2025-01-02T03:04:05Z",
  };
}

/** Lets the reconnect timer run (random is 1, so the delay is the full ceiling). */
function reconnect(attempt = 0): FakeSocket {
  const before = FakeSocket.all.length;
  vi.advanceTimersByTime(reconnectDelay(attempt, () => 1));
  expect(FakeSocket.all.length).toBe(before + 1);
  return FakeSocket.latest();
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe("hello and resuming", () => {
  it("a new visitor says hello with no token, and the welcome's token and conversation are stored", () => {
    const { connection, storage } = connect();
    const socket = FakeSocket.latest();
    expect(socket.url).toBe("ws://chat.test/chat/ws?tenant=demo");
    expect(socket.sent).toEqual([]);
    socket.accept();
    expect(socket.sent).toEqual([{ type: "hello", afterSeq: 0, language: "zh-TW" }]);
    socket.receive({ type: "welcome", visitorToken: TOKEN, conversationId: null, status: "none", rated: false });
    expect(connection.snapshot()).toMatchObject({ connection: "online", visitorToken: TOKEN, status: "none" });
    expect(JSON.parse(storage.items["hotline.chat.demo"]!)).toEqual({ visitorToken: TOKEN, conversationId: null, lastSeq: 0 });
  });

  it("a new page sends the stored token and conversation and asks for all of it, as it shows none yet", () => {
    const stored = { visitorToken: TOKEN, conversationId: CONVERSATION, lastSeq: 7 };
    connect(memoryStorage({ "hotline.chat.demo": JSON.stringify(stored) }));
    FakeSocket.latest().accept();
    expect(FakeSocket.latest().sent).toEqual([
      { type: "hello", visitorToken: TOKEN, conversationId: CONVERSATION, afterSeq: 0, language: "zh-TW" },
    ]);
  });

  it("a reconnect resumes after the last seq shown", () => {
    const { connection, storage } = connect();
    const first = FakeSocket.latest();
    welcome(first);
    for (const seq of [1, 2, 3]) first.receive(agentMessage(seq));
    expect(connection.snapshot().lastSeq).toBe(3);
    expect(JSON.parse(storage.items["hotline.chat.demo"]!)).toMatchObject({ conversationId: CONVERSATION, lastSeq: 3 });

    first.drop();
    expect(connection.snapshot().connection).toBe("reconnecting");
    const second = reconnect();
    second.accept();
    expect(second.framesOfType("hello")).toEqual([
      { type: "hello", visitorToken: TOKEN, conversationId: CONVERSATION, afterSeq: 3, language: "zh-TW" },
    ]);
  });

  it("the resume point stops at a gap, so the server sends the missing seq again", () => {
    const { connection } = connect();
    const socket = FakeSocket.latest();
    welcome(socket);
    socket.receive(agentMessage(1));
    socket.receive(agentMessage(3));
    expect(connection.snapshot().lastSeq).toBe(1);
    socket.receive(agentMessage(2));
    expect(connection.snapshot().lastSeq).toBe(3);
    expect(connection.snapshot().messages.map((entry) => entry.seq)).toEqual([1, 2, 3]);
  });
});

describe("outgoing messages", () => {
  it("go only after the welcome, in the order they were written", () => {
    const { connection } = connect();
    connection.send({ text: "first" });
    connection.send({ text: "second" });
    const socket = FakeSocket.latest();
    socket.accept();
    expect(socket.sent.map((frame) => frame.type)).toEqual(["hello"]);
    welcome(socket);
    expect(socket.framesOfType("message")).toEqual([
      { type: "message", clientId: "client-1", text: "first" },
      { type: "message", clientId: "client-2", text: "second" },
    ]);
  });

  it("a pending message is resent after a reconnect and shown once", () => {
    const { connection } = connect();
    const first = FakeSocket.latest();
    welcome(first);
    connection.send({ text: "hello?" });
    expect(first.framesOfType("message")).toEqual([{ type: "message", clientId: "client-1", text: "hello?" }]);
    expect(connection.snapshot().messages).toMatchObject([{ seq: null, text: "hello?", delivery: "pending" }]);

    first.drop();
    const second = reconnect();
    welcome(second);
    expect(second.framesOfType("message")).toEqual([{ type: "message", clientId: "client-1", text: "hello?" }]);

    // The first send did reach the server: it acks again with the first seq, and replays the message.
    second.receive({ type: "ack", clientId: "client-1", seq: 1, conversationId: CONVERSATION });
    second.receive({ ...agentMessage(1), clientId: "client-1", author: { kind: "visitor" }, text: "hello?" });
    expect(connection.snapshot().messages).toMatchObject([{ seq: 1, text: "hello?", delivery: "stored" }]);
    expect(connection.snapshot().messages).toHaveLength(1);

    // Acknowledged: the next reconnect does not send it again.
    second.drop();
    const third = reconnect();
    welcome(third);
    expect(third.framesOfType("message")).toEqual([]);
  });

  it("an ack turns the local copy into the message at that seq", () => {
    const { connection } = connect();
    const socket = FakeSocket.latest();
    welcome(socket);
    connection.send({ text: "hi" });
    socket.receive({ type: "ack", clientId: "client-1", seq: 4, conversationId: CONVERSATION });
    expect(connection.snapshot().messages).toMatchObject([{ seq: 4, clientId: "client-1", delivery: "acknowledged" }]);
  });

  it("a message with a pending clientId replaces the local copy", () => {
    const { connection } = connect();
    const socket = FakeSocket.latest();
    welcome(socket);
    connection.send({ text: "where is my parcel?" });
    socket.receive({
      type: "message",
      seq: 5,
      clientId: "client-1",
      author: { kind: "visitor", name: "Visitor" },
      text: "where is my parcel?",
      at: "2025-01-02T03:04:05Z",
    });
    expect(connection.snapshot().messages).toEqual([
      {
        seq: 5,
        clientId: "client-1",
        author: { kind: "visitor", name: "Visitor" },
        text: "where is my parcel?",
        attachment: undefined,
        at: "2025-01-02T03:04:05Z",
        delivery: "stored",
      },
    ]);
    // The late ack changes nothing.
    socket.receive({ type: "ack", clientId: "client-1", seq: 5, conversationId: CONVERSATION });
    expect(connection.snapshot().messages).toHaveLength(1);
  });

  it("an attachment goes by its id", () => {
    const { connection } = connect();
    const socket = FakeSocket.latest();
    welcome(socket);
    const attachment = { id: "file-1", name: "a.png", contentType: "image/png", size: 10, url: "/chat/files/file-1" };
    connection.send({ attachment });
    expect(socket.framesOfType("message")).toEqual([{ type: "message", clientId: "client-1", attachmentId: "file-1" }]);
    expect(connection.snapshot().messages[0]?.attachment).toEqual(attachment);
  });

  it("a rate-limited message stays pending and is tried again a second later", () => {
    const { connection } = connect();
    const socket = FakeSocket.latest();
    welcome(socket);
    connection.send({ text: "quick" });
    socket.receive({ type: "error", code: "chat.rate_limited", message: "slow down", clientId: "client-1" });
    expect(connection.snapshot().notice?.code).toBe("chat.rate_limited");
    expect(connection.snapshot().messages).toMatchObject([{ delivery: "pending" }]);
    expect(socket.framesOfType("message")).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(socket.framesOfType("message")).toHaveLength(2);
    socket.receive({ type: "ack", clientId: "client-1", seq: 1, conversationId: CONVERSATION });
    expect(connection.snapshot().notice).toBeNull();
  });

  it("a message the server refuses is marked failed and not resent", () => {
    const { connection } = connect();
    const first = FakeSocket.latest();
    welcome(first);
    connection.send({ text: "x" });
    first.receive({ type: "error", code: "chat.invalid_message", message: "text too long", clientId: "client-1" });
    expect(connection.snapshot().messages).toMatchObject([{ delivery: "failed", failure: "text too long" }]);
    first.drop();
    const second = reconnect();
    welcome(second);
    expect(second.framesOfType("message")).toEqual([]);
  });
});

describe("incoming messages", () => {
  it("a duplicate seq is shown once", () => {
    const { connection } = connect();
    const socket = FakeSocket.latest();
    welcome(socket);
    socket.receive(agentMessage(1, "first copy"));
    socket.receive(agentMessage(2));
    socket.receive(agentMessage(1, "second copy"));
    expect(connection.snapshot().messages.map((entry) => [entry.seq, entry.text])).toEqual([
      [1, "first copy"],
      [2, "agent 2"],
    ]);
  });

  it("another conversation starts from an empty list, since seqs count from 1 again", () => {
    const { connection } = connect();
    const socket = FakeSocket.latest();
    welcome(socket);
    socket.receive(agentMessage(1));
    socket.receive({ type: "status", conversationId: CONVERSATION, status: "closed" });
    connection.startNewConversation();
    expect(connection.snapshot()).toMatchObject({ conversationId: null, status: "none", messages: [], lastSeq: 0 });
    connection.send({ text: "again" });
    socket.receive({ type: "ack", clientId: "client-1", seq: 1, conversationId: "second-conversation" });
    expect(connection.snapshot()).toMatchObject({ conversationId: "second-conversation", lastSeq: 1 });
    expect(connection.snapshot().messages).toMatchObject([{ seq: 1, text: "again" }]);
  });

  it("shows the agent typing for 4 s, or until the agent's message", () => {
    const { connection } = connect();
    const socket = FakeSocket.latest();
    welcome(socket);
    socket.receive({ type: "typing", author: { kind: "agent", name: "Ann" } });
    expect(connection.snapshot().agentTyping).toBe("Ann");
    vi.advanceTimersByTime(3999);
    expect(connection.snapshot().agentTyping).toBe("Ann");
    vi.advanceTimersByTime(1);
    expect(connection.snapshot().agentTyping).toBeNull();
    socket.receive({ type: "typing", author: { kind: "agent", name: "Ann" } });
    socket.receive(agentMessage(1));
    expect(connection.snapshot().agentTyping).toBeNull();
  });
});

describe("other frames", () => {
  it("typing goes at most once every 2 s, and only in an open conversation", () => {
    const { connection } = connect();
    const socket = FakeSocket.latest();
    socket.accept();
    socket.receive({ type: "welcome", visitorToken: TOKEN, conversationId: null, status: "none", rated: false });
    connection.sendTyping();
    expect(socket.framesOfType("typing")).toHaveLength(0);
    socket.receive({ type: "status", conversationId: CONVERSATION, status: "queued" });
    connection.sendTyping();
    connection.sendTyping();
    vi.advanceTimersByTime(1999);
    connection.sendTyping();
    expect(socket.framesOfType("typing")).toHaveLength(1);
    vi.advanceTimersByTime(1);
    connection.sendTyping();
    expect(socket.framesOfType("typing")).toHaveLength(2);
  });

  it("ends the conversation, rates it once and takes the server's word that it is rated", () => {
    const { connection } = connect();
    const socket = FakeSocket.latest();
    welcome(socket);
    connection.rate(5, "");
    expect(socket.framesOfType("rate")).toEqual([]);
    connection.endConversation();
    expect(socket.framesOfType("close")).toEqual([{ type: "close" }]);
    socket.receive({ type: "status", conversationId: CONVERSATION, status: "closed", disposition: "resolved" });
    connection.rate(4, "quick and kind");
    expect(socket.framesOfType("rate")).toEqual([{ type: "rate", score: 4, comment: "quick and kind" }]);
    socket.receive({ type: "rated", conversationId: CONVERSATION, score: 4 });
    expect(connection.snapshot().rated).toBe(true);
    connection.rate(1, "");
    expect(socket.framesOfType("rate")).toHaveLength(1);
  });
});

describe("reconnecting", () => {
  it("the backoff starts at 0.5 s, doubles and is capped at 10 s, with jitter below the ceiling", () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 12].map((attempt) => reconnectDelay(attempt, () => 1));
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    expect(reconnectDelay(0, () => 0)).toBe(250);
    expect(reconnectDelay(9, () => 0)).toBe(5000);
    expect(reconnectDelay(3, () => 0.5)).toBe(3000);
  });

  it("waits longer after each failed attempt, and starts over after a welcome", () => {
    connect();
    for (const attempt of [0, 1, 2, 3, 4, 5, 6]) {
      const before = FakeSocket.all.length;
      FakeSocket.latest().drop();
      vi.advanceTimersByTime(reconnectDelay(attempt, () => 1) - 1);
      expect(FakeSocket.all.length, `attempt ${attempt}`).toBe(before);
      vi.advanceTimersByTime(1);
      expect(FakeSocket.all.length, `attempt ${attempt}`).toBe(before + 1);
    }
    welcome(FakeSocket.latest());
    FakeSocket.latest().drop();
    reconnect(0);
  });

  it("dropConnection closes the socket and reconnects", () => {
    const { connection } = connect();
    const first = FakeSocket.latest();
    welcome(first);
    connection.dropConnection();
    expect(first.closed).toBe(true);
    expect(connection.snapshot().connection).toBe("reconnecting");
    // The dropped socket's own close event, when it comes, changes nothing.
    first.drop();
    const second = reconnect();
    welcome(second);
    expect(connection.snapshot().connection).toBe("online");
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("does not reconnect once stopped (the page is going away)", () => {
    const { connection } = connect();
    welcome(FakeSocket.latest());
    connection.stop();
    expect(FakeSocket.latest().closed).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(connection.snapshot().connection).toBe("stopped");
  });
});
