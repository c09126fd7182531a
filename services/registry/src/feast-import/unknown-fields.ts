import type { DescMessage, Message } from "@bufbuild/protobuf";

/**
 * Feast field names for numbers Larder's messages do not declare (Feast's numbering, read from its
 * protos at v0.66), so warnings can name what was not imported.
 */
const FEAST_FIELD_NAMES: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  "larder.core.v1.Registry": {
    2: "feature_tables (legacy FeatureTable)",
    10: "infra",
    11: "saved_datasets",
    13: "validation_references",
    15: "project_metadata",
    18: "feature_view_version_history",
    19: "label_views",
  },
  "larder.core.v1.FeatureViewSpec": {
    14: "source_views",
    15: "feature_transformation",
    17: "enable_validation",
    18: "version",
    19: "org",
    20: "disabled",
  },
  "larder.core.v1.FeatureViewMeta": { 4: "current_version_number", 5: "version_id", 6: "state" },
  "larder.core.v1.OnDemandFeatureViewSpec": { 5: "user_defined_function", 17: "version", 18: "org", 19: "disabled" },
  "larder.core.v1.OnDemandFeatureViewMeta": { 3: "current_version_number", 4: "version_id", 5: "state" },
  "larder.core.v1.StreamFeatureViewSpec": {
    13: "user_defined_function",
    18: "enable_tiling",
    19: "tiling_hop_size",
    20: "enable_validation",
    21: "version",
    22: "org",
    23: "disabled",
  },
  "larder.core.v1.DataSource": {
    12: "bigquery_options",
    14: "kinesis_options",
    15: "redshift_options",
    19: "snowflake_options",
    27: "spark_options",
    28: "timestamp_field_type",
    29: "connection_ref",
    30: "trino_options",
    35: "athena_options",
  },
  "larder.core.v1.DataSource.RequestDataOptions": { 2: "deprecated_schema" },
  "larder.core.v1.FileFormat": { 2: "delta_format" },
  "larder.core.v1.FeatureServiceSpec": { 8: "precompute_online" },
  "larder.core.v1.LoggingConfig": {
    4: "bigquery_destination",
    5: "redshift_destination",
    6: "snowflake_destination",
    8: "athena_destination",
    9: "couchbase_columnar_destination",
  },
  "larder.core.v1.FeatureViewProjection": { 10: "version_tag", 11: "view_type" },
  "larder.core.v1.FeatureTransformation": { 2: "substrait_transformation" },
};

/** One field present in the Feast bytes that Larder's message does not declare. */
export interface UnknownField {
  /** Dotted path from the walked object, e.g. `spec.batch_source`. */
  readonly path: string;
  /** Feast's field name when known, else `field <n>`. */
  readonly feastName: string;
  readonly typeName: string;
  readonly no: number;
  readonly data: Uint8Array;
}

/** The Feast name of field `no` of a Larder message type, for warnings. */
export function feastFieldName(typeName: string, no: number): string {
  const name = FEAST_FIELD_NAMES[typeName]?.[no];
  return name === undefined ? `field ${no}` : `${name} (field ${no})`;
}

type Walkable = Message & { $unknown?: ReadonlyArray<{ no: number; data: Uint8Array }> };

/** Lists every unknown field in `message` and the messages under it, depth first. */
export function unknownFields(desc: DescMessage, message: Message, path = ""): UnknownField[] {
  const found: UnknownField[] = [];
  const here = message as Walkable;
  const seen = new Set<number>();
  for (const field of here.$unknown ?? []) {
    // A repeated unknown field appears once per element; report it once.
    if (seen.has(field.no)) continue;
    seen.add(field.no);
    found.push({
      path,
      feastName: feastFieldName(desc.typeName, field.no),
      typeName: desc.typeName,
      no: field.no,
      data: field.data,
    });
  }
  const record = message as unknown as Record<string, unknown>;
  for (const field of desc.fields) {
    const childPath = path === "" ? field.name : `${path}.${field.name}`;
    let value: unknown;
    if (field.oneof !== undefined) {
      const oneof = record[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
      if (oneof?.case !== field.localName) continue;
      value = oneof.value;
    } else {
      value = record[field.localName];
    }
    if (value === undefined) continue;
    if (field.fieldKind === "message") {
      found.push(...unknownFields(field.message, value as Message, childPath));
    } else if (field.fieldKind === "list" && field.listKind === "message") {
      (value as Message[]).forEach((item, index) =>
        found.push(...unknownFields(field.message, item, `${childPath}[${index}]`)),
      );
    } else if (field.fieldKind === "map" && field.mapKind === "message") {
      for (const [key, item] of Object.entries(value as Record<string, Message>)) {
        found.push(...unknownFields(field.message, item, `${childPath}[${JSON.stringify(key)}]`));
      }
    }
  }
  return found;
}
