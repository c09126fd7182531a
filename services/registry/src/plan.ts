import { clone, create, equals, toJson, type Message } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { RegistrySchema, type Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import {
  ChangeType,
  FieldChangeSchema,
  ObjectChangeSchema,
  ObjectKind,
  type FieldChange,
  type ObjectChange,
  type RepoContents,
} from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { InvalidArgumentError } from "@larder/core";
import { KINDS, contentsOf, objectsOf, type KindInfo, type RegistryObject } from "./object-kinds.js";

/** The changes that turn the registry's state of one project into the desired state, and that state. */
export interface Plan {
  readonly project: string;
  readonly changes: ObjectChange[];
  /** The whole registry after the plan (other projects untouched). */
  readonly next: Registry;
  readonly hasChanges: boolean;
}

/** Compares two definitions without their metadata (timestamps, intervals). */
function definitionOf(info: KindInfo, object: RegistryObject): Message | undefined {
  if (info.kind !== ObjectKind.DATA_SOURCE) return info.definition(object);
  const copy = clone(info.schema, object) as RegistryObject;
  copy.meta = undefined;
  return copy;
}

function fieldChanges(info: KindInfo, before: Message | undefined, after: Message | undefined): FieldChange[] {
  const schema = info.definitionSchema();
  const a = (before === undefined ? {} : toJson(schema, before)) as Record<string, unknown>;
  const b = (after === undefined ? {} : toJson(schema, after)) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => k !== "meta").sort();
  const changes: FieldChange[] = [];
  for (const key of keys) {
    const oldValue = a[key] === undefined ? "" : JSON.stringify(a[key]);
    const newValue = b[key] === undefined ? "" : JSON.stringify(b[key]);
    if (oldValue !== newValue) changes.push(create(FieldChangeSchema, { path: key, oldValue, newValue }));
  }
  return changes;
}

function sameDefinition(info: KindInfo, a: RegistryObject, b: RegistryObject): boolean {
  const left = definitionOf(info, a);
  const right = definitionOf(info, b);
  if (left === undefined || right === undefined) return left === right;
  return equals(info.definitionSchema(), left, right);
}

/** The project a desired state is for; every object in it must belong to that project. */
export function projectOf(desired: RepoContents): string {
  const name = desired.project?.spec?.name ?? "";
  if (name === "") throw new InvalidArgumentError("desired.project.spec.name is required");
  return name;
}

/**
 * Plans an apply: objects of the project that are new are created, changed ones updated (keeping
 * their creation time and materialization intervals), missing ones deleted unless `skipDeletes`.
 */
export function planApply(current: Registry, desired: RepoContents, now: Date, skipDeletes = false): Plan {
  const project = projectOf(desired);
  const next = clone(RegistrySchema, current);
  const stamp = timestampFromDate(now);
  const changes: ObjectChange[] = [];
  for (const info of KINDS) {
    const existing = new Map<string, RegistryObject>();
    const others: RegistryObject[] = [];
    for (const object of objectsOf(current, info)) {
      if (info.project(object) === project) existing.set(info.name(object), object);
      else others.push(object);
    }
    const result: RegistryObject[] = [...others];
    const wanted = new Set<string>();
    for (const object of contentsOf(desired, info)) {
      const name = info.name(object);
      wanted.add(name);
      const before = existing.get(name);
      const candidate = clone(info.schema, object) as RegistryObject;
      if (before === undefined) {
        const meta = info.ensureMeta(candidate);
        meta.createdTimestamp = stamp;
        meta.lastUpdatedTimestamp = stamp;
        result.push(candidate);
        changes.push(create(ObjectChangeSchema, { kind: info.kind, name, change: ChangeType.CREATE }));
      } else if (sameDefinition(info, before, candidate)) {
        result.push(before);
        changes.push(create(ObjectChangeSchema, { kind: info.kind, name, change: ChangeType.UNCHANGED }));
      } else {
        // Keep what the registry owns (creation time, materialization intervals); take the new definition.
        candidate.meta = (clone(info.schema, before) as RegistryObject).meta;
        const meta = info.ensureMeta(candidate);
        meta.lastUpdatedTimestamp = stamp;
        result.push(candidate);
        changes.push(
          create(ObjectChangeSchema, {
            kind: info.kind,
            name,
            change: ChangeType.UPDATE,
            fieldChanges: fieldChanges(info, definitionOf(info, before), definitionOf(info, candidate)),
          }),
        );
      }
    }
    for (const [name, object] of existing) {
      if (wanted.has(name)) continue;
      if (skipDeletes || info.kind === ObjectKind.PROJECT) {
        result.push(object);
        continue;
      }
      changes.push(create(ObjectChangeSchema, { kind: info.kind, name, change: ChangeType.DELETE }));
    }
    (next[info.field] as RegistryObject[]) = result;
  }
  const hasChanges = changes.some((c) => c.change !== ChangeType.UNCHANGED);
  return { project, changes, next, hasChanges };
}
