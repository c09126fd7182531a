import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEAST_PROJECT, PYTHON_UDF, feastRegistryBytes } from "../fixtures/feast-registry.js";
import { larder } from "../harness/larder-cli.js";
import { startS3Server, type S3TestServer } from "../harness/s3-server.js";

const AWS_ENV = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" };

type Json = Record<string, unknown>;
type Dump = Record<string, Json[] | undefined>;

async function ok(args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = await larder(args, { cwd, env });
  if (result.code !== 0) throw new Error(`larder ${args.join(" ")} exited ${String(result.code)}\n${result.stderr}`);
  return result;
}

const specsOf = (dump: Dump, field: string): Json[] =>
  (dump[field] ?? []).map((o) => (field === "dataSources" ? o : (o.spec as Json)));
const byName = (dump: Dump, field: string, name: string): Json | undefined =>
  specsOf(dump, field).find((spec) => spec.name === name);
const names = (dump: Dump, field: string): string[] =>
  specsOf(dump, field)
    .map((spec) => String(spec.name))
    .sort();

let work: string;
let registryFile: string;
let s3: S3TestServer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "larder-import-"));
  registryFile = join(work, "registry.db"); // Feast's default name for its file registry
  writeFileSync(registryFile, feastRegistryBytes());
  s3 = await startS3Server();
  s3.createBucket("feast");
  const client = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  await client.send(new PutObjectCommand({ Bucket: "feast", Key: "prod/registry.pb", Body: feastRegistryBytes() }));
  client.destroy();
});

afterAll(async () => {
  await s3.close();
});

describe("larder import feast", () => {
  let repo: string;
  let stderr: string;

  it("writes a TypeScript feature repo, one file per kind, and lists every part it could not import", async () => {
    repo = join(work, "imported");
    const result = await ok(["import", "feast", registryFile, "--output", repo], work);
    stderr = result.stderr;
    expect(result.stdout).toContain(
      `Imported project ${FEAST_PROJECT}: 2 entities, 4 data sources, 3 feature views, 1 stream feature view, ` +
        "1 on-demand feature view (disabled), 2 feature services, 2 permissions",
    );
    for (const file of [
      "feature_store.yaml",
      "entities.ts",
      "data_sources.ts",
      "feature_views.ts",
      "stream_feature_views.ts",
      "on_demand_feature_views.ts",
      "feature_services.ts",
      "permissions.ts",
      "IMPORT_WARNINGS.md",
    ]) {
      expect(existsSync(join(repo, file)), file).toBe(true);
    }
    expect(readFileSync(join(repo, "feature_views.ts"), "utf8")).toContain('from "@larder/sdk"');

    // The on-demand view: kept with its Python source as a comment, not exported, and warned about.
    const onDemand = readFileSync(join(repo, "on_demand_feature_views.ts"), "utf8");
    for (const line of PYTHON_UDF.split("\n")) expect(onDemand).toContain(`//     ${line}`.trimEnd());
    expect(onDemand).not.toMatch(/^export const/m);
    expect(stderr).toMatch(/Warning: feast_proj: on-demand feature view "driver_ratio": imported disabled/);
    expect(stderr).toMatch(/feature service "driver_activity": features of "driver_ratio" dropped/);

    // Everything not mapped is listed: unsupported sources and the views on them, Feast-only fields,
    // registry-level objects, materialization history.
    expect(stderr).toMatch(/data source "bq_trips": not imported: BATCH_BIGQUERY/);
    expect(stderr).toMatch(/data source "driver_kafka": not imported: Kafka/);
    expect(stderr).toMatch(/feature view "bq_trip_stats": not imported/);
    expect(stderr).toMatch(/stream feature view "kafka_stream": not imported/);
    expect(stderr).toMatch(/feature view "driver_hourly_stats": spec: org \(field 19\) not imported/);
    expect(stderr).toMatch(/Warning: registry: saved_datasets \(field 11\): 1 entry not imported/);
    expect(stderr).toMatch(/materialization history of 1 view\(s\) not imported/);
    const report = readFileSync(join(repo, "IMPORT_WARNINGS.md"), "utf8");
    expect(report.split("\n").filter((line) => line.startsWith("- "))).toHaveLength(
      stderr.split("\n").filter((line) => line.startsWith("Warning: ")).length,
    );
  });

  it("gives a repo that `larder plan` and `larder apply` load, with the Feast objects' contents", async () => {
    const plan = await ok(["plan"], repo);
    expect(plan.stdout).toContain("+ entity driver");
    expect(plan.stdout).toContain("+ feature view driver_hourly_stats");
    expect(plan.stdout).not.toContain("driver_ratio");

    await ok(["apply"], repo);
    const dump = JSON.parse((await ok(["registry-dump"], repo)).stdout) as Dump;
    expect(names(dump, "entities")).toEqual(["customer", "driver"]);
    expect(byName(dump, "entities", "driver")).toMatchObject({
      joinKey: "driver_id",
      valueType: "VALUE_TYPE_INT64",
      description: "a driver",
      tags: { pii: "no" },
    });
    expect(names(dump, "dataSources")).toEqual(["customers_pg", "driver_push", "driver_stats", "vals_to_add"]);
    expect(byName(dump, "dataSources", "customers_pg")).toMatchObject({
      postgresOptions: { table: "customers" },
      timestampField: "ts",
    });
    expect(byName(dump, "dataSources", "driver_stats")).toMatchObject({
      fileOptions: { uri: "data/driver_stats.parquet" },
      createdTimestampColumn: "created",
      fieldMapping: { conv: "conv_rate" },
    });
    expect(names(dump, "featureViews")).toEqual(["customer_profile", "driver_hourly_stats", "global_stats"]);
    const hourly = byName(dump, "featureViews", "driver_hourly_stats")!;
    expect(hourly).toMatchObject({
      ttl: "86400s",
      entities: ["driver"],
      tags: { team: "drivers" },
      owner: "ml@example.com",
    });
    expect((hourly.features as Json[]).map((f) => f.name)).toEqual(["conv_rate", "acc_rate", "avg_daily_trips"]);
    expect((hourly.streamSource as Json).name).toBe("driver_push");
    expect(byName(dump, "featureViews", "global_stats")?.entities).toBeUndefined(); // Feast's __dummy dropped
    expect(byName(dump, "featureViews", "customer_profile")).toMatchObject({ offline: true, ttl: "7200s" });
    expect(byName(dump, "streamFeatureViews", "driver_stream")).toMatchObject({
      aggregations: [{ column: "trips", function: "sum", timeWindow: "3600s", name: "trips_1h" }],
    });
    expect(dump.onDemandFeatureViews ?? []).toEqual([]);
    const activity = byName(dump, "featureServices", "driver_activity")!;
    expect(activity.features).toMatchObject([
      { featureViewName: "driver_hourly_stats", featureColumns: [{ name: "conv_rate" }] },
    ]);
    // 0.25, not Feast's usual 0.1: LoggingConfig.sample_rate is a float32 and the SDK keeps a double, so
    // 0.1 would plan as a loggingConfig update on every run (a plan/SDK bug outside the import, reported).
    expect(activity.loggingConfig).toMatchObject({
      sampleRate: 0.25,
      fileDestination: { path: "logs/driver_activity" },
    });
    expect(byName(dump, "featureServices", "customer_features")?.features).toMatchObject([
      { featureViewName: "customer_profile", featureViewNameAlias: "cp", joinKeyMap: { customer_id: "buyer_id" } },
      { featureViewName: "driver_stream" },
    ]);
    expect(byName(dump, "permissions", "readers")).toMatchObject({
      types: ["TYPE_FEATURE_VIEW", "TYPE_FEATURE_SERVICE"],
      namePatterns: ["driver_.*"],
      actions: ["AUTHZED_ACTION_READ_ONLINE", "AUTHZED_ACTION_READ_OFFLINE"],
      policy: { roleBasedPolicy: { roles: ["reader"] } },
    });
    expect(byName(dump, "permissions", "admins")).toMatchObject({
      types: ["TYPE_DATA_SOURCE", "TYPE_PROJECT"],
      policy: { groupBasedPolicy: { groups: ["admins"] } },
    });
    expect(specsOf(dump, "projects")).toMatchObject([{ name: FEAST_PROJECT, description: "Imported from Feast" }]);

    const again = await ok(["plan"], repo);
    expect(again.stdout).not.toMatch(/^\s+[+~-] /m);
  });

  it("reads the registry from s3:// and applies it to this repo's registry with --apply", async () => {
    // The target registry is itself a file registry on S3, configured in feature_store.yaml.
    const target = mkdtempSync(join(tmpdir(), "larder-import-target-"));
    const s3Registry =
      "registry:\n  registry_type: file\n  path: s3://feast/applied/registry.pb\n" +
      `  s3_endpoint_override: ${s3.endpoint}\n`;
    writeFileSync(join(target, "feature_store.yaml"), `project: some_other_project\n${s3Registry}`);
    const result = await ok(
      [
        "-c",
        target,
        "import",
        "feast",
        "s3://feast/prod/registry.pb",
        "--apply",
        "--s3-endpoint-override",
        s3.endpoint,
      ],
      work,
      AWS_ENV,
    );
    expect(result.stdout).toContain("Created feature view driver_hourly_stats");
    expect(result.stdout).toContain(`Applied project ${FEAST_PROJECT}`);
    expect(s3.objects.has("feast/applied/registry.pb")).toBe(true);
    expect(result.stderr).toMatch(/on-demand feature view "driver_ratio": imported disabled/);

    // The same objects as the written repo applied: a plan of that repo against this registry is empty.
    const config = join(work, "same-registry.yaml");
    writeFileSync(config, `project: ${FEAST_PROJECT}\nproject_description: Imported from Feast\n` + s3Registry);
    const plan = await ok(["-f", config, "plan"], repo, AWS_ENV);
    expect(plan.stdout).not.toMatch(/^\s+[+~-] /m);
  });

  it("refuses to run without --output or --apply, and a file that is not a registry", async () => {
    const nothing = await larder(["import", "feast", registryFile], { cwd: work });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/^Error \(invalid_argument\): Nothing to do/);
    const bogus = join(work, "bogus.pb");
    writeFileSync(bogus, "definitely not protobuf \u00ff\u00ff\u00ff");
    const bad = await larder(["import", "feast", bogus, "--output", join(work, "bad")], { cwd: work });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^Error \(invalid_argument\): /);
  });
});
