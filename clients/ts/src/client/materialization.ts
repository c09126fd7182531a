import type {
  GetHistoricalFeaturesRequest,
  GetHistoricalFeaturesResponse,
  MaterializeResponse,
} from "@larder/gen/grpc-js/larder/materialization/v1/materialization_service";
import { valueTypeToJSON } from "@larder/gen/grpc-js/larder/types/v1/value";
import { clientError, InvalidArgumentError } from "./errors.js";
import type { RowsInput } from "./online-features.js";
import type { Int64Mode } from "./options.js";
import { fromValue, toColumns, type FeatureValue } from "./values.js";

/** One event of a materialization job, in the order the server streams them. */
export type MaterializeEvent =
  | {
      readonly type: "progress";
      readonly jobId: string;
      readonly featureView: string;
      /** Rows written so far for this view. */
      readonly rowsWritten: number;
      readonly startTime: Date | undefined;
      readonly endTime: Date | undefined;
    }
  | { readonly type: "viewDone"; readonly jobId: string; readonly featureView: string; readonly rowsWritten: number }
  | {
      readonly type: "jobDone";
      readonly jobId: string;
      readonly rowsWritten: number;
      readonly durationSeconds: number;
    };

/** What a finished job wrote. */
export interface MaterializeResult {
  readonly jobId: string;
  readonly rowsWritten: number;
  readonly durationSeconds: number;
  /** Rows written per feature view. */
  readonly views: Readonly<Record<string, number>>;
}

export function materializeEvent(response: MaterializeResponse): MaterializeEvent | undefined {
  const jobId = response.jobId;
  if (response.progress !== undefined) {
    const p = response.progress;
    return {
      type: "progress",
      jobId,
      featureView: p.featureView,
      rowsWritten: Number(p.rowsWritten),
      startTime: p.startTime,
      endTime: p.endTime,
    };
  }
  if (response.viewDone !== undefined) {
    const d = response.viewDone;
    return { type: "viewDone", jobId, featureView: d.featureView, rowsWritten: Number(d.rowsWritten) };
  }
  if (response.jobDone !== undefined) {
    const d = response.jobDone;
    return { type: "jobDone", jobId, rowsWritten: Number(d.rowsWritten), durationSeconds: d.durationSeconds };
  }
  return undefined;
}

/**
 * A running materialization: iterate it for progress events, or await `result()` for the summary.
 * The job starts when either is first used; the events can be consumed once.
 */
export class MaterializationJob implements AsyncIterable<MaterializeEvent> {
  private started = false;

  constructor(private readonly events: () => AsyncGenerator<MaterializeEvent>) {}

  [Symbol.asyncIterator](): AsyncIterator<MaterializeEvent> {
    return this.take()[Symbol.asyncIterator]();
  }

  /** Runs the job to its end and returns what it wrote. */
  async result(): Promise<MaterializeResult> {
    const views: Record<string, number> = {};
    for await (const event of this.take()) {
      if (event.type === "viewDone") views[event.featureView] = event.rowsWritten;
      if (event.type === "jobDone") {
        return { jobId: event.jobId, rowsWritten: event.rowsWritten, durationSeconds: event.durationSeconds, views };
      }
    }
    throw clientError("INTERNAL", "the server ended the materialization stream without a jobDone event");
  }

  private take(): AsyncGenerator<MaterializeEvent> {
    if (this.started) throw new Error("a MaterializationJob can be consumed once");
    this.started = true;
    return this.events();
  }
}

export interface GetHistoricalFeaturesInput {
  /** Entity rows (with join keys and `event_timestamp`), a file path the server reads, or SQL its offline store runs. */
  readonly entities: RowsInput | { readonly path: string } | { readonly sql: string };
  readonly features?: readonly string[];
  readonly featureService?: string;
  /** Name outputs `view__feature`. @default false */
  readonly fullFeatureNames?: boolean;
}

/** One batch of point-in-time-correct rows, as columns and rows. */
export interface HistoricalBatch {
  readonly batchIndex: number;
  readonly columnNames: string[];
  /** ValueType name per column, e.g. `VALUE_TYPE_INT64`. */
  readonly valueTypes: Readonly<Record<string, string>>;
  readonly columns: Readonly<Record<string, FeatureValue[]>>;
  readonly rows: Array<Record<string, FeatureValue>>;
}

export function historicalRequest(input: GetHistoricalFeaturesInput): GetHistoricalFeaturesRequest {
  if ((input.features === undefined) === (input.featureService === undefined)) {
    throw new InvalidArgumentError("INVALID_ARGUMENT", "give exactly one of features or featureService");
  }
  const e = input.entities;
  const entities =
    "path" in e && typeof e.path === "string"
      ? { entityPath: e.path }
      : "sql" in e && typeof e.sql === "string"
        ? { entitySql: e.sql }
        : { entityRows: { columns: toColumns(e as RowsInput, "entities") } };
  return {
    ...entities,
    ...(input.featureService !== undefined
      ? { featureService: input.featureService }
      : { features: { val: [...(input.features ?? [])] } }),
    fullFeatureNames: input.fullFeatureNames === true,
  };
}

export function historicalBatch(response: GetHistoricalFeaturesResponse, mode: Int64Mode): HistoricalBatch {
  const columnNames = response.columns.map((c) => c.name);
  const columns: Record<string, FeatureValue[]> = {};
  const valueTypes: Record<string, string> = {};
  let rowCount = 0;
  for (const column of response.columns) {
    columns[column.name] = column.values.map((v) => fromValue(v, mode));
    valueTypes[column.name] = valueTypeToJSON(column.valueType);
    rowCount = Math.max(rowCount, column.values.length);
  }
  const rows: Array<Record<string, FeatureValue>> = [];
  for (let r = 0; r < rowCount; r++) {
    rows.push(Object.fromEntries(columnNames.map((name) => [name, columns[name]?.[r] ?? null])));
  }
  return { batchIndex: Number(response.batchIndex), columnNames, valueTypes, columns, rows };
}
