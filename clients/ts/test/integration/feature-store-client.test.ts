import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import {
  CancelledError,
  DeadlineExceededError,
  FeatureStoreClient,
  InvalidArgumentError,
  LarderClientError,
  NotFoundError,
  UnavailableError,
  type MaterializeEvent,
} from "@larder/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../../test/harness/ports.js";
import { startLiveServers, type LiveServers } from "../live-servers.js";

let live: LiveServers;
let client: FeatureStoreClient;
const now = new Date();
const DRIVERS = [1001, 1002, 1003];

beforeAll(async () => {
  live = await startLiveServers();
  client = new FeatureStoreClient({ target: live.target, registryTarget: live.registryTarget, project: live.project });
}, 60_000);

afterAll(async () => {
  client?.close();
  await live?.close();
});

async function failure(promise: Promise<unknown>): Promise<LarderClientError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LarderClientError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("FeatureStoreClient against a live FeatureServer and RegistryServer", () => {
  it("reads NOT_FOUND statuses and null values before anything is materialized", async () => {
    const result = await client.getOnlineFeatures({
      features: ["driver_hourly_stats:conv_rate"],
      entities: { driver_id: [1001] },
    });
    expect(result.featureNames).toEqual(["driver_id", "conv_rate"]);
    expect(result.rows).toEqual([{ driver_id: 1001n, conv_rate: null }]);
    expect(result.columns.conv_rate!.statuses).toEqual(["NOT_FOUND"]);
  });

  it("materializes with streamed progress, then serves the values as rows and columns", async () => {
    const events: MaterializeEvent[] = [];
    for await (const event of client.materialize({
      start: new Date(now.getTime() - 8 * 86_400_000),
      end: now,
      featureViews: ["driver_hourly_stats"],
    })) {
      events.push(event);
    }
    expect(events.at(-1)?.type).toBe("jobDone");
    const done = events.find((e) => e.type === "viewDone");
    expect(done).toMatchObject({ type: "viewDone", featureView: "driver_hourly_stats", rowsWritten: 5 });
    expect(new Set(events.map((e) => e.jobId)).size).toBe(1);

    const result = await client.getOnlineFeatures({
      features: ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"],
      entities: DRIVERS.map((driver_id) => ({ driver_id })),
    });
    expect(result.featureNames).toEqual(["driver_id", "conv_rate", "avg_daily_trips"]);
    expect(result.rows.map((r) => r.driver_id)).toEqual([1001n, 1002n, 1003n]);
    for (const row of result.rows) {
      expect(typeof row.conv_rate).toBe("number");
      expect(typeof row.avg_daily_trips).toBe("bigint");
    }
    expect(result.columns.conv_rate!.statuses).toEqual(["PRESENT", "PRESENT", "PRESENT"]);
    const stamp = result.columns.conv_rate!.eventTimestamps[0]!;
    expect(stamp).toBeInstanceOf(Date);
    expect(now.getTime() - stamp.getTime()).toBeLessThan(2 * 3_600_000);
  });

  it("materializes incrementally and returns the summary from result()", async () => {
    const result = await client
      .materializeIncremental({ end: new Date(now.getTime() + 1_000), featureViews: ["driver_hourly_stats"] })
      .result();
    expect(result.jobId).not.toBe("");
    expect(result.views).toHaveProperty("driver_hourly_stats");
    expect(result.rowsWritten).toBe(result.views.driver_hourly_stats);
  });

  it("reads a feature service with request context, full feature names and int64 as numbers", async () => {
    const numbers = new FeatureStoreClient({ target: live.target, int64: "number" });
    try {
      const result = await numbers.getOnlineFeatures({
        featureService: "driver_activity_v1",
        entities: { driver_id: [1001, 1002] },
        requestContext: { val_to_add: [1, 2], val_to_add_2: [10, 20] },
        fullFeatureNames: true,
      });
      expect(result.featureNames).toEqual([
        "driver_id",
        "driver_hourly_stats__conv_rate",
        "transformed_conv_rate__conv_rate_plus_val1",
        "transformed_conv_rate__conv_rate_plus_val2",
      ]);
      const [first, second] = result.rows;
      expect(first!.driver_id).toBe(1001);
      expect(first!.transformed_conv_rate__conv_rate_plus_val1).toBeCloseTo(
        (first!.driver_hourly_stats__conv_rate as number) + 1,
        5,
      );
      expect(second!.transformed_conv_rate__conv_rate_plus_val2).toBeCloseTo(
        (second!.driver_hourly_stats__conv_rate as number) + 20,
        5,
      );
    } finally {
      numbers.close();
    }
  });

  it("pushes rows online and reads them back", async () => {
    const pushed = await client.push({
      pushSourceName: "driver_stats_push_source",
      rows: [
        { driver_id: 2001, event_timestamp: now, created: now, conv_rate: 0.25, acc_rate: 0.5, avg_daily_trips: 42n },
        { driver_id: 2002, event_timestamp: now, created: now, conv_rate: 0.75, acc_rate: 0.5, avg_daily_trips: 7 },
      ],
      columnTypes: { conv_rate: "FLOAT", acc_rate: "FLOAT" },
    });
    expect(pushed).toEqual({
      rows: 2,
      featureViews: ["driver_hourly_stats_fresh"],
      rowsWrittenOnline: 2,
      rowsWrittenOffline: 0,
    });
    const result = await client.getOnlineFeatures({
      features: ["driver_hourly_stats_fresh:conv_rate", "driver_hourly_stats_fresh:avg_daily_trips"],
      entities: { driver_id: [2001, 2002, 2003] },
    });
    expect(result.rows).toEqual([
      { driver_id: 2001n, conv_rate: 0.25, avg_daily_trips: 42n },
      { driver_id: 2002n, conv_rate: 0.75, avg_daily_trips: 7n },
      { driver_id: 2003n, conv_rate: null, avg_daily_trips: null },
    ]);
    expect(result.columns.avg_daily_trips!.statuses).toEqual(["PRESENT", "PRESENT", "NOT_FOUND"]);
  });

  it("streams historical features in batches that agree with the online store", async () => {
    const batches = [];
    for await (const batch of client.getHistoricalFeatures({
      entities: { driver_id: DRIVERS, event_timestamp: DRIVERS.map(() => now) },
      features: ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"],
    })) {
      batches.push(batch);
    }
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(batches[0]!.batchIndex).toBe(0);
    expect(batches[0]!.columnNames).toEqual(["driver_id", "event_timestamp", "conv_rate", "avg_daily_trips"]);
    expect(batches[0]!.valueTypes.avg_daily_trips).toBe("VALUE_TYPE_INT64");
    const rows = batches.flatMap((b) => b.rows);
    const online = await client.getOnlineFeatures({
      features: ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"],
      entities: { driver_id: DRIVERS },
    });
    const byDriver = new Map(rows.map((r) => [r.driver_id, r]));
    for (const row of online.rows) {
      expect(byDriver.get(row.driver_id)?.avg_daily_trips).toBe(row.avg_daily_trips);
      expect(byDriver.get(row.driver_id)?.conv_rate).toBeCloseTo(row.conv_rate as number, 5);
    }
  });

  it("lists and gets registry objects from the RegistryServer", async () => {
    const views = await client.registry.listFeatureViews();
    expect(views.map((v) => v.spec?.name).sort()).toEqual(["driver_hourly_stats", "driver_hourly_stats_fresh"]);
    const tagged = await client.registry.listFeatureViews({ tags: { team: "nobody" } });
    expect(tagged).toEqual([]);
    const view = await client.registry.getFeatureView("driver_hourly_stats");
    expect(view.spec?.features.map((f) => f.name)).toEqual(["conv_rate", "acc_rate", "avg_daily_trips"]);
    expect((await client.registry.listEntities()).map((e) => e.spec?.name)).toEqual(["driver"]);
    const services = await client.registry.listFeatureServices();
    expect(services.map((s) => s.spec?.name).sort()).toEqual(["driver_activity_v1", "driver_activity_v2"]);
    expect((await client.registry.listOnDemandFeatureViews()).map((v) => v.spec?.name)).toEqual([
      "transformed_conv_rate",
    ]);
    expect((await client.registry.listProjects()).map((p) => p.spec?.name)).toContain(live.project);
    expect((await client.registry.version()).version).toBeGreaterThan(0n);
  });

  it("maps status codes to named errors", async () => {
    const unknownView = await failure(
      client.getOnlineFeatures({ features: ["no_such_view:x"], entities: { driver_id: [1] } }),
    );
    expect(unknownView).toBeInstanceOf(NotFoundError);
    expect(unknownView.code).toBe("NOT_FOUND");
    expect(unknownView.grpcCode).toBe(grpc.status.NOT_FOUND);

    const missingKey = await failure(
      client.getOnlineFeatures({ features: ["driver_hourly_stats:conv_rate"], entities: { customer_id: [1] } }),
    );
    expect(missingKey).toBeInstanceOf(InvalidArgumentError);

    const registryMiss = await failure(client.registry.getFeatureView("no_such_view"));
    expect(registryMiss).toBeInstanceOf(NotFoundError);

    const badPush = await failure(client.push({ pushSourceName: "no_such_source", rows: { driver_id: [1] } }));
    expect(badPush.code).toMatch(/NOT_FOUND|INVALID_ARGUMENT/);
  });

  it("fails fast with UnavailableError when nothing listens and retries are off", async () => {
    const port = await freePort();
    const down = new FeatureStoreClient({ target: `127.0.0.1:${port}`, retry: { maxAttempts: 1 } });
    try {
      const error = await failure(down.getServingInfo());
      expect(error).toBeInstanceOf(UnavailableError);
    } finally {
      down.close();
    }
  });

  it("retries UNAVAILABLE with backoff until a server comes up", async () => {
    const port = await freePort();
    const early = new FeatureStoreClient({
      target: `127.0.0.1:${port}`,
      deadlineMs: 20_000,
      retry: { maxAttempts: 20, initialBackoffMs: 50, maxBackoffMs: 400 },
    });
    try {
      const started = Date.now();
      const call = early.getOnlineFeatures({
        features: ["driver_hourly_stats:conv_rate"],
        entities: { driver_id: [1001] },
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await live.startFeatureServer(port);
      const result = await call;
      expect(result.columns.conv_rate!.statuses).toEqual(["PRESENT"]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500); // answered only after the server came up
    } finally {
      early.close();
    }
  });

  it("does not retry a push unless asked", async () => {
    const port = await freePort();
    const down = new FeatureStoreClient({
      target: `127.0.0.1:${port}`,
      retry: { maxAttempts: 5, initialBackoffMs: 1_000 },
    });
    try {
      const started = Date.now();
      const error = await failure(down.push({ pushSourceName: "driver_stats_push_source", rows: { driver_id: [1] } }));
      expect(error).toBeInstanceOf(UnavailableError);
      expect(Date.now() - started).toBeLessThan(900); // no backoff happened
    } finally {
      down.close();
    }
  });

  it("reads over TLS with a private CA, and a plaintext client cannot", async () => {
    const dir = mkdtempSync(join(tmpdir(), "larder-sdk-tls-"));
    try {
      execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
          .concat(["-addext", "subjectAltName=DNS:localhost", "-keyout", join(dir, "key.pem")])
          .concat(["-out", join(dir, "cert.pem")]),
        { stdio: "ignore" },
      );
      const cert = readFileSync(join(dir, "cert.pem"));
      const { port } = await live.startFeatureServer(0, { keyPem: readFileSync(join(dir, "key.pem")), certPem: cert });
      const secure = new FeatureStoreClient({
        target: `127.0.0.1:${port}`,
        tls: { ca: cert, serverName: "localhost" },
      });
      const plain = new FeatureStoreClient({
        target: `127.0.0.1:${port}`,
        retry: { maxAttempts: 1 },
        deadlineMs: 2_000,
      });
      try {
        const result = await secure.getOnlineFeatures({
          features: ["driver_hourly_stats:conv_rate"],
          entities: { driver_id: [1001] },
        });
        expect(result.columns.conv_rate!.statuses).toEqual(["PRESENT"]);
        const error = await failure(plain.getServingInfo());
        expect(["UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL"]).toContain(error.code);
      } finally {
        secure.close();
        plain.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ends a call at its deadline with DeadlineExceededError", async () => {
    await withSilentServer(async (target) => {
      const stuck = new FeatureStoreClient({ target });
      try {
        const started = Date.now();
        const error = await failure(stuck.getServingInfo({ deadlineMs: 300 }));
        expect(error).toBeInstanceOf(DeadlineExceededError);
        expect(Date.now() - started).toBeGreaterThanOrEqual(250);
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        stuck.close();
      }
    });
  });

  it("cancels a call when its AbortSignal fires", async () => {
    await withSilentServer(async (target) => {
      const stuck = new FeatureStoreClient({ target });
      try {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const error = await failure(stuck.getServingInfo({ signal: controller.signal }));
        expect(error).toBeInstanceOf(CancelledError);
      } finally {
        stuck.close();
      }
    });
  });
});

/** A TCP server that accepts and never speaks HTTP/2: a call to it can only end by deadline or cancel. */
async function withSilentServer(body: (target: string) => Promise<void>): Promise<void> {
  const sockets = new Set<Socket>();
  const silent: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  try {
    await body(`127.0.0.1:${(silent.address() as { port: number }).port}`);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
}
