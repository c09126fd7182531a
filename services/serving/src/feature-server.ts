import { createServer, type LarderServer, type Logger, type ServerOptionsInput } from "@larder/core";
import { ServingService } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { SnapshotCache, type RegistryApi } from "@larder/registry";
import { GET_ONLINE_FEATURES_DOC } from "./feast-rest-docs.js";
import { feastRestRoutes } from "./feast-rest-routes.js";
import { OnlineFeatures } from "./online-features.js";
import type { OnlineStore } from "./online-store/online-store.js";
import { createServingService } from "./serving-service.js";

export interface FeatureServerOptions {
  readonly project: string;
  readonly server: ServerOptionsInput;
  readonly registry: RegistryApi;
  readonly onlineStore: OnlineStore;
  readonly registryPollIntervalMs: number;
  readonly maxEntityRows: number;
  readonly transformTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * The stateless FeatureServer: a registry snapshot kept fresh in the background, an online store,
 * ServingService over gRPC (also at Feast's path) and Connect, and Feast's REST routes. It loads the
 * snapshot and waits for the store before it is returned, so once listening, health is SERVING only
 * when it can serve.
 */
export async function createFeatureServer(options: FeatureServerOptions): Promise<LarderServer> {
  const snapshots = new SnapshotCache(options.registry, {
    pollIntervalMs: options.registryPollIntervalMs,
    logger: options.logger,
  });
  await snapshots.start();
  await options.onlineStore.ready();
  const features = new OnlineFeatures({
    project: options.project,
    maxEntityRows: options.maxEntityRows,
    transformTimeoutMs: options.transformTimeoutMs,
    registry: () => snapshots.current(),
    store: options.onlineStore,
  });
  const server = createServer(options.server, options.logger);
  server.addService(ServingService, createServingService(features), [
    {
      serviceName: "feast.serving.ServingService",
      methodNames: { GetOnlineFeatures: "getOnlineFeatures", GetFeastServingInfo: "getServingInfo" },
    },
  ]);
  for (const route of feastRestRoutes(features)) server.addRoute(route);
  server.describeRoute(GET_ONLINE_FEATURES_DOC);
  server.onClose(async () => {
    snapshots.stop();
    await options.onlineStore.close();
    await options.registry.close();
  });
  return server;
}
