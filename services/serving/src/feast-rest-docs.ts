import type { RestRouteDoc } from "@larder/core";

const entities = {
  type: "object",
  description: "Columnar entity rows: join key (or request-data field) → one value per row.",
  additionalProperties: { type: "array", items: {} },
};

/** OpenAPI description of Feast's POST /get-online-features as Larder serves it. */
export const GET_ONLINE_FEATURES_DOC: RestRouteDoc = {
  method: "POST",
  path: "/get-online-features",
  summary: "Online features for entity rows (Feast's REST shape)",
  tags: ["Feast REST"],
  requestSchema: {
    type: "object",
    required: ["entities"],
    properties: {
      features: { type: "array", items: { type: "string" }, description: '"<feature_view>:<feature>" references' },
      feature_service: { type: "string", description: "a feature service; wins over features" },
      entities,
      full_feature_names: { type: "boolean", default: false },
    },
  },
  responseSchema: {
    type: "object",
    properties: {
      metadata: { type: "object", properties: { feature_names: { type: "array", items: { type: "string" } } } },
      results: {
        type: "array",
        description: "One entry per output column, in feature_names order",
        items: {
          type: "object",
          properties: {
            values: { type: "array", items: {} },
            statuses: {
              type: "array",
              items: { type: "string", enum: ["PRESENT", "NULL_VALUE", "NOT_FOUND", "OUTSIDE_MAX_AGE"] },
            },
            event_timestamps: { type: "array", items: { type: "string", format: "date-time" } },
          },
        },
      },
    },
  },
};

/** OpenAPI description of POST /search (also served at Feast's deprecated /retrieve-online-documents). */
export const RETRIEVE_ONLINE_DOCUMENTS_DOC: RestRouteDoc = {
  method: "POST",
  path: "/search",
  summary: "Vector similarity search over one feature view (exact scan; Feast's REST shape)",
  tags: ["Feast REST"],
  requestSchema: {
    type: "object",
    required: ["features", "query"],
    properties: {
      features: {
        type: "array",
        items: { type: "string" },
        description: '"<feature_view>:<feature>" references of one view; the vector feature among them is searched',
      },
      query: { type: "array", items: { type: "number" }, description: "the query vector" },
      top_k: { type: "integer", minimum: 1, maximum: 1000, default: 10 },
      distance_metric: { type: "string", enum: ["cosine", "l2"] },
    },
  },
  responseSchema: GET_ONLINE_FEATURES_DOC.responseSchema ?? {},
};
