import { Code, ConnectError } from "@connectrpc/connect";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { fromBinary } from "@bufbuild/protobuf";
import { RegistrySchema } from "@larder/gen/es/larder/core/v1/registry_pb";
import { ChangeType, ObjectKind } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { LarderError, silentLogger, validateRegistryConfig } from "@larder/core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startS3Server, type S3TestServer } from "../../../../test/harness/s3-server.js";
import { openRegistry } from "../../src/open-registry.js";
import type { RegistryApi } from "../../src/registry-api.js";
import { SnapshotCache } from "../../src/snapshot-cache.js";
import { driverRepo } from "../repo-fixture.js";

// The AWS SDK reads credentials and region from its standard chain; the loopback server does not
// check signatures, but the SDK needs something to sign with.
const AWS_ENV = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" };
const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const [key, value] of Object.entries(AWS_ENV)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
});
afterAll(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

function codeOf(error: unknown): Code | undefined {
  if (error instanceof LarderError) return error.code;
  if (error instanceof ConnectError) return error.code;
  return undefined;
}

const created = (changes: readonly { kind: ObjectKind; name: string; change: ChangeType }[]): string[] =>
  changes.filter((c) => c.change === ChangeType.CREATE).map((c) => `${ObjectKind[c.kind]} ${c.name}`);

let s3: S3TestServer;
let key = 0;
const open = (endpoint: string, path: string): Promise<RegistryApi> =>
  openRegistry(
    validateRegistryConfig({ registry_type: "file", path, s3_endpoint_override: endpoint }, { repoPath: "/unused" }),
  );

beforeEach(async () => {
  s3 = await startS3Server();
  s3.createBucket("registry-bucket");
});
afterEach(async () => {
  await s3.close();
});

describe("file registry on S3 (AWS SDK against a loopback S3 server)", () => {
  const nextPath = () => `s3://registry-bucket/feast/${++key}/registry.pb`;

  it("plans, applies and lists through the AWS SDK, and stores a Registry proto under the key", async () => {
    const path = nextPath();
    const registry = await open(s3.endpoint, path);
    try {
      expect((registry as unknown as { description: string }).description).toBe(path);
      const plan = await registry.plan(driverRepo());
      expect(created(plan.changes)).toContain("FEATURE_VIEW driver_hourly_stats");
      const applied = await registry.apply(driverRepo());
      expect(applied.version).toBe(1n);
      expect((await registry.apply(driverRepo())).version).toBe(1n); // no-op: nothing written
      const snapshot = await registry.snapshot();
      expect(snapshot.featureViews.map((v) => v.spec?.name)).toEqual(["driver_hourly_stats"]);
      expect(snapshot.entities.map((e) => e.spec?.joinKey)).toEqual(["driver_id"]);

      // The object is a plain serialized Registry: what Feast's S3 registry store reads.
      const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true });
      const object = await client.send(
        new GetObjectCommand({ Bucket: "registry-bucket", Key: path.replace("s3://registry-bucket/", "") }),
      );
      const stored = fromBinary(RegistrySchema, await object.Body!.transformToByteArray());
      client.destroy();
      expect(stored.version).toBe(1n);
      expect(stored.featureServices.map((s) => s.spec?.name)).toEqual(["driver_activity"]);

      // A second client sees the registry; its first write (the create) used If-None-Match: *.
      const other = await open(s3.endpoint, path);
      expect((await other.snapshot()).version).toBe(1n);
      await other.close();
    } finally {
      await registry.close();
    }
  });

  it("answers an unchanged registry with 304 (conditional GET on the cached ETag)", async () => {
    const registry = await open(s3.endpoint, nextPath());
    try {
      await registry.apply(driverRepo());
      s3.log.length = 0;
      await registry.version();
      await registry.version();
      await registry.snapshot();
      expect(s3.log.every((line) => line.startsWith("GET ") && line.endsWith(" 304"))).toBe(true);
      expect(s3.log.length).toBeGreaterThanOrEqual(3);
    } finally {
      await registry.close();
    }
  });

  it("lets exactly one of two concurrent applies win; the other gets ABORTED and nothing is lost", async () => {
    const path = nextPath();
    const first = await open(s3.endpoint, path);
    const second = await open(s3.endpoint, path);
    try {
      await first.apply(driverRepo("base"));
      await second.snapshot(); // both clients hold the same ETag now
      s3.setPutDelayMs(150); // both PUTs are in flight together
      const results = await Promise.allSettled([
        first.apply(driverRepo("project_a")),
        second.apply(driverRepo("project_b")),
      ]);
      s3.setPutDelayMs(0);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(codeOf((lost[0] as PromiseRejectedResult).reason)).toBe(Code.Aborted);
      expect(s3.log.filter((line) => line.startsWith("PUT ") && line.endsWith(" 412"))).toHaveLength(1);

      // Nothing was overwritten: the base project and the winner's are both there.
      const reader = await open(s3.endpoint, path);
      const snapshot = await reader.snapshot();
      await reader.close();
      const projects = snapshot.projects.map((p) => p.spec?.name).sort();
      const winner = results[0]?.status === "fulfilled" ? "project_a" : "project_b";
      expect(projects).toEqual(["base", winner].sort());
      expect(snapshot.version).toBe(2n);

      // The loser re-applies on the fresh state and lands without losing the winner's objects.
      const loser = winner === "project_a" ? second : first;
      await loser.apply(driverRepo(winner === "project_a" ? "project_b" : "project_a"));
      const after = await loser.snapshot();
      expect(after.projects.map((p) => p.spec?.name).sort()).toEqual(["base", "project_a", "project_b"]);
      expect(after.version).toBe(3n);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("refuses a stale expected version with ABORTED without writing", async () => {
    const registry = await open(s3.endpoint, nextPath());
    try {
      await registry.apply(driverRepo());
      const puts = s3.log.filter((line) => line.startsWith("PUT ")).length;
      await expect(registry.apply(driverRepo("other"), { expectedVersion: 0n })).rejects.toSatisfy(
        (error: unknown) => codeOf(error) === Code.Aborted,
      );
      expect(s3.log.filter((line) => line.startsWith("PUT ")).length).toBe(puts);
    } finally {
      await registry.close();
    }
  });

  it("answers UNAVAILABLE while the store is down, and a SnapshotCache keeps serving the last snapshot", async () => {
    const path = nextPath();
    const registry = await open(s3.endpoint, path);
    const cache = new SnapshotCache(registry, { pollIntervalMs: 50, logger: silentLogger() });
    try {
      await registry.apply(driverRepo());
      await cache.start(5_000);
      expect(cache.current().version).toBe(1n);
      expect(cache.healthy).toBe(true);

      await s3.close();
      await expect(registry.version()).rejects.toSatisfy((error: unknown) => codeOf(error) === Code.Unavailable);
      await expect(registry.apply(driverRepo("other"))).rejects.toSatisfy(
        (error: unknown) => codeOf(error) === Code.Unavailable,
      );
      await expect(cache.refresh()).rejects.toSatisfy((error: unknown) => codeOf(error) === Code.Unavailable);
      expect(cache.healthy).toBe(false);
      expect(cache.current().version).toBe(1n); // still served
      expect(cache.current().featureViews.map((v) => v.spec?.name)).toEqual(["driver_hourly_stats"]);
    } finally {
      cache.stop();
      await registry.close();
    }
  });

  it("fails with FAILED_PRECONDITION naming the bucket when it does not exist", async () => {
    const registry = await open(s3.endpoint, "s3://no-such-bucket/registry.pb");
    try {
      await expect(registry.apply(driverRepo())).rejects.toSatisfy(
        (error: unknown) => codeOf(error) === Code.FailedPrecondition && String(error).includes("no-such-bucket"),
      );
    } finally {
      await registry.close();
    }
  });
});
