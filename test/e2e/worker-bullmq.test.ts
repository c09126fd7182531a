import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { writeDriverStats } from "../../cli/src/example-data.js";
import { larder, spawnLarder } from "../harness/larder-cli.js";
import { REPO_ROOT, type SpawnedProcess } from "../harness/processes.js";
import { startPrivateRedis, type PrivateRedis } from "../harness/redis.js";

const DRIVERS = 6_000;
const END = new Date(Date.UTC(2024, 0, 2));
const START = new Date(END.getTime() - 3 * 3_600_000);
const RANGE = [START.toISOString(), END.toISOString()];

let redis: PrivateRedis | undefined;
let root: string | undefined;
const spawned: SpawnedProcess[] = [];

afterEach(async () => {
  await Promise.all(spawned.splice(0).map((p) => p.stop(2_000)));
  await redis?.stop();
  redis = undefined;
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

async function ok(args: string[], cwd: string): Promise<string> {
  const result = await larder(args, { cwd });
  if (result.code !== 0) throw new Error(`larder ${args.join(" ")} exited ${String(result.code)}\n${result.stderr}`);
  return result.stdout;
}

/** Every row of every table of a SQLite online store, as comparable text. */
function dumpOnlineStore(path: string): Record<string, string[]> {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all();
    const dump: Record<string, string[]> = {};
    for (const { name } of tables) {
      const rows = db
        .prepare<[], Record<string, unknown>>(
          `SELECT hex(entity_key) AS k, feature_name AS f, hex(value) AS v, event_ts AS e, created_ts AS c` +
            ` FROM "${name}" ORDER BY entity_key, feature_name`,
        )
        .all();
      dump[name] = rows.map((r) => `${String(r.k)} ${String(r.f)} ${String(r.v)} ${String(r.e)} ${String(r.c)}`);
    }
    return dump;
  } finally {
    db.close();
  }
}

describe("larder worker (bullmq batch engine)", () => {
  it("finishes a run after a worker is killed mid-run, with the online store the local engine writes", async () => {
    redis = await startPrivateRedis();
    root = mkdtempSync(join(tmpdir(), "larder-worker-"));
    const repo = join(root, "demo");
    cpSync(join(REPO_ROOT, "examples", "driver_stats"), repo, { recursive: true }); // what `init` copies
    await writeDriverStats(join(repo, "data", "driver_stats.parquet"), { end: END, days: 1, drivers: DRIVERS });
    const local = join(root, "local");
    cpSync(repo, local, { recursive: true });
    const yamlPath = join(repo, "feature_store.yaml");
    writeFileSync(
      yamlPath,
      readFileSync(yamlPath, "utf8") +
        [
          "batch_engine:",
          "  type: bullmq",
          `  redis_url: ${redis.url}`,
          `  queue_name: e2e-${process.pid}-${Date.now()}`,
          "  shards_per_view: 8",
          "  write_rate_limit_rows_per_second: 2000",
          "  backoff_ms: 100",
          "",
        ].join("\n"),
    );
    await Promise.all([ok(["apply"], repo), ok(["apply"], local)]);

    const workerArgs = ["worker", "--stalled-interval-ms", "1000", "--lock-duration-ms", "2000"];
    const workers = [spawnLarder(workerArgs, { cwd: repo }), spawnLarder(workerArgs, { cwd: repo })];
    spawned.push(...workers);
    await Promise.all(workers.map((w) => w.waitFor(/Worker ready \(queue e2e-/)));

    const started = Date.now();
    const run = spawnLarder(["materialize", ...RANGE], { cwd: repo });
    spawned.push(run);
    await run.waitFor(/rows written/, 30_000);
    workers[0]!.signal("SIGKILL");
    expect((await workers[0]!.exited).signal).toBe("SIGKILL");
    const { code } = await run.exited;
    const elapsedMs = Date.now() - started;
    expect(code, run.stderr()).toBe(0);
    expect(run.stdout()).toContain(`Materialized ${2 * DRIVERS} rows into 2 feature views`);
    expect(run.stderr()).toMatch(/shard stalled/);

    const localOut = await ok(["materialize", ...RANGE], local);
    expect(localOut).toContain(`Materialized ${2 * DRIVERS} rows into 2 feature views`);
    const expected = dumpOnlineStore(join(local, "data", "online.db"));
    const actual = dumpOnlineStore(join(repo, "data", "online.db"));
    expect(Object.keys(expected).length).toBe(2);
    for (const rows of Object.values(expected)) expect(rows.length).toBe(DRIVERS * 3);
    expect(actual).toEqual(expected);

    const survivor = workers[1]!;
    survivor.signal("SIGTERM");
    expect((await survivor.exited).code).toBe(0);
    expect(survivor.stdout()).toContain("Worker stopped");
    console.log(`worker e2e: ${2 * DRIVERS} rows, 16 shards, one worker killed, run took ${elapsedMs} ms`);
  });
});
