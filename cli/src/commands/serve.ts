import type { Command } from "commander";
import { serveUntilSignal } from "@larder/core";
import { createOfflineStore, mountMaterialization } from "@larder/materialization";
import { mountPush } from "@larder/push";
import { createFeatureServer, createOnlineStore } from "@larder/serving";
import { CommandContext, type GlobalOptions } from "../context.js";

/** `serve`: the FeatureServer (gRPC and Feast's REST paths on one port, default 6566). */
export function registerServe(program: Command, globals: () => GlobalOptions): void {
  program
    .command("serve")
    .description("Serve online features over gRPC and REST/JSON (default 127.0.0.1:6566)")
    .option("-h, --host <host>", "address to listen on (default: feature_server.host)")
    .option("-p, --port <port>", "port to listen on (default: feature_server.port)")
    .option("--grace-ms <ms>", "how long in-flight calls may finish after SIGTERM", "10000")
    .action(async (options: { host?: string; port?: string; graceMs: string }) => {
      const ctx = await CommandContext.load(globals());
      const fs = ctx.config.featureServer;
      const onlineStore = createOnlineStore(ctx.config.onlineStore);
      const server = await createFeatureServer({
        project: ctx.config.project,
        server: {
          host: options.host ?? fs.host,
          port: options.port === undefined ? fs.port : Number(options.port),
          shutdownGraceMs: Number(options.graceMs),
        },
        registry: await ctx.registry(),
        onlineStore,
        registryPollIntervalMs: Math.round(ctx.config.registry.pollIntervalSeconds * 1000),
        maxEntityRows: fs.maxEntityRows,
        transformTimeoutMs: fs.transformationTimeoutMs,
        logger: ctx.logger,
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
      });
      mountMaterialization(server, {
        project: ctx.config.project,
        registry: await ctx.registry(),
        offline,
        online: onlineStore,
        logger: ctx.logger,
        batchEngine: ctx.config.batchEngine,
      });
      const { host, port } = await serveUntilSignal(server, ctx.logger);
      process.stdout.write(`Feature server listening on ${host}:${port}\n`);
    });
}
