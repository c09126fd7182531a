import type { DataSource as DataSourceProto } from "@larder/gen/es/larder/core/v1/data_source_pb";
import { BaseDefinition } from "./definition.js";
import type { Field } from "./field.js";
import { FeatureViewProjection } from "./projection.js";

/** Source fields a projection copies from its view, as Feast's `from_definition` does. */
export interface ProjectionSourceFields {
  timestampField?: string;
  createdTimestampColumn?: string;
  datePartitionColumn?: string;
  batchSource?: DataSourceProto;
  streamSource?: DataSourceProto;
}

/** Base of views that services can project: feature views, stream and on-demand views. */
export abstract class ProjectableView<F extends string = string> extends BaseDefinition {
  /** Output features, without entity columns. */
  abstract readonly features: readonly Field<F>[];

  /** The whole view as a projection. */
  get projection(): FeatureViewProjection<F> {
    return new FeatureViewProjection(this, this.features);
  }

  /** Projects a subset of features, like Feast's `fv[["a", "b"]]`. */
  select<K extends F>(featureNames: readonly K[]): FeatureViewProjection<K> {
    return this.projection.select(featureNames);
  }

  /** Projects the whole view under an alias, like Feast's `fv.with_name("alias")`. */
  withName(alias: string): FeatureViewProjection<F> {
    return this.projection.withName(alias);
  }

  /** Projects the whole view with join keys read from other columns, like `with_join_key_map`. */
  withJoinKeyMap(joinKeyMap: Readonly<Record<string, string>>): FeatureViewProjection<F> {
    return this.projection.withJoinKeyMap(joinKeyMap);
  }

  /** Fields copied into this view's projections; none by default. */
  projectionSourceFields(_project: string): ProjectionSourceFields {
    return {};
  }
}
