import { emptyValue, isPhoneNumber, MAX_RICH_TEXT_CHARS, sanitizeValue, takesMultiple, valueProblem } from "./fieldTypes";

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

describe("Month, phone, rich text, hidden and approval values", () => {
  const STAMPED = { decision: "approved", comment: "OK", by: "11111111-1111-1111-1111-111111111111", at: "2026-11-29T05:00:00Z" };

  it("are null when empty, whatever `multiple` says: it is not theirs", () => {
    for (const type of ["hotline-month", "hotline-phone", "hotline-richtext", "hotline-hidden", "hotline-approval"] as const) {
      expect(emptyValue({ type })).toBeNull();
      expect(emptyValue({ type, multiple: true })).toBeNull();
      expect(takesMultiple(type)).toBe(false);
    }
    expect(takesMultiple("hotline-user")).toBe(true);
    expect(takesMultiple("hotline-upload")).toBe(true);
  });

  it("keep a month only as YYYY-MM", () => {
    expect(sanitizeValue({ type: "hotline-month" }, "2026-11")).toBe("2026-11");
    expect(sanitizeValue({ type: "hotline-month" }, "2026-13")).toBeNull();
    expect(sanitizeValue({ type: "hotline-month" }, "2026-11-01")).toBeNull();
    expect(sanitizeValue({ type: "hotline-month", multiple: true }, ["2026-11"])).toBeNull();
  });

  it("keep phone numbers and rich text as non-empty text, hidden values as any text", () => {
    expect(sanitizeValue({ type: "hotline-phone" }, "021-5550 1234")).toBe("021-5550 1234");
    expect(sanitizeValue({ type: "hotline-phone" }, "")).toBeNull();
    expect(sanitizeValue({ type: "hotline-phone" }, 13800138000)).toBeNull();
    expect(sanitizeValue({ type: "hotline-richtext" }, "<p>Hi</p>")).toBe("<p>Hi</p>");
    expect(sanitizeValue({ type: "hotline-richtext" }, ["<p>Hi</p>"])).toBeNull();
    expect(sanitizeValue({ type: "hotline-hidden" }, "vip")).toBe("vip");
    expect(sanitizeValue({ type: "hotline-hidden" }, { tier: "vip" })).toBeNull();
  });

  it("keep an approval's decision, comment and the server's stamp; anything else is null", () => {
    expect(sanitizeValue({ type: "hotline-approval" }, { ...STAMPED, extra: 1 })).toEqual(STAMPED);
    expect(sanitizeValue({ type: "hotline-approval" }, { decision: "rejected", comment: "No", collaborator: "eve@example.com", at: "2026-11-29T05:00:00Z" })).toEqual({
      decision: "rejected",
      comment: "No",
      collaborator: "eve@example.com",
      at: "2026-11-29T05:00:00Z",
    });
    expect(sanitizeValue({ type: "hotline-approval" }, { decision: "approved", comment: 3, by: 7 })).toEqual({ decision: "approved", comment: "" });
    expect(sanitizeValue({ type: "hotline-approval" }, { decision: "maybe", comment: "" })).toBeNull();
    expect(sanitizeValue({ type: "hotline-approval" }, "approved")).toBeNull();
    expect(sanitizeValue({ type: "hotline-approval" }, [STAMPED])).toBeNull();
  });

  it("read phone numbers as the server does", () => {
    for (const number of ["021-5550 1234", "+86 138 0013 8000", "13800138000", "(021) 5550.1234", " 110 ", "+1 (555) 010-9999"]) expect(isPhoneNumber(number), number).toBe(true);
    for (const number of ["abc", "12", "", "+", "138 0013 8000 ext 1", "86+138", "1".repeat(21), "０２１５５５０"]) expect(isPhoneNumber(number), number).toBe(false);
  });

  it("name what the server would refuse of a typed phone number or rich text", () => {
    expect(valueProblem({ type: "hotline-phone" }, "abc")).toBe("phone");
    expect(valueProblem({ type: "hotline-phone" }, "+86 138 0013 8000")).toBeNull();
    expect(valueProblem({ type: "hotline-phone" }, null)).toBeNull();
    expect(valueProblem({ type: "hotline-richtext" }, `<p>${"a".repeat(MAX_RICH_TEXT_CHARS - 7)}</p>`)).toBeNull();
    expect(valueProblem({ type: "hotline-richtext" }, `<p>${"a".repeat(MAX_RICH_TEXT_CHARS - 6)}</p>`)).toBe("richTextLength");
    // Characters as the server counts them: an emoji is one.
    expect(valueProblem({ type: "hotline-richtext" }, "😀".repeat(MAX_RICH_TEXT_CHARS))).toBeNull();
    expect(valueProblem({ type: "hotline-hidden" }, "abc")).toBeNull();
  });
});
