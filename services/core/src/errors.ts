import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Base class of every error Larder's domain throws on purpose. Its message is safe to show a client;
 * the code says which gRPC status (and HTTP status) it crosses the wire as.
 */
export class LarderError extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The client sent something malformed; the message names the field. */
export class InvalidArgumentError extends LarderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.InvalidArgument, message, options);
  }
}

/** A named object (view, service, entity, ...) does not exist. */
export class NotFoundError extends LarderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.NotFound, message, options);
  }
}

/** The object already exists. */
export class AlreadyExistsError extends LarderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.AlreadyExists, message, options);
  }
}

/** The request is valid but the system is not in a state to accept it. */
export class FailedPreconditionError extends LarderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.FailedPrecondition, message, options);
  }
}

/** A concurrent change won (optimistic concurrency); the caller may retry. */
export class AbortedError extends LarderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.Aborted, message, options);
  }
}

/** A dependency (database, Redis, registry server) cannot be reached right now. */
export class UnavailableError extends LarderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.Unavailable, message, options);
  }
}

/** A limit (concurrency, size, rate) was hit; retry later with backoff. */
export class ResourceExhaustedError extends LarderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.ResourceExhausted, message, options);
  }
}

/** No credentials, or credentials that could not be verified. */
export class UnauthenticatedError extends LarderError {
  constructor(message = "Missing or invalid authentication token", options?: { cause?: unknown }) {
    super(Code.Unauthenticated, message, options);
  }
}

/** The caller is known but not allowed to do this. */
export class PermissionDeniedError extends LarderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.PermissionDenied, message, options);
  }
}

/** The operation is not implemented by this server. */
export class UnimplementedError extends LarderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.Unimplemented, message, options);
  }
}

/** The call's deadline passed or it was cancelled. */
export class DeadlineExceededError extends LarderError {
  constructor(message = "The call's deadline was exceeded", options?: { cause?: unknown }) {
    super(Code.DeadlineExceeded, message, options);
  }
}

export { Code, ConnectError };

/** A configuration value is missing or out of bounds; the message names its path. */
export class ConfigError extends LarderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.InvalidArgument, message, options);
  }
}
