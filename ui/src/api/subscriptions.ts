/**
 * GraphQL subscriptions over graphql-ws at /graphql/ws, authenticated in `connection_init`.
 * One connection per session; it is closed on log-out.
 */
import { type Client, createClient } from "graphql-ws";
import { errorFromWire, GraphqlError, type Variables } from "./client";
import { getSession, onSessionChange } from "./session";

let client: Client | null = null;

function websocketUrl(): string {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}/graphql/ws`;
}

function getClient(): Client {
  if (!client) {
    client = createClient({
      url: websocketUrl(),
      lazy: true,
      retryAttempts: 5,
      connectionParams: () => {
        const session = getSession();
        return session ? { authorization: `Bearer ${session.token}` } : {};
      },
    });
  }
  return client;
}

onSessionChange(() => {
  void client?.dispose();
  client = null;
});

export interface SubscriptionHandlers<TData> {
  next: (data: TData) => void;
  error: (error: GraphqlError) => void;
  complete?: () => void;
}

/** Starts a subscription; the returned function stops it. */
export function subscribe<TData>(
  document: string,
  variables: Variables,
  handlers: SubscriptionHandlers<TData>,
): () => void {
  return getClient().subscribe<TData>(
    { query: document, variables },
    {
      next: (result) => {
        const firstError = result.errors?.[0];
        if (firstError) handlers.error(errorFromWire(firstError as Parameters<typeof errorFromWire>[0]));
        else if (result.data) handlers.next(result.data as TData);
      },
      error: (error: unknown) => {
        if (Array.isArray(error)) handlers.error(errorFromWire(error[0]));
        else if (error instanceof GraphqlError) handlers.error(error);
        else handlers.error(new GraphqlError("client.network", String(error)));
      },
      complete: () => handlers.complete?.(),
    },
  );
}
