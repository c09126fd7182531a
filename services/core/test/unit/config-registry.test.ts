import { describe, expect, it } from "vitest";
import { ConfigError, validateRepoConfig } from "../../src/index.js";

const repoPath = "/srv/repo";
const registryOf = (registry: unknown) => validateRepoConfig({ project: "p", registry }, { repoPath }).registry;

describe("RepoConfig.registry string forms", () => {
  it("reads postgresql:// and postgres:// URLs as a PostgreSQL SQL registry", () => {
    expect(registryOf("postgresql://u:p@db:5432/feast")).toEqual({
      type: "sql",
      dialect: "postgres",
      url: "postgresql://u:p@db:5432/feast",
      cacheTtlSeconds: 60,
      pollIntervalSeconds: 5,
    });
    expect(registryOf("postgres://db/feast")).toMatchObject({ dialect: "postgres", url: "postgresql://db/feast" });
  });

  it("reads sqlite:/// URLs with SQLAlchemy's relative and absolute forms", () => {
    expect(registryOf("sqlite:///data/reg.db")).toMatchObject({
      type: "sql",
      dialect: "sqlite",
      path: "/srv/repo/data/reg.db",
      url: "sqlite:////srv/repo/data/reg.db",
    });
    expect(registryOf("sqlite:////var/lib/reg.db")).toMatchObject({ dialect: "sqlite", path: "/var/lib/reg.db" });
  });

  it("reads a bare path as a SQLite registry resolved against the repo", () => {
    expect(registryOf("state/registry.db")).toMatchObject({ type: "sql", path: "/srv/repo/state/registry.db" });
    expect(registryOf("/abs/registry.db")).toMatchObject({ type: "sql", path: "/abs/registry.db" });
  });

  it("reads .pb paths and s3:// URIs as file registries", () => {
    expect(registryOf("data/registry.pb")).toEqual({
      type: "file",
      path: "/srv/repo/data/registry.pb",
      cacheTtlSeconds: 60,
      pollIntervalSeconds: 5,
    });
    expect(registryOf("s3://bucket/feast/registry.pb")).toMatchObject({
      type: "file",
      path: "s3://bucket/feast/registry.pb",
    });
  });

  it("rejects unsupported schemes", () => {
    expect(() => registryOf("mysql://h/db")).toThrow(ConfigError);
    expect(() => registryOf("sqlite://")).toThrow(/registry/);
  });
});

describe("RepoConfig.registry mappings", () => {
  it("infers the type from path and reads the timing options", () => {
    expect(registryOf({ path: "postgresql://db/feast", cache_ttl_seconds: 0, poll_interval_seconds: 0.5 })).toEqual({
      type: "sql",
      dialect: "postgres",
      url: "postgresql://db/feast",
      cacheTtlSeconds: 0,
      pollIntervalSeconds: 0.5,
    });
  });

  it("reads registry_type remote with host:port and tls", () => {
    expect(registryOf({ registry_type: "remote", path: "registry.svc:6570", tls: true })).toEqual({
      type: "remote",
      target: "registry.svc:6570",
      tls: true,
      certPath: undefined,
      cacheTtlSeconds: 60,
      pollIntervalSeconds: 5,
    });
    expect(registryOf({ registry_type: "remote", path: "localhost:6570", is_tls: true })).toMatchObject({ tls: true });
    expect(() => registryOf({ registry_type: "remote" })).toThrow(/registry.path is required/);
    expect(() => registryOf({ registry_type: "remote", path: "no-port" })).toThrow(/registry.path must be host:port/);
  });

  it("follows an explicit registry_type for bare paths", () => {
    expect(registryOf({ registry_type: "file", path: "data/registry.db" })).toMatchObject({
      type: "file",
      path: "/srv/repo/data/registry.db",
    });
    expect(() => registryOf({ registry_type: "file", path: "postgresql://db/x" })).toThrow(/registry_type is file/);
  });

  it("ignores registry_store_type and rejects other unknown keys by path", () => {
    expect(registryOf({ path: "x.db", registry_store_type: "LocalRegistryStore" })).toMatchObject({ type: "sql" });
    expect(() => registryOf({ pathh: "x.db" })).toThrow(/registry\.pathh is not a known option/);
    expect(() => registryOf({ path: "x.db", tls: true })).toThrow(/only applies when registry.registry_type is remote/);
  });

  it("bounds cache_ttl_seconds", () => {
    expect(() => registryOf({ path: "x.db", cache_ttl_seconds: -1 })).toThrow(
      "registry.cache_ttl_seconds must be a non-negative integer, got -1",
    );
  });
});
