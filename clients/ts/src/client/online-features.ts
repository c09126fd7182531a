import {
  FieldStatus,
  type GetOnlineFeaturesRequest,
  type GetOnlineFeaturesResponse,
} from "@larder/gen/grpc-js/larder/serving/v1/serving_service";
import { InvalidArgumentError } from "./errors.js";
import type { Int64Mode } from "./options.js";
import { fromValue, toColumns, type FeatureValue, type ValueInput } from "./values.js";

/** Columnar (`{ driver_id: [1001, 1002] }`) or row (`[{ driver_id: 1001 }, ...]`) input. */
export type RowsInput =
  Readonly<Record<string, readonly ValueInput[]>> | readonly Readonly<Record<string, ValueInput>>[];

export interface GetOnlineFeaturesInput {
  /** `view:feature` references; or give `featureService`. */
  readonly features?: readonly string[];
  readonly featureService?: string;
  /** Entity rows by join key. */
  readonly entities: RowsInput;
  /** Request-source inputs for on-demand views, shaped like `entities`. */
  readonly requestContext?: RowsInput;
  /** Name outputs `view__feature`. @default false */
  readonly fullFeatureNames?: boolean;
}

/** Feast's status names; `UNSPECIFIED` only for a server that sent none. */
export type FeatureStatus = "PRESENT" | "NULL_VALUE" | "NOT_FOUND" | "OUTSIDE_MAX_AGE" | "UNSPECIFIED";

/** One output column: a value, status and event time per entity row. */
export interface OnlineColumn {
  readonly values: FeatureValue[];
  readonly statuses: FeatureStatus[];
  /** Event time of each value; the epoch for a row with no value, as Feast sends. */
  readonly eventTimestamps: Date[];
}

export interface OnlineFeatures {
  /** Output names in the server's order: join keys first, then features. */
  readonly featureNames: string[];
  readonly columns: Readonly<Record<string, OnlineColumn>>;
  /** One plain object per entity row, keyed by output name (missing values are null). */
  readonly rows: Array<Record<string, FeatureValue>>;
  /** The response as received, for fields this shape leaves out. */
  readonly response: GetOnlineFeaturesResponse;
}

const STATUS: Readonly<Record<number, FeatureStatus>> = {
  [FieldStatus.FIELD_STATUS_PRESENT]: "PRESENT",
  [FieldStatus.FIELD_STATUS_NULL_VALUE]: "NULL_VALUE",
  [FieldStatus.FIELD_STATUS_NOT_FOUND]: "NOT_FOUND",
  [FieldStatus.FIELD_STATUS_OUTSIDE_MAX_AGE]: "OUTSIDE_MAX_AGE",
};

export function onlineRequest(input: GetOnlineFeaturesInput): GetOnlineFeaturesRequest {
  const hasFeatures = input.features !== undefined;
  const hasService = input.featureService !== undefined;
  if (hasFeatures === hasService) {
    throw new InvalidArgumentError("INVALID_ARGUMENT", "give exactly one of features or featureService");
  }
  return {
    ...(hasService ? { featureService: input.featureService } : { features: { val: [...(input.features ?? [])] } }),
    entities: toColumns(input.entities, "entities"),
    requestContext: input.requestContext === undefined ? {} : toColumns(input.requestContext, "requestContext"),
    fullFeatureNames: input.fullFeatureNames === true,
    includeFeatureViewVersionMetadata: false,
  };
}

/** The response as columns and as rows. */
export function onlineResult(response: GetOnlineFeaturesResponse, mode: Int64Mode): OnlineFeatures {
  const featureNames = response.metadata?.featureNames?.val ?? [];
  const columns: Record<string, OnlineColumn> = {};
  let rowCount = 0;
  featureNames.forEach((name, i) => {
    const vector = response.results[i];
    const values = (vector?.values ?? []).map((v) => fromValue(v, mode));
    rowCount = Math.max(rowCount, values.length);
    columns[name] = {
      values,
      statuses: (vector?.statuses ?? []).map((s) => STATUS[s] ?? "UNSPECIFIED"),
      eventTimestamps: vector?.eventTimestamps ?? [],
    };
  });
  const rows: Array<Record<string, FeatureValue>> = [];
  for (let r = 0; r < rowCount; r++) {
    const row: Record<string, FeatureValue> = {};
    for (const name of featureNames) row[name] = columns[name]?.values[r] ?? null;
    rows.push(row);
  }
  return { featureNames, columns, rows, response };
}
