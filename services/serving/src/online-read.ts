import { create } from "@bufbuild/protobuf";
import { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  coerceJsonToValue,
  coerceValueToType,
  valueToJson,
} from "@larder/core";
import { createEntityKeyEncoder, type EntityKeyEncoder } from "./entity-key/serialize.js";
import type { OnlineReadRequest, OnlineRow, OnlineStore } from "./online-store/online-store.js";
import { columnStatuses, rowStatuses } from "./column-statuses.js";
import { ReadColumn, columnValues, sharedRowSpans, type OutputColumn } from "./output-column.js";
import { encodeNameField, rememberNamesSection } from "./response-encoder.js";
import { encodeValueBytes } from "./value-encoder.js";
import { storedValueToJson } from "./stored-value-json.js";
import type { ResolvedRequest, ViewRead } from "./resolution.js";

export type { OutputColumn } from "./output-column.js";

export interface OnlineReadInput {
  readonly resolved: ResolvedRequest;
  /** Columnar request values by column name: join keys and request data. */
  readonly columns: ReadonlyMap<string, readonly Value[]>;
  /** Names of request columns in request order (join keys are echoed in this order). */
  readonly columnOrder: readonly string[];
  readonly maxEntityRows: number;
  readonly nowMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Told how long each on-demand transformation took (telemetry); undefined costs nothing. */
  readonly onTransform?: ((odfv: string, seconds: number) => void) | undefined;
}

const NULL_VALUE = create(ValueSchema);

/** Encoded `feature_names` entries of a resolution's outputs and echoed join keys, built on first use. */
interface NameFields {
  readonly outputs: readonly Uint8Array[];
  readonly joinKeys: ReadonlyMap<string, Uint8Array>;
  /** Whole `feature_names` payloads by the echoed join keys (names joined by NUL), built on first use. */
  readonly sections: Map<string, Uint8Array>;
}
const nameFields = new WeakMap<ResolvedRequest, NameFields>();

/** The answer's whole `feature_names` payload: the same for every call of this shape and echoed keys. */
function namesSection(fields: NameFields, all: readonly OutputColumn[], echoedCount: number): Uint8Array {
  let key = "";
  for (let c = 0; c < echoedCount; c++) key = c === 0 ? all[c]!.name : `${key}\u0000${all[c]!.name}`;
  let section = fields.sections.get(key);
  if (section === undefined) {
    const parts: Uint8Array[] = [];
    for (let c = 0; c < echoedCount; c++) parts.push(fields.joinKeys.get(all[c]!.name)!);
    section = Buffer.concat([...parts, ...fields.outputs]);
    fields.sections.set(key, section);
  }
  return section;
}

function nameFieldsFor(resolved: ResolvedRequest): NameFields {
  let fields = nameFields.get(resolved);
  if (fields === undefined) {
    const joinKeys = new Map<string, Uint8Array>();
    for (const column of resolved.joinKeyColumns) joinKeys.set(column, encodeNameField(column));
    fields = { outputs: resolved.outputNames.map(encodeNameField), joinKeys, sections: new Map() };
    nameFields.set(resolved, fields);
  }
  return fields;
}
const encodeValue = encodeValueBytes;
const encoders = new WeakMap<ViewRead, EntityKeyEncoder>();

function encoderFor(read: ViewRead): EntityKeyEncoder {
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
  for (let i = 0; i < resolved.reads.length; i++) {
    const read = resolved.reads[i]!;
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
      // The encoder returns a Buffer: its own latin1 text is the de-duplication key (no wrapper per row).
      const text = key.toString("latin1");
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

  const names = resolved.outputNames;
  const fields = nameFieldsFor(resolved);
  // One array for the answer: the echoed join keys first (in request order), then the outputs.
  let echoedCount = 0;
  for (let c = 0; c < input.columnOrder.length; c++) {
    if (resolved.joinKeyColumns.has(input.columnOrder[c]!)) echoedCount++;
  }
  const all = new Array<OutputColumn>(echoedCount + names.length);
  // Per read, the stored row of each entity row (de-duplicated keys mapped back); shared by its columns.
  const rowsByRead: (OnlineRow | undefined)[][] = resolved.reads.map((read, readIndex) => {
    const found = results[readIndex] ?? [];
    const mapping = rowToKey[readIndex]!;
    const byRow = new Array<OnlineRow | undefined>(rows);
    for (let r = 0; r < rows; r++) byRow[r] = found[mapping[r]!];
    const base = rowStatuses(byRow, read.ttlSeconds * 1000, input.nowMs);
    const shared = sharedRowSpans(byRow);
    for (let f = 0; f < read.features.length; f++) {
      const outIndex = read.outputIndex[f]!;
      if (outIndex < 0) continue; // a hidden input of an on-demand view: read from the rows below
      const { statuses, timestampsMs } = columnStatuses(byRow, f, base, shared);
      all[echoedCount + outIndex] = new ReadColumn(
        names[outIndex]!,
        fields.outputs[outIndex],
        statuses,
        timestampsMs,
        undefined,
        byRow,
        f,
        shared,
      );
    }
    return byRow;
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
        const stored = columnValues(rowsByRead[from.read] ?? [], from.feature);
        inputs[name] = stored.map(storedValueToJson);
      }
    }
    const started = input.onTransform === undefined ? 0 : performance.now();
    const result = odfv.runner.run(inputs);
    input.onTransform?.(odfv.name, (performance.now() - started) / 1000);
    const now = input.nowMs;
    for (const { feature, type, outputIndex } of odfv.outputs) {
      const column = result[feature];
      const out = new ReadColumn(
        names[outputIndex]!,
        fields.outputs[outputIndex],
        new Array<FieldStatus>(rows),
        new Array<number>(rows),
        new Array<Uint8Array>(rows),
      );
      all[echoedCount + outputIndex] = out;
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

  // Indexed loops on this path: a for-of made an iterator result per column (≈ 2 KB per 1 × 50 call).
  let echoed = 0;
  for (let c = 0; c < input.columnOrder.length; c++) {
    const column = input.columnOrder[c]!;
    if (!resolved.joinKeyColumns.has(column)) continue;
    const type = resolved.joinKeyColumnTypes.get(column)!;
    const values = typed(column, type).map(encodeValue);
    const statuses = new Array<FieldStatus>(rows).fill(FieldStatus.PRESENT);
    const times = new Array<number>(rows).fill(0);
    all[echoed++] = new ReadColumn(column, fields.joinKeys.get(column), statuses, times, values);
  }
  rememberNamesSection(all, namesSection(fields, all, echoedCount));
  return all;
}
