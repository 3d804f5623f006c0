import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getSession, setSession } from "../../api/session";
import { App } from "../../app/App";
import { fakeGraphqlServer, graphqlError } from "../../test/fakeServer";

afterEach(() => {
  setSession(null);
  vi.unstubAllGlobals();
});

function fillAndSubmit(tenant: string, username: string, password: string) {
  fireEvent.change(screen.getByLabelText(/tenant|租户|租戶/i), { target: { value: tenant } });
  fireEvent.change(screen.getByLabelText(/user name|用户名|使用者名稱/i), { target: { value: username } });
  fireEvent.change(screen.getByLabelText(/^password$|^密码$|^密碼$/i), { target: { value: password } });
  fireEvent.click(screen.getByTestId("login-submit"));
}

describe("log-in page", () => {
  it("shows a wrong password as a sentence in the chosen language", async () => {
    localStorage.setItem("hotline.locale", JSON.stringify("zh-TW"));
    const server = fakeGraphqlServer({ Login: graphqlError("auth.invalid_credentials", "wrong tenant, user name or password") });
    render(<App />);
    fillAndSubmit("demo", "admin", "not the password");
    expect(await screen.findByText("租戶、使用者名稱或密碼錯誤。")).toBeTruthy();
    expect(server.requests[0]).toMatchObject({ operation: "Login", authorization: null });
    expect(getSession()).toBeNull();
  });

  it("shows a lock-out with its end in local time", async () => {
    localStorage.setItem("hotline.locale", JSON.stringify("en"));
    fakeGraphqlServer({ Login: graphqlError("auth.locked_out", "too many failed log-ins: locked until 2030-01-31 14:05 UTC") });
    render(<App />);
    fillAndSubmit("demo", "admin", "whatever it is");
    const alert = await screen.findByTestId("login-error");
    expect(alert.textContent).toMatch(/locked until .*2030/);
  });

  it("keeps the token for the session and sends it from then on", async () => {
    localStorage.setItem("hotline.locale", JSON.stringify("en"));
    const server = fakeGraphqlServer({
      Login: {
        data: {
          login: {
            token: "signed.token",
            tenantId: "t1",
            userId: "u1",
            username: "admin",
            permissions: ["menu.workbench"],
            expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          },
        },
      },
      Shell: graphqlError("store.unavailable"),
      TenantSettings: graphqlError("graphql.invalid_request"),
    });
    render(<App />);
    fillAndSubmit(" demo ", "admin", "the right password");
    await waitFor(() => expect(getSession()?.token).toBe("signed.token"));
    expect(server.requests[0]!.variables).toMatchObject({ tenant: "demo", username: "admin" });
    expect(JSON.parse(sessionStorage.getItem("hotline.session")!).token).toBe("signed.token");
    expect(localStorage.getItem("hotline.login.tenant")).toBe(JSON.stringify("demo"));
    // The shell's first request carries the token; its error is shown with a retry.
    expect(await screen.findByText("The service is briefly unavailable; please try again in a moment.")).toBeTruthy();
    expect(server.requests.find((request) => request.operation === "Shell")!.authorization).toBe("Bearer signed.token");
  });

  it("checks the form before asking the server", async () => {
    localStorage.setItem("hotline.locale", JSON.stringify("zh-CN"));
    const server = fakeGraphqlServer({});
    render(<App />);
    fireEvent.click(screen.getByTestId("login-submit"));
    await waitFor(() => expect(screen.getAllByText("必填").length).toBe(3));
    expect(server.requests).toEqual([]);
  });
});
