import type { Command } from "commander";
import { FailedPreconditionError, InvalidArgumentError } from "@larder/core";
import { createOfflineStore, startMaterializationWorker } from "@larder/materialization";
import { createOnlineStore, observeOnlineStore } from "@larder/serving";
import type { GlobalOptions } from "../context.js";
import { startProcessTelemetry } from "../process-telemetry.js";
import { runCommand } from "../run-command.js";

interface WorkerOptions {
  concurrency: string;
  stalledIntervalMs: string;
  lockDurationMs: string;
  metricsPort?: string;
}

function positive(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${text}`);
  return value;
}

/** Resolves on the first SIGTERM or SIGINT. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      resolve(signal);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}

/** `worker`: runs materialization shards from the bullmq queue of `batch_engine` until SIGTERM. */
export function registerWorker(program: Command, globals: () => GlobalOptions): void {
  program
    .command("worker")
    .description("Run materialization shards queued by `materialize` with batch_engine bullmq, until SIGTERM")
    .option("--concurrency <n>", "shards run at once by this worker", "1")
    .option("--stalled-interval-ms <ms>", "how often to look for shards of dead workers", "30000")
    .option("--lock-duration-ms <ms>", "how long a dead worker's shard stays locked before it is re-run", "30000")
    .option("--metrics-port <port>", "port of /metrics when feature_server.metrics is on (default: its port)")
    .action(async (options: WorkerOptions) => {
      await runCommand(globals(), async (ctx, out) => {
        const engine = ctx.config.batchEngine;
        if (engine.type !== "bullmq") {
          throw new FailedPreconditionError(
            `larder worker needs batch_engine type bullmq in feature_store.yaml, got ${engine.type}`,
          );
        }
        const signal = untilSignal();
        const offline = createOfflineStore(ctx.config.offlineStore, { repoPath: ctx.repoPath });
        const telemetry = await startProcessTelemetry(ctx, {
          serviceName: "larder-worker",
          host: ctx.config.featureServer.host,
          metricsPort: options.metricsPort,
        });
        // Write spans and online store errors when telemetry is on; the store itself otherwise.
        const online = observeOnlineStore(
          createOnlineStore(ctx.config.onlineStore),
          telemetry,
          ctx.config.onlineStore.type,
        );
        try {
          await online.ready();
          const worker = await startMaterializationWorker({
            redisUrl: engine.redisUrl,
            queueName: engine.queueName,
            registry: await ctx.registry(),
            offline,
            online,
            concurrency: positive(options.concurrency, "--concurrency"),
            writeRateLimitRowsPerSecond: engine.writeRateLimitRowsPerSecond,
            stalledIntervalMs: positive(options.stalledIntervalMs, "--stalled-interval-ms"),
            lockDurationMs: positive(options.lockDurationMs, "--lock-duration-ms"),
            logger: ctx.logger,
          });
          out(`Worker ready (queue ${worker.queueName})`);
          const received = await signal;
          ctx.logger.info({ signal: received }, "worker stopping after its active shards");
          await worker.close();
          out("Worker stopped");
        } finally {
          await online.close();
          await offline.close();
          await telemetry.shutdown();
        }
      });
    });
}
