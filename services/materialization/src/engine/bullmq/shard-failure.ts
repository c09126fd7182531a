import {
  AlreadyExistsError,
  codeName,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  toConnectError,
  UnavailableError,
  type LarderError,
  type Logger,
} from "@larder/core";
import { UnrecoverableError } from "bullmq";

/** Errors a retry cannot fix: the shard fails at once instead of waiting through its backoff. */
const PERMANENT = [InvalidArgumentError, NotFoundError, FailedPreconditionError, AlreadyExistsError];

/**
 * The error a worker throws for a failed shard: its message carries the code name ("not_found: …") so
 * the caller can rebuild the kind; permanent failures skip the remaining attempts.
 */
export function shardFailure(error: unknown, logger: Logger): Error {
  const mapped = toConnectError(error, (e) => logger.error({ err: e }, "shard failed unexpectedly"));
  const message = `${codeName(mapped.code)}: ${mapped.rawMessage}`;
  return PERMANENT.some((kind) => error instanceof kind) ? new UnrecoverableError(message) : new Error(message);
}

/** The error a run rejects with when a shard has failed for good. */
export function runFailure(what: string, failedReason: string): LarderError {
  const match = /^([a-z_]+): ([\s\S]*)$/.exec(failedReason);
  const message = `${what}: ${match?.[2] ?? failedReason}`;
  return match?.[1] === "unavailable" ? new UnavailableError(message) : new FailedPreconditionError(message);
}
