import { join } from "node:path";
import { REPO_ROOT, run, spawnProcess, type SpawnedProcess, type SpawnOptions } from "./processes.js";

export const LARDER_BIN = join(REPO_ROOT, "cli/bin/larder.mjs");

/** Runs `larder ARGS` as a user would, to completion. */
export function larder(
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(process.execPath, [LARDER_BIN, ...args], options);
}

/** Starts a long-running `larder` command (serve, serve-registry). */
export function spawnLarder(args: readonly string[], options: SpawnOptions = {}): SpawnedProcess {
  return spawnProcess(process.execPath, [LARDER_BIN, ...args], options);
}
