import { Code } from "@connectrpc/connect";
import { codeName, toConnectError } from "@larder/core";
import { CommandContext, type GlobalOptions } from "./context.js";

/** Writes one line of command output to stdout. */
export type Out = (line: string) => void;

/**
 * Runs a command body with its context; turns any error into one safe line on stderr and a
 * non-zero exit code (2 for a client mistake, 1 otherwise).
 */
export async function runCommand(
  globals: GlobalOptions,
  body: (ctx: CommandContext, out: Out) => Promise<void>,
): Promise<void> {
  let ctx: CommandContext | undefined;
  const out: Out = (line) => process.stdout.write(`${line}\n`);
  try {
    ctx = await CommandContext.load(globals);
    await body(ctx, out);
  } catch (error) {
    const logger = ctx?.logger ?? CommandContext.logger(globals);
    const mapped = toConnectError(error, (e) => logger.error({ err: e }, "unexpected error"));
    logger.debug({ err: error }, "command failed");
    const clientMistake = [
      Code.InvalidArgument,
      Code.NotFound,
      Code.FailedPrecondition,
      Code.AlreadyExists,
      Code.Aborted,
    ].includes(mapped.code);
    process.stderr.write(`Error (${codeName(mapped.code)}): ${mapped.rawMessage}\n`);
    process.exitCode = clientMistake ? 2 : 1;
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}
