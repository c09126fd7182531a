import { create } from "@bufbuild/protobuf";
import type { DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import type { Entity } from "@larder/gen/es/larder/core/v1/entity_pb";
import { FeatureSpecSchema, type FeatureSpec } from "@larder/gen/es/larder/core/v1/feature_pb";
import { FeatureViewSchema, type FeatureView } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import type { OnDemandFeatureView } from "@larder/gen/es/larder/core/v1/on_demand_feature_view_pb";
import { StreamFeatureViewSchema, type StreamFeatureView } from "@larder/gen/es/larder/core/v1/stream_feature_view_pb";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import type { DisabledOnDemandView } from "./import-model.js";
import type { SourceMapper } from "./map-sources.js";
import { decodeLegacyUdf, rawUnknown } from "./read-feast-registry.js";
import { reportUnknownFields, type Warn } from "./warn.js";

/** Feast's placeholder entity of entity-less views; Larder has entity-less views instead. */
export const DUMMY_ENTITY = "__dummy";
const DUMMY_JOIN_KEY = "__dummy_id";
const EMBEDDED_SOURCES = /(batch_source|stream_source)/;

function features(list: readonly FeatureSpec[], label: string, warn: Warn): FeatureSpec[] {
  const out: FeatureSpec[] = [];
  for (const field of list) {
    if (field.vectorIndex || field.vectorLength !== 0 || field.vectorSearchMetric !== "") {
      warn(label, `feature "${field.name}": vector index settings not imported`);
    }
    if (field.valueType === ValueType.UNSPECIFIED || ValueType[field.valueType] === undefined) {
      warn(label, `feature "${field.name}" not imported: value type ${field.valueType} is unknown to Larder`);
      continue;
    }
    out.push(
      create(FeatureSpecSchema, {
        name: field.name,
        valueType: field.valueType,
        description: field.description,
        tags: { ...field.tags },
      }),
    );
  }
  return out;
}

/** Entity names without Feast's dummy, and the entity columns Larder derives (checked against Feast's). */
function keyColumns(
  names: readonly string[],
  columns: readonly FeatureSpec[],
  entities: ReadonlyMap<string, Entity>,
  label: string,
  warn: Warn,
): { entities: string[]; entityColumns: FeatureSpec[] } | undefined {
  const kept = names.filter((name) => name !== DUMMY_ENTITY);
  const missing = kept.filter((name) => !entities.has(name));
  if (missing.length > 0) {
    warn(label, `not imported: unknown entit${missing.length > 1 ? "ies" : "y"} ${missing.join(", ")}`);
    return undefined;
  }
  const entityColumns = kept.map((name) => {
    const spec = entities.get(name)?.spec;
    const joinKey = spec?.joinKey ?? name;
    const declared = columns.find((column) => column.name === joinKey);
    if (
      declared !== undefined &&
      declared.valueType !== spec?.valueType &&
      declared.valueType !== ValueType.UNSPECIFIED
    ) {
      warn(
        label,
        `entity column "${joinKey}" is ${ValueType[declared.valueType]} but entity "${name}" is ` +
          `${ValueType[spec?.valueType ?? 0]}; the entity's type is used`,
      );
    }
    return create(FeatureSpecSchema, {
      name: joinKey,
      valueType: spec?.valueType ?? ValueType.STRING,
      description: declared?.description ?? "",
      tags: { ...declared?.tags },
    });
  });
  const extra = columns.filter(
    (column) => column.name !== DUMMY_JOIN_KEY && !entityColumns.some((c) => c.name === column.name),
  );
  for (const column of extra) warn(label, `entity column "${column.name}" matches no entity; not imported`);
  return { entities: kept, entityColumns };
}

/** Maps a Feast FeatureView; undefined (warned) when its batch source or entities cannot be imported. */
export function mapFeatureView(
  view: FeatureView,
  project: string,
  entities: ReadonlyMap<string, Entity>,
  sources: SourceMapper,
  warn: Warn,
): FeatureView | undefined {
  const spec = view.spec;
  if (spec === undefined) return undefined;
  const label = `feature view "${spec.name}"`;
  const batch = spec.batchSource === undefined ? undefined : sources.map(spec.batchSource);
  if (batch === undefined || batch.options.case === "pushOptions" || batch.options.case === "requestDataOptions") {
    warn(label, "not imported: its batch source cannot be imported");
    return undefined;
  }
  let stream: DataSource | undefined;
  if (spec.streamSource !== undefined) {
    stream = sources.map(spec.streamSource);
    if (stream?.options.case !== "pushOptions") {
      warn(label, `stream source "${spec.streamSource.name}" not imported; the view reads its batch source only`);
      stream = undefined;
    }
  }
  const keys = keyColumns(spec.entities, spec.entityColumns, entities, label, warn);
  if (keys === undefined) return undefined;
  if (spec.mode !== "") warn(label, `mode ${JSON.stringify(spec.mode)} not imported`);
  reportUnknownFields(warn, label, FeatureViewSchema, view, new Set(), EMBEDDED_SOURCES);
  return create(FeatureViewSchema, {
    spec: {
      name: spec.name,
      project,
      entities: keys.entities,
      entityColumns: keys.entityColumns,
      features: features(spec.features, label, warn),
      tags: { ...spec.tags },
      ...(spec.ttl !== undefined && { ttl: spec.ttl }),
      batchSource: stream?.batchSource ?? batch,
      ...(stream !== undefined && { streamSource: stream }),
      online: spec.online,
      offline: spec.offline,
      description: spec.description,
      owner: spec.owner,
    },
  });
}

/** Maps a Feast StreamFeatureView; Larder's need a PushSource as their stream. */
export function mapStreamFeatureView(
  view: StreamFeatureView,
  project: string,
  entities: ReadonlyMap<string, Entity>,
  sources: SourceMapper,
  warn: Warn,
): StreamFeatureView | undefined {
  const spec = view.spec;
  if (spec === undefined) return undefined;
  const label = `stream feature view "${spec.name}"`;
  const stream = spec.streamSource === undefined ? undefined : sources.map(spec.streamSource);
  if (stream?.options.case !== "pushOptions" || stream.batchSource === undefined) {
    warn(label, "not imported: Larder's stream feature views need a PushSource as their stream source");
    return undefined;
  }
  if (spec.batchSource !== undefined && spec.batchSource.name !== stream.batchSource.name) {
    warn(label, `batch source "${spec.batchSource.name}" replaced by the push source's "${stream.batchSource.name}"`);
  }
  const keys = keyColumns(spec.entities, spec.entityColumns, entities, label, warn);
  if (keys === undefined) return undefined;
  const hasUdf = spec.featureTransformation !== undefined || rawUnknown(spec, 13).length > 0;
  if (hasUdf) warn(label, "its Python UDF cannot run in Larder and was not imported; rows are stored as pushed");
  else if (spec.mode !== "") warn(label, `mode ${JSON.stringify(spec.mode)} not imported`);
  reportUnknownFields(
    warn,
    label,
    StreamFeatureViewSchema,
    view,
    new Set(["larder.core.v1.StreamFeatureViewSpec:13"]),
    EMBEDDED_SOURCES,
  );
  return create(StreamFeatureViewSchema, {
    spec: {
      name: spec.name,
      project,
      entities: keys.entities,
      entityColumns: keys.entityColumns,
      features: features(spec.features, label, warn),
      description: spec.description,
      tags: { ...spec.tags },
      owner: spec.owner,
      ...(spec.ttl !== undefined && { ttl: spec.ttl }),
      batchSource: stream.batchSource,
      streamSource: stream,
      online: spec.online,
      aggregations: spec.aggregations.map((aggregation) => ({
        column: aggregation.column,
        function: aggregation.function,
        name: aggregation.name,
        ...(aggregation.timeWindow !== undefined && { timeWindow: aggregation.timeWindow }),
        ...(aggregation.slideInterval !== undefined && { slideInterval: aggregation.slideInterval }),
      })),
      timestampField: spec.timestampField === "" ? stream.batchSource.timestampField : spec.timestampField,
    },
  });
}

/** Keeps an on-demand view for reference with its UDF source text; it is never applied. */
export function disableOnDemandView(view: OnDemandFeatureView, warn: Warn): DisabledOnDemandView | undefined {
  const spec = view.spec;
  if (spec === undefined) return undefined;
  const label = `on-demand feature view "${spec.name}"`;
  let sourceText: string | undefined;
  let mode = spec.mode;
  const transformation = spec.featureTransformation?.transformation;
  if (transformation?.case === "userDefinedFunction") {
    sourceText = transformation.value.bodyText;
    mode = transformation.value.mode || mode;
  } else if (spec.featureTransformation !== undefined && rawUnknown(spec.featureTransformation, 2).length > 0) {
    mode = "substrait";
  } else {
    const legacy = rawUnknown(spec, 5)[0];
    if (legacy !== undefined) sourceText = decodeLegacyUdf(legacy)?.bodyText;
  }
  if (sourceText === "") sourceText = undefined;
  const kept =
    sourceText === undefined ? "the registry holds no source text for it" : "its source is kept as a comment";
  warn(
    label,
    `imported disabled: its ${mode === "" ? "Python" : mode} UDF cannot run in Larder; ${kept} in ` +
      `on_demand_feature_views.ts; port the transform to TypeScript to enable it`,
  );
  return { view, sourceText, mode: mode === "" ? "pandas" : mode };
}
