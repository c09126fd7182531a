import { InvalidArgumentError } from "../errors.js";
import { describeInput } from "./describe-input.js";
import { parseIsoTimestamp } from "./parse-timestamp.js";
import { toUnixSeconds } from "./coerce-scalar.js";

/** ZonedTimestamp fields. */
export interface ZonedSeconds {
  unixTimestamp: bigint;
  zone: string;
}

/**
 * A zoned timestamp from ISO text (the zone is its offset as "+HH:MM", "Z" → "UTC", naive → "" = UTC; fraction
 * dropped), or from epoch seconds / a Date (zone "").
 */
export function toZonedTimestamp(input: unknown, where: string, type = "ZONED_TIMESTAMP"): ZonedSeconds {
  if (typeof input === "string") {
    const iso = parseIsoTimestamp(input);
    if (iso) {
      const seconds = iso.seconds < 0n && iso.nanos > 0 ? iso.seconds + 1n : iso.seconds;
      return { unixTimestamp: seconds, zone: zoneName(iso.offset) };
    }
  }
  try {
    return { unixTimestamp: toUnixSeconds(input, where, type), zone: "" };
  } catch (err) {
    if (!(err instanceof InvalidArgumentError)) throw err;
    throw new InvalidArgumentError(`${where}: expected an ISO-8601 timestamp for ${type}, got ${describeInput(input)}`);
  }
}

function zoneName(offset: string | undefined): string {
  if (offset === undefined) return "";
  if (/^(?:Z|z|UTC|GMT)$/.test(offset)) return "UTC";
  const digits = offset.slice(1).replace(":", "").padEnd(4, "0");
  return `${offset[0] ?? "+"}${digits.slice(0, 2)}:${digits.slice(2, 4)}`;
}
