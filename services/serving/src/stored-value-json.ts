import { fromBinary } from "@bufbuild/protobuf";
import { ValueSchema } from "@larder/gen/es/larder/types/v1/value_pb";
import { valueToJson } from "@larder/core";
import { readStoredScalar } from "./stored-scalar.js";

/** The JSON rendering (Feast's, as valueToJson) of serialized Value bytes as stored online. */
export function storedValueToJson(bytes: Uint8Array): unknown {
  const scalar = readStoredScalar(bytes);
  if (scalar === undefined) return valueToJson(fromBinary(ValueSchema, bytes));
  if (scalar.case === "null") return null;
  if (scalar.case === "int64Val" || scalar.case === "unixTimestampVal") return Number(scalar.value);
  return scalar.value;
}
