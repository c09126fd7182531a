import { readdir, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { FailedPreconditionError } from "@larder/core";
import type { DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";

/**
 * Where a file source's rows live. Appends to a file source go to a sibling directory
 * `<path>.larder-appends/`, which every read unions in; appends to a directory source go into the directory;
 * a glob source takes no appends.
 */
export interface FileLocation {
  readonly kind: "file" | "directory" | "glob";
  readonly path: string;
  readonly format: "parquet" | "csv";
  /** Where `append` writes Parquet files; none for a glob, whose matches could include them twice. */
  readonly appendsDir: string | undefined;
}

const APPENDS_SUFFIX = ".larder-appends";

/** Resolves a file source's uri against the repository; throws when it is remote or absent. */
export async function locateFileSource(source: DataSource, repoPath: string): Promise<FileLocation> {
  const uri = source.options.case === "fileOptions" ? source.options.value.uri : "";
  if (uri === "") {
    throw new FailedPreconditionError(`Data source "${source.name}" has no file path; set its path`);
  }
  const plain = uri.startsWith("file://") ? uri.slice("file://".length) : uri;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(plain)) {
    throw new FailedPreconditionError(
      `Data source "${source.name}" is remote (${plain.split("://")[0]}://); the file offline store reads local paths only`,
    );
  }
  const path = isAbsolute(plain) ? plain : resolve(repoPath, plain);
  const format = /\.(csv|tsv)(\.gz)?$/i.test(path) ? "csv" : "parquet";
  if (/[*?[]/.test(path)) return { kind: "glob", path, format, appendsDir: undefined };
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory() === true) return { kind: "directory", path, format: "parquet", appendsDir: path };
  return { kind: "file", path, format, appendsDir: `${path}${APPENDS_SUFFIX}` };
}

/** A relation over every row of the source (the base file(s) plus appended Parquet files). */
export async function scanSql(location: FileLocation, sourceName: string): Promise<string> {
  if (location.kind === "directory") {
    return `read_parquet(${quotedString(join(location.path, "**", "*.parquet"))}, union_by_name = true)`;
  }
  if (location.kind === "file" && (await stat(location.path).catch(() => undefined)) === undefined) {
    throw new FailedPreconditionError(`Data source "${sourceName}" reads ${location.path}, which does not exist`);
  }
  const base = readSql(location.path, location.format);
  if (location.appendsDir === undefined || !(await hasParquetFiles(location.appendsDir))) return base;
  const appended = `read_parquet(${quotedString(join(location.appendsDir, "*.parquet"))})`;
  return `(SELECT * FROM ${base} UNION ALL BY NAME SELECT * FROM ${appended})`;
}

/** A DuckDB table function reading one file or glob of the given format. */
export function readSql(path: string, format: "parquet" | "csv"): string {
  return format === "csv"
    ? `read_csv_auto(${quotedString(path)})`
    : `read_parquet(${quotedString(path)}, union_by_name = true)`;
}

async function hasParquetFiles(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some((name) => name.endsWith(".parquet"));
}
