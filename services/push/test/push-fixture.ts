import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { DuckDBInstance } from "@duckdb/node-api";
import { silentLogger, type LarderServer, type OnlineStoreConfig, type Telemetry } from "@larder/core";
import { PushService } from "@larder/gen/es/larder/push/v1/push_service_pb";
import { ServingService } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { createOfflineStore, type OfflineStore } from "@larder/materialization";
import { openRegistry } from "@larder/registry";
import {
  Entity,
  FeatureStore,
  FeatureView,
  Field,
  FileSource,
  OnDemandFeatureView,
  PushSource,
  ValueType,
  types,
} from "@larder/sdk";
import { createFeatureServer, createOnlineStore, observeOnlineStore, type OnlineStore } from "@larder/serving";
import { mountPush } from "../src/mount.js";

export const v = {
  int64: (n: number | bigint): Value => create(ValueSchema, { val: { case: "int64Val", value: BigInt(n) } }),
  str: (s: string): Value => create(ValueSchema, { val: { case: "stringVal", value: s } }),
  double: (x: number): Value => create(ValueSchema, { val: { case: "doubleVal", value: x } }),
};

/** A push source over a Parquet file (field_mapping conv → conv_rate), its view, and an on-demand view written on push. */
export function pushDefinitions() {
  const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 });
  const batch = new FileSource({
    name: "stats",
    path: "data/stats.parquet",
    timestampField: "event_timestamp",
    fieldMapping: { conv: "conv_rate" },
  });
  const push = new PushSource({ name: "driver_push", batchSource: batch });
  const driverStats = new FeatureView({
    name: "driver_stats",
    entities: [driver],
    ttl: 0,
    schema: [
      new Field({ name: "conv_rate", dtype: types.Float64 }),
      new Field({ name: "trips", dtype: types.Int64 }),
      new Field({ name: "city", dtype: types.String }),
    ],
    source: push,
  });
  const doubled = new OnDemandFeatureView({
    name: "conv_doubled",
    sources: [driverStats],
    schema: [new Field({ name: "doubled", dtype: types.Float64 })],
    writeToOnlineStore: true,
    transform: (inputs) => ({ doubled: inputs.conv_rate.map((c) => Number(c ?? 0) * 2) }),
  });
  return [driver, batch, push, driverStats, doubled];
}

export interface PushHarness {
  readonly project: string;
  readonly repoPath: string;
  readonly store: FeatureStore;
  readonly online: OnlineStore;
  readonly offline: OfflineStore;
  readonly server: LarderServer;
  readonly base: string;
  readonly push: Client<typeof PushService>;
  readonly serving: Client<typeof ServingService>;
  close(): Promise<void>;
}

/** A repo with a seed Parquet row, a FeatureServer on a free port with PushService mounted. */
export async function startPushHarness(
  project: string,
  onlineConfig: (repoPath: string) => OnlineStoreConfig | Record<string, unknown>,
  batching?: { batchSize: number; intervalSeconds: number },
  telemetry?: Telemetry,
): Promise<PushHarness> {
  const repoPath = await mkdtemp(join(tmpdir(), "larder-push-"));
  await mkdir(join(repoPath, "data"));
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  await connection.run("SET TimeZone = 'UTC'");
  await connection.run(
    `COPY (SELECT 1::BIGINT AS driver_id, TIMESTAMP '2020-01-01 00:00:00' AS event_timestamp, 0.5::DOUBLE AS conv, 1::BIGINT AS trips, 'seed' AS city) TO '${join(repoPath, "data", "stats.parquet")}' (FORMAT parquet)`,
  );
  connection.closeSync();
  db.closeSync();
  const store = await FeatureStore.open({ config: { project, registry: "data/registry.db" }, repoPath });
  await store.apply(pushDefinitions());
  const created = createOnlineStore(onlineConfig(repoPath) as OnlineStoreConfig);
  // Observed once for serving and push, as `larder serve` does (the store itself without telemetry).
  const online = telemetry === undefined ? created : observeOnlineStore(created, telemetry);
  const offline = createOfflineStore({ type: "file" } as never, { repoPath });
  const server = await createFeatureServer({
    project,
    server: { port: 0 },
    registry: await openRegistry(store.config.registry),
    onlineStore: online,
    registryPollIntervalMs: 200,
    maxEntityRows: 10_000,
    transformTimeoutMs: 500,
    logger: silentLogger(),
    telemetry,
  });
  await mountPush(server, {
    project,
    registry: { api: await openRegistry(store.config.registry), pollIntervalMs: 200 },
    online,
    offline,
    logger: silentLogger(),
    featureServer: {
      transformationTimeoutMs: 500,
      offlinePushBatchingEnabled: batching !== undefined,
      offlinePushBatchingBatchSize: batching?.batchSize ?? 1000,
      offlinePushBatchingBatchIntervalSeconds: batching?.intervalSeconds ?? 10,
    },
    telemetry,
  });
  server.onClose(() => offline.close());
  const { port } = await server.listen();
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` });
  return {
    project,
    repoPath,
    store,
    online,
    offline,
    server,
    base: `http://127.0.0.1:${port}`,
    push: createClient(PushService, transport),
    serving: createClient(ServingService, transport),
    async close() {
      await server.shutdown();
      await store.close();
    },
  };
}

/** Counts rows of the Parquet source and its appends, by DuckDB. */
export async function countOfflineRows(repoPath: string, where = "true"): Promise<number> {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  const path = join(repoPath, "data", "stats.parquet");
  const reader = await connection.runAndReadAll(
    `SELECT count(*)::INTEGER FROM (SELECT * FROM read_parquet('${path}') UNION ALL BY NAME SELECT * FROM read_parquet('${path}.larder-appends/*.parquet')) WHERE ${where}`,
  );
  const n = Number(reader.getRowsJS()[0]?.[0] ?? 0);
  connection.closeSync();
  db.closeSync();
  return n;
}

export async function postJson(base: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}
