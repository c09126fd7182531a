import { quotedIdentifier as q } from "@duckdb/node-api";
import { bucketCondition } from "./entity-bucket.js";
import type { EntityBucket, OfflineView, TimeWindow } from "./offline-store.js";
import {
  CREATED,
  ENTITY_TS,
  ROW_ID,
  TS,
  joinKeyConditions,
  projectionSql,
  type ScannedRead,
  type SqlDialect,
} from "./source-projection.js";

/** DuckDB's spelling of the shared SQL pieces; every time column becomes TIMESTAMPTZ (session zone UTC). */
export const DUCKDB_DIALECT: SqlDialect = { quote: q, instant: (expression) => `CAST(${expression} AS TIMESTAMPTZ)` };

/** A TIMESTAMPTZ literal for epoch milliseconds. */
export function instantSql(ms: number): string {
  return `CAST(epoch_ms(${Math.trunc(ms)}::BIGINT) AS TIMESTAMPTZ)`;
}

/**
 * Latest row per join-key tuple (Feast's pull_latest_from_table_or_query): event time in the inclusive
 * window, newest event time first, then newest created time. With `nowMs` (disable_event_timestamp) the
 * window is 1970..now and the output event_timestamp is now. With `bucket`, only keys whose `hash(keys) % count`
 * is its index (a key never spans buckets, so the buckets together give the unbucketed result).
 */
export function pullLatestSql(
  view: OfflineView,
  scan: string,
  window: TimeWindow,
  nowMs?: number,
  bucket?: EntityBucket,
): string {
  const features = view.features.map((feature) => feature.name);
  const columns = [...view.joinKeys.map((key) => key.name), ...features].map(q);
  const hasTs = view.source.timestampField !== "";
  const [start, end] = nowMs === undefined ? [window.startMs, window.endMs] : [0, nowMs];
  const inBucket = bucketCondition(view, bucket, q, (keys) => `hash(${keys.join(", ")})`);
  const conditions = [
    ...(hasTs ? [`${TS} BETWEEN ${instantSql(start)} AND ${instantSql(end)}`] : []),
    ...(inBucket === undefined ? [] : [inBucket]),
  ];
  const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
  const partition =
    view.joinKeys.length > 0 ? `PARTITION BY ${view.joinKeys.map((key) => q(key.name)).join(", ")}` : "";
  const eventTs = nowMs === undefined ? TS : instantSql(nowMs);
  return [
    `SELECT ${[...columns, `${eventTs} AS event_timestamp`, `${CREATED} AS created_timestamp`].join(", ")}`,
    `FROM (SELECT ${projectionSql(view, features, DUCKDB_DIALECT)} FROM ${scan}) AS s`,
    where,
    `QUALIFY row_number() OVER (${partition} ORDER BY ${TS} DESC NULLS LAST, ${CREATED} DESC NULLS LAST) = 1`,
  ].join("\n");
}

/**
 * The point-in-time join (Feast §5a) as one DuckDB query. Per read: keep one source row per
 * (join keys, event time), the newest created; ASOF LEFT JOIN picks the newest event time <= the
 * entity time; a value older than entity_ts - ttl is nulled (the ASOF match is the newest candidate,
 * so nothing inside the ttl was skipped). Entity rows join back by row id, in their original order.
 */
export function historicalSql(entityTable: string, entityColumns: readonly string[], reads: readonly ScannedRead[]) {
  const ctes = [
    `ent AS (SELECT rowid AS ${ROW_ID}, CAST("event_timestamp" AS TIMESTAMPTZ) AS ${ENTITY_TS}, * FROM ${q(entityTable)})`,
  ];
  const outputs: string[] = [];
  const joins: string[] = [];
  reads.forEach(({ read, scan }, index) => {
    const { view } = read;
    const ttl = view.ttlSeconds > 0 ? `to_seconds(${Math.trunc(view.ttlSeconds)}::BIGINT)` : undefined;
    const keys = view.joinKeys.map((key) => q(key.name));
    const lowest = ttl === undefined ? "" : ` AND ${TS} >= (SELECT min(${ENTITY_TS}) FROM ent) - ${ttl}`;
    ctes.push(
      `s${index} AS (SELECT ${projectionSql(view, read.features, DUCKDB_DIALECT)} FROM ${scan})`,
      `d${index} AS (SELECT * FROM s${index} WHERE ${TS} <= (SELECT max(${ENTITY_TS}) FROM ent)${lowest}` +
        ` QUALIFY row_number() OVER (PARTITION BY ${[...keys, TS].join(", ")} ORDER BY ${CREATED} DESC NULLS LAST) = 1)`,
    );
    const inside = ttl === undefined ? `d.${TS} IS NOT NULL` : `d.${TS} >= e.${ENTITY_TS} - ${ttl}`;
    const values = read.features.map((feature, j) => `CASE WHEN ${inside} THEN d.${q(feature)} END AS o${index}_${j}`);
    const on = [...joinKeyConditions(view, read.joinKeyMap, "e", "d", q), `e.${ENTITY_TS} >= d.${TS}`].join(" AND ");
    ctes.push(
      `r${index} AS (SELECT e.${ROW_ID}, ${values.join(", ")} FROM ent AS e ASOF LEFT JOIN d${index} AS d ON ${on})`,
    );
    read.outputNames.forEach((name, j) => outputs.push(`r${index}.o${index}_${j} AS ${q(name)}`));
    joins.push(`LEFT JOIN r${index} ON r${index}.${ROW_ID} = e.${ROW_ID}`);
  });
  return [
    `WITH ${ctes.join(",\n")}`,
    `SELECT ${[...entityColumns.map((column) => `e.${q(column)}`), ...outputs].join(", ")}`,
    `FROM ent AS e ${joins.join(" ")}`,
    `ORDER BY e.${ROW_ID}`,
  ].join("\n");
}
