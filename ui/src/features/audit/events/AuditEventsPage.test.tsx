import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setSession } from "../../../api/session";
import { App } from "../../../app/App";
import "../../../features";
import { downloadExport, toFilter } from "./AuditEventsPage";
import dayjs from "dayjs";
import { type Answer, fakeGraphqlServer, graphqlError } from "../../../test/fakeServer";

const EVENTS_MENU = { key: "menu.audit.events", titleKey: "menu.audit.events", path: "/audit/events", icon: "audit", children: [] };

const event = (position: number, type = "user.created") => ({
  id: `e${position}`,
  type,
  schemaVersion: 1,
  streamId: `user-${position}`,
  streamVersion: 1,
  globalPosition: position,
  occurredAt: "2026-11-01T10:00:00Z",
  recordedAt: "2026-11-01T10:00:00Z",
  actor: "user:u1",
  correlationId: `c${position}`,
  payload: { n: position },
  hash: "ab".repeat(32),
});

const answers = (permissions: string[], auditLog: Answer | ((variables: Record<string, unknown>) => Answer)) => ({
  Shell: {
    data: {
      me: { id: "u1", tenantId: "t1", username: "ann", displayName: "Ann Lee", roleIds: [], orgUnitId: null, permissions },
      tenant: { id: "t1", slug: "demo", name: "Demo" },
      myMenus: [{ key: "menu.audit", titleKey: "menu.audit", path: "/audit", icon: "audit", children: [EVENTS_MENU] }],
      myWidgets: [],
    },
  },
  TenantSettings: graphqlError("auth.forbidden"),
  AuditLog: auditLog,
});

beforeEach(() => {
  window.history.replaceState(null, "", "/audit/events");
  localStorage.setItem("hotline.locale", JSON.stringify("en"));
  setSession({ token: "t", tenantId: "t1", userId: "u1", username: "ann", permissions: [], expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
});

afterEach(() => {
  setSession(null);
  vi.unstubAllGlobals();
});

describe("the event log page", () => {
  it("sends the filter as auditLog's variables and pages on with the cursor", async () => {
    const { requests } = fakeGraphqlServer(
      answers(["menu.audit", "menu.audit.events"], (variables) =>
        variables.after === "2"
          ? { data: { auditLog: { items: [event(3)], nextCursor: "3", hasMore: false } } }
          : { data: { auditLog: { items: [event(1), event(2)], nextCursor: "2", hasMore: true } } },
      ),
    );
    render(<App />);
    expect(await screen.findByText("user-1")).toBeTruthy();
    const first = requests.filter((r) => r.operation === "AuditLog");
    expect(first[0]!.variables).toEqual({ first: 100 });
    // No export without audit.export.
    expect(screen.queryByTestId("export-events")).toBeNull();

    const types = screen.getByLabelText("Event types");
    fireEvent.change(types, { target: { value: "user.created" } });
    fireEvent.keyDown(types, { key: "Enter", code: "Enter", keyCode: 13, which: 13 });
    fireEvent.change(types, { target: { value: "role.updated" } });
    fireEvent.keyDown(types, { key: "Enter", code: "Enter", keyCode: 13, which: 13 });
    fireEvent.change(screen.getByLabelText("Stream id"), { target: { value: " user-42 " } });
    fireEvent.change(screen.getByLabelText("Actor"), { target: { value: "user:u9" } });
    fireEvent.click(screen.getByTestId("search-events"));
    await waitFor(() => expect(requests.filter((r) => r.operation === "AuditLog")).toHaveLength(2));
    const searched = requests.filter((r) => r.operation === "AuditLog")[1]!;
    expect(searched.variables).toEqual({
      first: 100,
      filter: { types: ["user.created", "role.updated"], streams: ["user-42"], actors: ["user:u9"] },
    });

    await waitFor(() => expect((screen.getByTestId("load-more-events") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("load-more-events"));
    expect(await screen.findByText("user-3")).toBeTruthy();
    const more = requests.filter((r) => r.operation === "AuditLog")[2]!;
    expect(more.variables).toEqual({ first: 100, after: "2", filter: searched.variables.filter });
    expect(screen.getByText("user-1")).toBeTruthy();
    await waitFor(() => expect((screen.getByTestId("load-more-events") as HTMLButtonElement).disabled).toBe(true));
    expect(screen.getByText("End of the log")).toBeTruthy();
  });

  it("shows an invalid filter or cursor in the user's language", async () => {
    fakeGraphqlServer(answers(["menu.audit", "menu.audit.events"], graphqlError("audit.invalid_filter", "too many types")));
    render(<App />);
    expect(
      await screen.findByText("The filter or range is not valid: check the dates, the stream ids and the number of values."),
    ).toBeTruthy();
  });

  it("exports with the bearer token for holders of audit.export and shows a refusal", async () => {
    const { fetchMock } = fakeGraphqlServer(
      answers(["menu.audit", "menu.audit.events", "audit.export"], { data: { auditLog: { items: [event(1)], nextCursor: "1", hasMore: false } } }),
    );
    const graphql = fetchMock.getMockImplementation()!;
    const exports: { url: string; authorization: string | null }[] = [];
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      if (!url.startsWith("/api/audit/export")) return graphql(url, init);
      exports.push({ url, authorization: (init.headers as Record<string, string>).authorization ?? null });
      return exports.length === 1
        ? new Response('{"id":"e1"}\n', { status: 200, headers: { "content-type": "application/x-ndjson" } })
        : new Response(JSON.stringify({ code: "auth.forbidden", detail: "no" }), {
            status: 403,
            headers: { "content-type": "application/problem+json" },
          });
    });
    const createObjectURL = vi.fn(() => "blob:x");
    const revokeObjectURL = vi.fn();
    const original = { createObjectURL: URL.createObjectURL, revokeObjectURL: URL.revokeObjectURL };
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    render(<App />);
    fireEvent.click(await screen.findByTestId("export-events"));
    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    expect(exports[0]).toEqual({ url: "/api/audit/export", authorization: "Bearer t" });
    expect(createObjectURL).toHaveBeenCalledTimes(1);
    expect((click.mock.contexts[0] as HTMLAnchorElement).download).toMatch(/^hotline-audit-\d{4}-\d{2}-\d{2}\.jsonl$/);

    await waitFor(() => expect(screen.getByTestId("export-events").className).not.toContain("ant-btn-loading"));
    fireEvent.click(screen.getByTestId("export-events"));
    await waitFor(() => expect(exports).toHaveLength(2));
    // The refusal's code, in the user's language, in the page's error Alert.
    expect(await screen.findByText("You do not have permission to do this.")).toBeTruthy();
    click.mockRestore();
    Object.assign(URL, original);
  });

  it("sends the time range as ISO strings, to auditLog and to the export", async () => {
    const from = dayjs("2026-11-01T08:00:00Z");
    const to = dayjs("2026-11-30T20:00:00Z");
    expect(toFilter({ types: [" a.b ", ""], stream: " ", actor: "", range: [from, to] })).toEqual({
      types: ["a.b"],
      from: "2026-11-01T08:00:00.000Z",
      to: "2026-11-30T20:00:00.000Z",
    });
    expect(toFilter({ range: [null, to] })).toEqual({ to: "2026-11-30T20:00:00.000Z" });
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ code: "audit.invalid_filter", detail: "bad" }), { status: 400 }));
    vi.stubGlobal("fetch", fetchMock);
    await expect(downloadExport(from.toISOString(), to.toISOString())).rejects.toMatchObject({ code: "audit.invalid_filter", serverMessage: "bad" });
    expect(fetchMock.mock.calls[0]).toEqual([
      "/api/audit/export?from=2026-11-01T08%3A00%3A00.000Z&to=2026-11-30T20%3A00%3A00.000Z",
      expect.objectContaining({ method: "GET", headers: expect.objectContaining({ authorization: "Bearer t" }) }),
    ]);
  });
});
