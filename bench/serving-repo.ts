// The serving benchmark's feature repo, shared by the orchestrator (bench/serving.ts) and the server
// child (bench/serving-server.ts): one INT64 entity and two views of 10 and 50 Float32/Int64 features.
import { create, toBinary } from "@bufbuild/protobuf";
import { defineRepoConfig, type RepoConfig } from "@larder/core";
import { GetOnlineFeaturesRequestSchema } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { Entity, FeatureView, Field, FileSource, ValueType, types, type Definition } from "@larder/sdk";
import type { OnlineView } from "@larder/serving";

export const REDIS_HOST = "127.0.0.1";
export const REDIS_PORT = 6379;
export const JOIN_KEY = "driver_id";
/** h2load's load for the grpc-js baseline: 4 connections × 16 streams. */
export const BASELINE_LOAD = { connections: 4, streams: 16 } as const;
/** Entities written per view; a shape reads the first `entities` of them. */
export const ENTITY_COUNT = 1_000;
export const GRPC_PATH = "/larder.serving.v1.ServingService/GetOnlineFeatures";
export const REST_PATH = "/get-online-features";

export interface Shape {
  readonly name: string;
  readonly entities: number;
  readonly features: 10 | 50;
  /** Offered load of the fixed-rate latency run, requests per second. */
  readonly fixedRate: number;
  /**
   * Larder's calls in flight at saturation (h2load connections × streams). Fewer for big requests: calls
   * queued behind each other in the server longer than the online store's 500 ms command timeout fail
   * as UNAVAILABLE. The grpc-js baseline always runs at 4 × 16 (its own saturation).
   */
  readonly larderLoad: { readonly connections: number; readonly streams: number };
}

export const SHAPES: readonly Shape[] = [
  { name: "1×10", entities: 1, features: 10, fixedRate: 1_000, larderLoad: { connections: 4, streams: 16 } },
  { name: "1×50", entities: 1, features: 50, fixedRate: 1_000, larderLoad: { connections: 4, streams: 16 } },
  { name: "10×50", entities: 10, features: 50, fixedRate: 100, larderLoad: { connections: 4, streams: 4 } },
  { name: "100×50", entities: 100, features: 50, fixedRate: 100, larderLoad: { connections: 2, streams: 1 } },
];

export const viewName = (features: number): string => `bench_f${features}`;
export const featureName = (i: number): string => `f${String(i).padStart(2, "0")}`;
/** Even features are Float32, odd ones Int64. */
const isFloat = (i: number): boolean => i % 2 === 0;

/** The repo config: SQLite registry in the temp repo, Redis on loopback (larder layout). */
export function benchConfig(project: string, repoPath: string): RepoConfig {
  return defineRepoConfig(
    {
      project,
      registry: "data/registry.db",
      online_store: { type: "redis", connection_string: `${REDIS_HOST}:${REDIS_PORT}` },
    },
    { repoPath },
  );
}

export function benchDefinitions(): Definition[] {
  const driver = new Entity({ name: "driver", joinKeys: [JOIN_KEY], valueType: ValueType.INT64 });
  const source = new FileSource({
    name: "bench_source",
    path: "data/bench.parquet",
    timestampField: "event_timestamp",
  });
  const view = (features: number): FeatureView =>
    new FeatureView({
      name: viewName(features),
      entities: [driver],
      ttl: 0,
      schema: Array.from(
        { length: features },
        (_, i) => new Field({ name: featureName(i), dtype: isFloat(i) ? types.Float32 : types.Int64 }),
      ),
      source,
    });
  return [driver, view(10), view(50)];
}

export function onlineView(project: string, features: number): OnlineView {
  return {
    project,
    name: viewName(features),
    joinKeys: [JOIN_KEY],
    features: Array.from({ length: features }, (_, i) => featureName(i)),
  };
}

export const int64Value = (n: number): Value => create(ValueSchema, { val: { case: "int64Val", value: BigInt(n) } });

/** The stored value of feature `i` for entity `id`. */
export function featureValue(id: number, i: number): Uint8Array {
  const value = isFloat(i)
    ? create(ValueSchema, { val: { case: "floatVal", value: Math.fround((id * 31 + i) / 97) } })
    : int64Value(id * 1_000 + i);
  return toBinary(ValueSchema, value);
}

/** Entity ids a shape requests: spread over the written ids, all present. */
export function entityIds(shape: Shape): number[] {
  const step = Math.floor(ENTITY_COUNT / shape.entities);
  return Array.from({ length: shape.entities }, (_, i) => 1 + i * step);
}

export function featureRefs(shape: Shape): string[] {
  return Array.from({ length: shape.features }, (_, i) => `${viewName(shape.features)}:${featureName(i)}`);
}

/** The serialized GetOnlineFeaturesRequest of a shape. */
export function grpcRequest(shape: Shape): Uint8Array {
  return toBinary(
    GetOnlineFeaturesRequestSchema,
    create(GetOnlineFeaturesRequestSchema, {
      kind: { case: "features", value: { val: featureRefs(shape) } },
      entities: { [JOIN_KEY]: { val: entityIds(shape).map(int64Value) } },
    }),
  );
}

/** The JSON body of Feast's REST /get-online-features for a shape. */
export function restBody(shape: Shape): string {
  return JSON.stringify({ features: featureRefs(shape), entities: { [JOIN_KEY]: entityIds(shape) } });
}

/** gRPC's length-prefixed message frame: flag byte 0, u32 big-endian length, message. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}
