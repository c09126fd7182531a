import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { silentLogger, validateOnlineStoreConfig, type LarderServer, type OnlineStoreConfig } from "@larder/core";
import { FieldStatus, ServingService } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema } from "@larder/gen/es/larder/types/v1/value_pb";
import { openRegistry } from "@larder/registry";
import { Entity, FeatureStore, FeatureView, Field, FileSource, ValueType, types } from "@larder/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeEntityKey } from "../../src/entity-key/serialize.js";
import { createFeatureServer } from "../../src/feature-server.js";
import { createOnlineStore } from "../../src/online-store/create-online-store.js";
import type { OnlineStore, OnlineView } from "../../src/online-store/online-store.js";
import { bytes, v } from "../serving-fixture.js";

const floats = (xs: readonly number[]): Uint8Array =>
  toBinary(ValueSchema, create(ValueSchema, { val: { case: "floatListVal", value: { val: [...xs] } } }));

const redis = (layout: "larder" | "feast"): OnlineStoreConfig =>
  validateOnlineStoreConfig(
    { type: "redis", connection_string: "127.0.0.1:6379", layout },
    { repoPath: "/", provider: "local" },
  );

const STORES: Array<[string, (repoPath: string) => OnlineStoreConfig]> = [
  ["sqlite", (repoPath) => ({ type: "sqlite", path: `${repoPath}/data/online.db` })],
  ["redis (larder layout)", () => redis("larder")],
  ["redis (feast layout)", () => redis("feast")],
];

/** 300 documents on a circle (angle i°), so the nearest to any query angle are known exactly. */
const DOCS = 300;
const angle = (i: number): number => (i * Math.PI) / 180;

describe.each(STORES)("RetrieveOnlineDocuments on %s", (_name, storeConfig) => {
  const project = `docs_${randomBytes(3).toString("hex")}`;
  const view: OnlineView = { project, name: "doc_embeddings", joinKeys: ["doc_id"], features: ["embedding", "title"] };
  let featureStore: FeatureStore;
  let online: OnlineStore;
  let server: LarderServer;
  let base = "";

  beforeAll(async () => {
    const repoPath = mkdtempSync(join(tmpdir(), "larder-docs-"));
    featureStore = await FeatureStore.open({ config: { project, registry: "data/registry.db" }, repoPath });
    const doc = new Entity({ name: "doc", joinKeys: ["doc_id"], valueType: ValueType.INT64 });
    await featureStore.apply([
      doc,
      new FeatureView({
        name: "doc_embeddings",
        entities: [doc],
        ttl: 0,
        schema: [
          new Field({
            name: "embedding",
            dtype: types.Array(types.Float32),
            vectorIndex: true,
            vectorLength: 2,
            vectorSearchMetric: "cosine",
          }),
          new Field({ name: "title", dtype: types.String }),
        ],
        source: new FileSource({ name: "docs", path: "data/docs.parquet", timestampField: "event_timestamp" }),
      }),
    ]);
    online = createOnlineStore(storeConfig(repoPath));
    await online.ready();
    await online.write(
      view,
      Array.from({ length: DOCS }, (_, i) => ({
        entityKey: serializeEntityKey(["doc_id"], [v.int64(i)]),
        eventTimeMs: 1_700_000_000_000 + i,
        values: [floats([Math.cos(angle(i)), Math.sin(angle(i))]), bytes(v.str(`doc ${i}`))],
      })),
    );
    // A row with no vector is skipped, not an error.
    await online.write(view, [
      {
        entityKey: serializeEntityKey(["doc_id"], [v.int64(9999)]),
        eventTimeMs: 1,
        values: [undefined, bytes(v.str("no vector"))],
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
    base = `http://127.0.0.1:${(await server.listen()).port}`;
  });

  afterAll(async () => {
    await online.teardown([view]);
    await server.shutdown();
    await featureStore.close();
  });

  it("finds the k nearest by cosine over gRPC, nearest first, with extra features and distances", async () => {
    const client = createClient(ServingService, createGrpcTransport({ baseUrl: base }));
    const response = await client.retrieveOnlineDocuments({
      featureView: "doc_embeddings",
      feature: "embedding",
      query: [Math.cos(angle(100)), Math.sin(angle(100))],
      topK: 3,
      features: ["title"],
    });
    expect(response.metadata?.featureNames?.val).toEqual(["doc_id", "embedding", "title"]);
    const [ids, , titles] = response.results;
    const found = ids!.values.map((x) => (x.val.case === "int64Val" ? Number(x.val.value) : -1));
    expect(found[0]).toBe(100);
    expect(found.slice(1).sort()).toEqual([101, 99]);
    expect(titles!.values.map((x) => (x.val.case === "stringVal" ? x.val.value : ""))).toEqual(
      found.map((i) => `doc ${i}`),
    );
    expect(titles!.statuses).toEqual([FieldStatus.PRESENT, FieldStatus.PRESENT, FieldStatus.PRESENT]);
    expect(response.distances[0]).toBeCloseTo(0, 5);
    expect(response.distances[1]).toBeCloseTo(1 - Math.cos(angle(1)), 5);
    expect(response.distances[1]! <= response.distances[2]!).toBe(true);
  });

  it("uses l2 when asked, and answers Feast's REST /retrieve-online-documents and /search", async () => {
    for (const path of ["/retrieve-online-documents", "/search"]) {
      const res = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          features: ["doc_embeddings:embedding", "doc_embeddings:title"],
          query: [2 * Math.cos(angle(200)), 2 * Math.sin(angle(200))],
          top_k: 1,
          distance_metric: "l2",
        }),
      });
      expect(res.status).toBe(200);
      const json = (await res.json()) as {
        metadata: { feature_names: string[] };
        results: Array<{ values: unknown[] }>;
      };
      expect(json.metadata.feature_names).toEqual(["doc_id", "embedding", "title", "distance"]);
      expect(json.results[0]!.values).toEqual([200]);
      expect(json.results[2]!.values).toEqual(["doc 200"]);
      // |2u − u| = 1 for the unit vector u at the same angle.
      expect(json.results[3]!.values[0] as number).toBeCloseTo(1, 5);
    }
  });

  it("refuses bad input naming the field, on both protocols", async () => {
    const client = createClient(ServingService, createGrpcTransport({ baseUrl: base }));
    const ask = async (request: Parameters<typeof client.retrieveOnlineDocuments>[0]): Promise<ConnectError> => {
      try {
        await client.retrieveOnlineDocuments(request);
      } catch (error) {
        return ConnectError.from(error);
      }
      throw new Error("expected an error");
    };
    const good = { featureView: "doc_embeddings", feature: "embedding", query: [1, 0], topK: 2 };
    let e = await ask({ ...good, featureView: "nope" });
    expect(e.code).toBe(Code.NotFound);
    expect(e.rawMessage).toContain('"nope"');
    e = await ask({ ...good, feature: "title" });
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.rawMessage).toMatch(/^feature: /);
    e = await ask({ ...good, query: [1, 0, 0] });
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.rawMessage).toMatch(/vector_length 2/);
    e = await ask({ ...good, topK: 0 });
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.rawMessage).toMatch(/^top_k: /);
    e = await ask({ ...good, distanceMetric: "manhattan" });
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.rawMessage).toMatch(/^distance_metric: /);
    e = await ask({ ...good, features: ["missing"] });
    expect(e.code).toBe(Code.NotFound);

    const rest = await fetch(`${base}/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ features: ["doc_embeddings:embedding"], query: "not a list" }),
    });
    expect(rest.status).toBe(400);
    expect(JSON.stringify(await rest.json())).toContain("query");
  });
});
