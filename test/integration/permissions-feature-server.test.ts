import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { DuckDBInstance } from "@duckdb/node-api";
import { silentLogger, validateAuthConfig, type LarderServer } from "@larder/core";
import { MaterializationService } from "@larder/gen/es/larder/materialization/v1/materialization_service_pb";
import { PushMode, PushService } from "@larder/gen/es/larder/push/v1/push_service_pb";
import { ServingService } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { createOfflineStore, mountMaterialization } from "@larder/materialization";
import { mountPush } from "@larder/push";
import { openRegistry } from "@larder/registry";
import {
  AuthzedAction,
  Entity,
  FeatureService,
  FeatureStore,
  FeatureView,
  Field,
  FileSource,
  GroupBasedPolicy,
  Permission,
  PushSource,
  RoleBasedPolicy,
  ValueType,
  WRITE,
  types,
} from "@larder/sdk";
import { createFeatureServer, createOnlineStore, serializeEntityKey, type OnlineStore } from "@larder/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oidcAuthYaml, startOidcIssuer, type OidcIssuer } from "../harness/oidc-issuer.js";

// The permission matrix on a real FeatureServer (serving, push, materialization mounted) with a real
// OIDC issuer on loopback: tokens are signed by the issuer and verified by the server's auth interceptor.

const v = {
  int64: (n: number): Value => create(ValueSchema, { val: { case: "int64Val", value: BigInt(n) } }),
  double: (x: number): Value => create(ValueSchema, { val: { case: "doubleVal", value: x } }),
  str: (s: string): Value => create(ValueSchema, { val: { case: "stringVal", value: s } }),
};
const bytes = (value: Value): Uint8Array => toBinary(ValueSchema, value);
const T0 = Date.parse("2020-01-01T00:00:00Z");

function definitions(withPermissions: boolean) {
  const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 });
  const batch = new FileSource({ name: "stats", path: "data/stats.parquet", timestampField: "event_timestamp" });
  const push = new PushSource({ name: "driver_push", batchSource: batch });
  const schema = [new Field({ name: "conv_rate", dtype: types.Float64 })];
  const driverStats = new FeatureView({
    name: "driver_stats",
    entities: [driver],
    ttl: 0,
    schema,
    source: push,
    tags: { team: "risk" },
  });
  // Named like the others, but without the tag the writers' permission requires.
  const untagged = new FeatureView({ name: "driver_untagged", entities: [driver], ttl: 0, schema, source: batch });
  const secret = new FeatureView({
    name: "secret_stats",
    entities: [driver],
    ttl: 0,
    schema,
    source: batch,
    tags: { team: "secret" },
  });
  const embeddings = new FeatureView({
    name: "driver_embeddings",
    entities: [driver],
    ttl: 0,
    schema: [
      new Field({
        name: "embedding",
        dtype: types.Array(types.Float32),
        vectorIndex: true,
        vectorLength: 2,
        vectorSearchMetric: "cosine",
      }),
    ],
    source: batch,
  });
  const activity = new FeatureService({ name: "driver_activity", features: [driverStats] });
  const secretService = new FeatureService({ name: "secret_service", features: [secret] });
  const objects = [driver, batch, push, driverStats, untagged, secret, embeddings, activity, secretService];
  if (!withPermissions) return objects;
  return [
    ...objects,
    new Permission({
      name: "online-readers",
      types: [FeatureView, FeatureService],
      namePatterns: ["driver_.*"],
      actions: AuthzedAction.READ_ONLINE,
      policy: new RoleBasedPolicy({ roles: ["reader", "writer"] }),
    }),
    new Permission({
      name: "writers",
      types: FeatureView,
      namePatterns: ["driver_.*"],
      requiredTags: { team: "risk" },
      actions: WRITE,
      policy: new RoleBasedPolicy({ roles: ["writer"] }),
    }),
    // The same two actions granted by two permissions: enough for each alone, not for both at once.
    new Permission({
      name: "split-online",
      types: FeatureView,
      namePatterns: ["driver_stats"],
      actions: AuthzedAction.WRITE_ONLINE,
      policy: new RoleBasedPolicy({ roles: ["splitter"] }),
    }),
    new Permission({
      name: "split-offline",
      types: FeatureView,
      namePatterns: ["driver_stats"],
      actions: AuthzedAction.WRITE_OFFLINE,
      policy: new RoleBasedPolicy({ roles: ["splitter"] }),
    }),
    new Permission({
      name: "offline-readers",
      types: FeatureView,
      namePatterns: ["driver_.*"],
      actions: AuthzedAction.READ_OFFLINE,
      policy: new RoleBasedPolicy({ roles: ["analyst"] }),
    }),
    new Permission({
      name: "materializers",
      types: FeatureView,
      namePatterns: ["driver_stats"],
      actions: AuthzedAction.WRITE_ONLINE,
      policy: new GroupBasedPolicy({ groups: ["ml-ops"] }),
    }),
  ];
}

interface Harness {
  readonly base: string;
  readonly serving: (token?: string) => Client<typeof ServingService>;
  readonly push: (token?: string) => Client<typeof PushService>;
  readonly materialization: (token?: string) => Client<typeof MaterializationService>;
  close(): Promise<void>;
}

async function startHarness(
  issuer: OidcIssuer,
  project: string,
  options: { withPermissions: boolean; uncovered: "deny" | "allow_authenticated" },
): Promise<Harness> {
  const repoPath = await mkdtemp(join(tmpdir(), "larder-permissions-"));
  await mkdir(join(repoPath, "data"));
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  await connection.run(
    `COPY (SELECT 1::BIGINT AS driver_id, TIMESTAMP '2020-01-01 00:00:00' AS event_timestamp, 0.5::DOUBLE AS conv_rate) TO '${join(repoPath, "data", "stats.parquet")}' (FORMAT parquet)`,
  );
  connection.closeSync();
  db.closeSync();
  const store = await FeatureStore.open({ config: { project, registry: "data/registry.db" }, repoPath });
  await store.apply(definitions(options.withPermissions));
  const online: OnlineStore = createOnlineStore({ type: "sqlite", path: join(repoPath, "data", "online.db") } as never);
  await online.ready();
  for (const name of ["driver_stats", "driver_untagged", "secret_stats"]) {
    await online.write({ project, name, joinKeys: ["driver_id"], features: ["conv_rate"] }, [
      {
        entityKey: serializeEntityKey(["driver_id"], [v.int64(1)]),
        eventTimeMs: Date.now(),
        values: [bytes(v.double(0.5))],
      },
    ]);
  }
  await online.write({ project, name: "driver_embeddings", joinKeys: ["driver_id"], features: ["embedding"] }, [
    {
      entityKey: serializeEntityKey(["driver_id"], [v.int64(1)]),
      eventTimeMs: Date.now(),
      values: [toBinary(ValueSchema, create(ValueSchema, { val: { case: "floatListVal", value: { val: [1, 0] } } }))],
    },
  ]);
  const auth = validateAuthConfig(oidcAuthYaml(issuer, { default_policy_for_uncovered: options.uncovered }));
  const offline = createOfflineStore({ type: "file" } as never, { repoPath });
  const server: LarderServer = await createFeatureServer({
    project,
    server: { port: 0 },
    registry: await openRegistry(store.config.registry),
    onlineStore: online,
    registryPollIntervalMs: 200,
    maxEntityRows: 100,
    transformTimeoutMs: 500,
    logger: silentLogger(),
    auth,
  });
  await mountPush(server, {
    project,
    registry: { api: await openRegistry(store.config.registry), pollIntervalMs: 200 },
    online,
    offline,
    logger: silentLogger(),
    featureServer: {
      transformationTimeoutMs: 500,
      offlinePushBatchingEnabled: false,
      offlinePushBatchingBatchSize: 1000,
      offlinePushBatchingBatchIntervalSeconds: 10,
    },
    auth,
  });
  mountMaterialization(server, {
    project,
    registry: await openRegistry(store.config.registry),
    offline,
    online,
    logger: silentLogger(),
    auth,
  });
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  const transportFor = (token?: string) => {
    const bearer: Interceptor = (next) => (req) => {
      if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
      return next(req);
    };
    return createGrpcTransport({ baseUrl: base, interceptors: [bearer] });
  };
  return {
    base,
    serving: (token) => createClient(ServingService, transportFor(token)),
    push: (token) => createClient(PushService, transportFor(token)),
    materialization: (token) => createClient(MaterializationService, transportFor(token)),
    async close() {
      await server.shutdown();
      await store.close();
    },
  };
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: Code | "ok"; message: string }> {
  try {
    await promise;
    return { code: "ok", message: "" };
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, message: e.rawMessage };
  }
}

async function post(
  base: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text === "" ? null : (JSON.parse(text) as Record<string, unknown>) };
}

const readRefs = (refs: string[]) => ({
  kind: { case: "features" as const, value: { val: refs } },
  entities: { driver_id: { val: [v.int64(1)] } },
});
const readService = (name: string) => ({
  kind: { case: "featureService" as const, value: name },
  entities: { driver_id: { val: [v.int64(1)] } },
});
const pushRows = (to: PushMode) => ({
  pushSourceName: "driver_push",
  columns: {
    driver_id: { val: [v.int64(7)] },
    event_timestamp: { val: [v.str(new Date(T0).toISOString())] },
    conv_rate: { val: [v.double(0.9)] },
  },
  to,
  transformOnWrite: false,
});

let issuer: OidcIssuer;
let h: Harness;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  issuer = await startOidcIssuer();
  h = await startHarness(issuer, "perm_fs", { withPermissions: true, uncovered: "deny" });
  tokens.reader = await issuer.sign({ preferred_username: "rita", roles: ["reader"] });
  tokens.writer = await issuer.sign({ preferred_username: "walt", roles: ["writer"] });
  tokens.splitter = await issuer.sign({ preferred_username: "sam", roles: ["splitter"] });
  tokens.analyst = await issuer.sign({ preferred_username: "ana", roles: ["analyst"] });
  tokens.ops = await issuer.sign({ preferred_username: "otto", groups: ["ml-ops"] });
  tokens.nobody = await issuer.sign({ preferred_username: "nora" });
});

afterAll(async () => {
  await h.close();
  await issuer.close();
});

describe("FeatureServer permissions: online reads (READ_ONLINE)", () => {
  it("lets a reader read a covered view over gRPC and REST", async () => {
    const res = await h.serving(tokens.reader).getOnlineFeatures(readRefs(["driver_stats:conv_rate"]));
    expect(res.results[1]?.values[0]?.val.value).toBe(0.5);
    const rest = await post(
      h.base,
      "/get-online-features",
      { features: ["driver_stats:conv_rate"], entities: { driver_id: [1] } },
      tokens.reader,
    );
    expect(rest.status).toBe(200);
  });

  it("refuses a user whose roles no permission accepts: PERMISSION_DENIED / 403 naming action and view, never the token", async () => {
    const grpc = await codeOf(h.serving(tokens.nobody).getOnlineFeatures(readRefs(["driver_stats:conv_rate"])));
    expect(grpc.code).toBe(Code.PermissionDenied);
    expect(grpc.message).toContain("READ_ONLINE");
    expect(grpc.message).toContain('"driver_stats"');
    expect(grpc.message).not.toContain(tokens.nobody!);
    const rest = await post(
      h.base,
      "/get-online-features",
      { features: ["driver_stats:conv_rate"], entities: { driver_id: [1] } },
      tokens.nobody,
    );
    expect(rest.status).toBe(403);
    expect(rest.json?.code).toBe("permission_denied");
  });

  it("refuses an uncovered view under default_policy_for_uncovered deny, even mixed with allowed views", async () => {
    const grpc = await codeOf(
      h.serving(tokens.reader).getOnlineFeatures({
        ...readRefs(["driver_stats:conv_rate", "secret_stats:conv_rate"]),
        fullFeatureNames: true,
      }),
    );
    expect(grpc.code).toBe(Code.PermissionDenied);
    expect(grpc.message).toContain('"secret_stats"');
    const rest = await post(
      h.base,
      "/get-online-features",
      { features: ["secret_stats:conv_rate"], entities: { driver_id: [1] } },
      tokens.reader,
    );
    expect(rest.status).toBe(403);
  });

  it("checks the feature service and the views it reads", async () => {
    const ok = await h.serving(tokens.reader).getOnlineFeatures(readService("driver_activity"));
    expect(ok.results.length).toBe(2);
    expect((await codeOf(h.serving(tokens.reader).getOnlineFeatures(readService("secret_service")))).code).toBe(
      Code.PermissionDenied,
    );
    const rest = await post(
      h.base,
      "/get-online-features",
      { feature_service: "secret_service", entities: { driver_id: [1] } },
      tokens.reader,
    );
    expect(rest.status).toBe(403);
  });

  it("keeps deciding per caller on a cached request shape", async () => {
    for (let i = 0; i < 3; i++) {
      expect(
        (await codeOf(h.serving(tokens.reader).getOnlineFeatures(readRefs(["driver_stats:conv_rate"])))).code,
      ).toBe("ok");
      expect(
        (await codeOf(h.serving(tokens.nobody).getOnlineFeatures(readRefs(["driver_stats:conv_rate"])))).code,
      ).toBe(Code.PermissionDenied);
    }
  });

  it("answers UNAUTHENTICATED without a token, before any permission check", async () => {
    expect((await codeOf(h.serving().getOnlineFeatures(readRefs(["driver_stats:conv_rate"])))).code).toBe(
      Code.Unauthenticated,
    );
  });
});

describe("FeatureServer permissions: document search (READ_ONLINE)", () => {
  const search = { features: ["driver_embeddings:embedding"], query: [1, 0], top_k: 1 };

  it("lets a reader search a covered view over REST (/search and Feast's path) and gRPC", async () => {
    for (const path of ["/search", "/retrieve-online-documents"]) {
      expect((await post(h.base, path, search, tokens.reader)).status).toBe(200);
    }
    const res = await h.serving(tokens.reader).retrieveOnlineDocuments({
      featureView: "driver_embeddings",
      feature: "embedding",
      query: [1, 0],
      topK: 1,
    });
    expect(res.distances.length).toBe(1);
  });

  it("refuses callers without READ_ONLINE on the view", async () => {
    expect((await post(h.base, "/search", search, tokens.nobody)).status).toBe(403);
    const grpc = await codeOf(
      h
        .serving(tokens.nobody)
        .retrieveOnlineDocuments({ featureView: "driver_embeddings", feature: "embedding", query: [1, 0], topK: 1 }),
    );
    expect(grpc.code).toBe(Code.PermissionDenied);
  });
});

describe("FeatureServer permissions: push and writes (WRITE_ONLINE / WRITE_OFFLINE)", () => {
  it("lets a writer push online and offline (both actions from one permission), over gRPC and REST", async () => {
    const res = await h.push(tokens.writer).push(pushRows(PushMode.ONLINE_AND_OFFLINE));
    expect(res.rowsWrittenOnline).toBe(1n);
    expect(res.rowsWrittenOffline).toBe(1n);
    const rest = await post(
      h.base,
      "/push",
      {
        push_source_name: "driver_push",
        df: { driver_id: [8], event_timestamp: [new Date(T0).toISOString()], conv_rate: [0.1] },
        to: "online",
      },
      tokens.writer,
    );
    expect(rest.status).toBe(200);
  });

  it("refuses a reader's push with PERMISSION_DENIED / 403", async () => {
    const grpc = await codeOf(h.push(tokens.reader).push(pushRows(PushMode.ONLINE)));
    expect(grpc.code).toBe(Code.PermissionDenied);
    expect(grpc.message).toContain("WRITE_ONLINE");
    const rest = await post(
      h.base,
      "/push",
      {
        push_source_name: "driver_push",
        df: { driver_id: [8], event_timestamp: [new Date(T0).toISOString()], conv_rate: [0.1] },
      },
      tokens.reader,
    );
    expect(rest.status).toBe(403);
  });

  it("needs both write actions from one permission: two permissions with one each are not enough", async () => {
    expect((await codeOf(h.push(tokens.splitter).push(pushRows(PushMode.ONLINE)))).code).toBe("ok");
    expect((await codeOf(h.push(tokens.splitter).push(pushRows(PushMode.OFFLINE)))).code).toBe("ok");
    const both = await codeOf(h.push(tokens.splitter).push(pushRows(PushMode.ONLINE_AND_OFFLINE)));
    expect(both.code).toBe(Code.PermissionDenied);
    expect(both.message).toContain("WRITE_ONLINE+WRITE_OFFLINE");
  });

  it("applies required tags: the writers' permission does not reach a view without team=risk", async () => {
    const df = { driver_id: [3], event_timestamp: [new Date(T0).toISOString()], conv_rate: [0.3] };
    const tagged = await post(
      h.base,
      "/write-to-online-store",
      { feature_view_name: "driver_stats", df },
      tokens.writer,
    );
    expect(tagged.status).toBe(200);
    const untagged = await post(
      h.base,
      "/write-to-online-store",
      { feature_view_name: "driver_untagged", df },
      tokens.writer,
    );
    expect(untagged.status).toBe(403);
    const grpc = await codeOf(
      h.push(tokens.writer).writeToOnlineStore({
        featureViewName: "driver_untagged",
        columns: {
          driver_id: { val: [v.int64(3)] },
          event_timestamp: { val: [v.str(new Date(T0).toISOString())] },
          conv_rate: { val: [v.double(0.3)] },
        },
      }),
    );
    expect(grpc.code).toBe(Code.PermissionDenied);
  });
});

describe("FeatureServer permissions: materialization (WRITE_ONLINE)", () => {
  const body = { start_ts: "2019-12-31T00:00:00Z", end_ts: "2020-01-02T00:00:00Z", feature_views: ["driver_stats"] };

  it("lets a member of an allowed group materialize, over REST and gRPC", async () => {
    expect((await post(h.base, "/materialize", body, tokens.ops)).status).toBe(200);
    const events = [];
    for await (const event of h.materialization(tokens.ops).materialize({
      startTime: timestampFromMs(Date.parse(body.start_ts)),
      endTime: timestampFromMs(Date.parse(body.end_ts)),
      featureViews: ["driver_stats"],
    })) {
      events.push(event.event.case);
    }
    expect(events).toContain("jobDone");
  });

  it("refuses others, and refuses a run over every view when one of them is not allowed", async () => {
    expect((await post(h.base, "/materialize", body, tokens.reader)).status).toBe(403);
    // No views named: every online view, and otto may not write secret_stats.
    expect((await post(h.base, "/materialize", { ...body, feature_views: [] }, tokens.ops)).status).toBe(403);
    const grpc = await codeOf(
      (async () => {
        for await (const _ of h.materialization(tokens.reader).materialize({
          startTime: timestampFromMs(Date.parse(body.start_ts)),
          endTime: timestampFromMs(Date.parse(body.end_ts)),
          featureViews: ["driver_stats"],
        })) {
          // drain
        }
      })(),
    );
    expect(grpc.code).toBe(Code.PermissionDenied);
  });
});

describe("FeatureServer permissions: training data (READ_OFFLINE)", () => {
  const request = (refs: string[]) => ({
    entities: {
      case: "entityRows" as const,
      value: {
        columns: {
          driver_id: { val: [v.int64(1)] },
          event_timestamp: { val: [v.str("2020-01-01T12:00:00Z")] },
        },
      },
    },
    kind: { case: "features" as const, value: { val: refs } },
  });
  const drain = async (token: string, refs: string[]): Promise<unknown[]> => {
    const batches: unknown[] = [];
    for await (const batch of h.materialization(token).getHistoricalFeatures(request(refs))) batches.push(batch);
    return batches;
  };

  it("lets a role with READ_OFFLINE read training data, and refuses READ_ONLINE-only readers", async () => {
    expect((await drain(tokens.analyst!, ["driver_stats:conv_rate"])).length).toBeGreaterThan(0);
    expect((await codeOf(drain(tokens.reader!, ["driver_stats:conv_rate"]))).code).toBe(Code.PermissionDenied);
    const secret = await codeOf(drain(tokens.analyst!, ["secret_stats:conv_rate"]));
    expect(secret.code).toBe(Code.PermissionDenied);
    expect(secret.message).toContain("READ_OFFLINE");
  });
});

describe("FeatureServer permissions: no permissions at all", () => {
  it("denies every authenticated caller by default", async () => {
    const bare = await startHarness(issuer, "perm_bare_deny", { withPermissions: false, uncovered: "deny" });
    try {
      expect(
        (await codeOf(bare.serving(tokens.writer).getOnlineFeatures(readRefs(["driver_stats:conv_rate"])))).code,
      ).toBe(Code.PermissionDenied);
      expect((await codeOf(bare.push(tokens.writer).push(pushRows(PushMode.ONLINE)))).code).toBe(Code.PermissionDenied);
    } finally {
      await bare.close();
    }
  });

  it("lets every authenticated caller in with allow_authenticated, and still no one without a token", async () => {
    const open = await startHarness(issuer, "perm_bare_open", {
      withPermissions: false,
      uncovered: "allow_authenticated",
    });
    try {
      expect(
        (await codeOf(open.serving(tokens.nobody).getOnlineFeatures(readRefs(["secret_stats:conv_rate"])))).code,
      ).toBe("ok");
      expect((await codeOf(open.push(tokens.nobody).push(pushRows(PushMode.ONLINE)))).code).toBe("ok");
      expect((await codeOf(open.serving().getOnlineFeatures(readRefs(["secret_stats:conv_rate"])))).code).toBe(
        Code.Unauthenticated,
      );
    } finally {
      await open.close();
    }
  });

  it("under allow_authenticated, covered views still follow their permissions", async () => {
    const mixed = await startHarness(issuer, "perm_mixed", { withPermissions: true, uncovered: "allow_authenticated" });
    try {
      expect(
        (await codeOf(mixed.serving(tokens.nobody).getOnlineFeatures(readRefs(["secret_stats:conv_rate"])))).code,
      ).toBe("ok");
      expect(
        (await codeOf(mixed.serving(tokens.nobody).getOnlineFeatures(readRefs(["driver_stats:conv_rate"])))).code,
      ).toBe(Code.PermissionDenied);
    } finally {
      await mixed.close();
    }
  });
});
