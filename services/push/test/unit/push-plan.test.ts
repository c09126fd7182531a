import { create } from "@bufbuild/protobuf";
import { RegistrySchema, type Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { describe, expect, it } from "vitest";
import { PushPlans } from "../../src/push-plan.js";
import { PushSourceNotFoundError } from "../../src/push-targets.js";

const PROJECT = "p";

/** A registry snapshot whose push source `src` feeds the feature views `views`. */
function snapshot(views: readonly string[]): Registry {
  const pushSource = { project: PROJECT, name: "src", options: { case: "pushOptions" as const, value: {} } };
  return create(RegistrySchema, {
    dataSources: [pushSource],
    featureViews: views.map((name) => ({
      spec: {
        name,
        project: PROJECT,
        entityColumns: [{ name: "id", valueType: ValueType.INT64 }],
        features: [{ name: "x", valueType: ValueType.DOUBLE }],
        streamSource: pushSource,
      },
    })),
  });
}

describe("PushPlans", () => {
  it("resolves a push source once per registry snapshot, and again for a new snapshot", () => {
    const plans = new PushPlans(PROJECT);
    const v1 = snapshot(["a"]);
    const first = plans.get(v1, "src");
    expect(first.viewNames).toEqual(["a"]);
    expect(plans.get(v1, "src")).toBe(first);
    // A new registry version is a new snapshot object: its views are seen at once.
    const v2 = snapshot(["a", "b"]);
    expect(plans.get(v2, "src").viewNames).toEqual(["a", "b"]);
  });

  it("does not remember an unknown push source (it may be applied later)", () => {
    const plans = new PushPlans(PROJECT);
    const registry = snapshot([]);
    expect(() => plans.get(registry, "other")).toThrow(PushSourceNotFoundError);
    expect(() => plans.get(registry, "other")).toThrow(PushSourceNotFoundError);
    expect(plans.get(registry, "src").viewNames).toEqual([]);
  });
});
