export { materialize } from "./materialize.js";
export type { MaterializeOptions, MaterializeRequest, ViewResult, MaterializeListeners } from "./materialize.js";
export { createLocalEngine } from "./engine/local-engine.js";
export type { BatchEngine, ProgressListener } from "./engine/local-engine.js";
export { viewsToMaterialize, materializableView } from "./engine/view-plan.js";
export type { MaterializableView } from "./engine/view-plan.js";
export { createOfflineStore } from "./offline-store/create-offline-store.js";
export type {
  OfflineStore,
  OfflineView,
  ColumnBatch,
  TimeWindow,
  HistoricalRead,
  EntitySource,
} from "./offline-store/offline-store.js";
export { MaterializationJobs } from "./materialization-jobs.js";
export { createMaterializationService } from "./materialization-service.js";
export { materializeRestRoutes } from "./materialize-rest-routes.js";
export { mountMaterialization } from "./mount.js";
export { getHistoricalFeatures } from "./historical/historical-features.js";
export type { HistoricalDeps, HistoricalRequest, HistoricalFeatures } from "./historical/historical-features.js";
export { resolveHistorical } from "./historical/resolve-historical.js";
export type { HistoricalKind, HistoricalPlan, HistoricalOdfv } from "./historical/resolve-historical.js";
export { writeHistoricalOutput, outputFormatOf } from "./historical/write-output.js";
export type { HistoricalServiceDeps } from "./historical/historical-rpc.js";
export { createBullmqEngine } from "./engine/bullmq/bullmq-engine.js";
export type { BullmqEngine, BullmqEngineOptions } from "./engine/bullmq/bullmq-engine.js";
export { startMaterializationWorker } from "./engine/bullmq/materialization-worker.js";
export type { MaterializationWorker, MaterializationWorkerOptions } from "./engine/bullmq/materialization-worker.js";
export { engineForConfig } from "./engine/bullmq/engine-for-config.js";
export type { OpenBatchEngine } from "./engine/bullmq/engine-for-config.js";
export type { EntityBucket } from "./offline-store/offline-store.js";
