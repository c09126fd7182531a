import { quotedIdentifier as q, type DuckDBConnection } from "@duckdb/node-api";
import { InvalidArgumentError } from "@larder/core";
import { checkBatchShape } from "./column-batch.js";
import { describeRelation, duckDbFailure, duckDbTypeOf, loadBatch } from "./duckdb-connection.js";
import { readSql } from "./duckdb-source.js";
import { checkEntityColumns, entityTypes } from "./entity-columns.js";
import type { EntitySource, HistoricalRead } from "./offline-store.js";

/** The temporary table holding the entity rows; its rowid keeps their original order. */
export const ENTITY_TABLE = "__larder_entity";

/** Loads the entity table (rows or a Parquet/CSV file) into a temporary table; returns its columns in order. */
export async function loadEntities(
  connection: DuckDBConnection,
  entities: EntitySource,
  reads: readonly HistoricalRead[],
  resolvePath: (path: string) => string,
): Promise<string[]> {
  switch (entities.kind) {
    case "rows": {
      checkBatchShape(entities.batch, "Entity");
      checkEntityColumns([...entities.batch.columns.keys()], reads);
      await loadBatch(
        connection,
        ENTITY_TABLE,
        entities.batch,
        entityTypes(entities.batch.columns, reads, duckDbTypeOf),
      );
      break;
    }
    case "file": {
      const path = resolvePath(entities.path);
      const format = /\.(csv|tsv)(\.gz)?$/i.test(path) ? "csv" : "parquet";
      await connection
        .run(`CREATE OR REPLACE TEMP TABLE ${q(ENTITY_TABLE)} AS SELECT * FROM ${readSql(path, format)}`)
        .catch((error: unknown) => {
          throw new InvalidArgumentError(
            `Entity file ${entities.path} cannot be read: ${duckDbFailure(error, "it").message}`,
          );
        });
      break;
    }
    case "sql":
      throw new InvalidArgumentError(
        "The file offline store takes the entity table as rows or a Parquet/CSV file, not a SQL query; SQL needs offline_store type postgres",
      );
  }
  const columns = [...(await describeRelation(connection, q(ENTITY_TABLE), "the entity table")).keys()];
  checkEntityColumns(columns, reads);
  return columns;
}
