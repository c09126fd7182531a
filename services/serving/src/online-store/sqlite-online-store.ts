import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { OnlineRow, OnlineStore, OnlineView, OnlineWriteResult } from "./online-store.js";
import { checkWriteRow } from "./redis-layout.js";

// Feast's SQLite layout (feast-contracts §5h): a table "<project>_<view>" with one row per (entity key,
// feature). Differences: event_ts/created_ts hold epoch **milliseconds** (Feast: whole seconds; fractional
// ms are kept as REAL by SQLite's affinity), value_text/vector_value are not written, and a write replaces
// stored features only when its event time is newer than the entity's newest stored row (Feast: last write wins).

/** Keys per `entity_key IN (...)` statement; statements exist for powers of two up to this. */
const READ_CHUNK = 512;
/** Parameters per feature of an upsert: entity_key, feature_name, value, event_ts, created_ts, expires_ms. */
const UPSERT_PARAMS = 6;
/** Features per upsert statement, within SQLite's bound-parameter limit (32,766). */
const UPSERT_MAX_FEATURES = 1000;
/** Entity keys per page of a document-retrieval scan. */
const SCAN_PAGE = 1000;

interface TableStatements {
  readonly newestEvent: Database.Statement<[Buffer, number], { ts: number | null }>;
  readonly dropExpired: Database.Statement<[Buffer, number]>;
  readonly upsertBySize: Map<number, Database.Statement<unknown[]>>;
  readonly setExpiry: Database.Statement<[number | null, Buffer]>;
  readonly selectBySize: Map<number, Database.Statement<Array<Buffer | number>, StoredFeature>>;
}

interface StoredFeature {
  entity_key: Buffer;
  feature_name: string;
  value: Buffer;
  event_ts: number;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Feast's table name of a view. */
export function sqliteTableName(view: OnlineView): string {
  return `${view.project}_${view.name}`;
}

function isMissingTable(error: unknown): boolean {
  return error instanceof Error && /no such table/i.test(error.message);
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

/**
 * Creates the SQLite online store in one database file (WAL mode, so readers never block the writer).
 * With `keyTtlSeconds`, an entity key's rows expire that long after its last write, as a Redis key does.
 */
export function createSqliteOnlineStore(config: {
  readonly path: string;
  readonly keyTtlSeconds?: number | undefined;
}): OnlineStore {
  const ttlMs = config.keyTtlSeconds === undefined ? undefined : config.keyTtlSeconds * 1000;
  mkdirSync(dirname(config.path), { recursive: true });
  const db = new Database(config.path);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  const statements = new Map<string, TableStatements>();
  let closed = false;

  const statementsOf = (table: string): TableStatements => {
    let s = statements.get(table);
    if (s === undefined) {
      const t = quote(table);
      s = {
        newestEvent: db.prepare(
          `SELECT max(event_ts) AS ts FROM ${t} WHERE entity_key = ? AND (expires_ms IS NULL OR expires_ms > ?)`,
        ),
        dropExpired: db.prepare(`DELETE FROM ${t} WHERE entity_key = ? AND expires_ms IS NOT NULL AND expires_ms <= ?`),
        setExpiry: db.prepare(`UPDATE ${t} SET expires_ms = ? WHERE entity_key = ?`),
        upsertBySize: new Map(),
        selectBySize: new Map(),
      };
      statements.set(table, s);
    }
    return s;
  };

  const selectStatement = (table: string, size: number): Database.Statement<Array<Buffer | number>, StoredFeature> => {
    const s = statementsOf(table);
    let select = s.selectBySize.get(size);
    if (select === undefined) {
      const marks = new Array(size).fill("?").join(", ");
      select = db.prepare(
        `SELECT entity_key, feature_name, value, event_ts FROM ${quote(table)}
         WHERE entity_key IN (${marks}) AND (expires_ms IS NULL OR expires_ms > ?)`,
      );
      s.selectBySize.set(size, select);
    }
    return select;
  };

  /** The upsert of `count` features of one entity key (statements cached per table and count). */
  const upsertStatement = (table: string, count: number): Database.Statement<unknown[]> => {
    const s = statementsOf(table);
    let upsert = s.upsertBySize.get(count);
    if (upsert === undefined) {
      const tuples = new Array(count).fill("(?, ?, ?, ?, ?, ?)").join(", ");
      upsert = db.prepare(
        `INSERT INTO ${quote(table)} (entity_key, feature_name, value, event_ts, created_ts, expires_ms) VALUES ${tuples}
         ON CONFLICT(entity_key, feature_name) DO UPDATE SET value = excluded.value, event_ts = excluded.event_ts,
           created_ts = excluded.created_ts, expires_ms = excluded.expires_ms`,
      );
      s.upsertBySize.set(count, upsert);
    }
    return upsert;
  };

  const ready = new Set<string>();
  const createTable = (table: string): void => {
    if (ready.has(table)) return;
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${quote(table)} (entity_key BLOB, feature_name TEXT, value BLOB,
        event_ts INTEGER, created_ts INTEGER, expires_ms INTEGER, PRIMARY KEY (entity_key, feature_name))`,
    );
    // Tables written before key_ttl_seconds existed lack the column.
    const columns = db.prepare(`PRAGMA table_info(${quote(table)})`).all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === "expires_ms"))
      db.exec(`ALTER TABLE ${quote(table)} ADD COLUMN expires_ms INTEGER`);
    ready.add(table);
  };

  const tableExists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  const readTable = (table: string, keys: readonly Buffer[]): StoredFeature[] => {
    if (!ready.has(table)) {
      if (tableExists.get(table) === undefined) return [];
      createTable(table); // adds expires_ms to a table from before key_ttl_seconds
    }
    const found: StoredFeature[] = [];
    const now = Date.now();
    for (let start = 0; start < keys.length; start += READ_CHUNK) {
      const chunk = keys.slice(start, start + READ_CHUNK);
      // Pad to a power of two with a repeated key so few distinct statements are prepared.
      let size = 1;
      while (size < chunk.length) size *= 2;
      while (chunk.length < size) chunk.push(chunk[0]!);
      found.push(...selectStatement(table, size).all(...chunk, now));
    }
    return found;
  };

  const writeRows = db.transaction((view: OnlineView, rows: Parameters<OnlineStore["write"]>[1]) => {
    const table = sqliteTableName(view);
    createTable(table);
    const s = statementsOf(table);
    const result: OnlineWriteResult = { written: 0, skipped: 0 };
    const now = Date.now();
    for (const row of rows) {
      const key = asBuffer(row.entityKey);
      if (!checkWriteRow(view, row)) {
        result.skipped++;
        continue;
      }
      // An expired key is gone, as in Redis: its rows neither block nor merge into the new write.
      if (ttlMs !== undefined) s.dropExpired.run(key, now);
      const newest = s.newestEvent.get(key, now)?.ts;
      if (newest !== null && newest !== undefined && !(row.eventTimeMs > newest)) {
        result.skipped++;
        continue;
      }
      // All of the row's features in one statement (one per feature cost ≈ 5 µs each, most of a row's time).
      const expires = ttlMs === undefined ? null : now + ttlMs;
      const params: (Buffer | string | number | null)[] = [];
      row.values.forEach((value, i) => {
        if (value !== undefined) {
          params.push(key, view.features[i]!, asBuffer(value), row.eventTimeMs, row.createdTimeMs ?? null, expires);
        }
      });
      for (let at = 0; at < params.length; at += UPSERT_PARAMS * UPSERT_MAX_FEATURES) {
        const part = params.slice(at, at + UPSERT_PARAMS * UPSERT_MAX_FEATURES);
        upsertStatement(table, part.length / UPSERT_PARAMS).run(...part);
      }
      // The key's other stored features expire with it; a key with no visible row has none to update.
      if (newest !== null && newest !== undefined) s.setExpiry.run(expires, key);
      result.written++;
    }
    return result;
  });

  const forget = (table: string): void => {
    statements.delete(table);
    ready.delete(table);
  };
  const dropTable = (view: OnlineView): void => {
    const table = sqliteTableName(view);
    forget(table);
    db.exec(`DROP TABLE IF EXISTS ${quote(table)}`);
  };

  return {
    read(requests, signal) {
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      return Promise.resolve(
        requests.map((request) => {
          const keys = request.entityKeys.map(asBuffer);
          const table = sqliteTableName(request.view);
          let stored: StoredFeature[];
          try {
            stored = keys.length === 0 ? [] : readTable(table, keys);
          } catch (error) {
            if (!isMissingTable(error)) throw error;
            forget(table);
            stored = [];
          }
          const slots = new Map(request.features.map((f, i) => [f, i]));
          const rows = new Map<string, { eventTimeMs: number; values: (Uint8Array | undefined)[] }>();
          for (const feature of stored) {
            const id = feature.entity_key.toString("latin1");
            let row = rows.get(id);
            if (row === undefined) {
              row = {
                eventTimeMs: feature.event_ts,
                values: new Array<Uint8Array | undefined>(request.features.length).fill(undefined),
              };
              rows.set(id, row);
            }
            // The row's event time is its newest stored feature (older ones stay from partial writes).
            row.eventTimeMs = Math.max(row.eventTimeMs, feature.event_ts);
            const slot = slots.get(feature.feature_name);
            if (slot !== undefined) row.values[slot] = feature.value;
          }
          return keys.map((key): OnlineRow | undefined => rows.get(key.toString("latin1")));
        }),
      );
    },
    write(view, rows) {
      return Promise.resolve(writeRows.immediate(view, rows));
    },
    async *scanEntityKeys(view, signal) {
      const table = sqliteTableName(view);
      if (tableExists.get(table) === undefined) return;
      // Keyset pages: no statement stays open across the awaits of the consumer.
      const page = db.prepare<[Buffer, number], { entity_key: Buffer }>(
        `SELECT DISTINCT entity_key FROM ${quote(table)} WHERE entity_key > ? AND (expires_ms IS NULL OR expires_ms > ?)
         ORDER BY entity_key LIMIT ${String(SCAN_PAGE)}`,
      );
      let after: Buffer = Buffer.alloc(0);
      for (;;) {
        signal?.throwIfAborted();
        const keys = page.all(after, Date.now()).map((r) => r.entity_key);
        if (keys.length === 0) return;
        yield keys;
        after = keys[keys.length - 1]!;
        if (keys.length < SCAN_PAGE) return;
        // SQLite reads are synchronous: give other calls a turn between pages of a long scan.
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    deleteView(view) {
      dropTable(view);
      return Promise.resolve();
    },
    teardown(views) {
      for (const view of views) dropTable(view);
      return Promise.resolve();
    },
    ready() {
      return Promise.resolve();
    },
    get healthy() {
      return !closed;
    },
    close() {
      if (!closed) {
        closed = true;
        db.close();
      }
      return Promise.resolve();
    },
  };
}
