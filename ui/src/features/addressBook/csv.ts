/**
 * The address book's rows as CSV, made in the browser: RFC 4180 quoting, CRLF lines and a
 * byte-order mark so that Excel reads the Chinese names as UTF-8. A cell that a spreadsheet
 * would take for a formula is prefixed with `'`; a phone number such as `+86 138 0013 8000`
 * is left as it is.
 */

const PHONE_LIKE = /^[+-][\d\s\-()]+$/;

export function csvCell(value: string | null | undefined): string {
  let text = value ?? "";
  if (/^[=@\t\r]/.test(text) || (/^[+-]/.test(text) && !PHONE_LIKE.test(text))) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly (string | null | undefined)[])[]): string {
  const lines = [header, ...rows].map((cells) => cells.map(csvCell).join(","));
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}
