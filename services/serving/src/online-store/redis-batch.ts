import { Cluster } from "ioredis";
import type { GetCoalescer } from "./get-coalescer.js";
import type { RedisClient } from "./redis-client.js";
import { mapRedisError } from "./redis-errors.js";

/** An argument of a Redis command. */
export type RedisArg = string | Buffer | number;

/**
 * Commands sent in one round trip: one pipeline on a single Redis; on a Cluster, single commands that
 * ioredis autopipelines per node (a plain pipeline must stay on one node; runtime-notes).
 */
export interface CommandBatch {
  add(method: string, args: readonly RedisArg[]): void;
  /** Replies in the order added; rejects with the first failure (outages as UnavailableError). */
  exec(): Promise<unknown[]>;
}

type Dispatch = Record<string, (...args: RedisArg[]) => unknown>;

function replyOrThrow([error, reply]: [Error | null, unknown]): unknown {
  if (error !== null) throw mapRedisError(error);
  return reply;
}

/**
 * One round trip on a single Redis. A batch of plain GETs (every read of the larder layout) goes out
 * as (part of) one MGET: one command, one timer and one reply array instead of a pipeline object and a
 * command (with its own timeout timer) per key; with a coalescer, concurrent reads share the MGET.
 * Anything else goes out as a pipeline.
 */
function pipelineBatch(client: RedisClient, gets: GetCoalescer | undefined): CommandBatch {
  const methods: string[] = [];
  const argLists: (readonly RedisArg[])[] = [];
  let onlyGets = true;
  return {
    add(method, args) {
      methods.push(method);
      argLists.push(args);
      if (method !== "getBuffer" || args.length !== 1) onlyGets = false;
    },
    async exec() {
      if (methods.length === 0) return [];
      try {
        if (onlyGets) {
          const keys = argLists.map((args) => args[0] as Buffer | string);
          return await (gets === undefined ? client.mgetBuffer(keys) : gets.get(keys));
        }
      } catch (error) {
        throw mapRedisError(error);
      }
      const pipeline = client.pipeline();
      const target = pipeline as unknown as Dispatch;
      for (let i = 0; i < methods.length; i++) target[methods[i]!]!(...argLists[i]!);
      let results: [Error | null, unknown][] | null;
      try {
        results = await pipeline.exec();
      } catch (error) {
        throw mapRedisError(error);
      }
      if (results === null) throw mapRedisError(new Error("Connection is closed."));
      return results.map(replyOrThrow);
    },
  };
}

function autopipelinedBatch(client: RedisClient): CommandBatch {
  const target = client as unknown as Dispatch;
  const replies: Promise<unknown>[] = [];
  return {
    add(method, args) {
      const reply = target[method]!(...args) as Promise<unknown>;
      // Observed below through Promise.all; this keeps a second failure from being unhandled.
      reply.catch(() => undefined);
      replies.push(reply);
    },
    async exec() {
      try {
        return await Promise.all(replies);
      } catch (error) {
        throw mapRedisError(error);
      }
    },
  };
}

/** Starts a batch suited to the client (pipeline, or autopipelined commands on a Cluster). */
export function startBatch(client: RedisClient, cluster: boolean, gets?: GetCoalescer): CommandBatch {
  return cluster ? autopipelinedBatch(client) : pipelineBatch(client, gets);
}

const GLOB_SPECIAL = new Set([0x2a, 0x3f, 0x5b, 0x5d, 0x5c]); // * ? [ ] \

/** Escapes bytes for a SCAN MATCH pattern so they match literally. */
export function escapeGlob(bytes: Uint8Array): Buffer {
  const out: number[] = [];
  for (const b of bytes) {
    if (GLOB_SPECIAL.has(b)) out.push(0x5c);
    out.push(b);
  }
  return Buffer.from(out);
}

/** Yields keys matching `pattern` in pages, over every master of a Cluster. */
export async function* scanKeys(client: RedisClient, pattern: Buffer): AsyncGenerator<Buffer[]> {
  const sources = client instanceof Cluster ? client.nodes("master") : [client];
  for (const source of sources) {
    const stream = source.scanBufferStream({ match: pattern as unknown as string, count: 1000 });
    try {
      for await (const page of stream) yield page as Buffer[];
    } catch (error) {
      throw mapRedisError(error);
    }
  }
}
