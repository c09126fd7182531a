import { Code } from "@larder/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DRIVER_ENTITIES,
  DRIVER_STATS,
  ENTITY_TABLE,
  ROUTES,
  STORES,
  driverView,
  readOf,
  routeView,
} from "./offline-store-fixtures.js";
import { at, batchOf, collect, type StoreHarness } from "./offline-store-harness.js";

const entityRows = { kind: "rows", batch: batchOf(DRIVER_ENTITIES) } as const;
/** The entity columns every driver case passes through: join key (typed INT64 → bigint), time, label. */
const passThrough = DRIVER_ENTITIES.map((row) => ({ ...row, driver_id: BigInt(row.driver_id) }));

describe.each(STORES)("OfflineStore.historical on the %s store", (name, createHarness) => {
  let h: StoreHarness;
  beforeAll(async () => {
    h = await createHarness();
    for (const table of [DRIVER_STATS, ROUTES, ENTITY_TABLE]) await h.writeTable(table);
  });
  afterAll(async () => {
    await h.close();
  });

  it("joins point in time: created tiebreak, inclusive ttl edge, nulls kept, order and duplicates kept", async () => {
    const { rows, names } = await collect(
      h.store.historical(entityRows, [readOf(driverView(h), ["conv_rate", "trips"])]),
    );
    expect(names).toEqual(["driver_id", "event_timestamp", "label", "conv_rate", "trips"]);
    const expected: [number | null, bigint | null][] = [
      [0.25, 25n], // two rows at the same event time: the later created wins
      [0.1, 10n],
      [0.3, 30n], // event time exactly entity_ts - ttl: inside
      [null, null], // one second past the ttl: outside
      [0.4, 40n],
      [null, null], // no such driver: the row stays, values null
      [null, null], // before any row
      [0.25, 25n], // duplicate entity row kept
      [null, null], // newest row older than the ttl
      [0.9, 90n], // event time equal to entity time; no created column value
    ];
    expect(rows).toEqual(
      passThrough.map((row, i) => ({ ...row, conv_rate: expected[i]?.[0], trips: expected[i]?.[1] })),
    );
  });

  it("has no lower bound when ttl is 0", async () => {
    const { rows } = await collect(h.store.historical(entityRows, [readOf(driverView(h, 0), ["conv_rate"])]));
    expect(rows.map((row) => row.conv_rate)).toEqual([0.25, 0.1, 0.3, 0.3, 0.4, null, null, 0.25, 0.25, 0.9]);
  });

  it("names outputs with full feature names and joins several reads in one pass", async () => {
    const reads = [
      readOf(driverView(h), ["conv_rate", "acc_rate"], ["driver_stats__conv_rate", "driver_stats__acc_rate"]),
      readOf(driverView(h, 0, "all_time"), ["conv_rate"], ["all_time__conv_rate"]),
    ];
    const { rows, names } = await collect(h.store.historical(entityRows, reads));
    expect(names).toEqual([
      "driver_id",
      "event_timestamp",
      "label",
      "driver_stats__conv_rate",
      "driver_stats__acc_rate",
      "all_time__conv_rate",
    ]);
    expect(rows[3]).toEqual({
      ...passThrough[3],
      driver_stats__conv_rate: null,
      driver_stats__acc_rate: null,
      all_time__conv_rate: 0.3,
    });
    expect(rows[0]).toMatchObject({ driver_stats__acc_rate: 0.65, all_time__conv_rate: 0.25 });
  });

  it("matches composite keys through join_key_map", async () => {
    const entities = batchOf([
      { src: "A", dst: "B", event_timestamp: at(2) },
      { src: "B", dst: "A", event_timestamp: at(2) },
      { src: "A", dst: "B", event_timestamp: at(4) },
      { src: "A", dst: "C", event_timestamp: at(0.5) },
      { src: "B", dst: "B", event_timestamp: at(5) },
    ]);
    const read = readOf(routeView(h), ["duration"], ["duration"], { origin: "src", destination: "dst" });
    const { rows } = await collect(h.store.historical({ kind: "rows", batch: entities }, [read]));
    expect(rows.map((row) => row.duration)).toEqual([100n, 200n, 130n, null, null]);
    expect(rows.map((row) => `${String(row.src)}${String(row.dst)}`)).toEqual(["AB", "BA", "AB", "AC", "BB"]);
  });

  it("streams small batches that together hold every row exactly once, in order", async () => {
    const read = readOf(driverView(h), ["conv_rate"]);
    const whole = await collect(h.store.historical(entityRows, [read]));
    const sizes: number[] = [];
    for await (const batch of h.store.historical(entityRows, [read], { batchRows: 3 })) sizes.push(batch.rowCount);
    expect(sizes).toEqual([3, 3, 3, 1]);
    const streamed = await collect(h.store.historical(entityRows, [read], { batchRows: 3 }));
    expect(streamed.rows).toEqual(whole.rows);
  });

  it("can be abandoned after the first batch and keeps serving", async () => {
    const read = readOf(driverView(h), ["conv_rate"]);
    for await (const batch of h.store.historical(entityRows, [read], { batchRows: 2 })) {
      expect(batch.rowCount).toBe(2);
      break;
    }
    const { rows } = await collect(h.store.historical(entityRows, [read]));
    expect(rows).toHaveLength(DRIVER_ENTITIES.length);
  });

  it("reads the entity table in the store's own form (Parquet file or SQL query)", async () => {
    const { rows } = await collect(
      h.store.historical(h.entitySource("entity_rows"), [readOf(driverView(h), ["conv_rate"])]),
    );
    expect(rows).toEqual([
      { ord: 1n, driver_id: 1002n, event_timestamp: at(6), conv_rate: 0.4 },
      { ord: 2n, driver_id: 1001n, event_timestamp: at(2), conv_rate: 0.25 },
      { ord: 3n, driver_id: 1004n, event_timestamp: at(1), conv_rate: null },
    ]);
  });

  it("answers INVALID_ARGUMENT for an entity form the store cannot read", async () => {
    const other =
      h.entitySource("entity_rows").kind === "file"
        ? { kind: "sql", query: "SELECT 1" }
        : { kind: "file", path: "x.parquet" };
    await expect(
      collect(h.store.historical(other as never, [readOf(driverView(h), ["conv_rate"])])),
    ).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
  });

  // Only the postgres store takes the entity table as SQL (the file store refuses SQL: tested above).
  it.runIf(name === "postgres")(
    "refuses an entity query that appends statements of its own, and the tables stay",
    async () => {
      const before = await h.countRows("entity_rows");
      for (const query of [
        `SELECT * FROM "entity_rows") AS q; DROP TABLE "entity_rows"; SELECT 1 FROM (SELECT 1`,
        `WITH gone AS (DELETE FROM "entity_rows" RETURNING *) SELECT * FROM gone`,
      ]) {
        await expect(
          collect(h.store.historical({ kind: "sql", query }, [readOf(driverView(h), ["conv_rate"])])),
        ).rejects.toMatchObject({ code: Code.InvalidArgument });
      }
      expect(await h.countRows("entity_rows")).toBe(before);
    },
  );

  it("answers INVALID_ARGUMENT when the entity rows lack a join key", async () => {
    const batch = batchOf([{ driver: 1001, event_timestamp: at(2) }]);
    await expect(
      collect(h.store.historical({ kind: "rows", batch }, [readOf(driverView(h), ["conv_rate"])])),
    ).rejects.toMatchObject({ code: Code.InvalidArgument });
  });
});
