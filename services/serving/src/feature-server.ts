import {
  Authorizer,
  authInterceptorFor,
  createServer,
  type AuthConfig,
  type FeatureLoggingConfig,
  type LarderServer,
  type Logger,
  type OfflineStoreConfig,
  type ServerOptionsInput,
  type Telemetry,
  observeRegistryVersion,
} from "@larder/core";
import { ServingService } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { SnapshotCache, type RegistryApi } from "@larder/registry";
import { GET_ONLINE_FEATURES_DOC, RETRIEVE_ONLINE_DOCUMENTS_DOC } from "./feast-rest-docs.js";
import { documentsRestRoutes } from "./documents/documents-rest-routes.js";
import { OnlineDocuments } from "./documents/online-documents.js";
import { feastRestRoutes } from "./feast-rest-routes.js";
import { FeatureLogger, type FeatureLogHooks } from "./feature-logging/feature-logger.js";
import { OnlineFeatures } from "./online-features.js";
import { observeOnlineStore } from "./online-store/observed-online-store.js";
import type { OnlineStore } from "./online-store/online-store.js";
import { createOnlineRequestDecoder } from "./request-decoder.js";
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
  /** Metrics, tracing and the audit log (`feature_server.metrics` / `tracing`); off when absent. */
  readonly telemetry?: Telemetry | undefined;
  /** Logging of served features (`feature_server.feature_logging`); off unless `config.enabled`. */
  readonly featureLogging?: FeatureLoggingServerOptions | undefined;
  /** `auth` of feature_store.yaml: bearer tokens checked on every call but health and docs; none when absent. */
  readonly auth?: AuthConfig | undefined;
}

/** What the FeatureServer needs to log the responses of feature services that have a logging config. */
export interface FeatureLoggingServerOptions {
  readonly config: FeatureLoggingConfig;
  /** Relative file destinations resolve against the repo. */
  readonly repoPath: string;
  /** A PostgreSQL destination writes to this store's database (type postgres). */
  readonly offlineStore?: OfflineStoreConfig | undefined;
  /** Counters for metrics (dropped, written, failed). */
  readonly hooks?: FeatureLogHooks | undefined;
  /** Receives the logger once created, for its `stats` and `droppedRecords`. */
  readonly onCreated?: ((logger: FeatureLogger) => void) | undefined;
}

/** Records on-demand transformation durations when metrics are on; undefined (free) otherwise. */
function transformObserver(telemetry: Telemetry | undefined): ((odfv: string, seconds: number) => void) | undefined {
  const metrics = telemetry?.active === true ? telemetry.metrics : undefined;
  if (metrics === undefined) return undefined;
  return (odfv, seconds) => metrics.transformationDuration.observe([odfv, "typescript"], seconds);
}

/** The options with the online store and registry polls observed, when telemetry is on. */
function observed(options: FeatureServerOptions): FeatureServerOptions {
  const telemetry = options.telemetry;
  if (telemetry?.active !== true) return options;
  return {
    ...options,
    onlineStore: observeOnlineStore(options.onlineStore, telemetry),
    registry: observeRegistryVersion(options.registry, telemetry),
  };
}

/**
 * The stateless FeatureServer: a registry snapshot kept fresh in the background, an online store,
 * ServingService over gRPC (also at Feast's path) and Connect, and Feast's REST routes. It loads the
 * snapshot and waits for the store before it is returned, so once listening, health is SERVING only
 * when it can serve.
 */
export async function createFeatureServer(input: FeatureServerOptions): Promise<LarderServer> {
  const options = observed(input);
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
    onTransform: transformObserver(options.telemetry),
  });
  const server = createServer(options.server, options.logger);
  options.telemetry?.instrument(server);
  const authn = options.auth === undefined ? undefined : authInterceptorFor(options.auth, { logger: options.logger });
  if (authn !== undefined) server.addInterceptor(authn);
  // The registry's Permission objects, enforced per endpoint (nothing is checked under no_auth).
  const authz = options.auth === undefined ? undefined : new Authorizer({ auth: options.auth });
  const guard =
    authz?.enforcing === true ? { authz, project: options.project, registry: () => snapshots.current() } : undefined;
  options.telemetry?.watchRegistry({
    project: options.project,
    current: () => (snapshots.ready ? snapshots.current() : undefined),
  });
  const logging = options.featureLogging;
  const featureLog =
    logging?.config.enabled === true
      ? new FeatureLogger({
          project: options.project,
          repoPath: logging.repoPath,
          config: logging.config,
          registry: () => snapshots.current(),
          offlineStore: logging.offlineStore,
          logger: options.logger,
          hooks: logging.hooks,
        })
      : undefined;
  if (featureLog !== undefined) logging?.onCreated?.(featureLog);
  const documents = new OnlineDocuments({
    project: options.project,
    registry: () => snapshots.current(),
    store: options.onlineStore,
  });
  server.addService(
    ServingService,
    createServingService(features, featureLog, documents, guard),
    [
      {
        serviceName: "feast.serving.ServingService",
        methodNames: { GetOnlineFeatures: "getOnlineFeatures", GetFeastServingInfo: "getServingInfo" },
      },
    ],
    { requestDecoders: { getOnlineFeatures: createOnlineRequestDecoder() } },
  );
  for (const route of feastRestRoutes(features, featureLog, guard)) server.addRoute(route);
  server.describeRoute(GET_ONLINE_FEATURES_DOC);
  for (const route of documentsRestRoutes(documents, guard)) server.addRoute(route);
  server.describeRoute(RETRIEVE_ONLINE_DOCUMENTS_DOC);
  server.onClose(async () => {
    // Everything still queued is written before the registry and stores close.
    await featureLog?.close();
    snapshots.stop();
    await options.onlineStore.close();
    await options.registry.close();
  });
  return server;
}
