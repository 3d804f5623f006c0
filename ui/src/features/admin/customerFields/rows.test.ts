import { describe, expect, it } from "vitest";
import { FIELDS } from "../../customers/testing/fixtures";
import { changeRow, checkRows, keyOfTypeChange, move, newRow, toInput, toRows } from "./rows";

const BUILT_IN = ["name", "gender", "phone"];

describe("the fields page's rows", () => {
  it("holds the tenant's own fields in order, built-in ones left out", () => {
    expect(toRows(FIELDS).map((row) => row.key)).toEqual(["member_no", "birthday", "balance", "visits", "callback_at", "id_card", "old_code"]);
  });

  it("never changes a saved field's key or type", () => {
    const [saved] = toRows(FIELDS);
    expect(changeRow(saved!, { key: "other", fieldType: "NUMBER", label: "Member" })).toMatchObject({ key: "member_no", fieldType: "TEXT", label: "Member" });
    expect(changeRow(newRow(), { key: "level", fieldType: "NUMBER" })).toMatchObject({ key: "level", fieldType: "NUMBER", maxLength: null });
  });

  it("checks new keys, labels and lengths", () => {
    const rows = [
      { ...newRow(), key: "9lives", label: "Lives" },
      { ...newRow(), key: "phone", label: "Phone 2" },
      { ...newRow(), key: "level", label: " Level" },
      { ...newRow(), key: "level", label: "Level", maxLength: 5000 },
    ];
    const problems = checkRows(rows, BUILT_IN);
    expect(problems[rows[0]!.rowId]).toEqual({ key: { key: "customerFields.keyRule" } });
    expect(problems[rows[1]!.rowId]).toEqual({ key: { key: "customerFields.keyBuiltIn" } });
    expect(problems[rows[2]!.rowId]!.key).toEqual({ key: "customerFields.keyTwice" });
    expect(problems[rows[2]!.rowId]!.label).toEqual({ key: "validation.cleanText", values: { max: 60 } });
    expect(problems[rows[3]!.rowId]!.maxLength).toEqual({ key: "customerFields.maxLengthRule", values: { max: 2000 } });
    expect(checkRows(toRows(FIELDS), BUILT_IN)).toEqual({});
  });

  it("moves rows and numbers them in the order shown", () => {
    const rows = move(toRows(FIELDS), 0, 1);
    expect(rows.slice(0, 2).map((row) => row.key)).toEqual(["birthday", "member_no"]);
    expect(move(rows, 0, -1)).toEqual(rows);
    expect(toInput(rows).slice(0, 2)).toEqual([
      { key: "birthday", label: "Birthday", fieldType: "DATE", required: false, maxLength: null, enabled: true, sortOrder: 0 },
      { key: "member_no", label: "Member number", fieldType: "TEXT", required: true, maxLength: 12, enabled: true, sortOrder: 1 },
    ]);
  });

  it("finds the key a type_changed refusal names", () => {
    expect(keyOfTypeChange("field visits was Number; stored values keep that meaning, so use a new key")).toBe("visits");
    expect(keyOfTypeChange("something else")).toBeNull();
  });
});
