import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { ChangeType, ObjectKind } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/harness/postgres.js";
import { LarderError } from "@larder/core";
import { createFileBackend } from "../../src/backends/file-backend.js";
import { createPostgresBackend } from "../../src/backends/postgres-backend.js";
import type { RegistryBackend } from "../../src/backends/registry-backend.js";
import { createSqliteBackend } from "../../src/backends/sqlite-backend.js";
import { RegistryStore } from "../../src/registry-store.js";
import { driverRepo } from "../repo-fixture.js";

function codeOf(error: unknown): Code | undefined {
  if (error instanceof LarderError) return error.code;
  if (error instanceof ConnectError) return error.code;
  return undefined;
}

const summary = (changes: readonly { kind: ObjectKind; name: string; change: ChangeType }[]): string[] =>
  changes
    .filter((c) => c.change !== ChangeType.UNCHANGED)
    .map((c) => `${ChangeType[c.change]} ${ObjectKind[c.kind]} ${c.name}`);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const backends: Array<[string, () => RegistryBackend]> = [
  ["sqlite", () => createSqliteBackend(join(mkdtempSync(join(tmpdir(), "larder-reg-")), "registry.db"))],
  ["postgres", () => createPostgresBackend(db.url)],
  ["file", () => createFileBackend(join(mkdtempSync(join(tmpdir(), "larder-reg-")), "registry.pb"))],
];

describe.each(backends)("RegistryStore on %s", (_name, makeBackend) => {
  it("plans, applies, updates and deletes, with a version that only grows", async () => {
    const store = await RegistryStore.open(makeBackend());
    try {
      const start = (await store.version()).version;
      const planned = await store.plan(driverRepo());
      expect(summary(planned.changes)).toEqual([
        "CREATE PROJECT driver_ranking",
        "CREATE ENTITY driver",
        "CREATE DATA_SOURCE driver_stats",
        "CREATE FEATURE_VIEW driver_hourly_stats",
        "CREATE FEATURE_SERVICE driver_activity",
      ]);
      expect((await store.version()).version).toBe(start); // plan changes nothing

      const applied = await store.apply(driverRepo());
      expect(applied.version).toBe(start + 1n);
      const again = await store.apply(driverRepo());
      expect(summary(again.changes)).toEqual([]);
      expect(again.version).toBe(start + 1n); // a no-op apply does not bump the version

      const updated = await store.apply(driverRepo("driver_ranking", { extraFeature: true, description: "a driver" }));
      expect(summary(updated.changes)).toEqual(["UPDATE ENTITY driver", "UPDATE FEATURE_VIEW driver_hourly_stats"]);
      const viewChange = updated.changes.find((c) => c.kind === ObjectKind.FEATURE_VIEW);
      expect(viewChange?.fieldChanges.map((f) => f.path)).toEqual(["features"]);
      expect(updated.version).toBe(start + 2n);

      const snapshot = await store.snapshot();
      const view = snapshot.featureViews[0];
      expect(view?.spec?.features.map((f) => f.name)).toEqual(["conv_rate", "acc_rate", "avg_daily_trips"]);
      expect(view?.meta?.createdTimestamp).toBeDefined();

      const withoutService = driverRepo("driver_ranking", { extraFeature: true, description: "a driver" });
      withoutService.featureServices = [];
      const deleted = await store.apply(withoutService);
      expect(summary(deleted.changes)).toEqual(["DELETE FEATURE_SERVICE driver_activity"]);
      expect((await store.snapshot()).featureServices).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("refuses a stale expected version with ABORTED and changes nothing", async () => {
    const store = await RegistryStore.open(makeBackend());
    try {
      const { version } = await store.apply(driverRepo("stale_test"));
      await store.apply(driverRepo("stale_test", { description: "newer" }), { expectedVersion: version });
      const error = await store
        .apply(driverRepo("stale_test", { description: "older" }), { expectedVersion: version })
        .catch((e: unknown) => e);
      expect(codeOf(error)).toBe(Code.Aborted);
      expect((await store.snapshot()).entities.find((e) => e.spec?.project === "stale_test")?.spec?.description).toBe(
        "newer",
      );
    } finally {
      await store.close();
    }
  });

  it("lists every validation problem at once", async () => {
    const store = await RegistryStore.open(makeBackend());
    try {
      const bad = driverRepo("broken");
      bad.featureViews[0]!.spec!.entities = ["no_such_entity"];
      bad.featureServices[0]!.spec!.features[0]!.featureViewName = "missing_view";
      const error = await store.apply(bad).catch((e: unknown) => e);
      expect(codeOf(error)).toBe(Code.FailedPrecondition);
      expect(String((error as Error).message)).toContain('entity "no_such_entity"');
      expect(String((error as Error).message)).toContain('feature view "missing_view"');
      const dup = driverRepo("broken");
      dup.entities.push(dup.entities[0]!);
      expect(codeOf(await store.apply(dup).catch((e: unknown) => e))).toBe(Code.InvalidArgument);
      expect((await store.snapshot()).projects.some((p) => p.spec?.name === "broken")).toBe(false);
    } finally {
      await store.close();
    }
  });

  it("keeps projects apart, deletes objects and whole projects, and records materialization", async () => {
    const store = await RegistryStore.open(makeBackend());
    try {
      await store.apply(driverRepo("proj_a"));
      await store.apply(driverRepo("proj_b"));
      expect(codeOf(await store.deleteObject(ObjectKind.ENTITY, "proj_a", "driver").catch((e: unknown) => e))).toBe(
        Code.FailedPrecondition,
      );
      await store.deleteObject(ObjectKind.FEATURE_SERVICE, "proj_a", "driver_activity");
      expect(
        codeOf(
          await store.deleteObject(ObjectKind.FEATURE_SERVICE, "proj_a", "driver_activity").catch((e: unknown) => e),
        ),
      ).toBe(Code.NotFound);
      await store.recordMaterialization(
        "proj_b",
        "driver_hourly_stats",
        { seconds: 0n, nanos: 0 } as never,
        { seconds: 3600n, nanos: 0 } as never,
      );
      let snapshot = await store.snapshot();
      const viewB = snapshot.featureViews.find((v) => v.spec?.project === "proj_b");
      expect(viewB?.meta?.materializationIntervals.map((i) => i.endTime?.seconds)).toEqual([3600n]);
      // An update of the definition keeps the recorded intervals.
      await store.apply(driverRepo("proj_b", { extraFeature: true }));
      snapshot = await store.snapshot();
      expect(
        snapshot.featureViews.find((v) => v.spec?.project === "proj_b")?.meta?.materializationIntervals,
      ).toHaveLength(1);
      await store.deleteProject("proj_a");
      snapshot = await store.snapshot();
      expect(snapshot.entities.map((e) => e.spec?.project).filter((p) => p === "proj_a")).toEqual([]);
      expect(snapshot.entities.some((e) => e.spec?.project === "proj_b")).toBe(true);
    } finally {
      await store.close();
    }
  });
});
