import {
  InvalidArgumentError,
  coerceJsonToValue,
  coerceValueToType,
  parseTimestamp,
  valueTypeOf,
  type ParsedTimestamp,
} from "@larder/core";
import { ValueType, type RepeatedValue, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { encodeValueBytes } from "@larder/serving";
import { valueBytesOf } from "./push-request-decoder.js";

/**
 * One pushed column: typed Values (gRPC, with each Value's wire bytes when the hand decoder read the
 * request) or JSON values (REST, CLI).
 */
type InputColumn =
  | { readonly kind: "values"; readonly values: readonly Value[]; readonly bytes: readonly Uint8Array[] | undefined }
  | { readonly kind: "json"; readonly values: readonly unknown[] };

/** Columnar pushed rows, every column the same length; cells are coerced to a type on read. */
export class InputTable {
  private constructor(
    readonly rowCount: number,
    private readonly columns: ReadonlyMap<string, InputColumn>,
    /** Prefix of cell locations in messages: "columns" (gRPC) or "df" (REST). */
    private readonly label: string,
  ) {}

  /** From gRPC `map<string, RepeatedValue>`. */
  static fromValues(columns: Readonly<Record<string, RepeatedValue>>): InputTable {
    const map = new Map<string, InputColumn>();
    for (const [name, repeated] of Object.entries(columns)) {
      map.set(name, { kind: "values", values: repeated.val, bytes: valueBytesOf(repeated) });
    }
    return new InputTable(checkLengths(map, "columns"), map, "columns");
  }

  /** From a JSON dict of column lists (Feast's `df`). */
  static fromJson(df: unknown, label = "df"): InputTable {
    if (typeof df !== "object" || df === null || Array.isArray(df)) {
      throw new InvalidArgumentError(`${label}: expected an object of column name to a list of values`);
    }
    const map = new Map<string, InputColumn>();
    for (const [name, values] of Object.entries(df as Record<string, unknown>)) {
      if (!Array.isArray(values)) throw new InvalidArgumentError(`${label}.${name}: expected a list of values`);
      map.set(name, { kind: "json", values: values as unknown[] });
    }
    return new InputTable(checkLengths(map, label), map, label);
  }

  has(name: string): boolean {
    return this.columns.has(name);
  }

  get names(): string[] {
    return [...this.columns.keys()];
  }

  where(column: string, row: number): string {
    return `${this.label}.${column}[${row}] (column "${column}", row ${row})`;
  }

  /** The cell as a Value of `type`. @throws InvalidArgumentError naming column and row. */
  value(column: string, row: number, type: ValueType): Value {
    const col = this.require(column);
    if (col.kind === "values") {
      const value = col.values[row]!;
      // The cases coerceValueToType returns the cell itself for, without building the cell's location.
      const from = valueTypeOf(value);
      if (
        from === type ||
        type === ValueType.UNSPECIFIED ||
        from === ValueType.UNSPECIFIED ||
        from === ValueType.NULL
      ) {
        return value;
      }
      return coerceValueToType(value, type, this.where(column, row));
    }
    return coerceJsonToValue(col.values[row] ?? null, type, this.where(column, row));
  }

  /**
   * Serialized `value`, the cell of `column` at `row` coerced by value(): the request's own bytes for
   * the cell when it needed no coercion and the decoder kept them, else encoded.
   */
  bytes(column: string, row: number, value: Value): Uint8Array {
    const col = this.columns.get(column);
    if (col?.kind === "values" && col.bytes !== undefined && col.values[row] === value) return col.bytes[row]!;
    return encodeValueBytes(value);
  }

  /** The cell as an instant in epoch milliseconds. @throws InvalidArgumentError for a null or unparsable cell. */
  timeMs(column: string, row: number): number {
    const col = this.require(column);
    let raw: unknown = col.values[row];
    if (col.kind === "values") {
      const v = (raw as Value).val;
      raw =
        v.case === "unixTimestampVal" || v.case === "int64Val"
          ? Number(v.value)
          : v.case === undefined || v.case === "nullVal"
            ? null
            : v.value;
    }
    if (raw === null || raw === undefined) {
      throw new InvalidArgumentError(`${this.where(column, row)}: a timestamp is required`);
    }
    let parsed: ParsedTimestamp;
    try {
      parsed = parseTimestamp(raw, "");
    } catch {
      // Parsed again only to throw the message naming the cell (its location is built for errors only).
      parsed = parseTimestamp(raw, this.where(column, row));
    }
    return Number(parsed.seconds) * 1000 + Math.floor(parsed.nanos / 1e6);
  }

  /** True when the cell is absent or null. */
  isNull(column: string, row: number): boolean {
    const col = this.columns.get(column);
    if (col === undefined) return true;
    const raw = col.values[row];
    if (col.kind === "json") return raw === null || raw === undefined;
    const c = (raw as Value).val.case;
    return c === undefined || c === "nullVal";
  }

  private require(column: string): InputColumn {
    const col = this.columns.get(column);
    if (col === undefined) throw new InvalidArgumentError(`${this.label}: missing column "${column}"`);
    return col;
  }
}

function checkLengths(columns: ReadonlyMap<string, InputColumn>, label: string): number {
  let first: [string, number] | undefined;
  for (const [name, col] of columns) {
    if (first === undefined) first = [name, col.values.length];
    else if (col.values.length !== first[1]) {
      throw new InvalidArgumentError(
        `${label}: column "${name}" has ${col.values.length} values but column "${first[0]}" has ${first[1]}; every column needs one value per row`,
      );
    }
  }
  return first?.[1] ?? 0;
}
