import { describe, expect, it } from "vitest";
import {
  categoryForest,
  categoryInputs,
  categoryPath,
  categoryPickerTree,
  subtreeIds,
  withCategoryAdded,
  withCategoryMoved,
  withCategoryRemoved,
  withCategoryRenamed,
} from "./categories";
import type { KnowledgeCategory } from "./knowledge.graphql";

const category = (id: string, parentId: string | null, name: string, sortOrder: number): KnowledgeCategory => ({ id, parentId, name, sortOrder, articleCount: 0 });

// Billing (Refunds, Invoices), Delivery (Abroad)
const TREE: KnowledgeCategory[] = [
  category("delivery", null, "Delivery", 1),
  category("billing", null, "Billing", 0),
  category("invoices", "billing", "Invoices", 1),
  category("refunds", "billing", "Refunds", 0),
  category("abroad", "delivery", "Abroad", 0),
];

function shape(categories: readonly KnowledgeCategory[]): string[] {
  const lines: string[] = [];
  const walk = (nodes: ReturnType<typeof categoryForest>, depth: number) => {
    for (const node of nodes) {
      lines.push(`${"  ".repeat(depth)}${node.category.name} #${node.category.sortOrder}`);
      walk(node.children, depth + 1);
    }
  };
  walk(categoryForest(categories), 0);
  return lines;
}

describe("the category tree", () => {
  it("orders siblings by sortOrder and nests children", () => {
    expect(shape(TREE)).toEqual(["Billing #0", "  Refunds #0", "  Invoices #1", "Delivery #1", "  Abroad #0"]);
  });

  it("names the path from the root and finds a subtree", () => {
    expect(categoryPath(TREE, "invoices")).toEqual(["Billing", "Invoices"]);
    expect(categoryPath(TREE, null)).toEqual([]);
    expect([...subtreeIds(TREE, "billing")].sort()).toEqual(["billing", "invoices", "refunds"]);
  });

  it("adds a category last under its parent", () => {
    const next = withCategoryAdded(TREE, { id: "chargebacks", parentId: "billing", name: "Chargebacks" });
    expect(shape(next)).toEqual(["Billing #0", "  Refunds #0", "  Invoices #1", "  Chargebacks #2", "Delivery #1", "  Abroad #0"]);
    expect(shape(withCategoryAdded([], { id: "first", parentId: null, name: "First" }))).toEqual(["First #0"]);
  });

  it("renames without moving", () => {
    expect(shape(withCategoryRenamed(TREE, "refunds", "Returns"))).toEqual(["Billing #0", "  Returns #0", "  Invoices #1", "Delivery #1", "  Abroad #0"]);
  });

  it("moves a category to a position under another parent, renumbering both sets of siblings", () => {
    const next = withCategoryMoved(TREE, "refunds", "delivery", 0)!;
    expect(shape(next)).toEqual(["Billing #0", "  Invoices #0", "Delivery #1", "  Refunds #0", "  Abroad #1"]);
    const reordered = withCategoryMoved(TREE, "delivery", null, 0)!;
    expect(shape(reordered)).toEqual(["Delivery #0", "  Abroad #0", "Billing #1", "  Refunds #0", "  Invoices #1"]);
    const toEnd = withCategoryMoved(TREE, "abroad", "billing")!;
    expect(shape(toEnd)).toEqual(["Billing #0", "  Refunds #0", "  Invoices #1", "  Abroad #2", "Delivery #1"]);
  });

  it("refuses to move a category into itself or below itself", () => {
    expect(withCategoryMoved(TREE, "billing", "billing")).toBeNull();
    expect(withCategoryMoved(TREE, "billing", "refunds")).toBeNull();
    expect(withCategoryMoved(TREE, "nowhere", null)).toBeNull();
  });

  it("removes a category and closes the gap among its siblings", () => {
    expect(shape(withCategoryRemoved(TREE, "refunds"))).toEqual(["Billing #0", "  Invoices #0", "Delivery #1", "  Abroad #0"]);
  });

  it("sends the tree without the counts, and offers parents without the moved subtree", () => {
    expect(categoryInputs([{ ...TREE[0]!, articleCount: 5 }])).toEqual([{ id: "delivery", parentId: null, name: "Delivery", sortOrder: 1 }]);
    const picker = categoryPickerTree(TREE, subtreeIds(TREE, "billing"));
    expect(picker.map((node) => [node.title, node.disabled])).toEqual([
      ["Billing", true],
      ["Delivery", false],
    ]);
    expect(picker[0]!.children.every((child) => child.disabled)).toBe(true);
  });
});
