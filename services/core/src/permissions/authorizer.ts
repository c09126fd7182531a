import type { AuthzedAction } from "@larder/gen/es/larder/core/v1/permission_pb";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { Principal } from "../auth/principal.js";
import type { AuthConfig, UncoveredPolicy } from "../config/auth-config.js";
import { PermissionDeniedError, UnauthenticatedError } from "../errors.js";
import { actionsLabel, DESCRIBE } from "./actions.js";
import { decide, type Decision } from "./decision.js";
import { compilePermission, type CompiledPermission } from "./matcher.js";
import { describeResource, type Resource } from "./resource.js";

export interface AuthorizerOptions {
  /** `auth` of feature_store.yaml: under `no_auth` nothing is checked (as Feast); otherwise every call is. */
  readonly auth: Pick<AuthConfig, "type" | "defaultPolicyForUncovered">;
}

/** A refusal kept for a principal and request shape; the message is built per call (it names the user). */
interface Refusal {
  readonly decision: Decision;
  readonly resource: Resource;
  readonly actions: readonly AuthzedAction[];
}

interface ShapeDecisions {
  readonly registry: Registry;
  readonly byPrincipal: Map<string, Refusal | null>;
}

const EMPTY: readonly CompiledPermission[] = Object.freeze([]);
const UNCHECKED: Decision = Object.freeze({ allowed: true, reason: "granted" });
/** Distinct principals remembered per request shape before the shape's decisions are dropped. */
const MAX_PRINCIPALS_PER_SHAPE = 256;

/** The error a refusal answers with: it names the user, the action and the resource, never the token. */
export function refusalError(
  principal: Principal,
  decision: Decision,
  resource: Resource,
  actions: readonly AuthzedAction[],
): Error {
  const what = `${actionsLabel(actions)} on ${describeResource(resource)}`;
  if (decision.reason === "unauthenticated") return new UnauthenticatedError(`${what} needs an authenticated caller`);
  const who = `User "${principal.username}" is not allowed ${what}`;
  if (decision.reason === "uncovered") {
    return new PermissionDeniedError(`${who}: no permission covers it and auth.default_policy_for_uncovered is deny`);
  }
  return new PermissionDeniedError(`${who}: no permission grants it to this user`);
}

/**
 * Enforces the registry's Permission objects for one server. Permissions are read from the registry
 * snapshot each call hands in and compiled once per snapshot; decisions on a hot path are remembered
 * per request shape and principal (roles, groups, namespaces).
 */
export class Authorizer {
  /** False under `auth.type: no_auth`: callers skip every check (and allocate nothing). */
  readonly enforcing: boolean;
  readonly uncovered: UncoveredPolicy;
  private readonly compiled = new WeakMap<Registry, Map<string, readonly CompiledPermission[]>>();
  private readonly principalKeys = new WeakMap<Principal, string>();
  private readonly shapes = new WeakMap<object, ShapeDecisions>();

  constructor(options: AuthorizerOptions) {
    this.enforcing = options.auth.type !== "no_auth";
    this.uncovered = options.auth.defaultPolicyForUncovered;
  }

  /** The project's permissions in a snapshot, compiled (cached per snapshot). */
  permissions(registry: Registry, project: string): readonly CompiledPermission[] {
    let byProject = this.compiled.get(registry);
    if (byProject === undefined) {
      const grouped = new Map<string, CompiledPermission[]>();
      for (const permission of registry.permissions) {
        const compiled = compilePermission(permission);
        const list = grouped.get(compiled.project);
        if (list === undefined) grouped.set(compiled.project, [compiled]);
        else list.push(compiled);
      }
      byProject = grouped;
      this.compiled.set(registry, byProject);
    }
    return byProject.get(project) ?? EMPTY;
  }

  /** The decision for one resource; always granted when not enforcing. */
  decide(principal: Principal, registry: Registry, resource: Resource, actions: readonly AuthzedAction[]): Decision {
    if (!this.enforcing) return UNCHECKED;
    return decide(this.permissions(registry, resource.project), principal, resource, actions, this.uncovered);
  }

  allows(principal: Principal, registry: Registry, resource: Resource, actions: readonly AuthzedAction[]): boolean {
    return this.decide(principal, registry, resource, actions).allowed;
  }

  /** Throws PERMISSION_DENIED naming the first resource the principal may not act on with all `actions`. */
  check(
    principal: Principal,
    registry: Registry,
    resources: readonly Resource[],
    actions: readonly AuthzedAction[],
  ): void {
    if (!this.enforcing) return;
    const refusal = this.firstRefusal(principal, registry, resources, actions);
    if (refusal !== null) throw refusalError(principal, refusal.decision, refusal.resource, refusal.actions);
  }

  /**
   * As `check`, remembering the outcome per `shape` (an object that lives as long as the request shape
   * does for this snapshot, e.g. a cached resolution) and principal, so a repeated request costs two
   * map lookups. `resources` is only called on a miss.
   */
  checkCached(
    principal: Principal,
    registry: Registry,
    shape: object,
    resources: () => readonly Resource[],
    actions: readonly AuthzedAction[],
  ): void {
    if (!this.enforcing) return;
    let decisions = this.shapes.get(shape);
    if (decisions === undefined || decisions.registry !== registry) {
      decisions = { registry, byPrincipal: new Map() };
      this.shapes.set(shape, decisions);
    }
    const key = this.principalKey(principal);
    let refusal = decisions.byPrincipal.get(key);
    if (refusal === undefined) {
      refusal = this.firstRefusal(principal, registry, resources(), actions);
      if (decisions.byPrincipal.size >= MAX_PRINCIPALS_PER_SHAPE) decisions.byPrincipal.clear();
      decisions.byPrincipal.set(key, refusal);
    }
    if (refusal !== null) throw refusalError(principal, refusal.decision, refusal.resource, refusal.actions);
  }

  /** The items the principal may act on (DESCRIBE by default): listings leave the others out instead of failing. */
  filter<T>(
    principal: Principal,
    registry: Registry,
    items: readonly T[],
    resourceOf: (item: T) => Resource,
    actions: readonly AuthzedAction[] = DESCRIBE,
  ): T[] {
    if (!this.enforcing) return [...items];
    return items.filter((item) => this.allows(principal, registry, resourceOf(item), actions));
  }

  private firstRefusal(
    principal: Principal,
    registry: Registry,
    resources: readonly Resource[],
    actions: readonly AuthzedAction[],
  ): Refusal | null {
    for (const resource of resources) {
      const decision = this.decide(principal, registry, resource, actions);
      if (!decision.allowed) return { decision, resource, actions };
    }
    return null;
  }

  /** What a decision depends on: never the user name, so users with the same roles share entries. */
  private principalKey(principal: Principal): string {
    let key = this.principalKeys.get(principal);
    if (key === undefined) {
      key = [
        principal.source,
        principal.roles.join("\u0000"),
        principal.groups.join("\u0000"),
        principal.namespaces.join("\u0000"),
      ].join("\u0001");
      this.principalKeys.set(principal, key);
    }
    return key;
  }
}

/** An authorizer that checks nothing (auth.type no_auth): what servers use when no auth config is given. */
export const NO_AUTHORIZATION = new Authorizer({ auth: { type: "no_auth", defaultPolicyForUncovered: "deny" } });
