import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { ObjectChange, ObjectKind, RepoContents } from "@larder/gen/es/larder/registry/v1/registry_service_pb";

export interface ApplyOptions {
  /** Refuse with ABORTED unless the registry is still at this version. */
  readonly expectedVersion?: bigint | undefined;
  /** Keep objects that the desired state no longer lists. */
  readonly skipDeletes?: boolean | undefined;
}

export interface ChangeSet {
  readonly changes: readonly ObjectChange[];
  readonly version: bigint;
}

/**
 * What the CLI and the servers need from a registry, whether they open it themselves (SQLite,
 * PostgreSQL, file) or reach it through a RegistryServer.
 */
export interface RegistryApi {
  plan(desired: RepoContents): Promise<ChangeSet>;
  apply(desired: RepoContents, options?: ApplyOptions): Promise<ChangeSet>;
  deleteObject(kind: ObjectKind, project: string, name: string, expectedVersion?: bigint): Promise<bigint>;
  deleteProject(project: string, expectedVersion?: bigint): Promise<bigint>;
  recordMaterialization(project: string, featureView: string, start: Timestamp, end: Timestamp): Promise<bigint>;
  snapshot(): Promise<Registry>;
  version(): Promise<{ version: bigint; lastUpdated: Date | undefined }>;
  close(): Promise<void>;
}
