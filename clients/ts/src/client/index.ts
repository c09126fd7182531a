export { FeatureStoreClient } from "./feature-store-client.js";
export type {
  PushInput,
  PushResult,
  PushTo,
  WriteToOnlineStoreInput,
  MaterializeInput,
  MaterializeIncrementalInput,
} from "./feature-store-client.js";
export { RegistryClient } from "./registry-client.js";
export type { ListOptions, GetOptions } from "./registry-client.js";
export { MaterializationJob } from "./materialization.js";
export type {
  MaterializeEvent,
  MaterializeResult,
  GetHistoricalFeaturesInput,
  HistoricalBatch,
} from "./materialization.js";
export type {
  GetOnlineFeaturesInput,
  OnlineFeatures,
  OnlineColumn,
  FeatureStatus,
  RowsInput,
} from "./online-features.js";
export { typed, TypedValue, toValue, fromValue } from "./values.js";
export type { ValueInput, FeatureValue, ColumnType } from "./values.js";
export { DEFAULT_CLIENT_OPTIONS, validateClientOptions } from "./options.js";
export type {
  FeatureStoreClientOptions,
  ValidatedClientOptions,
  TokenProvider,
  ClientTlsOptions,
  RetryOptions,
  Int64Mode,
} from "./options.js";
export type { CallSettings, RetryClass } from "./rpc.js";
export {
  LarderClientError,
  NotFoundError,
  InvalidArgumentError,
  FailedPreconditionError,
  AlreadyExistsError,
  AbortedError,
  UnauthenticatedError,
  PermissionDeniedError,
  UnavailableError,
  DeadlineExceededError,
  ResourceExhaustedError,
  CancelledError,
  UnimplementedError,
  InternalError,
  toClientError,
} from "./errors.js";
export type { ClientErrorCode } from "./errors.js";
