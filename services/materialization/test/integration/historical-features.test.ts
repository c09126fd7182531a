import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { createHandlerContext, createContextValues } from "@connectrpc/connect";
import { DuckDBInstance } from "@duckdb/node-api";
import { Code, valueToJson } from "@larder/core";
import {
  GetHistoricalFeaturesRequestSchema,
  MaterializationService,
  type GetHistoricalFeaturesResponse,
} from "@larder/gen/es/larder/materialization/v1/materialization_service_pb";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { ValueSchema, ValueType as VT, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { openRegistry, type RegistryApi } from "@larder/registry";
import {
  Entity,
  FeatureService,
  FeatureStore,
  FeatureView,
  Field,
  FileSource,
  OnDemandFeatureView,
  RequestSource,
  ValueType,
  types,
} from "@larder/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getHistoricalFeatures, type HistoricalRequest } from "../../src/historical/historical-features.js";
import type { MaterializationJobs } from "../../src/materialization-jobs.js";
import { createMaterializationService } from "../../src/materialization-service.js";
import { createDuckDbOfflineStore } from "../../src/offline-store/duckdb-offline-store.js";
import type { OfflineStore } from "../../src/offline-store/offline-store.js";
import { at, batchOf, collect, ts } from "./offline-store-harness.js";

const PROJECT = "hist";

function definitions() {
  const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 });
  const source = new FileSource({
    name: "stats",
    path: "data/stats.parquet",
    timestampField: "event_timestamp",
    createdTimestampColumn: "created",
  });
  const driverStats = new FeatureView({
    name: "driver_stats",
    entities: [driver],
    ttl: "2h",
    schema: [
      new Field({ name: "conv_rate", dtype: types.Float64 }),
      new Field({ name: "trips", dtype: types.Int64 }),
      new Field({ name: "city", dtype: types.String }),
    ],
    source,
  });
  const bonus = new RequestSource({
    name: "bonus_request",
    schema: [new Field({ name: "bonus", dtype: types.Float64 })],
  });
  const convPlus = new OnDemandFeatureView({
    name: "conv_plus",
    sources: [driverStats, bonus],
    schema: [new Field({ name: "conv_plus_bonus", dtype: types.Float64 })],
    transform: (inputs) => ({
      conv_plus_bonus: inputs.conv_rate.map((c, i) => Number(c ?? 0) + Number(inputs.bonus[i] ?? 0)),
    }),
  });
  const activity = new FeatureService({
    name: "driver_activity",
    features: [driverStats.select(["conv_rate"]), driverStats.withName("stats_again").select(["trips"]), convPlus],
  });
  const twice = new FeatureService({
    name: "twice",
    features: [driverStats.select(["conv_rate"]), driverStats.withName("again").select(["conv_rate"])],
  });
  return [driver, driverStats, convPlus, activity, twice];
}

/** Entity rows: out of time order, an unknown driver, one outside the 2h ttl, one before any row. */
const ENTITIES = [
  { driver_id: 1001, event_timestamp: at(1.5), bonus: 1 },
  { driver_id: 1001, event_timestamp: at(3), bonus: 2 },
  { driver_id: 1002, event_timestamp: at(4), bonus: 3 },
  { driver_id: 1003, event_timestamp: at(2), bonus: 4 },
  { driver_id: 1001, event_timestamp: at(0.5), bonus: 5 },
];
/** As the store passes them through: the join key typed INT64, and whole-number `bonus` inferred INT64 from JS rows. */
const KEYS = ENTITIES.map((row) => ({ ...row, driver_id: BigInt(row.driver_id), bonus: BigInt(row.bonus) }));

let repoPath: string;
let store: FeatureStore;
let registryApi: RegistryApi;
let registry: Registry;
let offline: OfflineStore;

beforeAll(async () => {
  repoPath = await mkdtemp(join(tmpdir(), "larder-historical-"));
  await mkdir(join(repoPath, "data"));
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  await connection.run("SET TimeZone = 'UTC'");
  await connection.run(
    `CREATE TABLE stats (driver_id BIGINT, event_timestamp TIMESTAMP, created TIMESTAMP, conv_rate DOUBLE, trips BIGINT, city VARCHAR)`,
  );
  await connection.run(
    `INSERT INTO stats VALUES (1001, ${ts(1)}, ${ts(1)}, 0.1, 10, 'Oslo'), (1001, ${ts(2)}, ${ts(2)}, 0.2, 20, 'Bergen'),` +
      ` (1001, ${ts(2)}, ${ts(1)}, 0.9, 90, 'stale'), (1002, ${ts(1)}, ${ts(1)}, 0.5, 50, 'Tromsø')`,
  );
  await connection.run(`COPY stats TO '${join(repoPath, "data", "stats.parquet")}' (FORMAT parquet)`);
  await connection.run(`CREATE TABLE entities (driver_id BIGINT, event_timestamp TIMESTAMP, bonus DOUBLE)`);
  await connection.run(
    `INSERT INTO entities VALUES ${ENTITIES.map((e) => `(${e.driver_id}, ${ts((e.event_timestamp - at(0)) / 3_600_000)}, ${e.bonus})`).join(", ")}`,
  );
  await connection.run(`COPY entities TO '${join(repoPath, "data", "entities.parquet")}' (FORMAT parquet)`);
  connection.closeSync();
  db.closeSync();
  store = await FeatureStore.open({ config: { project: PROJECT, registry: "data/registry.db" }, repoPath });
  await store.apply(definitions());
  registry = await store.snapshot();
  registryApi = await openRegistry(store.config.registry);
  offline = createDuckDbOfflineStore({ repoPath });
});

afterAll(async () => {
  await offline.close();
  await registryApi.close();
  await store.close();
  await rm(repoPath, { recursive: true, force: true });
});

const rows = { kind: "rows", batch: batchOf(ENTITIES) } as const;
/** Collects a retrieval; resolution errors (thrown before streaming) become a rejection too. */
const run = async (request: Omit<HistoricalRequest, "fullFeatureNames"> & { fullFeatureNames?: boolean }) =>
  await collect(
    getHistoricalFeatures({ offline, registry, project: PROJECT }, { fullFeatureNames: false, ...request }),
  );

describe("getHistoricalFeatures", () => {
  it("joins refs point in time, entity columns first, outputs in request order", async () => {
    const { names, rows: out } = await run({
      entities: rows,
      kind: { features: ["driver_stats:city", "driver_stats:conv_rate"] },
    });
    expect(names).toEqual(["driver_id", "event_timestamp", "bonus", "city", "conv_rate"]);
    expect(out).toEqual([
      { ...KEYS[0], city: "Oslo", conv_rate: 0.1 },
      { ...KEYS[1], city: "Bergen", conv_rate: 0.2 }, // same event time: the later created wins
      { ...KEYS[2], city: null, conv_rate: null }, // newest row older than the 2h ttl
      { ...KEYS[3], city: null, conv_rate: null }, // unknown driver
      { ...KEYS[4], city: null, conv_rate: null }, // before any row
    ]);
  });

  it("expands a feature service with an alias, a subset and an ODFV under full names", async () => {
    const { names, rows: out } = await run({
      entities: rows,
      kind: { featureService: "driver_activity" },
      fullFeatureNames: true,
    });
    expect(names).toEqual([
      "driver_id",
      "event_timestamp",
      "bonus",
      "driver_stats__conv_rate",
      "stats_again__trips",
      "conv_plus__conv_plus_bonus",
    ]);
    const expected: [number | null, bigint | null, number][] = [
      [0.1, 10n, 1.1],
      [0.2, 20n, 2.2],
      [null, null, 3],
      [null, null, 4],
      [null, null, 5],
    ];
    expect(out).toEqual(
      KEYS.map((row, i) => ({
        ...row,
        driver_stats__conv_rate: expected[i]![0],
        stats_again__trips: expected[i]![1],
        conv_plus__conv_plus_bonus: expected[i]![2],
      })),
    );
  });

  it("refuses duplicate output names without full feature names, and accepts them with", async () => {
    await expect(run({ entities: rows, kind: { featureService: "twice" } })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringMatching(/Duplicate features named conv_rate; set full_feature_names/) as unknown,
    });
    expect(() =>
      getHistoricalFeatures(
        { offline, registry, project: PROJECT },
        { entities: rows, kind: { features: ["driver_stats:trips", "driver_stats:trips"] }, fullFeatureNames: false },
      ),
    ).toThrow(/Duplicate features named trips/);
    const { names } = await run({ entities: rows, kind: { featureService: "twice" }, fullFeatureNames: true });
    expect(names.slice(3)).toEqual(["driver_stats__conv_rate", "again__conv_rate"]);
  });

  it("answers NOT_FOUND for an unknown view, feature or service", () => {
    for (const kind of [
      { features: ["nope:conv_rate"] },
      { features: ["driver_stats:nope"] },
      { featureService: "nope" },
    ]) {
      expect(() =>
        getHistoricalFeatures(
          { offline, registry, project: PROJECT },
          { entities: rows, kind, fullFeatureNames: false },
        ),
      ).toThrow(expect.objectContaining({ code: Code.NotFound }));
    }
  });

  it("computes an ODFV after the join from hidden joined columns and a request column of an entity file", async () => {
    const { names, rows: out } = await run({
      entities: { kind: "file", path: "data/entities.parquet" },
      kind: { features: ["conv_plus:conv_plus_bonus"] },
    });
    // conv_rate, trips and city are read only as inputs: they are not in the output.
    expect(names).toEqual(["driver_id", "event_timestamp", "bonus", "conv_plus_bonus"]);
    expect(out.map((row) => row.conv_plus_bonus)).toEqual([1.1, 2.2, 3, 4, 5]);
    expect(out.map((row) => row.event_timestamp)).toEqual(ENTITIES.map((row) => row.event_timestamp));
  });

  it("keeps an ODFV input that is also requested", async () => {
    const { names } = await run({
      entities: rows,
      kind: { features: ["conv_plus:conv_plus_bonus", "driver_stats:trips"] },
    });
    expect(names).toEqual(["driver_id", "event_timestamp", "bonus", "conv_plus_bonus", "trips"]);
  });

  it("answers INVALID_ARGUMENT naming a request column missing from the entity table", async () => {
    const noBonus = { kind: "rows", batch: batchOf(ENTITIES.map(({ bonus: _b, ...row }) => row)) } as const;
    expect(() =>
      getHistoricalFeatures(
        { offline, registry, project: PROJECT },
        { entities: noBonus, kind: { features: ["conv_plus:conv_plus_bonus"] }, fullFeatureNames: false },
      ),
    ).toThrow(/lacks request data bonus needed by on demand feature view "conv_plus"/);
    await expect(
      run({ entities: { kind: "file", path: "data/stats.parquet" }, kind: { featureService: "driver_activity" } }),
    ).rejects.toMatchObject({ code: Code.InvalidArgument });
  });
});

describe("MaterializationService.GetHistoricalFeatures", () => {
  const service = () =>
    createMaterializationService({} as MaterializationJobs, {
      offline,
      registry: registryApi,
      project: PROJECT,
      batchRows: 2,
    });
  const context = () =>
    createHandlerContext({
      service: MaterializationService,
      method: MaterializationService.method.getHistoricalFeatures,
      protocolName: "grpc",
      requestMethod: "POST",
      url: "/larder.materialization.v1.MaterializationService/GetHistoricalFeatures",
      requestSignal: new AbortController().signal,
      contextValues: createContextValues(),
    });
  const value = (val: Value["val"]): Value => create(ValueSchema, { val });
  const call = async (init: Parameters<typeof create<typeof GetHistoricalFeaturesRequestSchema>>[1]) => {
    const responses: GetHistoricalFeaturesResponse[] = [];
    const stream = service().getHistoricalFeatures(create(GetHistoricalFeaturesRequestSchema, init), context());
    for await (const response of stream as AsyncIterable<GetHistoricalFeaturesResponse>) responses.push(response);
    return responses;
  };

  it("streams typed columns in several batches from entity_rows", async () => {
    const seconds = (ms: number) => BigInt(ms / 1000);
    const responses = await call({
      entities: {
        case: "entityRows",
        value: {
          columns: {
            driver_id: { val: ENTITIES.map((e) => value({ case: "int64Val", value: BigInt(e.driver_id) })) },
            event_timestamp: {
              val: ENTITIES.map((e) => value({ case: "unixTimestampVal", value: seconds(e.event_timestamp) })),
            },
            bonus: { val: ENTITIES.map((e) => value({ case: "doubleVal", value: e.bonus })) },
          },
        },
      },
      kind: { case: "featureService", value: "driver_activity" },
      fullFeatureNames: true,
    });
    expect(responses.map((r) => r.batchIndex)).toEqual([0n, 1n, 2n]);
    expect(responses.map((r) => r.columns[0]?.values.length)).toEqual([2, 2, 1]);
    const first = responses[0]!;
    expect(first.columns.map((c) => [c.name, c.valueType])).toEqual([
      ["driver_id", VT.INT64],
      ["event_timestamp", VT.UNIX_TIMESTAMP],
      ["bonus", VT.DOUBLE],
      ["driver_stats__conv_rate", VT.DOUBLE],
      ["stats_again__trips", VT.INT64],
      ["conv_plus__conv_plus_bonus", VT.DOUBLE],
    ]);
    const column = (name: string) =>
      responses.flatMap((r) => r.columns.find((c) => c.name === name)?.values.map((v) => valueToJson(v)) ?? []);
    expect(column("driver_id")).toEqual([1001, 1001, 1002, 1003, 1001]);
    expect(column("event_timestamp")).toEqual(ENTITIES.map((e) => e.event_timestamp / 1000));
    expect(column("driver_stats__conv_rate")).toEqual([0.1, 0.2, null, null, null]);
    expect(column("stats_again__trips")).toEqual([10, 20, null, null, null]);
    expect(column("conv_plus__conv_plus_bonus")).toEqual([1.1, 2.2, 3, 4, 5]);
    // A null is an unset Value.
    expect(responses[1]!.columns.find((c) => c.name === "stats_again__trips")?.values[1]?.val.case).toBeUndefined();
  });

  it("reads an entity_path and feature refs", async () => {
    const responses = await call({
      entities: { case: "entityPath", value: "data/entities.parquet" },
      kind: { case: "features", value: { val: ["driver_stats:city"] } },
    });
    expect(
      responses.flatMap((r) => r.columns.find((c) => c.name === "city")?.values.map((v) => valueToJson(v))),
    ).toEqual(["Oslo", "Bergen", null, null, null]);
  });

  it("refuses an entity_path outside the feature repository", async () => {
    for (const path of ["/etc/passwd", "../outside.parquet", "data/../../outside.csv"]) {
      await expect(
        call({
          entities: { case: "entityPath", value: path },
          kind: { case: "features", value: { val: ["driver_stats:city"] } },
        }),
      ).rejects.toMatchObject({
        code: Code.InvalidArgument,
        message: expect.stringContaining("entity_path") as unknown,
      });
    }
    // Inside the repository, `..` that stays inside is fine.
    const responses = await call({
      entities: { case: "entityPath", value: "data/../data/entities.parquet" },
      kind: { case: "features", value: { val: ["driver_stats:city"] } },
    });
    expect(responses.length).toBeGreaterThan(0);
  });

  it("answers INVALID_ARGUMENT naming a missing entities or kind field", async () => {
    await expect(call({ kind: { case: "featureService", value: "driver_activity" } })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining("entities") as unknown,
    });
    await expect(call({ entities: { case: "entityPath", value: "data/entities.parquet" } })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining("kind") as unknown,
    });
  });
});
