import { FailedPreconditionError, coerceJsonToValue, valueToJson } from "@larder/core";
import type { OnDemandFeatureView } from "@larder/gen/es/larder/core/v1/on_demand_feature_view_pb";
import type { Value, ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import {
  TransformRunner,
  createEntityKeyEncoder,
  encodeValueBytes,
  type OnlineView,
  type OnlineWriteRow,
} from "@larder/serving";
import type { EncodedView } from "./encode-rows.js";
import type { InputTable } from "./input-table.js";
import type { Column } from "./push-targets.js";

/** Rows an on-demand view computed on write, for its own online table. */
export interface TransformedRows {
  readonly view: OnlineView;
  readonly rows: OnlineWriteRow[];
}

/** Keeps one sandboxed runner per on-demand view and transform body. */
export class TransformRunners {
  private readonly runners = new Map<string, { body: string; runner: TransformRunner }>();

  constructor(private readonly timeoutMs: number) {}

  get(odfv: OnDemandFeatureView): TransformRunner {
    const name = odfv.spec?.name ?? "";
    const body = odfv.spec?.featureTransformation?.transformation.value?.bodyText ?? "";
    const cached = this.runners.get(name);
    if (cached?.body === body) return cached.runner;
    const runner = new TransformRunner(name, body, this.timeoutMs);
    this.runners.set(name, { body, runner });
    return runner;
  }
}

const byName = (a: Column, b: Column): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Runs `odfv` over the pushed rows (inputs from the encoded views and request data) and encodes its outputs. */
export function transformOnWrite(
  project: string,
  odfv: OnDemandFeatureView,
  runner: TransformRunner,
  table: InputTable,
  encoded: ReadonlyMap<string, EncodedView>,
): TransformedRows {
  const spec = odfv.spec!;
  const inputs: Record<string, unknown[]> = {};
  const keys = new Map<string, ValueType>();
  /** Coerced join-key Values of the encoded views, reused as the output rows' keys when the types agree. */
  const keyValues = new Map<string, { type: ValueType; values: readonly Value[] }>();
  let eventTimes: number[] = [];
  const json = (values: readonly Value[]): unknown[] => values.map((v) => valueToJson(v));
  for (const source of Object.values(spec.sources)) {
    const s = source.source;
    if (s.case === "requestDataSource") {
      const schema = s.value.options.case === "requestDataOptions" ? s.value.options.value.schema : [];
      for (const field of schema) {
        inputs[field.name] = Array.from({ length: table.rowCount }, (_, row) =>
          table.has(field.name) ? valueToJson(table.value(field.name, row, field.valueType)) : null,
        );
      }
      continue;
    }
    const viewName = s.case === "featureView" ? (s.value.spec?.name ?? "") : (s.value?.featureViewName ?? "");
    const view = encoded.get(viewName);
    if (view === undefined) continue;
    eventTimes = view.eventTimesMs;
    const wanted =
      s.case === "featureViewProjection" && s.value.featureColumns.length > 0
        ? s.value.featureColumns.map((c) => c.name)
        : view.target.features.map((f) => f.name);
    for (const key of view.target.joinKeys) {
      keys.set(key.name, key.type);
      const values = view.values.get(key.name) ?? [];
      keyValues.set(key.name, { type: key.type, values });
      inputs[key.name] = json(values);
    }
    for (const name of wanted) inputs[name] = json(view.values.get(name) ?? []);
  }
  const keyColumns: Column[] =
    spec.entityColumns.length > 0
      ? spec.entityColumns.map((c) => ({ name: c.name, type: c.valueType })).sort(byName)
      : [...keys].map(([name, type]) => ({ name, type })).sort(byName);
  const result = runner.run(inputs);
  const encodeKey = createEntityKeyEncoder(
    keyColumns.map((k) => k.name),
    keyColumns.map((k) => k.type),
  );
  const rows: OnlineWriteRow[] = [];
  for (let row = 0; row < table.rowCount; row++) {
    const rowKeys = keyColumns.map((k) => {
      const known = keyValues.get(k.name);
      const value = known?.type === k.type ? known.values[row] : undefined;
      if (value !== undefined) return value;
      return coerceJsonToValue(inputs[k.name]?.[row] ?? null, k.type, `${k.name}[${row}]`);
    });
    const values = spec.features.map((f) => {
      const column = result[f.name];
      const raw = Array.isArray(column) ? column[row] : undefined;
      try {
        return encodeValueBytes(coerceJsonToValue(raw ?? null, f.valueType, `${spec.name}.${f.name}[${row}]`));
      } catch (error) {
        throw new FailedPreconditionError(
          `on demand feature view output ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    });
    rows.push({ entityKey: encodeKey(rowKeys), eventTimeMs: eventTimes[row] ?? Date.now(), values });
  }
  return {
    view: {
      project,
      name: spec.name,
      joinKeys: keyColumns.map((k) => k.name),
      features: spec.features.map((f) => f.name),
    },
    rows,
  };
}
