// The README's first command (`npm start`): builds the driver-stats example repo in .quickstart/,
// applies it to a SQLite registry, materializes Parquet → SQLite online store through DuckDB, and
// serves it on 127.0.0.1:6566 (gRPC and REST) until Ctrl-C, printing two queries that return values.
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { createLogger, loadRepoConfig, serveUntilSignal } from "@larder/core";
import { loadRepo, initExampleRepo } from "@larder/cli";
import { createLocalEngine, createOfflineStore, materialize, mountMaterialization } from "@larder/materialization";
import { mountPush } from "@larder/push";
import { openRegistry } from "@larder/registry";
import { createFeatureServer, createOnlineStore } from "@larder/serving";

const root = join(import.meta.dirname, "..");
const repoPath = join(root, ".quickstart", "driver_ranking");
const port = Number(process.env.LARDER_PORT ?? "6566");
const logger = createLogger({ level: "warn", name: "quickstart" });
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const started = Date.now();
await rm(repoPath, { recursive: true, force: true });
await mkdir(join(root, ".quickstart"), { recursive: true });
const { rows } = await initExampleRepo(repoPath);
say(`1/4 example repo with ${rows} rows of driver statistics in ${repoPath}`);

const config = await loadRepoConfig({ repoPath });
const registry = await openRegistry(config.registry);
const applied = await registry.apply(await loadRepo(repoPath, config.project));
say(`2/4 applied ${applied.changes.length} objects to the SQLite registry (version ${applied.version})`);

const offline = createOfflineStore(config.offlineStore, { repoPath });
const online = createOnlineStore(config.onlineStore);
await online.ready();
const end = Date.now();
const results = await materialize(
  { project: config.project, registry, engine: createLocalEngine(offline, online) },
  { kind: "range", startMs: end - 7 * 24 * 3_600_000 - 3_600_000, endMs: end, views: [] },
);
say(`3/4 materialized ${results.map((r) => `${r.view} (${r.rows} rows)`).join(", ")} into the SQLite online store`);

const server = await createFeatureServer({
  project: config.project,
  server: { host: "127.0.0.1", port },
  registry,
  onlineStore: online,
  registryPollIntervalMs: 5_000,
  maxEntityRows: config.featureServer.maxEntityRows,
  transformTimeoutMs: config.featureServer.transformationTimeoutMs,
  logger,
});
await mountPush(server, {
  project: config.project,
  registry: { api: registry, pollIntervalMs: 5_000 },
  online,
  offline,
  logger,
  featureServer: config.featureServer,
});
mountMaterialization(server, { project: config.project, registry, offline, online, logger });
const address = await serveUntilSignal(server, logger);
say(
  `4/4 feature server listening on ${address.host}:${address.port} (gRPC and REST), up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
say("");
say("REST (Feast's /get-online-features):");
say(
  `  curl -s -X POST http://127.0.0.1:${address.port}/get-online-features -H 'content-type: application/json' \\\n` +
    `    -d '{"features":["driver_hourly_stats:conv_rate","driver_hourly_stats:avg_daily_trips"],"entities":{"driver_id":[1001,1002]}}'`,
);
say("gRPC (larder.serving.v1.ServingService):");
say(
  `  npx buf curl --protocol grpc --http2-prior-knowledge --schema proto \\\n` +
    `    -d '{"features":{"val":["driver_hourly_stats:conv_rate"]},"entities":{"driver_id":{"val":[{"int64Val":"1001"}]}}}' \\\n` +
    `    http://127.0.0.1:${address.port}/larder.serving.v1.ServingService/GetOnlineFeatures`,
);
say("");
say("Ctrl-C stops the server.");
