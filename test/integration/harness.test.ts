import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createTestDatabase, PG_ADMIN_URL } from "../harness/postgres.js";
import { spawnProcess } from "../harness/processes.js";
import { startPrivateRedis } from "../harness/redis.js";
import { reapAll } from "../harness/reaper.js";

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    const result = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return result.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe("test harness: PostgreSQL", () => {
  it("creates a fresh database per call and drops it", async () => {
    const db = await createTestDatabase();
    const other = await createTestDatabase();
    expect(db.name).not.toBe(other.name);
    const client = new pg.Client({ connectionString: db.url });
    client.on("error", () => undefined); // its connection is cut by the forced drop below
    await client.connect();
    await client.query("CREATE TABLE t (x int)");
    await client.query("INSERT INTO t VALUES (1)");
    expect((await client.query("SELECT count(*)::int AS n FROM t")).rows[0]).toEqual({ n: 1 });
    // Left open on purpose: drop must still succeed (WITH FORCE).
    await db.drop();
    await other.drop();
    expect(await databaseExists(db.name)).toBe(false);
    await client.end().catch(() => undefined);
  });
});

describe("test harness: private redis-server", () => {
  it("starts on a free port, can be killed and restarted on the same port", async () => {
    const redis = await startPrivateRedis();
    const client = new Redis(redis.port, "127.0.0.1", {
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
      lazyConnect: true,
    });
    client.on("error", () => undefined); // connection errors are expected while the server is down
    try {
      await client.connect();
      await client.set("k", "v");
      expect(await client.get("k")).toBe("v");
      await redis.kill();
      await expect(client.get("k")).rejects.toThrow();
      await redis.restart();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await client.get("k")).toBeNull(); // a fresh server keeps nothing
    } finally {
      client.disconnect();
      await redis.stop();
    }
  });
});

describe("test harness: reaper", () => {
  it("kills recorded processes a crashed test left behind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "larder-reaper-"));
    const sleeper = spawnProcess("sleep", ["60"]);
    // Record it in a separate directory as a crashed worker would have left it.
    writeFileSync(join(dir, String(sleeper.pid)), "sleep 60");
    const killed = reapAll(dir);
    const exit = await sleeper.exited;
    expect(killed).toHaveLength(1);
    expect(exit.signal).toBe("SIGKILL");
  });
});
