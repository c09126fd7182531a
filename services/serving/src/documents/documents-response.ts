import { create, fromBinary } from "@bufbuild/protobuf";
import {
  GetOnlineFeaturesResponseSchema,
  RetrieveOnlineDocumentsResponseSchema,
  type RetrieveOnlineDocumentsResponse,
} from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { encodeOnlineResponse } from "../response-encoder.js";
import type { DocumentResult } from "./online-documents.js";

/** The gRPC/Connect response: the hit columns as GetOnlineFeatures shapes them, and the distances. */
export function documentsResponse(result: DocumentResult): RetrieveOnlineDocumentsResponse {
  const columnar = fromBinary(GetOnlineFeaturesResponseSchema, encodeOnlineResponse(result.columns));
  return create(RetrieveOnlineDocumentsResponseSchema, {
    metadata: columnar.metadata,
    results: columnar.results,
    distances: result.distances,
  });
}
