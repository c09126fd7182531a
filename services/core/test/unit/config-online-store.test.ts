import { describe, expect, it } from "vitest";
import { ConfigError, parseRedisConnectionString, validateRepoConfig } from "../../src/index.js";

const repoPath = "/srv/repo";
const onlineOf = (online_store: unknown) =>
  validateRepoConfig({ project: "p", online_store }, { repoPath }).onlineStore;

describe("parseRedisConnectionString", () => {
  it("reads one node with password, ssl and db", () => {
    expect(parseRedisConnectionString("redis.internal:6380,password=s3cr=t,ssl=true,db=2")).toEqual({
      nodes: [{ host: "redis.internal", port: 6380 }],
      password: "s3cr=t",
      username: undefined,
      ssl: true,
      db: 2,
      options: {},
    });
  });

  it("reads several nodes and keeps other options JSON-decoded", () => {
    expect(parseRedisConnectionString("r1:6379,r2:7000,skip_full_coverage_check=true")).toMatchObject({
      nodes: [
        { host: "r1", port: 6379 },
        { host: "r2", port: 7000 },
      ],
      ssl: false,
      db: 0,
      options: { skip_full_coverage_check: true },
    });
  });

  it("defaults the port and rejects bad values", () => {
    expect(parseRedisConnectionString("redis").nodes).toEqual([{ host: "redis", port: 6379 }]);
    expect(() => parseRedisConnectionString("r:99999")).toThrow(ConfigError);
    expect(() => parseRedisConnectionString("r:6379,db=-1")).toThrow(/db must be a non-negative integer/);
    expect(() => parseRedisConnectionString("password=x")).toThrow(/at least one host:port/);
  });
});

describe("RepoConfig.onlineStore", () => {
  it("resolves the sqlite path against the repo", () => {
    expect(onlineOf({ type: "sqlite", path: "online/store.db" })).toEqual({
      type: "sqlite",
      path: "/srv/repo/online/store.db",
    });
  });

  it("fills redis defaults", () => {
    expect(onlineOf({ type: "redis" })).toEqual({
      type: "redis",
      redisType: "redis",
      connectionString: "localhost:6379",
      connection: {
        nodes: [{ host: "localhost", port: 6379 }],
        password: undefined,
        username: undefined,
        ssl: false,
        db: 0,
        options: {},
      },
      sentinelMaster: "mymaster",
      keyTtlSeconds: undefined,
      fullScanForDeletion: true,
      skipDedup: false,
      layout: "larder",
    });
  });

  it("reads a two-node cluster", () => {
    const store = onlineOf({ type: "redis", redis_type: "redis_cluster", connection_string: "r1:6379,r2:6379" });
    expect(store).toMatchObject({
      redisType: "redis_cluster",
      connection: { nodes: [{ host: "r1" }, { host: "r2" }] },
    });
    expect(() => onlineOf({ type: "redis", connection_string: "r1:6379,r2:6379" })).toThrow(/redis_cluster/);
  });

  it("reads a sentinel setup", () => {
    expect(
      onlineOf({
        type: "redis",
        redis_type: "redis_sentinel",
        connection_string: "s1:26379,s2:26379,password=pw",
        sentinel_master: "feast-master",
        layout: "feast",
      }),
    ).toMatchObject({
      redisType: "redis_sentinel",
      sentinelMaster: "feast-master",
      layout: "feast",
      connection: { nodes: [{ host: "s1", port: 26379 }, { host: "s2" }], password: "pw" },
    });
  });

  it("names an unknown key by its path", () => {
    expect(() => onlineOf({ type: "sqlite", bogus: 1 })).toThrow(ConfigError);
    expect(() => onlineOf({ type: "sqlite", bogus: 1 })).toThrow(/online_store\.bogus/);
    expect(() => onlineOf({ type: "redis", bogus: 1 })).toThrow(/online_store\.bogus/);
  });

  it("bounds key_ttl_seconds", () => {
    expect(() => onlineOf({ type: "redis", key_ttl_seconds: -5 })).toThrow(
      "online_store.key_ttl_seconds must be a positive integer, got -5",
    );
  });

  it("keeps plugin types with their options, and a disabled store", () => {
    expect(onlineOf({ type: "my-store#MyOnlineStore", anything: { a: 1 } })).toEqual({
      type: "plugin",
      module: "my-store#MyOnlineStore",
      options: { anything: { a: 1 } },
    });
    expect(onlineOf("./stores/custom.js")).toMatchObject({ type: "plugin", module: "./stores/custom.js" });
    expect(onlineOf("null")).toEqual({ type: "none" });
    expect(() => onlineOf({ type: "dynamodb" })).toThrow(/online_store.type "dynamodb" is not supported/);
  });
});
