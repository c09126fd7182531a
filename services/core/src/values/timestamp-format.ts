import { type Timestamp } from "@bufbuild/protobuf/wkt";
import { formatCivil } from "./civil-time.js";

const NANOS_PER_SECOND = 1_000_000_000;

/**
 * RFC 3339 UTC text of a Timestamp as Feast's REST server writes it (`_timestamp_to_str`): `Z`, no fraction when
 * nanos = 0, else 3, 6 or 9 digits by precision; unset → "1970-01-01T00:00:00Z".
 */
export function timestampToRfc3339(ts: Timestamp | undefined): string {
  return secondsNanosToRfc3339(ts?.seconds ?? 0n, ts?.nanos ?? 0);
}

/** Same format for epoch milliseconds (fractions of a millisecond are kept to the nanosecond). */
export function timestampMsToRfc3339(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return secondsNanosToRfc3339(BigInt(seconds), Math.round((ms - seconds * 1000) * 1_000_000));
}

/** Same format for seconds and nanos; nanos outside [0, 1e9) carry into the seconds. */
export function secondsNanosToRfc3339(seconds: bigint, nanos: number): string {
  const carry = Math.floor(nanos / NANOS_PER_SECOND);
  const frac = nanos - carry * NANOS_PER_SECOND;
  const base = formatCivil(Number(seconds) + carry);
  if (frac === 0) return `${base}Z`;
  if (frac % 1_000_000 === 0) return `${base}.${String(frac / 1_000_000).padStart(3, "0")}Z`;
  if (frac % 1_000 === 0) return `${base}.${String(frac / 1_000).padStart(6, "0")}Z`;
  return `${base}.${String(frac).padStart(9, "0")}Z`;
}
