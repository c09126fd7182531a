import { create } from "@bufbuild/protobuf";
import {
  FeatureServiceSchema,
  FeatureServiceSpecSchema,
  LoggingConfigSchema,
  LoggingConfig_FileDestinationSchema,
  LoggingConfig_PostgresDestinationSchema,
  type FeatureService as FeatureServiceProto,
  type LoggingConfig as LoggingConfigProto,
} from "@larder/gen/es/larder/core/v1/feature_service_pb";
import { BaseDefinition, type CommonOptions } from "./definition.js";
import { FeatureViewProjection } from "./projection.js";
import { ProjectableView } from "./projectable-view.js";

/** Where a service's feature logs go: files (optionally partitioned) or a PostgreSQL table. */
export type LoggingDestination =
  { readonly path: string; readonly partitionBy?: readonly string[] | undefined } | { readonly table: string };

export interface LoggingConfig {
  /** Share of requests logged, from 0 to 1. */
  readonly sampleRate: number;
  readonly destination: LoggingDestination;
}

export interface FeatureServiceOptions extends CommonOptions {
  /** Views (all their features) or projections (`fv.select([...])`, `fv.withName(...)`). */
  readonly features: readonly (ProjectableView | FeatureViewProjection)[];
  readonly loggingConfig?: LoggingConfig | undefined;
}

/** A named set of features served together, as Feast's `FeatureService`. */
export class FeatureService extends BaseDefinition {
  readonly kind = "feature-service";
  readonly projections: readonly FeatureViewProjection[];
  readonly loggingConfig: LoggingConfig | undefined;

  constructor(options: FeatureServiceOptions) {
    super("FeatureService", options);
    if (!Array.isArray(options.features) || options.features.length === 0) {
      throw this.error("features", "needs at least one view or projection");
    }
    this.projections = (options.features as readonly unknown[]).map((item) => {
      if (item instanceof ProjectableView) return item.projection;
      if (item instanceof FeatureViewProjection) return item;
      throw this.error("features", "must hold views or projections such as `fv.select([...])`");
    });
    const names = this.projections.map((projection) => projection.nameToUse);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate !== undefined) {
      throw this.error("features", `view ${JSON.stringify(duplicate)} appears twice; give one withName(alias)`);
    }
    this.loggingConfig = options.loggingConfig;
    if (this.loggingConfig !== undefined) this.checkLoggingConfig(this.loggingConfig);
  }

  toProto(project: string): FeatureServiceProto {
    const spec = create(FeatureServiceSpecSchema, {
      name: this.name,
      project,
      features: this.projections.map((projection) => projection.toProto(project)),
      tags: { ...this.tags },
      description: this.description,
      owner: this.owner,
    });
    if (this.loggingConfig !== undefined) spec.loggingConfig = loggingConfigProto(this.loggingConfig);
    return create(FeatureServiceSchema, { spec });
  }

  private checkLoggingConfig(config: LoggingConfig): void {
    if (!(config.sampleRate >= 0 && config.sampleRate <= 1)) {
      throw this.error("loggingConfig.sampleRate", `must be between 0 and 1, got ${config.sampleRate}`);
    }
    const destination = config.destination as Partial<Record<"path" | "table", unknown>> | undefined;
    const valid = typeof destination?.path === "string" ? destination.path !== "" : destination?.table !== "";
    if (!valid || (typeof destination?.path !== "string" && typeof destination?.table !== "string")) {
      throw this.error("loggingConfig.destination", "needs `{ path }` for files or `{ table }` for PostgreSQL");
    }
  }
}

function loggingConfigProto(config: LoggingConfig): LoggingConfigProto {
  const { destination } = config;
  return create(LoggingConfigSchema, {
    // The registry stores a float32: round here so an unchanged repo plans no update.
    sampleRate: Math.fround(config.sampleRate),
    destination:
      "path" in destination
        ? {
            case: "fileDestination",
            value: create(LoggingConfig_FileDestinationSchema, {
              path: destination.path,
              partitionBy: [...(destination.partitionBy ?? [])],
            }),
          }
        : {
            case: "postgresDestination",
            value: create(LoggingConfig_PostgresDestinationSchema, { table: destination.table }),
          },
  });
}
