import { afterEach, describe, expect, it, vi } from "vitest";
import { timeZoneNames, timeZoneOptions, utcOffset } from "./timeZones";

afterEach(() => vi.restoreAllMocks());

describe("the time zone options", () => {
  const winter = new Date("2025-01-15T12:00:00Z");

  it("writes a zone's offset as UTC±hh:mm", () => {
    expect(utcOffset("Asia/Shanghai", winter)).toBe("UTC+08:00");
    expect(utcOffset("America/New_York", winter)).toBe("UTC-05:00");
    expect(utcOffset("Asia/Kolkata", winter)).toBe("UTC+05:30");
    expect(utcOffset("Europe/London", winter)).toBe("UTC+00:00");
    expect(utcOffset("No/Such_Zone", winter)).toBeNull();
  });

  it("starts with UTC as the empty value, then each zone with its offset", () => {
    const options = timeZoneOptions("UTC", "", winter);
    expect(options[0]).toEqual({ value: "", label: "UTC" });
    expect(options).toContainEqual({ value: "Asia/Shanghai", label: "Asia/Shanghai (UTC+08:00)" });
    expect(options.filter((option) => option.value === "")).toHaveLength(1);
  });

  it("keeps a current zone the list does not have", () => {
    expect(timeZoneOptions("UTC", "Etc/Unlisted", winter)[1]).toEqual({ value: "Etc/Unlisted", label: "Etc/Unlisted" });
  });

  it("falls back to a built-in list when the browser cannot list its zones", () => {
    vi.spyOn(Intl, "supportedValuesOf").mockImplementation(() => {
      throw new RangeError("unsupported");
    });
    expect(timeZoneNames()).toContain("Asia/Shanghai");
  });
});
