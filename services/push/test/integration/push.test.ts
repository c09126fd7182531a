import { randomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { PushMode } from "@larder/gen/es/larder/push/v1/push_service_pb";
import { getHistoricalFeatures } from "@larder/materialization";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countOfflineRows, postJson, startPushHarness, v, type PushHarness } from "../push-fixture.js";

let h: PushHarness;
const T0 = Date.parse("2024-05-01T00:00:00Z");
const iso = (ms: number): string => new Date(ms).toISOString();

beforeAll(async () => {
  h = await startPushHarness(`push_${randomBytes(3).toString("hex")}`, (repoPath) => ({
    type: "sqlite",
    path: `${repoPath}/data/online.db`,
  }));
});

afterAll(async () => {
  await h.close();
});

async function readOnline(
  ids: number[],
  features = ["driver_stats:conv_rate", "driver_stats:trips", "driver_stats:city"],
) {
  const res = await h.serving.getOnlineFeatures({
    kind: { case: "features", value: { val: features } },
    entities: { driver_id: { val: ids.map((id) => v.int64(id)) } },
  });
  const names = res.metadata?.featureNames?.val ?? [];
  return Object.fromEntries(names.map((name, i) => [name, res.results[i]!.values.map((x) => x.val.value)]));
}

const detail = (text: string): string => (JSON.parse(text) as { detail: string }).detail;

const grpcCode = async (promise: Promise<unknown>): Promise<{ code: Code; message: string }> => {
  try {
    await promise;
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, message: e.rawMessage };
  }
  throw new Error("expected the call to fail");
};

describe("Push over gRPC and REST", () => {
  it("pushes online over gRPC (field_mapping applied) and reads it back", async () => {
    const res = await h.push.push({
      pushSourceName: "driver_push",
      columns: {
        driver_id: { val: [v.int64(101), v.int64(102)] },
        event_timestamp: { val: [v.str(iso(T0)), v.str(iso(T0))] },
        conv: { val: [v.double(0.25), v.double(0.75)] },
        trips: { val: [v.int64(3), v.int64(4)] },
        city: { val: [v.str("Oslo"), v.str("Rome")] },
      },
      to: PushMode.ONLINE,
      transformOnWrite: true,
    });
    expect(res.rows).toBe(2n);
    expect(res.featureViews).toEqual(["driver_stats"]);
    expect(await readOnline([101, 102])).toEqual({
      driver_id: [101n, 102n],
      conv_rate: [0.25, 0.75],
      trips: [3n, 4n],
      city: ["Oslo", "Rome"],
    });
  });

  it("runs on-demand transforms marked write_to_online_store on push", async () => {
    const view = { project: h.project, name: "conv_doubled", joinKeys: ["driver_id"], features: ["doubled"] };
    const { serializeEntityKey } = await import("@larder/serving");
    const [rows] = await h.online.read([
      { view, features: ["doubled"], entityKeys: [serializeEntityKey(["driver_id"], [v.int64(102)])] },
    ]);
    expect(rows?.[0]).toBeDefined();
    const { fromBinary } = await import("@bufbuild/protobuf");
    const { ValueSchema } = await import("@larder/gen/es/larder/types/v1/value_pb");
    expect(fromBinary(ValueSchema, rows![0]!.values[0]!).val.value).toBe(1.5);
  });

  it("serves write_to_online_store views from what push stored, not by recomputing them", async () => {
    const view = { project: h.project, name: "conv_doubled", joinKeys: ["driver_id"], features: ["doubled"] };
    const { serializeEntityKey } = await import("@larder/serving");
    const { create, toBinary } = await import("@bufbuild/protobuf");
    const { ValueSchema } = await import("@larder/gen/es/larder/types/v1/value_pb");
    // A stored value the transform could never produce from conv_rate: only a read of the store returns it.
    await h.online.write(view, [
      {
        entityKey: serializeEntityKey(["driver_id"], [v.int64(102)]),
        eventTimeMs: Date.now(),
        values: [toBinary(ValueSchema, create(ValueSchema, { val: { case: "doubleVal", value: 42 } }))],
      },
    ]);
    const read = await fetch(`${h.base}/get-online-features`, {
      method: "POST",
      body: JSON.stringify({
        features: ["conv_doubled:doubled", "driver_stats:conv_rate"],
        entities: { driver_id: [102, 999] },
      }),
    });
    const json = (await read.json()) as { results: Array<{ values: unknown[]; statuses: string[] }> };
    expect(json.results[1]).toMatchObject({ values: [42, null], statuses: ["PRESENT", "NOT_FOUND"] });
    expect(json.results[2]?.values[0]).toBe(0.75);
  });

  it("pushes over REST with Feast's body and reads over REST", async () => {
    const push = await postJson(h.base, "/push", {
      push_source_name: "driver_push",
      df: { driver_id: [201], event_timestamp: [iso(T0)], conv: [0.5], trips: [9], city: ["Bergen"] },
      to: "online",
    });
    expect(push).toEqual({ status: 200, text: "" });
    const read = await fetch(`${h.base}/get-online-features`, {
      method: "POST",
      body: JSON.stringify({
        features: ["driver_stats:conv_rate", "driver_stats:city"],
        entities: { driver_id: [201] },
      }),
    });
    const json = (await read.json()) as { results: Array<{ values: unknown[] }> };
    expect(json.results.map((r) => r.values[0])).toEqual([201, 0.5, "Bergen"]);
  });

  it("write-to-online-store writes one view's rows (REST and gRPC)", async () => {
    const rest = await postJson(h.base, "/write-to-online-store", {
      feature_view_name: "driver_stats",
      df: { driver_id: [301], event_timestamp: [iso(T0)], conv_rate: [0.1], trips: [1], city: ["Lima"] },
    });
    expect(rest).toEqual({ status: 200, text: "null" });
    const grpc = await h.push.writeToOnlineStore({
      featureViewName: "driver_stats",
      columns: {
        driver_id: { val: [v.int64(302)] },
        event_timestamp: { val: [v.str(iso(T0))] },
        conv_rate: { val: [v.double(0.2)] },
        trips: { val: [v.int64(2)] },
        city: { val: [v.str("Quito")] },
      },
    });
    expect(grpc.rowsWritten).toBe(1n);
    expect((await readOnline([301, 302])).city).toEqual(["Lima", "Quito"]);
  });

  it("pushes offline; a historical query sees the rows; a retried push adds nothing", async () => {
    const body = {
      push_source_name: "driver_push",
      df: {
        driver_id: [401, 402],
        event_timestamp: [iso(T0), iso(T0 + 1000)],
        conv: [0.4, 0.6],
        trips: [40, 60],
        city: ["Delhi", "Pune"],
      },
      to: "offline",
    };
    expect((await postJson(h.base, "/push", body)).status).toBe(200);
    expect((await postJson(h.base, "/push", body)).status).toBe(200);
    const res = await h.push.push({
      pushSourceName: "driver_push",
      columns: {
        driver_id: { val: [v.int64(401)] },
        event_timestamp: { val: [v.str(iso(T0))] },
        conv: { val: [v.double(0.4)] },
        trips: { val: [v.int64(40)] },
        city: { val: [v.str("Delhi")] },
      },
      to: PushMode.OFFLINE,
    });
    expect(res.rowsWrittenOffline).toBe(0n);
    expect(await countOfflineRows(h.repoPath, "driver_id IN (401, 402)")).toBe(2);
    const out = getHistoricalFeatures(
      { offline: h.offline, registry: await h.store.snapshot(), project: h.project },
      {
        entities: {
          kind: "rows",
          batch: {
            rowCount: 2,
            columns: new Map<string, unknown[]>([
              ["driver_id", [401n, 402n]],
              ["event_timestamp", [T0 + 60_000, T0 + 60_000]],
            ]),
          },
        },
        kind: { features: ["driver_stats:conv_rate", "driver_stats:city"] },
        fullFeatureNames: false,
      },
    );
    const rows: unknown[][] = [];
    for await (const batch of out) {
      for (let r = 0; r < batch.rowCount; r++) rows.push(["conv_rate", "city"].map((c) => batch.columns.get(c)?.[r]));
    }
    expect(rows).toEqual([
      [0.4, "Delhi"],
      [0.6, "Pune"],
    ]);
    // Offline only: nothing online.
    expect((await readOnline([401])).city).toEqual([undefined]);
  });

  it("1,000 concurrent pushes of the same keys with shuffled timestamps leave the newest value online", async () => {
    const ids = [501, 502, 503];
    const order = Array.from({ length: 1000 }, (_, i) => i).sort(() => Math.random() - 0.5);
    const results = await Promise.allSettled(
      order.map((i) =>
        h.push.push({
          pushSourceName: "driver_push",
          columns: {
            driver_id: { val: ids.map((id) => v.int64(id)) },
            event_timestamp: { val: ids.map(() => v.str(iso(T0 + i * 1000))) },
            conv: { val: ids.map(() => v.double(i)) },
            trips: { val: ids.map(() => v.int64(i)) },
            city: { val: ids.map(() => v.str(`c${i}`)) },
          },
        }),
      ),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(await readOnline(ids)).toEqual({
      driver_id: [501n, 502n, 503n],
      conv_rate: [999, 999, 999],
      trips: [999n, 999n, 999n],
      city: ["c999", "c999", "c999"],
    });
  });
});

describe("Push validation", () => {
  const good = (): Record<string, unknown[]> => ({
    driver_id: [601, 602],
    event_timestamp: [iso(T0), iso(T0)],
    conv: [0.1, 0.2],
    trips: [1, 2],
    city: ["a", "b"],
  });
  const rest = (df: Record<string, unknown[]>, extra: Record<string, unknown> = {}) =>
    postJson(h.base, "/push", { push_source_name: "driver_push", df, ...extra });

  it("unknown push source: NOT_FOUND over gRPC, 422 over REST", async () => {
    expect(await grpcCode(h.push.push({ pushSourceName: "nope", columns: {} }))).toMatchObject({
      code: Code.NotFound,
      message: "Unable to find push source 'nope'.",
    });
    const res = await postJson(h.base, "/push", { push_source_name: "nope", df: good() });
    expect(res.status).toBe(422);
    expect(res.text).toContain("Unable to find push source 'nope'.");
  });

  it.each([
    ["join key", "driver_id", /join key column "driver_id"/],
    ["timestamp", "event_timestamp", /timestamp column "event_timestamp"/],
    ["feature", "trips", /feature column "trips"/],
  ])("missing %s column → 400 / INVALID_ARGUMENT naming it", async (_what, column, pattern) => {
    const df: Record<string, unknown[]> = good();
    delete df[column];
    const res = await rest(df);
    expect(res.status).toBe(400);
    expect(detail(res.text)).toMatch(pattern);
  });

  it("a value that does not fit its type names the column and row", async () => {
    const df = good();
    df.trips = [1, "many"];
    const res = await rest(df);
    expect(res.status).toBe(400);
    expect(detail(res.text)).toMatch(/column "trips", row 1/);
    const bad = await grpcCode(
      h.push.push({
        pushSourceName: "driver_push",
        columns: {
          driver_id: { val: [v.int64(1)] },
          event_timestamp: { val: [v.str("not a time")] },
          conv: { val: [v.double(1)] },
          trips: { val: [v.int64(1)] },
          city: { val: [v.str("x")] },
        },
      }),
    );
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.message).toMatch(/column "event_timestamp", row 0/);
  });

  it("unequal column lengths and an unknown mode are INVALID_ARGUMENT / 400", async () => {
    const df = good();
    df.city = ["only one"];
    const res = await rest(df);
    expect(res.status).toBe(400);
    expect(detail(res.text)).toMatch(/column "city" has 1 values/);
    expect((await rest(good(), { to: "sideways" })).status).toBe(400);
    expect((await grpcCode(h.push.push({ pushSourceName: "driver_push", columns: {}, to: 42 as PushMode }))).code).toBe(
      Code.InvalidArgument,
    );
  });

  it("an empty push is a no-op that says so", async () => {
    const res = await h.push.push({ pushSourceName: "driver_push", columns: {} });
    expect(res.rows).toBe(0n);
    const empty = await rest({ driver_id: [], event_timestamp: [], conv: [], trips: [], city: [] });
    expect(empty.status).toBe(200);
    expect(JSON.parse(empty.text)).toMatchObject({ rows: 0, note: expect.stringMatching(/no rows/) as unknown });
  });

  it("nothing is written when one row is bad", async () => {
    const df = good();
    df.driver_id = [701, 702];
    df.conv = [0.1, "x"];
    expect((await rest(df)).status).toBe(400);
    expect((await readOnline([701])).city).toEqual([undefined]);
  });
});
