import { FailedPreconditionError, InvalidArgumentError } from "@larder/core";
import type { DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import type { HistoricalRead, OfflineView } from "./offline-store.js";

/** Internal column names; the `__larder_` prefix keeps them apart from user columns. */
export const TS = "__larder_ts";
export const CREATED = "__larder_created";
export const ROW_ID = "__larder_rid";
export const ENTITY_TS = "__larder_ets";

/** The SQL pieces a dialect supplies: identifier quoting and a cast of any time column to a UTC instant. */
export interface SqlDialect {
  readonly quote: (identifier: string) => string;
  readonly instant: (expression: string) => string;
}

/** One read with the relation its view's source is scanned from. */
export interface ScannedRead {
  readonly read: HistoricalRead;
  readonly scan: string;
}

/** The source column behind an output name: the inverse of field_mapping (source column → feature name). */
export function sourceColumnOf(source: DataSource, name: string): string {
  for (const [column, mapped] of Object.entries(source.fieldMapping)) if (mapped === name) return column;
  return name;
}

/** Names every column a read needs from the source: output name → source column. */
export function neededColumns(view: OfflineView, features: readonly string[]): Map<string, string> {
  const columns = new Map<string, string>();
  for (const key of view.joinKeys) columns.set(key.name, sourceColumnOf(view.source, key.name));
  for (const feature of features) columns.set(feature, sourceColumnOf(view.source, feature));
  return columns;
}

/** Throws unless the view's source names an event-timestamp column. */
export function requireTimestampField(view: OfflineView): string {
  if (view.source.timestampField === "") {
    throw new FailedPreconditionError(
      `Data source "${view.source.name}" of feature view "${view.name}" has no timestamp_field; set timestamp_field to its event-time column`,
    );
  }
  return view.source.timestampField;
}

/**
 * The select list that turns a raw source row into the normalized shape every query uses:
 * `__larder_ts`, `__larder_created` (null without a created column), join keys and features under their feature names.
 */
export function projectionSql(view: OfflineView, features: readonly string[], dialect: SqlDialect): string {
  const { quote, instant } = dialect;
  const ts = view.source.timestampField === "" ? "NULL" : quote(view.source.timestampField);
  const created = view.source.createdTimestampColumn;
  const parts = [`${instant(ts)} AS ${TS}`, `${instant(created === "" ? "NULL" : quote(created))} AS ${CREATED}`];
  for (const [name, column] of neededColumns(view, features)) parts.push(`${quote(column)} AS ${quote(name)}`);
  return parts.join(", ");
}

/** Equality of the view's join keys with the entity table's columns (through join_key_map). */
export function joinKeyConditions(
  view: OfflineView,
  joinKeyMap: Readonly<Record<string, string>>,
  entityAlias: string,
  sourceAlias: string,
  quote: (identifier: string) => string,
): string[] {
  return view.joinKeys.map(
    (key) => `${entityAlias}.${quote(joinKeyMap[key.name] ?? key.name)} = ${sourceAlias}.${quote(key.name)}`,
  );
}

/** Throws when a historical read is malformed: features and output names must pair up. */
export function checkRead(read: {
  view: OfflineView;
  features: readonly string[];
  outputNames: readonly string[];
}): void {
  if (read.features.length !== read.outputNames.length) {
    throw new InvalidArgumentError(
      `Read of feature view "${read.view.name}" names ${read.features.length} features but ${read.outputNames.length} output columns; give one output name per feature`,
    );
  }
}
