import type { RedisOnlineStoreConfig } from "@larder/core";
import { entityKeyHeader } from "../entity-key/serialize.js";
import { decodeFeastTimestamp, encodeFeastTimestamp, splitEventTime } from "./feast-timestamp.js";
import { feastFeatureField, feastTimestampField } from "./feature-hash.js";
import type { OnlineView, OnlineWriteRow } from "./online-store.js";
import { escapeGlob, scanKeys, startBatch, type RedisArg } from "./redis-batch.js";
import { identityCache, type RedisLayout } from "./redis-layout.js";
import { SCRIPT } from "./redis-scripts.js";

// Feast's layout (feast-contracts §5h): one HASH per (project, entity key), key = v3 entity key ‖ project,
// field per feature = LE murmur3("<view>:<feature>"), `_ts:<view>` = serialized google.protobuf.Timestamp.
// Feast and Larder can read and write the same Redis.

interface ViewCodec {
  readonly project: Buffer;
  readonly tsField: Buffer;
  readonly fields: readonly Buffer[];
  /** Fields to HMGET for a feature list: its features, then `_ts:<view>`. */
  readonly readFieldsOf: (features: readonly string[]) => readonly Buffer[];
}

/** True when `key` is exactly `header ‖ <count> encoded values ‖ project` (SCAN patterns over-match). */
export function isFeastKeyOf(key: Buffer, header: Buffer, project: Buffer): boolean {
  if (key.length < header.length + project.length || !key.subarray(0, header.length).equals(header)) return false;
  const end = key.length - project.length;
  if (!key.subarray(end).equals(project)) return false;
  let pos = header.length;
  for (let i = header.readUInt32LE(0); i > 0; i--) {
    if (pos + 8 > end) return false;
    pos += 8 + key.readUInt32LE(pos + 4);
  }
  return pos === end;
}

/** Rows per larderPutFeastBlob call (as the larder layout's blob script). */
const ROWS_PER_BLOB = 250;

/** larderPutFeastBlob's blob for `rows[start, end)` (redis-scripts.ts): every length a u32 LE. */
function feastRowsBlob(codec: ViewCodec, rows: readonly OnlineWriteRow[], start: number, end: number): Buffer {
  const parts: Uint8Array[] = [];
  let size = 0;
  const add = (bytes: Uint8Array): void => {
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32LE(bytes.length, 0);
    parts.push(length, bytes);
    size += 4 + bytes.length;
  };
  const addCount = (n: number): void => {
    const count = Buffer.allocUnsafe(4);
    count.writeUInt32LE(n, 0);
    parts.push(count);
    size += 4;
  };
  for (let r = start; r < end; r++) {
    const row = rows[r]!;
    const { seconds, nanos } = splitEventTime(row.eventTimeMs);
    add(Buffer.concat([row.entityKey, codec.project]));
    add(Buffer.from(String(seconds), "latin1"));
    add(Buffer.from(String(nanos), "latin1"));
    add(encodeFeastTimestamp(row.eventTimeMs));
    let present = 0;
    for (const value of row.values) if (value !== undefined) present++;
    addCount(present);
    for (let i = 0; i < row.values.length; i++) {
      const value = row.values[i];
      if (value === undefined) continue;
      add(codec.fields[i]!);
      add(value);
    }
  }
  return Buffer.concat(parts, size);
}

/** Creates the Feast-compatible layout; `keyTtlSeconds` becomes EXPIRE on every written key. */
export function createFeastLayout(config: Pick<RedisOnlineStoreConfig, "keyTtlSeconds" | "skipDedup">): RedisLayout {
  const ttl = config.keyTtlSeconds === undefined ? "0" : String(Math.max(1, Math.round(config.keyTtlSeconds)));
  const force = config.skipDedup ? "1" : "0";
  const codecOf = identityCache<OnlineView, ViewCodec>((view) => {
    const tsField = feastTimestampField(view.name);
    const byName = new Map(view.features.map((f) => [f, feastFeatureField(view.name, f)]));
    return {
      project: Buffer.from(view.project, "utf8"),
      tsField,
      fields: view.features.map((f) => byName.get(f)!),
      readFieldsOf: identityCache((features: readonly string[]) => [
        ...features.map((f) => byName.get(f) ?? feastFeatureField(view.name, f)),
        tsField,
      ]),
    };
  });

  return {
    queueRead(batch, request) {
      const codec = codecOf(request.view);
      const fields = codec.readFieldsOf(request.features);
      for (const key of request.entityKeys) batch.add("hmgetBuffer", [Buffer.concat([key, codec.project]), ...fields]);
    },
    decodeRead(request, replies, offset) {
      const count = request.features.length;
      return request.entityKeys.map((_, j) => {
        const reply = replies[offset + j] as (Buffer | null)[] | null | undefined;
        const ts = reply?.[count];
        // No `_ts:<view>` means the view never wrote this entity (Python would answer empty Values; §5b).
        if (reply === null || reply === undefined || ts === null || ts === undefined) return undefined;
        const values = new Array<Uint8Array | undefined>(count);
        for (let i = 0; i < count; i++) values[i] = reply[i] ?? undefined;
        return { eventTimeMs: decodeFeastTimestamp(ts), values };
      });
    },
    queueWrites(batch, view, rows, cluster) {
      const codec = codecOf(view);
      if (!cluster) {
        // A standalone or Sentinel Redis takes up to ROWS_PER_BLOB rows per call, keys inside the blob.
        for (let start = 0; start < rows.length; start += ROWS_PER_BLOB) {
          const end = Math.min(rows.length, start + ROWS_PER_BLOB);
          batch.add(SCRIPT.putFeastBlob, [codec.tsField, ttl, force, feastRowsBlob(codec, rows, start, end)]);
        }
        return;
      }
      // A Cluster routes by declared keys: one script call per key (its fields vary per row).
      for (const row of rows) {
        const { seconds, nanos } = splitEventTime(row.eventTimeMs);
        const args: RedisArg[] = [
          Buffer.concat([row.entityKey, codec.project]),
          codec.tsField,
          String(seconds),
          String(nanos),
          encodeFeastTimestamp(row.eventTimeMs),
          ttl,
          force,
        ];
        row.values.forEach((value, i) => {
          if (value === undefined) return;
          args.push(codec.fields[i]!, Buffer.from(value.buffer, value.byteOffset, value.length));
        });
        batch.add(SCRIPT.putFeastRow, args);
      }
    },
    async *scanEntityKeys(client, view) {
      const codec = codecOf(view);
      const header = entityKeyHeader(view.joinKeys);
      const pattern = Buffer.concat([escapeGlob(header), Buffer.from("*"), escapeGlob(codec.project)]);
      for await (const keys of scanKeys(client, pattern)) {
        const mine = keys.filter((key) => isFeastKeyOf(key, header, codec.project));
        // Feast keys end with the project; the hash may hold other views' fields too (reads sort that out).
        if (mine.length > 0) yield mine.map((key) => key.subarray(0, key.length - codec.project.length));
      }
    },
    async deleteView(client, cluster, view) {
      const codec = codecOf(view);
      const header = entityKeyHeader(view.joinKeys);
      const pattern = Buffer.concat([escapeGlob(header), Buffer.from("*"), escapeGlob(codec.project)]);
      for await (const keys of scanKeys(client, pattern)) {
        const mine = keys.filter((key) => isFeastKeyOf(key, header, codec.project));
        if (mine.length === 0) continue;
        const batch = startBatch(client, cluster);
        for (const key of mine) batch.add(SCRIPT.deleteFeastView, [key, codec.tsField, ...codec.fields]);
        await batch.exec();
      }
    },
  };
}
