import { describe, expect, it } from "vitest";
import { translate } from "../../../i18n";
import { subtreeIds, unitForest, unitPathLabel, unitPickerTree } from "./orgUnits";
import type { OrgUnit } from "./orgUnits.graphql";

const unit = (id: string, name: string, parent: OrgUnit | null, dimension: OrgUnit["dimension"] = "REPORTING"): OrgUnit => ({
  id,
  parentId: parent?.id ?? null,
  name,
  kind: parent ? "DEPARTMENT" : "CENTRE",
  dimension,
  depth: parent ? parent.depth + 1 : 0,
  path: [...(parent?.path ?? []), id],
});

const head = unit("h", "Head office", null);
const sales = unit("s", "Sales", head);
const complaints = unit("c", "Complaints", head);
const teamA = unit("a", "Team A", complaints);
const north = unit("n", "North", null, "JURISDICTION");
const units = [head, sales, complaints, teamA, north];

describe("organisation units", () => {
  it("form a forest with children by name", () => {
    const forest = unitForest(units.filter((candidate) => candidate.dimension === "REPORTING"));
    expect(forest.map((node) => node.unit.name)).toEqual(["Head office"]);
    expect(forest[0]!.children.map((node) => node.unit.name)).toEqual(["Complaints", "Sales"]);
    expect(forest[0]!.children[0]!.children.map((node) => node.unit.name)).toEqual(["Team A"]);
  });

  it("know their subtree and their path", () => {
    expect([...subtreeIds(units, "c")].sort()).toEqual(["a", "c"]);
    expect(unitPathLabel(teamA, new Map(units.map((candidate) => [candidate.id, candidate])))).toBe("Head office / Complaints / Team A");
  });

  it("are offered grouped by dimension, the groups not selectable", () => {
    const t = (key: string) => translate("en", key);
    const tree = unitPickerTree(units, t, new Set(["c"]));
    expect(tree.map((group) => [group.title, group.selectable])).toEqual([
      ["Reporting line", false],
      ["Jurisdiction", false],
    ]);
    expect(tree[0]!.children[0]!.children.find((node) => node.value === "c")!.disabled).toBe(true);
  });
});
