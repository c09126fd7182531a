import pg from "pg";
import { LarderError, UnavailableError } from "@larder/core";
import type { RegistryBackend, RegistryMutation, UpdateOutcome } from "./registry-backend.js";
import { checkExpectedVersion, diffRows, fromRows, toRows, type ObjectRow } from "./registry-rows.js";

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS larder_registry_meta (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     schema_version INTEGER NOT NULL,
     version BIGINT NOT NULL,
     last_updated TIMESTAMPTZ
   )`,
  `CREATE TABLE IF NOT EXISTS larder_registry_objects (
     kind INTEGER NOT NULL,
     project TEXT NOT NULL,
     name TEXT NOT NULL,
     data BYTEA NOT NULL,
     PRIMARY KEY (kind, project, name)
   )`,
  `INSERT INTO larder_registry_meta (id, schema_version, version) VALUES (1, 1, 0) ON CONFLICT (id) DO NOTHING`,
];

/** Key of the advisory lock that serialises migrations when several servers start at once. */
const MIGRATION_LOCK = 0x6c617264; // "lard"

function safeDescription(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    return `postgresql://${parsed.username}@${parsed.host}${parsed.pathname}`;
  } catch {
    return "postgresql";
  }
}

/** PostgreSQL error classes that mean "the database is not there right now", not "your input is bad". */
const UNAVAILABLE_SQLSTATE = /^(08|57P0|53)/;
const CONNECTION_LOST =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET/;

/** Maps connection failures to UNAVAILABLE; domain errors and anything else pass through. */
function mapPostgresError(error: unknown): unknown {
  if (error instanceof LarderError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : "";
  if ((typeof code === "string" && UNAVAILABLE_SQLSTATE.test(code)) || CONNECTION_LOST.test(message)) {
    return new UnavailableError("The registry database is unavailable; retry later", { cause: error });
  }
  return error;
}

/**
 * The production SQL registry. Each update is one transaction that starts with SELECT … FOR UPDATE
 * on the meta row holding the version, so concurrent applies serialise and none is lost.
 */
export function createPostgresBackend(url: string, options: { maxConnections?: number } = {}): RegistryBackend {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 5, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on("error", () => undefined);

  // A checked-out client whose connection dies between queries emits 'error'; the failing query
  // already reports it to the caller, so the event must not crash the process.
  const ignoreError = (): void => undefined;
  const connect = async (): Promise<pg.PoolClient> => {
    const client = await pool.connect().catch((error: unknown) => {
      throw mapPostgresError(error);
    });
    client.on("error", ignoreError);
    return client;
  };
  const release = (client: pg.PoolClient, error?: unknown): void => {
    client.removeListener("error", ignoreError);
    client.release(error instanceof Error ? error : undefined);
  };

  const readRows = async (client: pg.PoolClient | pg.Pool): Promise<ObjectRow[]> => {
    const result = await client.query<{ kind: number; project: string; name: string; data: Buffer }>(
      "SELECT kind, project, name, data FROM larder_registry_objects",
    );
    return result.rows;
  };

  // Reads retry once: a pooled connection the server closed fails its first query, and the retry
  // gets a fresh one. Writes never retry here; their caller decides (they carry an expected version).
  const readOnce = async <T>(read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof UnavailableError)) throw error;
      return read();
    }
  };

  /** Runs `body` in one transaction on a pooled client: COMMIT after it, ROLLBACK and a mapped error on failure. */
  const transaction = async <T>(begin: string, body: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await connect();
    let failure: unknown;
    try {
      await client.query(begin);
      const result = await body(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      failure = error;
      throw mapPostgresError(error);
    } finally {
      release(client, failure);
    }
  };

  const api: RegistryBackend = {
    description: safeDescription(url),
    init() {
      return transaction("BEGIN", async (client) => {
        await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
        for (const statement of MIGRATIONS) await client.query(statement);
      });
    },
    load() {
      return transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", async (client) => {
        const meta = await client.query<{ version: string; last_updated: Date | null }>(
          "SELECT version, last_updated FROM larder_registry_meta WHERE id = 1",
        );
        const rows = await readRows(client);
        const row = meta.rows[0];
        return fromRows(rows, BigInt(row?.version ?? 0), row?.last_updated ?? undefined);
      });
    },
    async currentVersion() {
      const meta = await pool
        .query<{ version: string; last_updated: Date | null }>(
          "SELECT version, last_updated FROM larder_registry_meta WHERE id = 1",
        )
        .catch((error: unknown) => {
          throw mapPostgresError(error);
        });
      const row = meta.rows[0];
      return { version: BigInt(row?.version ?? 0), lastUpdated: row?.last_updated ?? undefined };
    },
    update<T>(mutate: RegistryMutation<T>, expectedVersion?: bigint): Promise<UpdateOutcome<T>> {
      // A no-op mutation commits an empty transaction: nothing was written, the lock is released.
      return transaction("BEGIN", async (client) => {
        const meta = await client.query<{ version: string; last_updated: Date | null }>(
          "SELECT version, last_updated FROM larder_registry_meta WHERE id = 1 FOR UPDATE",
        );
        const version = BigInt(meta.rows[0]?.version ?? 0);
        checkExpectedVersion(version, expectedVersion);
        const current = fromRows(await readRows(client), version, meta.rows[0]?.last_updated ?? undefined);
        const { next, result } = mutate(current);
        if (next === undefined) return { registry: current, result, changed: false };
        const { upserts, deletes } = diffRows(toRows(current), toRows(next));
        for (const row of upserts) {
          await client.query(
            `INSERT INTO larder_registry_objects (kind, project, name, data) VALUES ($1, $2, $3, $4)
             ON CONFLICT (kind, project, name) DO UPDATE SET data = EXCLUDED.data`,
            [row.kind, row.project, row.name, Buffer.from(row.data)],
          );
        }
        for (const row of deletes) {
          await client.query("DELETE FROM larder_registry_objects WHERE kind = $1 AND project = $2 AND name = $3", [
            row.kind,
            row.project,
            row.name,
          ]);
        }
        const updated = await client.query<{ last_updated: Date }>(
          "UPDATE larder_registry_meta SET version = $1, last_updated = now() WHERE id = 1 RETURNING last_updated",
          [String(version + 1n)],
        );
        return {
          registry: fromRows(toRows(next).values(), version + 1n, updated.rows[0]?.last_updated),
          result,
          changed: true,
        };
      });
    },
    async close() {
      await pool.end();
    },
  };
  return {
    ...api,
    load: () => readOnce(() => api.load()),
    currentVersion: () => readOnce(() => api.currentVersion()),
  };
}
