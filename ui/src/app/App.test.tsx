import { render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";

vi.mock("../features/tickets/FormView", async () => await import("../features/tickets/testing/fakeFormView"));

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => {
  vi.unstubAllGlobals();
  window.history.replaceState(null, "", "/");
});

describe("the app", () => {
  it("shows an outside collaborator's page for a /collaborate# link, without logging in", async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return new Response(JSON.stringify({ type: "about:blank", title: "Gone", status: 410, detail: "expired", code: "ticket.link_expired" }), {
          status: 410,
          headers: { "content-type": "application/problem+json" },
        });
      }),
    );
    window.history.replaceState(null, "", "/collaborate#abc%2Fdef");
    render(<App />);
    expect((await screen.findByTestId("collaborate-error")).textContent).toContain("This link has expired; ask for a new one.");
    expect(screen.queryByTestId("login")).toBeNull();
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]!.url).toBe("/api/ticket-link");
    expect((calls[0]!.init.headers as Record<string, string>)["x-ticket-link"]).toBe("abc/def");
    expect(calls[0]!.init.credentials).toBe("omit");
    expect((calls[0]!.init.headers as Record<string, string>).authorization).toBeUndefined();
  });

  it("shows the log-in page elsewhere", async () => {
    window.history.replaceState(null, "", "/");
    render(<App />);
    expect(await screen.findByTestId("login")).toBeTruthy();
    expect(screen.queryByTestId("collaborate-page")).toBeNull();
  });
});
