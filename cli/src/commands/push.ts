import { resolve } from "node:path";
import type { Command } from "commander";
import { createOfflineStore } from "@larder/materialization";
import { InputTable, Pusher, parsePushMode } from "@larder/push";
import { createOnlineStore } from "@larder/serving";
import type { GlobalOptions } from "../context.js";
import { readPushFile } from "../push-file.js";
import { runCommand } from "../run-command.js";

/** `push SOURCE --file FILE [--to MODE]`: rows into the views of a push source, as the server's /push does. */
export function registerPush(program: Command, globals: () => GlobalOptions): void {
  program
    .command("push")
    .argument("<source>", "push source name")
    .requiredOption("--file <file>", "rows to push: .csv, .parquet or .json (rows or columns)")
    .option("--to <mode>", "online | offline | online_and_offline", "online")
    .description("Push rows to every view whose stream source is SOURCE (online, offline or both)")
    .action((source: string, options: { file: string; to: string }) =>
      runCommand(globals(), async (ctx, out) => {
        const to = parsePushMode(options.to);
        const df = await readPushFile(resolve(options.file));
        const online = to === "offline" ? undefined : createOnlineStore(ctx.config.onlineStore);
        const offline =
          to === "online" ? undefined : createOfflineStore(ctx.config.offlineStore, { repoPath: ctx.repoPath });
        try {
          await online?.ready();
          const snapshot = await (await ctx.registry()).snapshot();
          const pusher = new Pusher({
            project: ctx.config.project,
            registry: () => snapshot,
            online,
            offline,
            transformTimeoutMs: ctx.config.featureServer.transformationTimeoutMs,
            logger: ctx.logger,
          });
          const result = await pusher.push({
            pushSourceName: source,
            table: InputTable.fromJson(df, "file"),
            to,
            transformOnWrite: true,
          });
          for (const [view, rows] of Object.entries(result.perView)) out(`  ${view}: ${rows} rows`);
          out(`Pushed ${result.rows} rows from ${options.file} to ${source} (${to})`);
        } finally {
          await online?.close();
          await offline?.close();
        }
      }),
    );
}
