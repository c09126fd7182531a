import {
  Authorizer,
  authInterceptorFor,
  createServer,
  ServingStatus,
  type AuthConfig,
  type LarderServer,
  type Logger,
  type ServerOptionsInput,
  type Telemetry,
} from "@larder/core";
import { RegistryService } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { createRegistryService } from "./registry-service.js";
import type { RegistryStore } from "./registry-store.js";

export interface RegistryServerOptions {
  readonly server: ServerOptionsInput;
  /** How often health re-checks the database. @default 2000 */
  readonly healthCheckIntervalMs?: number;
  /** `auth` of feature_store.yaml: bearer tokens checked on every call but health and docs; none when absent. */
  readonly auth?: AuthConfig | undefined;
  /** Metrics, tracing and the audit log; off when absent. */
  readonly telemetry?: Telemetry | undefined;
}

/**
 * The RegistryServer: RegistryService over gRPC and Connect JSON on one port, with health that
 * follows the database (NOT_SERVING while it cannot be reached).
 */
export function createRegistryServer(
  store: RegistryStore,
  options: RegistryServerOptions,
  logger: Logger,
): LarderServer {
  const server = createServer(options.server, logger);
  options.telemetry?.instrument(server);
  const authn = options.auth === undefined ? undefined : authInterceptorFor(options.auth, { logger });
  if (authn !== undefined) server.addInterceptor(authn);
  // The registry's Permission objects, enforced per RPC (nothing is checked under no_auth).
  const authz = options.auth === undefined ? undefined : new Authorizer({ auth: options.auth });
  server.addService(RegistryService, createRegistryService(store, authz));
  const serviceName = RegistryService.typeName;
  let timer: NodeJS.Timeout | undefined;
  let healthy = true;
  const check = async (): Promise<void> => {
    try {
      await store.version();
      if (!healthy) logger.info("registry database reachable again");
      healthy = true;
    } catch (error) {
      if (healthy) logger.warn({ err: error }, "registry database unreachable; health is NOT_SERVING");
      healthy = false;
    }
    const status = healthy ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    server.health.set("", status);
    server.health.set(serviceName, status);
  };
  const listen = server.listen.bind(server);
  const interval = options.healthCheckIntervalMs ?? 2_000;
  return Object.assign(server, {
    async listen() {
      const address = await listen();
      await check();
      const loop = (): void => {
        timer = setTimeout(() => {
          void check().finally(() => {
            if (timer !== undefined) loop();
          });
        }, interval);
        timer.unref();
      };
      loop();
      server.onClose(async () => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        await store.close();
      });
      return address;
    },
  });
}
