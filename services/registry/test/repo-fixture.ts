import { create } from "@bufbuild/protobuf";
import { DataSourceSchema, DataSource_SourceType } from "@larder/gen/es/larder/core/v1/data_source_pb";
import { EntitySchema } from "@larder/gen/es/larder/core/v1/entity_pb";
import { FeatureServiceSchema } from "@larder/gen/es/larder/core/v1/feature_service_pb";
import { FeatureViewSchema } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import { ProjectSchema } from "@larder/gen/es/larder/core/v1/project_pb";
import { RepoContentsSchema, type RepoContents } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";

/** A small driver-stats repo state built from protos (independent of the SDK). */
export function driverRepo(
  project = "driver_ranking",
  options: { description?: string; extraFeature?: boolean } = {},
): RepoContents {
  const source = create(DataSourceSchema, {
    name: "driver_stats",
    project,
    type: DataSource_SourceType.BATCH_FILE,
    timestampField: "event_timestamp",
    options: { case: "fileOptions", value: { uri: "data/driver_stats.parquet" } },
  });
  const features = [
    { name: "conv_rate", valueType: ValueType.FLOAT },
    { name: "acc_rate", valueType: ValueType.FLOAT },
    ...(options.extraFeature === true ? [{ name: "avg_daily_trips", valueType: ValueType.INT64 }] : []),
  ];
  return create(RepoContentsSchema, {
    project: create(ProjectSchema, { spec: { name: project } }),
    entities: [
      create(EntitySchema, {
        spec: {
          name: "driver",
          project,
          joinKey: "driver_id",
          valueType: ValueType.INT64,
          description: options.description ?? "",
        },
      }),
    ],
    dataSources: [source],
    featureViews: [
      create(FeatureViewSchema, {
        spec: {
          name: "driver_hourly_stats",
          project,
          entities: ["driver"],
          entityColumns: [{ name: "driver_id", valueType: ValueType.INT64 }],
          features,
          ttl: { seconds: 86400n },
          batchSource: source,
          online: true,
        },
      }),
    ],
    featureServices: [
      create(FeatureServiceSchema, {
        spec: {
          name: "driver_activity",
          project,
          features: [
            {
              featureViewName: "driver_hourly_stats",
              featureColumns: [{ name: "conv_rate", valueType: ValueType.FLOAT }],
            },
          ],
        },
      }),
    ],
  });
}
