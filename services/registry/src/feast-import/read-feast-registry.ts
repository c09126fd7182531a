import { fromBinary } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { RegistrySchema, type Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { UserDefinedFunctionSchema, type UserDefinedFunction } from "@larder/gen/es/larder/core/v1/transformation_pb";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { InvalidArgumentError } from "@larder/core";

/** A raw unknown field as protobuf-es keeps it; `data` of a length-delimited field starts with its length. */
export interface RawUnknownField {
  readonly no: number;
  readonly wireType: WireType;
  readonly data: Uint8Array;
}

/** The unknown fields numbered `no` of a decoded message. */
export function rawUnknown(message: object, no: number): RawUnknownField[] {
  const list = (message as { $unknown?: RawUnknownField[] }).$unknown ?? [];
  return list.filter((field) => field.no === no);
}

function payload(field: RawUnknownField): Uint8Array | undefined {
  return field.wireType === WireType.LengthDelimited ? new BinaryReader(field.data).bytes() : undefined;
}

/**
 * Decodes a serialized `feast.core.Registry`. Larder's messages keep Feast's field numbers, so the
 * generated decoder reads every field Larder implements; the rest stay as unknown fields, which the
 * import lists instead of dropping.
 */
export function readFeastRegistry(bytes: Uint8Array): Registry {
  try {
    return fromBinary(RegistrySchema, bytes, { readUnknownFields: true });
  } catch (error) {
    throw new InvalidArgumentError("The file is not a serialized Feast registry (feast.core.Registry)", {
      cause: error,
    });
  }
}

/** Feast's deprecated `OnDemandFeatureViewSpec.user_defined_function` (field 5): same numbers as Larder's UDF. */
export function decodeLegacyUdf(field: RawUnknownField): UserDefinedFunction | undefined {
  const bytes = payload(field);
  if (bytes === undefined) return undefined;
  try {
    return fromBinary(UserDefinedFunctionSchema, bytes, { readUnknownFields: false });
  } catch {
    return undefined;
  }
}

/**
 * Feast's deprecated `RequestDataOptions.deprecated_schema` (field 2, `map<string, ValueType.Enum>`):
 * each map entry is a message { string key = 1; enum value = 2; }. Read by hand, as Larder has no field for it.
 */
export function decodeDeprecatedRequestSchema(entries: readonly RawUnknownField[]): Array<[string, ValueType]> {
  const out: Array<[string, ValueType]> = [];
  for (const entry of entries) {
    const bytes = payload(entry);
    if (bytes === undefined) continue;
    const reader = new BinaryReader(bytes);
    let key = "";
    let value = ValueType.UNSPECIFIED;
    while (reader.pos < reader.len) {
      const [no, wireType] = reader.tag();
      if (no === 1 && wireType === WireType.LengthDelimited) key = reader.string();
      else if (no === 2 && wireType === WireType.Varint) value = reader.int32();
      else reader.skip(wireType);
    }
    if (key !== "") out.push([key, value]);
  }
  return out;
}
