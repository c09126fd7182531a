import { create } from "@bufbuild/protobuf";
import {
  DataSource_PostgreSQLOptionsSchema,
  DataSource_SourceType,
  type DataSource as DataSourceProto,
} from "@larder/gen/es/larder/core/v1/data_source_pb";
import { DataSource, type BatchSourceOptions } from "./data-source.js";

export interface PostgreSQLSourceOptions extends BatchSourceOptions {
  /** A table name; give exactly one of `table` and `query`. */
  readonly table?: string | undefined;
  /** A SELECT statement; give exactly one of `table` and `query`. */
  readonly query?: string | undefined;
}

/** Rows in a PostgreSQL table or query, as Feast's contrib `PostgreSQLSource`. */
export class PostgreSQLSource extends DataSource {
  readonly table: string;
  readonly query: string;

  constructor(options: PostgreSQLSourceOptions) {
    super("PostgreSQLSource", options);
    this.table = options.table ?? "";
    this.query = options.query ?? "";
    if ((this.table === "") === (this.query === "")) {
      throw this.error(this.table === "" ? "table" : "query", "give exactly one of `table` and `query`");
    }
    this.requireTimestampField();
  }

  toProto(project: string): DataSourceProto {
    return this.baseProto(
      project,
      DataSource_SourceType.CUSTOM_SOURCE,
      "feast.infra.offline_stores.contrib.postgres_offline_store.postgres_source.PostgreSQLSource",
      {
        case: "postgresOptions",
        value: create(DataSource_PostgreSQLOptionsSchema, { table: this.table, query: this.query }),
      },
    );
  }
}
