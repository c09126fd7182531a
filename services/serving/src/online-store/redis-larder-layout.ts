import { FailedPreconditionError, type RedisOnlineStoreConfig } from "@larder/core";
import { hashSlots } from "./feature-hash.js";
import type { OnlineReadRequest, OnlineView, OnlineWriteRow } from "./online-store.js";
import { PackedOnlineRow } from "./packed-online-row.js";
import type { MgetSpans } from "./raw-mget-connection.js";
import {
  packedRowSize,
  packedSpansSize,
  spanPackedRow,
  spannedValuesOf,
  writePackedRow,
  writePackedSpans,
} from "./packed-row.js";
import { escapeGlob, scanKeys, startBatch, type RedisArg } from "./redis-batch.js";
import { identityCache, type RedisLayout } from "./redis-layout.js";
import { SCRIPT } from "./redis-scripts.js";
import { SlotTable } from "./slot-table.js";
import { takeInt32Array } from "./slabs.js";

// Larder's layout: one STRING per (project, view, entity key), key = "<project>:<view>:" ‖ entity key,
// value = the packed row (packed-row.ts). One GET per entity key instead of an N-field HMGET makes reads
// ~6× faster in ioredis (performance.md), and hash-keyed entries survive schema changes.

interface ViewCodec {
  readonly prefix: Buffer;
  readonly hashes: readonly number[];
  readonly slotsOf: (features: readonly string[]) => SlotTable;
}

function slotsOrThrow(view: OnlineView, features: readonly string[]): { slots: Map<number, number>; hashes: number[] } {
  const result = hashSlots(features);
  if ("collision" in result) {
    const [a, b] = result.collision;
    throw new FailedPreconditionError(
      `Features "${a}" and "${b}" of feature view "${view.name}" have the same murmur3 hash, so the larder Redis layout cannot store both; rename one or set online_store.layout: feast`,
    );
  }
  return result;
}

/**
 * Rows per larderPutPackedRows call. One EVALSHA per key cost ≈ 30 µs of Node CPU a row (10 features, mostly
 * ioredis per-command work); one call per 250 rows ≈ 4 µs (100 and 500 measured the same), while one call
 * still blocks Redis for only ≈ 1 ms. @default 250
 */
const ROWS_PER_SCRIPT_CALL = 250;

/** Bytes before each packed row in the script's blob: u8 complete, u32 LE length. */
const ROW_HEADER_BYTES = 5;
/** Bytes before each key in a larderPutPackedBlob blob: u32 LE length. */
const KEY_HEADER_BYTES = 4;

/**
 * The arguments of one script call for rows [start, end): larderPutPackedRows (key count, keys, force, ttl,
 * blob), or with `keysInBlob` larderPutPackedBlob (force, ttl, one blob that also holds the keys).
 */
function packedRowsArgs(
  codec: ViewCodec,
  flags: { readonly force: string; readonly ttlMs: string },
  rows: readonly OnlineWriteRow[],
  start: number,
  end: number,
  keysInBlob: boolean,
): RedisArg[] {
  const prefix = codec.prefix;
  let keyBytes = 0;
  let blobBytes = 0;
  const count = codec.hashes.length;
  // Per row: its packed size, negated when the row is partial (lacks a feature).
  const sizes = new Array<number>(end - start);
  for (let r = start; r < end; r++) {
    const row = rows[r]!;
    keyBytes += prefix.length + row.entityKey.length;
    const spanned = spannedValuesOf(row);
    let size: number;
    let complete = true;
    if (spanned === undefined) {
      size = packedRowSize(row.values);
      for (const value of row.values) if (value === undefined) complete = false;
    } else {
      ({ size, complete } = packedSpansSize(spanned, count));
    }
    sizes[r - start] = complete ? size : -size;
    blobBytes += ROW_HEADER_BYTES + size;
  }
  if (keysInBlob) return blobArgs(codec, flags, rows, start, end, sizes, blobBytes + keyBytes);
  // One buffer for the keys and one for the rows: the keys are views of it, nothing is allocated per value.
  const keys = Buffer.allocUnsafe(keyBytes);
  const blob = Buffer.allocUnsafe(blobBytes);
  const args: RedisArg[] = new Array<RedisArg>(end - start + 4);
  args[0] = end - start;
  let keyPos = 0;
  let pos = 0;
  for (let r = start; r < end; r++) {
    const row = rows[r]!;
    const keyStart = keyPos;
    keys.set(prefix, keyPos);
    keys.set(row.entityKey, keyPos + prefix.length);
    keyPos += prefix.length + row.entityKey.length;
    args[r - start + 1] = keys.subarray(keyStart, keyPos);
    const size = sizes[r - start]!;
    blob[pos] = size > 0 ? 1 : 0;
    blob.writeUInt32LE(Math.abs(size), pos + 1);
    const spanned = spannedValuesOf(row);
    pos =
      spanned === undefined
        ? writePackedRow(blob, pos + ROW_HEADER_BYTES, row.eventTimeMs, codec.hashes, row.values)
        : writePackedSpans(blob, pos + ROW_HEADER_BYTES, row.eventTimeMs, codec.hashes, spanned);
  }
  args[end - start + 1] = flags.force;
  args[end - start + 2] = flags.ttlMs;
  args[end - start + 3] = blob;
  return args;
}

/** larderPutPackedBlob's arguments (see packedRowsArgs): force, ttl, and keys and rows in one blob. */
function blobArgs(
  codec: ViewCodec,
  flags: { readonly force: string; readonly ttlMs: string },
  rows: readonly OnlineWriteRow[],
  start: number,
  end: number,
  sizes: readonly number[],
  bytes: number,
): RedisArg[] {
  const prefix = codec.prefix;
  const blob = Buffer.allocUnsafe(bytes + (end - start) * KEY_HEADER_BYTES);
  let pos = 0;
  for (let r = start; r < end; r++) {
    const row = rows[r]!;
    blob.writeUInt32LE(prefix.length + row.entityKey.length, pos);
    blob.set(prefix, pos + KEY_HEADER_BYTES);
    blob.set(row.entityKey, pos + KEY_HEADER_BYTES + prefix.length);
    pos += KEY_HEADER_BYTES + prefix.length + row.entityKey.length;
    const size = sizes[r - start]!;
    blob[pos] = size > 0 ? 1 : 0;
    blob.writeUInt32LE(Math.abs(size), pos + 1);
    const spanned = spannedValuesOf(row);
    pos =
      spanned === undefined
        ? writePackedRow(blob, pos + ROW_HEADER_BYTES, row.eventTimeMs, codec.hashes, row.values)
        : writePackedSpans(blob, pos + ROW_HEADER_BYTES, row.eventTimeMs, codec.hashes, spanned);
  }
  return [flags.force, flags.ttlMs, blob];
}

/** The larder layout's reads from the raw MGET connection (raw-mget-connection.ts). */
export interface LarderReads {
  /** The key prefix of a view's rows (cached per view). */
  prefixOf(view: OnlineView): Buffer;
  /** decodeRead for an MGET reply read as spans: key `j` of the request is reply element `offset + j`. */
  decodeSpans(request: OnlineReadRequest, reply: MgetSpans, offset: number): (PackedOnlineRow | undefined)[];
}

/** The key prefix of a view's rows. */
export function larderKeyPrefix(view: OnlineView): Buffer {
  return Buffer.from(`${view.project}:${view.name}:`, "utf8");
}

/** Creates the larder layout; `keyTtlSeconds` becomes PX on every written row. */
export function createLarderLayout(
  config: Pick<RedisOnlineStoreConfig, "keyTtlSeconds" | "skipDedup">,
): RedisLayout & LarderReads {
  const ttlMs = config.keyTtlSeconds === undefined ? "0" : String(Math.round(config.keyTtlSeconds * 1000));
  const force = config.skipDedup ? "1" : "0";
  const flags = { force, ttlMs };
  const codecOf = identityCache<OnlineView, ViewCodec>((view) => {
    const { hashes } = slotsOrThrow(view, view.features);
    return {
      prefix: larderKeyPrefix(view),
      hashes,
      slotsOf: identityCache((features: readonly string[]) => new SlotTable(slotsOrThrow(view, features).hashes)),
    };
  });

  return {
    queueRead(batch, request) {
      const { prefix } = codecOf(request.view);
      for (const key of request.entityKeys) batch.add("getBuffer", [Buffer.concat([prefix, key])]);
    },
    decodeRead(request, replies, offset) {
      const slots = codecOf(request.view).slotsOf(request.features);
      const count = request.features.length;
      const keys = request.entityKeys.length;
      // One span array for the whole request: rows point into the replies, nothing is made per value.
      const spans = takeInt32Array(keys * 2 * count).fill(-1);
      const rows = new Array<PackedOnlineRow | undefined>(keys);
      for (let j = 0; j < keys; j++) {
        const reply = replies[offset + j];
        if (!Buffer.isBuffer(reply)) continue;
        const base = j * 2 * count;
        rows[j] = new PackedOnlineRow(reply, spanPackedRow(reply, slots, spans, base), spans, base, count);
      }
      return rows;
    },
    prefixOf(view) {
      return codecOf(view).prefix;
    },
    decodeSpans(request, reply, offset) {
      const slots = codecOf(request.view).slotsOf(request.features);
      const count = request.features.length;
      const keys = request.entityKeys.length;
      const { buffer, spans: at } = reply;
      // As decodeRead, but every row is a span of the one reply buffer: no Buffer per entity key either.
      const spans = takeInt32Array(keys * 2 * count).fill(-1);
      const rows = new Array<PackedOnlineRow | undefined>(keys);
      for (let j = 0; j < keys; j++) {
        const from = at[2 * (offset + j)]!;
        if (from < 0) continue;
        const base = j * 2 * count;
        const time = spanPackedRow(buffer, slots, spans, base, from, at[2 * (offset + j) + 1]);
        rows[j] = new PackedOnlineRow(buffer, time, spans, base, count);
      }
      return rows;
    },
    queueWrites(batch, view, rows, cluster) {
      const codec = codecOf(view);
      // A Cluster takes one declared key per call (keys of one call must share a hash slot, and the
      // cluster routes by them); a standalone or Sentinel Redis takes the keys inside the blob.
      const perCall = cluster ? 1 : ROWS_PER_SCRIPT_CALL;
      const script = cluster ? SCRIPT.putPackedRows : SCRIPT.putPackedBlob;
      for (let start = 0; start < rows.length; start += perCall) {
        const end = Math.min(rows.length, start + perCall);
        batch.add(script, packedRowsArgs(codec, flags, rows, start, end, !cluster));
      }
    },
    async *scanEntityKeys(client, view) {
      const prefix = larderKeyPrefix(view);
      const pattern = Buffer.concat([escapeGlob(prefix), Buffer.from("*")]);
      for await (const keys of scanKeys(client, pattern)) {
        if (keys.length > 0) yield keys.map((key) => key.subarray(prefix.length));
      }
    },
    async deleteView(client, cluster, view) {
      const pattern = Buffer.concat([escapeGlob(larderKeyPrefix(view)), Buffer.from("*")]);
      for await (const keys of scanKeys(client, pattern)) {
        if (keys.length === 0) continue;
        const batch = startBatch(client, cluster);
        for (const key of keys) batch.add("unlink", [key]);
        await batch.exec();
      }
    },
  };
}
