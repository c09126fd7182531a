import {
  Authorizer,
  type AuthConfig,
  type BatchEngineConfig,
  type LarderServer,
  type Logger,
  type Telemetry,
} from "@larder/core";
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
    /** Materialization outcome and duration metrics; off when absent. */
    telemetry?: Telemetry | undefined;
    /** `auth` of feature_store.yaml: with one, WRITE_ONLINE / READ_OFFLINE permissions are enforced. */
    auth?: AuthConfig | undefined;
  },
): MaterializationJobs {
  const batch = engineForConfig(deps.batchEngine ?? { type: "local" }, deps);
  const jobs = new MaterializationJobs({
    project: deps.project,
    registry: deps.registry,
    engine: batch.engine,
    logger: deps.logger,
    telemetry: deps.telemetry,
  });
  const authz = deps.auth === undefined ? undefined : new Authorizer({ auth: deps.auth });
  const guard =
    authz?.enforcing === true ? { authz, project: deps.project, registry: () => deps.registry.snapshot() } : undefined;
  server.addService(
    MaterializationService,
    createMaterializationService(
      jobs,
      { offline: deps.offline, registry: deps.registry, project: deps.project },
      guard,
    ),
  );
  for (const route of materializeRestRoutes(jobs, guard)) {
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
