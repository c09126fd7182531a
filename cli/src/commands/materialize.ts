import type { Command } from "commander";
import { parseTimestamp } from "@larder/core";
import { createOfflineStore, engineForConfig, materialize, type MaterializeRequest } from "@larder/materialization";
import { createOnlineStore } from "@larder/serving";
import type { GlobalOptions } from "../context.js";
import { createMaterializeProgress } from "../progress.js";
import { runCommand, type Out } from "../run-command.js";

function toMs(text: string, where: string): number {
  const { seconds, nanos } = parseTimestamp(text, where);
  return Number(seconds) * 1000 + Math.floor(nanos / 1e6);
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

async function run(globals: GlobalOptions, request: MaterializeRequest, out: Out, bars: boolean): Promise<void> {
  await runCommand(globals, async (ctx) => {
    const offline = createOfflineStore(ctx.config.offlineStore, { repoPath: ctx.repoPath });
    const online = createOnlineStore(ctx.config.onlineStore);
    try {
      await online.ready();
      const batch = engineForConfig(ctx.config.batchEngine, {
        project: ctx.config.project,
        offline,
        online,
        logger: ctx.logger,
      });
      // Plain output: workers' progress lines (at most one a second); the local engine's runs are short enough without.
      const progress = createMaterializeProgress({
        stream: process.stdout,
        out,
        bars,
        plainProgressLines: ctx.config.batchEngine.type === "bullmq",
      });
      try {
        const results = await materialize(
          { project: ctx.config.project, registry: await ctx.registry(), engine: batch.engine },
          request,
          {
            onViewStart: (view, startMs, endMs) => progress.viewStarted(view, startMs, endMs),
            onProgress: (view, rows) => progress.rowsWritten(view, rows),
            onViewDone: (r) => progress.viewDone(r),
          },
        ).finally(() => progress.stop());
        const total = results.reduce((n, r) => n + r.rows, 0);
        out(`Materialized ${total} rows into ${results.length} feature view${results.length === 1 ? "" : "s"}`);
      } finally {
        await batch.close();
      }
    } finally {
      await online.close();
      await offline.close();
    }
  });
}

/** `materialize START END` and `materialize-incremental END`, with Feast's `-v/--views`. */
export function registerMaterialize(program: Command, globals: () => GlobalOptions): void {
  const out: Out = (line) => process.stdout.write(`${line}\n`);
  program
    .command("materialize")
    .argument("<start>", "start of the window (ISO 8601)")
    .argument("<end>", "end of the window (ISO 8601)")
    .option("-v, --views <view>", "a feature view to materialize (repeatable; default: every online view)", collect, [])
    .option("--no-progress", "plain lines instead of progress bars on a terminal")
    .description("Load the latest feature values in a time window from the offline store into the online store")
    .action(async (start: string, end: string, options: { views: string[]; progress: boolean }) => {
      await run(
        globals(),
        { kind: "range", startMs: toMs(start, "start"), endMs: toMs(end, "end"), views: options.views },
        out,
        options.progress,
      );
    });
  program
    .command("materialize-incremental")
    .argument("<end>", "end of the window (ISO 8601)")
    .option("-v, --views <view>", "a feature view to materialize (repeatable)", collect, [])
    .option("--no-progress", "plain lines instead of progress bars on a terminal")
    .description("Materialize each view from where its last run ended up to END")
    .action(async (end: string, options: { views: string[]; progress: boolean }) => {
      await run(
        globals(),
        { kind: "incremental", endMs: toMs(end, "end"), views: options.views },
        out,
        options.progress,
      );
    });
}
