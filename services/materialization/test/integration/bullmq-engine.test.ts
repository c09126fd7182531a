import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEFAULT_BULLMQ_BATCH_ENGINE_CONFIG,
  FailedPreconditionError,
  UnavailableError,
  type RepoConfig,
} from "@larder/core";
import { openRegistry, type RegistryApi } from "@larder/registry";
import { FeatureStore } from "@larder/sdk";
import { createOnlineStore, type OnlineStore } from "@larder/serving";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBullmqEngine, type BullmqEngine } from "../../src/engine/bullmq/bullmq-engine.js";
import {
  startMaterializationWorker,
  type MaterializationWorker,
} from "../../src/engine/bullmq/materialization-worker.js";
import { createLocalEngine } from "../../src/engine/local-engine.js";
import { materialize, type MaterializeRequest } from "../../src/materialize.js";
import { createDuckDbOfflineStore } from "../../src/offline-store/duckdb-offline-store.js";
import type { OfflineStore } from "../../src/offline-store/offline-store.js";
import { HOUR, T0, readAllDrivers, statsDefinitions, writeStats } from "./bullmq-fixture.js";

const PROJECT = "bullmq_it";
const REDIS_URL = "redis://127.0.0.1:6379";
const DRIVERS = 2_000;
const HOURS = 5;
const QUEUE = `larder-it-${randomUUID()}`;
// Hours 0..3 are inside the window, hour 4 is after it.
const WINDOW: MaterializeRequest = { kind: "range", startMs: T0, endMs: T0 + 3 * HOUR, views: [] };

let repoPath: string;
let config: RepoConfig;
let registry: RegistryApi;
const closers: Array<() => Promise<void>> = [];
const localOnline = (): OnlineStore => createOnlineStore({ type: "sqlite", path: join(repoPath, "data/local.db") });
const sharedOnline = (): OnlineStore => createOnlineStore({ type: "sqlite", path: join(repoPath, "data/bullmq.db") });

function opened<T extends { close(): Promise<void> }>(resource: T): T {
  closers.push(() => resource.close());
  return resource;
}

async function startWorkers(count: number): Promise<MaterializationWorker[]> {
  const workers: MaterializationWorker[] = [];
  for (let i = 0; i < count; i++) {
    const worker = await startMaterializationWorker({
      redisUrl: REDIS_URL,
      queueName: QUEUE,
      registry: opened(await openRegistry(config.registry)),
      offline: opened(createDuckDbOfflineStore({ repoPath })),
      online: opened(sharedOnline()),
      stalledIntervalMs: 1_000,
      lockDurationMs: 2_000,
      batchRows: 500,
    });
    workers.push(worker);
    closers.unshift(() => worker.close());
  }
  return workers;
}

function bullmqEngine(): BullmqEngine {
  return opened(
    createBullmqEngine({
      config: { ...DEFAULT_BULLMQ_BATCH_ENGINE_CONFIG, queueName: QUEUE, shardsPerView: 4, backoffMs: 50 },
      project: PROJECT,
      pollIntervalMs: 200,
    }),
  );
}

beforeAll(async () => {
  repoPath = await mkdtemp(join(tmpdir(), "larder-bullmq-"));
  await writeStats(join(repoPath, "data/stats.parquet"), DRIVERS, HOURS);
  const store = await FeatureStore.open({ config: { project: PROJECT, registry: "data/registry.db" }, repoPath });
  await store.apply(statsDefinitions());
  config = store.config;
  await store.close();
  registry = opened(await openRegistry(config.registry));
  await startWorkers(2);
});

afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
  const queue = new Queue(QUEUE, { connection: { url: REDIS_URL } });
  await queue.obliterate({ force: true });
  await queue.close();
  await rm(repoPath, { recursive: true, force: true });
});

describe("bullmq batch engine", () => {
  it("materializes sharded runs on two workers exactly as the local engine does", async () => {
    const offline: OfflineStore = opened(createDuckDbOfflineStore({ repoPath }));
    const local = opened(localOnline());
    const views = ["driver_stats", "pair_stats"];
    const localResults = await materialize(
      { project: PROJECT, registry, engine: createLocalEngine(offline, local) },
      { ...WINDOW, views },
    );
    const progress: number[] = [];
    const started = Date.now();
    const results = await materialize(
      { project: PROJECT, registry, engine: bullmqEngine() },
      { ...WINDOW, views },
      { onProgress: (_view, rows) => progress.push(rows) },
    );
    const elapsedMs = Date.now() - started;
    expect(results.map((r) => [r.view, r.rows])).toEqual(localResults.map((r) => [r.view, r.rows]));
    expect(results.map((r) => r.rows)).toEqual([DRIVERS, DRIVERS]);
    expect(progress.length).toBeGreaterThan(0);
    const remote = opened(sharedOnline());
    for (const view of views) {
      const expected = await readAllDrivers(local, registry, PROJECT, view, DRIVERS);
      const actual = await readAllDrivers(remote, registry, PROJECT, view, DRIVERS);
      expect(expected.filter((row) => row !== undefined)).toHaveLength(DRIVERS);
      expect(expected.every((row) => row?.eventTimeMs === T0 + 3 * HOUR)).toBe(true);
      expect(actual).toEqual(expected);
    }
    console.log(`bullmq: ${results.length} views × 4 shards, ${2 * DRIVERS} rows in ${elapsedMs} ms`);
  });

  it("counts every shard's rows when its state is re-read while the shard completes", async () => {
    // Re-reading states every millisecond makes a poll overlap most completions: a poll that read the
    // job before it completed and its state after once counted the shard as 0 rows.
    const engine = opened(
      createBullmqEngine({
        config: { ...DEFAULT_BULLMQ_BATCH_ENGINE_CONFIG, queueName: QUEUE, shardsPerView: 16, backoffMs: 50 },
        project: PROJECT,
        pollIntervalMs: 1,
      }),
    );
    for (let run = 0; run < 3; run++) {
      const results = await materialize(
        { project: PROJECT, registry, engine },
        { ...WINDOW, views: ["driver_stats", "pair_stats"] },
      );
      expect(results.map((r) => r.rows)).toEqual([DRIVERS, DRIVERS]);
    }
  });

  it("rejects the run when a shard fails for good, naming the view and shard, and records no interval", async () => {
    const run = materialize({ project: PROJECT, registry, engine: bullmqEngine() }, { ...WINDOW, views: ["broken"] });
    await expect(run).rejects.toBeInstanceOf(FailedPreconditionError);
    await expect(run).rejects.toThrow(/feature view "broken" failed in shard .*bucket \d of 4.*after 1 attempt/);
    const snapshot = await registry.snapshot();
    const broken = snapshot.featureViews.find((v) => v.spec?.name === "broken");
    expect(broken?.meta?.materializationIntervals ?? []).toEqual([]);
  });

  it("stops waiting and removes its queued shards when the caller aborts", async () => {
    const idle = `${QUEUE}-idle`; // a queue no worker serves
    const engine = opened(
      createBullmqEngine({
        config: { ...DEFAULT_BULLMQ_BATCH_ENGINE_CONFIG, queueName: idle, shardsPerView: 4 },
        project: PROJECT,
      }),
    );
    const queue = new Queue(idle, { connection: { url: REDIS_URL } });
    try {
      const controller = new AbortController();
      const run = materialize(
        { project: PROJECT, registry, engine },
        { ...WINDOW, views: ["driver_stats"] },
        {},
        controller.signal,
      );
      await expect.poll(() => queue.getWaitingCount()).toBe(4);
      controller.abort();
      await expect(run).rejects.toThrow(/cancelled/);
      expect(await queue.getJobCounts("waiting", "delayed", "active")).toEqual({ waiting: 0, delayed: 0, active: 0 });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it("fails UNAVAILABLE, without hanging, when Redis cannot be reached", async () => {
    const engine = createBullmqEngine({
      config: { ...DEFAULT_BULLMQ_BATCH_ENGINE_CONFIG, redisUrl: "redis://127.0.0.1:1", queueName: QUEUE },
      project: PROJECT,
      connectTimeoutMs: 500,
    });
    const run = materialize({ project: PROJECT, registry, engine }, { ...WINDOW, views: ["driver_stats"] });
    await expect(run).rejects.toBeInstanceOf(UnavailableError);
    await engine.close();
  });
});
