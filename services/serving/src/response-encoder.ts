import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { OutputColumn } from "./online-read.js";

/**
 * Encodes a GetOnlineFeaturesResponse (Feast's field numbers) straight from output columns: stored
 * Value bytes are copied into the message as they are, never decoded and re-encoded. Checked against
 * the generated decoder in tests.
 */
export function encodeOnlineResponse(columns: readonly OutputColumn[]): Uint8Array {
  const w = new BinaryWriter();
  // 1: metadata { 1: feature_names { 1: repeated string val } }
  w.tag(1, WireType.LengthDelimited).fork();
  w.tag(1, WireType.LengthDelimited).fork();
  for (const column of columns) w.tag(1, WireType.LengthDelimited).string(column.name);
  w.join();
  w.join();
  // 2: repeated results { 1: repeated Value values; 2: packed FieldStatus statuses; 3: repeated Timestamp }
  for (const column of columns) {
    w.tag(2, WireType.LengthDelimited).fork();
    for (const value of column.values) w.tag(1, WireType.LengthDelimited).bytes(value);
    w.tag(2, WireType.LengthDelimited).fork();
    for (const status of column.statuses) w.int32(status);
    w.join();
    for (const ms of column.timestampsMs) {
      w.tag(3, WireType.LengthDelimited).fork();
      if (ms !== 0) {
        const seconds = Math.floor(ms / 1000);
        const nanos = Math.round((ms - seconds * 1000) * 1e6);
        if (seconds !== 0) w.tag(1, WireType.Varint).int64(seconds);
        if (nanos !== 0) w.tag(2, WireType.Varint).int32(nanos);
      }
      w.join();
    }
    w.join();
  }
  return w.finish();
}
