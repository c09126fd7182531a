import { FailedPreconditionError } from "@larder/core";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { describeKind, kindAccepts, type ColumnKind } from "./column-types.js";
import type { OfflineView } from "./offline-store.js";
import { sourceColumnOf } from "./source-projection.js";

/** The two built-in offline stores; Feast allows one active offline store per repository. */
export type StoreKind = "file" | "postgres";

/** Throws unless the view's source is of the kind the active store reads. */
export function checkSourceKind(view: OfflineView, active: StoreKind): void {
  const options = view.source.options.case;
  const wanted = active === "file" ? "fileOptions" : "postgresOptions";
  if (options === wanted) return;
  const has =
    options === "fileOptions"
      ? "a file source"
      : options === "postgresOptions"
        ? "a PostgreSQL source"
        : `a source of type ${options ?? "unset"}`;
  const store = active === "file" ? "file (DuckDB over Parquet/CSV files)" : "postgres";
  const fix = active === "file" ? "a FileSource" : "a PostgreSQLSource";
  throw new FailedPreconditionError(
    `Data source "${view.source.name}" of feature view "${view.name}" is ${has}, but the active offline store is ${store}; ` +
      `a repository has one offline store, so use ${fix} or change offline_store.type`,
  );
}

/** Checks the source's columns (name → kind) against the view: timestamps, join keys and features with usable types. */
export function checkSourceColumns(view: OfflineView, columns: ReadonlyMap<string, ColumnKind>): void {
  const problems: string[] = [];
  const requireColumn = (column: string, type: ValueType, role: string): void => {
    const kind = columns.get(column);
    if (kind === undefined) problems.push(`${role} column "${column}" is missing`);
    else if (!kindAccepts(type, kind)) {
      problems.push(`${role} column "${column}" holds ${describeKind(kind)}, which cannot carry ${ValueType[type]}`);
    }
  };
  if (view.source.timestampField === "") problems.push("timestamp_field is not set");
  else requireColumn(view.source.timestampField, ValueType.UNIX_TIMESTAMP, "timestamp_field");
  if (view.source.createdTimestampColumn !== "") {
    requireColumn(view.source.createdTimestampColumn, ValueType.UNIX_TIMESTAMP, "created_timestamp_column");
  }
  for (const key of view.joinKeys) requireColumn(sourceColumnOf(view.source, key.name), key.type, "join key");
  for (const feature of view.features) {
    requireColumn(sourceColumnOf(view.source, feature.name), feature.type, `feature "${feature.name}"`);
  }
  if (problems.length > 0) {
    throw new FailedPreconditionError(
      `Data source "${view.source.name}" of feature view "${view.name}" cannot be read: ${problems.join("; ")}`,
    );
  }
}
