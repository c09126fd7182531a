// The FeatureServer under test, as a child of bench/serving.ts: `serving-server.ts <project> <repoPath>`.
// Built as `larder serve` builds it (config defaults), on 127.0.0.1 and a free port; prints `PORT <n>`.
import { silentLogger } from "@larder/core";
import { openRegistry } from "@larder/registry";
import { createFeatureServer, createOnlineStore } from "@larder/serving";
import { benchConfig } from "./serving-repo.js";

const [project, repoPath] = process.argv.slice(2);
if (project === undefined || repoPath === undefined) {
  console.error("usage: serving-server.ts <project> <repoPath>");
  process.exit(2);
}

const config = benchConfig(project, repoPath);
const server = await createFeatureServer({
  project,
  server: { host: "127.0.0.1", port: 0, shutdownGraceMs: 1_000 },
  registry: await openRegistry(config.registry),
  onlineStore: createOnlineStore(config.onlineStore),
  registryPollIntervalMs: Math.round(config.registry.pollIntervalSeconds * 1000),
  maxEntityRows: config.featureServer.maxEntityRows,
  transformTimeoutMs: config.featureServer.transformationTimeoutMs,
  logger: silentLogger(),
});
const { port } = await server.listen();
process.stdout.write(`PORT ${port}\n`);

const stop = (): void => {
  void server.shutdown().finally(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
