import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { InvalidArgumentError } from "@larder/core";
import type { RegistryApi } from "@larder/registry";
import type { BatchEngine, ProgressListener } from "./engine/local-engine.js";
import { viewsToMaterialize } from "./engine/view-plan.js";

const WEEKS_52_MS = 52 * 7 * 24 * 3_600_000;

export interface MaterializeOptions {
  readonly project: string;
  readonly registry: RegistryApi;
  readonly engine: BatchEngine;
  readonly nowMs?: number;
}

export type MaterializeRequest =
  | { readonly kind: "range"; readonly startMs: number; readonly endMs: number; readonly views: readonly string[] }
  | { readonly kind: "incremental"; readonly endMs: number; readonly views: readonly string[] };

export interface ViewResult {
  readonly view: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly rows: number;
  readonly durationMs: number;
}

export interface MaterializeListeners {
  readonly onViewStart?: (view: string, startMs: number, endMs: number) => void;
  readonly onProgress?: ProgressListener;
  readonly onViewDone?: (result: ViewResult) => void;
}

/**
 * Materializes a window (or, incrementally, from each view's last recorded end, else now − ttl,
 * else 52 weeks back, as Feast) into the online store, and records each view's interval in the
 * registry once all its rows are written.
 */
export async function materialize(
  options: MaterializeOptions,
  request: MaterializeRequest,
  listeners: MaterializeListeners = {},
  signal?: AbortSignal,
): Promise<ViewResult[]> {
  const now = options.nowMs ?? Date.now();
  if (!Number.isFinite(request.endMs)) throw new InvalidArgumentError("end_time is required");
  if (request.kind === "range") {
    if (!Number.isFinite(request.startMs)) throw new InvalidArgumentError("start_time is required");
    if (request.startMs >= request.endMs) throw new InvalidArgumentError("start_time must be before end_time");
  }
  const snapshot = await options.registry.snapshot();
  const views = viewsToMaterialize(snapshot, options.project, request.views);
  const results: ViewResult[] = [];
  for (const view of views) {
    let startMs: number;
    if (request.kind === "range") startMs = request.startMs;
    else if (view.lastEndMs !== undefined) startMs = view.lastEndMs;
    else startMs = view.ttlSeconds > 0 ? now - view.ttlSeconds * 1000 : now - WEEKS_52_MS;
    if (startMs >= request.endMs) {
      results.push({ view: view.name, startMs, endMs: request.endMs, rows: 0, durationMs: 0 });
      continue;
    }
    listeners.onViewStart?.(view.name, startMs, request.endMs);
    const started = Date.now();
    const rows = await options.engine.materializeView(
      view,
      { startMs, endMs: request.endMs },
      listeners.onProgress ?? (() => undefined),
      signal,
    );
    await options.registry.recordMaterialization(
      options.project,
      view.name,
      timestampFromMs(startMs),
      timestampFromMs(request.endMs),
    );
    const result = { view: view.name, startMs, endMs: request.endMs, rows, durationMs: Date.now() - started };
    listeners.onViewDone?.(result);
    results.push(result);
  }
  return results;
}
