import { create } from "@bufbuild/protobuf";
import {
  AuthzedAction,
  PermissionSchema,
  PermissionSpec_Type as T,
  type Permission,
} from "@larder/gen/es/larder/core/v1/permission_pb";
import { PolicySchema, type Policy } from "@larder/gen/es/larder/core/v1/policy_pb";
import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.js";
import { ANONYMOUS } from "../../src/auth/principal.js";
import {
  compilePermission,
  decide,
  nameMatches,
  policyAccepts,
  tagsMatch,
  typeMatches,
  type Resource,
} from "../../src/index.js";

const A = AuthzedAction;

function policy(init: Parameters<typeof create<typeof PolicySchema>>[1] = {}): Policy {
  return create(PolicySchema, init);
}
const roles = (...r: string[]): Policy => policy({ policyType: { case: "roleBasedPolicy", value: { roles: r } } });
const groups = (...g: string[]): Policy => policy({ policyType: { case: "groupBasedPolicy", value: { groups: g } } });
const namespaces = (...n: string[]): Policy =>
  policy({ policyType: { case: "namespaceBasedPolicy", value: { namespaces: n } } });

function permission(init: {
  name?: string;
  project?: string;
  types?: T[];
  namePatterns?: string[];
  requiredTags?: Record<string, string>;
  actions: AuthzedAction[];
  policy?: Policy;
}): Permission {
  return create(PermissionSchema, {
    spec: {
      name: init.name ?? "p",
      project: init.project ?? "proj",
      types: init.types ?? [T.FEATURE_VIEW],
      namePatterns: init.namePatterns ?? [],
      requiredTags: init.requiredTags ?? {},
      actions: init.actions,
      ...(init.policy === undefined ? {} : { policy: init.policy }),
    },
  });
}

function user(init: Partial<Principal> = {}): Principal {
  return { username: "u", roles: [], groups: [], namespaces: [], source: "oidc", ...init };
}

const view = (name: string, tags: Record<string, string> = {}, type: T = T.FEATURE_VIEW): Resource => ({
  type,
  name,
  project: "proj",
  tags,
});

describe("permissions matcher: types", () => {
  it("lets a FEATURE_VIEW permission cover stream and batch feature views, as Feast's subclasses", () => {
    const types = new Set([T.FEATURE_VIEW]);
    expect(typeMatches(types, T.FEATURE_VIEW)).toBe(true);
    expect(typeMatches(types, T.STREAM_FEATURE_VIEW)).toBe(true);
    expect(typeMatches(types, T.BATCH_FEATURE_VIEW)).toBe(true);
  });

  it("keeps on-demand views, services and other types apart", () => {
    const types = new Set([T.FEATURE_VIEW]);
    expect(typeMatches(types, T.ON_DEMAND_FEATURE_VIEW)).toBe(false);
    expect(typeMatches(types, T.FEATURE_SERVICE)).toBe(false);
    expect(typeMatches(new Set([T.STREAM_FEATURE_VIEW]), T.FEATURE_VIEW)).toBe(false);
  });

  it("treats an empty type list as every type (Feast's default)", () => {
    expect(typeMatches(new Set(), T.ENTITY)).toBe(true);
    expect(typeMatches(new Set(), T.PROJECT)).toBe(true);
  });
});

describe("permissions matcher: name patterns", () => {
  it("matches the whole name (re.fullmatch), not a substring", () => {
    const p = compilePermission(permission({ namePatterns: ["test.*"], actions: [A.DESCRIBE] }));
    expect(nameMatches(p, "test1")).toBe(true);
    expect(nameMatches(p, "wrongtest")).toBe(false);
    expect(nameMatches(p, "xtest1")).toBe(false);
  });

  it("matches when any pattern matches, and every name without patterns", () => {
    const p = compilePermission(permission({ namePatterns: ["a", "b.*"], actions: [A.DESCRIBE] }));
    expect(nameMatches(p, "a")).toBe(true);
    expect(nameMatches(p, "bee")).toBe(true);
    expect(nameMatches(p, "ab")).toBe(false);
    expect(nameMatches(compilePermission(permission({ actions: [A.DESCRIBE] })), "anything")).toBe(true);
  });

  it("anchors alternations as a whole", () => {
    const p = compilePermission(permission({ namePatterns: ["a|b"], actions: [A.DESCRIBE] }));
    expect(nameMatches(p, "a")).toBe(true);
    expect(nameMatches(p, "ab")).toBe(false);
    expect(nameMatches(p, "xb")).toBe(false);
  });

  it("fails closed on a pattern that does not compile", () => {
    const p = compilePermission(permission({ namePatterns: ["(unclosed", ".*"], actions: [A.DESCRIBE] }));
    expect(p.invalidPattern).toBe(true);
    expect(nameMatches(p, "anything")).toBe(false);
  });
});

describe("permissions matcher: required tags", () => {
  const p = compilePermission(permission({ requiredTags: { team: "risk", tier: "gold" }, actions: [A.DESCRIBE] }));

  it("needs every required tag with an equal value", () => {
    expect(tagsMatch(p, { team: "risk", tier: "gold" })).toBe(true);
    expect(tagsMatch(p, { team: "risk", tier: "gold", extra: "x" })).toBe(true);
  });

  it("refuses a missing tag or a different value (unlike Feast, which skips the check)", () => {
    expect(tagsMatch(p, { team: "risk" })).toBe(false);
    expect(tagsMatch(p, { team: "risk", tier: "silver" })).toBe(false);
    expect(tagsMatch(p, {})).toBe(false);
  });

  it("does not take inherited properties for tags", () => {
    const q = compilePermission(permission({ requiredTags: { toString: "x" }, actions: [A.DESCRIBE] }));
    expect(tagsMatch(q, {})).toBe(false);
  });
});

describe("permissions policies", () => {
  it("role-based: any of the roles", () => {
    expect(policyAccepts(roles("reader", "writer"), user({ roles: ["writer"] }))).toBe(true);
    expect(policyAccepts(roles("reader"), user({ roles: ["writer"] }))).toBe(false);
  });

  it("group-based and namespace-based", () => {
    expect(policyAccepts(groups("ml"), user({ groups: ["ml"] }))).toBe(true);
    expect(policyAccepts(groups("ml"), user({ roles: ["ml"] }))).toBe(false);
    expect(policyAccepts(namespaces("ns1"), user({ namespaces: ["ns1"] }))).toBe(true);
    expect(policyAccepts(namespaces("ns1"), user({ groups: ["ns1"] }))).toBe(false);
  });

  it("combined: any group or any namespace", () => {
    const combined = policy({
      policyType: { case: "combinedGroupNamespacePolicy", value: { groups: ["g"], namespaces: ["n"] } },
    });
    expect(policyAccepts(combined, user({ groups: ["g"] }))).toBe(true);
    expect(policyAccepts(combined, user({ namespaces: ["n"] }))).toBe(true);
    expect(policyAccepts(combined, user({ roles: ["g", "n"] }))).toBe(false);
  });

  it("allow-all: an empty policy, or none", () => {
    expect(policyAccepts(policy(), user())).toBe(true);
    expect(policyAccepts(undefined, user())).toBe(true);
  });
});

describe("permissions decide", () => {
  const reader = permission({ name: "read", actions: [A.DESCRIBE, A.READ_ONLINE], policy: roles("reader") });
  const writer = permission({
    name: "write",
    actions: [A.WRITE_ONLINE, A.WRITE_OFFLINE],
    policy: roles("writer"),
  });
  const compiled = [reader, writer].map(compilePermission);

  it("grants when a covering permission has the actions and accepts the user", () => {
    const d = decide(compiled, user({ roles: ["reader"] }), view("v"), [A.READ_ONLINE], "deny");
    expect(d).toEqual({ allowed: true, reason: "granted", permission: "read" });
  });

  it("denies a user whose roles no granting permission accepts", () => {
    expect(decide(compiled, user({ roles: ["writer"] }), view("v"), [A.READ_ONLINE], "deny").allowed).toBe(false);
    expect(decide(compiled, user({ roles: ["reader"] }), view("v"), [A.WRITE_ONLINE], "deny").allowed).toBe(false);
  });

  it("needs all requested actions from one permission", () => {
    const split = [
      permission({ name: "on", actions: [A.WRITE_ONLINE], policy: roles("w") }),
      permission({ name: "off", actions: [A.WRITE_OFFLINE], policy: roles("w") }),
    ].map(compilePermission);
    const w = user({ roles: ["w"] });
    expect(decide(split, w, view("v"), [A.WRITE_ONLINE], "deny").allowed).toBe(true);
    expect(decide(split, w, view("v"), [A.WRITE_OFFLINE], "deny").allowed).toBe(true);
    expect(decide(split, w, view("v"), [A.WRITE_ONLINE, A.WRITE_OFFLINE], "deny")).toEqual({
      allowed: false,
      reason: "denied",
    });
    expect(
      decide(compiled, user({ roles: ["writer"] }), view("v"), [A.WRITE_ONLINE, A.WRITE_OFFLINE], "deny").allowed,
    ).toBe(true);
  });

  it("grants when any of several matching permissions accepts (affirmative)", () => {
    const two = [
      permission({ name: "a", actions: [A.READ_ONLINE], policy: roles("x") }),
      permission({ name: "b", actions: [A.READ_ONLINE], policy: groups("g") }),
    ].map(compilePermission);
    expect(decide(two, user({ groups: ["g"] }), view("v"), [A.READ_ONLINE], "deny")).toMatchObject({
      allowed: true,
      permission: "b",
    });
  });

  it("applies the uncovered default only where no permission covers the resource", () => {
    const onlyViews = [permission({ namePatterns: ["public_.*"], actions: [A.READ_ONLINE] })].map(compilePermission);
    const anyone = user();
    expect(decide(onlyViews, anyone, view("secret"), [A.READ_ONLINE], "deny")).toEqual({
      allowed: false,
      reason: "uncovered",
    });
    expect(decide(onlyViews, anyone, view("secret"), [A.READ_ONLINE], "allow_authenticated")).toEqual({
      allowed: true,
      reason: "uncovered",
    });
    // Covered (READ_ONLINE granted), so WRITE_ONLINE is refused even under allow_authenticated.
    expect(decide(onlyViews, anyone, view("public_x"), [A.WRITE_ONLINE], "allow_authenticated")).toEqual({
      allowed: false,
      reason: "denied",
    });
  });

  it("with no permissions at all, follows the uncovered default", () => {
    expect(decide([], user(), view("v"), [A.READ_ONLINE], "deny").allowed).toBe(false);
    expect(decide([], user(), view("v"), [A.DELETE], "allow_authenticated").allowed).toBe(true);
  });

  it("only matches resources whose tags carry every required tag", () => {
    const tagged = [permission({ requiredTags: { team: "risk" }, actions: [A.READ_ONLINE], policy: roles("r") })].map(
      compilePermission,
    );
    const r = user({ roles: ["r"] });
    expect(decide(tagged, r, view("v", { team: "risk" }), [A.READ_ONLINE], "deny").allowed).toBe(true);
    expect(decide(tagged, r, view("v", { team: "ops" }), [A.READ_ONLINE], "deny")).toEqual({
      allowed: false,
      reason: "uncovered",
    });
  });

  it("ignores permissions of other projects", () => {
    const other = [permission({ project: "other", actions: [A.READ_ONLINE] })].map(compilePermission);
    expect(decide(other, user(), view("v"), [A.READ_ONLINE], "deny").reason).toBe("uncovered");
  });

  it("refuses an unauthenticated caller even under an allow-all permission", () => {
    const open = [permission({ actions: [A.READ_ONLINE] })].map(compilePermission);
    expect(decide(open, ANONYMOUS, view("v"), [A.READ_ONLINE], "allow_authenticated")).toEqual({
      allowed: false,
      reason: "unauthenticated",
    });
  });

  it("grants stream feature views through a FEATURE_VIEW permission, not on-demand views", () => {
    const r = user({ roles: ["reader"] });
    expect(decide(compiled, r, view("s", {}, T.STREAM_FEATURE_VIEW), [A.READ_ONLINE], "deny").allowed).toBe(true);
    expect(decide(compiled, r, view("o", {}, T.ON_DEMAND_FEATURE_VIEW), [A.READ_ONLINE], "deny").reason).toBe(
      "uncovered",
    );
  });
});
