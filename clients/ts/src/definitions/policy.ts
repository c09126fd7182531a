import { create } from "@bufbuild/protobuf";
import {
  CombinedGroupNamespacePolicySchema,
  GroupBasedPolicySchema,
  NamespaceBasedPolicySchema,
  PolicySchema,
  RoleBasedPolicySchema,
  type Policy as PolicyProto,
} from "@larder/gen/es/larder/core/v1/policy_pb";
import { DefinitionError } from "./errors.js";

/** Decides who a permission applies to; serialised into the permission's `policy`. */
export abstract class Policy {
  abstract toProto(): PolicyProto;
}

function requireList(typeName: string, field: string, values: readonly string[]): string[] {
  const list: unknown = values;
  if (!Array.isArray(list) || !list.every((value) => typeof value === "string" && value !== "")) {
    throw new DefinitionError(typeName, "", field, "must be a list of non-empty strings");
  }
  return [...values];
}

/** Allows users holding any of the roles. */
export class RoleBasedPolicy extends Policy {
  readonly roles: readonly string[];

  constructor(options: { readonly roles: readonly string[] }) {
    super();
    this.roles = requireList("RoleBasedPolicy", "roles", options.roles);
  }

  toProto(): PolicyProto {
    const value = create(RoleBasedPolicySchema, { roles: [...this.roles] });
    return create(PolicySchema, { policyType: { case: "roleBasedPolicy", value } });
  }
}

/** Allows users in any of the groups. */
export class GroupBasedPolicy extends Policy {
  readonly groups: readonly string[];

  constructor(options: { readonly groups: readonly string[] }) {
    super();
    this.groups = requireList("GroupBasedPolicy", "groups", options.groups);
  }

  toProto(): PolicyProto {
    const value = create(GroupBasedPolicySchema, { groups: [...this.groups] });
    return create(PolicySchema, { policyType: { case: "groupBasedPolicy", value } });
  }
}

/** Allows service accounts in any of the Kubernetes namespaces. */
export class NamespaceBasedPolicy extends Policy {
  readonly namespaces: readonly string[];

  constructor(options: { readonly namespaces: readonly string[] }) {
    super();
    this.namespaces = requireList("NamespaceBasedPolicy", "namespaces", options.namespaces);
  }

  toProto(): PolicyProto {
    const value = create(NamespaceBasedPolicySchema, { namespaces: [...this.namespaces] });
    return create(PolicySchema, { policyType: { case: "namespaceBasedPolicy", value } });
  }
}

/** Allows users in any of the groups or namespaces. */
export class CombinedGroupNamespacePolicy extends Policy {
  readonly groups: readonly string[];
  readonly namespaces: readonly string[];

  constructor(options: { readonly groups: readonly string[]; readonly namespaces: readonly string[] }) {
    super();
    this.groups = requireList("CombinedGroupNamespacePolicy", "groups", options.groups);
    this.namespaces = requireList("CombinedGroupNamespacePolicy", "namespaces", options.namespaces);
  }

  toProto(): PolicyProto {
    const value = create(CombinedGroupNamespacePolicySchema, {
      groups: [...this.groups],
      namespaces: [...this.namespaces],
    });
    return create(PolicySchema, { policyType: { case: "combinedGroupNamespacePolicy", value } });
  }
}

class AllowAllPolicy extends Policy {
  toProto(): PolicyProto {
    return create(PolicySchema);
  }
}

/** Allows everyone; serialised as an empty Policy, as Feast does. */
export const AllowAll: Policy = Object.freeze(new AllowAllPolicy());
