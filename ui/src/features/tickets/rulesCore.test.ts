import { describe, expect, it } from "vitest";
import { evaluateRules, RULES_AT_START, sameJson } from "./rulesCore";

const EXAMPLE = `values.total = (values.price || 0) * (values.quantity || 0);
if (values.total > 1000 && !values.reason) error("reason", "Say why above 1,000");
if (step === "approve") values.approvedAt = step;`;

describe("the form rules", () => {
  it("calculate fields and report what differs, as the server does", () => {
    expect(evaluateRules(EXAMPLE, { price: 600, quantity: 2 }, RULES_AT_START)).toEqual({
      ok: true,
      computed: { total: 1200 },
      calculated: ["total"],
      errors: [{ field: "reason", message: "Say why above 1,000" }],
    });
    // Unchanged values are not computed; the step is the one given.
    expect(evaluateRules(EXAMPLE, { price: 1, quantity: 2, total: 2 }, "approve")).toEqual({ ok: true, computed: { approvedAt: "approve" }, calculated: ["approvedAt"], errors: [] });
    expect(evaluateRules("", {}, RULES_AT_START)).toEqual({ ok: true, computed: {}, calculated: [], errors: [] });
  });

  it("compare values as JSON and leave the caller's values alone", () => {
    const values = { tags: ["a", "b"], address: { city: "Taipei", zip: "100" } };
    const result = evaluateRules("values.address = { zip: '100', city: 'Taipei' }; values.tags.push('c'); values.when = undefined;", values, RULES_AT_START);
    // `tags` grows what it held: not a calculation.
    expect(result).toEqual({ ok: true, computed: { tags: ["a", "b", "c"] }, calculated: [], errors: [] });
    expect(values.tags).toEqual(["a", "b"]);
    expect(sameJson({ a: 1, b: [null] }, { b: [null], a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });

  it("turn error()'s arguments into text, in order", () => {
    expect(evaluateRules("error('amount', 'too large'); error(3, { toString: () => 'odd' });", {}, "Task_1")).toEqual({
      ok: true,
      computed: {},
      calculated: [],
      errors: [
        { field: "amount", message: "too large" },
        { field: "3", message: "odd" },
      ],
    });
  });

  it("tell calculations (the same whatever the field holds) from defaults, corrections and counts", () => {
    const script = `values.total = Number(values.price) * Number(values.quantity);
if (!values.priority) values.priority = "normal";
values.code = String(values.code || "").toUpperCase();
values.count = (values.count || 0) + 1;
values.kept = Number(values.kept) ? values.kept : 0;
if (values.code === "\u0000PROBE") null.boom;`;
    const result = evaluateRules(script, { price: 3, quantity: 4, code: "a-1", kept: "" }, RULES_AT_START);
    expect(result).toMatchObject({ ok: true, computed: { total: 12, priority: "normal", code: "A-1", count: 1, kept: 0 } });
    expect(result.ok && result.calculated).toEqual(["total"]);
  });

  it("say what was thrown, on which line of the script", () => {
    expect(evaluateRules("let x = null;\nx.y = 1;", {}, RULES_AT_START)).toMatchObject({ ok: false, kind: "threw", message: expect.stringMatching(/^TypeError: .* \(line 2\)$/) });
    expect(evaluateRules("throw new Error('no refunds on Sundays')", {}, RULES_AT_START)).toEqual({ ok: false, kind: "threw", message: "Error: no refunds on Sundays (line 1)" });
    expect(evaluateRules("throw 'plain'", {}, RULES_AT_START)).toEqual({ ok: false, kind: "threw", message: "plain" });
  });

  it("say when the script does not compile", () => {
    expect(evaluateRules("values.total = ;", {}, RULES_AT_START)).toMatchObject({ ok: false, kind: "syntax", message: expect.stringMatching(/^SyntaxError: /) });
  });

  it("refuse values that are no longer plain data", () => {
    expect(evaluateRules("values.loop = values;", {}, RULES_AT_START)).toMatchObject({ ok: false, kind: "values" });
    expect(evaluateRules("values.toJSON = () => 5;", {}, RULES_AT_START)).toMatchObject({ ok: false, kind: "values" });
  });
});
