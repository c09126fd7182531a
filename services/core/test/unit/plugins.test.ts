import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { loadRepoConfig } from "../../src/config/load-repo-config.js";
import { validateRepoConfig } from "../../src/config/repo-config.js";
import type { PluginConfig } from "../../src/config/plugin-config.js";
import { loadPlugin, parsePluginSpecifier } from "../../src/plugins/load-plugin.js";
import { createPluginInstance } from "../../src/plugins/resolve-plugins.js";

let repo: string;

const STORE_METHODS = `
  async read() { return []; }
  async write() { return { written: 0, skipped: 0 }; }
  async deleteView() {}
  async teardown() {}
  async ready() {}
  async close() {}`;

function write(path: string, text: string): void {
  mkdirSync(join(repo, path, ".."), { recursive: true });
  writeFileSync(join(repo, path), text);
}

/** A config folder; with `atRoot` the repo itself, so the provider's `./plugins/...` paths resolve. */
function yaml(text: string, atRoot = false): string {
  const dir = atRoot ? repo : mkdtempSync(join(repo, "cfg-"));
  writeFileSync(join(dir, "feature_store.yaml"), text);
  return dir;
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "larder-plugins-"));
  write(
    "plugins/stores.ts",
    `export class GoodStore {
      healthy = true;
      constructor(readonly options: Record<string, unknown>, readonly context: { repoPath: string }) {}
      ${STORE_METHODS}
    }
    export class NoTeardown {
      healthy = true;
      async read() { return []; }
      async write() { return { written: 0, skipped: 0 }; }
      async deleteView() {}
      async ready() {}
      async close() {}
    }
    export function storeFactory(options: Record<string, unknown>) {
      return { healthy: true, options, ${STORE_METHODS.replace(/async /g, "async ")
        .replace(/\n/g, ",\n")
        .replace(/^,/, "")
        .replace(/},$/, "}")} };
    }
    export const notAPlugin = 42;
    `,
  );
  write(
    "plugins/engine.ts",
    `export class Engine { constructor(readonly options: unknown, readonly context: unknown) {} async materializeView() { return 0; } }`,
  );
  write(
    "plugins/provider.ts",
    `export function myProvider(context: { project: string }) {
      return {
        base: "local",
        online_store: { type: "./plugins/stores.ts#GoodStore", table_prefix: context.project },
        offline_store: "duckdb",
      };
    }
    export function badProvider() { return { online_stor: {} }; }
    export const serverish = { base: "server", registry: "postgresql://u@db/reg", offline_store: { type: "postgres", url: "postgresql://u@db/wh" } };`,
  );
});

describe("parsePluginSpecifier", () => {
  it("splits the module and the export, and refuses an empty part", () => {
    expect(parsePluginSpecifier("./plugins/s.ts#Store")).toEqual({ module: "./plugins/s.ts", exportName: "Store" });
    expect(parsePluginSpecifier("some-package#Export")).toEqual({ module: "some-package", exportName: "Export" });
    expect(parsePluginSpecifier("./plugins/s.ts")).toEqual({ module: "./plugins/s.ts", exportName: undefined });
    expect(() => parsePluginSpecifier("./s.ts#")).toThrow(ConfigError);
  });
});

describe("loadPlugin", () => {
  it("imports a TypeScript module relative to the repo and returns the named export", async () => {
    const loaded = await loadPlugin("online_store", "./plugins/stores.ts#GoodStore", repo);
    expect(loaded).toMatchObject({ kind: "online_store", repoPath: repo });
    expect(typeof loaded.value).toBe("function");
  });

  it("names the missing method of a class at load time", async () => {
    await expect(loadPlugin("online_store", "./plugins/stores.ts#NoTeardown", repo)).rejects.toThrow(
      /does not implement OnlineStore: missing method teardown/,
    );
  });

  it("names a missing export and lists the module's exports", async () => {
    await expect(loadPlugin("online_store", "./plugins/stores.ts#Nope", repo)).rejects.toThrow(
      /no export "Nope" \(it exports GoodStore, NoTeardown, notAPlugin, storeFactory\)/,
    );
  });

  it("refuses a module that cannot be loaded, and an export that is not an object or function", async () => {
    await expect(loadPlugin("online_store", "./plugins/missing.ts#X", repo)).rejects.toThrow(
      /cannot load the plugin module/,
    );
    await expect(loadPlugin("online_store", "no-such-package-larder#X", repo)).rejects.toThrow(ConfigError);
    await expect(loadPlugin("online_store", "./plugins/stores.ts#notAPlugin", repo)).rejects.toThrow(
      /must be a class, a factory function or an object/,
    );
  });

  it("asks for the export name when a module has several", async () => {
    await expect(loadPlugin("online_store", "./plugins/stores.ts", repo)).rejects.toThrow(/name the export to use/);
  });
});

describe("createPluginInstance", () => {
  const config = (module: string, options: Record<string, unknown> = {}): PluginConfig => ({
    type: "plugin",
    module,
    options,
  });

  it("constructs a class with its options and a context holding the repo path", async () => {
    const implementation = await loadPlugin("online_store", "./plugins/stores.ts#GoodStore", repo);
    const store = createPluginInstance<{ options: unknown; context: { repoPath: string } }>(
      "online_store",
      { ...config("./plugins/stores.ts#GoodStore", { path: "x.json" }), implementation },
      {},
    );
    expect(store.options).toEqual({ path: "x.json" });
    expect(store.context.repoPath).toBe(repo);
  });

  it("calls a factory function and checks what it returns", async () => {
    const implementation = await loadPlugin("online_store", "./plugins/stores.ts#storeFactory", repo);
    const store = createPluginInstance<{ options: unknown }>(
      "online_store",
      { ...config("./plugins/stores.ts#storeFactory", { a: 1 }), implementation },
      {},
    );
    expect(store.options).toEqual({ a: 1 });
    const engine = await loadPlugin("batch_engine", "./plugins/engine.ts#Engine", repo);
    // A batch engine class is not an online store: the check names the first missing method.
    expect(() =>
      createPluginInstance(
        "online_store",
        { ...config("./plugins/engine.ts#Engine"), implementation: { ...engine, kind: "online_store" } },
        {},
      ),
    ).toThrow(/missing method read/);
  });

  it("refuses a plugin config whose module was never loaded", () => {
    expect(() => createPluginInstance("online_store", config("./plugins/stores.ts#GoodStore"), {})).toThrow(
      /was not loaded/,
    );
  });
});

describe("loadRepoConfig with plugins", () => {
  it("loads plugin stores and engines at start-up and passes their own keys through", async () => {
    const dir = yaml(
      [
        "project: p",
        "online_store:",
        `  type: ${join(repo, "plugins/stores.ts")}#GoodStore`,
        "  path: data/online.json",
        "  any_key: { nested: true }",
        "batch_engine:",
        `  type: ${join(repo, "plugins/engine.ts")}#Engine`,
        "  workers: 3",
      ].join("\n"),
    );
    const config = await loadRepoConfig({ repoPath: dir });
    expect(config.onlineStore).toMatchObject({
      type: "plugin",
      options: { path: "data/online.json", any_key: { nested: true } },
    });
    expect((config.onlineStore as PluginConfig).implementation?.kind).toBe("online_store");
    expect(config.batchEngine).toMatchObject({ type: "plugin", options: { workers: 3 } });
  });

  it("fails at start-up naming the missing method", async () => {
    const dir = yaml(`project: p\nonline_store:\n  type: ${join(repo, "plugins/stores.ts")}#NoTeardown\n`);
    await expect(loadRepoConfig({ repoPath: dir })).rejects.toThrow(/missing method teardown/);
  });

  it("still rejects unknown keys of built-in stores", async () => {
    const dir = yaml("project: p\nonline_store:\n  type: sqlite\n  any_key: 1\n");
    await expect(loadRepoConfig({ repoPath: dir })).rejects.toThrow(/online_store.any_key is not a known option/);
  });
});

describe("providers", () => {
  it("local bundles a SQLite registry and online store, DuckDB files and the local engine", () => {
    const config = validateRepoConfig({ project: "p" }, { repoPath: repo });
    expect(config.provider).toBe("local");
    expect(config.registry).toMatchObject({ type: "sql", dialect: "sqlite", path: join(repo, "data/registry.db") });
    expect(config.onlineStore).toMatchObject({ type: "sqlite", path: join(repo, "data/online.db") });
    expect(config.offlineStore).toEqual({ type: "file" });
    expect(config.batchEngine).toEqual({ type: "local" });
  });

  it("server bundles PostgreSQL, Redis and BullMQ on the online store's Redis", () => {
    const config = validateRepoConfig(
      {
        project: "p",
        provider: "server",
        registry: "postgresql://larder@db:5432/registry",
        online_store: { connection_string: "redis-main:6380,password=s3cret,db=2" },
        offline_store: { url: "postgresql://larder@db/warehouse" },
      },
      { repoPath: repo },
    );
    expect(config.registry).toMatchObject({ type: "sql", dialect: "postgres" });
    expect(config.onlineStore).toMatchObject({
      type: "redis",
      connectionString: "redis-main:6380,password=s3cret,db=2",
    });
    expect(config.offlineStore).toMatchObject({ type: "postgres", host: "db", database: "warehouse" });
    expect(config.batchEngine).toMatchObject({ type: "bullmq", redisUrl: "redis://:s3cret@redis-main:6380/2" });
  });

  it("server lets every component be overridden, and asks for what it cannot guess", () => {
    const config = validateRepoConfig(
      {
        project: "p",
        provider: "server",
        registry: "postgresql://larder@db/registry",
        online_store: { type: "sqlite" },
        offline_store: "file",
        batch_engine: { type: "bullmq", redis_url: "redis://queue:6379" },
      },
      { repoPath: repo },
    );
    expect(config.onlineStore.type).toBe("sqlite");
    expect(config.offlineStore.type).toBe("file");
    expect(config.batchEngine).toMatchObject({ type: "bullmq", redisUrl: "redis://queue:6379" });
    expect(() => validateRepoConfig({ project: "p", provider: "server" }, { repoPath: repo })).toThrow(
      /registry is required with provider server/,
    );
  });

  it("a custom provider is a plugin: its sections are defaults the config overrides", async () => {
    const spec = `${join(repo, "plugins/provider.ts")}#myProvider`;
    const plain = await loadRepoConfig({ repoPath: yaml(`project: shop\nprovider: ${spec}\n`, true) });
    expect(plain.provider).toBe(spec);
    expect(plain.onlineStore).toMatchObject({ type: "plugin", options: { table_prefix: "shop" } });
    expect(plain.offlineStore).toEqual({ type: "file" });
    expect(plain.batchEngine).toEqual({ type: "local" });
    expect(plain.registry).toMatchObject({ dialect: "sqlite" });

    // Same type: the config's keys win over the provider's; another type replaces the section.
    const sameType = await loadRepoConfig({
      repoPath: yaml(`project: shop\nprovider: ${spec}\nonline_store:\n  table_prefix: mine\n`, true),
    });
    expect(sameType.onlineStore).toMatchObject({ type: "plugin", options: { table_prefix: "mine" } });
    const replaced = await loadRepoConfig({
      repoPath: yaml(`project: shop\nprovider: ${spec}\nonline_store:\n  type: sqlite\n`, true),
    });
    expect(replaced.onlineStore.type).toBe("sqlite");
  });

  it("a custom provider can build on the server bundle", async () => {
    const config = await loadRepoConfig({
      repoPath: yaml(`project: shop\nprovider: ${join(repo, "plugins/provider.ts")}#serverish\n`),
    });
    expect(config.registry).toMatchObject({ dialect: "postgres" });
    expect(config.onlineStore.type).toBe("redis");
    expect(config.offlineStore).toMatchObject({ type: "postgres", database: "wh" });
    expect(config.batchEngine.type).toBe("bullmq");
  });

  it("refuses a provider that returns an unknown section, and a plugin provider without loadRepoConfig", async () => {
    await expect(
      loadRepoConfig({ repoPath: yaml(`project: shop\nprovider: ${join(repo, "plugins/provider.ts")}#badProvider\n`) }),
    ).rejects.toThrow(/unknown section "online_stor"/);
    expect(() => validateRepoConfig({ project: "p", provider: "./p.ts#X" }, { repoPath: repo })).toThrow(
      /is a plugin; load feature_store.yaml with loadRepoConfig/,
    );
  });
});
