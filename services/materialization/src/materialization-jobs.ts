import { randomUUID } from "node:crypto";
import { AbortedError, type Logger, type Telemetry } from "@larder/core";
import type { RegistryApi } from "@larder/registry";
import type { BatchEngine } from "./engine/local-engine.js";
import { materialize, type MaterializeListeners, type MaterializeRequest, type ViewResult } from "./materialize.js";

/**
 * Runs materializations for one server and refuses a run that names a view already being
 * materialized (Feast's 409), so two runs never race on the same view.
 */
export class MaterializationJobs {
  private readonly running = new Set<string>();

  constructor(
    private readonly options: {
      project: string;
      registry: RegistryApi;
      engine: BatchEngine;
      logger: Logger;
      /** Records each view's outcome and duration (`feast_materialization_*`) when metrics are on. */
      telemetry?: Telemetry | undefined;
    },
  ) {}

  /** The views a request will touch (all online views when none are named). */
  async plannedViews(request: MaterializeRequest): Promise<string[]> {
    if (request.views.length > 0) return [...request.views];
    const snapshot = await this.options.registry.snapshot();
    return [...snapshot.featureViews, ...snapshot.streamFeatureViews]
      .filter((v) => v.spec?.project === this.options.project && v.spec.online)
      .map((v) => v.spec?.name ?? "");
  }

  /** Starts a run; throws ABORTED at once if one of its views is already running. */
  async start(
    request: MaterializeRequest,
    listeners: MaterializeListeners = {},
    signal?: AbortSignal,
  ): Promise<{ jobId: string; views: string[]; done: Promise<ViewResult[]> }> {
    const views = await this.plannedViews(request);
    const busy = views.filter((v) => this.running.has(v));
    if (busy.length > 0)
      throw new AbortedError(`Feature views already materializing: [${busy.join(", ")}]; wait for that run to finish`);
    for (const view of views) this.running.add(view);
    const jobId = randomUUID();
    const observed = this.observed(listeners);
    const done = materialize(
      { project: this.options.project, registry: this.options.registry, engine: this.options.engine },
      request,
      observed.listeners,
      signal,
    ).finally(() => {
      for (const view of views) this.running.delete(view);
    });
    done.catch((error: unknown) => {
      observed.failed();
      this.options.logger.warn({ err: error, jobId }, "materialization failed");
    });
    return { jobId, views, done };
  }

  /** Listeners that also record each started view's outcome: success when done, failure when the run fails first. */
  private observed(listeners: MaterializeListeners): { listeners: MaterializeListeners; failed(): void } {
    const telemetry = this.options.telemetry;
    if (telemetry?.metrics === undefined) return { listeners, failed: () => undefined };
    const started = new Set<string>();
    return {
      listeners: {
        ...listeners,
        onViewStart: (view, startMs, endMs) => {
          started.add(view);
          listeners.onViewStart?.(view, startMs, endMs);
        },
        onViewDone: (result) => {
          started.delete(result.view);
          telemetry.noteMaterialization(result.view, true, result.durationMs / 1000);
          listeners.onViewDone?.(result);
        },
      },
      failed: () => {
        for (const view of started) telemetry.noteMaterialization(view, false, undefined);
        started.clear();
      },
    };
  }
}
