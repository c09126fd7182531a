import { UnavailableError } from "@larder/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrivateRedis, type PrivateRedis } from "../../../../test/harness/redis.js";
import {
  RAW_READS_CLIENT_NAME,
  RawMgetConnection,
  type MgetSpans,
  type RawMgetOptions,
} from "../../src/online-store/raw-mget-connection.js";
import { createRedisOnlineStore } from "../../src/online-store/redis-online-store.js";
import { double, driverKey, driverView, int64, redisConfig, uniqueProject } from "./online-store-fixture.js";

const TIMEOUT_MS = 300;

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

/** Key `i` of a caller's span of a reply, as text (null = nil). */
function valuesOf(reply: MgetSpans, count: number): (string | null)[] {
  return Array.from({ length: count }, (_, i) => {
    const start = reply.spans[2 * (reply.first + i)]!;
    return start < 0 ? null : reply.buffer.toString("latin1", start, reply.spans[2 * (reply.first + i) + 1]);
  });
}

describe("raw MGET connection", () => {
  let server: PrivateRedis;
  let redis: Redis;
  const errors: Error[] = [];
  const open = (overrides: Partial<RawMgetOptions> = {}): RawMgetConnection =>
    new RawMgetConnection({
      host: "127.0.0.1",
      port: server.port,
      tls: false,
      db: 0,
      commandTimeoutMs: TIMEOUT_MS,
      connectTimeoutMs: 1_000,
      maxReconnectDelayMs: 100,
      onError: (error) => errors.push(error),
      ...overrides,
    });

  beforeAll(async () => {
    server = await startPrivateRedis();
    redis = new Redis({ port: server.port, maxRetriesPerRequest: 1 });
    redis.on("error", () => undefined);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it("reads values and nils of prefixed binary keys; concurrent callers share one MGET", async () => {
    const binary = Buffer.from([0, 13, 10, 36, 255]);
    await redis.set(Buffer.concat([Buffer.from("p:"), binary]), Buffer.from("bin\r\nvalue"));
    await redis.set("q:b", "");
    await redis.set("p:a", "A");
    const raw = open();
    try {
      await until(() => raw.ready, 2_000);
      const before = Number(/total_commands_processed:(\d+)/.exec(await redis.info("stats"))?.[1]);
      const [one, two] = await Promise.all([
        raw.mget([Buffer.from("p:"), Buffer.from("q:")], [[Buffer.from("a"), binary], [Buffer.from("b")]]),
        raw.mget([Buffer.from("p:")], [[Buffer.from("missing"), Buffer.from("a")]]),
      ]);
      const after = Number(/total_commands_processed:(\d+)/.exec(await redis.info("stats"))?.[1]);
      expect(valuesOf(one, 3)).toEqual(["A", "bin\r\nvalue", ""]);
      expect(valuesOf(two, 2)).toEqual([null, "A"]);
      expect(two.first).toBe(3);
      expect(after - before).toBe(2); // one MGET, plus the first INFO
      // An MGET of thousands of keys (a reply over many socket reads) reads the same way.
      const keys = Array.from({ length: 5_000 }, (_, i) => Buffer.from(String(i % 7 === 0 ? "a" : `none${i}`)));
      const big = await raw.mget([Buffer.from("p:")], [keys]);
      expect(valuesOf(big, keys.length)).toEqual(keys.map((_, i) => (i % 7 === 0 ? "A" : null)));
    } finally {
      raw.close();
    }
  });

  it("keeps replies intact after later reads reuse the socket's read buffer, over 64 KB too", async () => {
    // The socket reads into one 64 KB buffer: every reply is copied out of it, so replies held by callers
    // must not change when later replies arrive, whether small (copied into a shared slab) or large.
    const small = Array.from({ length: 40 }, (_, i) => `s${i}:${"x".repeat(i * 50)}`);
    const large = Array.from({ length: 5 }, (_, i) => String.fromCharCode(97 + i).repeat(40_000));
    for (const [i, value] of small.entries()) await redis.set(`keep:s${i}`, value);
    for (const [i, value] of large.entries()) await redis.set(`keep:l${i}`, value);
    const raw = open();
    try {
      await until(() => raw.ready, 2_000);
      const held: { reply: MgetSpans; want: string[] }[] = [];
      for (let round = 0; round < 30; round++) {
        const names = round % 3 === 2 ? large.map((_, i) => `l${i}`) : [`s${round}`, `s${round + 5}`];
        const want = round % 3 === 2 ? large : [small[round]!, small[round + 5]!];
        held.push({ reply: await raw.mget([Buffer.from("keep:")], [names.map((n) => Buffer.from(n))]), want });
      }
      for (const { reply, want } of held) expect(valuesOf(reply, want.length)).toEqual(want);
    } finally {
      raw.close();
    }
  });

  it("authenticates with a user or a password, selects the database and names itself", async () => {
    await redis.call("ACL", "SETUSER", "reader", "on", ">secret", "~*", "+@all");
    await redis.call("CONFIG", "SET", "requirepass", "pw");
    const admin = new Redis({ port: server.port, password: "pw", db: 3 });
    const raws: RawMgetConnection[] = [];
    try {
      await admin.set("k", "in db 3");
      const asUser = open({ username: "reader", password: "secret", db: 3 });
      const withPassword = open({ password: "pw", db: 3 });
      const wrong = open({ password: "nope" });
      raws.push(asUser, withPassword, wrong);
      await until(() => asUser.ready && withPassword.ready, 2_000);
      for (const raw of [asUser, withPassword]) {
        expect(valuesOf(await raw.mget([Buffer.from("")], [[Buffer.from("k")]]), 1)).toEqual(["in db 3"]);
      }
      const names = (await admin.call("CLIENT", "LIST")) as string;
      expect(names.split("\n").filter((line) => line.includes(`name=${RAW_READS_CLIENT_NAME}`)).length).toBe(2);
      await until(() => errors.some((e) => /handshake: WRONGPASS/.test(e.message)), 2_000);
      expect(wrong.ready).toBe(false);
    } finally {
      for (const raw of raws) raw.close();
      await admin.call("CONFIG", "SET", "requirepass", "");
      await admin.call("ACL", "DELUSER", "reader");
      admin.disconnect();
    }
  });

  it("fails an unanswered MGET within 1.2× the command timeout, then matches later replies correctly", async () => {
    await redis.set("hang:a", "1");
    const raw = open();
    try {
      await until(() => raw.ready, 2_000);
      server.pause();
      const started = Date.now();
      await expect(raw.mget([Buffer.from("hang:")], [[Buffer.from("a")]])).rejects.toBeInstanceOf(UnavailableError);
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      expect(took).toBeLessThan(TIMEOUT_MS * 1.2 + 100);
      server.resume();
      // The late reply of the failed MGET arrives first and is dropped, not given to the next caller.
      await redis.set("hang:b", "2");
      expect(valuesOf(await raw.mget([Buffer.from("hang:")], [[Buffer.from("b")]]), 1)).toEqual(["2"]);
    } finally {
      server.resume();
      raw.close();
    }
  });

  it("fails what is in flight when Redis dies and is ready again soon after it returns", async () => {
    const raw = open();
    try {
      await until(() => raw.ready, 2_000);
      const pending = expect(raw.mget([Buffer.from("x:")], [[Buffer.from("1")]])).rejects.toBeInstanceOf(
        UnavailableError,
      );
      await server.kill();
      await pending;
      await until(() => !raw.ready, 1_000);
      await expect(raw.mget([Buffer.from("x:")], [[Buffer.from("1")]])).rejects.toBeInstanceOf(UnavailableError);
      await server.restart();
      const waited = await until(() => raw.ready, 2_000);
      expect(waited).toBeLessThan(1_000);
      expect(valuesOf(await raw.mget([Buffer.from("x:")], [[Buffer.from("1")]]), 1)).toEqual([null]);
    } finally {
      raw.close();
    }
  });

  it("serves the Redis store's larder reads once ready, with the same rows as ioredis", async () => {
    const store = createRedisOnlineStore(redisConfig(`127.0.0.1:${server.port}`));
    try {
      await store.ready();
      const view = driverView(uniqueProject());
      await store.write(view, [
        { entityKey: driverKey(1), eventTimeMs: 1_000, values: [double(1.5), undefined, int64(3)] },
        { entityKey: driverKey(2), eventTimeMs: 2_000, values: [double(2.5), double(0.5), int64(4)] },
      ]);
      const request = {
        view,
        features: ["trips", "conv_rate"],
        entityKeys: [driverKey(2), driverKey(9), driverKey(1)],
      };
      const plain = (rows: Awaited<ReturnType<typeof store.read>>): unknown =>
        rows.map((r) => r.map((row) => row && { time: row.eventTimeMs, values: row.values.map((v) => v && [...v]) }));
      const first = plain(await store.read([request, request]));
      await until(async () => {
        await store.read([request]);
        const clients = (await redis.call("CLIENT", "LIST")) as string;
        return clients
          .split("\n")
          .some((line) => line.includes(`name=${RAW_READS_CLIENT_NAME}`) && / cmd=mget /.test(line));
      }, 2_000);
      expect(plain(await store.read([request, request]))).toEqual(first);
      expect((first as unknown[][])[0]).toEqual([
        { time: 2_000, values: [[...int64(4)], [...double(2.5)]] },
        undefined,
        { time: 1_000, values: [[...int64(3)], [...double(1.5)]] },
      ]);
    } finally {
      await store.close();
    }
  });
});
