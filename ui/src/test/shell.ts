/** What every page test needs of the shell: the signed-in user's Shell answer, with the
 * menus the server would send for their permissions, and a session for the test's length. */
import { afterEach, beforeEach, vi } from "vitest";
import { setSession } from "../api/session";
import { type Answer, graphqlError } from "./fakeServer";

export type Answers = Record<string, Answer | ((variables: Record<string, unknown>) => Answer)>;

export interface MenuEntry {
  key: string;
  titleKey: string;
  path: string;
  icon: string;
  children: MenuEntry[];
}

/** A menu group as the server sends it to a holder of `permissions`: only the children they hold. */
export const menuFor = (group: MenuEntry, permissions: string[]): MenuEntry => ({
  ...group,
  children: group.children.filter((child) => permissions.includes(child.key)),
});

/** The Shell answer of user "ann" of tenant "demo" (no tenant settings), with `menus`. */
export function shellAnswers(permissions: string[], menus: MenuEntry[]): Answers {
  return {
    Shell: {
      data: {
        me: { id: "u1", tenantId: "t1", username: "ann", displayName: "Ann Lee", roleIds: [], orgUnitId: null, permissions },
        tenant: { id: "t1", slug: "demo", name: "Demo" },
        myMenus: menus,
        myWidgets: [],
      },
    },
    TenantSettings: graphqlError("auth.forbidden"),
  };
}

/** Each test starts signed in, in English, at `path`; the session and stubs go afterwards. */
export function signedInAt(path: string) {
  beforeEach(() => {
    window.history.replaceState(null, "", path);
    localStorage.setItem("hotline.locale", JSON.stringify("en"));
    setSession({ token: "t", tenantId: "t1", userId: "u1", username: "ann", permissions: [], expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
  });
  afterEach(() => {
    setSession(null);
    vi.unstubAllGlobals();
  });
}
