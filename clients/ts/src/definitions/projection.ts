import { create } from "@bufbuild/protobuf";
import {
  FeatureViewProjectionSchema,
  type FeatureViewProjection as FeatureViewProjectionProto,
} from "@larder/gen/es/larder/core/v1/feature_view_projection_pb";
import type { Field } from "./field.js";
import type { ProjectableView } from "./projectable-view.js";

/** A view as used by a service or on-demand view: a feature subset, an alias and a join-key map. */
export class FeatureViewProjection<F extends string = string> {
  readonly view: ProjectableView;
  readonly features: readonly Field<F>[];
  /** Set by `withName`; reads and outputs then use the alias. */
  readonly alias: string | undefined;
  /** Join key → column of the entity rows that holds its values. */
  readonly joinKeyMap: Readonly<Record<string, string>>;

  constructor(
    view: ProjectableView,
    features: readonly Field<F>[],
    alias?: string,
    joinKeyMap: Readonly<Record<string, string>> = {},
  ) {
    this.view = view;
    this.features = features;
    this.alias = alias;
    this.joinKeyMap = joinKeyMap;
  }

  get viewName(): string {
    return this.view.name;
  }

  /** The alias when set, else the view's name: the prefix of feature references. */
  get nameToUse(): string {
    return this.alias ?? this.view.name;
  }

  /** Keeps only the named features, in the given order; unknown names throw. */
  select<K extends F>(featureNames: readonly K[]): FeatureViewProjection<K> {
    const byName = new Map(this.features.map((field) => [field.name as string, field]));
    const unknown = featureNames.filter((name) => !byName.has(name));
    if (unknown.length > 0 || featureNames.length === 0) {
      const known = [...byName.keys()].map((name) => JSON.stringify(name)).join(", ");
      throw this.view.error(
        "features",
        unknown.length > 0
          ? `unknown feature${unknown.length > 1 ? "s" : ""} ${unknown.map((name) => JSON.stringify(name)).join(", ")}; the view has ${known}`
          : `select needs at least one feature name; the view has ${known}`,
      );
    }
    const selected = featureNames.map((name) => byName.get(name) as Field<K>);
    return new FeatureViewProjection<K>(this.view, selected, this.alias, this.joinKeyMap);
  }

  /** Renames the view in this projection, to use one view twice or shorten references. */
  withName(alias: string): FeatureViewProjection<F> {
    if (typeof alias !== "string" || alias === "") throw this.view.error("alias", "withName needs a non-empty name");
    return new FeatureViewProjection(this.view, this.features, alias, this.joinKeyMap);
  }

  /** Reads each join key's values from another entity-row column, e.g. `{ driver_id: "rider_id" }`. */
  withJoinKeyMap(joinKeyMap: Readonly<Record<string, string>>): FeatureViewProjection<F> {
    for (const [joinKey, column] of Object.entries(joinKeyMap)) {
      if (typeof column !== "string" || column === "") {
        throw this.view.error("joinKeyMap", `join key ${JSON.stringify(joinKey)} must map to a column name`);
      }
    }
    return new FeatureViewProjection(this.view, this.features, this.alias, { ...joinKeyMap });
  }

  toProto(project: string): FeatureViewProjectionProto {
    return create(FeatureViewProjectionSchema, {
      featureViewName: this.view.name,
      featureViewNameAlias: this.alias ?? "",
      featureColumns: this.features.map((field) => field.toProto()),
      joinKeyMap: { ...this.joinKeyMap },
      ...this.view.projectionSourceFields(project),
    });
  }
}
