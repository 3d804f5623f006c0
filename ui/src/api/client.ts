/**
 * A small GraphQL-over-HTTP client: POST /graphql with the bearer token, errors turned into
 * a `GraphqlError` that carries the server's stable code (`errors[0].extensions.code`).
 */
import { getSession, setSession } from "./session";

export const GRAPHQL_ENDPOINT = "/graphql";

/** Codes the client itself produces, beside the server's catalogue (schemas/src/errors.rs). */
export const CLIENT_CODES = {
  network: "client.network",
  badResponse: "client.bad_response",
} as const;

export class GraphqlError extends Error {
  readonly code: string;
  /** The server's own message (English), shown when the code has no translation. */
  readonly serverMessage: string;
  readonly path?: readonly (string | number)[];
  /** Everything in `extensions` (code, retryable, and whatever a code adds). */
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    serverMessage: string,
    path?: readonly (string | number)[],
    extensions: Record<string, unknown> = {},
  ) {
    super(`${code}: ${serverMessage}`);
    this.name = "GraphqlError";
    this.code = code;
    this.serverMessage = serverMessage;
    this.path = path;
    this.extensions = extensions;
  }

  get retryable(): boolean {
    return this.extensions.retryable === true;
  }
}

interface WireError {
  message?: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

interface WireResponse<TData> {
  data?: TData | null;
  errors?: WireError[];
}

export function errorFromWire(error: WireError | undefined): GraphqlError {
  const code = typeof error?.extensions?.code === "string" ? error.extensions.code : "internal";
  return new GraphqlError(code, error?.message ?? "", error?.path, error?.extensions ?? {});
}

export type Variables = Record<string, unknown>;

export interface RequestOptions {
  signal?: AbortSignal;
}

/** Sends one query or mutation and returns its data, or throws a `GraphqlError`. */
export async function request<TData>(
  document: string,
  variables: Variables = {},
  options: RequestOptions = {},
): Promise<TData> {
  const session = getSession();
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (session) headers.authorization = `Bearer ${session.token}`;
  let response: Response;
  try {
    response = await fetch(GRAPHQL_ENDPOINT, {
      method: "POST",
      headers,
      body: JSON.stringify({ query: document, variables }),
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new GraphqlError(CLIENT_CODES.network, String(cause));
  }
  let body: WireResponse<TData>;
  try {
    body = (await response.json()) as WireResponse<TData>;
  } catch {
    throw new GraphqlError(CLIENT_CODES.badResponse, `HTTP ${response.status}`);
  }
  const firstError = body.errors?.[0];
  if (firstError || body.data == null) {
    const error = errorFromWire(firstError);
    // A token the server no longer accepts (expired, revoked, signed with an old key):
    // drop it, which brings the log-in page back.
    if (error.code === "auth.unauthenticated" && session) setSession(null);
    throw error;
  }
  return body.data;
}

/** A fresh command id, so that sending the same form again is applied once. */
export function newCommandId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // crypto.randomUUID exists only in secure contexts (https or localhost).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
