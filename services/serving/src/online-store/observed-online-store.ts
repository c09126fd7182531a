import { performance } from "node:perf_hooks";
import { codeName, noteRead, toConnectError, type ClientSpan, type Telemetry } from "@larder/core";
import type { OnlineReadRequest, OnlineRow, OnlineStore, OnlineView, OnlineWriteRow } from "./online-store.js";

const OBSERVED = Symbol("larder.observedOnlineStore");

/** The kind of an online store failure, for `larder_online_store_errors_total` (a status code name). */
function errorKind(error: unknown): string {
  return codeName(toConnectError(error).code);
}

function endWithError(span: ClientSpan | undefined, error: unknown): void {
  span?.fail(errorKind(error));
}

function viewNames(requests: readonly OnlineReadRequest[]): string[] {
  return requests.map((r) => r.view.name);
}

/**
 * Wraps an online store with telemetry: one CLIENT span per read or write call (never per key; the
 * span carries view names and row counts only, never entity keys or values), the read duration,
 * entity count and found/not-found counts per view, errors by kind, and the newest written event time
 * per view for freshness. Returns the store itself when telemetry is off.
 */
export function observeOnlineStore(store: OnlineStore, telemetry: Telemetry, system = "online_store"): OnlineStore {
  if (!telemetry.active || (store as { [OBSERVED]?: true })[OBSERVED] === true) return store;
  const metrics = telemetry.metrics;
  const tracing = telemetry.tracer !== undefined;
  const online = metrics?.categories.onlineFeatures === true;
  const audit = telemetry.settings.auditLogging;

  const read = async (
    requests: readonly OnlineReadRequest[],
    signal?: AbortSignal,
  ): Promise<(OnlineRow | undefined)[][]> => {
    let entityRows = 0;
    for (const r of requests) entityRows = Math.max(entityRows, r.entityKeys.length);
    if (audit) noteRead(viewNames(requests), entityRows);
    const span = tracing
      ? telemetry.startClientSpan("online_store.read", {
          "db.system.name": system,
          "db.operation.name": "read",
          "larder.feature_views": viewNames(requests),
          "larder.entity_rows": entityRows,
        })
      : undefined;
    const started = performance.now();
    let rows: (OnlineRow | undefined)[][];
    try {
      rows = await store.read(requests, signal);
    } catch (error) {
      metrics?.onlineStoreErrors.inc(["read", errorKind(error)]);
      endWithError(span, error);
      throw error;
    }
    span?.end();
    if (online && metrics !== undefined) {
      metrics.onlineStoreReadDuration.observe([], (performance.now() - started) / 1000);
      metrics.onlineEntityCount.observe([], entityRows);
      for (let i = 0; i < requests.length; i++) {
        const viewRows = rows[i] ?? [];
        let found = 0;
        for (const row of viewRows) if (row !== undefined) found++;
        const name = requests[i]?.view.name ?? "";
        if (found > 0) metrics.onlineStatusTotal.inc([name, "present"], found);
        if (viewRows.length > found) metrics.onlineStatusTotal.inc([name, "not_found"], viewRows.length - found);
      }
    }
    return rows;
  };

  const write = async (view: OnlineView, rows: readonly OnlineWriteRow[]) => {
    const span = tracing
      ? telemetry.startClientSpan("online_store.write", {
          "db.system.name": system,
          "db.operation.name": "write",
          "larder.feature_view": view.name,
          "larder.rows": rows.length,
        })
      : undefined;
    try {
      const result = await store.write(view, rows);
      span?.end();
      let newest = -Infinity;
      for (const row of rows) if (row.eventTimeMs > newest) newest = row.eventTimeMs;
      if (result.written > 0 && newest > -Infinity) telemetry.freshness.noteWrite(view.project, view.name, newest);
      return result;
    } catch (error) {
      metrics?.onlineStoreErrors.inc(["write", errorKind(error)]);
      endWithError(span, error);
      throw error;
    }
  };

  return new Proxy(store, {
    get(target, property) {
      if (property === "read") return read;
      if (property === "write") return write;
      if (property === OBSERVED) return true;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
