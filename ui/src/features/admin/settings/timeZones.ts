/** The time zones the settings page offers: the browser's IANA names, each with its current UTC offset. */

/** When the browser cannot list its zones (`Intl.supportedValuesOf` is missing). */
const FALLBACK_TIME_ZONES = [
  "Asia/Shanghai",
  "Asia/Hong_Kong",
  "Asia/Taipei",
  "Asia/Singapore",
  "Asia/Tokyo",
  "Asia/Kolkata",
  "Asia/Dubai",
  "Europe/London",
  "Europe/Paris",
  "Europe/Berlin",
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Los_Angeles",
  "Australia/Sydney",
];

/** The IANA names the browser knows, else a short built-in list. */
export function timeZoneNames(): string[] {
  try {
    const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.("timeZone");
    if (supported && supported.length > 0) return supported.filter((zone) => zone !== "UTC");
  } catch {
    // Fall through to the built-in list.
  }
  return [...FALLBACK_TIME_ZONES];
}

/** The zone's offset from UTC at `at`, as `UTC+08:00`; null when the browser does not know the zone. */
export function utcOffset(timeZone: string, at: Date = new Date()): string | null {
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" }).formatToParts(at);
    const name = parts.find((part) => part.type === "timeZoneName")?.value;
    if (!name) return null;
    // "GMT+08:00", "GMT-03:30", or "GMT" itself for an offset of zero.
    const offset = /^GMT([+-]\d{2}:\d{2})?$/.exec(name);
    if (!offset) return null;
    return `UTC${offset[1] ?? "+00:00"}`;
  } catch {
    return null;
  }
}

export interface TimeZoneOption {
  value: string;
  label: string;
}

/** "UTC" (value "") first, then every zone as `Asia/Shanghai (UTC+08:00)`; `current`, when not
 * among them (an old or unknown name the server has), is kept so the select still shows it. */
export function timeZoneOptions(utcLabel: string, current = "", at: Date = new Date()): TimeZoneOption[] {
  const zones = timeZoneNames();
  if (current && !zones.includes(current)) zones.unshift(current);
  return [
    { value: "", label: utcLabel },
    ...zones.map((zone) => {
      const offset = utcOffset(zone, at);
      return { value: zone, label: offset ? `${zone} (${offset})` : zone };
    }),
  ];
}
