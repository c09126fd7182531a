import { isAbsolute, resolve } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { checkBatchRows } from "./column-batch.js";
import { checkBucket } from "./entity-bucket.js";
import { appendToFileSource } from "./duckdb-append.js";
import { describeRelation, openConnection, streamQuery } from "./duckdb-connection.js";
import { ENTITY_TABLE, loadEntities } from "./duckdb-entities.js";
import { historicalSql, pullLatestSql } from "./duckdb-queries.js";
import { locateFileSource, scanSql } from "./duckdb-source.js";
import type { OfflineStore, OfflineView } from "./offline-store.js";
import { checkRead, requireTimestampField } from "./source-projection.js";
import { checkSourceColumns, checkSourceKind } from "./validate-source.js";

export interface DuckDbOfflineStoreOptions {
  /** Directory that relative source and entity paths resolve against. */
  readonly repoPath: string;
}

/** Creates the `file` offline store: Parquet/CSV sources queried in process by DuckDB (Feast `file`/`dask`/`duckdb`). */
export function createDuckDbOfflineStore(options: DuckDbOfflineStoreOptions): OfflineStore {
  let instance: Promise<DuckDBInstance> | undefined;
  const resolvePath = (path: string): string => (isAbsolute(path) ? path : resolve(options.repoPath, path));

  async function withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    instance ??= DuckDBInstance.create(":memory:");
    const connection = await openConnection(await instance);
    try {
      return await work(connection);
    } finally {
      connection.closeSync();
    }
  }

  async function scanOf(view: OfflineView): Promise<string> {
    checkSourceKind(view, "file");
    return scanSql(await locateFileSource(view.source, options.repoPath), view.source.name);
  }

  return {
    async *pullLatest(view, window, pullOptions = {}) {
      const batchRows = checkBatchRows(pullOptions.batchRows);
      const bucket = checkBucket(pullOptions.bucket);
      const now = pullOptions.disableEventTimestamp === true ? Date.now() : undefined;
      if (now === undefined) requireTimestampField(view);
      const scan = await scanOf(view);
      instance ??= DuckDBInstance.create(":memory:");
      const connection = await openConnection(await instance);
      try {
        yield* streamQuery(
          connection,
          pullLatestSql(view, scan, window, now, bucket),
          batchRows,
          `feature view "${view.name}"`,
        );
      } finally {
        connection.closeSync();
      }
    },

    async *historical(entities, reads, historicalOptions = {}) {
      const batchRows = checkBatchRows(historicalOptions.batchRows);
      reads.forEach(checkRead);
      const scanned = [];
      for (const read of reads.filter((candidate) => candidate.features.length > 0)) {
        requireTimestampField(read.view);
        scanned.push({ read, scan: await scanOf(read.view) });
      }
      instance ??= DuckDBInstance.create(":memory:");
      const connection = await openConnection(await instance);
      try {
        const columns = await loadEntities(connection, entities, reads, resolvePath);
        yield* streamQuery(connection, historicalSql(ENTITY_TABLE, columns, scanned), batchRows, "historical features");
      } finally {
        connection.closeSync();
      }
    },

    async validateSource(view) {
      const scan = await scanOf(view);
      const columns = await withConnection((connection) =>
        describeRelation(connection, scan, `data source "${view.source.name}"`),
      );
      checkSourceColumns(view, new Map([...columns].map(([name, column]) => [name, column.kind])));
    },

    async append(source, batch) {
      return withConnection((connection) => appendToFileSource(connection, source, batch, options.repoPath));
    },

    async close() {
      const open = instance;
      instance = undefined;
      if (open !== undefined) (await open).closeSync();
    },
  };
}
