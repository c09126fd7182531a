import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./ports.js";
import { spawnProcess, type SpawnedProcess } from "./processes.js";
import { startPrivateRedis, type PrivateRedis } from "./redis.js";

/** A master, one replica and one Sentinel (quorum 1) on free loopback ports, for failover tests. */
export interface SentinelGroup {
  readonly masterName: string;
  readonly master: PrivateRedis;
  readonly replica: PrivateRedis;
  readonly sentinelPort: number;
  /** The master's port as Sentinel reports it now. */
  currentMasterPort(): Promise<number>;
  /** Resolves once the replica has every write the master acknowledged so far. */
  waitForReplication(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not yet reachable
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const infoField = (info: string, field: string): string | undefined =>
  new RegExp(`^${field}:(.*)$`, "m").exec(info)?.[1]?.trim();

/** Starts the group and waits until Sentinel knows the replica (so it can fail over to it). */
export async function startSentinelGroup(downAfterMs = 1_000): Promise<SentinelGroup> {
  const masterName = "larder-test-master";
  const master = await startPrivateRedis();
  const replica = await startPrivateRedis(["--replicaof", "127.0.0.1", String(master.port)]);
  const sentinelPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "larder-sentinel-"));
  const configFile = join(dir, "sentinel.conf");
  // Sentinel rewrites its own config file, so it lives in a private writable folder.
  writeFileSync(
    configFile,
    [
      `port ${sentinelPort}`,
      "bind 127.0.0.1",
      `dir ${dir}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
      `sentinel failover-timeout ${masterName} 10000`,
      `sentinel parallel-syncs ${masterName} 1`,
      "",
    ].join("\n"),
  );
  const sentinel: SpawnedProcess = spawnProcess("redis-server", [configFile, "--sentinel"]);
  const admin = new Redis({ port: sentinelPort, host: "127.0.0.1", maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  admin.on("error", () => undefined);
  const masterClient = new Redis({ port: master.port, host: "127.0.0.1", maxRetriesPerRequest: 1 });
  masterClient.on("error", () => undefined);
  const replicaClient = new Redis({ port: replica.port, host: "127.0.0.1", maxRetriesPerRequest: 1 });
  replicaClient.on("error", () => undefined);
  try {
    await until(
      "the replica to sync",
      async () => infoField(await replicaClient.info("replication"), "master_link_status") === "up",
      10_000,
    );
    await until(
      "Sentinel to discover the replica",
      async () => ((await admin.call("SENTINEL", "REPLICAS", masterName)) as unknown[]).length > 0,
      15_000,
    );
  } catch (error) {
    admin.disconnect();
    masterClient.disconnect();
    replicaClient.disconnect();
    await sentinel.stop(2_000);
    await replica.stop();
    await master.stop();
    throw new Error(`${String(error)}\nsentinel output:\n${sentinel.stdout()}${sentinel.stderr()}`);
  }
  return {
    masterName,
    master,
    replica,
    sentinelPort,
    async currentMasterPort() {
      const reply = (await admin.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName)) as [string, string];
      return Number(reply[1]);
    },
    async waitForReplication(timeoutMs = 5_000) {
      const target = Number(infoField(await masterClient.info("replication"), "master_repl_offset"));
      await until(
        "the replica to catch up",
        async () => Number(infoField(await replicaClient.info("replication"), "slave_repl_offset") ?? "-1") >= target,
        timeoutMs,
      );
    },
    async stop() {
      admin.disconnect();
      masterClient.disconnect();
      replicaClient.disconnect();
      await sentinel.stop(2_000);
      await replica.stop();
      await master.stop();
    },
  };
}
