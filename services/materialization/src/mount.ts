import type { BatchEngineConfig, LarderServer, Logger } from "@larder/core";
import { MaterializationService } from "@larder/gen/es/larder/materialization/v1/materialization_service_pb";
import type { RegistryApi } from "@larder/registry";
import type { OnlineStore } from "@larder/serving";
import { engineForConfig } from "./engine/bullmq/engine-for-config.js";
import { MaterializationJobs } from "./materialization-jobs.js";
import { createMaterializationService } from "./materialization-service.js";
import { materializeRestRoutes } from "./materialize-rest-routes.js";
import type { OfflineStore } from "./offline-store/offline-store.js";

/** Adds MaterializationService and Feast's /materialize routes to a FeatureServer (engine from `batch_engine`, default local). */
export function mountMaterialization(
  server: LarderServer,
  deps: {
    project: string;
    registry: RegistryApi;
    offline: OfflineStore;
    online: OnlineStore;
    logger: Logger;
    batchEngine?: BatchEngineConfig;
  },
): MaterializationJobs {
  const batch = engineForConfig(deps.batchEngine ?? { type: "local" }, deps);
  const jobs = new MaterializationJobs({
    project: deps.project,
    registry: deps.registry,
    engine: batch.engine,
    logger: deps.logger,
  });
  server.addService(
    MaterializationService,
    createMaterializationService(jobs, { offline: deps.offline, registry: deps.registry, project: deps.project }),
  );
  for (const route of materializeRestRoutes(jobs)) {
    server.addRoute(route);
    server.describeRoute({
      method: "POST",
      path: route.path,
      summary:
        route.path === "/materialize"
          ? "Materialize a time window (Feast's body)"
          : "Materialize from each view's last end (Feast's body)",
      tags: ["Feast REST"],
      description: "`?async=true` answers 202 at once; a view already materializing answers 409.",
      requestSchema: {
        type: "object",
        properties: {
          start_ts: { type: "string", format: "date-time" },
          end_ts: { type: "string", format: "date-time" },
          feature_views: { type: "array", items: { type: "string" } },
          disable_event_timestamp: { type: "boolean" },
        },
      },
    });
  }
  server.onClose(() => batch.close());
  server.onClose(() => deps.offline.close());
  return jobs;
}
