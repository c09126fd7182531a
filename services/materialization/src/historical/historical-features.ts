import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { Value, ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { FailedPreconditionError, InvalidArgumentError } from "@larder/core";
import { inferValueType } from "../offline-store/column-types.js";
import type { ColumnBatch, EntitySource, OfflineStore } from "../offline-store/offline-store.js";
import { plainFromValue, transformInput, valueFromPlain } from "./batch-values.js";
import {
  resolveHistorical,
  type HistoricalKind,
  type HistoricalOdfv,
  type HistoricalPlan,
} from "./resolve-historical.js";

export interface HistoricalDeps {
  readonly offline: OfflineStore;
  /** A registry snapshot. */
  readonly registry: Registry;
  readonly project: string;
  /** Time limit per on-demand transform call. @default 1000 */
  readonly transformTimeoutMs?: number;
}

export interface HistoricalRequest {
  readonly entities: EntitySource;
  readonly kind: HistoricalKind;
  readonly fullFeatureNames: boolean;
  /** Rows per streamed batch. @default 10000 */
  readonly batchRows?: number;
}

/** The result stream, plus the requested output names and the type of each column. */
export interface HistoricalFeatures extends AsyncIterable<ColumnBatch> {
  readonly outputOrder: readonly string[];
  /** The feature or entity type of a column, else one inferred from its values. */
  readonly typeOf: (column: string, values: readonly unknown[]) => ValueType;
}

function checkRequestColumns(plan: HistoricalPlan, entityColumns: readonly string[]): void {
  const missing = [...plan.requestFields.keys()].filter((field) => !entityColumns.includes(field));
  if (missing.length === 0) return;
  const needers = plan.odfvs
    .filter((odfv) => odfv.inputs.some((input) => missing.includes(input.column)))
    .map((odfv) => `"${odfv.name}"`);
  throw new InvalidArgumentError(
    `The entity table lacks request data ${missing.join(", ")} needed by on demand feature view ${needers.join(", ")}; add these columns to the entity table`,
  );
}

function computeOdfv(odfv: HistoricalOdfv, batch: ColumnBatch, columns: Map<string, readonly unknown[]>): void {
  const inputs: Record<string, unknown[]> = {};
  for (const input of odfv.inputs) {
    const values = columns.get(input.column) ?? new Array<unknown>(batch.rowCount).fill(null);
    inputs[input.name] = values.map((value) => transformInput(value, input.type));
  }
  const result = odfv.runner.run(inputs);
  for (const output of odfv.outputs) {
    const raw = result[output.feature];
    const values = Array.from({ length: batch.rowCount }, (_, row) => {
      const value = Array.isArray(raw) ? raw[row] : undefined;
      if (value === undefined || value === null) return null;
      try {
        return plainFromValue(valueFromPlain(value, output.type, `${odfv.name}.${output.feature}[${row}]`));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new FailedPreconditionError(`on demand feature view output ${reason}`);
      }
    });
    columns.set(output.column, values);
  }
}

/** Adds the on-demand outputs to a joined batch and orders it: entity columns, then the requested outputs. */
function shape(plan: HistoricalPlan, entityColumns: readonly string[], batch: ColumnBatch): ColumnBatch {
  const columns = new Map<string, readonly unknown[]>(batch.columns);
  for (const odfv of plan.odfvs) computeOdfv(odfv, batch, columns);
  const out = new Map<string, readonly unknown[]>();
  for (const name of [...entityColumns, ...plan.outputOrder]) {
    out.set(name, columns.get(name) ?? new Array<unknown>(batch.rowCount).fill(null));
  }
  return { rowCount: batch.rowCount, columns: out };
}

/**
 * Point-in-time training data (Feast's get_historical_features): resolves the request against the
 * registry snapshot (errors surface here, before any reading), joins every view in the offline store,
 * computes on-demand views per batch after the join, and yields the entity columns first, then the
 * requested outputs in request order; hidden on-demand inputs are dropped.
 */
export function getHistoricalFeatures(deps: HistoricalDeps, request: HistoricalRequest): HistoricalFeatures {
  const plan = resolveHistorical(deps.registry, deps.project, request.kind, request.fullFeatureNames, {
    ...(deps.transformTimeoutMs === undefined ? {} : { transformTimeoutMs: deps.transformTimeoutMs }),
  });
  if (request.entities.kind === "rows") checkRequestColumns(plan, [...request.entities.batch.columns.keys()]);
  const readOutputs = new Set(plan.reads.flatMap((read) => read.outputNames));
  return {
    outputOrder: plan.outputOrder,
    typeOf: (column, values) => plan.columnTypes.get(column) ?? inferValueType(values),
    async *[Symbol.asyncIterator]() {
      let entityColumns: string[] | undefined;
      const options = request.batchRows === undefined ? {} : { batchRows: request.batchRows };
      for await (const batch of deps.offline.historical(request.entities, plan.reads, options)) {
        if (entityColumns === undefined) {
          entityColumns = [...batch.columns.keys()].filter((name) => !readOutputs.has(name));
          checkRequestColumns(plan, entityColumns);
        }
        yield shape(plan, entityColumns, batch);
      }
    },
  };
}

/** Entity rows given as proto Values (columnar), as a batch of plain values. */
export function entityBatchFromValues(columns: ReadonlyMap<string, readonly Value[]>): ColumnBatch {
  let rowCount: number | undefined;
  const out = new Map<string, unknown[]>();
  for (const [name, values] of columns) {
    if (rowCount !== undefined && values.length !== rowCount)
      throw new InvalidArgumentError(
        `entity_rows: every column must have the same number of rows ("${name}" has ${values.length}, others ${rowCount})`,
      );
    rowCount = values.length;
    out.set(name, values.map(plainFromValue));
  }
  return { rowCount: rowCount ?? 0, columns: out };
}
