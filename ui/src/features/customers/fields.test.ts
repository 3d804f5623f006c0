import { describe, expect, it } from "vitest";
import { GraphqlError } from "../../api/client";
import type { QueryCondition } from "./customers.graphql";
import {
  conditionInput,
  enabledFields,
  fieldErrors,
  isCompleteCondition,
  isIdCardNumber,
  isPhoneNumber,
  mergeValues,
  OPERATORS_BY_TYPE,
} from "./fields";
import { FIELDS } from "./testing/fixtures";
import { exportPath, suggestedName } from "./rest";

describe("customer fields on the client", () => {
  it("shows the enabled fields in their order", () => {
    expect(enabledFields(FIELDS).map((field) => field.key)).toEqual([
      "name",
      "gender",
      "phone",
      "member_no",
      "birthday",
      "balance",
      "visits",
      "callback_at",
      "id_card",
    ]);
  });

  it("lets only ordered types compare, and only text-like types match text", () => {
    for (const type of ["NUMBER", "MONEY", "DATE", "TIME"] as const) {
      expect(OPERATORS_BY_TYPE[type]).toContain("BETWEEN");
      expect(OPERATORS_BY_TYPE[type]).not.toContain("CONTAINS");
    }
    for (const type of ["TEXT", "PHONE"] as const) {
      expect(OPERATORS_BY_TYPE[type]).toContain("CONTAINS");
      expect(OPERATORS_BY_TYPE[type]).not.toContain("GREATER_THAN");
    }
    expect(OPERATORS_BY_TYPE.GENDER).toEqual(["EQUALS", "IS_EMPTY", "NOT_EMPTY"]);
  });

  it("knows a complete condition, and sends no value an operator does not take", () => {
    const condition = (change: Partial<QueryCondition>): QueryCondition => ({ field: "visits", op: "EQUALS", value: "3", valueTo: "9", ...change });
    expect(isCompleteCondition(condition({}), FIELDS)).toBe(true);
    expect(isCompleteCondition(condition({ value: " " }), FIELDS)).toBe(false);
    expect(isCompleteCondition(condition({ op: "CONTAINS" }), FIELDS)).toBe(false);
    expect(isCompleteCondition(condition({ field: "nope" }), FIELDS)).toBe(false);
    expect(isCompleteCondition(condition({ op: "BETWEEN", valueTo: null }), FIELDS)).toBe(false);
    expect(isCompleteCondition(condition({ op: "IS_EMPTY", value: null }), FIELDS)).toBe(true);
    expect(conditionInput(condition({}))).toEqual({ field: "visits", op: "EQUALS", value: "3", valueTo: null });
    expect(conditionInput(condition({ op: "NOT_EMPTY" }))).toEqual({ field: "visits", op: "NOT_EMPTY", value: null, valueTo: null });
  });

  it("keeps the values the form does not show, and leaves emptied ones out", () => {
    const shown = enabledFields(FIELDS);
    expect(
      mergeValues(shown, { name: " Ann ", phone: "", member_no: "M-1" }, [
        { key: "old_code", value: "X" },
        { key: "phone", value: "123456" },
      ]),
    ).toEqual([
      { key: "old_code", value: "X" },
      { key: "name", value: "Ann" },
      { key: "member_no", value: "M-1" },
    ]);
  });

  it("reads the per-field problems of customer.invalid_values from extensions, else from the message", () => {
    const withExtensions = new GraphqlError("customer.invalid_values", "phone: bad", undefined, {
      code: "customer.invalid_values",
      fields: [{ field: "phone", message: "bad" }, { nonsense: 1 }],
    });
    expect(fieldErrors(withExtensions)).toEqual([{ field: "phone", message: "bad" }]);
    const messageOnly = new GraphqlError("customer.invalid_values", "name: required; balance: an amount with at most two decimals, like 1234.50");
    expect(fieldErrors(messageOnly)).toEqual([
      { field: "name", message: "required" },
      { field: "balance", message: "an amount with at most two decimals, like 1234.50" },
    ]);
    expect(fieldErrors(new GraphqlError("customer.not_found", "x"))).toEqual([]);
  });

  it("checks ID-card numbers and phones as the server does", () => {
    expect(isIdCardNumber("11010519491231002X")).toBe(true);
    expect(isIdCardNumber("11010519491231002x")).toBe(true);
    expect(isIdCardNumber("110105194912310021")).toBe(false);
    expect(isIdCardNumber("110105194913310020")).toBe(false);
    expect(isPhoneNumber("+86 (138) 0013-8000")).toBe(true);
    expect(isPhoneNumber("1234")).toBe(false);
    expect(isPhoneNumber("138+0013")).toBe(false);
  });

  it("exports a saved query's customers, or all, and names downloads as the server says", () => {
    expect(exportPath("q 1")).toBe("/api/customers/export.xlsx?query=q%201");
    expect(exportPath(null)).toBe("/api/customers/export.xlsx");
    expect(suggestedName("attachment; filename=\"customers.xlsx\"", "x.xlsx")).toBe("customers.xlsx");
    expect(suggestedName("attachment; filename*=UTF-8''%E5%AE%A2%E6%88%B7.xlsx", "x.xlsx")).toBe("客户.xlsx");
    expect(suggestedName(null, "x.xlsx")).toBe("x.xlsx");
  });
});
