import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "node:net";
import { freePort } from "./ports.js";
import { spawnProcess, type SpawnedProcess } from "./processes.js";

/** A private redis-server on a free loopback port, for tests that kill, pause or restart it. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: an outage with no goodbye. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a hung server that keeps its connections open. */
  pause(): void;
  resume(): void;
  /** Starts it again on the same port (after kill). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 500);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

async function waitUntilReady(port: number, proc: SpawnedProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await pingOnce(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on ${port} did not answer PING\n${proc.stdout()}${proc.stderr()}`);
}

export async function startPrivateRedis(extraArgs: readonly string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  // Its own working folder: a replica's full sync writes an RDB file there even with --save "".
  const dir = mkdtempSync(join(tmpdir(), "larder-redis-"));
  const launch = (): SpawnedProcess =>
    spawnProcess("redis-server", [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      ...extraArgs,
    ]);
  let proc = launch();
  await waitUntilReady(port, proc);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      proc.signal("SIGKILL");
      await proc.exited;
    },
    pause() {
      proc.signal("SIGSTOP");
    },
    resume() {
      proc.signal("SIGCONT");
    },
    async restart() {
      proc = launch();
      await waitUntilReady(port, proc);
    },
    async stop() {
      proc.signal("SIGCONT");
      await proc.stop(2_000);
    },
  };
}

/** The part of an ioredis client scanAllKeys uses. */
interface ScanningClient {
  scanBuffer(
    cursor: number | string,
    match: "MATCH",
    pattern: string,
    count: "COUNT",
    n: number,
  ): Promise<[Buffer, Buffer[]]>;
}

/**
 * Every key matching `pattern`, found by SCAN: KEYS walks the whole keyspace in one command and blocks a
 * shared Redis for as long (seen at ≈16 ms with 52 k keys), SCAN in steps.
 */
export async function scanAllKeys(client: ScanningClient, pattern: string): Promise<Buffer[]> {
  const found = new Map<string, Buffer>();
  let cursor = "0";
  do {
    const [next, keys] = await client.scanBuffer(cursor, "MATCH", pattern, "COUNT", 1000);
    for (const key of keys) found.set(key.toString("latin1"), key); // SCAN may return a key twice
    cursor = next.toString();
  } while (cursor !== "0");
  return [...found.values()];
}
