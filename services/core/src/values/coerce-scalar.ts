import { InvalidArgumentError } from "../errors.js";
import { base64ToBytes } from "./base64.js";
import { describeInput } from "./describe-input.js";
import { parseIsoTimestamp, parseTimestamp } from "./parse-timestamp.js";
import { formatPythonFloat } from "./python-float.js";

/* Converters from one JSON (or JS) scalar to the primitive of a Value field; `type` names the target in messages. */

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOAT_TEXT = /^[+-]?(?:nan|inf|infinity)$/i;
const DECIMAL_SPECIAL_TEXT = /^[+-]?(?:nan|snan|inf|infinity)$/i;
const UUID_TEXT = /^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

function fail(where: string, expected: string, type: string, input: unknown): never {
  throw new InvalidArgumentError(`${where}: expected ${expected} for ${type}, got ${describeInput(input)}`);
}

function toBigInt(input: unknown, where: string, type: string): bigint {
  if (typeof input === "bigint") return input;
  if (typeof input === "number" && Number.isInteger(input)) {
    if (!Number.isSafeInteger(input)) {
      throw new InvalidArgumentError(
        `${where}: integer ${describeInput(input)} for ${type} is beyond 2^53 and may have lost precision in JSON; send it as a string`,
      );
    }
    return BigInt(input);
  }
  if (typeof input === "string" && INTEGER_TEXT.test(input.trim())) return BigInt(input.trim());
  return fail(where, "an integer", type, input);
}

function inRange(n: bigint, min: bigint, max: bigint, where: string, type: string): bigint {
  if (n < min || n > max) throw new InvalidArgumentError(`${where}: ${n.toString()} is out of range for ${type}`);
  return n;
}

/** int32 from an integer number, bigint or integer string. */
export function toInt32(input: unknown, where: string, type = "INT32"): number {
  return Number(inRange(toBigInt(input, where, type), INT32_MIN, INT32_MAX, where, type));
}

/** int64 from a safe-integer number, bigint or integer string (exact). */
export function toInt64(input: unknown, where: string, type = "INT64"): bigint {
  return inRange(toBigInt(input, where, type), INT64_MIN, INT64_MAX, where, type);
}

/** double from a number, bigint or numeric string ("1.5", "1e3", "nan", "inf" as Python's float()). */
export function toDouble(input: unknown, where: string, type = "DOUBLE"): number {
  if (typeof input === "number") return input;
  if (typeof input === "bigint") return Number(input);
  if (typeof input === "string") {
    const text = input.trim();
    if (FLOAT_TEXT.test(text)) return Number(text);
    if (SPECIAL_FLOAT_TEXT.test(text)) {
      if (/nan/i.test(text)) return Number.NaN;
      return text.startsWith("-") ? -Infinity : Infinity;
    }
  }
  return fail(where, "a number", type, input);
}

/** float32 (rounded) from the same inputs as toDouble; finite values beyond float32's range are rejected. */
export function toFloat(input: unknown, where: string, type = "FLOAT"): number {
  const x = toDouble(input, where, type);
  const rounded = Math.fround(x);
  if (Number.isFinite(x) && !Number.isFinite(rounded)) {
    throw new InvalidArgumentError(`${where}: ${describeInput(input)} is out of range for ${type}`);
  }
  return rounded;
}

/** A string; numbers and booleans become Python's `str()` of them (5 → "5", 1.5 → "1.5", true → "True"), as Feast. */
export function toStringValue(input: unknown, where: string, type = "STRING"): string {
  if (typeof input === "string") return input;
  if (typeof input === "bigint") return input.toString();
  if (typeof input === "number") return pythonNumberText(input);
  if (typeof input === "boolean") return input ? "True" : "False";
  return fail(where, "a string", type, input);
}

/** Python's `str()` of a JSON number: integers as digits, other numbers as repr(float). */
export function pythonNumberText(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? BigInt(n).toString() : formatPythonFloat(n);
}

/** A boolean from true/false, "true"/"false" (any case) or 0/1. */
export function toBool(input: unknown, where: string, type = "BOOL"): boolean {
  if (typeof input === "boolean") return input;
  if (input === 0 || input === 1) return input === 1;
  if (typeof input === "string") {
    const text = input.trim().toLowerCase();
    if (text === "true" || text === "false") return text === "true";
  }
  return fail(where, "a boolean", type, input);
}

/** Bytes from a base64 string (standard or URL-safe) or a Uint8Array. */
export function toBytes(input: unknown, where: string, type = "BYTES"): Uint8Array {
  if (input instanceof Uint8Array) return input;
  const bytes = typeof input === "string" ? base64ToBytes(input) : undefined;
  return bytes ?? fail(where, "a base64 string", type, input);
}

/**
 * Epoch seconds from an integer (number, bigint or string; taken as-is, as Feast's `int(x)`; fractions truncated),
 * an RFC 3339 string or a Date (sub-second part dropped).
 */
export function toUnixSeconds(input: unknown, where: string, type = "UNIX_TIMESTAMP"): bigint {
  if (typeof input === "number" && Number.isFinite(input)) return toInt64(Math.trunc(input), where, type);
  if (typeof input === "bigint" || (typeof input === "string" && INTEGER_TEXT.test(input.trim()))) {
    return toInt64(input, where, type);
  }
  if ((typeof input === "string" && parseIsoTimestamp(input)) || input instanceof Date) {
    const ts = parseTimestamp(input, where);
    return ts.seconds < 0n && ts.nanos > 0 ? ts.seconds + 1n : ts.seconds;
  }
  return fail(where, "epoch seconds or an RFC 3339 timestamp", type, input);
}

/** A UUID string, normalised to lowercase hyphenated form as Python's `str(uuid.UUID(x))`. */
export function toUuid(input: unknown, where: string, type = "UUID"): string {
  const m = typeof input === "string" ? UUID_TEXT.exec(input.trim()) : null;
  if (!m) return fail(where, "a UUID string", type, input);
  return m.slice(1, 6).join("-").toLowerCase();
}

/** A decimal string as written (trimmed), or Python's `str()` of a number. */
export function toDecimal(input: unknown, where: string, type = "DECIMAL"): string {
  if (typeof input === "number" && Number.isFinite(input)) return pythonNumberText(input);
  if (typeof input === "bigint") return input.toString();
  if (typeof input === "string") {
    const text = input.trim();
    if (FLOAT_TEXT.test(text) || DECIMAL_SPECIAL_TEXT.test(text)) return text;
  }
  return fail(where, "a decimal string", type, input);
}

/** JSON text: a string is taken as JSON text already (as Feast does); any other JSON value is serialised. */
export function toJsonText(input: unknown, where: string, type = "JSON"): string {
  if (typeof input === "string") return input;
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch {
    text = undefined;
  }
  return text ?? fail(where, "a JSON value", type, input);
}
