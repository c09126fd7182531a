import {
  READ_ONLINE,
  ResourceTypes,
  specResource,
  viewResources,
  type PermissionGuard,
  type Principal,
  type Resource,
} from "@larder/core";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { ResolvedRequest } from "./resolution.js";

/** What an online read touches: the feature service if named, every view read (hidden ODFV inputs too) and each on-demand view. */
function onlineReadResources(
  registry: Registry,
  project: string,
  resolved: ResolvedRequest,
  kind: { service: string } | { refs: readonly string[] },
): Resource[] {
  const resources: Resource[] = [];
  if ("service" in kind) {
    const service = registry.featureServices.find((s) => s.spec?.project === project && s.spec.name === kind.service);
    if (service !== undefined) resources.push(specResource(ResourceTypes.FEATURE_SERVICE, service));
  }
  const names = [...resolved.reads.map((r) => r.view.name), ...resolved.odfvs.map((o) => o.name)];
  resources.push(...viewResources(registry, project, names));
  return resources;
}

/**
 * READ_ONLINE on everything an online read touches, decided once per resolved request shape and
 * principal (the resolution is cached per shape and registry version, so this costs two map lookups).
 */
export function authorizeOnlineRead(
  guard: PermissionGuard,
  principal: Principal,
  resolved: ResolvedRequest,
  kind: { service: string } | { refs: readonly string[] },
): void {
  const registry = guard.registry();
  guard.authz.checkCached(
    principal,
    registry,
    resolved,
    () => onlineReadResources(registry, guard.project, resolved, kind),
    READ_ONLINE,
  );
}

/** READ_ONLINE on the view RetrieveOnlineDocuments searches and the views of the extra features it returns. */
export function authorizeDocumentsRead(
  guard: PermissionGuard,
  principal: Principal,
  request: { readonly featureView: string; readonly features: readonly string[] },
): void {
  const registry = guard.registry();
  const names = [request.featureView];
  for (const ref of request.features) {
    const at = ref.indexOf(":");
    if (at > 0) names.push(ref.slice(0, at));
  }
  guard.authz.check(principal, registry, viewResources(registry, guard.project, names), READ_ONLINE);
}
