import { isAbsolute, normalize, sep } from "node:path";
import { create } from "@bufbuild/protobuf";
import {
  ResultColumnSchema,
  type GetHistoricalFeaturesRequest,
  type GetHistoricalFeaturesResponse,
} from "@larder/gen/es/larder/materialization/v1/materialization_service_pb";
import type { Value, ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { InvalidArgumentError } from "@larder/core";
import type { RegistryApi } from "@larder/registry";
import type { EntitySource, OfflineStore } from "../offline-store/offline-store.js";
import { valueFromPlain } from "./batch-values.js";
import { entityBatchFromValues, getHistoricalFeatures } from "./historical-features.js";
import type { HistoricalKind } from "./resolve-historical.js";

/** What the GetHistoricalFeatures RPC reads from. */
export interface HistoricalServiceDeps {
  readonly offline: OfflineStore;
  readonly registry: RegistryApi;
  readonly project: string;
  /** Rows per response message. @default 10000 */
  readonly batchRows?: number;
  /** Time limit per on-demand transform call. @default 1000 */
  readonly transformTimeoutMs?: number;
}

type Response = Omit<GetHistoricalFeaturesResponse, "$typeName" | "$unknown">;

/**
 * A caller's entity_path, which must stay inside the feature repository: over the wire an absolute path
 * or one climbing out with `..` would let any caller read any Parquet/CSV file the server can (its rows
 * come back echoed in the result). The CLI, running as the operator, reads any path.
 */
function repoRelativePath(path: string): string {
  const normal = normalize(path);
  if (isAbsolute(path) || normal === ".." || normal.startsWith(`..${sep}`) || path.includes("\0")) {
    throw new InvalidArgumentError(
      `entity_path: "${path}" must be a path relative to the feature repository and inside it`,
    );
  }
  return normal;
}

function entitiesOf(request: GetHistoricalFeaturesRequest): EntitySource {
  const entities = request.entities;
  switch (entities.case) {
    case "entityPath":
      if (entities.value === "") throw new InvalidArgumentError("entity_path: give a Parquet or CSV file path");
      return { kind: "file", path: repoRelativePath(entities.value) };
    case "entitySql":
      if (entities.value.trim() === "") throw new InvalidArgumentError("entity_sql: give a SQL query");
      return { kind: "sql", query: entities.value };
    case "entityRows": {
      const columns = new Map(Object.entries(entities.value.columns).map(([name, repeated]) => [name, repeated.val]));
      return { kind: "rows", batch: entityBatchFromValues(columns) };
    }
    case undefined:
      throw new InvalidArgumentError("entities: set one of entity_path, entity_sql or entity_rows");
  }
}

function kindOf(request: GetHistoricalFeaturesRequest): HistoricalKind {
  const kind = request.kind;
  switch (kind.case) {
    case "featureService":
      if (kind.value === "") throw new InvalidArgumentError("feature_service: give a feature service name");
      return { featureService: kind.value };
    case "features":
      return { features: kind.value.val };
    case undefined:
      throw new InvalidArgumentError("kind: set one of feature_service or features");
  }
}

/**
 * GetHistoricalFeatures: validates the request, runs the point-in-time join against the current
 * registry, and streams each batch as typed result columns (nulls as unset Values).
 */
export async function* streamHistoricalFeatures(
  deps: HistoricalServiceDeps,
  request: GetHistoricalFeaturesRequest,
  signal: AbortSignal,
): AsyncGenerator<Response> {
  const entities = entitiesOf(request);
  const kind = kindOf(request);
  const result = getHistoricalFeatures(
    {
      offline: deps.offline,
      registry: await deps.registry.snapshot(),
      project: deps.project,
      ...(deps.transformTimeoutMs === undefined ? {} : { transformTimeoutMs: deps.transformTimeoutMs }),
    },
    {
      entities,
      kind,
      fullFeatureNames: request.fullFeatureNames,
      ...(deps.batchRows === undefined ? {} : { batchRows: deps.batchRows }),
    },
  );
  const types = new Map<string, ValueType>();
  let index = 0n;
  for await (const batch of result) {
    signal.throwIfAborted();
    const columns = [...batch.columns].map(([name, values]) => {
      let type = types.get(name);
      if (type === undefined) {
        type = result.typeOf(name, values);
        types.set(name, type);
      }
      const valueType = type;
      const converted: Value[] = values.map((value, row) => valueFromPlain(value, valueType, `${name}[${row}]`));
      return create(ResultColumnSchema, { name, valueType, values: converted });
    });
    yield { columns, batchIndex: index++ };
  }
}
