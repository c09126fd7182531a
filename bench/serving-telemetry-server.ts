// The FeatureServer under the telemetry benchmark, as a child of bench/serving-telemetry.ts:
// `serving-telemetry-server.ts <project> <repoPath> <off|metrics|sampled|tracing|audit> [otlpUrl]`. Built as
// `larder serve` builds it; prints `PORT <n>`. `metrics` serves /metrics on a free port; `sampled` adds
// tracing with 1 % of root spans sampled (OTEL_TRACES_SAMPLER=traceidratio); `tracing` exports every span
// over OTLP/HTTP to `otlpUrl`; `audit` adds one audit line per call (serialized, then dropped).
import { Writable } from "node:stream";
import { DEFAULT_FEATURE_SERVER_CONFIG, Telemetry, createLogger, resolveTelemetrySettings } from "@larder/core";
import { openRegistry } from "@larder/registry";
import { createFeatureServer, createOnlineStore } from "@larder/serving";
import { benchConfig } from "./serving-repo.js";

const [project, repoPath, mode, otlpUrl] = process.argv.slice(2);
if (project === undefined || repoPath === undefined || mode === undefined) {
  console.error(
    "usage: serving-telemetry-server.ts <project> <repoPath> <off|metrics|sampled|tracing|audit> [otlpUrl]",
  );
  process.exit(2);
}

const config = benchConfig(project, repoPath);
const metricsOn = mode !== "off";
const tracingOn = mode === "sampled" || mode === "tracing" || mode === "audit";
// The SDK reads its sampler from the environment, as it would in a deployment.
if (mode === "sampled") {
  process.env.OTEL_TRACES_SAMPLER = "traceidratio";
  process.env.OTEL_TRACES_SAMPLER_ARG = "0.01";
}
const settings = resolveTelemetrySettings(
  {
    metrics: { ...DEFAULT_FEATURE_SERVER_CONFIG.metrics, enabled: metricsOn, port: 0, auditLogging: mode === "audit" },
    tracing: { enabled: tracingOn, endpoint: otlpUrl },
  },
  {},
  "larder-bench",
);
// Log lines are produced and serialized as in production, then dropped (not the disk under test).
const sink = new Writable({ write: (_chunk, _enc, done) => done() });
const logger = createLogger({ level: "warn", destination: sink });
const telemetry = new Telemetry(settings, logger);
await telemetry.listen();
const server = await createFeatureServer({
  project,
  server: { host: "127.0.0.1", port: 0, shutdownGraceMs: 1_000 },
  registry: await openRegistry(config.registry),
  onlineStore: createOnlineStore(config.onlineStore),
  registryPollIntervalMs: Math.round(config.registry.pollIntervalSeconds * 1000),
  maxEntityRows: config.featureServer.maxEntityRows,
  transformTimeoutMs: config.featureServer.transformationTimeoutMs,
  logger,
  telemetry,
});
const { port } = await server.listen();
process.stdout.write(`PORT ${port}\n`);

const stop = (): void => {
  void server
    .shutdown()
    .then(() => telemetry.shutdown())
    .finally(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
