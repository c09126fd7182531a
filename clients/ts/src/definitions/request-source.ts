import { create } from "@bufbuild/protobuf";
import {
  DataSource_RequestDataOptionsSchema,
  DataSource_SourceType,
  type DataSource as DataSourceProto,
} from "@larder/gen/es/larder/core/v1/data_source_pb";
import { DataSource } from "./data-source.js";
import type { CommonOptions } from "./definition.js";
import { Field } from "./field.js";

export interface RequestSourceOptions<F extends string = string> extends CommonOptions {
  readonly schema: readonly Field<F>[];
}

/** Values sent with each online request, for on-demand views, as Feast's `RequestSource`. */
export class RequestSource<F extends string = string> extends DataSource {
  readonly schema: readonly Field<F>[];

  constructor(options: RequestSourceOptions<F>) {
    super("RequestSource", options);
    if (!Array.isArray(options.schema) || options.schema.length === 0) {
      throw this.error("schema", "needs at least one Field");
    }
    if (!options.schema.every((field) => field instanceof Field)) throw this.error("schema", "must hold Field objects");
    this.schema = [...options.schema];
  }

  toProto(project: string): DataSourceProto {
    return this.baseProto(project, DataSource_SourceType.REQUEST_SOURCE, "feast.data_source.RequestSource", {
      case: "requestDataOptions",
      value: create(DataSource_RequestDataOptionsSchema, { schema: this.schema.map((field) => field.toProto()) }),
    });
  }
}
