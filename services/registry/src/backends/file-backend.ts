import { randomUUID } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampDate, timestampNow } from "@bufbuild/protobuf/wkt";
import { RegistrySchema, type Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { UnavailableError } from "@larder/core";
import type { RegistryBackend, RegistryMutation, UpdateOutcome } from "./registry-backend.js";
import { checkExpectedVersion } from "./registry-rows.js";

const LOCK_WAIT_MS = 10_000;
const STALE_LOCK_MS = 30_000;

async function readRegistry(path: string): Promise<Registry> {
  try {
    return fromBinary(RegistrySchema, await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return create(RegistrySchema, { registrySchemaVersion: "1" });
    throw error;
  }
}

/** Takes `<path>.lock` with O_EXCL; a lock older than 30 s is taken as left by a crashed writer. */
async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lock, "wx");
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const info = await stat(lock).catch(() => undefined);
      if (info !== undefined && Date.now() - info.mtimeMs > STALE_LOCK_MS) await rm(lock, { force: true });
      if (Date.now() > deadline)
        throw new UnavailableError("The file registry is locked by another writer; retry later");
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

/** One serialized Registry proto at a local path, replaced atomically (temp file + rename). */
export function createFileBackend(path: string): RegistryBackend {
  return {
    description: `file:${path}`,
    async init() {
      await mkdir(dirname(path), { recursive: true });
    },
    load: () => readRegistry(path),
    async currentVersion() {
      const registry = await readRegistry(path);
      return {
        version: registry.version,
        lastUpdated: registry.lastUpdated === undefined ? undefined : timestampDate(registry.lastUpdated),
      };
    },
    update<T>(mutate: RegistryMutation<T>, expectedVersion?: bigint): Promise<UpdateOutcome<T>> {
      return withLock(path, async () => {
        const current = await readRegistry(path);
        checkExpectedVersion(current.version, expectedVersion);
        const { next, result } = mutate(current);
        if (next === undefined) return { registry: current, result, changed: false };
        next.version = current.version + 1n;
        next.lastUpdated = timestampNow();
        next.versionId = randomUUID();
        next.registrySchemaVersion = "1";
        const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
        const handle = await open(temp, "w");
        try {
          await handle.writeFile(toBinary(RegistrySchema, next));
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, path);
        return { registry: next, result, changed: true };
      });
    },
    async close() {
      // nothing held open
      await Promise.resolve();
    },
  };
}
