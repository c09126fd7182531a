import {
  featureReadResources,
  READ_OFFLINE,
  viewResources,
  WRITE_ONLINE,
  type PermissionGuard,
  type Principal,
} from "@larder/core";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { GetHistoricalFeaturesRequest } from "@larder/gen/es/larder/materialization/v1/materialization_service_pb";
import type { MaterializationJobs } from "./materialization-jobs.js";
import type { MaterializeRequest } from "./materialize.js";

/** The guard of MaterializationService: its registry is read through the registry API (async). */
export type MaterializationGuard = PermissionGuard<Promise<Registry>>;

/** Materializing needs WRITE_ONLINE on every view the run touches (all online views when none are named). */
export async function authorizeMaterialize(
  guard: MaterializationGuard,
  principal: Principal,
  jobs: MaterializationJobs,
  request: MaterializeRequest,
): Promise<void> {
  const views = await jobs.plannedViews(request);
  const registry = await guard.registry();
  guard.authz.check(principal, registry, viewResources(registry, guard.project, views), WRITE_ONLINE);
}

/** Training data needs READ_OFFLINE on the feature service (if named) and every view read. */
export async function authorizeHistoricalRead(
  guard: MaterializationGuard,
  principal: Principal,
  kind: GetHistoricalFeaturesRequest["kind"],
): Promise<void> {
  // A request without features is refused by the RPC itself with INVALID_ARGUMENT.
  if (kind.case === undefined) return;
  const registry = await guard.registry();
  const read = kind.case === "featureService" ? { service: kind.value } : { refs: kind.value.val };
  guard.authz.check(principal, registry, featureReadResources(registry, guard.project, read), READ_OFFLINE);
}
