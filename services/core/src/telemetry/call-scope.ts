import { AsyncLocalStorage } from "node:async_hooks";

/** What a call touched, filled in by instrumented stores for the audit log (names and counts only). */
export interface CallScope {
  featureViews: Set<string> | undefined;
  entityCount: number;
}

/**
 * The scope of the call being handled. The telemetry interceptor enters it first in the chain,
 * synchronously, so the handler's continuations inherit it; a later call entering in the same tick
 * replaces it for itself only (continuations keep the scope they were created under).
 */
export const callScopes = new AsyncLocalStorage<CallScope>();

/** Notes an online read of these views and distinct entity rows on the current call, if any. */
export function noteRead(views: readonly string[], entityCount: number): void {
  const scope = callScopes.getStore();
  if (scope === undefined) return;
  scope.featureViews ??= new Set();
  for (const view of views) scope.featureViews.add(view);
  scope.entityCount = Math.max(scope.entityCount, entityCount);
}
