import { describe, expect, it } from "vitest";
import { readRepoFile } from "../../../test/repo";
import { ancestors, descendants, inCatalogueOrder, matrixRows, OTHER_ROW, toggle } from "./permissionMatrix";
import type { CataloguePermission, PermissionKind } from "./roles.graphql";

/** The server's catalogue (domain/src/access/permissions.rs), as `permissionCatalogue` sends it. */
function serverCatalogue(): CataloguePermission[] {
  const source = readRepoFile("domain/src/access/permissions.rs")!;
  return [...source.matchAll(/permission\("([^"]+)", (\w+), (?:None|Some\("([^"]+)"\))\)/g)].map((match) => ({
    key: match[1]!,
    kind: match[2]!.toUpperCase() as PermissionKind,
    parentKey: match[3] ?? null,
  }));
}

const catalogue = serverCatalogue();

describe("the permission matrix", () => {
  it("reads the server's catalogue", () => {
    expect(catalogue.length).toBeGreaterThan(20);
    expect(catalogue.find((permission) => permission.key === "user.create")).toEqual({
      key: "user.create",
      kind: "BUTTON",
      parentKey: "menu.admin.users",
    });
  });

  it("has one row per menu, nested, with that menu's actions by kind, and a last row for the rest", () => {
    const rows = matrixRows(catalogue);
    const menus = catalogue.filter((permission) => permission.kind === "MENU").map((permission) => permission.key);
    expect(rows.filter((row) => row.menu).map((row) => row.key).sort()).toEqual([...menus].sort());
    const users = rows.find((row) => row.key === "menu.admin.users")!;
    expect(users.depth).toBe(1);
    expect(users.actions.BUTTON.map((permission) => permission.key)).toEqual([
      "user.create",
      "user.edit",
      "user.unlock",
      "user.reset_password",
    ]);
    expect(users.actions.EXPORT.map((permission) => permission.key)).toEqual(["users.export"]);
    expect(users.actions.IMPORT.map((permission) => permission.key)).toEqual(["users.import"]);
    // A group comes before its entries.
    expect(rows.findIndex((row) => row.key === "menu.admin")).toBeLessThan(rows.indexOf(users));
    const other = rows[rows.length - 1]!;
    expect(other.key).toBe(OTHER_ROW);
    expect(other.actions.BUTTON.map((permission) => permission.key)).toContain("softphone");
    expect(other.actions.DOWNLOAD.map((permission) => permission.key)).toContain("recording.download");
    // Every permission shows exactly once.
    const shown = rows.flatMap((row) => [
      ...(row.menu ? [row.menu.key] : []),
      ...Object.values(row.actions).flatMap((list) => list.map((permission) => permission.key)),
    ]);
    expect(shown.sort()).toEqual(catalogue.map((permission) => permission.key).sort());
  });

  it("ticks the menus above a permission with it", () => {
    expect(ancestors(catalogue, "dictionary.edit")).toEqual(["menu.admin.dictionary", "menu.admin"]);
    expect(toggle(catalogue, [], "dictionary.edit", true)).toEqual(["menu.admin", "menu.admin.dictionary", "dictionary.edit"]);
  });

  it("unticks everything below a menu with it, and nothing above", () => {
    const selected = toggle(catalogue, toggle(catalogue, [], "user.create", true), "menu.workbench", true);
    expect(descendants(catalogue, "menu.admin.users")).toContain("users.export");
    expect(toggle(catalogue, selected, "menu.admin.users", false)).toEqual(["menu.workbench", "menu.admin"]);
    expect(toggle(catalogue, selected, "menu.admin", false)).toEqual(["menu.workbench"]);
    expect(toggle(catalogue, selected, "user.create", false)).toEqual(["menu.workbench", "menu.admin", "menu.admin.users"]);
  });

  it("keeps the catalogue's order and drops keys it does not know", () => {
    expect(inCatalogueOrder(catalogue, ["softphone", "no.such.permission", "menu.workbench"])).toEqual(["menu.workbench", "softphone"]);
  });
});
