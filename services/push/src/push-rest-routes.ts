import { InvalidArgumentError, kPrincipal, type PermissionGuard, type RestRoute } from "@larder/core";
import { InputTable } from "./input-table.js";
import { authorizeOnlineWrite, authorizePush } from "./push-permission.js";
import { PushSourceNotFoundError } from "./push-targets.js";
import { parsePushMode, type Pusher } from "./pusher.js";

const SERVICE = "larder.push.v1.PushService";

function bodyOf(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError("body: expected a JSON object");
  }
  return body as Record<string, unknown>;
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value === "") throw new InvalidArgumentError(`${field}: required, a string`);
  return value;
}

function flag(body: Record<string, unknown>, field: string, fallback: boolean): boolean {
  const value = body[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") throw new InvalidArgumentError(`${field}: expected true or false`);
  return value;
}

/**
 * Feast's POST /push (200 empty body; 202 when the offline part was queued; 422 for an unknown push source)
 * and POST /write-to-online-store (200 `null`).
 */
export function pushRestRoutes(pusher: Pusher, guard?: PermissionGuard): RestRoute[] {
  return [
    {
      method: "POST",
      path: "/push",
      service: SERVICE,
      rpc: "Push",
      async handler(request) {
        const body = bodyOf(request.body);
        const pushSourceName = requiredString(body, "push_source_name");
        const to = parsePushMode(body.to);
        if (guard?.authz.enforcing === true) authorizePush(guard, request.values.get(kPrincipal), pushSourceName, to);
        const table = InputTable.fromJson(body.df);
        const key = request.headers.get("idempotency-key");
        try {
          const result = await pusher.push({
            pushSourceName,
            table,
            to,
            transformOnWrite: flag(body, "transform_on_write", true),
            idempotencyKey: key ?? undefined,
            allowBatching: true,
          });
          if (result.rows === 0) {
            return { status: 200, json: { note: "The push had no rows; nothing was written", rows: 0 } };
          }
          return result.queuedOffline ? { status: 202 } : { status: 200 };
        } catch (error) {
          if (error instanceof PushSourceNotFoundError) {
            return { status: 422, json: { detail: error.message, code: "NOT_FOUND" } };
          }
          throw error;
        }
      },
    },
    {
      method: "POST",
      path: "/write-to-online-store",
      service: SERVICE,
      rpc: "WriteToOnlineStore",
      async handler(request) {
        const body = bodyOf(request.body);
        const name = requiredString(body, "feature_view_name");
        if (guard?.authz.enforcing === true) authorizeOnlineWrite(guard, request.values.get(kPrincipal), name);
        await pusher.writeToOnlineStore(name, InputTable.fromJson(body.df), flag(body, "transform_on_write", true));
        return { status: 200, json: null };
      },
    },
  ];
}
