import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";

/** What one atomic update produced. */
export interface UpdateOutcome<T> {
  readonly registry: Registry;
  readonly result: T;
  readonly changed: boolean;
}

/** A mutation run inside a backend's serialised transaction; `next` undefined means no change. */
export type RegistryMutation<T> = (current: Registry) => { readonly next?: Registry | undefined; readonly result: T };

/**
 * Where the registry lives (SQLite, PostgreSQL, a file). Every update is one serialised transaction:
 * it sees the latest state, and either lands whole with the version increased by one, or not at all.
 */
export interface RegistryBackend {
  /** Safe to log: no password. */
  readonly description: string;
  /** Creates or migrates storage; safe when several processes start at once. */
  init(): Promise<void>;
  load(): Promise<Registry>;
  /** The current version; cheap, for polling. */
  currentVersion(): Promise<{ version: bigint; lastUpdated: Date | undefined }>;
  /** Applies `mutate`; refuses with ABORTED when `expectedVersion` is given and stale. */
  update<T>(mutate: RegistryMutation<T>, expectedVersion?: bigint): Promise<UpdateOutcome<T>>;
  close(): Promise<void>;
}
