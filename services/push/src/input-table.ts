import { InvalidArgumentError, coerceJsonToValue, coerceValueToType, parseTimestamp } from "@larder/core";
import type { RepeatedValue, Value, ValueType } from "@larder/gen/es/larder/types/v1/value_pb";

/** One pushed column: typed Values (gRPC) or JSON values (REST, CLI). */
type InputColumn =
  | { readonly kind: "values"; readonly values: readonly Value[] }
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
    for (const [name, repeated] of Object.entries(columns)) map.set(name, { kind: "values", values: repeated.val });
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
    const where = this.where(column, row);
    if (col.kind === "values") return coerceValueToType(col.values[row]!, type, where);
    return coerceJsonToValue(col.values[row] ?? null, type, where);
  }

  /** The cell as an instant in epoch milliseconds. @throws InvalidArgumentError for a null or unparsable cell. */
  timeMs(column: string, row: number): number {
    const col = this.require(column);
    const where = this.where(column, row);
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
    if (raw === null || raw === undefined) throw new InvalidArgumentError(`${where}: a timestamp is required`);
    const { seconds, nanos } = parseTimestamp(raw, where);
    return Number(seconds) * 1000 + Math.floor(nanos / 1e6);
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
