import { create } from "@bufbuild/protobuf";
import {
  OnDemandFeatureViewSchema,
  OnDemandFeatureViewSpecSchema,
  OnDemandSourceSchema,
  type OnDemandFeatureView as OnDemandFeatureViewProto,
  type OnDemandSource,
} from "@larder/gen/es/larder/core/v1/on_demand_feature_view_pb";
import {
  FeatureTransformationSchema,
  UserDefinedFunctionSchema,
} from "@larder/gen/es/larder/core/v1/transformation_pb";
import type { CommonOptions } from "./definition.js";
import { Field } from "./field.js";
import { FeatureView } from "./feature-view.js";
import { FeatureViewProjection } from "./projection.js";
import { ProjectableView } from "./projectable-view.js";
import { RequestSource } from "./request-source.js";
import { StreamFeatureView } from "./stream-feature-view.js";

/** What an on-demand view reads: views (whole or projected) and request data. */
export type OnDemandSourceInput = FeatureView | StreamFeatureView | FeatureViewProjection | RequestSource;

/** "python" is Feast's dict-of-columns mode; "typescript" is the same contract, named for clarity. */
export type OnDemandMode = "python" | "typescript";

/** Column names a source contributes to a transform's inputs. */
export type SourceColumnNames<S> = S extends { readonly features: readonly Field<infer N>[] }
  ? N
  : S extends { readonly schema: readonly Field<infer N>[] }
    ? N
    : never;

/** Input columns by name, one entry per entity row; values are loosely typed, as in Feast's python mode. */
export type TransformInputs<S = OnDemandSourceInput> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- values arrive untyped (numbers, strings, bigints, null)
  readonly [K in SourceColumnNames<S>]: any[];
};

/** Output columns by name, one entry per entity row. */
export type TransformOutputs<F extends string = string> = { readonly [K in F]: readonly unknown[] };

/** The stored, loosely typed form of a transform. */
export type OnDemandTransform = (
  inputs: Readonly<Record<string, unknown[]>>,
) => Readonly<Record<string, readonly unknown[]>>;

export interface OnDemandFeatureViewOptions<F extends string, S extends OnDemandSourceInput> extends CommonOptions {
  readonly sources: readonly S[];
  /** Output features. */
  readonly schema: readonly Field<F>[];
  /** @default "python" */
  readonly mode?: OnDemandMode | undefined;
  /** Columns in, columns out; stored as source text, so it must not capture outer variables. */
  readonly transform: (inputs: TransformInputs<S>) => TransformOutputs<NoInfer<F>>;
  /** Compute on write and store results instead of computing at read time. @default false */
  readonly writeToOnlineStore?: boolean | undefined;
}

/** Features computed from other views and request data by a transform, as Feast's `OnDemandFeatureView`. */
export class OnDemandFeatureView<
  F extends string = string,
  S extends OnDemandSourceInput = OnDemandSourceInput,
> extends ProjectableView<F> {
  readonly kind = "on-demand-feature-view";
  /** Sources by the name the transform sees them under (alias, view name or request source name). */
  readonly sources: ReadonlyMap<string, FeatureViewProjection | RequestSource>;
  readonly features: readonly Field<F>[];
  readonly mode: OnDemandMode;
  readonly transform: OnDemandTransform;
  readonly writeToOnlineStore: boolean;

  constructor(options: OnDemandFeatureViewOptions<F, S>) {
    super("OnDemandFeatureView", options);
    this.sources = this.keySources(options.sources);
    if (!Array.isArray(options.schema) || options.schema.length === 0) {
      throw this.error("schema", "needs at least one output Field");
    }
    if (!options.schema.every((field) => field instanceof Field)) throw this.error("schema", "must hold Field objects");
    this.features = [...options.schema];
    this.mode = options.mode ?? "python";
    if (this.mode !== "python" && this.mode !== "typescript") {
      throw this.error("mode", `unknown mode ${JSON.stringify(this.mode)}; use "python" or "typescript"`);
    }
    if (typeof options.transform !== "function") throw this.error("transform", "must be a function");
    this.transform = options.transform as unknown as OnDemandTransform;
    this.writeToOnlineStore = options.writeToOnlineStore ?? false;
  }

  toProto(project: string): OnDemandFeatureViewProto {
    const sources: Record<string, OnDemandSource> = {};
    for (const [key, source] of this.sources) {
      // Feast serialises view inputs as projections, whole views included.
      sources[key] = create(OnDemandSourceSchema, {
        source:
          source instanceof RequestSource
            ? { case: "requestDataSource", value: source.toProto(project) }
            : { case: "featureViewProjection", value: source.toProto(project) },
      });
    }
    const userDefinedFunction = create(UserDefinedFunctionSchema, {
      name: this.name,
      bodyText: this.transform.toString(),
      mode: this.mode,
    });
    const spec = create(OnDemandFeatureViewSpecSchema, {
      name: this.name,
      project,
      features: this.features.map((field) => field.toProto()),
      sources,
      featureTransformation: create(FeatureTransformationSchema, {
        transformation: { case: "userDefinedFunction", value: userDefinedFunction },
      }),
      description: this.description,
      tags: { ...this.tags },
      owner: this.owner,
      mode: this.mode,
      writeToOnlineStore: this.writeToOnlineStore,
    });
    return create(OnDemandFeatureViewSchema, { spec });
  }

  private keySources(inputs: readonly OnDemandSourceInput[]): Map<string, FeatureViewProjection | RequestSource> {
    if (!Array.isArray(inputs) || inputs.length === 0) throw this.error("sources", "needs at least one source");
    const keyed = new Map<string, FeatureViewProjection | RequestSource>();
    for (const input of inputs as readonly unknown[]) {
      let source: FeatureViewProjection | RequestSource;
      if (input instanceof FeatureView || input instanceof StreamFeatureView) source = input.projection;
      else if (input instanceof FeatureViewProjection || input instanceof RequestSource) source = input;
      else throw this.error("sources", "must hold FeatureView, StreamFeatureView, projections or RequestSource");
      const key = source instanceof RequestSource ? source.name : source.nameToUse;
      if (keyed.has(key)) throw this.error("sources", `${JSON.stringify(key)} appears twice; give one withName(alias)`);
      keyed.set(key, source);
    }
    return keyed;
  }
}
