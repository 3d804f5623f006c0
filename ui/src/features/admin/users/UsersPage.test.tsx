import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setSession } from "../../../api/session";
import { App } from "../../../app/App";
import "../../../features";
import { fakeGraphqlServer, graphqlError } from "../../../test/fakeServer";
import { pick } from "../../customers/testing/select";

const USERS_MENU = { key: "menu.admin.users", titleKey: "menu.admin.users", path: "/admin/users", icon: "team", children: [] };

const answers = (permissions: string[]) => ({
  Shell: {
    data: {
      me: { id: "u1", tenantId: "t1", username: "ann", displayName: "Ann Lee", roleIds: [], orgUnitId: null, permissions },
      tenant: { id: "t1", slug: "demo", name: "Demo" },
      myMenus: [{ key: "menu.admin", titleKey: "menu.admin", path: "/admin", icon: "setting", children: [USERS_MENU] }],
      myWidgets: [],
    },
  },
  TenantSettings: graphqlError("auth.forbidden"),
  Users: {
    data: {
      users: [
        {
          id: "u2",
          username: "bob",
          displayName: "Bob Stone",
          email: "bob@example.com",
          roleIds: ["r-agent"],
          orgUnitId: "o-team",
          lockedUntil: null,
          createdAt: "2025-01-02T03:04:05Z",
        },
      ],
    },
  },
  RoleNames: { data: { roles: [{ id: "r-agent", key: "agent", name: "Agent", builtIn: true }] } },
  OrgUnits: {
    data: {
      orgUnits: [
        { id: "o-hq", parentId: null, name: "Head office", kind: "CENTRE", dimension: "REPORTING", depth: 0, path: ["o-hq"] },
        { id: "o-team", parentId: "o-hq", name: "Team A", kind: "TEAM", dimension: "REPORTING", depth: 1, path: ["o-hq", "o-team"] },
      ],
    },
  },
});

beforeEach(() => {
  window.history.replaceState(null, "", "/admin/users");
  localStorage.setItem("hotline.locale", JSON.stringify("en"));
  setSession({ token: "t", tenantId: "t1", userId: "u1", username: "ann", permissions: [], expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
});

afterEach(() => {
  setSession(null);
  vi.unstubAllGlobals();
});

describe("the users page", () => {
  it("shows each user's unit and e-mail address and saves name, address, roles and unit in one updateUser", async () => {
    const updates: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      ...answers(["menu.admin", "menu.admin.users", "user.edit"]),
      UpdateUser: (variables) => {
        updates.push(variables.input as Record<string, unknown>);
        return updates.length === 1
          ? graphqlError("user.invalid_display_name", "bad")
          : { data: { updateUser: { aggregateId: "u2", duplicate: false } } };
      },
    });
    render(<App />);
    const row = (await screen.findByText("Bob Stone")).closest("tr")!;
    await within(row).findByText("Head office / Team A");
    expect(within(row).getByText("bob@example.com")).toBeTruthy();
    fireEvent.click(within(row).getByTestId("edit-user-bob"));
    const dialog = await screen.findByRole("dialog");
    const name = within(dialog).getByLabelText("Display name") as HTMLInputElement;
    await waitFor(() => expect(name.value).toBe("Bob Stone"));
    const email = within(dialog).getByTestId("edit-user-email") as HTMLInputElement;
    expect(email.value).toBe("bob@example.com");
    // Checked here first: no request for an address that is not one.
    fireEvent.change(email, { target: { value: "bob@" } });
    fireEvent.click(within(dialog).getByText("Save"));
    expect(await within(dialog).findByText("An address like name@example.com")).toBeTruthy();
    expect(updates).toHaveLength(0);
    fireEvent.change(email, { target: { value: "" } });
    fireEvent.change(name, { target: { value: "Bob Stone-Smith" } });
    fireEvent.click(within(dialog).getByText("Save"));
    // The server's refusal, in the user's language, under the field it is about.
    expect(await within(dialog).findByText("A display name is 1 to 120 characters with no spaces at either end.")).toBeTruthy();
    // No address is the API's null.
    expect(updates[0]).toMatchObject({ userId: "u2", displayName: "Bob Stone-Smith", email: null, roleIds: ["r-agent"], orgUnitId: "o-team" });
    fireEvent.change(name, { target: { value: "Bob Smith" } });
    fireEvent.click(within(dialog).getByText("Save"));
    expect(await screen.findByText("User bob saved")).toBeTruthy();
    expect(updates[1]).toMatchObject({ displayName: "Bob Smith", orgUnitId: "o-team" });
    // A changed form is a new command.
    expect(updates[1]!.commandId).not.toBe(updates[0]!.commandId);
  });

  it("creates a user with an e-mail address, and puts the server's refusal of it under the field", async () => {
    const creates: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      ...answers(["menu.admin", "menu.admin.users", "user.create"]),
      CreateUser: (variables) => {
        creates.push(variables.input as Record<string, unknown>);
        return graphqlError("user.invalid_email", "bad address");
      },
    });
    render(<App />);
    fireEvent.click(await screen.findByTestId("create-user"));
    const dialog = await screen.findByRole("dialog");
    fireEvent.change(within(dialog).getByLabelText("User name"), { target: { value: "carol" } });
    fireEvent.change(within(dialog).getByLabelText("Display name"), { target: { value: "Carol King" } });
    fireEvent.change(within(dialog).getByLabelText("Initial password"), { target: { value: "correct horse battery" } });
    fireEvent.change(within(dialog).getByTestId("create-user-email"), { target: { value: "carol@example.com" } });
    await pick(within(dialog).getByTestId("create-user-roles"), "Agent");
    fireEvent.click(within(dialog).getByText("Create"));
    expect(await within(dialog).findByText("An e-mail address looks like name@example.com.")).toBeTruthy();
    expect(creates[0]).toMatchObject({ username: "carol", displayName: "Carol King", email: "carol@example.com", roleIds: ["r-agent"] });
  });

  it("offers no edit without user.edit", async () => {
    fakeGraphqlServer(answers(["menu.admin", "menu.admin.users"]));
    render(<App />);
    await screen.findByText("Bob Stone");
    expect(screen.queryByTestId("edit-user-bob")).toBeNull();
  });
});
