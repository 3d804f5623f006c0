import { fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setSession } from "../../api/session";
import { App } from "../../app/App";
import "../../features";
import { fakeGraphqlServer, graphqlError } from "../../test/fakeServer";
import type { MenuItem } from "./shell.graphql";

const leaf = (key: string, path: string, icon = "desktop"): MenuItem => ({ key, titleKey: key, path, icon, children: [] });

const ADMIN_MENUS: MenuItem[] = [
  leaf("menu.workbench", "/workbench"),
  {
    key: "menu.admin",
    titleKey: "menu.admin",
    path: "/admin",
    icon: "setting",
    children: [leaf("menu.admin.users", "/admin/users", "team"), leaf("menu.admin.roles", "/admin/coming-soon", "safety")],
  },
];

function shellAnswer(permissions: string[], menus: MenuItem[], widgets: string[]) {
  return {
    data: {
      me: { id: "u1", tenantId: "t1", username: "ann", displayName: "Ann Lee", roleIds: [], orgUnitId: null, permissions },
      tenant: { id: "t1", slug: "demo", name: "Demo Contact Centre" },
      myMenus: menus,
      myWidgets: widgets.map((key) => ({ key })),
    },
  };
}

beforeEach(() => {
  window.history.replaceState(null, "", "/");
  localStorage.setItem("hotline.locale", JSON.stringify("en"));
  setSession({
    token: "token-1",
    tenantId: "t1",
    userId: "u1",
    username: "ann",
    permissions: [],
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  });
});

afterEach(() => {
  setSession(null);
  vi.unstubAllGlobals();
});

const profileAnswers = {
  MyProfile: { data: { user: { id: "u1", createdAt: "2025-01-02T03:04:05Z" }, tenant: { name: "Demo Contact Centre", slug: "demo" } } },
  RoleNames: graphqlError("auth.forbidden"),
};

describe("the shell", () => {
  it("shows the server's menus, the workbench tab that cannot close, and the tenant in header and footer", async () => {
    const server = fakeGraphqlServer({
      Shell: shellAnswer(["menu.workbench", "menu.admin", "menu.admin.users"], ADMIN_MENUS, ["my-profile"]),
      TenantSettings: graphqlError("graphql.invalid_request"),
      ...profileAnswers,
    });
    render(<App />);
    expect((await screen.findByTestId("organisation-name")).textContent).toBe("Demo Contact Centre");
    expect(screen.getByTestId("footer").textContent).toContain(`© ${new Date().getFullYear()} Demo Contact Centre`);
    expect(screen.getByTestId("clock")).toBeTruthy();
    // The workbench is the default tab, with the profile widget the server lists.
    const tabs = screen.getByTestId("tabs");
    expect(within(tabs).getAllByRole("tab").map((tab) => tab.textContent)).toEqual(["Workbench"]);
    expect(tabs.querySelector(".ant-tabs-tab-remove")).toBeNull();
    expect(await screen.findByText("Ann Lee", { selector: ".ant-descriptions-item-content" })).toBeTruthy();
    // The admin group opens; its entries open tabs, which close again.
    fireEvent.click(screen.getByText("Administration"));
    fireEvent.click(await screen.findByText("Roles"));
    expect(within(tabs).getAllByRole("tab").map((tab) => tab.textContent)).toEqual(["Workbench", "Roles"]);
    expect(window.location.pathname).toBe("/admin/coming-soon");
    expect(await screen.findByText(/This page is not available yet/)).toBeTruthy();
    fireEvent.click(tabs.querySelector(".ant-tabs-tab-remove")!);
    expect(within(tabs).getAllByRole("tab").map((tab) => tab.textContent)).toEqual(["Workbench"]);
    expect(window.location.pathname).toBe("/workbench");
    // No softphone permission, no softphone bar; every request carried the token.
    expect(screen.queryByTestId("softphone-slot")).toBeNull();
    expect(server.requests.every((request) => request.authorization === "Bearer token-1")).toBe(true);
  });

  it("gives holders of `softphone` the softphone slot, and uses the tenant's settings", async () => {
    fakeGraphqlServer({
      Shell: shellAnswer(["menu.workbench", "softphone"], [leaf("menu.workbench", "/workbench")], []),
      TenantSettings: {
        data: {
          tenantSettings: {
            organisationName: "Acme Care",
            logoUrl: "",
            copyright: "© Acme",
            hotlineNumber: "400-800-1234",
            websiteUrl: "javascript:alert(1)",
          },
        },
      },
    });
    render(<App />);
    expect((await screen.findByTestId("organisation-name")).textContent).toBe("Acme Care");
    expect(screen.getByTestId("softphone-slot").textContent).toContain("Softphone");
    const footer = screen.getByTestId("footer");
    expect(footer.textContent).toContain("© Acme");
    expect(footer.textContent).toContain("400-800-1234");
    // A settings value is never turned into a script link.
    expect(footer.querySelector('a[href^="javascript"]')).toBeNull();
    expect(screen.getByText("Your roles have no workbench widgets yet")).toBeTruthy();
  });

  it("reopens the tab of the address it was loaded at", async () => {
    window.history.replaceState(null, "", "/admin/coming-soon");
    fakeGraphqlServer({
      Shell: shellAnswer(["menu.workbench", "menu.admin", "menu.admin.roles"], ADMIN_MENUS, []),
      TenantSettings: graphqlError("graphql.invalid_request"),
    });
    render(<App />);
    const tabs = await screen.findByTestId("tabs");
    expect(within(tabs).getAllByRole("tab").map((tab) => tab.textContent)).toEqual(["Workbench", "Roles"]);
    expect(tabs.querySelector(".ant-tabs-tab-active")!.textContent).toBe("Roles");
  });

  it("switches language and skin from the avatar menu and remembers them", async () => {
    fakeGraphqlServer({
      Shell: shellAnswer(["menu.workbench"], [leaf("menu.workbench", "/workbench")], []),
      TenantSettings: graphqlError("graphql.invalid_request"),
    });
    render(<App />);
    fireEvent.click(await screen.findByTestId("avatar-menu"));
    fireEvent.mouseEnter(await screen.findByText("Language"));
    fireEvent.click(await screen.findByText("繁體中文（台灣）"));
    expect(await screen.findByText("工作台", { selector: ".ant-tabs-tab-btn" })).toBeTruthy();
    expect(localStorage.getItem("hotline.locale")).toBe(JSON.stringify("zh-TW"));
    expect(document.documentElement.lang).toBe("zh-TW");
    fireEvent.click(screen.getByTestId("avatar-menu"));
    fireEvent.mouseEnter(await screen.findByText("佈景主題"));
    fireEvent.click(await screen.findByText("深色"));
    expect(localStorage.getItem("hotline.skin")).toBe(JSON.stringify("dark"));
  });

  it("logs out through the server and forgets the token", async () => {
    const server = fakeGraphqlServer({
      Shell: shellAnswer(["menu.workbench"], [leaf("menu.workbench", "/workbench")], []),
      TenantSettings: graphqlError("graphql.invalid_request"),
      Logout: { data: { logout: true } },
    });
    render(<App />);
    fireEvent.click(await screen.findByTestId("avatar-menu"));
    fireEvent.click(await screen.findByText("Log out"));
    expect(await screen.findByTestId("login")).toBeTruthy();
    expect(server.requests.map((request) => request.operation)).toContain("Logout");
    expect(sessionStorage.getItem("hotline.session")).toBeNull();
  });
});
