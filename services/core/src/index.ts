export { createServer } from "./server/server.js";
export type { LarderServer } from "./server/server.js";
export { serveUntilSignal } from "./server/lifecycle.js";
export { validateServerOptions, DEFAULT_SERVER_OPTIONS } from "./server/server-options.js";
export type { ServerOptions, ServerOptionsInput, TlsOptions } from "./server/server-options.js";
export { HealthRegistry, ServingStatus, createHealthService } from "./server/health.js";
export { EncodedMessage } from "./server/grpc-adapter.js";
export type { GrpcRegistration } from "./server/grpc-adapter.js";
export type { CallInfo, CallInterceptor, CallProtocol } from "./server/interceptor.js";
export { createConcurrencyLimit } from "./server/concurrency-limit.js";
export type { ConcurrencyLimit } from "./server/concurrency-limit.js";
export { RestRouter, sendError } from "./server/rest-router.js";
export type { RestRequest, RestResponse, RestRoute } from "./server/rest-router.js";
export {
  LarderError,
  InvalidArgumentError,
  NotFoundError,
  AlreadyExistsError,
  FailedPreconditionError,
  AbortedError,
  UnavailableError,
  ResourceExhaustedError,
  UnauthenticatedError,
  PermissionDeniedError,
  UnimplementedError,
  DeadlineExceededError,
  ConfigError,
  Code,
  ConnectError,
} from "./errors.js";
export { toConnectError, httpStatusFromCode, codeName } from "./error-mapping.js";
export type { UnmappedErrorReporter } from "./error-mapping.js";
export { createLogger, silentLogger } from "./logger.js";
export type { Logger, LogLevel } from "./logger.js";
