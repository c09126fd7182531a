import type { Command } from "commander";
import { serveUntilSignal } from "@larder/core";
import { createOfflineStore, mountMaterialization } from "@larder/materialization";
import { mountPush } from "@larder/push";
import { createFeatureServer, createOnlineStore, observeOnlineStore } from "@larder/serving";
import { CommandContext, type GlobalOptions } from "../context.js";
import { tlsFromOptions, withTlsOptions, type TlsCliOptions } from "../tls-options.js";
import { startProcessTelemetry } from "../process-telemetry.js";

/** `serve`: the FeatureServer (gRPC and Feast's REST paths on one port, default 6566). */
export function registerServe(program: Command, globals: () => GlobalOptions): void {
  withTlsOptions(program.command("serve"))
    .description("Serve online features over gRPC and REST/JSON (default 127.0.0.1:6566)")
    .option("-h, --host <host>", "address to listen on (default: feature_server.host)")
    .option("-p, --port <port>", "port to listen on (default: feature_server.port)")
    .option("--grace-ms <ms>", "how long in-flight calls may finish after SIGTERM", "10000")
    .option(
      "--max-connection-age-ms <ms>",
      "close HTTP/2 connections after this age so clients rebalance (0 = never)",
      "0",
    )
    .option(
      "--metrics",
      "serve Prometheus metrics on feature_server.metrics.port (default 8000), as feast serve --metrics",
    )
    .action(
      async (
        options: TlsCliOptions & {
          host?: string;
          port?: string;
          graceMs: string;
          maxConnectionAgeMs: string;
          metrics?: boolean;
        },
      ) => {
        const ctx = await CommandContext.load(globals());
        const fs = ctx.config.featureServer;
        const telemetry = await startProcessTelemetry(ctx, {
          serviceName: "larder-feature-server",
          host: options.host ?? fs.host,
          metrics: options.metrics,
        });
        // One observed store for serving, push and materialization (spans, errors, freshness); itself when telemetry is off.
        const onlineStore = observeOnlineStore(
          createOnlineStore(ctx.config.onlineStore),
          telemetry,
          ctx.config.onlineStore.type,
        );
        const server = await createFeatureServer({
          project: ctx.config.project,
          server: {
            host: options.host ?? fs.host,
            port: options.port === undefined ? fs.port : Number(options.port),
            shutdownGraceMs: Number(options.graceMs),
            maxConnectionAgeMs: Number(options.maxConnectionAgeMs),
            tls: await tlsFromOptions(options),
          },
          registry: await ctx.registry(),
          onlineStore,
          registryPollIntervalMs: Math.round(ctx.config.registry.pollIntervalSeconds * 1000),
          maxEntityRows: fs.maxEntityRows,
          transformTimeoutMs: fs.transformationTimeoutMs,
          logger: ctx.logger,
          featureLogging: { config: fs.featureLogging, repoPath: ctx.repoPath, offlineStore: ctx.config.offlineStore },
          telemetry,
          auth: ctx.config.auth,
        });
        const offline = createOfflineStore(ctx.config.offlineStore, { repoPath: ctx.repoPath });
        // Before materialization: close hooks run in order, and queued offline pushes flush before the store closes.
        await mountPush(server, {
          project: ctx.config.project,
          registry: {
            api: await ctx.registry(),
            pollIntervalMs: Math.round(ctx.config.registry.pollIntervalSeconds * 1000),
          },
          online: onlineStore,
          offline,
          logger: ctx.logger,
          featureServer: fs,
          auth: ctx.config.auth,
          telemetry,
        });
        mountMaterialization(server, {
          project: ctx.config.project,
          registry: await ctx.registry(),
          offline,
          online: onlineStore,
          logger: ctx.logger,
          batchEngine: ctx.config.batchEngine,
          auth: ctx.config.auth,
          telemetry,
        });
        // Last: spans of the shutdown's own work are exported before the exporter stops.
        server.onClose(() => telemetry.shutdown());
        const { host, port } = await serveUntilSignal(server, ctx.logger);
        process.stdout.write(`Feature server listening on ${host}:${port}\n`);
      },
    );
}
