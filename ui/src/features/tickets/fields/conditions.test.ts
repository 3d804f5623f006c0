import { formatColumns, formatConditions, MAX_CONDITIONS, parseColumns, parseConditions, type QueryFieldCondition } from "./conditions";

const CONDITIONS: QueryFieldCondition[] = [
  { field: "city", op: "equals", value: "Shanghai" },
  { field: "level", op: "between", value: "1", valueTo: "5" },
  { field: "phone", op: "not_empty" },
  { field: "name", op: "contains", value: "New York" },
  { field: "note", op: "starts_with", value: '"quoted"' },
  { field: "zip", op: "between", value: "a b", valueTo: "c" },
  { field: "email", op: "is_empty" },
];

describe("query field conditions as text", () => {
  it("format one a line, quoting values with spaces, and parse back the same", () => {
    const text = formatConditions(CONDITIONS);
    expect(text.split("\n")).toEqual([
      "city equals Shanghai",
      "level between 1 5",
      "phone not_empty",
      'name contains "New York"',
      'note starts_with "\\"quoted\\""',
      'zip between "a b" c',
      "email is_empty",
    ]);
    expect(parseConditions(text)).toEqual({ conditions: CONDITIONS, errors: [] });
    expect(formatConditions(undefined)).toBe("");
  });

  it("parse as typed: blank lines skipped, the rest of the line as the value, ops in any case", () => {
    expect(parseConditions("\n  city   EQUALS  New York \n\nlevel greater_than 3\n").conditions).toEqual([
      { field: "city", op: "equals", value: "New York" },
      { field: "level", op: "greater_than", value: "3" },
    ]);
  });

  it("report lines that do not read, and leave them out", () => {
    const { conditions, errors } = parseConditions(
      ["city", "city near Shanghai", "city equals", "phone is_empty 5", "level between 1", "level between 1 2 3", 'name contains "open', 'city equals " "', 'level between "" 2', "level less_than 9"].join("\n"),
    );
    expect(conditions).toEqual([{ field: "level", op: "less_than", value: "9" }]);
    expect(errors.map((error) => error.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(errors[1]!.message).toContain('unknown operator "near"');
    expect(errors[2]!.message).toBe("equals needs a value");
    expect(errors[3]!.message).toBe("is_empty takes no value");
    expect(errors[4]!.message).toContain("between takes two values");
    expect(errors[6]!.message).toBe("unclosed quote");
    expect(errors[7]!.message).toBe("equals needs a value");
    expect(errors[8]!.message).toContain("between takes two values");
  });

  it(`keep at most ${MAX_CONDITIONS}`, () => {
    const text = Array.from({ length: MAX_CONDITIONS + 2 }, (_, index) => `f${index} not_empty`).join("\n");
    const { conditions, errors } = parseConditions(text);
    expect(conditions).toHaveLength(MAX_CONDITIONS);
    expect(errors).toEqual([
      { line: 21, message: "at most 20 conditions" },
      { line: 22, message: "at most 20 conditions" },
    ]);
  });
});

describe("query field columns as text", () => {
  it("are comma-separated keys, trimmed, distinct, at most 8", () => {
    expect(parseColumns(" phone, city,,phone ,")).toEqual(["phone", "city"]);
    expect(parseColumns("a,b,c,d,e,f,g,h,i")).toHaveLength(8);
    expect(formatColumns(["phone", "city"])).toBe("phone, city");
    expect(formatColumns(undefined)).toBe("");
  });
});
