export { createFeatureServer } from "./feature-server.js";
export type { FeatureServerOptions } from "./feature-server.js";
export { OnlineFeatures } from "./online-features.js";
export { createServingService, toResponse, LARDER_VERSION } from "./serving-service.js";
export { feastRestRoutes, renderResponse } from "./feast-rest-routes.js";
export { RequestResolver, ResolutionCache } from "./resolution.js";
export type { ResolvedRequest, ViewRead } from "./resolution.js";
export { TransformRunner } from "./odfv/transform-runner.js";
export { parseFeatureRef } from "./feature-refs.js";
export type {
  OnlineStore,
  OnlineView,
  OnlineRow,
  OnlineWriteRow,
  OnlineReadRequest,
} from "./online-store/online-store.js";
export { createOnlineStore } from "./online-store/create-online-store.js";
export { serializeEntityKey, createEntityKeyEncoder } from "./entity-key/serialize.js";
export { encodeValueBytes } from "./value-encoder.js";
export type { FeatureLoggingServerOptions } from "./feature-server.js";
export {
  FeatureLogger,
  listFeatureLogs,
  readFeatureLogs,
  requireLogTarget,
  logTargetOf,
  defaultLogDirectory,
  joinKeyColumnsOf,
  LOG_TIMESTAMP,
  LOG_DATE,
  REQUEST_ID,
} from "./feature-logging/index.js";
export type {
  FeatureLoggerOptions,
  FeatureLogHook,
  FeatureLogHooks,
  FeatureLogStats,
  LogTarget,
  LogDestination,
  LogPartition,
  ReadLogsOptions,
} from "./feature-logging/index.js";
export { observeOnlineStore } from "./online-store/observed-online-store.js";
export type { OnlineWriteResult } from "./online-store/online-store.js";
