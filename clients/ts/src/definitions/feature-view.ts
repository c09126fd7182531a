import { create } from "@bufbuild/protobuf";
import {
  FeatureViewSchema,
  FeatureViewSpecSchema,
  type FeatureView as FeatureViewProto,
} from "@larder/gen/es/larder/core/v1/feature_view_pb";
import { DataSource } from "./data-source.js";
import type { CommonOptions } from "./definition.js";
import { requireDurationSeconds, toDurationProto } from "./duration.js";
import type { Entity } from "./entity.js";
import type { Field } from "./field.js";
import { ProjectableView, type ProjectionSourceFields } from "./projectable-view.js";
import { PushSource } from "./push-source.js";
import { RequestSource } from "./request-source.js";
import { splitViewColumns } from "./view-columns.js";

export interface FeatureViewOptions<F extends string = string> extends CommonOptions {
  /** Entities the rows are keyed by; empty for an entity-less view. */
  readonly entities?: readonly Entity[] | undefined;
  /** How far back reads look for a value: seconds or "30m", "2h", "1d", "1h30m". 0 = no limit. @default 0 */
  readonly ttl?: number | string | undefined;
  /** Features, plus optionally the join-key columns. */
  readonly schema?: readonly Field<F>[] | undefined;
  /** A batch source, or a PushSource (its batch source then feeds offline reads). */
  readonly source: DataSource;
  /** @default true */
  readonly online?: boolean | undefined;
  /** @default false */
  readonly offline?: boolean | undefined;
}

/** Features read from one source and keyed by entities, as Feast's `FeatureView`. */
export class FeatureView<F extends string = string> extends ProjectableView<F> {
  readonly kind = "feature-view";
  readonly entities: readonly Entity[];
  readonly entityColumns: readonly Field[];
  readonly features: readonly Field<F>[];
  readonly ttlSeconds: number;
  readonly source: DataSource;
  readonly batchSource: DataSource;
  readonly streamSource: PushSource | undefined;
  readonly online: boolean;
  readonly offline: boolean;

  constructor(options: FeatureViewOptions<F>) {
    super("FeatureView", options);
    const columns = splitViewColumns(this, options.entities, options.schema);
    this.entities = columns.entities;
    this.entityColumns = columns.entityColumns;
    this.features = columns.features;
    this.ttlSeconds = requireDurationSeconds(options.ttl ?? 0, this.typeName, this.name, "ttl");
    const source: unknown = options.source;
    if (!(source instanceof DataSource) || source instanceof RequestSource) {
      throw this.error("source", "needs a batch source (FileSource, PostgreSQLSource) or a PushSource");
    }
    this.source = source;
    this.streamSource = source instanceof PushSource ? source : undefined;
    this.batchSource = source instanceof PushSource ? source.batchSource : source;
    this.online = options.online ?? true;
    this.offline = options.offline ?? false;
  }

  override projectionSourceFields(project: string): ProjectionSourceFields {
    return {
      timestampField: this.batchSource.timestampField,
      createdTimestampColumn: this.batchSource.createdTimestampColumn,
      datePartitionColumn: this.batchSource.datePartitionColumn,
      batchSource: this.batchSource.toProto(project),
      ...(this.streamSource && { streamSource: this.streamSource.toProto(project) }),
    };
  }

  toProto(project: string): FeatureViewProto {
    const spec = create(FeatureViewSpecSchema, {
      name: this.name,
      project,
      entities: this.entities.map((entity) => entity.name),
      features: this.features.map((field) => field.toProto()),
      entityColumns: this.entityColumns.map((field) => field.toProto()),
      tags: { ...this.tags },
      ttl: toDurationProto(this.ttlSeconds),
      batchSource: this.batchSource.toProto(project),
      online: this.online,
      offline: this.offline,
      description: this.description,
      owner: this.owner,
    });
    if (this.streamSource) spec.streamSource = this.streamSource.toProto(project);
    return create(FeatureViewSchema, { spec });
  }
}
