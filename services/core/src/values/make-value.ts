import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";

/** The init shape of a set Value oneof, e.g. `{ case: "int64Val", value: 5n }`. */
export type ValueInit = NonNullable<MessageInitShape<typeof ValueSchema>["val"]>;

/** A Value with the given oneof case set; no argument gives the unset (null) Value. */
export function makeValue(val?: ValueInit): Value {
  return val === undefined ? create(ValueSchema) : create(ValueSchema, { val });
}
