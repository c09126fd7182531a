import type { BaseDefinition } from "./definition.js";
import { Entity } from "./entity.js";
import { Field } from "./field.js";

/** A view's schema split into typed join-key columns and features. */
export interface ViewColumns<F extends string> {
  readonly entities: readonly Entity[];
  readonly entityColumns: readonly Field[];
  readonly features: readonly Field<F>[];
}

/**
 * Splits a schema as Feast does: fields named like a join key are entity columns (typed by the
 * entity), the rest are features. Every join key gets an entity column, declared in the schema or not.
 */
export function splitViewColumns<F extends string>(
  view: BaseDefinition,
  entities: readonly Entity[] | undefined,
  schema: readonly Field<F>[] | undefined,
): ViewColumns<F> {
  const entityList = [...(entities ?? [])];
  if (!entityList.every((entity) => entity instanceof Entity)) throw view.error("entities", "must hold Entity objects");
  const fields = [...(schema ?? [])];
  if (!fields.every((field) => field instanceof Field)) throw view.error("schema", "must hold Field objects");
  rejectDuplicates(
    view,
    "entities",
    entityList.map((entity) => entity.name),
  );
  rejectDuplicates(
    view,
    "schema",
    fields.map((field) => field.name),
  );

  const byName = new Map<string, Field>(fields.map((field) => [field.name, field]));
  const entityColumns = entityList.map((entity) => {
    const declared = byName.get(entity.joinKey);
    return new Field({
      name: entity.joinKey,
      dtype: entity.valueType,
      description: declared?.description,
      tags: declared?.tags,
    });
  });
  const joinKeys = new Set(entityList.map((entity) => entity.joinKey));
  return { entities: entityList, entityColumns, features: fields.filter((field) => !joinKeys.has(field.name)) };
}

function rejectDuplicates(view: BaseDefinition, field: string, names: readonly string[]): void {
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw view.error(field, `${JSON.stringify(duplicate)} appears twice`);
}
