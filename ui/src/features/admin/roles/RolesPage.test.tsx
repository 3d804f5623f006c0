import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setSession } from "../../../api/session";
import { App } from "../../../app/App";
import "../../../features";
import { fakeGraphqlServer, graphqlError } from "../../../test/fakeServer";
import type { RolesPageData } from "./roles.graphql";

const ROLES_MENU = { key: "menu.admin.roles", titleKey: "menu.admin.roles", path: "/admin/roles", icon: "safety", children: [] };

const shell = (permissions: string[]) => ({
  data: {
    me: { id: "u1", tenantId: "t1", username: "ann", displayName: "Ann Lee", roleIds: [], orgUnitId: null, permissions },
    tenant: { id: "t1", slug: "demo", name: "Demo" },
    myMenus: [{ key: "menu.admin", titleKey: "menu.admin", path: "/admin", icon: "setting", children: [ROLES_MENU] }],
    myWidgets: [],
  },
});

const page: RolesPageData = {
  roles: [
    {
      id: "r-agent",
      key: "agent",
      name: "Agent",
      description: "Serves customers.",
      permissions: ["menu.workbench", "softphone"],
      dataScopes: [{ resource: "users", scope: "OWN" }],
      builtIn: true,
    },
    {
      id: "r-clerk",
      key: null,
      name: "Clerk",
      description: "Keeps the lists",
      permissions: ["menu.workbench"],
      dataScopes: [],
      builtIn: false,
    },
  ],
  permissionCatalogue: [
    { key: "menu.workbench", kind: "MENU", parentKey: null },
    { key: "menu.admin", kind: "MENU", parentKey: null },
    { key: "menu.admin.dictionary", kind: "MENU", parentKey: "menu.admin" },
    { key: "dictionary.edit", kind: "BUTTON", parentKey: "menu.admin.dictionary" },
    { key: "softphone", kind: "BUTTON", parentKey: null },
  ],
  scopedResources: ["users"],
};

beforeEach(() => {
  window.history.replaceState(null, "", "/admin/roles");
  localStorage.setItem("hotline.locale", JSON.stringify("en"));
  setSession({ token: "t", tenantId: "t1", userId: "u1", username: "ann", permissions: [], expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
});

afterEach(() => {
  setSession(null);
  vi.unstubAllGlobals();
});

const box = (key: string) => screen.getByTestId(`permission-${key}`) as HTMLInputElement;

describe("the roles page", () => {
  it("shows built-in roles translated and read-only", async () => {
    localStorage.setItem("hotline.locale", JSON.stringify("zh-TW"));
    fakeGraphqlServer({ Shell: shell(["menu.admin", "menu.admin.roles", "role.edit"]), TenantSettings: graphqlError("auth.forbidden"), RolesPage: { data: page } });
    render(<App />);
    const table = await screen.findByTestId("roles-table");
    const agentRow = (await within(table).findByText("客服人員")).closest("tr")!;
    expect(within(agentRow).getByText("為客戶提供服務。")).toBeTruthy();
    expect(within(agentRow).getByText("使用者: 僅本人")).toBeTruthy();
    fireEvent.click(within(agentRow).getByText("檢視"));
    expect(await screen.findByText("內建角色無法修改。可複製為新角色後再調整。")).toBeTruthy();
    expect(screen.queryByTestId("role-save")).toBeNull();
    expect(box("softphone").checked).toBe(true);
    expect(box("softphone").disabled).toBe(true);
  });

  it("saves a new role from the matrix in one command, and puts a refusal under its field", async () => {
    const saved: unknown[] = [];
    const server = fakeGraphqlServer({
      Shell: shell(["menu.admin", "menu.admin.roles", "role.edit"]),
      TenantSettings: graphqlError("auth.forbidden"),
      RolesPage: { data: page },
      SaveRole: (variables) => {
        saved.push(variables.input);
        return saved.length === 1
          ? graphqlError("role.invalid_name", "a role name is 1 to 80 characters without outer spaces")
          : { data: { saveRole: { aggregateId: "r-new", duplicate: false } } };
      },
    });
    render(<App />);
    // The button waits for the catalogue.
    const create = (await screen.findByTestId("create-role")) as HTMLButtonElement;
    await waitFor(() => expect(create.disabled).toBe(false));
    fireEvent.click(create);
    await screen.findByTestId("permission-matrix");
    // Nothing ticked: refused before the server is asked.
    fireEvent.change(screen.getByTestId("role-name"), { target: { value: "Lists" } });
    fireEvent.click(screen.getByTestId("role-save"));
    expect(await screen.findByText("Choose at least one permission")).toBeTruthy();
    expect(saved).toEqual([]);

    fireEvent.click(box("dictionary.edit"));
    expect(box("menu.admin.dictionary").checked).toBe(true);
    expect(box("menu.admin").checked).toBe(true);
    fireEvent.click(screen.getByText("Own department"));
    fireEvent.click(screen.getByTestId("role-save"));
    expect(await screen.findByText("A role name is 1 to 80 characters with no spaces at either end.")).toBeTruthy();
    expect(saved[0]).toMatchObject({
      name: "Lists",
      description: "",
      permissions: ["menu.admin", "menu.admin.dictionary", "dictionary.edit"],
      dataScopes: [{ resource: "users", scope: "OWN_DEPARTMENT" }],
    });
    expect(saved[0]).not.toHaveProperty("roleId");

    // An unchanged retry keeps its command id (the server applies it once).
    fireEvent.click(screen.getByTestId("role-save"));
    expect(await screen.findByText("Role Lists saved")).toBeTruthy();
    const [first, second] = saved as { commandId: string }[];
    expect(second!.commandId).toBe(first!.commandId);
    await waitFor(() => expect(server.requests.filter((request) => request.operation === "RolesPage").length).toBe(2));
  });

  it("changes a role of the tenant by its id", async () => {
    const saved: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      Shell: shell(["menu.admin", "menu.admin.roles", "role.edit"]),
      TenantSettings: graphqlError("auth.forbidden"),
      RolesPage: { data: page },
      SaveRole: (variables) => {
        saved.push(variables.input as Record<string, unknown>);
        return { data: { saveRole: { aggregateId: "r-clerk", duplicate: false } } };
      },
    });
    render(<App />);
    const row = (await screen.findByText("Clerk")).closest("tr")!;
    fireEvent.click(within(row).getByText("Edit"));
    await screen.findByTestId("permission-matrix");
    fireEvent.click(box("menu.workbench"));
    fireEvent.click(box("softphone"));
    fireEvent.click(screen.getByTestId("role-save"));
    await screen.findByText("Role Clerk saved");
    expect(saved[0]).toMatchObject({ roleId: "r-clerk", name: "Clerk", description: "Keeps the lists", permissions: ["softphone"] });
  });

  it("lists roles read-only without role.edit", async () => {
    fakeGraphqlServer({ Shell: shell(["menu.admin", "menu.admin.roles"]), TenantSettings: graphqlError("auth.forbidden"), RolesPage: { data: page } });
    render(<App />);
    await screen.findByText("Clerk");
    expect(screen.queryByTestId("create-role")).toBeNull();
    expect(screen.queryByText("Edit")).toBeNull();
  });
});
