import { create } from "@bufbuild/protobuf";
import { ValueSchema, ValueType, type Value } from "@larder/gen/es/larder/types/v1/value_pb";

// The inverse of serialize.ts for Feast entity key v3: u32 LE count ‖ per join key: u32 type (STRING),
// u32 len, UTF-8 ‖ per value: u32 type, u32 len, payload.

/** A decoded entity key: join keys in stored (sorted) order and their values. */
export interface DecodedEntityKey {
  readonly joinKeys: readonly string[];
  readonly values: readonly Value[];
}

function valueOf(type: ValueType, payload: Buffer): Value {
  if (type === ValueType.STRING)
    return create(ValueSchema, { val: { case: "stringVal", value: payload.toString("utf8") } });
  if (type === ValueType.BYTES)
    return create(ValueSchema, { val: { case: "bytesVal", value: new Uint8Array(payload) } });
  if (type === ValueType.INT32)
    return create(ValueSchema, { val: { case: "int32Val", value: payload.readInt32LE(0) } });
  if (type === ValueType.INT64)
    return create(ValueSchema, { val: { case: "int64Val", value: payload.readBigInt64LE(0) } });
  if (type === ValueType.UNIX_TIMESTAMP)
    return create(ValueSchema, { val: { case: "unixTimestampVal", value: payload.readBigInt64LE(0) } });
  throw new Error(`entity key value of type ${String(type)} cannot be decoded`);
}

/** Decodes a v3 entity key written by serializeEntityKey (or Feast); throws on malformed bytes. */
export function deserializeEntityKey(bytes: Uint8Array): DecodedEntityKey {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const u32 = (): number => {
    const n = buf.readUInt32LE(pos);
    pos += 4;
    return n;
  };
  const chunk = (length: number): Buffer => {
    if (pos + length > buf.length) throw new Error("entity key is truncated");
    const out = buf.subarray(pos, pos + length);
    pos += length;
    return out;
  };
  const count = u32();
  const joinKeys: string[] = [];
  for (let i = 0; i < count; i++) {
    u32(); // the name's type, always STRING
    joinKeys.push(chunk(u32()).toString("utf8"));
  }
  const values: Value[] = [];
  for (let i = 0; i < count; i++) {
    const type = u32() as ValueType;
    values.push(valueOf(type, chunk(u32())));
  }
  if (pos !== buf.length) throw new Error("entity key has trailing bytes");
  return { joinKeys, values };
}
