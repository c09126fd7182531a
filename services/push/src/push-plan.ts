import type { OnDemandFeatureView } from "@larder/gen/es/larder/core/v1/on_demand_feature_view_pb";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { odfvSourceViews, pushTargets, transformsOnWrite, type TargetView } from "./push-targets.js";

/** What a push to one push source writes, resolved from one registry snapshot. */
export interface PushPlan {
  /** Every view whose stream source is the push source. */
  readonly targets: readonly TargetView[];
  readonly viewNames: readonly string[];
  /** On-demand views marked write_to_online_store whose feature-view inputs are all among the targets. */
  readonly transforms: readonly OnDemandFeatureView[];
  /** Targets some transform reads (their coerced Values are kept for it). */
  readonly transformInputs: ReadonlySet<string>;
}

/**
 * Push plans per registry snapshot and push source: resolving targets scans every view of the registry
 * and builds entity-key encoders, which per call cost more than a one-row push's own work. A snapshot
 * object stands for one registry version (the snapshot cache replaces it when the version moves), so
 * plans are keyed by its identity and dropped with it. An unknown push source is not remembered.
 */
export class PushPlans {
  private readonly bySnapshot = new WeakMap<Registry, Map<string, PushPlan>>();

  constructor(private readonly project: string) {}

  get(registry: Registry, pushSourceName: string): PushPlan {
    let plans = this.bySnapshot.get(registry);
    if (plans === undefined) {
      plans = new Map();
      this.bySnapshot.set(registry, plans);
    }
    let plan = plans.get(pushSourceName);
    if (plan === undefined) {
      plan = planOf(registry, this.project, pushSourceName);
      plans.set(pushSourceName, plan);
    }
    return plan;
  }
}

function planOf(registry: Registry, project: string, pushSourceName: string): PushPlan {
  const targets = pushTargets(registry, project, pushSourceName);
  const viewNames = targets.map((t) => t.name);
  const transforms = transformsOnWrite(registry, project, viewNames);
  const transformInputs = new Set(transforms.flatMap((odfv) => odfvSourceViews(odfv)));
  return { targets, viewNames, transforms, transformInputs };
}
