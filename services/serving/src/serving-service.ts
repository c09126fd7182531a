import { fromBinary } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  GetOnlineFeaturesResponseSchema,
  type GetOnlineFeaturesRequest,
  type GetOnlineFeaturesResponse,
  type ServingService,
} from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import type { Value } from "@larder/gen/es/larder/types/v1/value_pb";
import {
  EncodedMessage,
  InvalidArgumentError,
  UnimplementedError,
  kPrincipal,
  type PermissionGuard,
} from "@larder/core";
import type { FeatureLogHook } from "./feature-logging/feature-logger.js";
import type { OnlineFeatures } from "./online-features.js";
import type { OutputColumn } from "./online-read.js";
import { documentsResponse } from "./documents/documents-response.js";
import type { OnlineDocuments } from "./documents/online-documents.js";
import { authorizeDocumentsRead, authorizeOnlineRead } from "./read-permission.js";
import { encodeOnlineResponse } from "./response-encoder.js";

/** The version GetServingInfo reports. */
export const LARDER_VERSION = "0.1.0";

/** Builds the Feast-shaped response message (for Connect JSON); gRPC sends the pre-encoded bytes. */
export function toResponse(columns: readonly OutputColumn[]): GetOnlineFeaturesResponse {
  return fromBinary(GetOnlineFeaturesResponseSchema, encodeOnlineResponse(columns));
}

/** Columnar request values from a gRPC request: entities, then request_context. */
export function requestColumns(request: GetOnlineFeaturesRequest): {
  columns: Map<string, readonly Value[]>;
  order: string[];
} {
  const columns = new Map<string, readonly Value[]>();
  const order: string[] = [];
  for (const [name, repeated] of Object.entries(request.entities)) {
    columns.set(name, repeated.val);
    order.push(name);
  }
  for (const [name, repeated] of Object.entries(request.requestContext)) {
    if (columns.has(name)) throw new InvalidArgumentError(`request_context.${name}: also given in entities`);
    columns.set(name, repeated.val);
  }
  return { columns, order };
}

/** larder.serving.v1.ServingService (also served at Feast's feast.serving.ServingService path). */
export function createServingService(
  features: OnlineFeatures,
  featureLog?: FeatureLogHook,
  documents?: OnlineDocuments,
  /** Enforces READ_ONLINE when auth is on; without it (or under no_auth) nothing is checked. */
  guard?: PermissionGuard,
): ServiceImpl<typeof ServingService> {
  return {
    async getOnlineFeatures(request, context) {
      const kind =
        request.kind.case === "featureService"
          ? { service: request.kind.value }
          : request.kind.case === "features"
            ? { refs: request.kind.value.val }
            : undefined;
      if (kind === undefined) throw new InvalidArgumentError("features or feature_service is required");
      const { columns, order } = requestColumns(request);
      if (guard?.authz.enforcing === true) {
        const resolved = features.resolve(kind, request.fullFeatureNames);
        authorizeOnlineRead(guard, context.values.get(kPrincipal), resolved, kind);
      }
      // Over gRPC the read races no signal: grpc-js itself answers DEADLINE_EXCEEDED or CANCELLED, the
      // Redis read is bounded by its command timeout, and a per-call AbortSignal cost ≈ 6 % of a 1 × 50 call.
      const signal = context.protocolName === "grpc" ? undefined : context.signal;
      const result = await features.read(kind, request.fullFeatureNames, columns, order, signal);
      // Over gRPC the response goes out as encoded here (stored Value bytes copied, not re-encoded);
      // other protocols need a message to render.
      if (context.protocolName === "grpc") {
        const encoded = new EncodedMessage(encodeOnlineResponse(result));
        // Feature logging keeps a reference to the columns and decodes them later, off this path.
        if (featureLog !== undefined && request.kind.case === "featureService") {
          featureLog.record(request.kind.value, result, order, context.requestHeader.get("x-request-id"));
        }
        return encoded as never;
      }
      if (featureLog !== undefined && request.kind.case === "featureService") {
        featureLog.record(request.kind.value, result, order, context.requestHeader.get("x-request-id"));
      }
      return toResponse(result);
    },
    getServingInfo() {
      return { version: LARDER_VERSION };
    },
    async retrieveOnlineDocuments(request, context) {
      if (documents === undefined) throw new UnimplementedError("RetrieveOnlineDocuments is not served here");
      if (guard?.authz.enforcing === true) authorizeDocumentsRead(guard, context.values.get(kPrincipal), request);
      return documentsResponse(await documents.retrieve(request, context.signal));
    },
  };
}
