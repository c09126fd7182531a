import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { RegistryBackend, RegistryMutation, UpdateOutcome } from "./registry-backend.js";
import { checkExpectedVersion, diffRows, fromRows, toRows, type ObjectRow } from "./registry-rows.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS larder_registry_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  schema_version INTEGER NOT NULL,
  version INTEGER NOT NULL,
  last_updated_ms INTEGER
);
CREATE TABLE IF NOT EXISTS larder_registry_objects (
  kind INTEGER NOT NULL,
  project TEXT NOT NULL,
  name TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (kind, project, name)
);
INSERT OR IGNORE INTO larder_registry_meta (id, schema_version, version, last_updated_ms) VALUES (1, 1, 0, NULL);
`;

interface MetaRow {
  version: number | bigint;
  last_updated_ms: number | null;
}

/** The embedded SQL registry: one SQLite file, WAL mode, writes serialised by BEGIN IMMEDIATE. */
export function createSqliteBackend(path: string): RegistryBackend {
  let db: Database.Database | undefined;
  const open = (): Database.Database => {
    if (db === undefined) {
      mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      db.pragma("journal_mode = WAL");
      db.pragma("busy_timeout = 10000");
      db.defaultSafeIntegers(true);
    }
    return db;
  };
  const readMeta = (d: Database.Database): { version: bigint; lastUpdated: Date | undefined } => {
    const meta = d.prepare("SELECT version, last_updated_ms FROM larder_registry_meta WHERE id = 1").get() as MetaRow;
    return {
      version: BigInt(meta.version),
      lastUpdated: meta.last_updated_ms === null ? undefined : new Date(Number(meta.last_updated_ms)),
    };
  };
  const readRows = (d: Database.Database): ObjectRow[] =>
    (
      d.prepare("SELECT kind, project, name, data FROM larder_registry_objects").all() as Array<{
        kind: bigint;
        project: string;
        name: string;
        data: Buffer;
      }>
    ).map((r) => ({ kind: Number(r.kind), project: r.project, name: r.name, data: r.data }));

  return {
    description: `sqlite:${path}`,
    init() {
      const d = open();
      d.exec("BEGIN IMMEDIATE");
      try {
        d.exec(SCHEMA);
        d.exec("COMMIT");
      } catch (error) {
        d.exec("ROLLBACK");
        throw error;
      }
      return Promise.resolve();
    },
    load() {
      const d = open();
      const read = d.transaction(() => {
        const meta = readMeta(d);
        return fromRows(readRows(d), meta.version, meta.lastUpdated);
      });
      return Promise.resolve(read());
    },
    currentVersion() {
      return Promise.resolve(readMeta(open()));
    },
    update<T>(mutate: RegistryMutation<T>, expectedVersion?: bigint): Promise<UpdateOutcome<T>> {
      const d = open();
      // immediate(): take the write lock before reading, so concurrent applies serialise.
      const run = d.transaction((): UpdateOutcome<T> => {
        const meta = readMeta(d);
        checkExpectedVersion(meta.version, expectedVersion);
        const current = fromRows(readRows(d), meta.version, meta.lastUpdated);
        const { next, result } = mutate(current);
        if (next === undefined) return { registry: current, result, changed: false };
        const { upserts, deletes } = diffRows(toRows(current), toRows(next));
        const upsert = d.prepare(
          "INSERT INTO larder_registry_objects (kind, project, name, data) VALUES (?, ?, ?, ?) ON CONFLICT (kind, project, name) DO UPDATE SET data = excluded.data",
        );
        const remove = d.prepare("DELETE FROM larder_registry_objects WHERE kind = ? AND project = ? AND name = ?");
        for (const row of upserts) upsert.run(row.kind, row.project, row.name, Buffer.from(row.data));
        for (const row of deletes) remove.run(row.kind, row.project, row.name);
        const now = Date.now();
        const version = meta.version + 1n;
        d.prepare("UPDATE larder_registry_meta SET version = ?, last_updated_ms = ? WHERE id = 1").run(version, now);
        next.version = version;
        return { registry: fromRows(toRows(next).values(), version, new Date(now)), result, changed: true };
      });
      try {
        return Promise.resolve(run.immediate());
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    close() {
      db?.close();
      db = undefined;
      return Promise.resolve();
    },
  };
}
