import { randomBytes } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { defineRepoConfig } from "@larder/core";
import { PushMode } from "@larder/gen/es/larder/push/v1/push_service_pb";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { serializeEntityKey } from "@larder/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPushHarness, v, type PushHarness } from "../push-fixture.js";

// Feast's push and write_to_online_store default transform_on_write to true; over gRPC an unset field
// now means the same, and skip_transform_on_write says no.

let h: PushHarness;
const T0 = Date.parse("2024-06-01T00:00:00Z");
const iso = (ms: number): string => new Date(ms).toISOString();
const DOUBLED = { name: "conv_doubled", joinKeys: ["driver_id"], features: ["doubled"] };
const STATS = { name: "driver_stats", joinKeys: ["driver_id"], features: ["conv_rate", "trips", "city"] };

beforeAll(async () => {
  const project = `pushtow_${randomBytes(3).toString("hex")}`;
  h = await startPushHarness(
    project,
    (repoPath) =>
      defineRepoConfig(
        { project, registry: "data/registry.db", online_store: { type: "redis", connection_string: "127.0.0.1:6379" } },
        { repoPath },
      ).onlineStore,
  );
});

afterAll(async () => {
  await h?.online.teardown([
    { project: h.project, ...DOUBLED },
    { project: h.project, ...STATS },
  ]);
  await h?.close();
});

const columns = (id: number, conv: number) => ({
  driver_id: { val: [v.int64(id)] },
  event_timestamp: { val: [v.str(iso(T0))] },
  conv: { val: [v.double(conv)] },
  trips: { val: [v.int64(1)] },
  city: { val: [v.str("Zürich")] },
});

/** The stored Value bytes of `view`'s features for driver `id` (undefined where nothing is stored). */
async function stored(view: typeof DOUBLED, id: number): Promise<readonly (Uint8Array | undefined)[] | undefined> {
  const [rows] = await h.online.read([
    {
      view: { project: h.project, ...view },
      features: view.features,
      entityKeys: [serializeEntityKey(["driver_id"], [v.int64(id)])],
    },
  ]);
  return rows?.[0]?.values;
}

const doubled = async (id: number): Promise<unknown> => {
  const values = await stored(DOUBLED, id);
  return values?.[0] === undefined ? undefined : fromBinary(ValueSchema, values[0]).val.value;
};

const grpcError = async (promise: Promise<unknown>): Promise<ConnectError> => {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail");
};

describe("transform_on_write over gRPC", () => {
  it("a push that leaves the transform fields unset runs write_to_online_store transforms", async () => {
    await h.push.push({ pushSourceName: "driver_push", columns: columns(701, 0.5), to: PushMode.ONLINE });
    expect(await doubled(701)).toBe(1);
  });

  it("skip_transform_on_write pushes the rows without running the transforms", async () => {
    const res = await h.push.push({
      pushSourceName: "driver_push",
      columns: columns(702, 0.5),
      to: PushMode.ONLINE,
      skipTransformOnWrite: true,
    });
    expect(res.rowsWrittenOnline).toBe(1n);
    expect(await stored(STATS, 702)).toBeDefined();
    expect(await doubled(702)).toBeUndefined();
  });

  it("transform_on_write and skip_transform_on_write both set is INVALID_ARGUMENT, nothing written", async () => {
    const error = await grpcError(
      h.push.push({
        pushSourceName: "driver_push",
        columns: columns(703, 0.5),
        transformOnWrite: true,
        skipTransformOnWrite: true,
      }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toContain("skip_transform_on_write");
    expect(await stored(STATS, 703)).toBeUndefined();
  });

  it("WriteToOnlineStore computes an on-demand view by default; skip_transform_on_write refuses it", async () => {
    const written = await h.push.writeToOnlineStore({ featureViewName: "conv_doubled", columns: columns(704, 2) });
    expect(written.rowsWritten).toBe(1n);
    expect(await doubled(704)).toBe(4);
    const error = await grpcError(
      h.push.writeToOnlineStore({
        featureViewName: "conv_doubled",
        columns: columns(705, 2),
        skipTransformOnWrite: true,
      }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(await doubled(705)).toBeUndefined();
  });
});

describe("stored bytes of a gRPC push", () => {
  it("equal toBinary of each coerced Value, whether the cell was stored as sent or coerced first", async () => {
    const int32 = (n: number): Value => create(ValueSchema, { val: { case: "int32Val", value: n } });
    await h.push.push({
      pushSourceName: "driver_push",
      columns: {
        driver_id: { val: [v.int64(711), v.int64(712)] },
        event_timestamp: { val: [v.str(iso(T0)), v.int64(T0)] },
        // conv_rate is DOUBLE: the first cell is stored as sent, the second (INT64) coerced.
        conv: { val: [v.double(0.25), v.int64(3)] },
        // trips is INT64: an INT32 cell is coerced.
        trips: { val: [v.int64(5), int32(6)] },
        city: { val: [v.str("Zürich"), create(ValueSchema, {})] },
      },
      skipTransformOnWrite: true,
    });
    const bytes = (init: Parameters<typeof create<typeof ValueSchema>>[1]) =>
      Buffer.from(toBinary(ValueSchema, create(ValueSchema, init)));
    const first = (await stored(STATS, 711))!.map((b) => Buffer.from(b!));
    expect(first).toEqual([
      bytes({ val: { case: "doubleVal", value: 0.25 } }),
      bytes({ val: { case: "int64Val", value: 5n } }),
      bytes({ val: { case: "stringVal", value: "Zürich" } }),
    ]);
    const second = (await stored(STATS, 712))!.map((b) => (b === undefined ? undefined : Buffer.from(b)));
    expect(second.slice(0, 2)).toEqual([
      bytes({ val: { case: "doubleVal", value: 3 } }),
      bytes({ val: { case: "int64Val", value: 6n } }),
    ]);
    // An unset Value is stored as its (empty) encoding or not at all, as before; either reads back as null.
    expect(second[2] === undefined || second[2].length === 0).toBe(true);
  });
});
