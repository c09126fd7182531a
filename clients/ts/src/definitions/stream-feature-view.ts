import { clone, create } from "@bufbuild/protobuf";
import { AggregationSchema, type Aggregation as AggregationProto } from "@larder/gen/es/larder/core/v1/aggregation_pb";
import {
  StreamFeatureViewSchema,
  StreamFeatureViewSpecSchema,
  type StreamFeatureView as StreamFeatureViewProto,
} from "@larder/gen/es/larder/core/v1/stream_feature_view_pb";
import type { CommonOptions } from "./definition.js";
import { requireDurationSeconds, toDurationProto } from "./duration.js";
import type { Entity } from "./entity.js";
import type { Field } from "./field.js";
import { ProjectableView, type ProjectionSourceFields } from "./projectable-view.js";
import { PushSource } from "./push-source.js";
import { splitViewColumns } from "./view-columns.js";

/** A windowed aggregation of a stream view, as Feast's `Aggregation`. */
export interface Aggregation {
  readonly column: string;
  /** e.g. "sum", "count", "mean", "max", "min". */
  readonly function: string;
  /** Seconds or a duration like "1h". */
  readonly timeWindow?: number | string | undefined;
  readonly slideInterval?: number | string | undefined;
  readonly name?: string | undefined;
}

export interface StreamFeatureViewOptions<F extends string = string> extends CommonOptions {
  readonly entities?: readonly Entity[] | undefined;
  /** Seconds or "30m", "2h", "1d", "1h30m". 0 = no limit. @default 0 */
  readonly ttl?: number | string | undefined;
  readonly schema?: readonly Field<F>[] | undefined;
  /** The stream; its batch source feeds offline reads. */
  readonly source: PushSource;
  /** @default true */
  readonly online?: boolean | undefined;
  readonly aggregations?: readonly Aggregation[] | undefined;
  /** Event-time column of the stream. @default the source's timestamp field */
  readonly timestampField?: string | undefined;
}

/** Features fed by a stream (a push source) and backed by its batch source, as Feast's `StreamFeatureView`. */
export class StreamFeatureView<F extends string = string> extends ProjectableView<F> {
  readonly kind = "stream-feature-view";
  readonly entities: readonly Entity[];
  readonly entityColumns: readonly Field[];
  readonly features: readonly Field<F>[];
  readonly ttlSeconds: number;
  readonly source: PushSource;
  readonly online: boolean;
  readonly aggregations: readonly Aggregation[];
  readonly timestampField: string;
  private readonly aggregationProtos: readonly AggregationProto[];

  constructor(options: StreamFeatureViewOptions<F>) {
    super("StreamFeatureView", options);
    const columns = splitViewColumns(this, options.entities, options.schema);
    this.entities = columns.entities;
    this.entityColumns = columns.entityColumns;
    this.features = columns.features;
    this.ttlSeconds = requireDurationSeconds(options.ttl ?? 0, this.typeName, this.name, "ttl");
    const source: unknown = options.source;
    if (!(source instanceof PushSource)) throw this.error("source", "needs a stream source such as a PushSource");
    this.source = source;
    this.online = options.online ?? true;
    this.aggregations = [...(options.aggregations ?? [])];
    this.aggregationProtos = this.aggregations.map((aggregation, index) => this.parseAggregation(aggregation, index));
    this.timestampField = options.timestampField ?? source.batchSource.timestampField;
  }

  override projectionSourceFields(project: string): ProjectionSourceFields {
    const batch = this.source.batchSource;
    return {
      timestampField: this.timestampField,
      createdTimestampColumn: batch.createdTimestampColumn,
      datePartitionColumn: batch.datePartitionColumn,
      batchSource: batch.toProto(project),
      streamSource: this.source.toProto(project),
    };
  }

  toProto(project: string): StreamFeatureViewProto {
    const spec = create(StreamFeatureViewSpecSchema, {
      name: this.name,
      project,
      entities: this.entities.map((entity) => entity.name),
      features: this.features.map((field) => field.toProto()),
      entityColumns: this.entityColumns.map((field) => field.toProto()),
      description: this.description,
      tags: { ...this.tags },
      owner: this.owner,
      ttl: toDurationProto(this.ttlSeconds),
      batchSource: this.source.batchSource.toProto(project),
      streamSource: this.source.toProto(project),
      online: this.online,
      aggregations: this.aggregationProtos.map((aggregation) => clone(AggregationSchema, aggregation)),
      timestampField: this.timestampField,
    });
    return create(StreamFeatureViewSchema, { spec });
  }

  private parseAggregation(aggregation: Aggregation, index: number): AggregationProto {
    const field = `aggregations[${index}]`;
    if (!aggregation.column || !aggregation.function) throw this.error(field, "needs a `column` and a `function`");
    const proto = create(AggregationSchema, {
      column: aggregation.column,
      function: aggregation.function,
      name: aggregation.name ?? "",
    });
    if (aggregation.timeWindow !== undefined) {
      const seconds = requireDurationSeconds(aggregation.timeWindow, this.typeName, this.name, `${field}.timeWindow`);
      proto.timeWindow = toDurationProto(seconds);
    }
    if (aggregation.slideInterval !== undefined) {
      const seconds = requireDurationSeconds(
        aggregation.slideInterval,
        this.typeName,
        this.name,
        `${field}.slideInterval`,
      );
      proto.slideInterval = toDurationProto(seconds);
    }
    return proto;
  }
}
