import { InvalidArgumentError } from "@larder/core";
import type pg from "pg";
import { checkBatchShape } from "./column-batch.js";
import { checkEntityColumns, entityTypes } from "./entity-columns.js";
import type { ColumnBatch, EntitySource, HistoricalRead } from "./offline-store.js";
import { quote as q } from "./postgres-connection.js";
import { postgresFailure, toParam } from "./postgres-cursor.js";
import { postgresTypeOf } from "./postgres-queries.js";
import { ROW_ID } from "./source-projection.js";

/** The temporary entity table; it lives until the streaming transaction commits. */
export const ENTITY_TABLE = "pg_temp.__larder_entity";

/** PostgreSQL allows 65,535 parameters per statement; stay well under it. */
const MAX_PARAMS = 30_000;

/** A query sent over the extended protocol (pg's `queryMode`, missing from @types/pg), which runs one statement only. */
function singleStatement(text: string): pg.QueryConfig {
  const config: pg.QueryConfig & { queryMode: "extended" } = { text, queryMode: "extended" };
  return config;
}

/** Loads the entity table (rows or a SQL query) into a temporary table with a row id; returns its columns in order. */
export async function loadEntities(
  client: pg.PoolClient,
  entities: EntitySource,
  reads: readonly HistoricalRead[],
): Promise<string[]> {
  switch (entities.kind) {
    case "rows":
      await insertRows(client, entities.batch, reads);
      break;
    case "sql":
      // row_number() over the query's own output order keeps an ORDER BY in the query.
      // The extended protocol takes exactly one statement, so a query cannot close the subquery and
      // append statements of its own ("SELECT 1) q; DROP TABLE …"); a data-modifying WITH is refused by
      // PostgreSQL inside a subquery. What the query may read is what the store's database role may read.
      await client
        .query(
          singleStatement(
            `CREATE TEMP TABLE __larder_entity ON COMMIT DROP AS SELECT row_number() OVER () AS ${ROW_ID}, q.* FROM (${entities.query}) AS q`,
          ),
        )
        .catch((error: unknown) => {
          throw postgresFailure(error, "the entity query", true);
        });
      break;
    case "file":
      throw new InvalidArgumentError(
        "The postgres offline store takes the entity table as rows or a SQL query, not a file; load the file into a table and pass a query",
      );
  }
  // Temporary tables are never analyzed automatically; without statistics the planner guesses their size.
  await client.query(`ANALYZE ${ENTITY_TABLE}`);
  const probe = await client.query(`SELECT * FROM ${ENTITY_TABLE} LIMIT 0`);
  const columns = probe.fields.map((field) => field.name).filter((name) => name !== ROW_ID);
  checkEntityColumns(columns, reads);
  return columns;
}

async function insertRows(client: pg.PoolClient, batch: ColumnBatch, reads: readonly HistoricalRead[]): Promise<void> {
  checkBatchShape(batch, "Entity");
  checkEntityColumns([...batch.columns.keys()], reads);
  const types = entityTypes(batch.columns, reads, postgresTypeOf);
  const names = [...batch.columns.keys()];
  const definition = [`${ROW_ID} bigint`, ...names.map((name) => `${q(name)} ${types.get(name) ?? "text"}`)];
  await client.query(`CREATE TEMP TABLE __larder_entity (${definition.join(", ")}) ON COMMIT DROP`);
  const columns = names.map((name) => batch.columns.get(name) ?? []);
  const casts = names.map((name) => types.get(name) ?? "text");
  const perInsert = Math.max(1, Math.floor(MAX_PARAMS / (names.length + 1)));
  for (let start = 0; start < batch.rowCount; start += perInsert) {
    const end = Math.min(batch.rowCount, start + perInsert);
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (let row = start; row < end; row++) {
      params.push(row);
      const cells = [`$${params.length}::bigint`];
      columns.forEach((values, index) => {
        const cast = casts[index] ?? "text";
        params.push(toParam(values[row], cast));
        cells.push(`$${params.length}::${cast}`);
      });
      tuples.push(`(${cells.join(", ")})`);
    }
    await client.query(`INSERT INTO __larder_entity VALUES ${tuples.join(", ")}`, params).catch((error: unknown) => {
      throw postgresFailure(error, "the entity rows", true);
    });
  }
}
