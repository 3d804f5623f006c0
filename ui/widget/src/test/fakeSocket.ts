/** A WebSocket stand-in: records what the widget sends and plays the server's side. */
import type { ClientFrame, ServerFrame } from "../protocol";

export class FakeSocket {
  static all: FakeSocket[] = [];

  onopen: WebSocket["onopen"] = null;
  onmessage: WebSocket["onmessage"] = null;
  onclose: WebSocket["onclose"] = null;
  onerror: WebSocket["onerror"] = null;
  readonly sent: ClientFrame[] = [];
  closed = false;
  readonly url: string;

  constructor(url: string) {
    this.url = url;
    FakeSocket.all.push(this);
  }

  static latest(): FakeSocket {
    const socket = FakeSocket.all.at(-1);
    if (!socket) throw new Error("no socket was opened");
    return socket;
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientFrame);
  }

  close(): void {
    this.closed = true;
  }

  /** The upgrade succeeded. */
  accept(): void {
    this.onopen?.call(this as unknown as WebSocket, new Event("open"));
  }

  receive(frame: ServerFrame): void {
    this.onmessage?.call(this as unknown as WebSocket, new MessageEvent("message", { data: JSON.stringify(frame) }));
  }

  /** The network dropped the connection. */
  drop(): void {
    this.onclose?.call(this as unknown as WebSocket, new Event("close") as CloseEvent);
  }

  framesOfType<Type extends ClientFrame["type"]>(type: Type): Extract<ClientFrame, { type: Type }>[] {
    return this.sent.filter((frame): frame is Extract<ClientFrame, { type: Type }> => frame.type === type);
  }
}
