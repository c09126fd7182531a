import { create, toBinary } from "@bufbuild/protobuf";
import { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema } from "@larder/gen/es/larder/types/v1/value_pb";
import { InvalidArgumentError, kPrincipal, type PermissionGuard, type RestRoute } from "@larder/core";
import { renderResponse } from "../feast-rest-routes.js";
import { parseFeatureRef } from "../feature-refs.js";
import { authorizeDocumentsRead } from "../read-permission.js";
import type { DocumentQuery, DocumentResult, OnlineDocuments } from "./online-documents.js";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads Feast's GetOnlineDocumentsRequest body (api_version 1): `features`, `query`, `top_k`, `distance_metric`. */
function parseBody(body: unknown, documents: OnlineDocuments): DocumentQuery {
  if (!isRecord(body)) throw new InvalidArgumentError("body: expected a JSON object");
  if (body.feature_service !== undefined && body.feature_service !== null)
    throw new InvalidArgumentError("feature_service: not supported for document retrieval; list features");
  const features = body.features;
  if (!Array.isArray(features) || features.length === 0 || features.some((f) => typeof f !== "string"))
    throw new InvalidArgumentError('features: required, a list of "view:feature" strings of one feature view');
  const refs = (features as string[]).map((f, i) => parseFeatureRef(f, `features[${String(i)}]`));
  const view = refs[0]!.view;
  const other = refs.findIndex((r) => r.view !== view);
  if (other >= 0)
    throw new InvalidArgumentError(`features[${String(other)}]: every feature must be of feature view "${view}"`);
  const query = body.query;
  if (!Array.isArray(query) || query.some((x) => typeof x !== "number"))
    throw new InvalidArgumentError("query: required, a list of numbers");
  const topK = body.top_k ?? 10;
  if (typeof topK !== "number") throw new InvalidArgumentError("top_k: expected an integer");
  const metric = body.distance_metric ?? "";
  if (typeof metric !== "string") throw new InvalidArgumentError('distance_metric: expected "cosine" or "l2"');
  const names = refs.map((r) => r.feature);
  const feature = documents.vectorFeatureAmong(view, names);
  return {
    featureView: view,
    feature,
    query: query as number[],
    topK,
    distanceMetric: metric,
    features: names.filter((n) => n !== feature),
  };
}

/** Feast's JSON envelope, with each hit's distance as a last `distance` column as Feast returns it. */
function render(result: DocumentResult): unknown {
  const distance = {
    name: "distance",
    values: result.distances.map((d) =>
      toBinary(ValueSchema, create(ValueSchema, { val: { case: "floatVal", value: d } })),
    ),
    statuses: result.distances.map(() => FieldStatus.PRESENT),
    timestampsMs: result.distances.map(() => 0),
  };
  return renderResponse([...result.columns, distance]);
}

/** `/retrieve-online-documents` (Feast's, deprecated there) and `/search`, one handler. */
export function documentsRestRoutes(documents: OnlineDocuments, guard?: PermissionGuard): RestRoute[] {
  return ["/retrieve-online-documents", "/search"].map((path): RestRoute => ({
    method: "POST",
    path,
    service: "larder.serving.v1.ServingService",
    rpc: "RetrieveOnlineDocuments",
    async handler(request) {
      const query = parseBody(request.body, documents);
      // READ_ONLINE on the view searched, when auth is on.
      if (guard?.authz.enforcing === true) authorizeDocumentsRead(guard, request.values.get(kPrincipal), query);
      return { json: render(await documents.retrieve(query, request.signal)) };
    },
  }));
}
