import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ConfigError,
  DEFAULT_FEATURE_SERVER_CONFIG,
  defineRepoConfig,
  loadRepoConfig,
  validateRepoConfig,
} from "../../src/index.js";

const repoPath = "/srv/repo";

describe("validateRepoConfig", () => {
  it("fills local defaults from just a project", () => {
    const config = validateRepoConfig({ project: "x" }, { repoPath });
    expect(config).toMatchObject({
      project: "x",
      provider: "local",
      repoPath,
      registry: {
        type: "sql",
        dialect: "sqlite",
        path: "/srv/repo/data/registry.db",
        url: "sqlite:////srv/repo/data/registry.db",
        cacheTtlSeconds: 60,
        pollIntervalSeconds: 5,
      },
      onlineStore: { type: "sqlite", path: "/srv/repo/data/online.db" },
      offlineStore: { type: "file" },
      batchEngine: { type: "local" },
      auth: { type: "no_auth", defaultPolicyForUncovered: "deny" },
      entityKeySerializationVersion: 3,
    });
    expect(config.featureServer).toEqual(DEFAULT_FEATURE_SERVER_CONFIG);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("resolves a relative repoPath to an absolute one", () => {
    expect(validateRepoConfig({ project: "x" }, { repoPath: "repo" }).repoPath).toBe(join(process.cwd(), "repo"));
  });

  it.each(["_hidden", "my-project", "has space", ""])("rejects project name %j", (project) => {
    expect(() => validateRepoConfig({ project }, { repoPath })).toThrow(ConfigError);
    expect(() => validateRepoConfig({ project }, { repoPath })).toThrow(/project/);
  });

  it("requires a project", () => {
    expect(() => validateRepoConfig({ provider: "local" }, { repoPath })).toThrow(/project is required/);
    expect(() => validateRepoConfig("project: x", { repoPath })).toThrow(ConfigError);
  });

  it("defaults provider server to redis, postgres and bullmq", () => {
    const config = validateRepoConfig(
      {
        project: "prod",
        provider: "server",
        registry: "postgresql://feast:pw@db:5432/registry",
        offline_store: { url: "postgresql://feast:pw@db/warehouse" },
      },
      { repoPath },
    );
    expect(config.onlineStore).toMatchObject({ type: "redis", redisType: "redis", connectionString: "localhost:6379" });
    expect(config.offlineStore).toMatchObject({ type: "postgres", host: "db", port: 5432, database: "warehouse" });
    expect(config.batchEngine).toMatchObject({ type: "bullmq", queueName: "larder-materialize", shardsPerView: 4 });
  });

  it("asks provider server for its registry and offline store", () => {
    expect(() => validateRepoConfig({ project: "p", provider: "server" }, { repoPath })).toThrow(
      /registry is required/,
    );
    expect(() =>
      validateRepoConfig({ project: "p", provider: "server", registry: "postgresql://h/db" }, { repoPath }),
    ).toThrow(/offline_store is required/);
  });

  it("keeps an unknown provider name for plugins, with local defaults", () => {
    const config = validateRepoConfig({ project: "p", provider: "gcp" }, { repoPath });
    expect(config.provider).toBe("gcp");
    expect(config.onlineStore.type).toBe("sqlite");
  });

  it("accepts Feast's tolerated top-level keys and rejects others by name", () => {
    const config = validateRepoConfig(
      { project: "p", flags: {}, coerce_tz_aware: true, repo_path: ".", materialization: {}, project_description: "d" },
      { repoPath },
    );
    expect(config.projectDescription).toBe("d");
    expect(() => validateRepoConfig({ project: "p", onlin_store: {} }, { repoPath })).toThrow(
      /onlin_store is not a known option/,
    );
  });

  it("accepts entity key serialization versions 2 and 3 only", () => {
    expect(validateRepoConfig({ project: "p", entity_key_serialization_version: 2 }, { repoPath })).toMatchObject({
      entityKeySerializationVersion: 2,
    });
    expect(() => validateRepoConfig({ project: "p", entity_key_serialization_version: 1 }, { repoPath })).toThrow(
      /entity_key_serialization_version must be an integer between 2 and 3, got 1/,
    );
  });

  it("builds the same config in code with defineRepoConfig", () => {
    const input = { project: "p", online_store: { type: "redis" } };
    expect(defineRepoConfig(input, { repoPath })).toEqual(validateRepoConfig(input, { repoPath }));
  });
});

describe("loadRepoConfig", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "larder-config-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("parses Feast's sample feature_store.yaml (§4)", async () => {
    await writeFile(
      join(dir, "feature_store.yaml"),
      `project: my_project
provider: local
registry:
  registry_type: sql
  path: postgresql+psycopg://user:pw@host:5432/feast
  cache_ttl_seconds: 60
online_store:
  type: redis
  redis_type: redis
  connection_string: "localhost:6379,db=0"
  key_ttl_seconds: 86400
offline_store:
  type: file
auth:
  type: oidc
  client_id: feast-client
  auth_discovery_url: https://idp/realms/feast/.well-known/openid-configuration
entity_key_serialization_version: 3
feature_server:
  type: local
  metrics: {enabled: true}
`,
    );
    const config = await loadRepoConfig({ repoPath: dir, env: {} });
    expect(config.project).toBe("my_project");
    expect(config.registry).toEqual({
      type: "sql",
      dialect: "postgres",
      url: "postgresql://user:pw@host:5432/feast",
      cacheTtlSeconds: 60,
      pollIntervalSeconds: 5,
    });
    expect(config.onlineStore).toMatchObject({
      type: "redis",
      keyTtlSeconds: 86400,
      connection: { nodes: [{ host: "localhost", port: 6379 }], db: 0, ssl: false },
    });
    expect(config.auth).toMatchObject({ type: "oidc", clientId: "feast-client", audience: "feast-client" });
    expect(config.featureServer.metrics.enabled).toBe(true);
  });

  it("reads an explicit -f path and expands environment variables", async () => {
    const file = join(dir, "custom.yaml");
    await writeFile(file, "project: ${PROJECT}\nonline_store:\n  type: redis\n  connection_string: $REDIS\n");
    const config = await loadRepoConfig({ repoPath: dir, configPath: file, env: { PROJECT: "p1", REDIS: "r:7000" } });
    expect(config.project).toBe("p1");
    expect(config.onlineStore).toMatchObject({ connection: { nodes: [{ host: "r", port: 7000 }] } });
  });

  it("says where it looked when the file is missing", async () => {
    const error = await loadRepoConfig({ repoPath: dir, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(join(dir, "feature_store.yaml"));
  });

  it("names the file and the unset variable", async () => {
    await writeFile(join(dir, "feature_store.yaml"), "project: p\nregistry: ${REGISTRY_URL}\n");
    await expect(loadRepoConfig({ repoPath: dir, env: {} })).rejects.toThrow(/line 2: .*REGISTRY_URL is not set/);
  });

  it("reports invalid YAML and an empty file as ConfigError", async () => {
    await writeFile(join(dir, "feature_store.yaml"), "project: [unclosed\n");
    await expect(loadRepoConfig({ repoPath: dir, env: {} })).rejects.toThrow(ConfigError);
    await writeFile(join(dir, "feature_store.yaml"), "");
    await expect(loadRepoConfig({ repoPath: dir, env: {} })).rejects.toThrow(/project is required/);
  });
});
