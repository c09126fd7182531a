import { randomUUID } from "node:crypto";
import type { FeatureLoggingConfig, Logger, OfflineStoreConfig } from "@larder/core";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { OutputColumn } from "../online-read.js";
import { createFileLogWriter, type LogWriter } from "./file-destination.js";
import { groupTables, responseToTable, type LogTable, type QueuedResponse } from "./log-rows.js";
import { LogTargets, type LogTarget } from "./log-target.js";
import { createPostgresLogWriter } from "./postgres-destination.js";

/** Responses decoded between two yields to the event loop (≈0.4 ms each for 10 entities × 50 features). */
const DECODE_SLICE = 16;

/** A caller's `x-request-id` is kept when it is a short printable token (as telemetry's rule), else replaced. */
const SAFE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** Counters of a feature logger, for metrics. */
export interface FeatureLogStats {
  /** Responses waiting in the queue. */
  readonly queued: number;
  /** Responses dropped because the queue was full (Feast's behaviour: serving never waits for logging). */
  readonly dropped: number;
  /** Rows written to their destination. */
  readonly writtenRows: number;
  /** Responses whose write failed (destination unreachable, schema clash); logged, never retried. */
  readonly failed: number;
}

/** Hooks a metrics exporter can attach; each is called with the number of responses or rows just counted. */
export interface FeatureLogHooks {
  onDropped?(responses: number): void;
  onWritten?(rows: number): void;
  onFailed?(responses: number): void;
}

export interface FeatureLoggerOptions {
  readonly project: string;
  /** Relative file destinations resolve against it. */
  readonly repoPath: string;
  /** `feature_server.feature_logging`. */
  readonly config: FeatureLoggingConfig;
  /** The current registry snapshot (never loaded on the request path). */
  readonly registry: () => Registry;
  /** The offline store: a postgres destination writes to its database. */
  readonly offlineStore?: OfflineStoreConfig | undefined;
  readonly logger: Logger;
  readonly hooks?: FeatureLogHooks | undefined;
  /** Responses that trigger a write before the interval ends. @default min(10000, queue_capacity / 2) */
  readonly batchResponses?: number | undefined;
  /** Sampling source, injectable for tests. @default Math.random */
  readonly random?: (() => number) | undefined;
  readonly clock?: (() => number) | undefined;
  /** Destination writers, injectable for tests. */
  readonly writers?: { readonly file?: LogWriter; readonly postgres?: LogWriter } | undefined;
}

/** The request-path side of feature logging: `record` decides, samples and enqueues; it never throws or waits. */
export interface FeatureLogHook {
  record(
    service: string,
    columns: readonly OutputColumn[],
    requestColumns: readonly string[],
    requestId?: string | null,
  ): void;
}

/**
 * Logs the responses of feature services that have a logging config. The request path only samples and
 * pushes a reference to the response's columns into a bounded queue (no copy, no decoding); a full queue
 * drops and counts. Writes happen off the request path every `write_to_disk_interval_secs` (capped by
 * `flush_interval_secs`) or once `batchResponses` wait; `close()` writes everything still queued.
 */
export class FeatureLogger implements FeatureLogHook {
  private readonly targets: LogTargets;
  private readonly random: () => number;
  private readonly clock: () => number;
  private readonly capacity: number;
  private readonly batch: number;
  private queue: QueuedResponse[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private closed = false;
  private fileWriter: LogWriter | undefined;
  private postgresWriter: LogWriter | undefined;
  private counts = { dropped: 0, writtenRows: 0, failed: 0 };
  private readonly warned = new Set<string>();

  constructor(private readonly options: FeatureLoggerOptions) {
    this.targets = new LogTargets(options.project, options.repoPath);
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? Date.now;
    this.capacity = options.config.queueCapacity;
    this.batch = Math.max(1, options.batchResponses ?? Math.min(10_000, Math.floor(this.capacity / 2)));
    const intervalMs = Math.min(options.config.writeToDiskIntervalSeconds, options.config.flushIntervalSeconds) * 1000;
    this.timer = setInterval(() => this.scheduleFlush(), intervalMs);
    this.timer.unref();
  }

  /** Responses dropped because the queue was full. */
  get droppedRecords(): number {
    return this.counts.dropped;
  }

  get stats(): FeatureLogStats {
    return { queued: this.queue.length, ...this.counts };
  }

  record(
    service: string,
    columns: readonly OutputColumn[],
    requestColumns: readonly string[],
    requestId?: string | null,
  ): void {
    if (this.closed) return;
    let target: LogTarget | undefined;
    try {
      target = this.targets.get(this.options.registry(), service);
    } catch {
      return;
    }
    if (target === undefined) return;
    if (target.sampleRate < 1 && this.random() >= target.sampleRate) return;
    if (this.queue.length >= this.capacity) {
      this.counts.dropped++;
      this.options.hooks?.onDropped?.(1);
      return;
    }
    this.queue.push({
      target,
      columns,
      requestColumns,
      requestTimeMs: this.clock(),
      requestId: requestId ?? undefined,
    });
    if (this.queue.length >= this.batch) this.scheduleFlush();
  }

  /** Writes everything queued so far; resolves when it is written (or counted as failed). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeQueued());
    return this.flushing;
  }

  /** Stops the timer, writes everything still queued and closes the destinations. */
  async close(): Promise<void> {
    if (this.closed) return this.flushing;
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    await Promise.all([this.fileWriter?.close(), this.postgresWriter?.close()]);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.queue.length === 0) return;
    this.flushScheduled = true;
    // Never on the request's own tick: the response is sent first.
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const taken = this.queue;
      this.queue = [];
      const tables: LogTable[] = [];
      for (let i = 0; i < taken.length; i++) {
        // Decoding shares the event loop with serving: yield every few responses so requests keep flowing.
        if (i > 0 && i % DECODE_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
        const entry = taken[i]!;
        try {
          const given = entry.requestId;
          tables.push(
            responseToTable(entry, given !== undefined && SAFE_REQUEST_ID.test(given) ? given : randomUUID()),
          );
        } catch (error) {
          this.fail(1, entry.target.service, error);
        }
      }
      for (const batch of groupTables(tables)) {
        const { target } = batch;
        try {
          await this.writerFor(target).write(
            target.destination.kind === "file" ? target.destination.directory : target.destination.table,
            batch,
          );
          this.counts.writtenRows += batch.rowCount;
          this.options.hooks?.onWritten?.(batch.rowCount);
        } catch (error) {
          this.fail(batch.tables.length, target.service, error);
        }
      }
    }
  }

  private fail(responses: number, service: string, error: unknown): void {
    this.counts.failed += responses;
    this.options.hooks?.onFailed?.(responses);
    const key = `${service}:${error instanceof Error ? error.message : String(error)}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.options.logger.warn(
      { err: error, featureService: service },
      "feature logging: writing logged features failed; the batch is dropped",
    );
  }

  private writerFor(target: LogTarget): LogWriter {
    if (target.destination.kind === "file") {
      return (this.fileWriter ??= this.options.writers?.file ?? createFileLogWriter());
    }
    if (this.postgresWriter === undefined) {
      const injected = this.options.writers?.postgres;
      const offline = this.options.offlineStore;
      if (injected !== undefined) this.postgresWriter = injected;
      else if (offline?.type === "postgres") this.postgresWriter = createPostgresLogWriter(offline);
      else
        throw new Error(
          `feature service ${target.service} logs to a PostgreSQL table, which needs offline_store.type postgres`,
        );
    }
    return this.postgresWriter;
  }
}
