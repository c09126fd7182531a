import { BaseDefinition, DEFINITION_KINDS } from "./definition.js";
import type { DataSource } from "./data-source.js";
import type { Entity } from "./entity.js";
import type { FeatureService } from "./feature-service.js";
import type { FeatureView } from "./feature-view.js";
import type { OnDemandFeatureView } from "./on-demand-feature-view.js";
import type { Permission } from "./permission.js";
import type { StreamFeatureView } from "./stream-feature-view.js";

/** Any object a feature repo can export; switch on `kind` to tell them apart. */
export type Definition =
  Entity | DataSource | FeatureView | OnDemandFeatureView | StreamFeatureView | FeatureService | Permission;

/** True for definitions built with this SDK; the repo loader uses it to pick a module's exports. */
export function isDefinition(value: unknown): value is Definition {
  return value instanceof BaseDefinition && DEFINITION_KINDS.has(value.kind);
}
