import { formatTree, parseTree, type TreeNode } from "./tree";

const TREE: TreeNode[] = [
  {
    value: "hw",
    label: "Hardware",
    children: [
      { value: "Laptop", label: "Laptop" },
      { value: "phone", label: "Phone", children: [{ value: "Android", label: "Android" }] },
    ],
  },
  { value: "Software", label: "Software" },
];

const TEXT = ["hw | Hardware", "  Laptop", "  phone | Phone", "    Android", "Software"].join("\n");

describe("tree text", () => {
  it("formats a tree one node a line, two spaces a level", () => {
    expect(formatTree(TREE)).toBe(TEXT);
    expect(formatTree(undefined)).toBe("");
  });

  it("parses what it formats back to the same tree", () => {
    expect(parseTree(TEXT)).toEqual(TREE);
    expect(parseTree(formatTree(TREE))).toEqual(TREE);
    expect(formatTree(parseTree(TEXT))).toBe(TEXT);
  });

  it("skips blank lines and trims values and labels", () => {
    expect(parseTree("\n  \n a |  A  \n\nb|")).toEqual([{ value: "a", label: "A" }, { value: "b", label: "b" }]);
    expect(parseTree("| Only label")).toEqual([{ value: "Only label", label: "Only label" }]);
    expect(parseTree("")).toEqual([]);
  });

  it("forgives odd indentation: rounds down, never skips a level, tabs count as one level", () => {
    expect(parseTree("A\n       deep\n   B")).toEqual([
      { value: "A", label: "A", children: [{ value: "deep", label: "deep" }, { value: "B", label: "B" }] },
    ]);
    // An indented first line has no parent: it is a root.
    expect(parseTree("    first\nsecond")).toEqual([
      { value: "first", label: "first" },
      { value: "second", label: "second" },
    ]);
    expect(parseTree("A\n\tB")).toEqual([{ value: "A", label: "A", children: [{ value: "B", label: "B" }] }]);
  });
});
