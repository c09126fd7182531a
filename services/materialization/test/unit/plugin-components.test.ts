import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRepoConfig } from "@larder/core";
import type { OnlineStore } from "@larder/serving";
import { describe, expect, it } from "vitest";
import { engineForConfig } from "../../src/engine/bullmq/engine-for-config.js";
import type { MaterializableView } from "../../src/engine/view-plan.js";
import { createOfflineStore } from "../../src/offline-store/create-offline-store.js";

const OFFLINE = `
export class ListOfflineStore {
  constructor(options, context) { this.options = options; this.context = context; this.closed = false; }
  async *pullLatest() { yield { rowCount: 1, columns: new Map([["driver_id", [1n]]]) }; }
  async *historical() {}
  async validateSource() {}
  async append() { return { appended: 0 }; }
  async close() { this.closed = true; }
}
`;
const ENGINE = `
export function countingEngine(options, context) {
  return {
    runs: [],
    closed: false,
    async materializeView(view, window, onProgress) {
      this.runs.push(view.name);
      let rows = 0;
      for await (const batch of context.offline.pullLatest(view.offline, window)) rows += batch.rowCount;
      onProgress(view.name, rows * options.multiplier);
      return rows * options.multiplier;
    },
    async close() { this.closed = true; },
  };
}
`;

describe("offline store and batch engine plugins", () => {
  it("build through createOfflineStore and engineForConfig with their own options", async () => {
    const repo = mkdtempSync(join(tmpdir(), "larder-engine-plugin-"));
    writeFileSync(join(repo, "offline.mjs"), OFFLINE);
    writeFileSync(join(repo, "engine.mjs"), ENGINE);
    writeFileSync(
      join(repo, "feature_store.yaml"),
      [
        "project: p",
        "offline_store:",
        "  type: ./offline.mjs#ListOfflineStore",
        "  bucket: s3://somewhere",
        "batch_engine:",
        "  type: ./engine.mjs#countingEngine",
        "  multiplier: 2",
      ].join("\n"),
    );
    const config = await loadRepoConfig({ repoPath: repo });
    const offline = createOfflineStore(config.offlineStore, { repoPath: repo }) as unknown as {
      options: unknown;
      context: { repoPath: string };
      closed: boolean;
    } & ReturnType<typeof createOfflineStore>;
    expect(offline.options).toEqual({ bucket: "s3://somewhere" });
    expect(offline.context.repoPath).toBe(repo);

    const online = {} as OnlineStore;
    const batch = engineForConfig(config.batchEngine, { project: "p", offline, online });
    const progress: number[] = [];
    const view = { name: "driver_stats", offline: {} } as unknown as MaterializableView;
    expect(await batch.engine.materializeView(view, { startMs: 0, endMs: 1 }, (_v, n) => progress.push(n))).toBe(2);
    expect(progress).toEqual([2]);
    await batch.close();
    expect((batch.engine as unknown as { closed: boolean }).closed).toBe(true);
    await offline.close();
    expect(offline.closed).toBe(true);
  });

  it("names the missing method of an engine plugin", async () => {
    const repo = mkdtempSync(join(tmpdir(), "larder-engine-plugin-"));
    writeFileSync(join(repo, "engine.mjs"), "export function noEngine() { return { run() {} }; }\n");
    writeFileSync(join(repo, "feature_store.yaml"), "project: p\nbatch_engine: ./engine.mjs#noEngine\n");
    const config = await loadRepoConfig({ repoPath: repo });
    expect(() =>
      engineForConfig(config.batchEngine, { project: "p", offline: {} as never, online: {} as never }),
    ).toThrow(/does not implement BatchEngine: missing method materializeView/);
  });
});
