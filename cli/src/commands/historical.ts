import { resolve } from "node:path";
import type { Command } from "commander";
import { InvalidArgumentError } from "@larder/core";
import {
  createOfflineStore,
  getHistoricalFeatures,
  outputFormatOf,
  writeHistoricalOutput,
  type HistoricalKind,
} from "@larder/materialization";
import type { GlobalOptions } from "../context.js";
import { runCommand } from "../run-command.js";

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface HistoricalOptions {
  readonly entities: string;
  readonly features: string[];
  readonly featureService?: string;
  readonly output: string;
  readonly fullFeatureNames?: boolean;
}

function kindOf(options: HistoricalOptions): HistoricalKind {
  const hasService = options.featureService !== undefined;
  if (hasService === options.features.length > 0)
    throw new InvalidArgumentError("Give either --features VIEW:FEATURE (repeatable) or --feature-service NAME");
  return options.featureService !== undefined
    ? { featureService: options.featureService }
    : { features: options.features };
}

/** `get-historical-features`: point-in-time training data for an entity file, written to Parquet or CSV. */
export function registerHistorical(program: Command, globals: () => GlobalOptions): void {
  program
    .command("get-historical-features")
    .requiredOption("--entities <file>", "entity table (Parquet or CSV) with join keys and event_timestamp")
    .option("--features <ref>", "a feature reference VIEW:FEATURE (repeatable)", collect, [])
    .option("--feature-service <name>", "a feature service instead of --features")
    .requiredOption("--output <file>", "where to write the result: FILE.parquet or FILE.csv")
    .option("--full-feature-names", "name outputs <view>__<feature>")
    .description("Join features to an entity table as of each row's event_timestamp and write the training data")
    .action(async (options: HistoricalOptions) => {
      await runCommand(globals(), async (ctx, out) => {
        const kind = kindOf(options);
        // Relative paths are the user's: they resolve against the current folder, not --chdir.
        const output = resolve(process.cwd(), options.output);
        outputFormatOf(output);
        const offline = createOfflineStore(ctx.config.offlineStore, { repoPath: ctx.repoPath });
        try {
          const result = getHistoricalFeatures(
            { offline, registry: await (await ctx.registry()).snapshot(), project: ctx.config.project },
            {
              entities: { kind: "file", path: resolve(process.cwd(), options.entities) },
              kind,
              fullFeatureNames: options.fullFeatureNames === true,
            },
          );
          const { rows } = await writeHistoricalOutput(output, result, result.typeOf, result.outputOrder);
          out(`Wrote ${rows} rows to ${options.output}`);
        } finally {
          await offline.close();
        }
      });
    });
}
