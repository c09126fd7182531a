import { createHash } from "node:crypto";
import { InvalidArgumentError } from "@larder/core";
import type { ColumnBatch } from "./offline-store.js";

/** Default rows per streamed batch when a caller gives none. @default 10000 */
export const DEFAULT_BATCH_ROWS = 10_000;

/** Returns `batchRows` checked to be a positive integer, or the default. */
export function checkBatchRows(batchRows: number | undefined): number {
  if (batchRows === undefined) return DEFAULT_BATCH_ROWS;
  if (!Number.isInteger(batchRows) || batchRows < 1) {
    throw new InvalidArgumentError(`batchRows must be a positive integer, got ${batchRows}`);
  }
  return batchRows;
}

/** Regroups column chunks of any size into batches of exactly `batchRows` rows (the last may be shorter). */
export class BatchBuilder {
  private pending: unknown[][];
  private pendingRows = 0;

  constructor(
    private readonly names: readonly string[],
    private readonly batchRows: number,
  ) {
    this.pending = names.map(() => []);
  }

  /** Adds a chunk (one array per column, in `names` order) and returns the batches now complete. */
  push(columns: readonly (readonly unknown[])[], rowCount: number): ColumnBatch[] {
    columns.forEach((values, index) => {
      const target = this.pending[index];
      if (target !== undefined) for (const value of values) target.push(value);
    });
    this.pendingRows += rowCount;
    const ready: ColumnBatch[] = [];
    while (this.pendingRows >= this.batchRows) ready.push(this.take(this.batchRows));
    return ready;
  }

  /** Returns what remains as a last, shorter batch, or nothing. */
  flush(): ColumnBatch[] {
    return this.pendingRows > 0 ? [this.take(this.pendingRows)] : [];
  }

  private take(rows: number): ColumnBatch {
    const columns = new Map<string, unknown[]>();
    this.names.forEach((name, index) => {
      const values = this.pending[index] ?? [];
      columns.set(name, values.slice(0, rows));
      this.pending[index] = values.slice(rows);
    });
    this.pendingRows -= rows;
    return { rowCount: rows, columns };
  }
}

/** Throws unless every column of the batch holds exactly `rowCount` values. */
export function checkBatchShape(batch: ColumnBatch, what: string): void {
  for (const [name, values] of batch.columns) {
    if (values.length !== batch.rowCount) {
      throw new InvalidArgumentError(
        `${what} column "${name}" has ${values.length} values but rowCount is ${batch.rowCount}; give every column one value per row`,
      );
    }
  }
}

/** A stable digest of a batch's content, so a retried append of the same rows is recognised. */
export function batchDigest(batch: ColumnBatch): string {
  const hash = createHash("sha256");
  for (const name of [...batch.columns.keys()].sort()) {
    hash.update(`${JSON.stringify(name)}:`);
    hash.update(JSON.stringify(batch.columns.get(name), canonicalValue));
    hash.update("\n");
  }
  return hash.digest("hex");
}

function canonicalValue(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Uint8Array) return `b:${Buffer.from(value).toString("base64")}`;
  return value;
}

/** Converts a value read back from a database to the batch convention: timestamps as epoch milliseconds. */
export function plainValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value)) return value.map(plainValue);
  return value;
}
