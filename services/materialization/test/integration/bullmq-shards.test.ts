import { describe, expect, it } from "vitest";
import { createRowRateLimiter } from "../../src/engine/bullmq/rate-limiter.js";
import { planShards, shardJobId } from "../../src/engine/bullmq/shard.js";

const BASE = { runId: "r1", project: "p", view: "v" };

describe("bullmq shard plan", () => {
  it("covers the inclusive window with contiguous slices, each split into every bucket", () => {
    const shards = planShards(BASE, { startMs: 1_000, endMs: 1_999 }, 4, 3);
    expect(shards).toHaveLength(12);
    const slices = [...new Map(shards.map((s) => [s.slice.index, [s.startMs, s.endMs]])).values()];
    expect(slices).toEqual([
      [1_000, 1_332],
      [1_333, 1_665],
      [1_666, 1_999],
    ]);
    expect(new Set(shards.map(shardJobId)).size).toBe(12);
    expect(shards.every((s) => !shardJobId(s).includes(":"))).toBe(true);
  });

  it("never makes more slices than milliseconds in the window", () => {
    expect(planShards(BASE, { startMs: 5, endMs: 5 }, 2, 8).map((s) => [s.startMs, s.endMs])).toEqual([
      [5, 5],
      [5, 5],
    ]);
  });
});

describe("per-worker write rate limit", () => {
  it("lets one second of rows through at once, then paces the rest", async () => {
    let now = 0;
    const limiter = createRowRateLimiter(1_000, () => now);
    const started = Date.now();
    await limiter.acquire(1_000); // the burst
    expect(Date.now() - started).toBeLessThan(50);
    const paced = limiter.acquire(100); // 100 ms beyond the burst
    await paced;
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    now = 10_000; // idle for a long time: a full burst again, not more
    const again = Date.now();
    await limiter.acquire(1_000);
    expect(Date.now() - again).toBeLessThan(50);
  });

  it("is unlimited at 0", async () => {
    const limiter = createRowRateLimiter(0);
    await limiter.acquire(1e9);
    expect(limiter.chunkRows).toBe(Number.MAX_SAFE_INTEGER);
  });
});
