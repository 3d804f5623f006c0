import { emptyValue, sanitizeValue } from "./fieldTypes";

const FILE = { blobId: "b-1", name: "a.pdf", size: 3, contentType: "application/pdf" };
const OTHER = { blobId: "b-2", name: "b.png", size: 5, contentType: "image/png" };

describe("Hotline field values", () => {
  it("are empty as null for single pickers, [] for multiple ones and files", () => {
    expect(emptyValue({ type: "hotline-user" })).toBeNull();
    expect(emptyValue({ type: "hotline-tree", multiple: true })).toEqual([]);
    expect(emptyValue({ type: "hotline-upload" })).toEqual([]);
  });

  it("fit a picker's shape: first id when single, all distinct ids when multiple", () => {
    expect(sanitizeValue({ type: "hotline-user" }, ["a", "b"])).toBe("a");
    expect(sanitizeValue({ type: "hotline-user" }, "")).toBeNull();
    expect(sanitizeValue({ type: "hotline-group" }, 7)).toBeNull();
    expect(sanitizeValue({ type: "hotline-relation", multiple: true }, "a")).toEqual(["a"]);
    expect(sanitizeValue({ type: "hotline-relation", multiple: true }, ["a", "", 3, "a", "b"])).toEqual(["a", "b"]);
    expect(sanitizeValue({ type: "hotline-department", multiple: true }, null)).toEqual([]);
  });

  it("keep files as the contract's four properties, one at most without multiple", () => {
    expect(sanitizeValue({ type: "hotline-upload" }, { ...FILE, url: "x" })).toEqual([FILE]);
    expect(sanitizeValue({ type: "hotline-upload" }, [FILE, OTHER])).toEqual([FILE]);
    expect(sanitizeValue({ type: "hotline-upload", multiple: true }, [FILE, { name: "no blob" }, "b-3", OTHER])).toEqual([FILE, OTHER]);
    expect(sanitizeValue({ type: "hotline-upload" }, null)).toEqual([]);
  });
});

describe("Query field values", () => {
  it("hold a code or id, or an array of them when multiple", () => {
    expect(emptyValue({ type: "hotline-query" })).toBeNull();
    expect(emptyValue({ type: "hotline-query", multiple: true })).toEqual([]);
    expect(sanitizeValue({ type: "hotline-query" }, ["sh", "bj"])).toBe("sh");
    expect(sanitizeValue({ type: "hotline-query", multiple: true }, "sh")).toEqual(["sh"]);
    expect(sanitizeValue({ type: "hotline-query", multiple: true }, ["sh", "sh", 3])).toEqual(["sh"]);
  });
});
