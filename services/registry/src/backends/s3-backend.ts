import { randomUUID } from "node:crypto";
import { clone, create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampDate, timestampNow } from "@bufbuild/protobuf/wkt";
import type { S3Client } from "@aws-sdk/client-s3";
import { RegistrySchema, type Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { FailedPreconditionError, UnavailableError, type S3RegistryOptions } from "@larder/core";
import type { RegistryBackend, RegistryMutation, UpdateOutcome } from "./registry-backend.js";
import { checkExpectedVersion } from "./registry-rows.js";
import { createS3Client, getObject, parseS3Uri, putObject, type S3Location } from "./s3-object.js";

export interface S3BackendOptions {
  readonly s3?: S3RegistryOptions | undefined;
  /** A client to use instead of one built from `s3` (tests, custom credentials). Not closed by the backend. */
  readonly client?: S3Client | undefined;
}

interface Cached {
  readonly etag: string;
  readonly registry: Registry;
}

function decode(bytes: Uint8Array, location: S3Location): Registry {
  try {
    return fromBinary(RegistrySchema, bytes);
  } catch (error) {
    throw new FailedPreconditionError(`${location.uri} is not a serialized registry (feast.core.Registry)`, {
      cause: error,
    });
  }
}

/**
 * Feast's file registry on S3 or any S3-compatible store: one serialized Registry object. Reads are
 * conditional GETs on the last ETag (an unchanged registry answers 304, no body); writes are
 * compare-and-swap PUTs (If-Match on the ETag read, If-None-Match: * on create), so of two concurrent
 * writers exactly one lands and the other gets ABORTED with nothing overwritten.
 */
export function createS3Backend(uri: string, options: S3BackendOptions = {}): RegistryBackend {
  const location = parseS3Uri(uri);
  const client = options.client ?? createS3Client(options.s3);
  const parameters = options.s3?.putObjectParameters ?? {};
  let cached: Cached | undefined;

  /** The current registry and its ETag (undefined while the object does not exist). */
  const read = async (): Promise<{ registry: Registry; etag: string | undefined }> => {
    const result = await getObject(client, location, cached?.etag);
    switch (result.kind) {
      case "not-modified":
        if (cached !== undefined) return cached;
        // Only a conditional GET can answer 304; a store that does otherwise cannot be trusted.
        throw new UnavailableError(`${location.uri}: the object store answered 304 to an unconditional read`);
      case "missing":
        cached = undefined;
        return { registry: create(RegistrySchema, { registrySchemaVersion: "1" }), etag: undefined };
      case "found":
        cached = { etag: result.etag, registry: decode(result.body, location) };
        return cached;
    }
  };

  return {
    description: location.uri,
    async init() {
      // Nothing to create: the object appears on the first write, and the bucket must exist.
      await Promise.resolve();
    },
    async load() {
      return (await read()).registry;
    },
    async currentVersion() {
      const { registry } = await read();
      return {
        version: registry.version,
        lastUpdated: registry.lastUpdated === undefined ? undefined : timestampDate(registry.lastUpdated),
      };
    },
    async update<T>(mutate: RegistryMutation<T>, expectedVersion?: bigint): Promise<UpdateOutcome<T>> {
      const { registry: current, etag } = await read();
      checkExpectedVersion(current.version, expectedVersion);
      // The cached snapshot is shared with readers; mutations work on a copy.
      const { next, result } = mutate(clone(RegistrySchema, current));
      if (next === undefined) return { registry: current, result, changed: false };
      next.version = current.version + 1n;
      next.lastUpdated = timestampNow();
      next.versionId = randomUUID();
      next.registrySchemaVersion = "1";
      const newEtag = await putObject(
        client,
        location,
        toBinary(RegistrySchema, next),
        etag === undefined ? { ifNoneMatch: "*" } : { ifMatch: etag },
        parameters,
      );
      cached = newEtag === undefined ? undefined : { etag: newEtag, registry: next };
      return { registry: next, result, changed: true };
    },
    async close() {
      if (options.client === undefined) client.destroy();
      await Promise.resolve();
    },
  };
}
