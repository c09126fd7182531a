import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRegistry, type RegistryApi } from "@larder/registry";
import { FeatureStore } from "@larder/sdk";
import { createOnlineStore, type OnlineStore } from "@larder/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRowRateLimiter } from "../../src/engine/bullmq/rate-limiter.js";
import { runShard, type ShardDeps } from "../../src/engine/bullmq/shard-runner.js";
import type { ShardData } from "../../src/engine/bullmq/shard.js";
import { createDuckDbOfflineStore } from "../../src/offline-store/duckdb-offline-store.js";
import type { OfflineStore } from "../../src/offline-store/offline-store.js";
import { HOUR, T0, readAllDrivers, statsDefinitions, writeStats } from "./bullmq-fixture.js";

const PROJECT = "shard_runner_it";
const DRIVERS = 1_000;
const BATCH_ROWS = 250; // four batches for the whole view
const SHARD: ShardData = {
  runId: "r1",
  project: PROJECT,
  view: "driver_stats",
  startMs: T0,
  endMs: T0 + 3 * HOUR,
  slice: { index: 0, count: 1 },
  bucket: { index: 0, count: 1 },
};

let repoPath: string;
let registry: RegistryApi;
let offline: OfflineStore;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  repoPath = await mkdtemp(join(tmpdir(), "larder-shard-runner-"));
  await writeStats(join(repoPath, "data/stats.parquet"), DRIVERS, 4);
  const store = await FeatureStore.open({ config: { project: PROJECT, registry: "data/registry.db" }, repoPath });
  await store.apply(statsDefinitions());
  const config = store.config;
  await store.close();
  registry = await openRegistry(config.registry);
  offline = createDuckDbOfflineStore({ repoPath });
  closers.push(
    () => registry.close(),
    () => offline.close(),
  );
});

afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
  await rm(repoPath, { recursive: true, force: true });
});

/** A real SQLite online store whose writes pass through `around` (to hold or fail one). */
function sqliteStore(name: string, around: (write: () => Promise<unknown>, index: number) => Promise<unknown>) {
  const store = createOnlineStore({ type: "sqlite", path: join(repoPath, `data/${name}.db`) });
  closers.push(() => store.close());
  let writes = 0;
  const wrapped: OnlineStore = {
    read: (requests, signal) => store.read(requests, signal),
    write: (view, rows) => around(() => store.write(view, rows), writes++) as ReturnType<OnlineStore["write"]>,
    deleteView: (view) => store.deleteView(view),
    teardown: (views) => store.teardown(views),
    ready: () => store.ready(),
    get healthy() {
      return store.healthy;
    },
    close: () => store.close(),
  };
  return { store, wrapped };
}

/** The real offline store, telling `onBatch` each time a batch has been read. */
function observedOffline(onBatch: (index: number) => void): OfflineStore {
  return {
    ...offline,
    async *pullLatest(view, window, options) {
      let index = 0;
      for await (const batch of offline.pullLatest(view, window, options)) {
        onBatch(index++);
        yield batch;
      }
    },
  };
}

function deps(online: OnlineStore, offlineStore: OfflineStore): ShardDeps {
  return { registry, offline: offlineStore, online, limiter: createRowRateLimiter(0), batchRows: BATCH_ROWS };
}

describe("runShard", () => {
  it("reads the next batch while the previous one is written, and writes every row", async () => {
    let secondBatchRead!: () => void;
    const secondRead = new Promise<void>((resolve) => (secondBatchRead = resolve));
    let overlapped = false;
    const { store, wrapped } = sqliteStore("overlap", async (write, index) => {
      if (index === 0) {
        // The first write holds until the second batch is read (or gives up after 5 s if it never is).
        const read = await Promise.race([
          secondRead.then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000)),
        ]);
        overlapped = read;
      }
      return write();
    });
    const progress: number[] = [];
    const rows = await runShard(
      SHARD,
      deps(
        wrapped,
        observedOffline((index) => index === 1 && secondBatchRead()),
      ),
      (written) => {
        progress.push(written);
        return Promise.resolve();
      },
    );
    expect(overlapped).toBe(true);
    expect(rows).toBe(DRIVERS);
    expect(progress).toEqual([250, 500, 750, 1_000]);
    const stored = await readAllDrivers(store, registry, PROJECT, "driver_stats", DRIVERS);
    expect(stored.every((row) => row?.eventTimeMs === T0 + 3 * HOUR)).toBe(true);
  });

  it("fails with the write's error when a write fails while the next batch is read", async () => {
    const failure = new Error("the online store went away");
    const { wrapped } = sqliteStore("failing", async (write, index) => {
      if (index === 1) throw failure;
      return write();
    });
    let batchesRead = 0;
    const run = runShard(
      SHARD,
      deps(
        wrapped,
        observedOffline(() => batchesRead++),
      ),
      () => Promise.resolve(),
    );
    await expect(run).rejects.toBe(failure);
    expect(batchesRead).toBeLessThan(4); // it stopped reading instead of draining the shard
  });
});
