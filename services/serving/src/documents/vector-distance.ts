import { fromBinary } from "@bufbuild/protobuf";
import { ValueSchema } from "@larder/gen/es/larder/types/v1/value_pb";

/** The distance metrics RetrieveOnlineDocuments supports (Feast's names). */
export type DistanceMetric = "cosine" | "l2";

export const DISTANCE_METRICS: readonly DistanceMetric[] = ["cosine", "l2"];

/** The float or double list in a stored Value, or undefined when it holds none (null, other types). */
export function storedVector(bytes: Uint8Array | undefined): readonly number[] | undefined {
  if (bytes === undefined) return undefined;
  const val = fromBinary(ValueSchema, bytes).val;
  if (val.case === "floatListVal" || val.case === "doubleListVal") return val.value.val;
  return undefined;
}

/** Cosine distance (1 − cosine similarity; 1 for a zero vector) or Euclidean distance. */
export function distance(
  metric: DistanceMetric,
  query: readonly number[],
  queryNorm: number,
  v: readonly number[],
): number {
  if (metric === "l2") {
    let sum = 0;
    for (let i = 0; i < query.length; i++) {
      const d = query[i]! - v[i]!;
      sum += d * d;
    }
    return Math.sqrt(sum);
  }
  let dot = 0;
  let norm = 0;
  for (let i = 0; i < query.length; i++) {
    dot += query[i]! * v[i]!;
    norm += v[i]! * v[i]!;
  }
  if (norm === 0 || queryNorm === 0) return 1;
  return 1 - dot / (Math.sqrt(norm) * queryNorm);
}

/** Euclidean norm of a vector. */
export function norm(v: readonly number[]): number {
  let sum = 0;
  for (const x of v) sum += x * x;
  return Math.sqrt(sum);
}
