import type { Command } from "commander";
import { ConfigError, serveUntilSignal } from "@larder/core";
import { RegistryStore, backendFor, createRegistryServer } from "@larder/registry";
import { CommandContext, type GlobalOptions } from "../context.js";
import { tlsFromOptions, withTlsOptions, type TlsCliOptions } from "../tls-options.js";
import { startProcessTelemetry } from "../process-telemetry.js";

/** `serve-registry`: the RegistryServer over the repo's SQL or file registry. */
export function registerServeRegistry(program: Command, globals: () => GlobalOptions): void {
  withTlsOptions(program.command("serve-registry"))
    .description("Serve the registry over gRPC and REST/JSON (default port 6570)")
    .option("-h, --host <host>", "address to listen on", "127.0.0.1")
    .option("-p, --port <port>", "port to listen on", "6570")
    .option("--grace-ms <ms>", "how long in-flight calls may finish after SIGTERM", "10000")
    .option(
      "--max-connection-age-ms <ms>",
      "close HTTP/2 connections after this age so clients rebalance (0 = never)",
      "0",
    )
    .option("--metrics-port <port>", "port of /metrics when feature_server.metrics is on (default: its port)")
    .action(
      async (
        options: TlsCliOptions & {
          host: string;
          port: string;
          graceMs: string;
          maxConnectionAgeMs: string;
          metricsPort?: string;
        },
      ) => {
        const ctx = await CommandContext.load(globals());
        const registry = ctx.config.registry;
        if (registry.type === "remote") {
          throw new ConfigError("serve-registry needs a sql or file registry in feature_store.yaml, not a remote one");
        }
        const store = await RegistryStore.open(backendFor(registry));
        const telemetry = await startProcessTelemetry(ctx, {
          serviceName: "larder-registry-server",
          host: options.host,
          metricsPort: options.metricsPort,
        });
        const server = createRegistryServer(
          store,
          {
            server: {
              host: options.host,
              port: Number(options.port),
              shutdownGraceMs: Number(options.graceMs),
              maxConnectionAgeMs: Number(options.maxConnectionAgeMs),
              tls: await tlsFromOptions(options),
            },
            telemetry,
            auth: ctx.config.auth,
          },
          ctx.logger,
        );
        server.onClose(() => telemetry.shutdown());
        const address = await serveUntilSignal(server, ctx.logger);
        process.stdout.write(`Registry server listening on ${address.host}:${address.port} (${store.description})\n`);
      },
    );
}
