import type { Command } from "commander";
import { toJson } from "@bufbuild/protobuf";
import { RegistrySchema } from "@larder/gen/es/larder/core/v1/registry_pb";
import { ObjectKind } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { NotFoundError, lastMaterializedMs } from "@larder/core";
import type { FeatureViewMeta } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import { kindInfo, type RegistryApi } from "@larder/registry";
import { stringify } from "yaml";
import { table } from "../output.js";
import type { GlobalOptions } from "../context.js";
import { runCommand } from "../run-command.js";

type Row = Record<string, unknown>;

/**
 * Adds `freshness` to a described view: the end of its newest materialization interval and the seconds
 * since (what `feast_feature_freshness_seconds` reports; pushes are counted by the serving process only).
 */
function withFreshness(json: Row, object: unknown, nowMs: number): Row {
  const last = lastMaterializedMs((object as { meta?: FeatureViewMeta }).meta);
  if (last === undefined) return { ...json, freshness: { materializedUntil: null, seconds: null } };
  return {
    ...json,
    freshness: {
      materializedUntil: new Date(last).toISOString(),
      seconds: Math.max(0, Math.round((nowMs - last) / 1000)),
    },
  };
}

interface Listing {
  readonly command: string;
  readonly kind: ObjectKind;
  readonly columns: readonly string[];
  row(json: Row): string[];
}

const str = (value: unknown): string =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : "";
const spec = (json: Row): Row => (json.spec ?? {}) as Row;

const LISTINGS: readonly Listing[] = [
  {
    command: "projects",
    kind: ObjectKind.PROJECT,
    columns: ["NAME", "DESCRIPTION"],
    row: (j) => [str(spec(j).name), str(spec(j).description)],
  },
  {
    command: "entities",
    kind: ObjectKind.ENTITY,
    columns: ["NAME", "JOIN KEY", "TYPE", "DESCRIPTION"],
    row: (j) => [
      str(spec(j).name),
      str(spec(j).joinKey),
      str(spec(j).valueType).replace(/^VALUE_TYPE_/, ""),
      str(spec(j).description),
    ],
  },
  {
    command: "data-sources",
    kind: ObjectKind.DATA_SOURCE,
    columns: ["NAME", "TYPE", "CLASS"],
    row: (j) => [str(j.name), str(j.type).replace(/^SOURCE_TYPE_/, ""), str(j.dataSourceClassType)],
  },
  {
    command: "feature-views",
    kind: ObjectKind.FEATURE_VIEW,
    columns: ["NAME", "ENTITIES", "TYPE"],
    row: (j) => [str(spec(j).name), ((spec(j).entities ?? []) as string[]).join(", "), "FeatureView"],
  },
  {
    command: "on-demand-feature-views",
    kind: ObjectKind.ON_DEMAND_FEATURE_VIEW,
    columns: ["NAME", "MODE"],
    row: (j) => [str(spec(j).name), str(spec(j).mode)],
  },
  {
    command: "stream-feature-views",
    kind: ObjectKind.STREAM_FEATURE_VIEW,
    columns: ["NAME", "ENTITIES"],
    row: (j) => [str(spec(j).name), ((spec(j).entities ?? []) as string[]).join(", ")],
  },
  {
    command: "feature-services",
    kind: ObjectKind.FEATURE_SERVICE,
    columns: ["NAME", "FEATURES"],
    row: (j) => [
      str(spec(j).name),
      ((spec(j).features ?? []) as Row[])
        .map(
          (p) =>
            `${str(p.featureViewNameAlias) || str(p.featureViewName)}:${((p.featureColumns ?? []) as Row[]).map((c) => str(c.name)).join(",") || "*"}`,
        )
        .join(" "),
    ],
  },
  {
    command: "permissions",
    kind: ObjectKind.PERMISSION,
    columns: ["NAME", "TYPES", "NAME PATTERNS", "ACTIONS"],
    row: (j) => [
      str(spec(j).name),
      ((spec(j).types ?? []) as string[]).map((t) => t.replace(/^TYPE_/, "")).join(", "),
      ((spec(j).namePatterns ?? []) as string[]).join(", "),
      ((spec(j).actions ?? []) as string[]).map((a) => a.replace(/^AUTHZED_ACTION_/, "")).join(", "),
    ],
  },
];

/** `<kind> list`, `<kind> describe NAME` for every object kind, and `registry-dump`. */
export function registerObjectCommands(program: Command, globals: () => GlobalOptions): void {
  for (const listing of LISTINGS) {
    const info = kindInfo(listing.kind);
    const group = program
      .command(listing.command)
      .description(`List and describe ${listing.command.replaceAll("-", " ")}`);
    const objectsJson = async (project: string, registry: RegistryApi) => {
      const snapshot = await registry.snapshot();
      const json = toJson(RegistrySchema, snapshot) as Record<string, Row[] | undefined>;
      const objects = (snapshot[info.field] as unknown[]).map((object, i) => ({
        object,
        json: (json[info.field] ?? [])[i] ?? {},
      }));
      return objects.filter(
        ({ object }) => listing.kind === ObjectKind.PROJECT || info.project(object as never) === project,
      );
    };
    group
      .command("list")
      .description(`List the project's ${info.label}s`)
      .action(() =>
        runCommand(globals(), async (ctx, out) => {
          const objects = await objectsJson(ctx.config.project, await ctx.registry());
          out(
            table(
              listing.columns,
              objects.map(({ json }) => listing.row(json)),
            ),
          );
        }),
      );
    group
      .command("describe")
      .argument("<name>", `name of the ${info.label}`)
      .description(`Show one ${info.label} as YAML`)
      .action((name: string) =>
        runCommand(globals(), async (ctx, out) => {
          const objects = await objectsJson(ctx.config.project, await ctx.registry());
          const found = objects.find(({ object }) => info.name(object as never) === name);
          if (found === undefined)
            throw new NotFoundError(`${info.label} "${name}" does not exist in project "${ctx.config.project}"`);
          const views = listing.kind === ObjectKind.FEATURE_VIEW || listing.kind === ObjectKind.STREAM_FEATURE_VIEW;
          out(stringify(views ? withFreshness(found.json, found.object, Date.now()) : found.json).trimEnd());
        }),
      );
  }

  program
    .command("registry-dump")
    .description("Print the whole registry as JSON")
    .action(() =>
      runCommand(globals(), async (ctx, out) => {
        const snapshot = await (await ctx.registry()).snapshot();
        out(JSON.stringify(toJson(RegistrySchema, snapshot), null, 2));
      }),
    );
}
