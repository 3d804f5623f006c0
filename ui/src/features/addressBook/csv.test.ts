import { describe, expect, it } from "vitest";
import { csvCell, toCsv } from "./csv";

describe("CSV of the address book", () => {
  it("quotes commas, quotes and line breaks", () => {
    expect(csvCell('Vera "V" Visitor')).toBe('"Vera ""V"" Visitor"');
    expect(csvCell("Sales, East")).toBe('"Sales, East"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell(null)).toBe("");
  });

  it("keeps a spreadsheet from reading a cell as a formula, but leaves phone numbers alone", () => {
    expect(csvCell("=HYPERLINK(\"x\")")).toBe("\"'=HYPERLINK(\"\"x\"\")\"");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("+86 138 0013 8000")).toBe("+86 138 0013 8000");
    expect(csvCell("-")).toBe("'-");
  });

  it("starts with a byte-order mark and ends each line with CRLF", () => {
    expect(toCsv(["姓名"], [["王小明"]])).toBe("\uFEFF姓名\r\n王小明\r\n");
  });
});
