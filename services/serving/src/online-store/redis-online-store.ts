import { UnavailableError, type RedisOnlineStoreConfig } from "@larder/core";
import { Redis } from "ioredis";
import type { OnlineReadRequest, OnlineRow, OnlineStore } from "./online-store.js";
import { GetCoalescer } from "./get-coalescer.js";
import { startBatch } from "./redis-batch.js";
import { RawMgetConnection } from "./raw-mget-connection.js";
import { DEFAULT_REDIS_CLIENT_OPTIONS, createRedisClient, planRawReads, planRedisClient } from "./redis-client.js";
import { REDIS_UNAVAILABLE_MESSAGE, mapRedisError } from "./redis-errors.js";
import { createFeastLayout } from "./redis-feast-layout.js";
import { createLarderLayout, type LarderReads } from "./redis-larder-layout.js";
import { checkWriteRow } from "./redis-layout.js";
import { defineScripts } from "./redis-scripts.js";

/** Options of the Redis online store beyond feature_store.yaml. */
export interface RedisOnlineStoreOptions {
  /** Per-command timeout; an outage fails calls this fast. @default 500 */
  readonly commandTimeoutMs?: number | undefined;
  /** Receives connection errors (reconnects continue in the background). @default ignore */
  readonly onError?: ((error: Error) => void) | undefined;
}

/** Rejects with the signal's reason as soon as it aborts; the Redis commands themselves still complete. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  // One promise and one listener per call (Promise.race plus finally made three more promises).
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    const settle = (): void => signal.removeEventListener("abort", onAbort);
    promise.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: Error) => {
        settle();
        reject(error);
      },
    );
  });
}

/**
 * Creates the Redis online store (standalone, Sentinel or Cluster) in the configured layout: `larder`
 * (one packed STRING per view row, the default) or `feast` (Feast's hashes, shareable with Feast).
 */
export function createRedisOnlineStore(
  config: RedisOnlineStoreConfig,
  options: RedisOnlineStoreOptions = {},
): OnlineStore {
  const plan = planRedisClient(config, options);
  const cluster = plan.kind === "cluster";
  const client = createRedisClient(plan, options.onError ?? (() => undefined));
  defineScripts(client);
  const larder = config.layout === "feast" ? undefined : createLarderLayout(config);
  const layout = larder ?? createFeastLayout(config);
  // The larder layout's reads on a standalone Redis go over a raw RESP connection while it is ready. It
  // opens on the first read, so a store that only writes (materialization, push) keeps one connection.
  const rawPlan = larder === undefined ? undefined : planRawReads(config, options);
  let raw: RawMgetConnection | undefined;
  let closed = false;
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_REDIS_CLIENT_OPTIONS.commandTimeoutMs;

  /** Resolves once the client is ready; with a timeout, rejects with UnavailableError when it passes first. */
  const whenReady = (timeoutMs?: number): Promise<void> => {
    if (client.status === "ready") return Promise.resolve();
    if (closed || client.status === "end") return Promise.reject(new UnavailableError(REDIS_UNAVAILABLE_MESSAGE));
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: UnavailableError): void => {
        clearTimeout(timer);
        client.off("ready", onReady);
        client.off("end", onEnd);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onReady = (): void => settle();
      const onEnd = (): void => settle(new UnavailableError(REDIS_UNAVAILABLE_MESSAGE));
      const timer = timeoutMs === undefined ? undefined : setTimeout(onEnd, timeoutMs);
      client.once("ready", onReady);
      client.once("end", onEnd);
    });
  };

  // Reads of concurrent calls share one MGET per event-loop turn (a Cluster autopipelines per node instead).
  const gets = client instanceof Redis ? new GetCoalescer(client) : undefined;

  const read = async (requests: readonly OnlineReadRequest[]): Promise<(OnlineRow | undefined)[][]> => {
    const batch = startBatch(client, cluster, gets);
    let count = 0;
    for (const request of requests) {
      layout.queueRead(batch, request);
      count += request.entityKeys.length;
    }
    const replies = count === 0 ? [] : await batch.exec();
    let offset = 0;
    return requests.map((request) => {
      const rows = layout.decodeRead(request, replies, offset);
      offset += request.entityKeys.length;
      return rows;
    });
  };

  /** `read` over the raw connection: one MGET (shared with concurrent reads), rows as spans of its reply. */
  const readRaw = async (
    connection: RawMgetConnection,
    reads: LarderReads,
    requests: readonly OnlineReadRequest[],
  ): Promise<(OnlineRow | undefined)[][]> => {
    const prefixes = new Array<Buffer>(requests.length);
    const keyLists = new Array<readonly Uint8Array[]>(requests.length);
    let count = 0;
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i]!;
      prefixes[i] = reads.prefixOf(request.view);
      keyLists[i] = request.entityKeys;
      count += request.entityKeys.length;
    }
    if (count === 0) return requests.map(() => []);
    const reply = await connection.mget(prefixes, keyLists);
    let offset = reply.first;
    return requests.map((request) => {
      const rows = reads.decodeSpans(request, reply, offset);
      offset += request.entityKeys.length;
      return rows;
    });
  };

  return {
    read(requests, signal) {
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      if (raw === undefined && rawPlan !== undefined && !closed) {
        raw = new RawMgetConnection({ ...rawPlan, onError: options.onError ?? (() => undefined) });
      }
      const reading = raw?.ready === true && larder !== undefined ? readRaw(raw, larder, requests) : read(requests);
      return abortable(reading, signal);
    },
    async write(view, rows) {
      // Never parked in the offline queue: such a write times out for the caller yet is still applied after
      // the reconnect (seen in the outage test). Waits at most one command timeout for the connection.
      if (client.status !== "ready") await whenReady(commandTimeoutMs);
      const batch = startBatch(client, cluster);
      const checked = rows.filter((row) => checkWriteRow(view, row));
      layout.queueWrites(batch, view, checked, cluster);
      const replies = checked.length === 0 ? [] : await batch.exec();
      // Each reply counts the rows its command wrote (a command may carry many rows).
      let written = 0;
      for (const reply of replies) written += Number(reply);
      return { written, skipped: rows.length - written };
    },
    scanEntityKeys(view) {
      return layout.scanEntityKeys(client, view);
    },
    async deleteView(view) {
      await layout.deleteView(client, cluster, view);
    },
    async teardown(views) {
      for (const view of views) await layout.deleteView(client, cluster, view);
    },
    ready() {
      return whenReady();
    },
    get healthy() {
      return !closed && client.status === "ready";
    },
    async close() {
      if (closed) return;
      closed = true;
      raw?.close();
      if (client.status !== "ready") {
        client.disconnect();
        return;
      }
      try {
        await client.quit();
      } catch (error) {
        client.disconnect();
        if (!(mapRedisError(error) instanceof UnavailableError)) throw error;
      }
    },
  };
}
