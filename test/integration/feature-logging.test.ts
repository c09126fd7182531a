import { existsSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { DuckDBInstance } from "@duckdb/node-api";
import {
  DEFAULT_FEATURE_SERVER_CONFIG,
  silentLogger,
  validateOfflineStoreConfig,
  type FeatureLoggingConfig,
  type LarderServer,
  type OfflineStoreConfig,
} from "@larder/core";
import { ServingService } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { createOfflineStore, getHistoricalFeatures, writeHistoricalOutput } from "@larder/materialization";
import { openRegistry } from "@larder/registry";
import { Entity, FeatureService, FeatureStore, FeatureView, Field, FileSource, ValueType, types } from "@larder/sdk";
import {
  createFeatureServer,
  createOnlineStore,
  listFeatureLogs,
  readFeatureLogs,
  requireLogTarget,
  serializeEntityKey,
  type FeatureLogger,
} from "@larder/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytes, v } from "../../services/serving/test/serving-fixture.js";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.js";

const PROJECT = "logging";
const HOUR = 3_600_000;
const now = Date.now();
const DRIVERS = [1001, 1002, 1003];
const CONV = new Map([
  [1001, 0.5],
  [1002, 0.25],
  [1003, 0.125],
]);
let repoPath: string;
let store: FeatureStore;
let database: TestDatabase;
let pgOffline: OfflineStoreConfig;

function definitions() {
  const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 });
  const source = new FileSource({ name: "stats", path: "data/stats.parquet", timestampField: "event_timestamp" });
  const stats = new FeatureView({
    name: "driver_stats",
    entities: [driver],
    ttl: "1d",
    schema: [new Field({ name: "conv_rate", dtype: types.Float32 }), new Field({ name: "trips", dtype: types.Int64 })],
    source,
  });
  const service = (name: string, sampleRate: number, destination: { path: string } | { table: string }) =>
    new FeatureService({ name, features: [stats], loggingConfig: { sampleRate, destination } });
  return [
    driver,
    stats,
    service("logged_all", 1, { path: "logs/all" }),
    service("logged_tenth", 0.1, { path: "logs/tenth" }),
    service("logged_load", 1, { path: "logs/load" }),
    service("logged_pg", 1, { table: "served_features" }),
    new FeatureService({ name: "unlogged", features: [stats] }),
  ];
}

beforeAll(async () => {
  repoPath = mkdtempSync(join(tmpdir(), "larder-feature-logging-"));
  const duck = await DuckDBInstance.create(":memory:");
  const db = await duck.connect();
  await db.run("SET TimeZone = 'UTC'");
  mkdirSync(join(repoPath, "data"), { recursive: true });
  // Two rows per driver: an old one and the one the online store holds (an hour ago).
  const rows = DRIVERS.flatMap((id) => [
    `(${id}, epoch_ms(${now - 5 * HOUR}), 0.9::FLOAT, 1)`,
    `(${id}, epoch_ms(${now - HOUR}), ${CONV.get(id)}::FLOAT, ${id - 1000})`,
  ]);
  await db.run(
    `COPY (SELECT * FROM (VALUES ${rows.join(", ")}) t(driver_id, event_timestamp, conv_rate, trips)) TO '${join(repoPath, "data/stats.parquet")}' (FORMAT parquet)`,
  );
  db.closeSync();
  duck.closeSync();
  store = await FeatureStore.open({ config: { project: PROJECT, registry: "data/registry.db" }, repoPath });
  await store.apply(definitions());
  const online = createOnlineStore({ type: "sqlite", path: join(repoPath, "data/online.db") });
  await online.ready();
  await online.write(
    { project: PROJECT, name: "driver_stats", joinKeys: ["driver_id"], features: ["conv_rate", "trips"] },
    DRIVERS.map((id) => ({
      entityKey: serializeEntityKey(["driver_id"], [v.int64(id)]),
      eventTimeMs: now - HOUR,
      values: [bytes(v.float(CONV.get(id) ?? 0)), bytes(v.int64(id - 1000))],
    })),
  );
  await online.close();
  database = await createTestDatabase();
  pgOffline = validateOfflineStoreConfig({ type: "postgres", url: database.url }, { provider: "local" });
});

afterAll(async () => {
  await store.close();
  await database.drop();
});

async function startServer(logging: Partial<FeatureLoggingConfig>) {
  let logger: FeatureLogger | undefined;
  const server: LarderServer = await createFeatureServer({
    project: PROJECT,
    server: { host: "127.0.0.1", port: 0 },
    registry: await openRegistry({
      type: "sql",
      dialect: "sqlite",
      url: `sqlite:///${join(repoPath, "data/registry.db")}`,
      path: join(repoPath, "data/registry.db"),
      cacheTtlSeconds: 60,
      pollIntervalSeconds: 5,
    }),
    onlineStore: createOnlineStore({ type: "sqlite", path: join(repoPath, "data/online.db") }),
    registryPollIntervalMs: 60_000,
    maxEntityRows: 1000,
    transformTimeoutMs: 100,
    logger: silentLogger(),
    featureLogging: {
      config: { ...DEFAULT_FEATURE_SERVER_CONFIG.featureLogging, enabled: true, ...logging },
      repoPath,
      offlineStore: pgOffline,
      onCreated: (created) => (logger = created),
    },
  });
  const { port } = await server.listen();
  if (logger === undefined) throw new Error("the feature logger was not created");
  return { server, logger, base: `http://127.0.0.1:${port}` };
}

async function rest(base: string, service: string, ids: readonly number[], requestId?: string) {
  const res = await fetch(`${base}/get-online-features`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(requestId === undefined ? {} : { "x-request-id": requestId }) },
    body: JSON.stringify({ feature_service: service, entities: { driver_id: ids } }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { results: { values: unknown[] }[] };
}

async function readRows(path: string): Promise<Record<string, unknown>[]> {
  const duck = await DuckDBInstance.create(":memory:");
  const db = await duck.connect();
  try {
    await db.run("SET TimeZone = 'UTC'");
    const reader = await db.runAndReadAll(`SELECT * FROM '${path}'`);
    return reader.getRowObjectsJS();
  } finally {
    db.closeSync();
    duck.closeSync();
  }
}

async function targetOf(service: string) {
  return requireLogTarget(await store.snapshot(), PROJECT, service, repoPath);
}

describe("feature logging on the FeatureServer", () => {
  it("logs every response at sample rate 1 (REST and gRPC), writes it on shutdown and reads back as training data", async () => {
    const { server, logger, base } = await startServer({ writeToDiskIntervalSeconds: 3600 });
    for (let i = 0; i < 20; i++) await rest(base, "logged_all", DRIVERS, i === 0 ? "first-request" : undefined);
    await rest(base, "unlogged", DRIVERS);
    const client = createClient(ServingService, createGrpcTransport({ baseUrl: base }));
    for (let i = 0; i < 5; i++) {
      await client.getOnlineFeatures({
        kind: { case: "featureService", value: "logged_all" },
        entities: { driver_id: { val: [v.int64(1001)] } },
      });
    }
    // Nothing is written before the interval or shutdown: the queue holds it.
    expect(existsSync(join(repoPath, "logs/all"))).toBe(false);
    expect(logger.stats.queued).toBe(25);
    await server.shutdown();
    expect(logger.stats).toMatchObject({ queued: 0, dropped: 0, failed: 0, writtenRows: 20 * 3 + 5 });

    const date = new Date().toISOString().slice(0, 10);
    expect(readdirSync(join(repoPath, "logs/all"))).toEqual([`__log_date=${date}`]);
    const target = await targetOf("logged_all");
    expect(await listFeatureLogs(target)).toEqual([{ date, rows: 65, files: 1 }]);

    const all = join(repoPath, "all.parquet");
    expect(await readFeatureLogs(target, all, { allColumns: true })).toBe(65);
    const logged = await readRows(all);
    const first = logged.find((row) => row.__request_id === "first-request" && row.driver_id === 1002n);
    expect(first).toMatchObject({ trips: 2n, conv_rate__status: "PRESENT", trips__status: "PRESENT" });
    expect(first?.conv_rate).toBeCloseTo(0.25);
    expect((first?.conv_rate__timestamp as Date).getTime()).toBe(now - HOUR);
    expect(new Set(logged.map((row) => row.__request_id)).size).toBe(25);

    // Read back as an entity table and join the features as of the serving time.
    const entities = join(repoPath, "entities.parquet");
    expect(await readFeatureLogs(target, entities)).toBe(65);
    expect(Object.keys((await readRows(entities))[0] ?? {})).toEqual(["driver_id", "event_timestamp", "__request_id"]);
    const offline = createOfflineStore({ type: "file" }, { repoPath });
    try {
      const result = getHistoricalFeatures(
        { offline, registry: await store.snapshot(), project: PROJECT },
        { entities: { kind: "file", path: entities }, kind: { featureService: "logged_all" }, fullFeatureNames: false },
      );
      const out = join(repoPath, "training.parquet");
      expect((await writeHistoricalOutput(out, result, result.typeOf, result.outputOrder)).rows).toBe(65);
      for (const row of await readRows(out)) {
        const id = Number(row.driver_id);
        expect(row.conv_rate).toBeCloseTo(CONV.get(id) ?? NaN);
        expect(row.trips).toBe(BigInt(id - 1000));
      }
    } finally {
      await offline.close();
    }
  });

  it("logs about a tenth of responses at sample rate 0.1", async () => {
    const { server, logger, base } = await startServer({ writeToDiskIntervalSeconds: 3600 });
    const n = 1000;
    for (let i = 0; i < n; i += 50) {
      await Promise.all(Array.from({ length: 50 }, () => rest(base, "logged_tenth", [1001])));
    }
    await server.shutdown();
    // Binomial(1000, 0.1): mean 100, sd 9.5; the bounds are ±5 sd.
    expect(logger.stats.writtenRows).toBeGreaterThan(52);
    expect(logger.stats.writtenRows).toBeLessThan(148);
    const rows = (await listFeatureLogs(await targetOf("logged_tenth"))).reduce((sum, p) => sum + p.rows, 0);
    expect(rows).toBe(logger.stats.writtenRows);
  });

  it("drops and counts responses when the queue is full, and serving is unaffected", async () => {
    const { server, logger, base } = await startServer({ queueCapacity: 8, writeToDiskIntervalSeconds: 3600 });
    const n = 400;
    const results = await Promise.all(Array.from({ length: n }, () => rest(base, "logged_load", DRIVERS)));
    for (const body of results) {
      // Columns: driver_id, conv_rate, trips; values are as stored.
      expect(body.results[1]?.values).toEqual([0.5, 0.25, 0.125]);
    }
    await server.shutdown();
    const { dropped, writtenRows, failed } = logger.stats;
    expect(failed).toBe(0);
    expect(dropped).toBeGreaterThan(0);
    expect(dropped + writtenRows / DRIVERS.length).toBe(n);
    expect(logger.droppedRecords).toBe(dropped);
  });

  it("logs to a PostgreSQL table of the offline store's database and reads it back", async () => {
    const { server, logger, base } = await startServer({ writeToDiskIntervalSeconds: 1 });
    for (let i = 0; i < 10; i++) await rest(base, "logged_pg", DRIVERS);
    // The interval writes without a shutdown.
    await expect.poll(() => logger.stats.writtenRows, { timeout: 5000 }).toBe(30);
    await server.shutdown();
    const target = await targetOf("logged_pg");
    const date = new Date().toISOString().slice(0, 10);
    expect(await listFeatureLogs(target, pgOffline)).toEqual([{ date, rows: 30, files: 0 }]);
    const entities = join(repoPath, "pg-entities.csv");
    expect(await readFeatureLogs(target, entities, {}, pgOffline)).toBe(30);
    const rows = await readRows(entities);
    expect(rows.map((row) => Number(row.driver_id)).sort()).toEqual(
      DRIVERS.flatMap((id) => Array<number>(10).fill(id)).sort(),
    );
    const all = join(repoPath, "pg-all.parquet");
    await readFeatureLogs(target, all, { allColumns: true }, pgOffline);
    const full = await readRows(all);
    expect(full[0]).toMatchObject({ trips__status: "PRESENT", conv_rate__status: "PRESENT" });
  });
});
