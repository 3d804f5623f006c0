import { describe, expect, it } from "vitest";
import { checkFile, formatSize } from "./upload";

const LIMITS = { maxUploadBytes: 10 * 1024 * 1024, allowedUploadTypes: ["image/png", "application/pdf", "text/plain"] };

describe("checkFile", () => {
  it("accepts an allowed type within the limit", () => {
    expect(checkFile({ name: "a.pdf", size: 1024, type: "application/pdf" }, LIMITS)).toBeNull();
  });

  it("names the accepted types when the type is not one of them", () => {
    expect(checkFile({ name: "a.exe", size: 10, type: "application/x-msdownload" }, LIMITS)).toEqual({
      key: "fileTypeNotAllowed",
      variables: { name: "a.exe", types: "PNG, PDF, TXT" },
    });
  });

  it("names the limit when the file is too large", () => {
    expect(checkFile({ name: "a.png", size: LIMITS.maxUploadBytes + 1, type: "image/png" }, LIMITS)).toEqual({
      key: "fileTooLarge",
      variables: { name: "a.png", limit: "10 MB" },
    });
  });

  it("formats sizes the way visitors read them", () => {
    expect([formatSize(512), formatSize(2048), formatSize(1.5 * 1024 * 1024)]).toEqual(["512 B", "2 KB", "1.5 MB"]);
  });
});
