import { readFileSync } from "node:fs";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  bearerTokenInterceptor,
  InvalidArgumentError,
  traceContextInterceptor,
  type TokenProvider,
} from "@larder/core";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { ObjectKind, RegistryService, type RepoContents } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import type { ApplyOptions, ChangeSet, RegistryApi } from "./registry-api.js";

export interface RemoteRegistryOptions {
  /** `host:port` of a RegistryServer. */
  readonly target: string;
  readonly tls?: boolean;
  /** Deadline of each call. @default 10000 */
  readonly timeoutMs?: number;
  /** Bearer tokens for a RegistryServer with auth; on UNAUTHENTICATED the token is refreshed once. */
  readonly tokenProvider?: TokenProvider | undefined;
  /** PEM file of the CA that signed the server's certificate (`registry.cert`), with `tls`. */
  readonly caPath?: string | undefined;
}

/** A RegistryApi that talks gRPC to a RegistryServer (`registry_type: remote`). */
export class RemoteRegistry implements RegistryApi {
  private readonly client: Client<typeof RegistryService>;
  private readonly timeoutMs: number;

  constructor(options: RemoteRegistryOptions) {
    if (!/^[^\s/:]+:\d+$/.test(options.target)) {
      throw new InvalidArgumentError(`registry.path must be host:port for a remote registry, got "${options.target}"`);
    }
    const transport = createGrpcTransport({
      baseUrl: `${options.tls === true ? "https" : "http"}://${options.target}`,
      // A client span and W3C traceparent per call (no-ops unless tracing is on), so the RegistryServer's spans join.
      interceptors: [
        traceContextInterceptor,
        ...(options.tokenProvider === undefined ? [] : [bearerTokenInterceptor(options.tokenProvider)]),
      ],
      ...(options.tls === true && options.caPath !== undefined
        ? { nodeOptions: { ca: readFileSync(options.caPath) } }
        : {}),
    });
    this.client = createClient(RegistryService, transport);
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  get description(): string {
    return "remote registry";
  }

  private get opts(): { timeoutMs: number } {
    return { timeoutMs: this.timeoutMs };
  }

  async plan(desired: RepoContents): Promise<ChangeSet> {
    const response = await this.client.plan({ desired }, this.opts);
    return { changes: response.changes, version: response.registryVersion };
  }

  async apply(desired: RepoContents, options: ApplyOptions = {}): Promise<ChangeSet> {
    const response = await this.client.apply(
      {
        desired,
        skipDeletes: options.skipDeletes === true,
        ...(options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion }),
      },
      this.opts,
    );
    return { changes: response.changes, version: response.registryVersion };
  }

  async deleteObject(kind: ObjectKind, project: string, name: string, expectedVersion?: bigint): Promise<bigint> {
    const request = { project, name, ...(expectedVersion === undefined ? {} : { expectedVersion }) };
    switch (kind) {
      case ObjectKind.ENTITY:
        return (await this.client.deleteEntity(request, this.opts)).registryVersion;
      case ObjectKind.DATA_SOURCE:
        return (await this.client.deleteDataSource(request, this.opts)).registryVersion;
      case ObjectKind.FEATURE_VIEW:
      case ObjectKind.ON_DEMAND_FEATURE_VIEW:
      case ObjectKind.STREAM_FEATURE_VIEW:
        return (await this.client.deleteFeatureView(request, this.opts)).registryVersion;
      case ObjectKind.FEATURE_SERVICE:
        return (await this.client.deleteFeatureService(request, this.opts)).registryVersion;
      case ObjectKind.PERMISSION:
        return (await this.client.deletePermission(request, this.opts)).registryVersion;
      case ObjectKind.PROJECT:
        return this.deleteProject(name, expectedVersion);
      case ObjectKind.UNSPECIFIED:
        throw new InvalidArgumentError("kind is required");
    }
  }

  async deleteProject(project: string, expectedVersion?: bigint): Promise<bigint> {
    const request = { name: project, ...(expectedVersion === undefined ? {} : { expectedVersion }) };
    return (await this.client.deleteProject(request, this.opts)).registryVersion;
  }

  async recordMaterialization(project: string, featureView: string, start: Timestamp, end: Timestamp): Promise<bigint> {
    const response = await this.client.recordMaterialization(
      { project, featureView, startTime: start, endTime: end },
      this.opts,
    );
    return response.registryVersion;
  }

  async snapshot(): Promise<Registry> {
    const response = await this.client.getSnapshot({}, this.opts);
    if (response.registry === undefined) throw new Error("RegistryServer answered GetSnapshot without a registry");
    return response.registry;
  }

  async version(): Promise<{ version: bigint; lastUpdated: Date | undefined }> {
    const response = await this.client.getVersion({}, this.opts);
    return {
      version: response.version,
      lastUpdated: response.lastUpdated === undefined ? undefined : timestampDate(response.lastUpdated),
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
