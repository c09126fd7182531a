import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { RegistrySchema, type Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { AbortedError } from "@larder/core";
import { KINDS, kindInfo, objectsOf } from "../object-kinds.js";

/** One stored object: its kind number, project, name and encoded message. */
export interface ObjectRow {
  readonly kind: number;
  readonly project: string;
  readonly name: string;
  readonly data: Uint8Array;
}

export function rowKey(row: { kind: number; project: string; name: string }): string {
  return `${row.kind}\u0000${row.project}\u0000${row.name}`;
}

/** Encodes every object of a snapshot as rows keyed by kind, project and name. */
export function toRows(registry: Registry): Map<string, ObjectRow> {
  const rows = new Map<string, ObjectRow>();
  for (const info of KINDS) {
    for (const object of objectsOf(registry, info)) {
      const row = {
        kind: info.kind,
        project: info.project(object),
        name: info.name(object),
        data: toBinary(info.schema, object),
      };
      rows.set(rowKey(row), row);
    }
  }
  return rows;
}

/** Builds a snapshot from stored rows. */
export function fromRows(rows: Iterable<ObjectRow>, version: bigint, lastUpdated: Date | undefined): Registry {
  const registry = create(RegistrySchema, { registrySchemaVersion: "1", version });
  if (lastUpdated !== undefined) registry.lastUpdated = timestampFromDate(lastUpdated);
  for (const row of rows) {
    const info = kindInfo(row.kind);
    objectsOf(registry, info).push(fromBinary(info.schema, row.data));
  }
  return registry;
}

/** The rows to write and delete to go from `before` to `after`. */
export function diffRows(
  before: Map<string, ObjectRow>,
  after: Map<string, ObjectRow>,
): { upserts: ObjectRow[]; deletes: ObjectRow[] } {
  const upserts: ObjectRow[] = [];
  const deletes: ObjectRow[] = [];
  for (const [key, row] of after) {
    const old = before.get(key);
    if (old === undefined || !Buffer.from(old.data).equals(Buffer.from(row.data))) upserts.push(row);
  }
  for (const [key, row] of before) if (!after.has(key)) deletes.push(row);
  return { upserts, deletes };
}

/** Refuses a stale optimistic-concurrency token. */
export function checkExpectedVersion(current: bigint, expected: bigint | undefined): void {
  if (expected !== undefined && expected !== current) {
    throw new AbortedError(
      `The registry changed since it was read (expected version ${expected}, now ${current}); plan again and retry`,
    );
  }
}
