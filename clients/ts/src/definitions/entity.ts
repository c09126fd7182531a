import { create } from "@bufbuild/protobuf";
import { EntitySchema, EntitySpecSchema, type Entity as EntityProto } from "@larder/gen/es/larder/core/v1/entity_pb";
import { BaseDefinition, type CommonOptions } from "./definition.js";
import { ValueType } from "./value-types.js";

export interface EntityOptions extends CommonOptions {
  /** Exactly one join key, as Feast allows. @default [name] */
  readonly joinKeys?: readonly string[] | undefined;
  /** Type of the join key's values. @default ValueType.STRING */
  readonly valueType?: ValueType | undefined;
}

/** The thing features describe (a driver, a customer), keyed by one join key column. */
export class Entity extends BaseDefinition {
  readonly kind = "entity";
  readonly joinKey: string;
  readonly valueType: ValueType;

  constructor(options: EntityOptions) {
    super("Entity", options);
    const joinKeys = options.joinKeys ?? [this.name];
    const [joinKey] = joinKeys;
    if (joinKeys.length !== 1 || joinKey === undefined || joinKey === "") {
      throw this.error("joinKeys", `needs exactly one non-empty join key, got ${JSON.stringify(joinKeys)}`);
    }
    this.joinKey = joinKey;
    // Feast leaves an omitted type UNKNOWN and warns; Larder needs a type to encode keys, so STRING.
    this.valueType = options.valueType ?? ValueType.STRING;
    if (ValueType[this.valueType] === undefined || this.valueType === ValueType.UNSPECIFIED) {
      throw this.error("valueType", `unknown value type ${String(this.valueType)}; use a ValueType like INT64`);
    }
  }

  /** Feast's `join_keys` list (always one entry). */
  get joinKeys(): readonly string[] {
    return [this.joinKey];
  }

  toProto(project: string): EntityProto {
    return create(EntitySchema, {
      spec: create(EntitySpecSchema, {
        name: this.name,
        project,
        valueType: this.valueType,
        description: this.description,
        joinKey: this.joinKey,
        tags: { ...this.tags },
        owner: this.owner,
      }),
    });
  }
}
