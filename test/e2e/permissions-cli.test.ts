import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { larder } from "../harness/larder-cli.js";

const REPO_TS = `
import {
  AuthzedAction,
  Entity,
  FeatureService,
  FeatureView,
  Field,
  FileSource,
  GroupBasedPolicy,
  Permission,
  RoleBasedPolicy,
  types,
  ValueType,
  WRITE,
} from "@larder/sdk";

export const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 });
export const stats = new FileSource({ name: "stats", path: "data/stats.parquet", timestampField: "event_timestamp" });
const schema = [new Field({ name: "conv_rate", dtype: types.Float64 })];
export const hourly = new FeatureView({ name: "driver_hourly", entities: [driver], schema, source: stats, tags: { team: "risk" } });
export const secret = new FeatureView({ name: "secret_stats", entities: [driver], schema, source: stats });
export const activity = new FeatureService({ name: "driver_activity", features: [hourly] });

export const readers = new Permission({
  name: "online-readers",
  types: [FeatureView, FeatureService],
  namePatterns: ["driver_.*"],
  actions: [AuthzedAction.DESCRIBE, AuthzedAction.READ_ONLINE],
  policy: new RoleBasedPolicy({ roles: ["reader", "analyst"] }),
});
export const writers = new Permission({
  name: "writers",
  types: FeatureView,
  namePatterns: "driver_.*",
  requiredTags: { team: "risk" },
  actions: WRITE,
  policy: new RoleBasedPolicy({ roles: ["writer"] }),
});
export const ops = new Permission({
  name: "ops",
  types: FeatureView,
  actions: AuthzedAction.DESCRIBE,
  policy: new GroupBasedPolicy({ groups: ["ml-ops"] }),
});
`;

let repo = "";

async function ok(args: string[]): Promise<string> {
  const result = await larder(args, { cwd: repo });
  if (result.code !== 0) throw new Error(`larder ${args.join(" ")} exited ${String(result.code)}\n${result.stderr}`);
  return result.stdout;
}

/** Rows of a CLI table, cells split on runs of two or more spaces. */
function rows(output: string): string[][] {
  return output
    .trim()
    .split("\n")
    .map((line) => line.split(/ {2,}/));
}

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), "larder-permissions-cli-"));
  writeFileSync(
    join(repo, "feature_store.yaml"),
    "project: perm_cli\nregistry: data/registry.db\nauth:\n  type: no_auth\n  default_policy_for_uncovered: allow_authenticated\n",
  );
  writeFileSync(join(repo, "repo.ts"), REPO_TS);
  await ok(["apply"]);
});

describe("larder permissions", () => {
  it("lists and describes permissions", async () => {
    const listed = rows(await ok(["permissions", "list"]));
    expect(listed[0]?.[0]).toBe("NAME");
    expect(
      listed
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual(["online-readers", "ops", "writers"]);
    const described = await ok(["permissions", "describe", "writers"]);
    expect(described).toContain("driver_.*");
    expect(described).toContain("team: risk");
    expect(described).toContain("writer");
    const missing = await larder(["permissions", "describe", "nope"], { cwd: repo });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("Error (not_found)");
  });

  it("check lists the objects no permission covers and the actions none grants", async () => {
    const out = await ok(["permissions", "check"]);
    const [uncovered, ungranted] = out.split("\n\n");
    expect(uncovered).toContain("auth.default_policy_for_uncovered: allow_authenticated");
    const uncoveredRows = rows(uncovered!).slice(1);
    expect(uncoveredRows).toEqual(
      expect.arrayContaining([
        ["project", "perm_cli"],
        ["entity", "driver"],
        ["data source", "stats"],
        ["permission", "writers"],
      ]),
    );
    // Views are covered (ops covers every feature view); the service by online-readers.
    expect(uncoveredRows.map((r) => r[1])).not.toContain("driver_hourly");
    expect(uncoveredRows.map((r) => r[1])).not.toContain("driver_activity");
    const ungrantedRows = rows(ungranted!).slice(2);
    expect(ungrantedRows).toContainEqual([
      "feature view",
      "secret_stats",
      "CREATE, UPDATE, DELETE, READ_ONLINE, READ_OFFLINE, WRITE_ONLINE, WRITE_OFFLINE",
    ]);
    expect(ungrantedRows).toContainEqual(["feature view", "driver_hourly", "CREATE, UPDATE, DELETE, READ_OFFLINE"]);
  });

  it("list-roles lists the roles policies name, and with --verbose what each is granted", async () => {
    expect(rows(await ok(["permissions", "list-roles"]))).toEqual([["ROLE NAME"], ["analyst"], ["reader"], ["writer"]]);
    const verbose = rows(await ok(["permissions", "list-roles", "--verbose"]));
    expect(verbose).toContainEqual(["reader", "feature view", "driver_hourly", "DESCRIBE, READ_ONLINE"]);
    expect(verbose).toContainEqual(["writer", "feature view", "driver_hourly", "WRITE_ONLINE, WRITE_OFFLINE"]);
    expect(verbose).toContainEqual(["reader", "feature service", "driver_activity", "DESCRIBE, READ_ONLINE"]);
    // secret_stats is covered by ops (a group policy) only: no role is granted anything on it.
    expect(verbose.some((r) => r[2] === "secret_stats")).toBe(false);
  });
});
