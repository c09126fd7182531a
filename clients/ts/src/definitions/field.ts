import { create } from "@bufbuild/protobuf";
import { FeatureSpecSchema, type FeatureSpec } from "@larder/gen/es/larder/core/v1/feature_pb";
import { requireName } from "./definition.js";
import { DefinitionError } from "./errors.js";
import { toDtype, type Dtype, type ValueType } from "./value-types.js";

export interface FieldOptions<N extends string = string> {
  readonly name: N;
  readonly dtype: Dtype | ValueType;
  readonly description?: string | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  /** Feast `vector_index`: this list feature is searched by RetrieveOnlineDocuments. */
  readonly vectorIndex?: boolean | undefined;
  /** Feast `vector_length`: the dimension every stored vector and query must have (0 = unchecked). */
  readonly vectorLength?: number | undefined;
  /** Feast `vector_search_metric`: "cosine" or "l2" (the default metric of searches). */
  readonly vectorSearchMetric?: "cosine" | "l2" | undefined;
}

/** A named, typed column of a view's schema, as Feast's `Field`. */
export class Field<const N extends string = string> {
  readonly name: N;
  readonly dtype: Dtype;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly vectorIndex: boolean;
  readonly vectorLength: number;
  readonly vectorSearchMetric: string;

  constructor(options: FieldOptions<N>) {
    this.name = requireName("Field", options.name) as N;
    this.dtype = toDtype(options.dtype, "Field", options.name, "dtype");
    this.description = options.description ?? "";
    this.tags = { ...options.tags };
    this.vectorIndex = options.vectorIndex ?? false;
    this.vectorLength = options.vectorLength ?? 0;
    this.vectorSearchMetric = options.vectorSearchMetric ?? "";
    if (!Number.isInteger(this.vectorLength) || this.vectorLength < 0) {
      throw new DefinitionError("Field", this.name, "vectorLength", "must be a whole number ≥ 0");
    }
    if (this.vectorSearchMetric !== "" && !["cosine", "l2"].includes(this.vectorSearchMetric)) {
      throw new DefinitionError("Field", this.name, "vectorSearchMetric", 'must be "cosine" or "l2"');
    }
  }

  toProto(): FeatureSpec {
    return create(FeatureSpecSchema, {
      name: this.name,
      valueType: this.dtype.valueType,
      description: this.description,
      tags: { ...this.tags },
      vectorIndex: this.vectorIndex,
      vectorLength: this.vectorLength,
      vectorSearchMetric: this.vectorSearchMetric,
    });
  }
}
