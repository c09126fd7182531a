import { resolve } from "node:path";
import type { Command } from "commander";
import { InvalidArgumentError, parseIsoTimestamp } from "@larder/core";
import { listFeatureLogs, readFeatureLogs, requireLogTarget, type LogTarget } from "@larder/serving";
import type { CommandContext, GlobalOptions } from "../context.js";
import { runCommand } from "../run-command.js";

async function targetOf(ctx: CommandContext, service: string): Promise<LogTarget> {
  const snapshot = await (await ctx.registry()).snapshot();
  return requireLogTarget(snapshot, ctx.config.project, service, ctx.repoPath);
}

function timeOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parseIsoTimestamp(value);
  if (parsed === undefined)
    throw new InvalidArgumentError(`${flag} must be an ISO-8601 time, got ${JSON.stringify(value)}`);
  return Number(parsed.seconds) * 1000 + Math.floor(parsed.nanos / 1e6);
}

/** `feature-logs list SERVICE` and `feature-logs read SERVICE --output FILE`: the served features a service logged. */
export function registerFeatureLogs(program: Command, globals: () => GlobalOptions): void {
  const group = program.command("feature-logs").description("Inspect and export the features a feature service logged");
  group
    .command("list")
    .argument("<service>", "feature service name")
    .description("Date partitions of a service's logs, with row counts")
    .action((service: string) =>
      runCommand(globals(), async (ctx, out) => {
        const target = await targetOf(ctx, service);
        const where = target.destination.kind === "file" ? target.destination.directory : target.destination.table;
        const partitions = await listFeatureLogs(target, ctx.config.offlineStore);
        out(`Feature service ${service}: sample rate ${target.sampleRate}, ${target.destination.kind} ${where}`);
        if (partitions.length === 0) {
          out("No logs yet");
          return;
        }
        for (const p of partitions) {
          out(`${p.date}  ${p.rows} rows${target.destination.kind === "file" ? `  ${p.files} files` : ""}`);
        }
      }),
    );
  group
    .command("read")
    .argument("<service>", "feature service name")
    .requiredOption("--output <file>", "FILE.parquet or FILE.csv")
    .option("--start <time>", "only rows logged at or after this ISO-8601 time")
    .option("--end <time>", "only rows logged at or before this ISO-8601 time")
    .option("--all-columns", "every logged column (values, __timestamp, __status) instead of an entity table")
    .description("Write a service's logs as an entity table for get-historical-features (join keys, event_timestamp)")
    .action((service: string, options: { output: string; start?: string; end?: string; allColumns?: boolean }) =>
      runCommand(globals(), async (ctx, out) => {
        const target = await targetOf(ctx, service);
        const rows = await readFeatureLogs(
          target,
          resolve(process.cwd(), options.output),
          {
            startMs: timeOption(options.start, "--start"),
            endMs: timeOption(options.end, "--end"),
            allColumns: options.allColumns === true,
          },
          ctx.config.offlineStore,
        );
        out(`Wrote ${rows} rows to ${options.output}`);
      }),
    );
}
