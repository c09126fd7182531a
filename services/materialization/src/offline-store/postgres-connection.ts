import { UnavailableError } from "@larder/core";
import type { PostgresOfflineStoreConfig } from "@larder/core";
import pg from "pg";

/** Timestamps as epoch milliseconds (naive ones read as UTC), int8 as bigint, numeric as number. */
const PARSERS = new Map<number, (text: string) => unknown>([
  [20, (text) => BigInt(text)],
  [1700, Number],
  [1082, (text) => instantMs(`${text}T00:00:00Z`)],
  [1114, (text) => instantMs(`${text.replace(" ", "T")}Z`)],
  [1184, (text) => instantMs(text.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"))],
]);
const ARRAY_ELEMENTS = new Map<number, number>([
  [1016, 20],
  [1231, 1700],
  [1182, 1082],
  [1115, 1114],
  [1185, 1184],
]);

function instantMs(text: string): number {
  if (text.startsWith("infinity")) return Number.POSITIVE_INFINITY;
  if (text.startsWith("-infinity")) return Number.NEGATIVE_INFINITY;
  return Date.parse(text);
}

function getTypeParser(oid: number, format?: "text" | "binary"): (text: string) => unknown {
  const own = PARSERS.get(oid);
  if (own !== undefined) return own;
  const element = ARRAY_ELEMENTS.get(oid);
  if (element !== undefined) {
    // 1009 is text[]; its parser splits any array literal into strings (the typings list scalar ids only).
    const strings = pg.types.getTypeParser(1009 as never, "text") as (text: string) => (string | null)[];
    const parse = PARSERS.get(element) ?? String;
    return (text) => strings(text).map((item) => (item === null ? null : parse(item)));
  }
  return pg.types.getTypeParser(oid, format ?? "text") as (text: string) => unknown;
}

function sslOf(mode: PostgresOfflineStoreConfig["sslmode"]): pg.PoolConfig["ssl"] {
  if (mode === undefined || mode === "disable" || mode === "allow" || mode === "prefer") return undefined;
  return mode === "require" ? { rejectUnauthorized: false } : true;
}

/** Creates the connection pool; every session reads naive timestamps as UTC and resolves tables in `schema` first. */
export function createPool(config: PostgresOfflineStoreConfig): pg.Pool {
  const ssl = sslOf(config.sslmode);
  const pool = new pg.Pool({
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    max: config.maxConn,
    types: { getTypeParser },
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(ssl === undefined ? {} : { ssl }),
  });
  const schema = `"${config.schema.replaceAll('"', '""')}"`;
  pool.on("connect", (client) => {
    // Queued before any caller's query on this client, so it always runs first.
    client.query(`SET TIME ZONE 'UTC'; SET search_path TO ${schema}, public`).catch(() => undefined);
  });
  // An idle client losing its connection must not crash the process; the next checkout reconnects.
  pool.on("error", () => undefined);
  return pool;
}

/** Checks a client out of the pool; a server that cannot be reached becomes UnavailableError. */
export async function checkout(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw new UnavailableError("The PostgreSQL offline store cannot be reached; check offline_store host and port", {
      cause: error,
    });
  }
}

/** Quotes a PostgreSQL identifier. */
export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
