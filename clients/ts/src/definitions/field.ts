import { create } from "@bufbuild/protobuf";
import { FeatureSpecSchema, type FeatureSpec } from "@larder/gen/es/larder/core/v1/feature_pb";
import { requireName } from "./definition.js";
import { toDtype, type Dtype, type ValueType } from "./value-types.js";

export interface FieldOptions<N extends string = string> {
  readonly name: N;
  readonly dtype: Dtype | ValueType;
  readonly description?: string | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/** A named, typed column of a view's schema, as Feast's `Field`. */
export class Field<const N extends string = string> {
  readonly name: N;
  readonly dtype: Dtype;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;

  constructor(options: FieldOptions<N>) {
    this.name = requireName("Field", options.name) as N;
    this.dtype = toDtype(options.dtype, "Field", options.name, "dtype");
    this.description = options.description ?? "";
    this.tags = { ...options.tags };
  }

  toProto(): FeatureSpec {
    return create(FeatureSpecSchema, {
      name: this.name,
      valueType: this.dtype.valueType,
      description: this.description,
      tags: { ...this.tags },
    });
  }
}
