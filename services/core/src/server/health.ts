import type { ServiceImpl } from "@connectrpc/connect";
import {
  type Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@larder/gen/es/grpc/health/v1/health_pb";
import { NotFoundError } from "../errors.js";

export { ServingStatus };

type Listener = (status: ServingStatus) => void;

/**
 * Serving status per service name ("" is the whole server), as the gRPC health protocol defines it.
 * Shared by the gRPC Health service and the REST `/health` route.
 */
export class HealthRegistry {
  private readonly statuses = new Map<string, ServingStatus>([["", ServingStatus.NOT_SERVING]]);
  private readonly listeners = new Map<string, Set<Listener>>();
  private shuttingDown = false;

  /** Sets the status of `service` ("" for the server as a whole) and tells its watchers. */
  set(service: string, status: ServingStatus): void {
    if (this.shuttingDown) status = ServingStatus.NOT_SERVING;
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const listener of this.listeners.get(service) ?? []) listener(status);
  }

  /** The status of `service`, or undefined when it is not known. */
  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** True when the whole server is SERVING. */
  get serving(): boolean {
    return this.statuses.get("") === ServingStatus.SERVING;
  }

  /** Marks every service NOT_SERVING for good (graceful shutdown). */
  shutdown(): void {
    for (const service of this.statuses.keys()) this.set(service, ServingStatus.NOT_SERVING);
    this.shuttingDown = true;
  }

  /** Calls `listener` on each change of `service`'s status until the returned function is called. */
  watch(service: string, listener: Listener): () => void {
    let set = this.listeners.get(service);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(service, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }
}

/** The standard grpc.health.v1.Health service over a HealthRegistry. */
export function createHealthService(registry: HealthRegistry): ServiceImpl<typeof Health> {
  return {
    check(request) {
      const status = registry.get(request.service);
      if (status === undefined) throw new NotFoundError(`Unknown service "${request.service}"`);
      return { status };
    },
    async *watch(request, context) {
      const queue: ServingStatus[] = [registry.get(request.service) ?? ServingStatus.SERVICE_UNKNOWN];
      let wake: (() => void) | undefined;
      const stop = registry.watch(request.service, (status) => {
        queue.push(status);
        wake?.();
      });
      const onAbort = (): void => wake?.();
      context.signal.addEventListener("abort", onAbort);
      try {
        while (!context.signal.aborted) {
          const next = queue.shift();
          if (next !== undefined) {
            yield { status: next };
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        stop();
        context.signal.removeEventListener("abort", onAbort);
      }
    },
  };
}
