import { status, type Metadata, type ServiceError } from "@grpc/grpc-js";

/** gRPC status names, as the server's error mapping uses them. */
export type ClientErrorCode =
  | "CANCELLED"
  | "UNKNOWN"
  | "INVALID_ARGUMENT"
  | "DEADLINE_EXCEEDED"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "PERMISSION_DENIED"
  | "RESOURCE_EXHAUSTED"
  | "FAILED_PRECONDITION"
  | "ABORTED"
  | "OUT_OF_RANGE"
  | "UNIMPLEMENTED"
  | "INTERNAL"
  | "UNAVAILABLE"
  | "DATA_LOSS"
  | "UNAUTHENTICATED";

const NAMES: Readonly<Record<number, ClientErrorCode>> = {
  [status.CANCELLED]: "CANCELLED",
  [status.UNKNOWN]: "UNKNOWN",
  [status.INVALID_ARGUMENT]: "INVALID_ARGUMENT",
  [status.DEADLINE_EXCEEDED]: "DEADLINE_EXCEEDED",
  [status.NOT_FOUND]: "NOT_FOUND",
  [status.ALREADY_EXISTS]: "ALREADY_EXISTS",
  [status.PERMISSION_DENIED]: "PERMISSION_DENIED",
  [status.RESOURCE_EXHAUSTED]: "RESOURCE_EXHAUSTED",
  [status.FAILED_PRECONDITION]: "FAILED_PRECONDITION",
  [status.ABORTED]: "ABORTED",
  [status.OUT_OF_RANGE]: "OUT_OF_RANGE",
  [status.UNIMPLEMENTED]: "UNIMPLEMENTED",
  [status.INTERNAL]: "INTERNAL",
  [status.UNAVAILABLE]: "UNAVAILABLE",
  [status.DATA_LOSS]: "DATA_LOSS",
  [status.UNAUTHENTICATED]: "UNAUTHENTICATED",
};

/** Base of every error the client throws for a failed call: `code` is the gRPC status name. */
export class LarderClientError extends Error {
  override readonly name: string = "LarderClientError";
  /** The gRPC status as a number (`@grpc/grpc-js` `status`). */
  readonly grpcCode: number;

  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options: { cause?: unknown; metadata?: Metadata | undefined; method?: string | undefined } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.grpcCode = codeNumber(code);
    this.metadata = options.metadata;
    this.method = options.method;
  }

  /** Trailing metadata of the failed call, when the server sent any. */
  readonly metadata: Metadata | undefined;
  /** The RPC path, e.g. `/larder.serving.v1.ServingService/GetOnlineFeatures`. */
  readonly method: string | undefined;
}

/** An unknown feature view, feature, service, push source or registry object. */
export class NotFoundError extends LarderClientError {
  override readonly name = "NotFoundError";
}
/** A bad request: a missing join key, a value of the wrong type, too many rows. */
export class InvalidArgumentError extends LarderClientError {
  override readonly name = "InvalidArgumentError";
}
/** The request is valid but the registry state refuses it (an unknown reference, a failing transform). */
export class FailedPreconditionError extends LarderClientError {
  override readonly name = "FailedPreconditionError";
}
/** The object exists already. */
export class AlreadyExistsError extends LarderClientError {
  override readonly name = "AlreadyExistsError";
}
/** A concurrent change won (a stale expected registry version). */
export class AbortedError extends LarderClientError {
  override readonly name = "AbortedError";
}
/** No credentials, or credentials the server did not accept. */
export class UnauthenticatedError extends LarderClientError {
  override readonly name = "UnauthenticatedError";
}
/** The caller is known but not allowed to do this. */
export class PermissionDeniedError extends LarderClientError {
  override readonly name = "PermissionDeniedError";
}
/** The server is down, unreachable, shutting down, or one of its stores is. */
export class UnavailableError extends LarderClientError {
  override readonly name = "UnavailableError";
}
/** The call's deadline passed before it finished. */
export class DeadlineExceededError extends LarderClientError {
  override readonly name = "DeadlineExceededError";
}
/** The server shed load or a message was too large. */
export class ResourceExhaustedError extends LarderClientError {
  override readonly name = "ResourceExhaustedError";
}
/** The call was cancelled (an AbortSignal fired). */
export class CancelledError extends LarderClientError {
  override readonly name = "CancelledError";
}
/** The server does not implement this method (for example GetHistoricalFeatures without an offline store). */
export class UnimplementedError extends LarderClientError {
  override readonly name = "UnimplementedError";
}
/** A server bug, reported as INTERNAL (or UNKNOWN) with a generic message. */
export class InternalError extends LarderClientError {
  override readonly name = "InternalError";
}

type ErrorClass = new (
  code: ClientErrorCode,
  message: string,
  options?: ConstructorParameters<typeof LarderClientError>[2],
) => LarderClientError;

const CLASSES: Partial<Record<ClientErrorCode, ErrorClass>> = {
  NOT_FOUND: NotFoundError,
  INVALID_ARGUMENT: InvalidArgumentError,
  OUT_OF_RANGE: InvalidArgumentError,
  FAILED_PRECONDITION: FailedPreconditionError,
  ALREADY_EXISTS: AlreadyExistsError,
  ABORTED: AbortedError,
  UNAUTHENTICATED: UnauthenticatedError,
  PERMISSION_DENIED: PermissionDeniedError,
  UNAVAILABLE: UnavailableError,
  DEADLINE_EXCEEDED: DeadlineExceededError,
  RESOURCE_EXHAUSTED: ResourceExhaustedError,
  CANCELLED: CancelledError,
  UNIMPLEMENTED: UnimplementedError,
  INTERNAL: InternalError,
  UNKNOWN: InternalError,
  DATA_LOSS: InternalError,
};

function codeNumber(code: ClientErrorCode): number {
  for (const [number, name] of Object.entries(NAMES)) if (name === code) return Number(number);
  return status.UNKNOWN;
}

/** The status name of a gRPC code number; unknown numbers are UNKNOWN. */
export function codeName(code: number): ClientErrorCode {
  return NAMES[code] ?? "UNKNOWN";
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === "number";
}

/** The one place where gRPC failures become the client's named errors (Temporal's rethrowKnownErrorTypes). */
export function toClientError(error: unknown, method?: string): LarderClientError {
  if (error instanceof LarderClientError) return error;
  if (isServiceError(error)) {
    const code = codeName(error.code);
    const Class = CLASSES[code] ?? LarderClientError;
    return new Class(code, error.details === "" ? error.message : error.details, {
      cause: error,
      metadata: error.metadata,
      method,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError("UNKNOWN", message, { cause: error, method });
}

/** Builds a client error without a server call (for example a deadline passed during backoff). */
export function clientError(code: ClientErrorCode, message: string, method?: string): LarderClientError {
  const Class = CLASSES[code] ?? LarderClientError;
  return new Class(code, message, { method });
}
