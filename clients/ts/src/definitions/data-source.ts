import { create } from "@bufbuild/protobuf";
import {
  DataSourceSchema,
  type DataSource as DataSourceProto,
  type DataSource_SourceType,
} from "@larder/gen/es/larder/core/v1/data_source_pb";
import { BaseDefinition, type CommonOptions } from "./definition.js";

/** Column options shared by batch sources. */
export interface BatchSourceOptions extends CommonOptions {
  /** Column holding each row's event time. */
  readonly timestampField: string;
  readonly createdTimestampColumn?: string | undefined;
  /** Source column → feature name, applied to feature columns only. */
  readonly fieldMapping?: Readonly<Record<string, string>> | undefined;
  readonly datePartitionColumn?: string | undefined;
}

/** Base of every data source; `toProto` fills the shared fields and subclasses add their options. */
export abstract class DataSource extends BaseDefinition {
  readonly kind = "data-source";
  readonly timestampField: string;
  readonly createdTimestampColumn: string;
  readonly fieldMapping: Readonly<Record<string, string>>;
  readonly datePartitionColumn: string;

  constructor(typeName: string, options: CommonOptions & Partial<BatchSourceOptions>) {
    super(typeName, options);
    this.timestampField = options.timestampField ?? "";
    this.createdTimestampColumn = options.createdTimestampColumn ?? "";
    this.fieldMapping = { ...options.fieldMapping };
    this.datePartitionColumn = options.datePartitionColumn ?? "";
  }

  abstract override toProto(project: string): DataSourceProto;

  /** The shared part of the message. */
  protected baseProto(
    project: string,
    type: DataSource_SourceType,
    dataSourceClassType: string,
    options: DataSourceProto["options"],
  ): DataSourceProto {
    return create(DataSourceSchema, {
      name: this.name,
      project,
      description: this.description,
      tags: { ...this.tags },
      owner: this.owner,
      type,
      fieldMapping: { ...this.fieldMapping },
      timestampField: this.timestampField,
      datePartitionColumn: this.datePartitionColumn,
      createdTimestampColumn: this.createdTimestampColumn,
      dataSourceClassType,
      options,
    });
  }

  protected requireTimestampField(): void {
    if (this.timestampField === "") throw this.error("timestampField", "must name the event-time column");
  }
}
