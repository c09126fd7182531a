import type { Value } from "@larder/gen/es/larder/types/v1/value_pb";
import {
  InvalidArgumentError,
  coerceJsonToValue,
  fieldStatusName,
  timestampMsToRfc3339,
  kPrincipal,
  type PermissionGuard,
  type RestRoute,
} from "@larder/core";
import type { FeatureLogHook } from "./feature-logging/feature-logger.js";
import { renderResponseJson } from "./response-json.js";
import { storedValueToJson } from "./stored-value-json.js";
import type { OnlineFeatures } from "./online-features.js";
import type { OutputColumn } from "./online-read.js";
import { authorizeOnlineRead } from "./read-permission.js";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads Feast's GetOnlineFeaturesRequest body, naming the field that is wrong. */
function parseBody(body: unknown): {
  kind: { service: string } | { refs: readonly string[] };
  entities: Record<string, unknown[]>;
  fullFeatureNames: boolean;
} {
  if (!isRecord(body)) throw new InvalidArgumentError("body: expected a JSON object");
  const entities = body.entities;
  if (!isRecord(entities))
    throw new InvalidArgumentError("entities: required, an object of column name → list of values");
  for (const [name, column] of Object.entries(entities)) {
    if (!Array.isArray(column)) throw new InvalidArgumentError(`entities.${name}: expected a list of values`);
  }
  const fullFeatureNames = body.full_feature_names ?? false;
  if (typeof fullFeatureNames !== "boolean")
    throw new InvalidArgumentError("full_feature_names: expected true or false");
  const service = body.feature_service;
  if (service !== undefined && service !== null) {
    if (typeof service !== "string" || service === "")
      throw new InvalidArgumentError("feature_service: expected a name");
    return { kind: { service }, entities: entities as Record<string, unknown[]>, fullFeatureNames };
  }
  const features = body.features ?? [];
  if (!Array.isArray(features) || features.some((f) => typeof f !== "string")) {
    throw new InvalidArgumentError('features: expected a list of "view:feature" strings');
  }
  if (features.length === 0)
    throw new InvalidArgumentError("features: list at least one feature, or name a feature_service");
  return { kind: { refs: features as string[] }, entities: entities as Record<string, unknown[]>, fullFeatureNames };
}

/** Feast's JSON rendering of a response: columnar, statuses as strings, RFC 3339 timestamps. */
export function renderResponse(columns: readonly OutputColumn[]): unknown {
  // The columns of one view read share their event times: format each distinct time once.
  const times = new Map<number, string>();
  const rfc3339 = (ms: number): string => {
    let text = times.get(ms);
    if (text === undefined) {
      text = timestampMsToRfc3339(ms);
      times.set(ms, text);
    }
    return text;
  };
  return {
    metadata: { feature_names: columns.map((c) => c.name) },
    results: columns.map((c) => ({
      values: c.values.map(storedValueToJson),
      statuses: c.statuses.map((s) => fieldStatusName(s)),
      event_timestamps: c.timestampsMs.map(rfc3339),
    })),
  };
}

/** Feast's REST paths served by the FeatureServer. */
export function feastRestRoutes(
  features: OnlineFeatures,
  featureLog?: FeatureLogHook,
  /** Enforces READ_ONLINE when auth is on. */
  guard?: PermissionGuard,
): RestRoute[] {
  return [
    {
      method: "POST",
      path: "/get-online-features",
      service: "larder.serving.v1.ServingService",
      rpc: "GetOnlineFeatures",
      async handler(request) {
        const { kind, entities, fullFeatureNames } = parseBody(request.body);
        const resolved = features.resolve(kind, fullFeatureNames);
        if (guard?.authz.enforcing === true) authorizeOnlineRead(guard, request.values.get(kPrincipal), resolved, kind);
        const columns = new Map<string, readonly Value[]>();
        const order: string[] = [];
        for (const [name, raw] of Object.entries(entities)) {
          // Extra keys are join keys or request data (Feast has no request_context over REST).
          const type = resolved.joinKeyColumnTypes.get(name) ?? resolved.requestFields.get(name);
          if (type === undefined) continue;
          columns.set(
            name,
            raw.map((v, i) => coerceJsonToValue(v, type, `entities.${name}[${i}]`)),
          );
          order.push(name);
        }
        const result = await features.read(kind, fullFeatureNames, columns, order, request.signal);
        const data = renderResponseJson(result);
        if (featureLog !== undefined && "service" in kind) {
          featureLog.record(kind.service, result, order, request.headers.get("x-request-id"));
        }
        return { raw: { contentType: "application/json", data } };
      },
    },
  ];
}
