import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { larder } from "../harness/larder-cli.js";

let root: string;
let repo: string;
let db: DuckDBInstance;
let connection: DuckDBConnection;
const HOUR = 3_600_000;
const end = Math.floor(Date.now() / HOUR) * HOUR; // `init` writes hourly rows up to the current hour

/** Entity rows: a time between two hourly rows, an exact row time, a time before all data, an unknown driver. */
const ENTITIES = [
  { driver_id: 1001, ts: end - 2 * HOUR + 30 * 60_000, val_to_add: 1, val_to_add_2: 10 },
  { driver_id: 1003, ts: end - 5 * HOUR, val_to_add: 2, val_to_add_2: 20 },
  { driver_id: 1002, ts: end - 10 * 24 * HOUR, val_to_add: 3, val_to_add_2: 30 },
  { driver_id: 9999, ts: end, val_to_add: 4, val_to_add_2: 40 },
];
/** The hourly source row each entity row should match (null: none inside the 1 day ttl). */
const MATCHED = [end - 2 * HOUR, end - 5 * HOUR, null, null];

async function ok(args: string[], cwd: string): Promise<string> {
  const result = await larder(args, { cwd });
  if (result.code !== 0) throw new Error(`larder ${args.join(" ")} exited ${String(result.code)}\n${result.stderr}`);
  return result.stdout;
}

/** Source values straight from the repo's Parquet, for the expected rows. */
async function sourceRow(driverId: number, ms: number | null) {
  if (ms === null) return { conv_rate: null, avg_daily_trips: null };
  const reader = await connection.runAndReadAll(
    `SELECT conv_rate, avg_daily_trips FROM '${join(repo, "data", "driver_stats.parquet")}'` +
      ` WHERE driver_id = ${driverId} AND epoch_ms(event_timestamp) = ${ms}`,
  );
  const row = reader.getRowObjectsJS()[0];
  return { conv_rate: row?.conv_rate as number, avg_daily_trips: row?.avg_daily_trips as bigint };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "larder-historical-cli-"));
  await ok(["init", "demo"], root);
  repo = join(root, "demo");
  await ok(["apply"], repo);
  const lines = ENTITIES.map((e) => `${e.driver_id},${new Date(e.ts).toISOString()},${e.val_to_add},${e.val_to_add_2}`);
  writeFileSync(
    join(root, "entities.csv"),
    ["driver_id,event_timestamp,val_to_add,val_to_add_2", ...lines, ""].join("\n"),
  );
  db = await DuckDBInstance.create(":memory:");
  connection = await db.connect();
  await connection.run("SET TimeZone = 'UTC'");
});

afterAll(() => {
  connection.closeSync();
  db.closeSync();
});

describe("larder get-historical-features", () => {
  it("writes refs to Parquet, paths relative to the current folder (not --chdir)", async () => {
    const stdout = await ok(
      [
        "-c",
        "demo",
        "get-historical-features",
        "--entities",
        "entities.csv",
        "--features",
        "driver_hourly_stats:conv_rate",
        "--features",
        "driver_hourly_stats:avg_daily_trips",
        "--output",
        "out.parquet",
      ],
      root,
    );
    expect(stdout.trim()).toBe("Wrote 4 rows to out.parquet");
    const reader = await connection.runAndReadAll(
      `SELECT driver_id, epoch_ms(event_timestamp) AS ms, val_to_add, conv_rate, avg_daily_trips FROM '${join(root, "out.parquet")}'`,
    );
    expect(reader.columnNames()).toEqual(["driver_id", "ms", "val_to_add", "conv_rate", "avg_daily_trips"]);
    const expected = await Promise.all(
      ENTITIES.map(async (e, i) => ({
        driver_id: BigInt(e.driver_id),
        ms: BigInt(e.ts),
        val_to_add: BigInt(e.val_to_add),
        ...(await sourceRow(e.driver_id, MATCHED[i]!)),
      })),
    );
    expect(reader.getRowObjectsJS()).toEqual(expected);
    expect(expected[0]!.conv_rate).not.toBeNull();
  });

  it("writes a feature service with an on-demand view and full names to CSV", async () => {
    const stdout = await ok(
      [
        "get-historical-features",
        "--entities",
        join(root, "entities.csv"),
        "--feature-service",
        "driver_activity_v1",
        "--full-feature-names",
        "--output",
        "out.csv",
      ],
      repo,
    );
    expect(stdout.trim()).toBe("Wrote 4 rows to out.csv");
    const [header, ...rows] = readFileSync(join(repo, "out.csv"), "utf8").trimEnd().split("\r\n");
    expect(header).toBe(
      "driver_id,event_timestamp,val_to_add,val_to_add_2,driver_hourly_stats__conv_rate," +
        "transformed_conv_rate__conv_rate_plus_val1,transformed_conv_rate__conv_rate_plus_val2",
    );
    const expected = await Promise.all(
      ENTITIES.map(async (e, i) => {
        const { conv_rate } = await sourceRow(e.driver_id, MATCHED[i]!);
        const c = conv_rate ?? 0;
        return [
          e.driver_id,
          new Date(e.ts).toISOString(),
          e.val_to_add,
          e.val_to_add_2,
          conv_rate ?? "",
          c + e.val_to_add,
          c + e.val_to_add_2,
        ]
          .map(String)
          .join(",");
      }),
    );
    expect(rows).toEqual(expected);
  });

  it("refuses a bad output extension and a missing feature choice", async () => {
    const bad = await larder(
      ["get-historical-features", "--entities", join(root, "entities.csv"), "--features", "x:y", "--output", "o.json"],
      { cwd: repo },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("must end in .parquet or .csv");
    const none = await larder(["get-historical-features", "--entities", "e.csv", "--output", "o.csv"], { cwd: repo });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--feature-service");
  });
});
