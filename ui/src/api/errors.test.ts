import { describe, expect, it } from "vitest";
import { translate } from "../i18n";
import { GraphqlError } from "./client";
import { errorText, lockedUntil } from "./errors";

const en = (key: string, variables?: Record<string, string | number>) => translate("en", key, variables);
const zhTW = (key: string, variables?: Record<string, string | number>) => translate("zh-TW", key, variables);

describe("errorText", () => {
  it("says a known code in the user's language", () => {
    const error = new GraphqlError("auth.forbidden", "the user's roles do not allow this");
    expect(errorText(error, en, "en")).toBe("You do not have permission to do this.");
    expect(errorText(error, zhTW, "zh-TW")).toBe("您沒有執行此操作的權限。");
  });

  it("falls back to the server's message for a code it does not know", () => {
    const error = new GraphqlError("nosuch.code", "the thing is closed");
    expect(errorText(error, en, "en")).toBe("the thing is closed");
  });

  it("names the code when there is no message either", () => {
    expect(errorText(new GraphqlError("nosuch.code", ""), en, "en")).toBe("Unexpected error (nosuch.code)");
  });

  it("reads the end of a lock-out from extensions, else from the message", () => {
    const fromMessage = new GraphqlError("auth.locked_out", "too many failed log-ins: locked until 2030-01-31 14:05 UTC");
    expect(lockedUntil(fromMessage)?.toISOString()).toBe("2030-01-31T14:05:00.000Z");
    const fromExtensions = new GraphqlError("auth.locked_out", "locked", undefined, { lockedUntil: "2031-02-01T00:00:00Z" });
    expect(lockedUntil(fromExtensions)?.toISOString()).toBe("2031-02-01T00:00:00.000Z");
    expect(lockedUntil(new GraphqlError("auth.locked_out", "locked"))).toBeNull();
    expect(errorText(new GraphqlError("auth.locked_out", "locked"), en, "en")).toBe(
      "Too many failed log-ins: the account is locked for a while.",
    );
  });
});
