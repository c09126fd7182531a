import { civilFromEpochSeconds, daysFromCivil, formatCivil } from "./civil-time.js";

/** Feast's null instant for zoned timestamps (pandas NaT as int64). */
export const NULL_TIMESTAMP_SECONDS = -9223372036854775808n;

const FIXED_OFFSET = /^([+-])(\d{2}):?(\d{2})(?::?(\d{2}))?$/;
const MAX_DATE_SECONDS = 8.64e12;
const MAX_CACHED_ZONES = 512;
const formatters = new Map<string, Intl.DateTimeFormat | null>();

/**
 * ISO-8601 text of an instant in its zone, as Python's `datetime.fromtimestamp(s, tz).isoformat()`
 * (e.g. "2026-06-09T09:00:00-07:00"). Zone = IANA name or fixed offset; empty, "UTC" or unknown → UTC.
 * The NaT sentinel renders null.
 */
export function zonedTimestampToIso(unixSeconds: bigint, zone: string): string | null {
  if (unixSeconds === NULL_TIMESTAMP_SECONDS) return null;
  const seconds = Number(unixSeconds);
  const offset = zoneOffsetSeconds(zone, seconds);
  return `${formatCivil(seconds + offset)}${formatOffset(offset)}`;
}

/** Offset from UTC in seconds of a zone at an instant; 0 for empty, "UTC" or unknown zones. */
export function zoneOffsetSeconds(zone: string, epochSeconds: number): number {
  const name = zone.trim();
  if (name === "" || name === "Z" || name.toUpperCase() === "UTC") return 0;
  const fixed = FIXED_OFFSET.exec(name);
  if (fixed) {
    const magnitude = Number(fixed[2]) * 3600 + Number(fixed[3]) * 60 + Number(fixed[4] ?? 0);
    return fixed[1] === "-" ? -magnitude : magnitude;
  }
  const formatter = formatterFor(name);
  if (!formatter || Math.abs(epochSeconds) > MAX_DATE_SECONDS) return 0;
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(epochSeconds * 1000))) parts[part.type] = Number(part.value);
  const local =
    daysFromCivil(parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1) * 86400 +
    (parts.hour ?? 0) * 3600 +
    (parts.minute ?? 0) * 60 +
    (parts.second ?? 0);
  const utc = civilFromEpochSeconds(epochSeconds);
  return local - (daysFromCivil(utc.year, utc.month, utc.day) * 86400 + utc.hour * 3600 + utc.minute * 60 + utc.second);
}

/** Python's `utcoffset` text: "+HH:MM", with ":SS" only when the offset has seconds. */
export function formatOffset(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? "-" : "+";
  const abs = Math.abs(offsetSeconds);
  const hh = String(Math.floor(abs / 3600)).padStart(2, "0");
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, "0");
  const ss = abs % 60;
  return ss === 0 ? `${sign}${hh}:${mm}` : `${sign}${hh}:${mm}:${String(ss).padStart(2, "0")}`;
}

function formatterFor(zone: string): Intl.DateTimeFormat | null {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      formatter = null;
    }
    if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
    formatters.set(zone, formatter);
  }
  return formatter;
}
