import type { Message } from "@bufbuild/protobuf";
import { DefinitionError } from "./errors.js";

/** Discriminator of every object a feature repo can export. */
export type DefinitionKind =
  | "entity"
  | "data-source"
  | "feature-view"
  | "on-demand-feature-view"
  | "stream-feature-view"
  | "feature-service"
  | "permission";

export const DEFINITION_KINDS: ReadonlySet<string> = new Set<DefinitionKind>([
  "entity",
  "data-source",
  "feature-view",
  "on-demand-feature-view",
  "stream-feature-view",
  "feature-service",
  "permission",
]);

/** Options every definition accepts, as in Feast. */
export interface CommonOptions {
  readonly name: string;
  readonly description?: string | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly owner?: string | undefined;
}

/** Shared base of all definitions; the repo loader recognises exports by `instanceof` and `kind`. */
export abstract class BaseDefinition {
  abstract readonly kind: DefinitionKind;
  readonly name: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly owner: string;

  constructor(
    /** Feast's class name, used in error messages. */
    readonly typeName: string,
    options: CommonOptions,
  ) {
    this.name = requireName(typeName, options.name);
    this.description = options.description ?? "";
    this.tags = { ...options.tags };
    this.owner = options.owner ?? "";
  }

  /** Builds the registry message; `meta` is left empty for the registry to fill. */
  abstract toProto(project: string): Message;

  /** Creates a DefinitionError about this object's `field`. */
  error(field: string, problem: string): DefinitionError {
    return new DefinitionError(this.typeName, this.name, field, problem);
  }
}

/** Checks a name is a non-empty string and returns it. */
export function requireName(typeName: string, name: unknown): string {
  if (typeof name !== "string" || name.trim() === "") {
    throw new DefinitionError(typeName, typeof name === "string" ? name : "", "name", "must be a non-empty string");
  }
  return name;
}
