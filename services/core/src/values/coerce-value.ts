import { ValueType, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { InvalidArgumentError } from "../errors.js";
import { makeValue } from "./make-value.js";
import { formatPythonFloat } from "./python-float.js";
import { valueTypeName, valueTypeOf } from "./value-type.js";

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * A gRPC Value converted to `type`: same case (or unset/null, or UNKNOWN target) → the same object; int32↔int64
 * (range-checked); int → UNIX_TIMESTAMP/FLOAT/DOUBLE; float → DOUBLE; double → FLOAT (rounded); number/bool → STRING as Python's str().
 * @throws InvalidArgumentError naming `where` and both types otherwise.
 */
export function coerceValueToType(value: Value, type: ValueType, where: string): Value {
  const from = valueTypeOf(value);
  if (from === type || type === ValueType.UNSPECIFIED || from === ValueType.UNSPECIFIED || from === ValueType.NULL) {
    return value;
  }
  const v = value.val;
  let converted: Value | undefined;
  if (v.case === "int32Val" || v.case === "int64Val") {
    const n = BigInt(v.value);
    if (type === ValueType.INT32 && (n < INT32_MIN || n > INT32_MAX)) {
      throw new InvalidArgumentError(`${where}: ${valueTypeName(from)} value ${n} is out of range for INT32`);
    }
    converted = fromInteger(n, type);
  } else if (v.case === "doubleVal" && type === ValueType.FLOAT) {
    // JavaScript and Python numbers are doubles: a FLOAT column takes them rounded, as Feast's pandas cast does.
    if (Number.isFinite(v.value) && Math.abs(v.value) > FLOAT32_MAX) {
      throw new InvalidArgumentError(`${where}: DOUBLE value ${v.value} is out of range for FLOAT`);
    }
    converted = makeValue({ case: "floatVal", value: Math.fround(v.value) });
  } else if (v.case === "floatVal" && type === ValueType.DOUBLE) {
    converted = makeValue({ case: "doubleVal", value: v.value });
  } else if ((v.case === "floatVal" || v.case === "doubleVal") && type === ValueType.STRING) {
    converted = makeValue({ case: "stringVal", value: formatPythonFloat(v.value) });
  } else if (v.case === "boolVal" && type === ValueType.STRING) {
    converted = makeValue({ case: "stringVal", value: v.value ? "True" : "False" });
  }
  if (converted === undefined) {
    throw new InvalidArgumentError(
      `${where}: expected a value of type ${valueTypeName(type)}, got ${valueTypeName(from)}`,
    );
  }
  return converted;
}

function fromInteger(n: bigint, type: ValueType): Value | undefined {
  if (type === ValueType.INT32) return makeValue({ case: "int32Val", value: Number(n) });
  if (type === ValueType.INT64) return makeValue({ case: "int64Val", value: n });
  if (type === ValueType.UNIX_TIMESTAMP) return makeValue({ case: "unixTimestampVal", value: n });
  if (type === ValueType.DOUBLE) return makeValue({ case: "doubleVal", value: Number(n) });
  if (type === ValueType.FLOAT) return makeValue({ case: "floatVal", value: Math.fround(Number(n)) });
  if (type === ValueType.STRING) return makeValue({ case: "stringVal", value: n.toString() });
  return undefined;
}
