import type { Command } from "commander";
import { loadRepo } from "../repo-loader.js";
import { appliedLines, planLines } from "../output.js";
import { type CommandContext, type GlobalOptions } from "../context.js";
import { runCommand } from "../run-command.js";

async function desiredState(ctx: CommandContext) {
  return loadRepo(ctx.repoPath, ctx.config.project, ctx.config.projectDescription ?? "");
}

/** `plan`, `apply` and `teardown`. */
export function registerApplyCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command("plan")
    .description("Show what apply would create, update and delete in the registry")
    .option("--skip-source-validation", "do not check data sources (accepted for Feast compatibility)")
    .action(() =>
      runCommand(globals(), async (ctx, out) => {
        const registry = await ctx.registry();
        const plan = await registry.plan(await desiredState(ctx));
        out(`Registry version ${plan.version}; changes for project ${ctx.config.project}:`);
        for (const line of planLines(plan.changes)) out(line);
      }),
    );

  program
    .command("apply")
    .description("Register the repo's definitions (create, update, delete) in one transaction")
    .option("--skip-source-validation", "do not check data sources")
    .option("--skip-deletes", "keep registry objects the repo no longer defines")
    .action((options: { skipDeletes?: boolean }) =>
      runCommand(globals(), async (ctx, out) => {
        const registry = await ctx.registry();
        const result = await registry.apply(await desiredState(ctx), { skipDeletes: options.skipDeletes === true });
        const lines = appliedLines(result.changes);
        if (lines.length === 0) out("No changes to registry");
        for (const line of lines) out(line);
        out(`Registry version ${result.version}`);
      }),
    );

  program
    .command("teardown")
    .description("Remove the project and every object in it from the registry")
    .action(() =>
      runCommand(globals(), async (ctx, out) => {
        const registry = await ctx.registry();
        const version = await registry.deleteProject(ctx.config.project);
        out(`Deleted project ${ctx.config.project}`);
        out(`Registry version ${version}`);
      }),
    );
}
