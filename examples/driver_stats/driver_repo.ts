// Driver statistics, the feature repo of Larder's quickstart (as Feast's `feast init`).
import {
  Entity,
  FeatureService,
  FeatureView,
  Field,
  FileSource,
  OnDemandFeatureView,
  PushSource,
  RequestSource,
  ValueType,
  types,
} from "@larder/sdk";

export const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 });

export const driverStatsSource = new FileSource({
  name: "driver_hourly_stats_source",
  path: "data/driver_stats.parquet",
  timestampField: "event_timestamp",
  createdTimestampColumn: "created",
});

export const driverStatsPush = new PushSource({ name: "driver_stats_push_source", batchSource: driverStatsSource });

const schema = [
  new Field({ name: "conv_rate", dtype: types.Float32 }),
  new Field({ name: "acc_rate", dtype: types.Float32 }),
  new Field({ name: "avg_daily_trips", dtype: types.Int64, description: "Average daily trips" }),
];

export const driverHourlyStats = new FeatureView({
  name: "driver_hourly_stats",
  entities: [driver],
  ttl: "1d",
  schema,
  source: driverStatsSource,
  online: true,
  tags: { team: "driver_performance" },
});

export const driverHourlyStatsFresh = new FeatureView({
  name: "driver_hourly_stats_fresh",
  entities: [driver],
  ttl: "1d",
  schema,
  source: driverStatsPush,
  online: true,
  tags: { team: "driver_performance" },
});

export const inputRequest = new RequestSource({
  name: "vals_to_add",
  schema: [
    new Field({ name: "val_to_add", dtype: types.Int64 }),
    new Field({ name: "val_to_add_2", dtype: types.Int64 }),
  ],
});

export const transformedConvRate = new OnDemandFeatureView({
  name: "transformed_conv_rate",
  sources: [driverHourlyStats, inputRequest],
  schema: [
    new Field({ name: "conv_rate_plus_val1", dtype: types.Float64 }),
    new Field({ name: "conv_rate_plus_val2", dtype: types.Float64 }),
  ],
  // Columns in, columns out: each input is an array with one entry per entity row.
  transform: (inputs) => ({
    conv_rate_plus_val1: inputs.conv_rate.map((c, i) => Number(c ?? 0) + Number(inputs.val_to_add[i] ?? 0)),
    conv_rate_plus_val2: inputs.conv_rate.map((c, i) => Number(c ?? 0) + Number(inputs.val_to_add_2[i] ?? 0)),
  }),
});

export const driverActivityV1 = new FeatureService({
  name: "driver_activity_v1",
  features: [driverHourlyStats.select(["conv_rate"]), transformedConvRate],
});

export const driverActivityV2 = new FeatureService({
  name: "driver_activity_v2",
  features: [driverHourlyStats, transformedConvRate],
});
