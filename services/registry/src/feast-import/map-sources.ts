import { clone, create, equals } from "@bufbuild/protobuf";
import { FileFormatSchema } from "@larder/gen/es/larder/core/v1/data_format_pb";
import { DataSourceSchema, DataSource_SourceType, type DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import { FeatureSpecSchema } from "@larder/gen/es/larder/core/v1/feature_pb";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { decodeDeprecatedRequestSchema, rawUnknown } from "./read-feast-registry.js";
import { reportUnknownFields, type Warn } from "./warn.js";

const POSTGRES_CLASS = /PostgreSQLSource$/;

/** Two Feast definitions of a source are the same when they differ at most in their metadata. */
function sameDefinition(a: DataSource, b: DataSource): boolean {
  const strip = (source: DataSource): DataSource => {
    const copy = clone(DataSourceSchema, source);
    copy.meta = undefined;
    copy.project = "";
    return copy;
  };
  return equals(DataSourceSchema, strip(a), strip(b));
}

/** The shared fields of a normalised source. */
function base(source: DataSource, project: string) {
  return {
    name: source.name,
    project,
    description: source.description,
    tags: { ...source.tags },
    owner: source.owner,
    fieldMapping: { ...source.fieldMapping },
    timestampField: source.timestampField,
    datePartitionColumn: source.datePartitionColumn,
    createdTimestampColumn: source.createdTimestampColumn,
  };
}

/**
 * Maps Feast data sources to what `@larder/sdk` defines (file, PostgreSQL, push, request), once per
 * name; anything else is listed as not imported, with the reason.
 */
export class SourceMapper {
  private readonly byName = new Map<string, DataSource | null>();
  private readonly originals = new Map<string, DataSource>();
  private readonly conflicts = new Set<string>();

  constructor(
    private readonly project: string,
    private readonly warn: Warn,
  ) {}

  /** The normalised source, or undefined (already warned about) when Larder cannot define it. */
  map(source: DataSource): DataSource | undefined {
    const known = this.byName.get(source.name);
    if (known !== undefined) {
      const first = this.originals.get(source.name);
      if (first !== undefined && !sameDefinition(first, source) && !this.conflicts.has(source.name)) {
        this.conflicts.add(source.name);
        this.warn(
          `data source "${source.name}"`,
          "is defined differently where views embed it; the first definition (the registry's list) was imported",
        );
      }
      return known ?? undefined;
    }
    this.originals.set(source.name, source);
    const mapped = this.convert(source);
    this.byName.set(source.name, mapped ?? null);
    if (mapped !== undefined) {
      reportUnknownFields(
        this.warn,
        `data source "${source.name}"`,
        DataSourceSchema,
        source,
        new Set(["larder.core.v1.DataSource.RequestDataOptions:2"]),
        /batch_source/,
      );
    }
    return mapped;
  }

  /** Every mapped source: batch sources, then push sources, then request sources. */
  all(): DataSource[] {
    const sources = [...this.byName.values()].filter((s): s is DataSource => s !== null);
    const rank = (s: DataSource): number =>
      s.options.case === "pushOptions" ? 1 : s.options.case === "requestDataOptions" ? 2 : 0;
    return sources.sort((a, b) => rank(a) - rank(b));
  }

  private convert(source: DataSource): DataSource | undefined {
    const label = `data source "${source.name}"`;
    const notImported = (why: string): undefined => {
      this.warn(label, `not imported: ${why}`);
      return undefined;
    };
    const options = source.options;
    const batch = options.case === "fileOptions" || options.case === "customOptions";
    if (batch && source.timestampField === "") {
      return notImported("it has no timestamp_field; Larder needs the event-time column of a batch source");
    }
    switch (options.case) {
      case "fileOptions": {
        const file = options.value;
        if (file.s3EndpointOverride !== "") {
          this.warn(
            label,
            `s3_endpoint_override ${JSON.stringify(file.s3EndpointOverride)} not imported; set it on the offline store`,
          );
        }
        const format = file.fileFormat?.format.case;
        if (file.fileFormat !== undefined && format !== "parquetFormat") {
          this.warn(label, "uses a file format Larder cannot read (Delta); imported as Parquet");
        }
        const csv = file.fileFormat === undefined && /\.csv$/i.test(file.uri);
        return create(DataSourceSchema, {
          ...base(source, this.project),
          type: DataSource_SourceType.BATCH_FILE,
          options: {
            case: "fileOptions",
            value: {
              uri: file.uri,
              ...(!csv && { fileFormat: create(FileFormatSchema, { format: { case: "parquetFormat", value: {} } }) }),
            },
          },
        });
      }
      case "customOptions": {
        if (!POSTGRES_CLASS.test(source.dataSourceClassType)) {
          return notImported(
            `custom source class ${JSON.stringify(source.dataSourceClassType)} has no Larder equivalent`,
          );
        }
        // Feast's PostgreSQLSource keeps its options as JSON: {"name", "query", "table"}.
        let config: { table?: unknown; query?: unknown };
        try {
          config = JSON.parse(new TextDecoder().decode(options.value.configuration)) as typeof config;
        } catch {
          return notImported("its PostgreSQL options are not valid JSON");
        }
        const table = typeof config.table === "string" ? config.table : "";
        const query = typeof config.query === "string" ? config.query : "";
        if ((table === "") === (query === ""))
          return notImported("a PostgreSQL source needs exactly one of table and query");
        return create(DataSourceSchema, {
          ...base(source, this.project),
          type: DataSource_SourceType.CUSTOM_SOURCE,
          options: { case: "postgresOptions", value: { table, query } },
        });
      }
      case "pushOptions": {
        const batch = source.batchSource === undefined ? undefined : this.map(source.batchSource);
        if (
          batch === undefined ||
          batch.options.case === "pushOptions" ||
          batch.options.case === "requestDataOptions"
        ) {
          return notImported("its batch source cannot be imported");
        }
        return create(DataSourceSchema, {
          ...base(source, this.project),
          type: DataSource_SourceType.PUSH_SOURCE,
          batchSource: batch,
          options: { case: "pushOptions", value: {} },
        });
      }
      case "requestDataOptions": {
        let schema = options.value.schema.map((field) =>
          create(FeatureSpecSchema, {
            name: field.name,
            valueType: field.valueType,
            description: field.description,
            tags: { ...field.tags },
          }),
        );
        if (schema.length === 0) {
          // Registries written by older Feast versions only have the deprecated name → type map.
          schema = decodeDeprecatedRequestSchema(rawUnknown(options.value, 2)).map(([name, valueType]) =>
            create(FeatureSpecSchema, { name, valueType }),
          );
        }
        const untyped = schema.filter(
          (field) => field.valueType === ValueType.UNSPECIFIED || ValueType[field.valueType] === undefined,
        );
        for (const field of untyped) this.warn(label, `field "${field.name}" has no type; imported as STRING`);
        for (const field of untyped) field.valueType = ValueType.STRING;
        if (schema.length === 0) return notImported("a request source needs at least one field");
        return create(DataSourceSchema, {
          ...base(source, this.project),
          type: DataSource_SourceType.REQUEST_SOURCE,
          options: { case: "requestDataOptions", value: { schema } },
        });
      }
      case "kafkaOptions":
        return notImported("Kafka sources are not supported by Larder; feed the views through a PushSource");
      case "postgresOptions":
      case undefined: {
        const kind = DataSource_SourceType[source.type] ?? `type ${source.type}`;
        return notImported(`${kind} sources are not supported by Larder`);
      }
    }
  }
}
