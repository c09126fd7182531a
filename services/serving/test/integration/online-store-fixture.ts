import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { parseRedisConnectionString, type RedisOnlineStoreConfig } from "@larder/core";
import { ValueSchema } from "@larder/gen/es/larder/types/v1/value_pb";
import type { OnlineStore, OnlineView, OnlineWriteRow } from "../../src/online-store/online-store.js";
import { createRedisOnlineStore } from "../../src/online-store/redis-online-store.js";
import { createSqliteOnlineStore } from "../../src/online-store/sqlite-online-store.js";
import { serializeEntityKey } from "../../src/entity-key/serialize.js";

/** A Redis store config for tests. */
export function redisConfig(
  connectionString: string,
  overrides: Partial<Pick<RedisOnlineStoreConfig, "layout" | "keyTtlSeconds">> = {},
): RedisOnlineStoreConfig {
  return {
    type: "redis",
    redisType: "redis",
    connectionString,
    connection: parseRedisConnectionString(connectionString),
    sentinelMaster: "mymaster",
    keyTtlSeconds: overrides.keyTtlSeconds,
    fullScanForDeletion: true,
    skipDedup: false,
    layout: overrides.layout ?? "larder",
  };
}

/** One kind of store under test. */
export interface StoreKind {
  readonly name: string;
  readonly redisLayout: "larder" | "feast" | undefined;
  open(options?: { keyTtlSeconds?: number }): OnlineStore;
}

export const SHARED_REDIS = "127.0.0.1:6379";

/** SQLite in a temp dir, Redis (larder layout), Redis (feast layout). */
export const STORE_KINDS: readonly StoreKind[] = [
  {
    name: "sqlite",
    redisLayout: undefined,
    open: (o = {}) =>
      createSqliteOnlineStore({ path: join(mkdtempSync(join(tmpdir(), "larder-online-")), "online.db"), ...o }),
  },
  {
    name: "redis (larder layout)",
    redisLayout: "larder",
    open: (o = {}) => createRedisOnlineStore(redisConfig(SHARED_REDIS, { layout: "larder", ...o })),
  },
  {
    name: "redis (feast layout)",
    redisLayout: "feast",
    open: (o = {}) => createRedisOnlineStore(redisConfig(SHARED_REDIS, { layout: "feast", ...o })),
  },
];

/** A project name no other run uses, so runs can share the Redis on 6379. */
export const uniqueProject = (): string => `larder_test_${randomBytes(4).toString("hex")}`;

/** The driver-stats view of a project. */
export const driverView = (project: string, name = "driver_stats"): OnlineView => ({
  project,
  name,
  joinKeys: ["driver_id"],
  features: ["conv_rate", "acc_rate", "trips"],
});

/** A driver's v3 entity key. */
export const driverKey = (id: number): Uint8Array =>
  serializeEntityKey(["driver_id"], [create(ValueSchema, { val: { case: "int64Val", value: BigInt(id) } })]);

/** Serialized Value bytes of a double and an int64. */
export const double = (x: number): Uint8Array =>
  toBinary(ValueSchema, create(ValueSchema, { val: { case: "doubleVal", value: x } }));
export const int64 = (n: number): Uint8Array =>
  toBinary(ValueSchema, create(ValueSchema, { val: { case: "int64Val", value: BigInt(n) } }));

/** Hex of optional bytes, for readable assertions. */
export const hexOf = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString("hex");

/** A write row of driver `id` at event time `t` (ms). */
export const driverRow = (id: number, t: number, values: readonly (Uint8Array | undefined)[]): OnlineWriteRow => ({
  entityKey: driverKey(id),
  eventTimeMs: t,
  values,
});

/** Values for every feature of driverView (conv_rate, acc_rate, trips), all derived from `n`. */
export const driverValues = (n: number): Uint8Array[] => [double(n), double(n), int64(n)];
