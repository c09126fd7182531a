import { LarderError, UnavailableError } from "@larder/core";

/** The message clients see while Redis cannot answer. */
export const REDIS_UNAVAILABLE_MESSAGE = "The online store (Redis) is unavailable; retry later";

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

// ioredis reports outages as plain Errors; these are its wordings (v5/v6) plus Redis replies that mean
// "not now" (a loading replica, a cluster or master failing over).
const UNAVAILABLE_MESSAGES = [
  /Connection is closed/i,
  /Command timed out/i,
  /Stream isn't writeable/i,
  /max retries per request/i,
  /All sentinels are unreachable/i,
  /None of startup nodes is available/i,
  /Failed to refresh slots cache/i,
  /Cluster isn't ready/i,
  /^(LOADING|READONLY|CLUSTERDOWN|MASTERDOWN|TRYAGAIN|BUSY)\b/,
];

const UNAVAILABLE_NAMES = new Set(["MaxRetriesPerRequestError", "ClusterAllFailedError"]);

/** True when an error from ioredis means Redis could not be reached or cannot serve right now. */
export function isRedisOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
  if (UNAVAILABLE_NAMES.has(error.name)) return true;
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message));
}

/** Maps outages to UnavailableError (keeping the original as cause); domain errors and others pass through. */
export function mapRedisError(error: unknown): unknown {
  if (error instanceof LarderError) return error;
  if (isRedisOutage(error)) return new UnavailableError(REDIS_UNAVAILABLE_MESSAGE, { cause: error });
  return error;
}
