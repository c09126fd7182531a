import { describe, expect, it } from "vitest";
import {
  ALL_ACTIONS,
  AllowAll,
  AuthzedAction,
  CRUD,
  CombinedGroupNamespacePolicy,
  DefinitionError,
  Entity,
  FeatureService,
  FeatureView,
  FileSource,
  GroupBasedPolicy,
  NamespaceBasedPolicy,
  OnDemandFeatureView,
  Permission,
  PermissionType,
  PostgreSQLSource,
  PushSource,
  READ,
  RequestSource,
  RoleBasedPolicy,
  StreamFeatureView,
  WRITE,
} from "../../src/index.js";

describe("Permission", () => {
  it("maps definition classes to types, every source class to DATA_SOURCE", () => {
    const permission = new Permission({
      name: "reader",
      types: [FeatureView, OnDemandFeatureView, StreamFeatureView, Entity, FeatureService, Permission],
      actions: READ,
      policy: new RoleBasedPolicy({ roles: ["reader"] }),
    });
    expect(permission.types).toEqual([
      PermissionType.FEATURE_VIEW,
      PermissionType.ON_DEMAND_FEATURE_VIEW,
      PermissionType.STREAM_FEATURE_VIEW,
      PermissionType.ENTITY,
      PermissionType.FEATURE_SERVICE,
      PermissionType.PERMISSION,
    ]);
    const sources = new Permission({
      name: "sources",
      types: [FileSource, PostgreSQLSource, PushSource, RequestSource, PermissionType.PROJECT],
      actions: AuthzedAction.DESCRIBE,
      policy: AllowAll,
    });
    expect(sources.types).toEqual([
      ...Array<PermissionType>(4).fill(PermissionType.DATA_SOURCE),
      PermissionType.PROJECT,
    ]);
  });

  it("converts actions, name patterns and tags", () => {
    const spec = new Permission({
      name: "writer",
      types: FeatureView,
      namePatterns: "driver_.*",
      requiredTags: { team: "ml" },
      actions: [...WRITE, AuthzedAction.DESCRIBE],
      policy: AllowAll,
    }).toProto("p").spec!;
    expect(spec.project).toBe("p");
    expect(spec.namePatterns).toEqual(["driver_.*"]);
    expect(spec.requiredTags).toEqual({ team: "ml" });
    expect(spec.actions).toEqual([AuthzedAction.WRITE_ONLINE, AuthzedAction.WRITE_OFFLINE, AuthzedAction.DESCRIBE]);
  });

  it("groups actions as Feast does", () => {
    expect(ALL_ACTIONS).toHaveLength(8);
    expect(CRUD).toEqual([AuthzedAction.CREATE, AuthzedAction.DESCRIBE, AuthzedAction.UPDATE, AuthzedAction.DELETE]);
    expect(READ).toEqual([AuthzedAction.READ_ONLINE, AuthzedAction.READ_OFFLINE]);
  });

  it("rejects a class that is not a registry object and a bad name pattern", () => {
    const policy = AllowAll;
    expect(() => new Permission({ name: "x", types: [Date as never], actions: READ, policy })).toThrow(DefinitionError);
    expect(() => new Permission({ name: "x", types: FeatureView, namePatterns: "(", actions: READ, policy })).toThrow(
      DefinitionError,
    );
  });
});

describe("policies", () => {
  it("serialise to their oneof cases", () => {
    expect(new RoleBasedPolicy({ roles: ["a"] }).toProto().policyType).toMatchObject({
      case: "roleBasedPolicy",
      value: { roles: ["a"] },
    });
    expect(new GroupBasedPolicy({ groups: ["g"] }).toProto().policyType).toMatchObject({
      case: "groupBasedPolicy",
      value: { groups: ["g"] },
    });
    expect(new NamespaceBasedPolicy({ namespaces: ["n"] }).toProto().policyType).toMatchObject({
      case: "namespaceBasedPolicy",
      value: { namespaces: ["n"] },
    });
    expect(new CombinedGroupNamespacePolicy({ groups: ["g"], namespaces: ["n"] }).toProto().policyType).toMatchObject({
      case: "combinedGroupNamespacePolicy",
      value: { groups: ["g"], namespaces: ["n"] },
    });
  });

  it("AllowAll is an empty policy", () => {
    const proto = AllowAll.toProto();
    expect(proto.policyType.case).toBeUndefined();
    expect(proto.name).toBe("");
  });
});
