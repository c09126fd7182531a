import { create } from "@bufbuild/protobuf";
import {
  AuthzedAction as A,
  PermissionSchema,
  PermissionSpec_Type as T,
} from "@larder/gen/es/larder/core/v1/permission_pb";
import { RegistrySchema, type Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { describe, expect, it } from "vitest";
import { ANONYMOUS, type Principal } from "../../src/auth/principal.js";
import {
  Authorizer,
  Code,
  coverageReport,
  featureReadResources,
  LarderError,
  pushSourceResources,
  READ_ONLINE,
  rolesInPolicies,
  type Resource,
} from "../../src/index.js";

function registryWith(
  permissions: Array<{ name: string; patterns?: string[]; actions: A[]; roles?: string[] }>,
): Registry {
  return create(RegistrySchema, {
    version: 1n,
    projects: [{ spec: { name: "proj" } }],
    featureViews: [
      { spec: { name: "public_stats", project: "proj" } },
      { spec: { name: "secret_stats", project: "proj", tags: { team: "risk" } } },
    ],
    permissions: permissions.map((p) =>
      create(PermissionSchema, {
        spec: {
          name: p.name,
          project: "proj",
          types: [T.FEATURE_VIEW],
          namePatterns: p.patterns ?? [],
          actions: p.actions,
          ...(p.roles === undefined
            ? {}
            : { policy: { policyType: { case: "roleBasedPolicy", value: { roles: p.roles } } } }),
        },
      }),
    ),
  });
}

const alice: Principal = { username: "alice", roles: ["reader"], groups: [], namespaces: [], source: "oidc" };
const bob: Principal = { username: "bob", roles: ["nobody"], groups: [], namespaces: [], source: "oidc" };
const resource = (name: string): Resource => ({ type: T.FEATURE_VIEW, name, project: "proj", tags: {} });

function codeOf(fn: () => void): Code | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof LarderError ? error.code : undefined;
  }
  return undefined;
}

describe("Authorizer", () => {
  const registry = registryWith([
    { name: "read-public", patterns: ["public_.*"], actions: [A.DESCRIBE, A.READ_ONLINE], roles: ["reader"] },
  ]);

  it("checks nothing under no_auth", () => {
    const authz = new Authorizer({ auth: { type: "no_auth", defaultPolicyForUncovered: "deny" } });
    expect(authz.enforcing).toBe(false);
    expect(() => authz.check(ANONYMOUS, registry, [resource("secret_stats")], READ_ONLINE)).not.toThrow();
  });

  it("answers PERMISSION_DENIED naming the user, action and resource", () => {
    const authz = new Authorizer({ auth: { type: "oidc", defaultPolicyForUncovered: "deny" } });
    expect(() => authz.check(alice, registry, [resource("public_stats")], READ_ONLINE)).not.toThrow();
    let message = "";
    try {
      authz.check(bob, registry, [resource("public_stats")], READ_ONLINE);
    } catch (error) {
      expect((error as LarderError).code).toBe(Code.PermissionDenied);
      message = (error as Error).message;
    }
    expect(message).toContain('"bob"');
    expect(message).toContain("READ_ONLINE");
    expect(message).toContain('feature view "public_stats"');
  });

  it("refuses uncovered resources by default and lets authenticated users in with allow_authenticated", () => {
    const deny = new Authorizer({ auth: { type: "oidc", defaultPolicyForUncovered: "deny" } });
    const open = new Authorizer({ auth: { type: "oidc", defaultPolicyForUncovered: "allow_authenticated" } });
    expect(codeOf(() => deny.check(alice, registry, [resource("secret_stats")], READ_ONLINE))).toBe(
      Code.PermissionDenied,
    );
    expect(codeOf(() => open.check(alice, registry, [resource("secret_stats")], READ_ONLINE))).toBeUndefined();
    expect(codeOf(() => open.check(ANONYMOUS, registry, [resource("secret_stats")], READ_ONLINE))).toBe(
      Code.Unauthenticated,
    );
  });

  it("remembers decisions per shape and principal, and drops them when the snapshot changes", () => {
    const authz = new Authorizer({ auth: { type: "oidc", defaultPolicyForUncovered: "deny" } });
    const shape = {};
    let computed = 0;
    const resources = (): Resource[] => {
      computed++;
      return [resource("public_stats")];
    };
    authz.checkCached(alice, registry, shape, resources, READ_ONLINE);
    authz.checkCached({ ...alice, username: "alice2" }, registry, shape, resources, READ_ONLINE);
    expect(computed).toBe(1);
    expect(codeOf(() => authz.checkCached(bob, registry, shape, resources, READ_ONLINE))).toBe(Code.PermissionDenied);
    expect(codeOf(() => authz.checkCached(bob, registry, shape, resources, READ_ONLINE))).toBe(Code.PermissionDenied);
    expect(computed).toBe(2);
    // A new snapshot that revokes the permission: the shape's decisions start over.
    const revoked = registryWith([]);
    expect(codeOf(() => authz.checkCached(alice, revoked, shape, resources, READ_ONLINE))).toBe(Code.PermissionDenied);
    expect(computed).toBe(3);
  });

  it("filters listings instead of failing them", () => {
    const authz = new Authorizer({ auth: { type: "oidc", defaultPolicyForUncovered: "deny" } });
    const names = ["public_stats", "secret_stats", "public_other"];
    expect(authz.filter(alice, registry, names, resource)).toEqual(["public_stats", "public_other"]);
    expect(authz.filter(bob, registry, names, resource)).toEqual([]);
  });
});

describe("permission resources of a registry", () => {
  const registry = create(RegistrySchema, {
    featureViews: [
      {
        spec: {
          name: "fv",
          project: "proj",
          streamSource: { name: "push_src", project: "proj", options: { case: "pushOptions", value: {} } },
        },
      },
      { spec: { name: "other", project: "proj" } },
    ],
    streamFeatureViews: [
      {
        spec: {
          name: "sfv",
          project: "proj",
          streamSource: { name: "push_src", project: "proj", options: { case: "pushOptions", value: {} } },
        },
      },
    ],
    onDemandFeatureViews: [
      {
        spec: {
          name: "odfv",
          project: "proj",
          sources: { a: { source: { case: "featureViewProjection", value: { featureViewName: "other" } } } },
        },
      },
    ],
    featureServices: [{ spec: { name: "svc", project: "proj", features: [{ featureViewName: "odfv" }] } }],
  });
  const names = (rs: readonly Resource[]): string[] => rs.map((r) => `${T[r.type]}:${r.name}`);

  it("a feature service read covers the service, its views and the inputs of its on-demand views", () => {
    expect(names(featureReadResources(registry, "proj", { service: "svc" }))).toEqual([
      "FEATURE_SERVICE:svc",
      "ON_DEMAND_FEATURE_VIEW:odfv",
      "FEATURE_VIEW:other",
    ]);
  });

  it("a refs read covers each view once, typed by its kind", () => {
    expect(names(featureReadResources(registry, "proj", { refs: ["fv:a", "fv:b", "sfv:c", "missing:d"] }))).toEqual([
      "FEATURE_VIEW:fv",
      "STREAM_FEATURE_VIEW:sfv",
    ]);
  });

  it("a push covers every view its push source feeds", () => {
    expect(names(pushSourceResources(registry, "proj", "push_src"))).toEqual([
      "FEATURE_VIEW:fv",
      "STREAM_FEATURE_VIEW:sfv",
    ]);
  });
});

describe("permissions coverage", () => {
  it("lists uncovered objects and actions no permission grants, and the roles policies name", () => {
    const registry = registryWith([
      { name: "read-public", patterns: ["public_.*"], actions: [A.DESCRIBE, A.READ_ONLINE], roles: ["reader"] },
      { name: "write-public", patterns: ["public_.*"], actions: [A.WRITE_ONLINE], roles: ["writer", "reader"] },
    ]);
    const report = coverageReport(registry, "proj");
    expect(report.uncovered.map((r) => r.name)).toEqual(["proj", "secret_stats", "read-public", "write-public"]);
    expect(report.ungranted.map((u) => [u.resource.name, u.actions.map((a) => A[a])])).toEqual([
      ["public_stats", ["CREATE", "UPDATE", "DELETE", "READ_OFFLINE", "WRITE_OFFLINE"]],
    ]);
    expect(rolesInPolicies(registry, "proj")).toEqual(["reader", "writer"]);
  });
});
