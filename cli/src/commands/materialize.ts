import type { Command } from "commander";
import { parseTimestamp } from "@larder/core";
import { createOfflineStore, engineForConfig, materialize, type MaterializeRequest } from "@larder/materialization";
import { createOnlineStore } from "@larder/serving";
import type { GlobalOptions } from "../context.js";
import { runCommand, type Out } from "../run-command.js";

function toMs(text: string, where: string): number {
  const { seconds, nanos } = parseTimestamp(text, where);
  return Number(seconds) * 1000 + Math.floor(nanos / 1e6);
}

/** Prints workers' progress at most once a second (the first report at once). */
function throttledProgress(out: Out): (view: string, rows: number) => void {
  let last = 0;
  return (view, rows) => {
    const now = Date.now();
    if (now - last < 1_000) return;
    last = now;
    out(`  ${view}: ${rows} rows written`);
  };
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

async function run(globals: GlobalOptions, request: MaterializeRequest, out: Out): Promise<void> {
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
      const distributed = ctx.config.batchEngine.type === "bullmq";
      try {
        const results = await materialize(
          { project: ctx.config.project, registry: await ctx.registry(), engine: batch.engine },
          request,
          {
            onViewStart: (view, startMs, endMs) =>
              out(`Materializing ${view} from ${new Date(startMs).toISOString()} to ${new Date(endMs).toISOString()}`),
            // Workers report progress as they write; the local engine's runs are short enough without it.
            ...(distributed ? { onProgress: throttledProgress(out) } : {}),
            onViewDone: (r) => out(`  ${r.view}: ${r.rows} rows in ${(r.durationMs / 1000).toFixed(2)} s`),
          },
        );
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
    .description("Load the latest feature values in a time window from the offline store into the online store")
    .action(async (start: string, end: string, options: { views: string[] }) => {
      await run(
        globals(),
        { kind: "range", startMs: toMs(start, "start"), endMs: toMs(end, "end"), views: options.views },
        out,
      );
    });
  program
    .command("materialize-incremental")
    .argument("<end>", "end of the window (ISO 8601)")
    .option("-v, --views <view>", "a feature view to materialize (repeatable)", collect, [])
    .description("Materialize each view from where its last run ended up to END")
    .action(async (end: string, options: { views: string[] }) => {
      await run(globals(), { kind: "incremental", endMs: toMs(end, "end"), views: options.views }, out);
    });
}
