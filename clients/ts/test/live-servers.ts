import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRepoConfig, silentLogger, type LarderServer, type RepoConfig, type TlsOptions } from "@larder/core";
import { createOfflineStore, mountMaterialization } from "@larder/materialization";
import { mountPush } from "@larder/push";
import { RegistryStore, backendFor, createRegistryServer, openRegistry } from "@larder/registry";
import { createFeatureServer, createOnlineStore } from "@larder/serving";
import { larder } from "../../../test/harness/larder-cli.js";

/** The quickstart's driver-stats repo, applied, with a FeatureServer and a RegistryServer over it. */
export interface LiveServers {
  readonly repoPath: string;
  readonly config: RepoConfig;
  readonly project: string;
  /** `host:port` of the FeatureServer (serving, push, materialization). */
  readonly target: string;
  /** `host:port` of the RegistryServer. */
  readonly registryTarget: string;
  /** Starts another FeatureServer over the same repo on `port` (0 = any), with TLS when given. */
  startFeatureServer(port: number, tls?: TlsOptions): Promise<{ server: LarderServer; port: number }>;
  close(): Promise<void>;
}

async function featureServer(
  config: RepoConfig,
  repoPath: string,
  port: number,
  tls?: TlsOptions,
): Promise<{ server: LarderServer; port: number }> {
  const logger = silentLogger();
  const registry = await openRegistry(config.registry);
  const online = createOnlineStore(config.onlineStore);
  const offline = createOfflineStore(config.offlineStore, { repoPath });
  const server = await createFeatureServer({
    project: config.project,
    server: { host: "127.0.0.1", port, shutdownGraceMs: 2_000, ...(tls === undefined ? {} : { tls }) },
    registry,
    onlineStore: online,
    registryPollIntervalMs: 200,
    maxEntityRows: config.featureServer.maxEntityRows,
    transformTimeoutMs: config.featureServer.transformationTimeoutMs,
    logger,
  });
  await mountPush(server, {
    project: config.project,
    registry: { api: registry, pollIntervalMs: 200 },
    online,
    offline,
    logger,
    featureServer: config.featureServer,
  });
  mountMaterialization(server, { project: config.project, registry, offline, online, logger });
  return { server, port: (await server.listen()).port };
}

/** `larder init` + `larder apply` (spawned) in a temporary folder, then both servers on free ports (nothing materialized). */
export async function startLiveServers(): Promise<LiveServers> {
  const root = await mkdtemp(join(tmpdir(), "larder-sdk-"));
  const repoPath = join(root, "driver_ranking");
  // As a user would: the CLI loads the repo's TypeScript with its own copy of @larder/sdk.
  for (const args of [
    ["init", repoPath],
    ["-c", repoPath, "apply"],
  ]) {
    const run = await larder(args);
    if (run.code !== 0) throw new Error(`larder ${args.join(" ")} failed:\n${run.stderr}`);
  }
  const config = await loadRepoConfig({ repoPath });
  const servers: LarderServer[] = [];
  const feature = await featureServer(config, repoPath, 0);
  servers.push(feature.server);
  if (config.registry.type === "remote") throw new Error("the example repo has a local registry");
  const registryServer = createRegistryServer(
    await RegistryStore.open(backendFor(config.registry)),
    { server: { host: "127.0.0.1", port: 0, shutdownGraceMs: 2_000 } },
    silentLogger(),
  );
  const registryAddress = await registryServer.listen();
  servers.push(registryServer);
  return {
    repoPath,
    config,
    project: config.project,
    target: `127.0.0.1:${feature.port}`,
    registryTarget: `127.0.0.1:${registryAddress.port}`,
    async startFeatureServer(port, tls) {
      const started = await featureServer(config, repoPath, port, tls);
      servers.push(started.server);
      return started;
    },
    async close() {
      for (const server of servers.reverse()) await server.shutdown();
      await rm(root, { recursive: true, force: true });
    },
  };
}
