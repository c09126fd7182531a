import { randomBytes } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { silentLogger, validateOnlineStoreConfig, type LarderServer, type OnlineStoreConfig } from "@larder/core";
import {
  FieldStatus,
  GetOnlineFeaturesRequestSchema,
  GetOnlineFeaturesResponseSchema,
  ServingService,
} from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { openRegistry } from "@larder/registry";
import type { FeatureStore } from "@larder/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeEntityKey } from "../../src/entity-key/serialize.js";
import { createOnlineStore } from "../../src/online-store/create-online-store.js";
import type { OnlineStore, OnlineView } from "../../src/online-store/online-store.js";
import { createFeatureServer } from "../../src/feature-server.js";
import { applyServingRepo, bytes, v } from "../serving-fixture.js";

type Json = Record<string, unknown>;
const STORES: Array<[string, (repoPath: string) => OnlineStoreConfig]> = [
  ["sqlite", (repoPath) => ({ type: "sqlite", path: `${repoPath}/data/online.db` })],
  ["redis (larder layout)", () => redisConfig("larder")],
  ["redis (feast layout)", () => redisConfig("feast")],
];

/** The Redis on 6379, configured through feature_store.yaml's own validator (no hand-built config). */
function redisConfig(layout: "larder" | "feast"): OnlineStoreConfig {
  return validateOnlineStoreConfig(
    { type: "redis", connection_string: "127.0.0.1:6379", layout },
    { repoPath: "/", provider: "local" },
  );
}

describe.each(STORES)("FeatureServer on %s", (_name, storeConfig) => {
  const project = `serving_${randomBytes(3).toString("hex")}`;
  let featureStore: FeatureStore;
  let online: OnlineStore;
  let server: LarderServer;
  let base = "";
  let port = 0;
  const now = Date.now();

  beforeAll(async () => {
    const applied = await applyServingRepo(project);
    featureStore = applied.store;
    online = createOnlineStore(storeConfig(applied.repoPath));
    await online.ready();
    const driverStats: OnlineView = {
      project,
      name: "driver_stats",
      joinKeys: ["driver_id"],
      features: ["conv_rate", "trips", "city"],
    };
    await online.write(driverStats, [
      {
        entityKey: serializeEntityKey(["driver_id"], [v.int64(1001)]),
        eventTimeMs: now - 60_000,
        values: [bytes(v.float(0.5)), bytes(v.int64(10)), bytes(v.str("Oslo"))],
      },
      {
        entityKey: serializeEntityKey(["driver_id"], [v.int64(1002)]),
        eventTimeMs: now - 2 * 3_600_000,
        values: [bytes(v.float(0.25)), bytes(v.null()), bytes(v.str("Rome"))],
      },
    ]);
    const pairStats: OnlineView = {
      project,
      name: "pair_stats",
      joinKeys: ["customer_id", "driver_id"],
      features: ["rides_together"],
    };
    await online.write(pairStats, [
      {
        entityKey: serializeEntityKey(["driver_id", "customer_id"], [v.int64(1001), v.str("c1")]),
        eventTimeMs: now - 1_000,
        values: [bytes(v.int64(7))],
      },
    ]);
    server = await createFeatureServer({
      project,
      server: { port: 0 },
      registry: await openRegistry(featureStore.config.registry),
      onlineStore: online,
      registryPollIntervalMs: 200,
      maxEntityRows: 100,
      transformTimeoutMs: 200,
      logger: silentLogger(),
    });
    port = (await server.listen()).port;
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await online.teardown([
      { project, name: "driver_stats", joinKeys: ["driver_id"], features: ["conv_rate", "trips", "city"] },
      { project, name: "pair_stats", joinKeys: ["customer_id", "driver_id"], features: ["rides_together"] },
    ]);
    await server.shutdown();
    await featureStore.close();
  });

  const post = async (body: unknown): Promise<{ status: number; json: Json }> => {
    const res = await fetch(`${base}/get-online-features`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Json };
  };

  it("answers REST /get-online-features in Feast's shape with every status", async () => {
    const { status, json } = await post({
      features: ["driver_stats:conv_rate", "driver_stats:trips", "driver_stats:city"],
      entities: { driver_id: [1001, 1002, 1003, 1001] },
    });
    expect(status).toBe(200);
    expect((json.metadata as Json).feature_names).toEqual(["driver_id", "conv_rate", "trips", "city"]);
    const [ids, conv, trips, city] = json.results as Array<{
      values: unknown[];
      statuses: string[];
      event_timestamps: string[];
    }>;
    expect(ids!.values).toEqual([1001, 1002, 1003, 1001]);
    expect(ids!.statuses).toEqual(["PRESENT", "PRESENT", "PRESENT", "PRESENT"]);
    expect(conv!.values).toEqual([0.5, 0.25, null, 0.5]);
    expect(conv!.statuses).toEqual(["PRESENT", "OUTSIDE_MAX_AGE", "NOT_FOUND", "PRESENT"]);
    expect(trips!.values).toEqual([10, null, null, 10]);
    expect(trips!.statuses).toEqual(["PRESENT", "NULL_VALUE", "NOT_FOUND", "PRESENT"]);
    expect(city!.values).toEqual(["Oslo", "Rome", null, "Oslo"]);
    expect(conv!.event_timestamps[0]).toBe(new Date(now - 60_000).toISOString().replace(/\.000Z$/, "Z"));
    expect(conv!.event_timestamps[2]).toBe("1970-01-01T00:00:00Z");
  });

  it("answers gRPC GetOnlineFeatures, also at Feast's feast.serving.ServingService path", async () => {
    const client = createClient(ServingService, createGrpcTransport({ baseUrl: base }));
    const response = await client.getOnlineFeatures({
      kind: { case: "features", value: { val: ["driver_stats:trips"] } },
      entities: { driver_id: { val: [v.int64(1001), v.int64(1003)] } },
    });
    expect(response.metadata?.featureNames?.val).toEqual(["driver_id", "trips"]);
    expect(response.results[1]?.statuses).toEqual([FieldStatus.PRESENT, FieldStatus.NOT_FOUND]);
    expect(response.results[1]?.values[0]?.val).toEqual({ case: "int64Val", value: 10n });

    // A client built from Feast's numbering: same bytes, Feast's service path.
    const request = toBinary(
      GetOnlineFeaturesRequestSchema,
      create(GetOnlineFeaturesRequestSchema, {
        kind: { case: "features", value: { val: ["driver_stats:city"] } },
        entities: { driver_id: { val: [v.int64(1001)] } },
      }),
    );
    const raw = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const reply = await new Promise<Buffer>((resolve, reject) =>
      raw.makeUnaryRequest(
        "/feast.serving.ServingService/GetOnlineFeatures",
        (b: Uint8Array) => Buffer.from(b),
        (b: Buffer) => b,
        request,
        (e, r) => (e !== null ? reject(e) : resolve(r ?? Buffer.alloc(0))),
      ),
    );
    raw.close();
    const decoded = fromBinary(GetOnlineFeaturesResponseSchema, reply);
    expect(decoded.results[1]?.values[0]?.val).toEqual({ case: "stringVal", value: "Oslo" });
  });

  it("reads composite keys whatever the order of the request's columns, and coerces entity values", async () => {
    const { json } = await post({
      features: ["pair_stats:rides_together"],
      entities: { customer_id: ["c1", "c2"], driver_id: ["1001", 1001] },
    });
    const results = json.results as Array<{ values: unknown[]; statuses: string[] }>;
    expect((json.metadata as Json).feature_names).toEqual(["customer_id", "driver_id", "rides_together"]);
    expect(results[1]!.values).toEqual([1001, 1001]);
    expect(results[2]!.values).toEqual([7, null]);
    expect(results[2]!.statuses).toEqual(["PRESENT", "NOT_FOUND"]);
  });

  it("serves a feature service with aliases, full feature names and an on-demand view", async () => {
    const { status, json } = await post({
      feature_service: "driver_activity",
      entities: { driver_id: [1001], bonus: [1.5] },
      full_feature_names: true,
    });
    expect(status).toBe(200);
    expect((json.metadata as Json).feature_names).toEqual([
      "driver_id",
      "driver_stats__conv_rate",
      "stats_again__trips",
      "conv_plus__conv_plus_bonus",
    ]);
    const results = json.results as Array<{ values: unknown[] }>;
    expect(results[1]!.values).toEqual([0.5]);
    expect(results[2]!.values).toEqual([10]);
    expect(results[3]!.values).toEqual([2]);
  });

  it("refuses bad requests with the right code and a message naming the field", async () => {
    const missing = await post({ features: ["driver_stats:trips"], entities: { customer_id: ["c1"] } });
    expect(missing.status).toBe(400);
    expect(String(missing.json.detail)).toContain("driver_id");
    expect((await post({ features: ["nope:trips"], entities: { driver_id: [1] } })).status).toBe(404);
    expect((await post({ features: ["driver_stats:nope"], entities: { driver_id: [1] } })).status).toBe(404);
    expect((await post({ feature_service: "nope", entities: { driver_id: [1] } })).status).toBe(404);
    const collision = await post({
      features: ["driver_stats:trips", "driver_stats:trips"],
      entities: { driver_id: [1] },
    });
    expect(collision.status).toBe(400);
    expect(String(collision.json.detail)).toContain("full_feature_names");
    const tooMany = await post({
      features: ["driver_stats:trips"],
      entities: { driver_id: Array.from({ length: 101 }, (_, i) => i) },
    });
    expect(tooMany.status).toBe(400);
    const unequal = await post({
      features: ["pair_stats:rides_together"],
      entities: { driver_id: [1, 2], customer_id: ["a"] },
    });
    expect(unequal.status).toBe(400);
    const badType = await post({ features: ["driver_stats:trips"], entities: { driver_id: ["abc"] } });
    expect(badType.status).toBe(400);
    expect(String(badType.json.detail)).toContain("entities.driver_id[0]");
    expect((await post({ entities: { driver_id: [1] } })).status).toBe(400);
    expect((await post({ features: ["driver_stats:trips"] })).status).toBe(400);
    const needsRequestData = await post({ features: ["conv_plus:conv_plus_bonus"], entities: { driver_id: [1001] } });
    expect(needsRequestData.status).toBe(400);
    expect(String(needsRequestData.json.detail)).toContain("bonus");

    const client = createClient(ServingService, createGrpcTransport({ baseUrl: base }));
    const error = await client
      .getOnlineFeatures({ kind: { case: "features", value: { val: ["driver_stats:trips"] } }, entities: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
  });

  it("fails only the request whose transform reaches for process or loops forever", async () => {
    const escape = await post({ features: ["escape_attempt:pid"], entities: { driver_id: [1001] } });
    expect(escape.status).toBe(400);
    expect(JSON.stringify(escape.json)).not.toMatch(/\d{3,}/); // no pid, no stack
    const started = Date.now();
    const forever = await post({ features: ["loops_forever:never"], entities: { driver_id: [1001] } });
    expect(forever.status).toBe(400);
    expect(String(forever.json.detail)).toContain("timed out");
    expect(Date.now() - started).toBeLessThan(2_000);
    const after = await post({ features: ["driver_stats:trips"], entities: { driver_id: [1001] } });
    expect(after.status).toBe(200);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});
