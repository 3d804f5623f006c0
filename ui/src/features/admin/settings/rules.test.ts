import { describe, expect, it } from "vitest";
import { isCopyright, isHotlineNumber, isSettingsUrl } from "./rules";

describe("tenant settings rules", () => {
  it("accepts empty or http(s) addresses only", () => {
    for (const good of ["", "https://example.org/logo.png", "http://intranet/x"]) expect(isSettingsUrl(good), good).toBe(true);
    for (const bad of ["ftp://x", "javascript:alert(1)", "https://", "https:///path", "https://a b", "example.org", `https://${"a".repeat(2000)}`]) {
      expect(isSettingsUrl(bad), bad).toBe(false);
    }
  });

  it("keeps the copyright line on one line without outer spaces", () => {
    expect(isCopyright("")).toBe(true);
    expect(isCopyright("© 2025 Acme")).toBe(true);
    expect(isCopyright(" © Acme")).toBe(false);
    expect(isCopyright("line\nbreak")).toBe(false);
    expect(isCopyright("x".repeat(201))).toBe(false);
  });

  it("takes hotline numbers of digits, '+', '-' and spaces", () => {
    for (const good of ["", "400-800-1234", "+86 10 1234 5678"]) expect(isHotlineNumber(good), good).toBe(true);
    for (const bad of ["call us", "---", " 400", "400 ", "1".repeat(33), "400/800"]) expect(isHotlineNumber(bad), bad).toBe(false);
  });
});
