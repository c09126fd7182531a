import { type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { InvalidArgumentError } from "../errors.js";
import { describeInput } from "./describe-input.js";
import { makeValue } from "./make-value.js";
import { toInt64 } from "./coerce-scalar.js";

/**
 * A Value typed from the JSON itself (for UNKNOWN types and MAP/STRUCT members), as Feast infers Python values:
 * bool → bool, integer → int64, number → double, string → string, object → map, homogeneous array → typed list,
 * other arrays → nested list_val; null → unset.
 */
export function inferValue(input: unknown, where: string): Value {
  if (input === null || input === undefined) return makeValue();
  if (typeof input === "boolean") return makeValue({ case: "boolVal", value: input });
  if (typeof input === "number") {
    return Number.isSafeInteger(input)
      ? makeValue({ case: "int64Val", value: BigInt(input) })
      : makeValue({ case: "doubleVal", value: input });
  }
  if (typeof input === "bigint") return makeValue({ case: "int64Val", value: toInt64(input, where) });
  if (typeof input === "string") return makeValue({ case: "stringVal", value: input });
  if (Array.isArray(input)) return inferList(input, where);
  if (input instanceof Uint8Array) return makeValue({ case: "bytesVal", value: input });
  if (isPlainObject(input)) return makeValue({ case: "mapVal", value: { val: inferMap(input, where) } });
  throw new InvalidArgumentError(`${where}: cannot infer a value type from ${describeInput(input)}`);
}

/**
 * The members of a JSON object as inferred Values. A "__proto__" key is rejected: protobuf-es's create() would
 * assign it as the map object's prototype instead of a key.
 */
export function inferMap(input: Record<string, unknown>, where: string): Record<string, Value> {
  return Object.fromEntries(
    Object.entries(input).map(([k, item]) => {
      if (k === "__proto__") throw new InvalidArgumentError(`${where}: the map key "__proto__" is not allowed`);
      return [k, inferValue(item, `${where}.${k}`)];
    }),
  );
}

/** True for a JSON object (not null, not an array). */
export function isPlainObject(input: unknown): input is Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return false;
  const proto: unknown = Object.getPrototypeOf(input);
  return proto === Object.prototype || proto === null;
}

function inferList(items: unknown[], where: string): Value {
  if (items.length > 0) {
    if (items.every((x) => typeof x === "string")) return makeValue({ case: "stringListVal", value: { val: items } });
    if (items.every((x) => typeof x === "boolean")) return makeValue({ case: "boolListVal", value: { val: items } });
    if (items.every((x) => Number.isSafeInteger(x))) {
      return makeValue({ case: "int64ListVal", value: { val: items.map((x) => BigInt(x as number)) } });
    }
    if (items.every((x) => typeof x === "number")) return makeValue({ case: "doubleListVal", value: { val: items } });
  }
  return makeValue({ case: "listVal", value: { val: items.map((x, i) => inferValue(x, `${where}[${i}]`)) } });
}
