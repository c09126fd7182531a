import { Code, ConnectError } from "@connectrpc/connect";
import { LarderError } from "./errors.js";

/** Reports an error that no rule maps: a bug, logged with its stack, never shown to the client. */
export type UnmappedErrorReporter = (error: unknown) => void;

const INFRA_UNAVAILABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "57P01", // PostgreSQL admin_shutdown
  "57P03", // PostgreSQL cannot_connect_now
]);

function errorCodeOf(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = error.code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

/**
 * Maps any thrown value to a ConnectError with a message safe for clients: domain errors keep their
 * code and message, infrastructure errors map by rule, anything else is INTERNAL with a generic text.
 */
export function toConnectError(error: unknown, reportUnmapped?: UnmappedErrorReporter): ConnectError {
  if (error instanceof LarderError) {
    return new ConnectError(error.message, error.code, undefined, undefined, error);
  }
  if (error instanceof ConnectError) {
    return error;
  }
  if (error instanceof Error && error.name === "AbortError") {
    return new ConnectError("The call was cancelled or its deadline was exceeded", Code.DeadlineExceeded);
  }
  const sysCode = errorCodeOf(error);
  if (sysCode !== undefined && INFRA_UNAVAILABLE.has(sysCode)) {
    return new ConnectError(
      "A backing service is unavailable; retry later",
      Code.Unavailable,
      undefined,
      undefined,
      error,
    );
  }
  if (sysCode === "23505") {
    // PostgreSQL unique_violation
    return new ConnectError("The object already exists", Code.AlreadyExists, undefined, undefined, error);
  }
  reportUnmapped?.(error);
  return new ConnectError("Internal error", Code.Internal, undefined, undefined, error);
}

const HTTP_STATUS: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

/** The HTTP status a REST route answers for a gRPC code (the table the Connect protocol uses). */
export function httpStatusFromCode(code: Code): number {
  return HTTP_STATUS[code];
}

/** Lower-case snake name of a code as Connect writes it on the wire (`not_found`). */
export function codeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}
