import {
  Authorizer,
  type AuthConfig,
  type FeatureServerConfig,
  type LarderServer,
  type Logger,
  type Telemetry,
} from "@larder/core";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { PushService } from "@larder/gen/es/larder/push/v1/push_service_pb";
import type { OfflineStore } from "@larder/materialization";
import { SnapshotCache, type RegistryApi } from "@larder/registry";
import type { OnlineStore } from "@larder/serving";
import { OfflineBatcher } from "./offline-batcher.js";
import { PUSH_DOCS } from "./push-docs.js";
import { decodePushRequest } from "./push-request-decoder.js";
import { pushRestRoutes } from "./push-rest-routes.js";
import { createPushService } from "./push-service.js";
import { Pusher } from "./pusher.js";

export interface MountPushDeps {
  readonly project: string;
  /**
   * The server's registry snapshot getter (preferred), or a registry API from which a snapshot cache is
   * kept (polled every `pollIntervalMs`, stopped on close).
   */
  readonly registry: (() => Registry) | { readonly api: RegistryApi; readonly pollIntervalMs: number };
  readonly online?: OnlineStore | undefined;
  readonly offline?: OfflineStore | undefined;
  readonly logger: Logger;
  /** Metrics (push counts) and tracing; off when absent. */
  readonly telemetry?: Telemetry | undefined;
  /** `feature_server`: transform budget and offline push batching. */
  readonly featureServer: Pick<
    FeatureServerConfig,
    | "transformationTimeoutMs"
    | "offlinePushBatchingEnabled"
    | "offlinePushBatchingBatchSize"
    | "offlinePushBatchingBatchIntervalSeconds"
  >;
  /** `auth` of feature_store.yaml: with one, pushes need WRITE_ONLINE / WRITE_OFFLINE permissions (the server's auth interceptor sets the caller). */
  readonly auth?: AuthConfig | undefined;
}

/**
 * Adds PushService (gRPC/Connect) and Feast's /push and /write-to-online-store to a FeatureServer.
 * Closing the server flushes queued offline pushes. Stores are not closed here: their owners close them.
 */
export async function mountPush(server: LarderServer, deps: MountPushDeps): Promise<Pusher> {
  let registry: () => Registry;
  if (typeof deps.registry === "function") {
    registry = deps.registry;
  } else {
    const cache = new SnapshotCache(deps.registry.api, {
      pollIntervalMs: deps.registry.pollIntervalMs,
      logger: deps.logger,
    });
    await cache.start();
    registry = () => cache.current();
    server.onClose(() => cache.stop());
  }
  const fs = deps.featureServer;
  const batcher =
    fs.offlinePushBatchingEnabled && deps.offline !== undefined
      ? new OfflineBatcher(
          deps.offline,
          {
            batchSize: fs.offlinePushBatchingBatchSize,
            intervalMs: fs.offlinePushBatchingBatchIntervalSeconds * 1000,
          },
          deps.logger,
        )
      : undefined;
  const pusher = new Pusher({
    project: deps.project,
    registry,
    online: deps.online,
    offline: deps.offline,
    transformTimeoutMs: fs.transformationTimeoutMs,
    logger: deps.logger,
    batcher,
    telemetry: deps.telemetry,
  });
  const authz = deps.auth === undefined ? undefined : new Authorizer({ auth: deps.auth });
  const guard = authz?.enforcing === true ? { authz, project: deps.project, registry } : undefined;
  server.addService(PushService, createPushService(pusher, guard), [], {
    requestDecoders: { push: decodePushRequest },
  });
  for (const route of pushRestRoutes(pusher, guard)) server.addRoute(route);
  for (const doc of PUSH_DOCS) server.describeRoute(doc);
  if (batcher !== undefined) server.onClose(() => batcher.close());
  return pusher;
}
