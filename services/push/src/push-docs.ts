import type { RestRouteDoc } from "@larder/core";

const DF = {
  type: "object",
  description: "Rows as a dict of column lists (pandas 'dict of lists'); timestamps as RFC 3339 strings",
  additionalProperties: { type: "array", items: {} },
};

/** OpenAPI entries for Feast's push routes. */
export const PUSH_DOCS: readonly RestRouteDoc[] = [
  {
    method: "POST",
    path: "/push",
    summary: "Push rows to every feature view of a push source (Feast's body)",
    tags: ["Feast REST"],
    description:
      "200 with an empty body once every write is durable; 202 when the offline part was queued (offline push batching); " +
      "422 for an unknown push source; 400 naming the column and row for bad input; 503 when a store failed (retry: appends are idempotent). " +
      "An optional `Idempotency-Key` header makes retries return the first result.",
    requestSchema: {
      type: "object",
      required: ["push_source_name", "df"],
      properties: {
        push_source_name: { type: "string" },
        df: DF,
        to: { type: "string", enum: ["online", "offline", "online_and_offline"], default: "online" },
        allow_registry_cache: { type: "boolean", default: true },
        transform_on_write: { type: "boolean", default: true },
      },
    },
  },
  {
    method: "POST",
    path: "/write-to-online-store",
    summary: "Write rows straight into one feature view's online table (Feast's body)",
    tags: ["Feast REST"],
    description: "Newest event wins per entity key; answers 200 `null`.",
    requestSchema: {
      type: "object",
      required: ["feature_view_name", "df"],
      properties: {
        feature_view_name: { type: "string" },
        df: DF,
        allow_registry_cache: { type: "boolean", default: true },
        transform_on_write: { type: "boolean", default: true },
      },
    },
  },
];
