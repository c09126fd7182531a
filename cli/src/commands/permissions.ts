import type { Command } from "commander";
import {
  ALL_ACTIONS,
  actionName,
  compilePermission,
  coverageReport,
  decide,
  projectObjectResources,
  resourceTypeLabel,
  rolesInPolicies,
  type Principal,
} from "@larder/core";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { GlobalOptions } from "../context.js";
import { table } from "../output.js";
import { runCommand, type Out } from "../run-command.js";

function printCheck(registry: Registry, project: string, uncoveredPolicy: string, out: Out): void {
  const report = coverageReport(registry, project);
  if (report.uncovered.length === 0) {
    out(`Every object of project "${project}" is covered by a permission.`);
  } else {
    out(`Objects no permission covers (auth.default_policy_for_uncovered: ${uncoveredPolicy}):`);
    out(
      table(
        ["TYPE", "NAME"],
        report.uncovered.map((r) => [resourceTypeLabel(r.type), r.name]),
      ),
    );
  }
  if (report.ungranted.length > 0) {
    out("");
    out("Actions no permission grants on covered objects (refused to everyone):");
    out(
      table(
        ["TYPE", "NAME", "ACTIONS"],
        report.ungranted.map((u) => [
          resourceTypeLabel(u.resource.type),
          u.resource.name,
          u.actions.map(actionName).join(", "),
        ]),
      ),
    );
  }
}

/** For each role, the objects and actions permissions grant a user holding only that role. */
function roleGrants(registry: Registry, project: string, roles: readonly string[]): string[][] {
  const permissions = registry.permissions.filter((p) => p.spec?.project === project).map(compilePermission);
  const rows: string[][] = [];
  for (const role of roles) {
    const principal: Principal = { username: role, roles: [role], groups: [], namespaces: [], source: "oidc" };
    for (const resource of projectObjectResources(registry, project)) {
      const granted = ALL_ACTIONS.filter(
        (action) => decide(permissions, principal, resource, [action], "deny").reason === "granted",
      );
      if (granted.length > 0) {
        rows.push([role, resourceTypeLabel(resource.type), resource.name, granted.map(actionName).join(", ")]);
      }
    }
  }
  return rows;
}

/**
 * `permissions check` and `permissions list-roles` (Feast's verbs), added to the `permissions` group
 * that `list` and `describe` already belong to.
 */
export function registerPermissions(program: Command, globals: () => GlobalOptions): void {
  const group =
    program.commands.find((c) => c.name() === "permissions") ??
    program.command("permissions").description("List and describe permissions");
  group
    .command("check")
    .description("List the objects no permission covers, and the actions no permission grants")
    .action(() =>
      runCommand(globals(), async (ctx, out) => {
        const registry = await (await ctx.registry()).snapshot();
        printCheck(registry, ctx.config.project, ctx.config.auth.defaultPolicyForUncovered, out);
      }),
    );
  group
    .command("list-roles")
    .description("List the roles the permissions' policies name")
    .option("-v, --verbose", "also list, per role, the objects and actions it is granted")
    .action((options: { verbose?: boolean }) =>
      runCommand(globals(), async (ctx, out) => {
        const registry = await (await ctx.registry()).snapshot();
        const roles = rolesInPolicies(registry, ctx.config.project);
        if (options.verbose !== true) {
          out(
            table(
              ["ROLE NAME"],
              roles.map((r) => [r]),
            ),
          );
          return;
        }
        out(table(["ROLE NAME", "TYPE", "NAME", "ACTIONS"], roleGrants(registry, ctx.config.project, roles)));
      }),
    );
}
