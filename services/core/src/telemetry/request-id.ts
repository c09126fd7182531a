import { randomUUID } from "node:crypto";
import { createContextKey } from "@connectrpc/connect";

/** Per-call value: the request id (the caller's `x-request-id`, else generated). */
export const kRequestId = createContextKey<string>("", { description: "larder request id" });

const SAFE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** The caller's `x-request-id` when it is a short printable token (no log injection), else a new UUID. */
export function requestIdFrom(headers: Headers): string {
  const given = headers.get("x-request-id");
  return given !== null && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}
