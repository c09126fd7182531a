import { UnavailableError, parseRedisConnectionString, type RedisOnlineStoreConfig } from "@larder/core";
import { describe, expect, it } from "vitest";
import { planRedisClient } from "../../src/online-store/redis-client.js";
import { isRedisOutage, mapRedisError } from "../../src/online-store/redis-errors.js";

function config(connectionString: string, redisType: RedisOnlineStoreConfig["redisType"]): RedisOnlineStoreConfig {
  return {
    type: "redis",
    redisType,
    connectionString,
    connection: parseRedisConnectionString(connectionString),
    sentinelMaster: "primary",
    keyTtlSeconds: undefined,
    fullScanForDeletion: true,
    skipDedup: false,
    layout: "larder",
  };
}

describe("planRedisClient", () => {
  it("connects to one node with password, TLS, db and fail-fast settings", () => {
    const plan = planRedisClient(config("cache:6380,password=pw,ssl=true,db=3", "redis"));
    expect(plan.kind).toBe("redis");
    expect(plan.options).toMatchObject({
      host: "cache",
      port: 6380,
      password: "pw",
      tls: {},
      db: 3,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
    });
    const retry = plan.kind === "redis" ? plan.options.retryStrategy : undefined;
    expect([1, 4, 20].map((n) => retry?.(n))).toEqual([50, 200, 500]);
  });

  it("uses the nodes as sentinels and asks them for the configured master", () => {
    const plan = planRedisClient(config("s1:26379,s2:26379", "redis_sentinel"), { commandTimeoutMs: 100 });
    expect(plan.options).toMatchObject({
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26379 },
      ],
      name: "primary",
      commandTimeout: 100,
    });
  });

  it("builds a Cluster client with autopipelining and refuses db other than 0", () => {
    const plan = planRedisClient(config("n1:7000,n2:7001,password=pw", "redis_cluster"));
    expect(plan.kind).toBe("cluster");
    expect(plan.options).toMatchObject({
      enableAutoPipelining: true,
      redisOptions: { password: "pw", maxRetriesPerRequest: 1 },
    });
    expect(() => planRedisClient(config("n1:7000,db=2", "redis_cluster"))).toThrow(/db/);
  });
});

describe("mapRedisError", () => {
  it("maps ioredis outage errors to UnavailableError and keeps the cause", () => {
    const outages = [
      new Error("Connection is closed."),
      new Error("Command timed out"),
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" }),
      Object.assign(new Error("Reached the max retries per request limit (which is 1)."), {
        name: "MaxRetriesPerRequestError",
      }),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error("LOADING Redis is loading the dataset in memory"),
    ];
    for (const outage of outages) {
      expect(isRedisOutage(outage)).toBe(true);
      const mapped = mapRedisError(outage);
      expect(mapped).toBeInstanceOf(UnavailableError);
      expect((mapped as Error).cause).toBe(outage);
    }
  });

  it("passes other errors through", () => {
    const wrongType = new Error("WRONGTYPE Operation against a key holding the wrong kind of value");
    expect(mapRedisError(wrongType)).toBe(wrongType);
  });
});
