import { create } from "@bufbuild/protobuf";
import { DEFAULT_FEATURE_SERVER_CONFIG, silentLogger, type FeatureLoggingConfig } from "@larder/core";
import { FeatureServiceSchema } from "@larder/gen/es/larder/core/v1/feature_service_pb";
import { RegistrySchema, type Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { afterEach, describe, expect, it } from "vitest";
import type { LogWriter } from "../../src/feature-logging/file-destination.js";
import { FeatureLogger } from "../../src/feature-logging/feature-logger.js";
import type { LogBatch } from "../../src/feature-logging/log-rows.js";
import type { OutputColumn } from "../../src/online-read.js";
import { bytes, v } from "../serving-fixture.js";
import { seededRandom } from "../../../../test/harness/seeded-random.js";

const PROJECT = "p";

function registry(sampleRate: number): Registry {
  return create(RegistrySchema, {
    featureServices: [
      create(FeatureServiceSchema, {
        spec: {
          name: "logged",
          project: PROJECT,
          loggingConfig: { sampleRate, destination: { case: "fileDestination", value: { path: "logs" } } },
        },
      }),
      create(FeatureServiceSchema, { spec: { name: "unlogged", project: PROJECT } }),
    ],
  });
}

/** A response for driver `id`: the echoed join key, then conv_rate. */
function response(id: number): OutputColumn[] {
  return [
    { name: "driver_id", values: [bytes(v.int64(id))], statuses: [FieldStatus.PRESENT], timestampsMs: [0] },
    {
      name: "conv_rate",
      values: [bytes(v.float(0.5))],
      statuses: [FieldStatus.PRESENT],
      timestampsMs: [Date.UTC(2026, 0, 2, 3)],
    },
  ];
}

class MemoryWriter implements LogWriter {
  readonly batches: LogBatch[] = [];
  delayMs = 0;
  async write(_where: string, batch: LogBatch): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.batches.push(batch);
  }
  async close(): Promise<void> {}
  rows(): number {
    return this.batches.reduce((sum, b) => sum + b.rowCount, 0);
  }
  column(name: string): unknown[] {
    return this.batches.flatMap((b) => b.tables.flatMap((t) => t.columns.find((c) => c.name === name)?.values ?? []));
  }
}

const loggers: FeatureLogger[] = [];
afterEach(async () => {
  await Promise.all(loggers.splice(0).map((l) => l.close()));
});

function makeLogger(
  sampleRate: number,
  config: Partial<FeatureLoggingConfig> = {},
  extra: { random?: () => number; batchResponses?: number } = {},
) {
  const writer = new MemoryWriter();
  const snapshot = registry(sampleRate);
  const logger = new FeatureLogger({
    project: PROJECT,
    repoPath: "/repo",
    config: { ...DEFAULT_FEATURE_SERVER_CONFIG.featureLogging, enabled: true, ...config },
    registry: () => snapshot,
    logger: silentLogger(),
    writers: { file: writer },
    ...extra,
  });
  loggers.push(logger);
  return { logger, writer };
}

describe("FeatureLogger", () => {
  it("logs every response of a service at sample rate 1, with keys, values, statuses, timestamps and ids", async () => {
    const { logger, writer } = makeLogger(1);
    for (let i = 0; i < 50; i++) {
      const id = i === 0 ? "req-0" : i === 1 ? `bad id\n${"x".repeat(200)}` : null;
      logger.record("logged", response(1000 + i), ["driver_id"], id);
    }
    logger.record("unlogged", response(1), ["driver_id"]);
    await logger.flush();
    expect(writer.rows()).toBe(50);
    expect(writer.column("driver_id")).toEqual(Array.from({ length: 50 }, (_, i) => String(1000 + i)));
    expect(writer.column("conv_rate")[0]).toBe(0.5);
    expect(writer.column("conv_rate__status")[0]).toBe("PRESENT");
    expect(writer.column("conv_rate__timestamp")[0]).toBe("2026-01-02T03:00:00.000Z");
    // The join key has no __status/__timestamp siblings.
    expect(writer.column("driver_id__status")).toEqual([]);
    const ids = writer.column("__request_id");
    expect(ids[0]).toBe("req-0");
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/); // an unsafe caller id is replaced by a UUID
    expect(new Set(ids).size).toBe(50);
    expect(writer.column("__log_timestamp").every((t) => typeof t === "string")).toBe(true);
    expect(logger.stats).toEqual({ queued: 0, dropped: 0, writtenRows: 50, failed: 0 });
  });

  it("logs about a tenth of responses at sample rate 0.1", async () => {
    const { logger, writer } = makeLogger(0.1, {}, { random: seededRandom(42) });
    const n = 10_000;
    for (let i = 0; i < n; i++) logger.record("logged", response(i), ["driver_id"]);
    await logger.flush();
    // Binomial(10000, 0.1): mean 1000, sd 30; ±5 sd.
    expect(writer.rows()).toBeGreaterThan(850);
    expect(writer.rows()).toBeLessThan(1150);
  });

  it("logs nothing at sample rate 0", async () => {
    const { logger, writer } = makeLogger(0);
    for (let i = 0; i < 100; i++) logger.record("logged", response(i), ["driver_id"]);
    await logger.flush();
    expect(writer.rows()).toBe(0);
  });

  it("drops and counts responses when the queue is full, and never throws to the caller", async () => {
    const dropped: number[] = [];
    const writer = new MemoryWriter();
    writer.delayMs = 50;
    const snapshot = registry(1);
    const logger = new FeatureLogger({
      project: PROJECT,
      repoPath: "/repo",
      config: { ...DEFAULT_FEATURE_SERVER_CONFIG.featureLogging, enabled: true, queueCapacity: 10 },
      registry: () => snapshot,
      logger: silentLogger(),
      writers: { file: writer },
      hooks: { onDropped: (n) => dropped.push(n) },
    });
    loggers.push(logger);
    // All on one tick: no write can start before the queue is full.
    for (let i = 0; i < 100; i++) logger.record("logged", response(i), ["driver_id"]);
    expect(logger.droppedRecords).toBe(90);
    expect(dropped.length).toBe(90);
    await logger.close();
    expect(writer.rows()).toBe(10);
    expect(logger.stats).toMatchObject({ queued: 0, dropped: 90, writtenRows: 10 });
  });

  it("writes once batchResponses wait, before the interval", async () => {
    const { logger, writer } = makeLogger(1, { writeToDiskIntervalSeconds: 3600 }, { batchResponses: 5 });
    for (let i = 0; i < 5; i++) logger.record("logged", response(i), ["driver_id"]);
    expect(writer.rows()).toBe(0); // never on the request's own tick
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(writer.rows()).toBe(5);
  });

  it("writes on the interval", async () => {
    const { logger, writer } = makeLogger(1, { writeToDiskIntervalSeconds: 1 });
    logger.record("logged", response(1), ["driver_id"]);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(writer.rows()).toBe(1);
  });

  it("writes everything still queued on close, and ignores records after it", async () => {
    const { logger, writer } = makeLogger(1, { writeToDiskIntervalSeconds: 3600 });
    for (let i = 0; i < 20; i++) logger.record("logged", response(i), ["driver_id"]);
    await logger.close();
    expect(writer.rows()).toBe(20);
    logger.record("logged", response(99), ["driver_id"]);
    await logger.flush();
    expect(writer.rows()).toBe(20);
  });

  it("counts a failed write and keeps logging", async () => {
    const { logger, writer } = makeLogger(1);
    const write = writer.write.bind(writer);
    let fail = true;
    writer.write = async (where, batch) => {
      if (fail) throw new Error("disk full");
      return write(where, batch);
    };
    logger.record("logged", response(1), ["driver_id"]);
    await logger.flush();
    fail = false;
    logger.record("logged", response(2), ["driver_id"]);
    await logger.flush();
    expect(logger.stats).toMatchObject({ failed: 1, writtenRows: 1 });
  });
});
