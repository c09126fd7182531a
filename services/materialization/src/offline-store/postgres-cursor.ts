import { FailedPreconditionError, InvalidArgumentError, LarderError, UnavailableError } from "@larder/core";
import type pg from "pg";
import { checkout } from "./postgres-connection.js";
import type { ColumnBatch } from "./offline-store.js";

const CURSOR = "__larder_cursor";

/**
 * Runs `sql` through a server-side cursor and yields FETCH-sized batches, so memory stays bounded.
 * `prepare` runs first in the same transaction (for temporary tables dropped on commit); `sql` may be a
 * function so the query can depend on what `prepare` found.
 */
export async function* streamCursor(
  pool: pg.Pool,
  sql: string | (() => string),
  batchRows: number,
  what: string,
  prepare: (client: pg.PoolClient) => Promise<void> = async () => {},
): AsyncGenerator<ColumnBatch> {
  const client = await checkout(pool);
  let committed = false;
  try {
    await client.query("BEGIN");
    await prepare(client);
    await client
      .query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${typeof sql === "string" ? sql : sql()}`)
      .catch((error: unknown) => {
        throw postgresFailure(error, what);
      });
    for (;;) {
      const result = await client.query<unknown[]>({
        text: `FETCH FORWARD ${batchRows} FROM ${CURSOR}`,
        rowMode: "array",
      });
      if (result.rows.length > 0) yield toBatch(result);
      if (result.rows.length < batchRows) break;
    }
    await client.query("COMMIT");
    committed = true;
  } catch (error) {
    throw postgresFailure(error, what);
  } finally {
    // A failure or a consumer that stops early leaves the transaction open: roll it back, or drop the client.
    const clean =
      committed ||
      (await client.query("ROLLBACK").then(
        () => true,
        () => false,
      ));
    client.release(clean ? undefined : true);
  }
}

function toBatch(result: pg.QueryResult<unknown[]>): ColumnBatch {
  const columns = new Map<string, unknown[]>();
  const lists = result.fields.map(() => [] as unknown[]);
  for (const row of result.rows) row.forEach((value, index) => lists[index]?.push(value));
  result.fields.forEach((field, index) => columns.set(field.name, lists[index] ?? []));
  return { rowCount: result.rows.length, columns };
}

/** Maps a PostgreSQL error: lost connections → UnavailableError, anything else about `what` → FailedPreconditionError. */
export function postgresFailure(error: unknown, what: string, asArgument = false): Error {
  if (error instanceof LarderError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (
    typeof code === "string" &&
    (/^(08|57P)/.test(code) || /^E(CONNREFUSED|CONNRESET|NOTFOUND|TIMEDOUT)$/.test(code))
  ) {
    return new UnavailableError("The PostgreSQL offline store cannot be reached; check offline_store host and port", {
      cause: error,
    });
  }
  const text = `Reading ${what} failed: ${message.split("\n")[0] ?? ""}`;
  return asArgument
    ? new InvalidArgumentError(text, { cause: error })
    : new FailedPreconditionError(text, { cause: error });
}

/** Converts a batch value to a query parameter for a column of `sqlType`: epoch ms to ISO text for time columns. */
export function toParam(value: unknown, sqlType: string): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item: unknown) => toParam(item, sqlType.replace(/\[\]$/, "")));
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === "number" && /^(timestamp|date)/.test(sqlType)) return new Date(value).toISOString();
  return value;
}
