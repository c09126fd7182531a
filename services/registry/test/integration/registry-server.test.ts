import { clone } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { FeatureViewSchema } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger, toConnectError, type LarderServer } from "@larder/core";
import { createTestDatabase, type TestDatabase } from "../../../../test/harness/postgres.js";
import { createPostgresBackend } from "../../src/backends/postgres-backend.js";
import { createRegistryServer } from "../../src/registry-server.js";
import { RegistryStore } from "../../src/registry-store.js";
import { RemoteRegistry } from "../../src/remote-registry.js";
import { SnapshotCache } from "../../src/snapshot-cache.js";
import { driverRepo } from "../repo-fixture.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function startServer(port = 0): Promise<{ server: LarderServer; port: number }> {
  const store = await RegistryStore.open(createPostgresBackend(db.url, { maxConnections: 10 }));
  const server = createRegistryServer(
    store,
    { server: { port, shutdownGraceMs: 2_000 }, healthCheckIntervalMs: 200 },
    silentLogger(),
  );
  const address = await server.listen();
  return { server, port: address.port };
}

describe("RegistryServer concurrency", () => {
  it("loses no update among 50 concurrent applies of the same object; losers get ABORTED and converge on retry", async () => {
    const { server, port } = await startServer();
    try {
      const clients = Array.from({ length: 10 }, () => new RemoteRegistry({ target: `127.0.0.1:${port}` }));
      const first = await clients[0]!.apply(driverRepo("concurrency"));
      let aborted = 0;
      let attempts = 0;
      const writers = Array.from({ length: 50 }, async (_, i) => {
        const client = clients[i % clients.length]!;
        for (;;) {
          attempts++;
          const { version } = await client.version();
          try {
            return await client.apply(driverRepo("concurrency", { description: `writer ${i}` }), {
              expectedVersion: version,
            });
          } catch (error) {
            if (!(error instanceof ConnectError) || error.code !== Code.Aborted) throw error;
            aborted++;
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
          }
        }
      });
      const results = await Promise.all(writers);
      const versions = results.map((r) => r.version).sort((a, b) => (a < b ? -1 : 1));
      // Every writer landed exactly once, each as its own version: nothing was overwritten unseen.
      expect(new Set(versions).size).toBe(50);
      expect(versions[0]).toBe(first.version + 1n);
      expect(versions[49]).toBe(first.version + 50n);
      expect((await clients[0]!.version()).version).toBe(first.version + 50n);
      console.log(`50 concurrent applies: ${attempts} attempts, ${aborted} refused with ABORTED, 0 lost`);

      // Without a version check every apply still serialises: 50 distinct updates, 50 versions.
      const before = (await clients[0]!.version()).version;
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          clients[i % clients.length]!.apply(driverRepo("concurrency", { description: `blind ${i}` })),
        ),
      );
      expect((await clients[0]!.version()).version).toBe(before + 50n);
    } finally {
      await server.shutdown();
    }
  });

  it("answers INVALID_ARGUMENT, NOT_FOUND and FAILED_PRECONDITION with the field or object named", async () => {
    const { server, port } = await startServer();
    try {
      const client = new RemoteRegistry({ target: `127.0.0.1:${port}` });
      const noProject = driverRepo("x");
      noProject.project = undefined;
      await expect(client.apply(noProject)).rejects.toMatchObject({ code: Code.InvalidArgument });
      const res = await fetch(`http://127.0.0.1:${port}/larder.registry.v1.RegistryService/GetEntity`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "nope", project: "concurrency" }),
      });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { message: string }).message).toContain('"nope"');
      const missingName = await fetch(`http://127.0.0.1:${port}/larder.registry.v1.RegistryService/GetEntity`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ project: "concurrency" }),
      });
      expect(missingName.status).toBe(400);
      expect(((await missingName.json()) as { message: string }).message).toContain("name is required");
    } finally {
      await server.shutdown();
    }
  });
});

describe("PostgreSQL failure during apply", () => {
  it("leaves the registry entirely before or entirely after", async () => {
    const store = await RegistryStore.open(createPostgresBackend(db.url));
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const big = (count: number, description: string) => {
        const repo = driverRepo("faults", { description });
        const template = repo.featureViews[0]!;
        repo.featureViews = Array.from({ length: count }, (_, i) => {
          const view = clone(FeatureViewSchema, template);
          view.spec!.name = `view_${i}`;
          return view;
        });
        repo.featureServices = [];
        return repo;
      };
      await store.apply(big(50, "start"));
      let interrupted = 0;
      for (let round = 0; round < 8; round++) {
        const before = await store.snapshot();
        const target = round % 2 === 0 ? 400 : 50;
        const applying = store.apply(big(target, `round ${round}`)).then(
          () => "landed",
          (error: unknown) => error,
        );
        await new Promise((resolve) => setTimeout(resolve, 5 + round * 7));
        await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        );
        const outcome = await applying;
        const after = await store.snapshot();
        const views = after.featureViews.filter((v) => v.spec?.project === "faults");
        const description = after.entities.find((e) => e.spec?.project === "faults")?.spec?.description;
        if (outcome === "landed") {
          expect(views).toHaveLength(target);
          expect(description).toBe(`round ${round}`);
          expect(after.version).toBe(before.version + 1n);
        } else {
          interrupted++;
          expect(toConnectError(outcome).code).toBe(Code.Unavailable);
          expect(views).toHaveLength(before.featureViews.filter((v) => v.spec?.project === "faults").length);
          expect(after.version).toBe(before.version);
        }
      }
      console.log(`PostgreSQL fault rounds: 8, interrupted mid-apply: ${interrupted}`);
      expect(interrupted).toBeGreaterThan(0);
    } finally {
      await admin.end().catch(() => undefined);
      await store.close();
    }
  });
});

describe("SnapshotCache over a RegistryServer", () => {
  it("keeps answering from its snapshot while the server is down and picks up a new apply after it returns", async () => {
    let { server, port } = await startServer();
    const remote = new RemoteRegistry({ target: `127.0.0.1:${port}`, timeoutMs: 500 });
    await remote.apply(driverRepo("cache_test"));
    const cache = new SnapshotCache(remote, { pollIntervalMs: 200 });
    await cache.start();
    const version = cache.current().version;
    await server.shutdown();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(cache.healthy).toBe(false);
    expect(cache.current().version).toBe(version);
    expect(cache.current().entities.some((e) => e.spec?.project === "cache_test")).toBe(true);

    ({ server, port } = await startServer(port));
    try {
      await remote.apply(driverRepo("cache_test", { description: "after restart" }));
      const appliedAt = Date.now();
      while (cache.current().version === version && Date.now() - appliedAt < 5_000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const pickedUpMs = Date.now() - appliedAt;
      expect(cache.current().version).toBe(version + 1n);
      expect(cache.healthy).toBe(true);
      expect(pickedUpMs).toBeLessThan(1_000); // within the poll interval plus a reload
    } finally {
      cache.stop();
      await server.shutdown();
    }
  });
});
