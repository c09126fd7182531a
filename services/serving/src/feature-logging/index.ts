export { FeatureLogger } from "./feature-logger.js";
export type { FeatureLoggerOptions, FeatureLogHook, FeatureLogHooks, FeatureLogStats } from "./feature-logger.js";
export { logTargetOf, defaultLogDirectory } from "./log-target.js";
export type { LogTarget, LogDestination } from "./log-target.js";
export { listFeatureLogs, readFeatureLogs, requireLogTarget, joinKeyColumnsOf } from "./read-logs.js";
export type { LogPartition, ReadLogsOptions } from "./read-logs.js";
export { LOG_TIMESTAMP, LOG_DATE, REQUEST_ID } from "./log-rows.js";
