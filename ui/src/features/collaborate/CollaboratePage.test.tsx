import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { App as AntApp, ConfigProvider } from "antd";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { I18nProvider } from "../../i18n";
import { formDirectory } from "../tickets/testing/fakeFormView";
import { CollaboratePage } from "./CollaboratePage";
import { collaborateLink } from "./link";

vi.mock("../tickets/FormView", async () => await import("../tickets/testing/fakeFormView"));

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

const LINK = {
  organisation: "Demo Co",
  ticketNumber: "T0123456789",
  title: "Refund for order 7",
  stepName: "Supplier quote",
  address: "supplier@example.com",
  expiresAt: "2026-12-05T08:00:00Z",
  form: {
    type: "default",
    components: [
      { type: "textfield", key: "amount", label: "Amount" },
      { type: "textfield", key: "note", label: "Note" },
      { type: "textfield", key: "reason", label: "Reason" },
    ],
  },
  fields: [
    { key: "amount", access: "REQUIRED" },
    { key: "note", access: "EDITABLE" },
    { key: "reason", access: "READ_ONLY" },
  ],
  values: { reason: "broken", note: "" },
  references: [],
  queryLabels: [],
};

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  credentials: RequestCredentials | undefined;
  body: unknown;
}

function json(body: unknown, status = 200, type = "application/json"): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": type } });
}

function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Response {
  return json({ type: "about:blank", title: "Refused", status, detail, code, ...extra }, status, "application/problem+json");
}

/** A fake server for the link routes: `get` and `post` answer in turn, each call recorded. */
function serve(get: () => Response, post: (body: unknown) => Response = () => json({ completed: true })) {
  const calls: Call[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const method = init.method ?? "GET";
      const body = typeof init.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
      calls.push({ url, method, headers: (init.headers ?? {}) as Record<string, string>, credentials: init.credentials, body });
      return method === "POST" ? post(body) : get();
    }),
  );
  return calls;
}

function renderPage(link: string) {
  return render(
    <I18nProvider>
      <ConfigProvider>
        <AntApp>
          <CollaboratePage link={link} />
        </AntApp>
      </ConfigProvider>
    </I18nProvider>,
  );
}

function field(key: string): HTMLInputElement {
  return screen.getByTestId(`form-field-${key}`) as HTMLInputElement;
}

describe("the collaborator's page", () => {
  it("shows the ticket and the step, and sends the editable fields' values only", async () => {
    const calls = serve(() => json(LINK));
    renderPage("abc/def+1");
    const header = await screen.findByTestId("collaborate-header");
    expect(header.textContent).toContain("Demo Co");
    expect(screen.getByTestId("collaborate-ticket").textContent).toBe("T0123456789");
    expect(header.textContent).toContain("Refund for order 7");
    expect(screen.getByTestId("collaborate-step").textContent).toBe("Step: Supplier quote");
    expect(header.textContent).toContain("supplier@example.com");
    expect(screen.getByTestId("collaborate-expires").textContent).toMatch(/^This link expires at .*2026/);
    expect(calls[0]).toMatchObject({ url: "/api/ticket-link", method: "GET", credentials: "omit" });
    expect(calls[0]!.headers["x-ticket-link"]).toBe("abc/def+1");
    expect(calls[0]!.headers.authorization).toBeUndefined();

    // Read-only fields are shown, not editable; a required one must be filled in first.
    expect(((await screen.findByTestId("form-field-reason")) as HTMLInputElement).disabled).toBe(true);
    expect(field("reason").value).toBe("broken");
    fireEvent.click(screen.getByTestId("collaborate-submit"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.filter((call) => call.method === "POST")).toHaveLength(0);

    fireEvent.change(field("amount"), { target: { value: "250" } });
    fireEvent.change(field("reason"), { target: { value: "tampered" } });
    fireEvent.click(screen.getByTestId("collaborate-submit"));
    const done = await screen.findByTestId("collaborate-done");
    expect(done.textContent).toContain("Thank you, your answer was recorded");
    const post = calls.find((call) => call.method === "POST")!;
    expect(post).toMatchObject({ url: "/api/ticket-link", credentials: "omit", body: { values: { amount: "250", note: "" } } });
    expect(post.headers["x-ticket-link"]).toBe("abc/def+1");
    expect(post.headers["content-type"]).toBe("application/json");
    expect(post.headers.authorization).toBeUndefined();
    expect(screen.queryByTestId("collaborate-submit")).toBeNull();
  });

  it("says when the link has expired, is not genuine, or its step is done", async () => {
    serve(() => problem(410, "ticket.link_expired", "the link expired"));
    const view = renderPage("old");
    const expired = await screen.findByTestId("collaborate-error");
    expect(expired.textContent).toContain("This link has expired; ask for a new one.");
    expect(expired.closest(".ant-result-warning")).not.toBeNull();
    expect(screen.queryByTestId("collaborate-submit")).toBeNull();
    view.unmount();

    serve(() => problem(404, "ticket.link_invalid", "no such link"));
    const second = renderPage("forged");
    const invalid = await screen.findByTestId("collaborate-error");
    expect(invalid.textContent).toContain("This link is not valid.");
    expect(invalid.closest(".ant-result-error")).not.toBeNull();
    second.unmount();

    serve(() => problem(409, "ticket.no_such_task", "done already"));
    renderPage("done");
    expect((await screen.findByTestId("collaborate-error")).textContent).toContain("This step is no longer open");
  });

  it("shows a refusal of the values above Send and keeps what was typed", async () => {
    serve(
      () => json(LINK),
      () => problem(422, "ticket.invalid_values", "amount: must be a number", { fields: [{ field: "amount", message: "must be a number" }] }),
    );
    renderPage("abc");
    fireEvent.change(await screen.findByTestId("form-field-amount"), { target: { value: "lots" } });
    fireEvent.click(screen.getByTestId("collaborate-submit"));
    const error = await screen.findByTestId("collaborate-submit-error");
    expect(error.textContent).toContain("Some values are not valid");
    expect(error.textContent).toContain("Amount: must be a number");
    expect(field("amount").value).toBe("lots");
    expect(screen.getByTestId("collaborate-submit")).toBeTruthy();
    expect(screen.queryByTestId("collaborate-done")).toBeNull();

    // Sending again sends what is there now; the error goes once it is taken.
    fireEvent.change(field("amount"), { target: { value: "12" } });
    serve(() => json(LINK));
    fireEvent.click(screen.getByTestId("collaborate-submit"));
    await screen.findByTestId("collaborate-done");
  });

  it("reads field errors from the detail when the problem lists none, and a closed ticket as such", async () => {
    let answer = () => problem(422, "ticket.invalid_values", "note: too long");
    serve(
      () => json(LINK),
      () => answer(),
    );
    renderPage("abc");
    fireEvent.change(await screen.findByTestId("form-field-amount"), { target: { value: "5" } });
    fireEvent.click(screen.getByTestId("collaborate-submit"));
    expect((await screen.findByTestId("collaborate-submit-error")).textContent).toContain("Note: too long");

    answer = () => problem(409, "ticket.closed", "closed");
    fireEvent.click(screen.getByTestId("collaborate-submit"));
    await waitFor(() => expect(screen.getByTestId("collaborate-submit-error").textContent).toContain("This ticket is already finished or cancelled."));
    expect(field("amount").value).toBe("5");
  });
});

describe("collaborateLink", () => {
  it("gives the form the link's references, query labels and its file routes, and no search", async () => {
    const references = [{ kind: "USER" as const, id: "u-1", label: "Ann Lee", parentId: null }];
    const queryLabels = [{ field: "region", value: "sh", label: "Shanghai" }];
    const stored = { blobId: "b-1", name: "quote.pdf", size: 4, contentType: "application/pdf" };
    const calls = serve(() => json({ ...LINK, references, queryLabels }));
    renderPage("abc/def");
    await screen.findByTestId("form-field-amount");
    const directory = formDirectory.current!;
    expect(directory.references).toEqual(references);
    expect(directory.search).toBeUndefined();
    expect(directory.queryLabels).toEqual(queryLabels);
    expect(directory.queryOptions).toBeUndefined();
    expect(directory.fileUrl).toBeUndefined();

    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit = {}) => {
        calls.push({ url, method: init.method ?? "GET", headers: (init.headers ?? {}) as Record<string, string>, credentials: init.credentials, body: init.body });
        return json(stored, 201);
      }),
    );
    const file = new File(["%PDF"], "Angebot für dich.pdf", { type: "application/pdf" });
    expect(await directory.upload!(file)).toEqual(stored);
    const upload = calls.at(-1)!;
    expect(upload).toMatchObject({ url: "/api/ticket-link/files", method: "POST", credentials: "omit", body: file });
    expect(upload.headers).toMatchObject({ "content-type": "application/pdf", "x-file-name": "Angebot%20f%C3%BCr%20dich.pdf", "x-ticket-link": "abc/def" });
    expect(upload.headers.authorization).toBeUndefined();

    // A held file downloads through the link's header (no URL holds the link), saved by name.
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit = {}) => {
        calls.push({ url, method: init.method ?? "GET", headers: (init.headers ?? {}) as Record<string, string>, credentials: init.credentials, body: init.body });
        return new Response("%PDF", { status: 200, headers: { "content-type": "application/pdf" } });
      }),
    );
    const saved: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    URL.createObjectURL = vi.fn(() => "blob:quote");
    URL.revokeObjectURL = vi.fn();
    await directory.download!(stored);
    expect(calls.at(-1)).toMatchObject({ url: "/api/ticket-link/files/b-1", method: "GET", credentials: "omit" });
    expect(calls.at(-1)!.headers["x-ticket-link"]).toBe("abc/def");
    expect(saved).toEqual(["quote.pdf"]);
  });

  it("gives no query labels for a link answer without them", async () => {
    const { queryLabels: _queryLabels, ...older } = LINK;
    serve(() => json(older));
    renderPage("abc/def");
    await screen.findByTestId("form-field-amount");
    expect(formDirectory.current!.queryLabels).toEqual([]);
  });

  it("reads the link of a /collaborate# address (or an older /collaborate/ path), decoded", () => {
    const at = (pathname: string, hash = "") => collaborateLink({ pathname, hash });
    expect(at("/collaborate", "#abc.def")).toBe("abc.def");
    expect(at("/collaborate/", "#a%2Fb%20c")).toBe("a/b c");
    expect(at("/collaborate", "")).toBe("");
    expect(at("/collaborate/abc.def")).toBe("abc.def");
    expect(at("/collaborate/a%2Fb%20c/")).toBe("a/b c");
    expect(at("/collaborate/%E0%A4%A")).toBe("%E0%A4%A");
    expect(at("/tickets", "#abc")).toBeNull();
    expect(at("/collaborates")).toBeNull();
  });
});
