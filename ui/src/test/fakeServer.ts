/** A fake /graphql for component tests: answers by operation name, records requests. */
import { vi } from "vitest";

export interface RecordedRequest {
  operation: string;
  variables: Record<string, unknown>;
  authorization: string | null;
}

export type Answer = { data?: unknown; errors?: { message: string; extensions: { code: string } }[] };

export function fakeGraphqlServer(answers: Record<string, Answer | ((variables: Record<string, unknown>) => Answer)>) {
  const requests: RecordedRequest[] = [];
  const fetchMock = vi.fn(async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body)) as { query: string; variables: Record<string, unknown> };
    const operation = /(?:query|mutation)\s+(\w+)/.exec(body.query)?.[1] ?? "anonymous";
    const headers = init.headers as Record<string, string>;
    requests.push({ operation, variables: body.variables, authorization: headers.authorization ?? null });
    const answer = answers[operation];
    const payload = typeof answer === "function" ? answer(body.variables) : answer;
    return new Response(
      JSON.stringify(payload ?? { errors: [{ message: `Unknown operation ${operation}`, extensions: { code: "graphql.invalid_request" } }] }),
      { status: 200, headers: { "content-type": "application/json" } },
    );
  });
  vi.stubGlobal("fetch", fetchMock);
  return { requests, fetchMock };
}

export function graphqlError(code: string, message = code): Answer {
  return { errors: [{ message, extensions: { code } }] };
}
