import { create } from "@bufbuild/protobuf";
import { DurationSchema, type Duration } from "@bufbuild/protobuf/wkt";
import { DefinitionError } from "./errors.js";

const DURATION_PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Parses seconds or a duration like "30m", "1h30m", "1d"; undefined when the value is not one. */
export function parseDurationSeconds(value: number | string): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const match = DURATION_PATTERN.exec(value);
  if (value === "" || match === null) return undefined;
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return (days ?? 0) * 86_400 + (hours ?? 0) * 3_600 + (minutes ?? 0) * 60 + (seconds ?? 0);
}

/** Converts seconds (fractions allowed) to a google.protobuf.Duration. */
export function toDurationProto(seconds: number): Duration {
  const whole = Math.floor(seconds);
  return create(DurationSchema, { seconds: BigInt(whole), nanos: Math.round((seconds - whole) * 1e9) });
}

/** Parses a duration option or throws a DefinitionError naming it. */
export function requireDurationSeconds(
  value: number | string,
  typeName: string,
  objectName: string,
  field: string,
): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined) {
    throw new DefinitionError(
      typeName,
      objectName,
      field,
      `cannot parse ${JSON.stringify(value)}; use seconds or a duration like "30m", "2h", "1d"`,
    );
  }
  return seconds;
}
