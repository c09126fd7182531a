import { create } from "@bufbuild/protobuf";
import { FileFormatSchema, FileFormat_ParquetFormatSchema } from "@larder/gen/es/larder/core/v1/data_format_pb";
import {
  DataSource_FileOptionsSchema,
  DataSource_SourceType,
  type DataSource as DataSourceProto,
} from "@larder/gen/es/larder/core/v1/data_source_pb";
import { DataSource, type BatchSourceOptions } from "./data-source.js";

export type FileFormatName = "parquet" | "csv";

export interface FileSourceOptions extends BatchSourceOptions {
  /** File or folder; relative paths are kept as written and resolved against the repo by the registry. */
  readonly path: string;
  /** @default inferred from the extension: ".csv" → "csv", anything else → "parquet" */
  readonly fileFormat?: FileFormatName | undefined;
}

/** Rows in a Parquet or CSV file, as Feast's `FileSource`. */
export class FileSource extends DataSource {
  readonly path: string;
  readonly fileFormat: FileFormatName;

  constructor(options: FileSourceOptions) {
    super("FileSource", options);
    if (typeof options.path !== "string" || options.path === "") throw this.error("path", "must be a file path");
    this.path = options.path;
    this.fileFormat = options.fileFormat ?? (/\.csv$/i.test(options.path) ? "csv" : "parquet");
    if (this.fileFormat !== "parquet" && this.fileFormat !== "csv") {
      throw this.error("fileFormat", `unknown format ${JSON.stringify(this.fileFormat)}; use "parquet" or "csv"`);
    }
    this.requireTimestampField();
  }

  toProto(project: string): DataSourceProto {
    // Feast's FileFormat only has Parquet; CSV is marked by leaving the format unset.
    const fileFormat =
      this.fileFormat === "parquet"
        ? create(FileFormatSchema, { format: { case: "parquetFormat", value: create(FileFormat_ParquetFormatSchema) } })
        : undefined;
    const fileOptions = create(DataSource_FileOptionsSchema, { uri: this.path, ...(fileFormat && { fileFormat }) });
    return this.baseProto(
      project,
      DataSource_SourceType.BATCH_FILE,
      "feast.infra.offline_stores.file_source.FileSource",
      {
        case: "fileOptions",
        value: fileOptions,
      },
    );
  }
}
