import { describe, expect, it } from "vitest";
import { duplicateIndexes, entryKey } from "./entries";

describe("dictionary entry codes", () => {
  it("text codes are identifiers, compared ignoring case", () => {
    expect(entryKey("TEXT", "Billing")).toBe("billing");
    for (const bad of ["", "1abc", "no spaces", "ünicode", "x".repeat(65), "_lead"]) expect(entryKey("TEXT", bad), bad).toBeNull();
    expect(entryKey("TEXT", "a.b-c_d")).toBe("a.b-c_d");
  });

  it("number codes are decimals, compared by value", () => {
    expect(entryKey("NUMBER", "2.50")).toBe(entryKey("NUMBER", "2.5"));
    expect(entryKey("NUMBER", "-0")).toBe(entryKey("NUMBER", "0"));
    expect(entryKey("NUMBER", "1e3")).toBe(entryKey("NUMBER", "1000"));
    for (const bad of ["", "one", "1,5", "0x10", "1e999", "--1", "1".repeat(33)]) expect(entryKey("NUMBER", bad), bad).toBeNull();
  });

  it("boolean codes are true or false", () => {
    expect(entryKey("BOOLEAN", "true")).toBe("true");
    expect(entryKey("BOOLEAN", "yes")).toBeNull();
    expect(entryKey("BOOLEAN", "True")).toBeNull();
  });

  it("marks the later of two clashing entries", () => {
    expect([...duplicateIndexes("TEXT", ["a", "b", "A", "bad code", "bad code"])]).toEqual([2]);
    expect([...duplicateIndexes("NUMBER", ["1", "1.0", "2"])]).toEqual([1]);
  });
});
