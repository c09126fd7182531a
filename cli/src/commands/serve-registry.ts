import type { Command } from "commander";
import { ConfigError, serveUntilSignal } from "@larder/core";
import { RegistryStore, backendFor, createRegistryServer } from "@larder/registry";
import { CommandContext, type GlobalOptions } from "../context.js";

/** `serve-registry`: the RegistryServer over the repo's SQL or file registry. */
export function registerServeRegistry(program: Command, globals: () => GlobalOptions): void {
  program
    .command("serve-registry")
    .description("Serve the registry over gRPC and REST/JSON (default port 6570)")
    .option("-h, --host <host>", "address to listen on", "127.0.0.1")
    .option("-p, --port <port>", "port to listen on", "6570")
    .option("--grace-ms <ms>", "how long in-flight calls may finish after SIGTERM", "10000")
    .action(async (options: { host: string; port: string; graceMs: string }) => {
      const ctx = await CommandContext.load(globals());
      const registry = ctx.config.registry;
      if (registry.type === "remote") {
        throw new ConfigError("serve-registry needs a sql or file registry in feature_store.yaml, not a remote one");
      }
      const store = await RegistryStore.open(backendFor(registry));
      const server = createRegistryServer(
        store,
        { server: { host: options.host, port: Number(options.port), shutdownGraceMs: Number(options.graceMs) } },
        ctx.logger,
      );
      const address = await serveUntilSignal(server, ctx.logger);
      process.stdout.write(`Registry server listening on ${address.host}:${address.port} (${store.description})\n`);
    });
}
