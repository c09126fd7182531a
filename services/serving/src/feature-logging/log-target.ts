import { isAbsolute, resolve } from "node:path";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";

/** Where one feature service's logs go, from its LoggingConfig. */
export type LogDestination =
  { readonly kind: "file"; readonly directory: string } | { readonly kind: "postgres"; readonly table: string };

/** A feature service whose responses are logged. */
export interface LogTarget {
  readonly service: string;
  /** Share of requests logged, 0 to 1. */
  readonly sampleRate: number;
  readonly destination: LogDestination;
  /** Stable key of the destination, for grouping writes. */
  readonly key: string;
}

/** Default directory of a service's log files when its FileDestination has no path (relative to the repo). */
export function defaultLogDirectory(service: string): string {
  return `data/feature_logs/${service}`;
}

/** The log target of one feature service's spec, or undefined when it logs nothing. */
export function logTargetOf(
  registry: Registry,
  project: string,
  service: string,
  repoPath: string,
): LogTarget | undefined {
  const spec = registry.featureServices.find((s) => s.spec?.project === project && s.spec.name === service)?.spec;
  const logging = spec?.loggingConfig;
  if (spec === undefined || logging === undefined) return undefined;
  const sampleRate = Math.min(1, Math.max(0, logging.sampleRate));
  if (sampleRate === 0) return undefined;
  const destination = logging.destination;
  if (destination.case === "fileDestination") {
    const path = destination.value.path === "" ? defaultLogDirectory(service) : destination.value.path;
    const directory = isAbsolute(path) ? path : resolve(repoPath, path);
    return { service, sampleRate, destination: { kind: "file", directory }, key: `file:${directory}` };
  }
  if (destination.case === "postgresDestination") {
    const table = destination.value.table;
    return { service, sampleRate, destination: { kind: "postgres", table }, key: `postgres:${table}` };
  }
  return undefined;
}

/** Per-service log targets of one registry snapshot, computed once per snapshot and service. */
export class LogTargets {
  private registry: Registry | undefined;
  private readonly cache = new Map<string, LogTarget | null>();

  constructor(
    private readonly project: string,
    private readonly repoPath: string,
  ) {}

  get(registry: Registry, service: string): LogTarget | undefined {
    if (registry !== this.registry) {
      this.registry = registry;
      this.cache.clear();
    }
    let target = this.cache.get(service);
    if (target === undefined) {
      target = logTargetOf(registry, this.project, service, this.repoPath) ?? null;
      this.cache.set(service, target);
    }
    return target ?? undefined;
  }
}
