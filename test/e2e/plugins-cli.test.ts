import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { larder, spawnLarder } from "../harness/larder-cli.js";
import { freePort } from "../harness/ports.js";
import { REPO_ROOT, type SpawnedProcess } from "../harness/processes.js";

let root: string;
let repo: string;
let proc: SpawnedProcess | undefined;

afterEach(async () => {
  await proc?.stop(5_000);
  proc = undefined;
});

async function ok(args: string[], cwd = repo): Promise<string> {
  const result = await larder(args, { cwd });
  if (result.code !== 0) throw new Error(`larder ${args.join(" ")} exited ${String(result.code)}\n${result.stderr}`);
  return result.stdout;
}

const LOGGED_SERVICE = `import { FeatureService } from "@larder/sdk";
import { driverHourlyStats } from "./driver_repo.ts";

export const driverLogged = new FeatureService({
  name: "driver_logged",
  features: [driverHourlyStats.select(["conv_rate", "avg_daily_trips"])],
  loggingConfig: { sampleRate: 1, destination: { path: "data/feature_logs/driver_logged" } },
});
`;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "larder-plugins-cli-"));
  await ok(["init", "demo"], root);
  repo = join(root, "demo");
  mkdirSync(join(repo, "plugins"));
  for (const file of ["json-online-store.ts", "json-provider.ts"]) {
    copyFileSync(join(REPO_ROOT, "examples/plugins", file), join(repo, "plugins", file));
  }
  writeFileSync(join(repo, "logged_service.ts"), LOGGED_SERVICE);
  writeFileSync(
    join(repo, "feature_store.yaml"),
    [
      "project: driver_ranking",
      "provider: ./plugins/json-provider.ts#jsonProvider",
      "registry: data/registry.db",
      "feature_server:",
      "  feature_logging:",
      "    enabled: true",
      "    write_to_disk_interval_secs: 600",
      "",
    ].join("\n"),
  );
});

describe("plugins and feature logging through the CLI", () => {
  it("applies, materializes into the example JSON online store and serves from it; logs served features", async () => {
    expect(await ok(["apply"])).toContain("Created feature service driver_logged");
    const end = new Date();
    const start = new Date(end.getTime() - 2 * 24 * 3_600_000);
    await ok(["materialize", start.toISOString(), end.toISOString(), "-v", "driver_hourly_stats"]);
    // The provider's default online store is the JSON plugin, at data/<project>-online.json.
    const file = join(repo, "data/driver_ranking-online.json");
    expect(existsSync(file)).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")) as object)).toEqual([
      "driver_ranking/driver_hourly_stats",
    ]);
    expect(existsSync(join(repo, "data/online.db"))).toBe(false);

    const port = await freePort();
    proc = spawnLarder(["serve", "--port", String(port)], { cwd: repo });
    await proc.waitFor(/Feature server listening/, 60_000);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/get-online-features`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ feature_service: "driver_logged", entities: { driver_id: [1001, 1002] } }),
      });
      expect(res.status).toBe(200);
      const json = (await res.json()) as { results: Array<{ values: unknown[]; statuses: string[] }> };
      expect(json.results[1]?.statuses).toEqual(["PRESENT", "PRESENT"]);
      expect(typeof json.results[1]?.values[0]).toBe("number");
    }
    // SIGTERM: the queued logs are written before the process exits.
    expect(await proc.stop(10_000)).toEqual({ code: 0, signal: null });
    proc = undefined;

    const date = new Date().toISOString().slice(0, 10);
    const listed = await ok(["feature-logs", "list", "driver_logged"]);
    expect(listed).toContain("sample rate 1, file");
    expect(listed).toContain(`${date}  6 rows  1 files`);
    expect(await ok(["feature-logs", "read", "driver_logged", "--output", "entities.parquet"], repo)).toContain(
      "Wrote 6 rows",
    );
    const training = await ok(
      [
        "get-historical-features",
        "--entities",
        "entities.parquet",
        "--feature-service",
        "driver_logged",
        "--output",
        "train.csv",
      ],
      repo,
    );
    expect(training).toContain("Wrote 6 rows");
    const csv = readFileSync(join(repo, "train.csv"), "utf8").trim().split(/\r?\n/);
    expect(csv[0]).toBe("driver_id,event_timestamp,__request_id,conv_rate,avg_daily_trips");
    expect(csv.slice(1).every((line) => !line.endsWith(",,"))).toBe(true);
  });

  it("fails at start-up naming the method a plugin store lacks", async () => {
    const broken = join(root, "broken");
    mkdirSync(broken);
    writeFileSync(
      join(broken, "store.ts"),
      "export class HalfStore { healthy = true; async read() { return []; } async write() { return { written: 0, skipped: 0 }; } }\n",
    );
    writeFileSync(
      join(broken, "feature_store.yaml"),
      "project: broken\nonline_store:\n  type: ./store.ts#HalfStore\n  path: data/x.json\n",
    );
    const result = await larder(["serve", "--port", "0"], { cwd: broken });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /online_store.type "\.\/store\.ts#HalfStore" does not implement OnlineStore: missing method deleteView/,
    );
  });
});
