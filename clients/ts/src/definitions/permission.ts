import { create } from "@bufbuild/protobuf";
import {
  PermissionSchema,
  PermissionSpecSchema,
  PermissionSpec_Type,
  AuthzedAction,
  type Permission as PermissionProto,
} from "@larder/gen/es/larder/core/v1/permission_pb";
import { DataSource } from "./data-source.js";
import { BaseDefinition } from "./definition.js";
import { Entity } from "./entity.js";
import { FeatureService } from "./feature-service.js";
import { FeatureView } from "./feature-view.js";
import { OnDemandFeatureView } from "./on-demand-feature-view.js";
import { Policy } from "./policy.js";
import { StreamFeatureView } from "./stream-feature-view.js";

export { PermissionSpec_Type as PermissionType };

/** A definition class (e.g. `FeatureView`) or a raw PermissionType. */
export type PermissionResource = (abstract new (...args: never) => BaseDefinition) | PermissionSpec_Type;

export interface PermissionOptions {
  readonly name: string;
  /** Object types the permission covers; every source class maps to DATA_SOURCE. */
  readonly types: PermissionResource | readonly PermissionResource[];
  /** Regular expressions matched against object names; none = all names. */
  readonly namePatterns?: string | readonly string[] | undefined;
  /** Tags an object must carry for the permission to apply. */
  readonly requiredTags?: Readonly<Record<string, string>> | undefined;
  readonly actions: AuthzedAction | readonly AuthzedAction[];
  readonly policy: Policy;
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/** Grants the policy's principals the actions on matching objects, as Feast's `Permission`. */
export class Permission extends BaseDefinition {
  readonly kind = "permission";
  readonly types: readonly PermissionSpec_Type[];
  readonly namePatterns: readonly string[];
  readonly requiredTags: Readonly<Record<string, string>>;
  readonly actions: readonly AuthzedAction[];
  readonly policy: Policy;

  constructor(options: PermissionOptions) {
    super("Permission", options);
    const types = toList(options.types);
    if (types.length === 0) throw this.error("types", "needs at least one type, e.g. FeatureView");
    this.types = types.map((resource) => this.toType(resource));
    this.namePatterns = toList(options.namePatterns ?? []);
    for (const pattern of this.namePatterns) {
      try {
        new RegExp(pattern);
      } catch {
        throw this.error("namePatterns", `${JSON.stringify(pattern)} is not a valid regular expression`);
      }
    }
    this.requiredTags = { ...options.requiredTags };
    this.actions = toList(options.actions);
    if (this.actions.length === 0) throw this.error("actions", "needs at least one AuthzedAction");
    if (!this.actions.every((action) => typeof action === "number" && AuthzedAction[action] !== undefined)) {
      throw this.error("actions", "must hold AuthzedAction values, e.g. AuthzedAction.READ_ONLINE or ...READ");
    }
    if (!(options.policy instanceof Policy))
      throw this.error("policy", "needs a policy, e.g. new RoleBasedPolicy(...)");
    this.policy = options.policy;
  }

  toProto(project: string): PermissionProto {
    const spec = create(PermissionSpecSchema, {
      name: this.name,
      project,
      types: [...this.types],
      namePatterns: [...this.namePatterns],
      requiredTags: { ...this.requiredTags },
      actions: [...this.actions],
      policy: this.policy.toProto(),
      tags: { ...this.tags },
    });
    return create(PermissionSchema, { spec });
  }

  private toType(resource: PermissionResource): PermissionSpec_Type {
    if (typeof resource === "number") {
      if (PermissionSpec_Type[resource] === undefined) throw this.error("types", `unknown type ${resource}`);
      return resource;
    }
    const covers = (base: abstract new (...args: never) => unknown): boolean =>
      resource === base || resource.prototype instanceof base;
    if (covers(FeatureView)) return PermissionSpec_Type.FEATURE_VIEW;
    if (covers(OnDemandFeatureView)) return PermissionSpec_Type.ON_DEMAND_FEATURE_VIEW;
    if (covers(StreamFeatureView)) return PermissionSpec_Type.STREAM_FEATURE_VIEW;
    if (covers(Entity)) return PermissionSpec_Type.ENTITY;
    if (covers(FeatureService)) return PermissionSpec_Type.FEATURE_SERVICE;
    if (covers(DataSource)) return PermissionSpec_Type.DATA_SOURCE;
    if (covers(Permission)) return PermissionSpec_Type.PERMISSION;
    throw this.error("types", `${resource.name || "this class"} is not a registry object type`);
  }
}

function toList<T>(value: T | readonly T[]): T[] {
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}
