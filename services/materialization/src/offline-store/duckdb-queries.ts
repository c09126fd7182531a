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

/** 2^64: shifts an event time above a created time in the one HUGEINT the ASOF join orders by. */
const CREATED_SPAN = "18446744073709551616";
/** 2^63: moves epoch microseconds (signed BIGINT) into 0..2^64-1 so a created time fits under CREATED_SPAN. */
const CREATED_OFFSET = "9223372036854775808";

/**
 * The ordering an ASOF match maximises for a view with a created column: (event time, created time) as
 * one HUGEINT, null created lowest. The entity side puts the largest created part under its time, so
 * `entity >= source` holds exactly when the source event time is <= the entity time.
 */
const sourceOrder = `epoch_us(${TS})::HUGEINT * ${CREATED_SPAN} + COALESCE(epoch_us(${CREATED})::HUGEINT + ${CREATED_OFFSET}, 0)`;
const entityOrder = (column: string): string =>
  `epoch_us(${column})::HUGEINT * ${CREATED_SPAN} + (${CREATED_SPAN} - 1)`;
const ENTITY_ORDER = "__larder_eord";
const SOURCE_ORDER = "__larder_sord";

/**
 * The point-in-time join (Feast §5a) as one DuckDB query: the entity table ASOF LEFT JOINed with every
 * read in one pass, in entity row order. An ASOF match is the newest source row whose event time is
 * <= the entity time, so a value older than entity_ts - ttl is nulled after the join (nothing inside
 * the ttl was skipped). The created-time tiebreak needs no deduplication pass (a window over every
 * source row cost more than the join): when the source has a created column the join orders by
 * (event time, created time) packed in one HUGEINT; without one, rows tied on event time are
 * interchangeable as in Feast. Source rows outside [min entity_ts - ttl, max entity_ts] are skipped.
 */
export function historicalSql(entityTable: string, entityColumns: readonly string[], reads: readonly ScannedRead[]) {
  const created = reads.some(({ read }) => read.view.source.createdTimestampColumn !== "");
  const entityTs = `CAST("event_timestamp" AS TIMESTAMPTZ)`;
  const order = created ? `, ${entityOrder(entityTs)} AS ${ENTITY_ORDER}` : "";
  const ctes = [`ent AS (SELECT rowid AS ${ROW_ID}, ${entityTs} AS ${ENTITY_TS}${order}, * FROM ${q(entityTable)})`];
  const outputs: string[] = [];
  const joins: string[] = [];
  reads.forEach(({ read, scan }, index) => {
    const { view } = read;
    const ttl = view.ttlSeconds > 0 ? `to_seconds(${Math.trunc(view.ttlSeconds)}::BIGINT)` : undefined;
    const lowest = ttl === undefined ? "" : ` AND ${TS} >= (SELECT min(${ENTITY_TS}) FROM ent) - ${ttl}`;
    const tiebreak = view.source.createdTimestampColumn !== "";
    const d = `d${index}`;
    ctes.push(
      `s${index} AS (SELECT ${projectionSql(view, read.features, DUCKDB_DIALECT)} FROM ${scan})`,
      `${d} AS (SELECT *${tiebreak ? `, ${sourceOrder} AS ${SOURCE_ORDER}` : ""} FROM s${index}` +
        ` WHERE ${TS} <= (SELECT max(${ENTITY_TS}) FROM ent)${lowest})`,
    );
    // An entity row without a time matches nothing (DuckDB's ASOF join matched one to a key's rows).
    const inside =
      ttl === undefined
        ? `${d}.${TS} IS NOT NULL AND e.${ENTITY_TS} IS NOT NULL`
        : `${d}.${TS} >= e.${ENTITY_TS} - ${ttl}`;
    const asOf = tiebreak ? `e.${ENTITY_ORDER} >= ${d}.${SOURCE_ORDER}` : `e.${ENTITY_TS} >= ${d}.${TS}`;
    const on = [...joinKeyConditions(view, read.joinKeyMap, "e", d, q), asOf].join(" AND ");
    joins.push(`ASOF LEFT JOIN ${d} ON ${on}`);
    read.features.forEach((feature, j) =>
      outputs.push(`CASE WHEN ${inside} THEN ${d}.${q(feature)} END AS ${q(read.outputNames[j] ?? feature)}`),
    );
  });
  return [
    `WITH ${ctes.join(",\n")}`,
    `SELECT ${[...entityColumns.map((column) => `e.${q(column)}`), ...outputs].join(", ")}`,
    `FROM ent AS e ${joins.join("\n")}`,
    `ORDER BY e.${ROW_ID}`,
  ].join("\n");
}
