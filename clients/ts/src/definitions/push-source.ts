import { create } from "@bufbuild/protobuf";
import {
  DataSource_PushOptionsSchema,
  DataSource_SourceType,
  type DataSource as DataSourceProto,
} from "@larder/gen/es/larder/core/v1/data_source_pb";
import { DataSource } from "./data-source.js";
import type { CommonOptions } from "./definition.js";

export interface PushSourceOptions extends CommonOptions {
  /** Where pushed rows are also written for offline use and materialization. */
  readonly batchSource: DataSource;
}

/** Rows pushed through the push API, backed by a batch source, as Feast's `PushSource`. */
export class PushSource extends DataSource {
  readonly batchSource: DataSource;

  constructor(options: PushSourceOptions) {
    super("PushSource", options);
    const batchSource: unknown = options.batchSource;
    if (!(batchSource instanceof DataSource) || batchSource instanceof PushSource) {
      throw this.error("batchSource", "must be a batch source such as a FileSource or PostgreSQLSource");
    }
    this.batchSource = batchSource;
  }

  toProto(project: string): DataSourceProto {
    const proto = this.baseProto(project, DataSource_SourceType.PUSH_SOURCE, "feast.data_source.PushSource", {
      case: "pushOptions",
      value: create(DataSource_PushOptionsSchema),
    });
    proto.batchSource = this.batchSource.toProto(project);
    return proto;
  }
}
