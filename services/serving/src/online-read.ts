import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  coerceJsonToValue,
  coerceValueToType,
  valueToJson,
} from "@larder/core";
import { createEntityKeyEncoder } from "./entity-key/serialize.js";
import type { OnlineReadRequest, OnlineRow, OnlineStore } from "./online-store/online-store.js";
import type { ResolvedRequest, ViewRead } from "./resolution.js";

/**
 * One output column: per entity row, the serialized larder.types.v1.Value (copied as stored, never
 * decoded on the gRPC path), a status and the event time in epoch milliseconds.
 */
export interface OutputColumn {
  readonly name: string;
  readonly values: Uint8Array[];
  readonly statuses: FieldStatus[];
  readonly timestampsMs: number[];
}

export interface OnlineReadInput {
  readonly resolved: ResolvedRequest;
  /** Columnar request values by column name: join keys and request data. */
  readonly columns: ReadonlyMap<string, readonly Value[]>;
  /** Names of request columns in request order (join keys are echoed in this order). */
  readonly columnOrder: readonly string[];
  readonly maxEntityRows: number;
  readonly nowMs: number;
  readonly signal?: AbortSignal | undefined;
}

const NULL_VALUE = create(ValueSchema);
const EMPTY = new Uint8Array(0);
/** True for a stored Value that holds no value: an unset oneof (no bytes) or null_val (tag 19, varint 0). */
function isNullValue(bytes: Uint8Array): boolean {
  return bytes.length === 0 || (bytes.length === 3 && bytes[0] === 0x98 && bytes[1] === 0x01 && bytes[2] === 0x00);
}

const encodeValue = (value: Value): Uint8Array => (value.val.case === undefined ? EMPTY : toBinary(ValueSchema, value));
const encoders = new WeakMap<ViewRead, (values: readonly Value[]) => Uint8Array>();

function encoderFor(read: ViewRead): (values: readonly Value[]) => Uint8Array {
  let encoder = encoders.get(read);
  if (encoder === undefined) {
    encoder = createEntityKeyEncoder(read.joinKeys, read.joinKeyTypes);
    encoders.set(read, encoder);
  }
  return encoder;
}

function rowCountOf(columns: ReadonlyMap<string, readonly Value[]>): number {
  let count: number | undefined;
  let first = "";
  for (const [name, values] of columns) {
    if (count === undefined) {
      count = values.length;
      first = name;
    } else if (values.length !== count) {
      throw new InvalidArgumentError(
        `entities: every column must have the same number of rows ("${first}" has ${count}, "${name}" has ${values.length})`,
      );
    }
  }
  return count ?? 0;
}

/** Converts a transform's output; a wrong type is the view's fault, not the caller's. */
function transformOutput(raw: unknown, type: number, where: string): Value {
  try {
    return coerceJsonToValue(raw, type, where);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FailedPreconditionError(`on demand feature view output ${reason}`);
  }
}

/**
 * Reads a resolved request: builds and de-duplicates entity keys per view, reads every view in one
 * store call, assigns statuses (PRESENT, NOT_FOUND, NULL_VALUE, OUTSIDE_MAX_AGE), runs on-demand
 * transforms, and returns the columns with the request's join keys first.
 */
export async function readOnlineFeatures(store: OnlineStore, input: OnlineReadInput): Promise<OutputColumn[]> {
  const { resolved, columns } = input;
  const rows = rowCountOf(columns);
  if (rows > input.maxEntityRows) {
    throw new InvalidArgumentError(
      `entities: ${rows} rows is more than the limit of ${input.maxEntityRows} (feature_server.max_entity_rows)`,
    );
  }
  const coerced = new Map<string, Value[]>();
  const typed = (column: string, type: number): Value[] => {
    const key = `${column}\u0000${type}`;
    let values = coerced.get(key);
    if (values === undefined) {
      const raw = columns.get(column) ?? [];
      values = raw.map((v, i) => coerceValueToType(v, type, `entities.${column}[${i}]`));
      coerced.set(key, values);
    }
    return values;
  };

  const requests: OnlineReadRequest[] = [];
  const rowToKey: number[][] = [];
  for (const read of resolved.reads) {
    const missing = read.requestColumns.filter((c) => !columns.has(c));
    if (missing.length > 0) {
      throw new InvalidArgumentError(
        `Missing join key values for keys: [${missing.join(", ")}] (feature view "${read.view.name}"); provided: [${[...columns.keys()].join(", ")}]`,
      );
    }
    const keyColumns = read.requestColumns.map((c, i) => typed(c, read.joinKeyTypes[i]!));
    const encode = encoderFor(read);
    const unique = new Map<string, number>();
    const keys: Uint8Array[] = [];
    const mapping: number[] = new Array<number>(rows);
    const rowValues: Value[] = new Array<Value>(keyColumns.length);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < keyColumns.length; k++) rowValues[k] = keyColumns[k]![r]!;
      const key = encode(rowValues);
      const text = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
      let at = unique.get(text);
      if (at === undefined) {
        at = keys.length;
        unique.set(text, at);
        keys.push(key);
      }
      mapping[r] = at;
    }
    requests.push({ view: read.view, features: read.features, entityKeys: keys });
    rowToKey.push(mapping);
  }

  const results: (OnlineRow | undefined)[][] = requests.length === 0 ? [] : await store.read(requests, input.signal);

  const outputs: OutputColumn[] = resolved.outputNames.map((name) => ({
    name,
    values: new Array<Uint8Array>(rows),
    statuses: new Array<FieldStatus>(rows),
    timestampsMs: new Array<number>(rows),
  }));
  // Hidden inputs of on-demand views (features they need that were not requested), per read and feature.
  const hidden = new Map<string, Uint8Array[]>();

  resolved.reads.forEach((read, readIndex) => {
    const found = results[readIndex] ?? [];
    const mapping = rowToKey[readIndex]!;
    const ttlMs = read.ttlSeconds * 1000;
    read.features.forEach((_feature, f) => {
      const outIndex = read.outputIndex[f]!;
      const out = outIndex >= 0 ? outputs[outIndex]! : undefined;
      const values: Uint8Array[] = out?.values ?? new Array<Uint8Array>(rows);
      for (let r = 0; r < rows; r++) {
        const row = found[mapping[r]!];
        const bytes = row?.values[f];
        if (row === undefined || bytes === undefined) {
          values[r] = EMPTY;
          if (out !== undefined) {
            out.statuses[r] = FieldStatus.NOT_FOUND;
            out.timestampsMs[r] = 0;
          }
          continue;
        }
        values[r] = bytes;
        if (out === undefined) continue;
        out.timestampsMs[r] = row.eventTimeMs;
        if (isNullValue(bytes)) out.statuses[r] = FieldStatus.NULL_VALUE;
        else if (ttlMs > 0 && input.nowMs - row.eventTimeMs > ttlMs) out.statuses[r] = FieldStatus.OUTSIDE_MAX_AGE;
        else out.statuses[r] = FieldStatus.PRESENT;
      }
      if (out === undefined) hidden.set(`${readIndex}\u0000${f}`, values);
    });
  });

  for (const odfv of resolved.odfvs) {
    const inputs: Record<string, unknown[]> = {};
    for (const { name, from } of odfv.inputs) {
      if ("request" in from) {
        const type = resolved.requestFields.get(from.request);
        if (!columns.has(from.request)) {
          throw new InvalidArgumentError(
            `entities: request data "${from.request}" is required by on demand feature view "${odfv.name}"`,
          );
        }
        const values = type === undefined ? (columns.get(from.request) ?? []) : typed(from.request, type);
        inputs[name] = values.map((v) => valueToJson(v));
      } else {
        const read = resolved.reads[from.read]!;
        const outIndex = read.outputIndex[from.feature]!;
        const stored =
          outIndex >= 0 ? outputs[outIndex]!.values : (hidden.get(`${from.read}\u0000${from.feature}`) ?? []);
        inputs[name] = stored.map((bytes) => valueToJson(fromBinary(ValueSchema, bytes)));
      }
    }
    const result = odfv.runner.run(inputs);
    const now = input.nowMs;
    for (const { feature, type, outputIndex } of odfv.outputs) {
      const column = result[feature];
      const out = outputs[outputIndex]!;
      for (let r = 0; r < rows; r++) {
        const raw = Array.isArray(column) ? column[r] : undefined;
        const value =
          raw === undefined || raw === null ? NULL_VALUE : transformOutput(raw, type, `${odfv.name}.${feature}[${r}]`);
        out.values[r] = encodeValue(value);
        out.statuses[r] = value.val.case === undefined ? FieldStatus.NULL_VALUE : FieldStatus.PRESENT;
        out.timestampsMs[r] = now;
      }
    }
  }

  const echoed: OutputColumn[] = [];
  for (const column of input.columnOrder) {
    if (!resolved.joinKeyColumns.has(column)) continue;
    const type = resolved.joinKeyColumnTypes.get(column)!;
    const values = typed(column, type).map(encodeValue);
    echoed.push({
      name: column,
      values,
      statuses: new Array<FieldStatus>(rows).fill(FieldStatus.PRESENT),
      timestampsMs: new Array<number>(rows).fill(0),
    });
  }
  return [...echoed, ...outputs];
}
