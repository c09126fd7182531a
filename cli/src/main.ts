import { Command, CommanderError } from "commander";
import { codeName, toConnectError } from "@larder/core";
import { registerApplyCommands } from "./commands/apply.js";
import { registerFeatureLogs } from "./commands/feature-logs.js";
import { registerHistorical } from "./commands/historical.js";
import { registerImportFeast } from "./commands/import-feast.js";
import { registerInit } from "./commands/init.js";
import { registerMaterialize } from "./commands/materialize.js";
import { registerObjectCommands } from "./commands/objects.js";
import { registerPermissions } from "./commands/permissions.js";
import { registerPush } from "./commands/push.js";
import { registerServe } from "./commands/serve.js";
import { registerServeRegistry } from "./commands/serve-registry.js";
import { registerWorker } from "./commands/worker.js";
import type { GlobalOptions } from "./context.js";

/** Builds the `larder` program: Feast's verbs and global options. */
export function buildProgram(): Command {
  const program = new Command("larder")
    .description("Larder: a gRPC-first feature store, compatible with Feast")
    .option("-c, --chdir <dir>", "run in this feature repo folder instead of the current one")
    .option("-f, --feature-store-yaml <file>", "use this feature_store.yaml instead of <repo>/feature_store.yaml")
    .option("--log-level <level>", "log level on stderr: trace, debug, info, warn, error, silent", "warn")
    .showHelpAfterError()
    .exitOverride();
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  registerInit(program, globals);
  registerApplyCommands(program, globals);
  registerMaterialize(program, globals);
  registerHistorical(program, globals);
  registerObjectCommands(program, globals);
  registerPermissions(program, globals);
  registerPush(program, globals);
  registerServe(program, globals);
  registerServeRegistry(program, globals);
  registerWorker(program, globals);
  registerImportFeast(program, globals);
  registerFeatureLogs(program, globals);
  return program;
}

/** Runs the CLI; errors become one line on stderr and a non-zero exit code. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    const mapped = toConnectError(error);
    process.stderr.write(`Error (${codeName(mapped.code)}): ${mapped.rawMessage}\n`);
    process.exitCode = 2;
  }
}
