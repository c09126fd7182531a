import { describe, expect, it } from "vitest";
import {
  DEFAULT_BULLMQ_BATCH_ENGINE_CONFIG,
  DEFAULT_FEATURE_SERVER_CONFIG,
  validateAuthConfig,
  validateBatchEngineConfig,
  validateFeatureServerConfig,
  validateOfflineStoreConfig,
} from "../../src/index.js";

const local = { provider: "local" };

describe("validateOfflineStoreConfig", () => {
  it("reads file and its aliases", () => {
    expect(validateOfflineStoreConfig(undefined, local)).toEqual({ type: "file" });
    expect(validateOfflineStoreConfig({ type: "duckdb" }, local)).toEqual({ type: "file" });
    expect(() => validateOfflineStoreConfig({ type: "file", path: "x" }, local)).toThrow(/offline_store\.path/);
  });

  it("normalizes postgres from Feast keys", () => {
    expect(
      validateOfflineStoreConfig(
        { type: "postgres", host: "db", database: "feast", user: "u", password: "p", sslmode: "require" },
        local,
      ),
    ).toEqual({
      type: "postgres",
      host: "db",
      port: 5432,
      database: "feast",
      schema: "public",
      user: "u",
      password: "p",
      sslmode: "require",
      minConn: 1,
      maxConn: 10,
    });
    expect(() => validateOfflineStoreConfig({ type: "postgres", host: "db", user: "u" }, local)).toThrow(
      /offline_store.database is required/,
    );
  });

  it("normalizes postgres from a url and refuses mixing the forms", () => {
    expect(
      validateOfflineStoreConfig(
        { type: "postgres", url: "postgresql://u%40x:p@db:6543/wh?sslmode=disable", db_schema: "f" },
        local,
      ),
    ).toMatchObject({
      host: "db",
      port: 6543,
      database: "wh",
      user: "u@x",
      password: "p",
      sslmode: "disable",
      schema: "f",
    });
    expect(() =>
      validateOfflineStoreConfig({ type: "postgres", url: "postgresql://u@db/wh", host: "x" }, local),
    ).toThrow(/offline_store.host cannot be combined/);
  });
});

describe("validateBatchEngineConfig", () => {
  it("reads a type string or a mapping", () => {
    expect(validateBatchEngineConfig("local", local)).toEqual({ type: "local" });
    expect(validateBatchEngineConfig("bullmq", local)).toEqual(DEFAULT_BULLMQ_BATCH_ENGINE_CONFIG);
    expect(
      validateBatchEngineConfig({ type: "bullmq", shards_per_view: 8, write_rate_limit_rows_per_second: 500 }, local),
    ).toMatchObject({ shardsPerView: 8, writeRateLimitRowsPerSecond: 500, attempts: 3, backoffMs: 1000 });
  });

  it("bounds its numbers", () => {
    expect(() => validateBatchEngineConfig({ type: "bullmq", shards_per_view: 0 }, local)).toThrow(
      "batch_engine.shards_per_view must be an integer between 1 and 1024, got 0",
    );
    expect(() => validateBatchEngineConfig({ type: "spark.engine" }, local)).toThrow(/not supported/);
  });
});

describe("validateAuthConfig", () => {
  it("defaults to no_auth denying uncovered resources", () => {
    expect(validateAuthConfig(undefined)).toEqual({ type: "no_auth", defaultPolicyForUncovered: "deny" });
  });

  it("fills oidc defaults from the client id", () => {
    const auth = validateAuthConfig({
      type: "oidc",
      client_id: "feast",
      auth_discovery_url: "https://idp/.well-known/openid-configuration",
      default_policy_for_uncovered: "allow_authenticated",
    });
    expect(auth).toMatchObject({
      type: "oidc",
      audience: "feast",
      verifyAudience: true,
      algorithms: ["RS256", "ES256"],
      clockToleranceSeconds: 5,
      jwksCacheMaxAgeSeconds: 600,
      jwksTimeoutMs: 5000,
      rolesClaimPaths: ["resource_access.feast.roles", "roles"],
      defaultPolicyForUncovered: "allow_authenticated",
    });
  });

  it("maps Feast's JWKS options and refuses weak algorithms", () => {
    const base = { type: "oidc", client_id: "c", auth_discovery_url: "https://idp/x" };
    expect(
      validateAuthConfig({ ...base, jwks_cache_lifespan_seconds: 300, jwks_request_timeout_seconds: 10 }),
    ).toMatchObject({ jwksCacheMaxAgeSeconds: 300, jwksTimeoutMs: 10_000 });
    expect(() => validateAuthConfig({ ...base, algorithms: ["HS256"] })).toThrow(/auth.algorithms/);
    expect(() => validateAuthConfig({ type: "oidc", client_id: "c" })).toThrow(/auth.auth_discovery_url is required/);
  });

  it("accepts a client-only oidc config with a token source", () => {
    expect(validateAuthConfig({ type: "oidc", token_env_var: "MY_TOKEN" })).toMatchObject({ tokenEnvVar: "MY_TOKEN" });
  });

  it("reads kubernetes and rejects unknown types", () => {
    expect(validateAuthConfig({ type: "kubernetes", namespace: "feast" })).toMatchObject({
      type: "kubernetes",
      namespace: "feast",
      userToken: undefined,
    });
    expect(() => validateAuthConfig({ type: "basic" })).toThrow(/auth.type must be one of/);
  });
});

describe("validateFeatureServerConfig", () => {
  it("fills every default and accepts metrics: true", () => {
    expect(validateFeatureServerConfig(undefined)).toEqual(DEFAULT_FEATURE_SERVER_CONFIG);
    const config = validateFeatureServerConfig({ metrics: true, port: 7000, feature_logging: { queue_capacity: 5 } });
    expect(config.metrics).toMatchObject({ enabled: true, port: 8000 });
    expect(config.port).toBe(7000);
    expect(config.featureLogging).toMatchObject({ queueCapacity: 5, flushIntervalSeconds: 600 });
  });

  it("names unknown and out-of-bounds options", () => {
    expect(() => validateFeatureServerConfig({ max_entity_rows: 0 })).toThrow(/feature_server.max_entity_rows/);
    expect(() => validateFeatureServerConfig({ metrics: { enabeld: true } })).toThrow(/feature_server.metrics.enabeld/);
    expect(() => validateFeatureServerConfig({ type: "mcp" })).toThrow(/feature_server.type/);
  });
});
