import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OnlineView, OnlineWriteRow } from "../../src/online-store/online-store.js";
import { startBatch } from "../../src/online-store/redis-batch.js";
import { createLarderLayout, larderKeyPrefix } from "../../src/online-store/redis-larder-layout.js";
import { defineScripts } from "../../src/online-store/redis-scripts.js";
import { double, driverKey, driverRow, driverValues, driverView, uniqueProject } from "./online-store-fixture.js";
import { scanAllKeys } from "../../../../test/harness/redis.js";

// The larder layout writes with one of two scripts: on a Cluster, larderPutPackedRows with every key
// declared (one per call, so the cluster can route it); on a standalone or Sentinel Redis,
// larderPutPackedBlob with the keys inside the blob (250 rows per call). Both run here, on the same
// standalone Redis, over the same writes: same counts, same stored bytes, in every case the rules cover
// (newer, older, equal, repeated key, partial row merged with the stored one, ttl).

const project = uniqueProject();
let client: Redis;
const layout = createLarderLayout({ keyTtlSeconds: undefined, skipDedup: false });
const layoutWithTtl = createLarderLayout({ keyTtlSeconds: 60, skipDedup: false });

beforeAll(() => {
  client = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1 });
  defineScripts(client);
});

afterAll(async () => {
  const keys = await scanAllKeys(client, `${project}:*`);
  if (keys.length > 0) await client.unlink(...keys);
  client.disconnect();
});

/** Writes `rounds` one after the other through one script variant; returns the counts and stored rows. */
async function run(
  view: OnlineView,
  declaredKeys: boolean,
  rounds: readonly (readonly OnlineWriteRow[])[],
  ids: readonly number[],
  withTtl = false,
) {
  const counts: number[] = [];
  for (const rows of rounds) {
    const batch = startBatch(client, false);
    (withTtl ? layoutWithTtl : layout).queueWrites(batch, view, rows, declaredKeys);
    const replies = await batch.exec();
    counts.push(replies.reduce<number>((n, reply) => n + Number(reply), 0));
  }
  const prefix = larderKeyPrefix(view);
  const stored = await client.mgetBuffer(...ids.map((id) => Buffer.concat([prefix, driverKey(id)])));
  const ttls = await Promise.all(ids.map((id) => client.pttl(Buffer.concat([prefix, driverKey(id)]))));
  return { counts, stored: stored.map((b) => b?.toString("hex")), ttls };
}

describe("larder layout write scripts: declared keys (Cluster) and keys in the blob (standalone)", () => {
  const rounds: OnlineWriteRow[][] = [
    [driverRow(1, 1_000, driverValues(1)), driverRow(2, 5_000, driverValues(5)), driverRow(3, 1_000, driverValues(30))],
    [
      driverRow(1, 3_000, driverValues(3)), // newer: wins
      driverRow(1, 2_000, driverValues(2)), // older than the row just written: skipped
      driverRow(1, 3_000, driverValues(4)), // equal: skipped
      driverRow(2, 4_000, driverValues(6)), // older: skipped
      driverRow(3, 2_000, [undefined, double(31), undefined]), // partial: merged with the stored entries
      driverRow(4, 1_000, [undefined, undefined, undefined]), // no value (OnlineStore.write filters these; the scripts store it)
    ],
    // 600 rows: several calls of the blob script, 600 of the declared one.
    Array.from({ length: 600 }, (_, i) => driverRow(100 + i, 7_000, driverValues(100 + i))),
  ];
  const ids = [1, 2, 3, 4, ...Array.from({ length: 600 }, (_, i) => 100 + i)];

  it("write the same rows and count the same writes", async () => {
    const declared = await run(driverView(project, "declared"), true, rounds, ids);
    const blob = await run(driverView(project, "blob"), false, rounds, ids);
    expect(blob.counts).toEqual(declared.counts);
    expect(blob.counts).toEqual([3, 3, 600]);
    expect(blob.stored).toEqual(declared.stored);
    expect(blob.stored.slice(0, 3).every((hex) => hex !== undefined)).toBe(true);
    expect(blob.ttls.every((ms) => ms === -1)).toBe(true);
  });

  it("set the same ttl", async () => {
    const declared = await run(driverView(project, "declared_ttl"), true, rounds.slice(0, 1), [1, 2, 3], true);
    const blob = await run(driverView(project, "blob_ttl"), false, rounds.slice(0, 1), [1, 2, 3], true);
    expect(blob.stored).toEqual(declared.stored);
    for (const ms of [...declared.ttls, ...blob.ttls]) {
      expect(ms).toBeGreaterThan(50_000);
      expect(ms).toBeLessThanOrEqual(60_000);
    }
  });
});
