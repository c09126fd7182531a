import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OnlineView, OnlineWriteRow } from "../../src/online-store/online-store.js";
import { startBatch } from "../../src/online-store/redis-batch.js";
import { createFeastLayout } from "../../src/online-store/redis-feast-layout.js";
import { defineScripts } from "../../src/online-store/redis-scripts.js";
import { double, driverKey, driverRow, driverValues, driverView, uniqueProject } from "./online-store-fixture.js";
import { scanAllKeys } from "../../../../test/harness/redis.js";

// The feast layout writes with one of two scripts: on a Cluster, larderPutFeastRow with its key declared
// (one per call, so the cluster can route it); on a standalone or Sentinel Redis, larderPutFeastBlob with
// up to 250 rows per call, keys inside the blob. Both run here, on the same standalone Redis, over the
// same writes into two projects (a Feast key ends with its project): same counts, same hashes, same ttls,
// in every case the rules cover (newer, older, equal to the microsecond, repeated key, partial row, a
// second view in the same hash, times before 1970).

const projects = {
  declared: uniqueProject(),
  blob: uniqueProject(),
  declaredTtl: uniqueProject(),
  blobTtl: uniqueProject(),
};
let client: Redis;
const layout = createFeastLayout({ keyTtlSeconds: undefined, skipDedup: false });
const layoutWithTtl = createFeastLayout({ keyTtlSeconds: 60, skipDedup: false });

beforeAll(() => {
  client = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1 });
  defineScripts(client);
});

afterAll(async () => {
  for (const project of Object.values(projects)) {
    const keys = await scanAllKeys(client, `*${project}`);
    if (keys.length > 0) await client.unlink(...keys);
  }
  client.disconnect();
});

/** A hash as sorted `field=value` hex pairs (undefined when the key is missing). */
async function hashOf(key: Buffer): Promise<string[] | undefined> {
  const flat = await client.hgetallBuffer(key);
  const entries = Object.entries(flat);
  if (entries.length === 0) return undefined;
  return entries
    .map(([field, value]) => `${Buffer.from(field, "latin1").toString("hex")}=${value.toString("hex")}`)
    .sort();
}

/** Writes `rounds` (view, rows) one after the other through one script variant; returns counts, hashes, ttls. */
async function run(
  project: string,
  declaredKeys: boolean,
  rounds: readonly (readonly [string, readonly OnlineWriteRow[]])[],
  ids: readonly number[],
  withTtl = false,
) {
  const counts: number[] = [];
  for (const [name, rows] of rounds) {
    const view: OnlineView = driverView(project, name);
    const batch = startBatch(client, false);
    (withTtl ? layoutWithTtl : layout).queueWrites(batch, view, rows, declaredKeys);
    const replies = await batch.exec();
    counts.push(replies.reduce<number>((n, reply) => n + Number(reply), 0));
  }
  const keys = ids.map((id) => Buffer.concat([driverKey(id), Buffer.from(project)]));
  const hashes = await Promise.all(keys.map(hashOf));
  const ttls = await Promise.all(keys.map((key) => client.ttl(key)));
  return { counts, hashes, ttls };
}

describe("feast layout write scripts: declared key (Cluster) and keys in the blob (standalone)", () => {
  const rounds: (readonly [string, OnlineWriteRow[]])[] = [
    [
      "stats",
      [
        driverRow(1, 1_000.5, driverValues(1)),
        driverRow(2, 5_000, driverValues(5)),
        driverRow(3, 1_000, driverValues(30)),
        driverRow(5, -1_500, driverValues(50)),
      ],
    ],
    [
      "stats",
      [
        driverRow(1, 3_000, driverValues(3)), // newer: wins
        driverRow(1, 2_000, driverValues(2)), // older than the row just written: skipped
        driverRow(1, 3_000, driverValues(4)), // equal: skipped
        driverRow(2, 5_000.001, driverValues(6)), // newer by a microsecond: wins
        driverRow(3, 2_000, [undefined, double(31), undefined]), // partial: the other fields stay
        driverRow(4, 1_000, [undefined, undefined, undefined]), // no value: only the timestamp
        driverRow(5, -1_400, driverValues(51)), // before 1970, newer: wins
        driverRow(5, -1_600, driverValues(52)), // before 1970, older: skipped
      ],
    ],
    // Another view of the same entities: its own `_ts:` field and features in the same hashes.
    ["other", [driverRow(1, 500, driverValues(7)), driverRow(2, 500, driverValues(8))]],
    // 600 rows: several calls of the blob script, 600 of the declared one.
    ["stats", Array.from({ length: 600 }, (_, i) => driverRow(100 + i, 7_000, driverValues(100 + i)))],
  ];
  const ids = [1, 2, 3, 4, 5, ...Array.from({ length: 600 }, (_, i) => 100 + i)];

  it("write the same hashes and count the same writes", async () => {
    const declared = await run(projects.declared, true, rounds, ids);
    const blob = await run(projects.blob, false, rounds, ids);
    expect(blob.counts).toEqual(declared.counts);
    expect(blob.counts).toEqual([4, 5, 2, 600]);
    expect(blob.hashes).toEqual(declared.hashes);
    expect(blob.hashes.slice(0, 5).map((hash) => hash?.length)).toEqual([8, 8, 4, 1, 4]); // id 1, 2: two views
    expect(blob.ttls.every((seconds) => seconds === -1)).toBe(true);
  });

  it("set the same ttl", async () => {
    const first = rounds.slice(0, 1);
    const declared = await run(projects.declaredTtl, true, first, [1, 2, 3], true);
    const blob = await run(projects.blobTtl, false, first, [1, 2, 3], true);
    expect(blob.hashes).toEqual(declared.hashes);
    for (const seconds of [...declared.ttls, ...blob.ttls]) {
      expect(seconds).toBeGreaterThan(50);
      expect(seconds).toBeLessThanOrEqual(60);
    }
  });
});
