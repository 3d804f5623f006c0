/**
 * The visitor's side of the chat WebSocket (docs/chat.md), with no DOM so that it can be
 * tested against a fake socket: it says hello and resumes, keeps each outgoing message until
 * the server has it, shows each seq once and reconnects with backoff. The view renders the
 * snapshots it publishes.
 */
import type { Attachment, Author, ClientFrame, ConversationStatus, MessageFrame, ServerFrame } from "./protocol";

/** What the connection needs of a WebSocket; tests pass a fake. */
export type SocketLike = Pick<WebSocket, "send" | "close" | "onopen" | "onmessage" | "onclose" | "onerror">;

export type StorageLike = Pick<Storage, "getItem" | "setItem">;

/** `online` once the server has answered hello with welcome: only then may other frames go. */
export type ConnectionState = "connecting" | "online" | "reconnecting" | "stopped";

/**
 * `pending`: not yet acknowledged, resent after each welcome. `acknowledged`: the server has
 * it (our copy, with the seq of the ack). `stored`: the server's copy. `failed`: refused,
 * not resent.
 */
export type Delivery = "pending" | "acknowledged" | "stored" | "failed";

/** One bubble. Entries are replaced, never changed, so a view may compare them by identity. */
export interface ChatEntry {
  seq: number | null;
  clientId: string;
  author: Author;
  text?: string;
  attachment?: Attachment;
  at: string;
  delivery: Delivery;
  /** The server's reason, for a failed entry. */
  failure?: string;
}

export interface ChatNotice {
  code: string;
  message: string;
}

export interface ChatSnapshot {
  connection: ConnectionState;
  visitorToken: string | null;
  conversationId: string | null;
  status: ConversationStatus;
  agentName: string | null;
  rated: boolean;
  /** The highest seq up to which every message is shown; the next hello's afterSeq. */
  lastSeq: number;
  /** Shown messages by seq, then the ones still on their way in the order they were sent. */
  messages: readonly ChatEntry[];
  /** The agent who is typing ("" when the server gave no name), or null. */
  agentTyping: string | null;
  /** The last error frame, until the server next accepts something. */
  notice: ChatNotice | null;
}

export interface ChatConnectionOptions {
  /** `ws(s)://HOST/chat/ws?tenant=<slug>`. */
  url: string;
  /** Where the visitor record lives (`hotline.chat.<tenant>`); null when storage is blocked. */
  storage: StorageLike | null;
  storageKey: string;
  /** The language to say hello in; read at each connect, as the visitor may switch. */
  language: () => string;
  createSocket?: (url: string) => SocketLike;
  random?: () => number;
  createClientId?: () => string;
}

/**
 * The visitor record kept in localStorage, as docs/chat.md names it. `lastSeq` is written
 * for the contract but a page does not resume from it: see the constructor.
 */
interface VisitorRecord {
  visitorToken: string | null;
  conversationId: string | null;
  lastSeq: number;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;
const TYPING_INTERVAL_MS = 2000;
const AGENT_TYPING_MS = 4000;
const RATE_LIMITED_RETRY_MS = 1000;

/**
 * The wait before reconnect attempt `attempt` (0 first): 0.5 s doubling up to 10 s. The
 * jitter keeps it between half and all of that, so that visitors dropped together by a
 * server restart do not all come back in the same instant.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(FIRST_RETRY_MS * 2 ** attempt, MAX_RETRY_MS);
  return ceiling / 2 + (random() * ceiling) / 2;
}

/** A v4 UUID. `crypto.randomUUID` exists only in secure contexts; host sites may be plain http. */
export function newClientId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class ChatConnection {
  private readonly options: ChatConnectionOptions;
  private readonly createSocket: (url: string) => SocketLike;
  private readonly random: () => number;
  private readonly createClientId: () => string;
  private readonly listeners = new Set<(snapshot: ChatSnapshot) => void>();

  private socket: SocketLike | null = null;
  private state: ConnectionState = "stopped";
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private outboxRetryTimer: ReturnType<typeof setTimeout> | undefined;
  private agentTypingTimer: ReturnType<typeof setTimeout> | undefined;
  private lastTypingSentAt = Number.NEGATIVE_INFINITY;

  private visitorToken: string | null;
  private conversationId: string | null;
  private status: ConversationStatus = "none";
  private agentName: string | null = null;
  private rated = false;
  private lastSeq = 0;
  private readonly shown = new Map<number, ChatEntry>();
  /** Entries the server has not acknowledged (pending) or refused (failed), in send order. */
  private outbox: ChatEntry[] = [];
  private agentTyping: string | null = null;
  private notice: ChatNotice | null = null;
  private current: ChatSnapshot;
  private persisted = "";

  constructor(options: ChatConnectionOptions) {
    this.options = options;
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url));
    this.random = options.random ?? Math.random;
    this.createClientId = options.createClientId ?? newClientId;
    const record = readRecord(options.storage, options.storageKey);
    this.visitorToken = record.visitorToken;
    this.conversationId = record.conversationId;
    // The stored lastSeq is not the resume point of a new page: this page shows none of the
    // conversation yet, so its first hello asks for all of it (afterSeq 0). Reconnects of the
    // same page resume after what it shows.
    this.current = this.buildSnapshot();
  }

  snapshot(): ChatSnapshot {
    return this.current;
  }

  /** Calls `listener` after every change. */
  subscribe(listener: (snapshot: ChatSnapshot) => void): void {
    this.listeners.add(listener);
  }

  start(): void {
    if (this.state !== "stopped") return;
    this.state = "connecting";
    this.openSocket();
    this.emit();
  }

  /** For the page going away: closes the socket and does not reconnect until `start`. */
  stop(): void {
    if (this.state === "stopped") return;
    this.state = "stopped";
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    this.emit();
  }

  /** Closes the socket as a network failure would, so that the reconnect path runs (tests). */
  dropConnection(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socketLost();
    socket.close();
  }

  /** Posts a message; it stays in the outbox, and is resent after each welcome, until acknowledged. */
  send(content: { text?: string; attachment?: Attachment }): void {
    const entry: ChatEntry = {
      seq: null,
      clientId: this.createClientId(),
      author: { kind: "visitor" },
      ...content,
      at: new Date().toISOString(),
      delivery: "pending",
    };
    this.outbox.push(entry);
    if (this.state === "online") this.transmitMessage(entry);
    this.emit();
  }

  /** Tells the agent the visitor is typing, at most once every 2 s. */
  sendTyping(): void {
    if (this.state !== "online" || !this.conversationOpen()) return;
    const now = Date.now();
    if (now - this.lastTypingSentAt < TYPING_INTERVAL_MS) return;
    this.lastTypingSentAt = now;
    this.transmit({ type: "typing" });
  }

  endConversation(): void {
    if (this.state === "online" && this.conversationOpen()) this.transmit({ type: "close" });
  }

  rate(score: number, comment: string): void {
    if (this.state !== "online" || this.status !== "closed" || this.rated) return;
    this.transmit({ type: "rate", score, ...(comment ? { comment } : {}) });
  }

  /** Leaves the closed conversation behind; the next message starts a new one. */
  startNewConversation(): void {
    this.forgetConversation();
    this.conversationId = null;
    this.outbox = this.outbox.filter((entry) => entry.delivery === "pending");
    this.notice = null;
    this.emit();
  }

  private openSocket(): void {
    const socket = this.createSocket(this.options.url);
    this.socket = socket;
    // A replaced socket may still fire: only the current one counts.
    socket.onopen = () => {
      if (socket === this.socket) this.sayHello();
    };
    socket.onmessage = (event) => {
      if (socket === this.socket) this.receive(event.data);
    };
    socket.onclose = () => {
      if (socket === this.socket) this.socketLost();
    };
  }

  private sayHello(): void {
    this.transmit({
      type: "hello",
      ...(this.visitorToken ? { visitorToken: this.visitorToken } : {}),
      ...(this.conversationId ? { conversationId: this.conversationId } : {}),
      afterSeq: this.lastSeq,
      language: this.options.language(),
    });
  }

  private socketLost(): void {
    this.socket = null;
    this.state = "reconnecting";
    this.clearTimers();
    this.agentTyping = null;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.openSocket();
    }, reconnectDelay(this.attempt, this.random));
    this.attempt += 1;
    this.emit();
  }

  private receive(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(data)) as ServerFrame;
    } catch {
      return;
    }
    if (typeof frame !== "object" || frame === null) return;
    switch (frame.type) {
      case "welcome":
        this.visitorToken = frame.visitorToken;
        this.adoptConversation(frame.conversationId);
        this.status = frame.status;
        this.agentName = frame.agentName ?? null;
        this.rated = frame.rated;
        this.state = "online";
        this.attempt = 0;
        this.notice = null;
        for (const entry of this.outbox) if (entry.delivery === "pending") this.transmitMessage(entry);
        break;
      case "ack":
        this.adoptConversation(frame.conversationId);
        this.acknowledge(frame.clientId, frame.seq);
        this.notice = null;
        break;
      case "message":
        this.show(frame);
        break;
      case "status":
        this.adoptConversation(frame.conversationId);
        this.status = frame.status;
        this.agentName = frame.agentName ?? null;
        if (frame.status === "closed") this.setAgentTyping(null);
        break;
      case "typing":
        if (frame.author.kind === "agent") this.setAgentTyping(frame.author.name ?? "");
        break;
      case "rated":
        if (frame.conversationId === this.conversationId) this.rated = true;
        break;
      case "error":
        this.refused(frame.code, frame.message, frame.clientId);
        break;
      default:
        return;
    }
    this.emit();
  }

  private acknowledge(clientId: string, seq: number): void {
    const entry = this.takeFromOutbox(clientId);
    if (entry && !this.shown.has(seq)) {
      this.shown.set(seq, { ...entry, seq, delivery: "acknowledged", failure: undefined });
      this.advanceLastSeq();
    }
  }

  private show(frame: MessageFrame): void {
    this.takeFromOutbox(frame.clientId);
    // The server's copy replaces our acknowledged one; a second server copy changes nothing.
    if (this.shown.get(frame.seq)?.delivery !== "stored") {
      this.shown.set(frame.seq, {
        seq: frame.seq,
        clientId: frame.clientId,
        author: frame.author,
        text: frame.text,
        attachment: frame.attachment,
        at: frame.at,
        delivery: "stored",
      });
      this.advanceLastSeq();
    }
    if (frame.author.kind === "agent") this.setAgentTyping(null);
  }

  private refused(code: string, message: string, clientId: string | undefined): void {
    this.notice = { code, message };
    if (code === "chat.already_rated") this.rated = true;
    const index = clientId === undefined ? -1 : this.outbox.findIndex((entry) => entry.clientId === clientId);
    if (index < 0) return;
    if (code === "chat.rate_limited") {
      this.retryOutboxLater();
      return;
    }
    this.outbox[index] = { ...this.outbox[index]!, delivery: "failed", failure: message };
  }

  /** The server dropped a frame for going too fast: try the outbox again a little later. */
  private retryOutboxLater(): void {
    if (this.outboxRetryTimer !== undefined) return;
    this.outboxRetryTimer = setTimeout(() => {
      this.outboxRetryTimer = undefined;
      if (this.state !== "online") return;
      for (const entry of this.outbox) if (entry.delivery === "pending") this.transmitMessage(entry);
    }, RATE_LIMITED_RETRY_MS);
  }

  private takeFromOutbox(clientId: string): ChatEntry | undefined {
    const index = this.outbox.findIndex((entry) => entry.clientId === clientId);
    return index < 0 ? undefined : this.outbox.splice(index, 1)[0];
  }

  /** Seqs have no gap, so the resume point is the end of the unbroken run from 1. */
  private advanceLastSeq(): void {
    while (this.shown.has(this.lastSeq + 1)) this.lastSeq += 1;
  }

  /** Seqs count from 1 in each conversation: another conversation starts an empty list. */
  private adoptConversation(conversationId: string | null): void {
    if (conversationId === this.conversationId) return;
    if (this.conversationId !== null) this.forgetConversation();
    this.conversationId = conversationId;
  }

  private forgetConversation(): void {
    this.shown.clear();
    this.lastSeq = 0;
    this.status = "none";
    this.agentName = null;
    this.rated = false;
    this.setAgentTyping(null);
  }

  private conversationOpen(): boolean {
    return this.conversationId !== null && (this.status === "queued" || this.status === "assigned");
  }

  private setAgentTyping(name: string | null): void {
    clearTimeout(this.agentTypingTimer);
    this.agentTyping = name;
    if (name === null) return;
    this.agentTypingTimer = setTimeout(() => {
      this.agentTyping = null;
      this.emit();
    }, AGENT_TYPING_MS);
  }

  private transmitMessage(entry: ChatEntry): void {
    this.transmit({
      type: "message",
      clientId: entry.clientId,
      ...(entry.text ? { text: entry.text } : {}),
      ...(entry.attachment ? { attachmentId: entry.attachment.id } : {}),
    });
  }

  private transmit(frame: ClientFrame): void {
    this.socket?.send(JSON.stringify(frame));
  }

  private clearTimers(): void {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.outboxRetryTimer);
    clearTimeout(this.agentTypingTimer);
    this.reconnectTimer = this.outboxRetryTimer = this.agentTypingTimer = undefined;
  }

  private buildSnapshot(): ChatSnapshot {
    const stored = [...this.shown.values()].sort((left, right) => left.seq! - right.seq!);
    return {
      connection: this.state,
      visitorToken: this.visitorToken,
      conversationId: this.conversationId,
      status: this.status,
      agentName: this.agentName,
      rated: this.rated,
      lastSeq: this.lastSeq,
      messages: [...stored, ...this.outbox],
      agentTyping: this.agentTyping,
      notice: this.notice,
    };
  }

  private emit(): void {
    this.current = this.buildSnapshot();
    this.persist();
    for (const listener of this.listeners) listener(this.current);
  }

  private persist(): void {
    const record: VisitorRecord = {
      visitorToken: this.visitorToken,
      conversationId: this.conversationId,
      lastSeq: this.lastSeq,
    };
    const json = JSON.stringify(record);
    if (json === this.persisted) return;
    this.persisted = json;
    try {
      this.options.storage?.setItem(this.options.storageKey, json);
    } catch {
      // Storage full or blocked: the chat still works, it just cannot resume after a reload.
    }
  }
}

function readRecord(storage: StorageLike | null, key: string): Omit<VisitorRecord, "lastSeq"> {
  const empty = { visitorToken: null, conversationId: null };
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(key) ?? "null");
    if (typeof parsed !== "object" || parsed === null) return empty;
    const record = parsed as Partial<Record<keyof VisitorRecord, unknown>>;
    return {
      visitorToken: typeof record.visitorToken === "string" ? record.visitorToken : null,
      conversationId: typeof record.conversationId === "string" ? record.conversationId : null,
    };
  } catch {
    return empty;
  }
}
