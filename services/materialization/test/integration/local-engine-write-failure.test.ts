import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRegistry, type RegistryApi } from "@larder/registry";
import { FeatureStore } from "@larder/sdk";
import { createOnlineStore, type OnlineStore } from "@larder/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalEngine } from "../../src/engine/local-engine.js";
import { viewsToMaterialize } from "../../src/engine/view-plan.js";
import { createDuckDbOfflineStore } from "../../src/offline-store/duckdb-offline-store.js";
import type { OfflineStore } from "../../src/offline-store/offline-store.js";
import { HOUR, T0, statsDefinitions, writeStats } from "./bullmq-fixture.js";

const PROJECT = "local_engine_failure";
const DRIVERS = 1_000;

let repoPath: string;
let registry: RegistryApi;
let offline: OfflineStore;
let online: OnlineStore;

beforeAll(async () => {
  repoPath = await mkdtemp(join(tmpdir(), "larder-local-engine-"));
  await writeStats(join(repoPath, "data/stats.parquet"), DRIVERS, 4);
  const store = await FeatureStore.open({ config: { project: PROJECT, registry: "data/registry.db" }, repoPath });
  await store.apply(statsDefinitions());
  const config = store.config;
  await store.close();
  registry = await openRegistry(config.registry);
  offline = createDuckDbOfflineStore({ repoPath });
  online = createOnlineStore({ type: "sqlite", path: join(repoPath, "data/online.db") });
});

afterAll(async () => {
  await online.close();
  await offline.close();
  await registry.close();
  await rm(repoPath, { recursive: true, force: true });
});

describe("local engine", () => {
  it("fails with the write's error when a write fails while the next batch is read (no unhandled rejection)", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const failure = new Error("the online store went away");
      // The real SQLite store, whose first write fails at once while the engine reads the next batch,
      // which the real offline store hands over only after a pause.
      const failing: OnlineStore = { ...online, write: () => Promise.reject(failure) };
      const slowOffline: OfflineStore = {
        ...offline,
        async *pullLatest(view, window, options) {
          for await (const batch of offline.pullLatest(view, window, options)) {
            yield batch;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        },
      };
      const [view] = viewsToMaterialize(await registry.snapshot(), PROJECT, ["driver_stats"]);
      const engine = createLocalEngine(slowOffline, failing, { batchRows: 250 });
      await expect(engine.materializeView(view!, { startMs: T0, endMs: T0 + 3 * HOUR }, () => undefined)).rejects.toBe(
        failure,
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
