import { InvalidArgumentError } from "../errors.js";
import { daysFromCivil, daysInMonth } from "./civil-time.js";
import { describeInput } from "./describe-input.js";

/** An instant as protobuf Timestamp parts. */
export interface ParsedTimestamp {
  seconds: bigint;
  nanos: number;
}

/** A parsed ISO-8601 string; `offset` is the zone text as written ("Z", "+05:30"), or undefined when naive. */
export interface ParsedIsoTimestamp extends ParsedTimestamp {
  offset: string | undefined;
}

/** |n| at or above this is taken as epoch milliseconds: ms after 1973-03-03, seconds before year 5138. */
export const EPOCH_MS_THRESHOLD = 1e11;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/;
const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/**
 * An instant from an RFC 3339 / ISO-8601 string (naive = UTC, as Feast; "T" or space; date-only = midnight),
 * epoch seconds (number, bigint or numeric string; |n| ≥ 1e11 is read as epoch ms), or a Date.
 */
export function parseTimestamp(input: unknown, where: string): ParsedTimestamp {
  if (input instanceof Date) {
    const ms = input.getTime();
    if (!Number.isNaN(ms)) return fromEpochMs(ms);
  } else if (typeof input === "bigint") {
    return { seconds: input, nanos: 0 };
  } else if (typeof input === "number" && Number.isFinite(input)) {
    return Math.abs(input) >= EPOCH_MS_THRESHOLD ? fromEpochMs(input) : fromEpochSeconds(input);
  } else if (typeof input === "string") {
    const text = input.trim();
    if (DECIMAL.test(text)) {
      const n = Number(text);
      return Math.abs(n) >= EPOCH_MS_THRESHOLD ? fromEpochMs(n) : fromDecimalSeconds(text);
    }
    const iso = parseIsoTimestamp(text);
    if (iso) return { seconds: iso.seconds, nanos: iso.nanos };
  }
  throw new InvalidArgumentError(
    `${where}: expected an RFC 3339 timestamp, epoch seconds or a Date, got ${describeInput(input)}`,
  );
}

/** Parses ISO-8601 text ("2024-01-01T10:00:00.5+02:00", "2024-01-01 10:00:00", "2024-01-01"); undefined if invalid. */
export function parseIsoTimestamp(text: string): ParsedIsoTimestamp | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetText = m[8];
  const offset = offsetSeconds(offsetText);
  if (offset === undefined) return undefined;
  const local = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  const nanos = Number((m[7] ?? "").slice(0, 9).padEnd(9, "0"));
  return { seconds: BigInt(local - offset), nanos, offset: offsetText };
}

function offsetSeconds(text: string | undefined): number | undefined {
  if (text === undefined || text === "Z" || text === "z" || text === "UTC" || text === "GMT") return 0;
  const digits = text.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || "0");
  if (hours > 23 || minutes > 59) return undefined;
  const magnitude = hours * 3600 + minutes * 60;
  return text.startsWith("-") ? -magnitude : magnitude;
}

function fromEpochMs(ms: number): ParsedTimestamp {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1_000_000));
  return { seconds: BigInt(seconds), nanos };
}

function fromEpochSeconds(n: number): ParsedTimestamp {
  const text = String(n);
  if (DECIMAL.test(text)) return fromDecimalSeconds(text);
  const seconds = Math.floor(n);
  return { seconds: BigInt(seconds), nanos: Math.min(999_999_999, Math.round((n - seconds) * 1e9)) };
}

/** Exact seconds and nanos of decimal text ("-1.5" → -2 s + 500000000 ns); digits past 9 are dropped. */
function fromDecimalSeconds(text: string): ParsedTimestamp {
  const m = DECIMAL.exec(text);
  const whole = BigInt(m?.[2] ?? "0");
  const nanos = Number((m?.[3] ?? "").slice(0, 9).padEnd(9, "0"));
  if (m?.[1] !== "-") return { seconds: whole, nanos };
  return nanos === 0 ? { seconds: -whole, nanos: 0 } : { seconds: -whole - 1n, nanos: 1_000_000_000 - nanos };
}
