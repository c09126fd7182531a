import type { Duration } from "@bufbuild/protobuf/wkt";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";

// Small helpers that render TypeScript literals for generated feature repos.

/** A string literal. */
export const str = (value: string): string => JSON.stringify(value);

/** An array of string literals on one line. */
export const strings = (values: readonly string[]): string => `[${values.map(str).join(", ")}]`;

/** An object literal of string values; keys quoted only when they are not identifiers. */
export function record(values: Readonly<Record<string, string>>): string {
  const entries = Object.entries(values).map(([key, value]) => `${propertyKey(key)}: ${str(value)}`);
  return `{ ${entries.join(", ")} }`;
}

function propertyKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : str(key);
}

/** The shortest decimal that a float32 field reads back unchanged (0.1, not 0.10000000149011612). */
export function float32(value: number): string {
  for (let digits = 1; digits <= 9; digits++) {
    const text = String(Number(value.toPrecision(digits)));
    if (Math.fround(Number(text)) === Math.fround(value)) return text;
  }
  return String(value);
}

/** A duration as the SDK's shorthand ("1d", "2h30m") or seconds; undefined for zero. */
export function duration(value: Duration | undefined): string | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value.seconds) + value.nanos / 1e9;
  if (seconds === 0) return undefined;
  if (!Number.isInteger(seconds)) return String(seconds);
  let rest = seconds;
  let text = "";
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) text += `${count}${unit}`;
  }
  return str(text);
}

const SCALAR_TYPES: ReadonlyMap<ValueType, string> = new Map([
  [ValueType.INT32, "types.Int32"],
  [ValueType.INT64, "types.Int64"],
  [ValueType.FLOAT, "types.Float32"],
  [ValueType.DOUBLE, "types.Float64"],
  [ValueType.STRING, "types.String"],
  [ValueType.BYTES, "types.Bytes"],
  [ValueType.BOOL, "types.Bool"],
  [ValueType.UNIX_TIMESTAMP, "types.UnixTimestamp"],
]);

const LIST_ITEM: ReadonlyMap<ValueType, ValueType> = new Map([
  [ValueType.BYTES_LIST, ValueType.BYTES],
  [ValueType.STRING_LIST, ValueType.STRING],
  [ValueType.INT32_LIST, ValueType.INT32],
  [ValueType.INT64_LIST, ValueType.INT64],
  [ValueType.DOUBLE_LIST, ValueType.DOUBLE],
  [ValueType.FLOAT_LIST, ValueType.FLOAT],
  [ValueType.BOOL_LIST, ValueType.BOOL],
  [ValueType.UNIX_TIMESTAMP_LIST, ValueType.UNIX_TIMESTAMP],
]);

/** A dtype as `types.X`, `types.Array(types.X)`, or `ValueType.NAME` for the rest; `uses` collects SDK names. */
export function dtype(valueType: ValueType, uses: Set<string>): string {
  const scalar = SCALAR_TYPES.get(valueType);
  if (scalar !== undefined) {
    uses.add("types");
    return scalar;
  }
  const item = LIST_ITEM.get(valueType);
  const itemType = item === undefined ? undefined : SCALAR_TYPES.get(item);
  if (itemType !== undefined) {
    uses.add("types");
    return `types.Array(${itemType})`;
  }
  uses.add("ValueType");
  return `ValueType.${ValueType[valueType] ?? "STRING"}`;
}

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await types"
  ).split(" "),
);

/** Allocates readable, unique camelCase identifiers for object names within one generated repo. */
export class Identifiers {
  private readonly taken = new Set<string>();
  private readonly byKey = new Map<string, string>();

  /** The identifier of `name` of `kind`; `suffix` is appended when the name does not end with it. */
  of(kind: string, name: string, suffix = ""): string {
    const key = `${kind}:${name}`;
    const existing = this.byKey.get(key);
    if (existing !== undefined) return existing;
    const words = name.split(/[^A-Za-z0-9]+/).filter((word) => word !== "");
    let base = words
      .map((word, index) =>
        index === 0 ? word.charAt(0).toLowerCase() + word.slice(1) : word.charAt(0).toUpperCase() + word.slice(1),
      )
      .join("");
    if (base === "" || /^\d/.test(base)) base = `_${base}`;
    if (suffix !== "" && !base.toLowerCase().endsWith(suffix.toLowerCase())) base += suffix;
    if (RESERVED.has(base)) base += "_";
    let candidate = base;
    for (let n = 2; this.taken.has(candidate); n++) candidate = `${base}${n}`;
    this.taken.add(candidate);
    this.byKey.set(key, candidate);
    return candidate;
  }
}
