import { randomUUID } from "node:crypto";
import { MaterializationServiceService as M } from "@larder/gen/grpc-js/larder/materialization/v1/materialization_service";
import { PushMode, PushServiceService as P } from "@larder/gen/grpc-js/larder/push/v1/push_service";
import { ServingServiceService as S } from "@larder/gen/grpc-js/larder/serving/v1/serving_service";
import {
  historicalBatch,
  historicalRequest,
  MaterializationJob,
  materializeEvent,
  type GetHistoricalFeaturesInput,
  type HistoricalBatch,
  type MaterializeEvent,
} from "./materialization.js";
import {
  onlineRequest,
  onlineResult,
  type GetOnlineFeaturesInput,
  type OnlineFeatures,
  type RowsInput,
} from "./online-features.js";
import { validateClientOptions, type FeatureStoreClientOptions, type ValidatedClientOptions } from "./options.js";
import { RegistryClient } from "./registry-client.js";
import { Rpc, type CallSettings } from "./rpc.js";
import { toColumns, type ColumnType } from "./values.js";

export type PushTo = "online" | "offline" | "online_and_offline";

export interface PushInput extends CallSettings {
  /** Name of the push source. */
  readonly pushSourceName: string;
  /** Rows, columnar or as objects; include the source's timestamp column. */
  readonly rows: RowsInput;
  /** @default "online" */
  readonly to?: PushTo;
  /** Run on-demand views marked writeToOnlineStore; false skips them (sent as skip_transform_on_write). @default true, as Feast */
  readonly transformOnWrite?: boolean;
  /**
   * Types for plain JS values per column. A JS number is sent as INT64 (integers) or DOUBLE, and
   * the server refuses DOUBLE for a FLOAT column: declare `{ conv_rate: "FLOAT" }` (or use `typed.float`).
   */
  readonly columnTypes?: Readonly<Record<string, ColumnType>>;
  /** A repeated key returns the first result without writing again. */
  readonly idempotencyKey?: string;
  /**
   * Retry on UNAVAILABLE. Off by default: a push that failed half-way may have written some rows.
   * When on, an idempotency key is generated if none is given, so a retried push writes once.
   */
  readonly retry?: boolean;
}

export interface PushResult {
  readonly rows: number;
  readonly featureViews: string[];
  readonly rowsWrittenOnline: number;
  readonly rowsWrittenOffline: number;
}

export interface WriteToOnlineStoreInput extends CallSettings {
  readonly featureViewName: string;
  /** Rows with the view's join keys, timestamp and features. */
  readonly rows: RowsInput;
  /** Types for plain JS values per column (see PushInput.columnTypes). */
  readonly columnTypes?: Readonly<Record<string, ColumnType>>;
  /** Run the on-demand view's transformation; false skips it (sent as skip_transform_on_write). @default true, as Feast */
  readonly transformOnWrite?: boolean;
}

export interface MaterializeInput extends CallSettings {
  readonly start: Date;
  readonly end: Date;
  /** Views to materialize; all online views when empty. */
  readonly featureViews?: readonly string[];
  readonly disableEventTimestamp?: boolean;
}

export interface MaterializeIncrementalInput extends CallSettings {
  readonly end: Date;
  readonly featureViews?: readonly string[];
}

const PUSH_MODE: Readonly<Record<PushTo, PushMode>> = {
  online: PushMode.PUSH_MODE_ONLINE,
  offline: PushMode.PUSH_MODE_OFFLINE,
  online_and_offline: PushMode.PUSH_MODE_ONLINE_AND_OFFLINE,
};

const settingsOf = (input: CallSettings): CallSettings => ({
  ...(input.deadlineMs === undefined ? {} : { deadlineMs: input.deadlineMs }),
  ...(input.signal === undefined ? {} : { signal: input.signal }),
});

/**
 * A gRPC client of a FeatureServer (online reads, push, materialization, historical retrieval)
 * and, through `registry`, of a RegistryServer. Channels connect lazily; `close()` releases them.
 */
export class FeatureStoreClient {
  readonly options: ValidatedClientOptions;
  private readonly rpc: Rpc;
  private registryRpc: Rpc | undefined;
  private registryClient: RegistryClient | undefined;

  constructor(options: FeatureStoreClientOptions = {}) {
    this.options = validateClientOptions(options);
    this.rpc = new Rpc(this.options.target, this.options);
  }

  /** Registry reads against `registryTarget`. */
  get registry(): RegistryClient {
    if (this.registryClient === undefined) {
      this.registryRpc = new Rpc(this.options.registryTarget, this.options);
      this.registryClient = new RegistryClient(this.registryRpc, this.options.project);
    }
    return this.registryClient;
  }

  /** Latest values for entity rows, as columns (values, statuses, event times) and as row objects. */
  async getOnlineFeatures(input: GetOnlineFeaturesInput & CallSettings): Promise<OnlineFeatures> {
    const response = await this.rpc.unary(S.getOnlineFeatures, onlineRequest(input), settingsOf(input));
    return onlineResult(response, this.options.int64);
  }

  /** The server's version string. */
  async getServingInfo(settings: CallSettings = {}): Promise<{ version: string }> {
    return { version: (await this.rpc.unary(S.getServingInfo, {}, settings)).version };
  }

  /** Writes rows of a push source to every view that uses it; resolves once they are durable. */
  async push(input: PushInput): Promise<PushResult> {
    const retry = input.retry === true;
    const idempotencyKey = input.idempotencyKey ?? (retry ? randomUUID() : "");
    const response = await this.rpc.unary(
      P.push,
      {
        pushSourceName: input.pushSourceName,
        columns: toColumns(input.rows, "rows", input.columnTypes),
        to: PUSH_MODE[input.to ?? "online"],
        allowRegistryCache: true,
        // Both fields: a server from before skip_transform_on_write still reads transform_on_write.
        transformOnWrite: input.transformOnWrite !== false,
        skipTransformOnWrite: input.transformOnWrite === false,
        idempotencyKey,
      },
      settingsOf(input),
      retry ? "write" : "none",
    );
    return {
      rows: Number(response.rows),
      featureViews: response.featureViews,
      rowsWrittenOnline: Number(response.rowsWrittenOnline),
      rowsWrittenOffline: Number(response.rowsWrittenOffline),
    };
  }

  /** Writes rows straight into one feature view's online store (Feast's write_to_online_store). */
  async writeToOnlineStore(input: WriteToOnlineStoreInput): Promise<{ rowsWritten: number }> {
    const response = await this.rpc.unary(
      P.writeToOnlineStore,
      {
        featureViewName: input.featureViewName,
        columns: toColumns(input.rows, "rows", input.columnTypes),
        allowRegistryCache: true,
        // Both fields: a server from before skip_transform_on_write still reads transform_on_write.
        transformOnWrite: input.transformOnWrite !== false,
        skipTransformOnWrite: input.transformOnWrite === false,
      },
      settingsOf(input),
      "none",
    );
    return { rowsWritten: Number(response.rowsWritten) };
  }

  /** Loads [start, end) of the offline store into the online store; iterate for progress or await `result()`. */
  materialize(input: MaterializeInput): MaterializationJob {
    const request = {
      startTime: input.start,
      endTime: input.end,
      featureViews: [...(input.featureViews ?? [])],
      disableEventTimestamp: input.disableEventTimestamp === true,
    };
    return new MaterializationJob(() => this.events(this.rpc.serverStream(M.materialize, request, settingsOf(input))));
  }

  /** Loads from each view's last materialized end up to `end`. */
  materializeIncremental(input: MaterializeIncrementalInput): MaterializationJob {
    const request = { endTime: input.end, featureViews: [...(input.featureViews ?? [])] };
    return new MaterializationJob(() =>
      this.events(this.rpc.serverStream(M.materializeIncremental, request, settingsOf(input))),
    );
  }

  /** Point-in-time-correct training rows, streamed batch by batch; nothing holds the whole result. */
  async *getHistoricalFeatures(input: GetHistoricalFeaturesInput & CallSettings): AsyncGenerator<HistoricalBatch> {
    const stream = this.rpc.serverStream(
      M.getHistoricalFeatures,
      historicalRequest(input),
      settingsOf(input),
      "idempotent-read",
    );
    for await (const response of stream) yield historicalBatch(response, this.options.int64);
  }

  /** Closes the channels; calls in flight fail with CANCELLED. */
  close(): void {
    this.rpc.close();
    this.registryRpc?.close();
  }

  private async *events(
    stream: AsyncGenerator<Parameters<typeof materializeEvent>[0]>,
  ): AsyncGenerator<MaterializeEvent> {
    for await (const response of stream) {
      const event = materializeEvent(response);
      if (event !== undefined) yield event;
    }
  }
}
