import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { larder, spawnLarder } from "../harness/larder-cli.js";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.js";
import type { SpawnedProcess } from "../harness/processes.js";

let db: TestDatabase;
let registryServer: SpawnedProcess | undefined;
let registryServerPort = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  // A RegistryServer over its own SQLite registry, for the remote variant.
  const serverRepo = mkdtempSync(join(tmpdir(), "larder-regserver-"));
  writeFileSync(join(serverRepo, "feature_store.yaml"), "project: registry_host\nregistry: data/registry.db\n");
  registryServer = spawnLarder(["-c", serverRepo, "serve-registry", "--port", "0"]);
  const match = await registryServer.waitFor(/listening on [^:]+:(\d+)/);
  registryServerPort = Number(match[1]);
});

afterAll(async () => {
  await registryServer?.stop();
  await db.drop();
});

const REGISTRIES: Array<[string, () => string]> = [
  ["SQLite", () => "registry: data/registry.db"],
  ["a file", () => "registry:\n  registry_type: file\n  path: data/registry.pb"],
  ["PostgreSQL", () => `registry:\n  registry_type: sql\n  path: ${db.url}`],
  ["a RegistryServer", () => `registry:\n  registry_type: remote\n  path: 127.0.0.1:${registryServerPort}`],
];

async function ok(args: string[], cwd: string): Promise<string> {
  const result = await larder(args, { cwd });
  if (result.code !== 0) throw new Error(`larder ${args.join(" ")} exited ${String(result.code)}\n${result.stderr}`);
  return result.stdout;
}

describe.each(REGISTRIES)("larder CLI against %s", (_name, registryYaml) => {
  it("runs init → plan → apply → list/describe → update → delete → teardown", async () => {
    const root = mkdtempSync(join(tmpdir(), "larder-cli-"));
    expect(await ok(["init", "demo"], root)).toContain('Created feature repo "demo"');
    const repo = join(root, "demo");
    const yamlPath = join(repo, "feature_store.yaml");
    writeFileSync(yamlPath, readFileSync(yamlPath, "utf8").replace("registry: data/registry.db", registryYaml()));

    const plan = await ok(["plan"], repo);
    expect(plan).toContain("+ entity driver");
    expect(plan).toContain("+ feature view driver_hourly_stats");
    expect(plan).toContain("Plan: 10 to create, 0 to update, 0 to delete, 0 unchanged.");

    const applied = await ok(["apply"], repo);
    expect(applied).toContain("Created entity driver");
    expect(applied).toContain("Created feature view driver_hourly_stats");
    expect(applied).toContain("Created on demand feature view transformed_conv_rate");
    expect(applied).toContain("Created feature service driver_activity_v1");
    expect(await ok(["apply"], repo)).toContain("No changes to registry");

    expect(await ok(["entities", "list"], repo)).toMatch(/driver\s+driver_id\s+INT64/);
    expect(await ok(["feature-views", "list"], repo)).toContain("driver_hourly_stats_fresh");
    expect(await ok(["feature-services", "list"], repo)).toContain("driver_activity_v1  driver_hourly_stats:conv_rate");
    const described = await ok(["feature-views", "describe", "driver_hourly_stats"], repo);
    expect(described).toContain("ttl: 86400s");
    const missing = await larder(["feature-views", "describe", "nope"], { cwd: repo });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('feature view "nope" does not exist');

    // An update (ttl) and a deletion (a feature service).
    const repoFile = join(repo, "driver_repo.ts");
    let source = readFileSync(repoFile, "utf8").replace('ttl: "1d",', 'ttl: "2h",');
    source = source.slice(0, source.indexOf("export const driverActivityV2"));
    writeFileSync(repoFile, source);
    const plan2 = await ok(["plan"], repo);
    expect(plan2).toContain("~ feature view driver_hourly_stats (ttl)");
    expect(plan2).toContain("- feature service driver_activity_v2");
    const applied2 = await ok(["apply"], repo);
    expect(applied2).toContain("Updated feature view driver_hourly_stats");
    expect(applied2).toContain("Deleted feature service driver_activity_v2");
    expect(await ok(["feature-services", "list"], repo)).not.toContain("driver_activity_v2");
    expect(await ok(["feature-views", "describe", "driver_hourly_stats"], repo)).toContain("ttl: 7200s");

    const dump = JSON.parse(await ok(["registry-dump"], repo)) as { featureViews: unknown[] };
    expect(dump.featureViews.length).toBeGreaterThanOrEqual(2);

    expect(await ok(["teardown"], repo)).toContain("Deleted project demo");
    expect(await ok(["feature-views", "list"], repo)).not.toContain("driver_hourly_stats");
  });
});

describe("larder CLI repo loading", () => {
  it("names the file, the object and the field of a definition error, and skips .larderignore", async () => {
    const root = mkdtempSync(join(tmpdir(), "larder-cli-"));
    await ok(["init", "demo"], root);
    const repo = join(root, "demo");
    // Ignored: a broken file under scripts/ (listed in .larderignore).
    mkdirSync(join(repo, "scripts"));
    writeFileSync(join(repo, "scripts", "broken.ts"), "this is not TypeScript (");
    expect(await ok(["plan"], repo)).toContain("+ entity driver");

    writeFileSync(
      join(repo, "bad_view.ts"),
      [
        'import { FeatureView, Field, types } from "@larder/sdk";',
        'import { driver, driverStatsSource } from "./driver_repo.js";',
        "export const bad = new FeatureView({",
        '  name: "bad_view", entities: [driver], ttl: "3x", source: driverStatsSource,',
        '  schema: [new Field({ name: "x", dtype: types.Int64 })],',
        "});",
      ].join("\n"),
    );
    const result = await larder(["apply"], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("bad_view.ts");
    expect(result.stderr).toContain('"bad_view"');
    expect(result.stderr).toContain('"ttl"');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("refuses unknown keys in feature_store.yaml naming the key path", async () => {
    const root = mkdtempSync(join(tmpdir(), "larder-cli-"));
    await ok(["init", "demo"], root);
    const repo = join(root, "demo");
    writeFileSync(join(repo, "feature_store.yaml"), "project: demo\nonline_store:\n  type: sqlite\n  pathh: x.db\n");
    const result = await larder(["plan"], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("online_store.pathh");
  });
});
