import type { DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import type { Entity } from "@larder/gen/es/larder/core/v1/entity_pb";
import type { FeatureService } from "@larder/gen/es/larder/core/v1/feature_service_pb";
import type { FeatureView } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import type { OnDemandFeatureView } from "@larder/gen/es/larder/core/v1/on_demand_feature_view_pb";
import type { Permission } from "@larder/gen/es/larder/core/v1/permission_pb";
import type { StreamFeatureView } from "@larder/gen/es/larder/core/v1/stream_feature_view_pb";

/** Something of the Feast registry that was not imported, or imported differently; never silent. */
export interface ImportWarning {
  readonly project: string;
  /** e.g. `on-demand feature view "driver_ratio"`, or `registry` for top-level fields. */
  readonly object: string;
  readonly message: string;
}

/** An on-demand view kept for reference only: Python UDFs cannot run in Larder. */
export interface DisabledOnDemandView {
  readonly view: OnDemandFeatureView;
  /** The UDF's source text from Feast (`body_text`), when the registry had it. */
  readonly sourceText: string | undefined;
  /** Feast's mode: "pandas", "python", "substrait", ... */
  readonly mode: string;
}

/**
 * One Feast project as Larder can define it with `@larder/sdk`: objects normalised to what the SDK
 * expresses (file, PostgreSQL, push and request sources; no `__dummy` entity), referring to each
 * other by name.
 */
export interface ImportedProject {
  readonly name: string;
  readonly description: string;
  readonly entities: readonly Entity[];
  /** Batch sources first, then push sources, then request sources. */
  readonly dataSources: readonly DataSource[];
  readonly featureViews: readonly FeatureView[];
  readonly streamFeatureViews: readonly StreamFeatureView[];
  readonly onDemandFeatureViews: readonly DisabledOnDemandView[];
  readonly featureServices: readonly FeatureService[];
  readonly permissions: readonly Permission[];
}

export interface FeastImport {
  readonly projects: readonly ImportedProject[];
  readonly warnings: readonly ImportWarning[];
}
