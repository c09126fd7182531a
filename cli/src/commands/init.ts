import { cp, readFile, readdir, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { AlreadyExistsError } from "@larder/core";
import { writeDriverStats } from "../example-data.js";
import { CommandContext, type GlobalOptions } from "../context.js";

const TEMPLATE = fileURLToPath(new URL("../../../examples/driver_stats/", import.meta.url));

/** A project name from a folder name: letters, digits and underscores, not starting with "_". */
function projectName(dir: string): string {
  const name = basename(dir)
    .replace(/[^A-Za-z0-9_]/g, "_")
    .replace(/^_+/, "");
  return name === "" ? "my_project" : name;
}

/** Creates the example repo in `target` (which must be empty or absent) and writes its data. */
export async function initExampleRepo(target: string): Promise<{ project: string; rows: number }> {
  const existing = await readdir(target).catch(() => []);
  if (existing.length > 0) throw new AlreadyExistsError(`${target} exists and is not empty; choose another folder`);
  await cp(TEMPLATE, target, {
    recursive: true,
    filter: (source) => !source.includes(`${join("driver_stats", "data")}`),
  });
  const project = projectName(target);
  const yamlPath = join(target, "feature_store.yaml");
  const yaml = await readFile(yamlPath, "utf8");
  await writeFile(yamlPath, yaml.replace(/^project: .*$/m, `project: ${project}`));
  const rows = await writeDriverStats(join(target, "data", "driver_stats.parquet"));
  return { project, rows };
}

/** `init [dir]`: the quickstart's driver-stats repo with generated data, ready for `apply`. */
export function registerInit(program: Command, globals: () => GlobalOptions): void {
  program
    .command("init")
    .argument("[dir]", "folder to create", "driver_ranking")
    .description("Create a runnable example feature repo (driver statistics) with its data")
    .action(async (dir: string) => {
      const logger = CommandContext.logger(globals());
      const target = resolve(globals().chdir ?? ".", dir);
      const { project, rows } = await initExampleRepo(target);
      logger.debug({ rows }, "example data written");
      process.stdout.write(
        `Created feature repo "${project}" in ${target}\n` +
          `  ${rows} rows of driver statistics in data/driver_stats.parquet\n` +
          `Next: cd ${dir} && npx larder apply\n`,
      );
    });
}
