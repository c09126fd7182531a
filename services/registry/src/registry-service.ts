import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import {
  ObjectKind,
  type RegistryService,
  type RepoContents,
} from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import {
  AbortedError,
  DELETE,
  DESCRIBE,
  InvalidArgumentError,
  NO_AUTHORIZATION,
  NotFoundError,
  WRITE_ONLINE,
  kPrincipal,
  namedProjectResource,
  type Authorizer,
} from "@larder/core";
import { kindInfo, objectsOf, type RegistryObject } from "./object-kinds.js";
import {
  authorizeApply,
  authorizePlan,
  describable,
  describableSnapshot,
  findObject,
  resourceOf,
} from "./registry-permission.js";
import type { RegistryStore } from "./registry-store.js";

function required(value: string, field: string): string {
  if (value === "") throw new InvalidArgumentError(`${field} is required`);
  return value;
}

function tagsOf(object: RegistryObject): Record<string, string> {
  const withSpec = object as { spec?: { tags?: Record<string, string> }; tags?: Record<string, string> };
  return withSpec.spec?.tags ?? withSpec.tags ?? {};
}

function list<T>(registry: Registry, kind: ObjectKind, project: string, tags: Record<string, string>): T[] {
  const info = kindInfo(kind);
  required(project, "project");
  return objectsOf(registry, info).filter((o) => {
    if (info.project(o) !== project) return false;
    const own = tagsOf(o);
    return Object.entries(tags).every(([k, v]) => own[k] === v);
  }) as T[];
}

function getOne<T>(registry: Registry, kind: ObjectKind, project: string, name: string): T {
  const info = kindInfo(kind);
  required(name, "name");
  required(project, "project");
  const found = objectsOf(registry, info).find((o) => info.project(o) === project && info.name(o) === name);
  if (found === undefined) throw new NotFoundError(`${info.label} "${name}" does not exist in project "${project}"`);
  return found as T;
}

function desiredOf(desired: RepoContents | undefined): RepoContents {
  if (desired === undefined) throw new InvalidArgumentError("desired is required");
  return desired;
}

/** How often an apply is re-checked and retried when the registry moved between its check and its write. */
const APPLY_ATTEMPTS = 3;

/**
 * larder.registry.v1.RegistryService over a RegistryStore. With an enforcing `authz`, the registry's
 * Permission objects decide: reads need DESCRIBE (listings leave out what the caller may not describe),
 * apply needs CREATE / DESCRIBE+UPDATE / DELETE per change, deletes DELETE, recorded materializations
 * WRITE_ONLINE.
 */
export function createRegistryService(
  store: RegistryStore,
  authz: Authorizer = NO_AUTHORIZATION,
): ServiceImpl<typeof RegistryService> {
  const snapshot = (): Promise<Registry> => store.snapshot();
  /** One object, which the caller must be allowed to DESCRIBE. */
  const describe = <T>(registry: Registry, kind: ObjectKind, project: string, name: string, ctx: HandlerContext): T => {
    const object = getOne<RegistryObject>(registry, kind, project, name);
    if (authz.enforcing)
      authz.check(ctx.values.get(kPrincipal), registry, [resourceOf(kindInfo(kind), object)], DESCRIBE);
    return object as T;
  };
  /** A listing without the objects the caller may not DESCRIBE. */
  const listDescribable = <T>(
    registry: Registry,
    kind: ObjectKind,
    project: string,
    tags: Record<string, string>,
    ctx: HandlerContext,
  ): T[] => describable(authz, ctx.values.get(kPrincipal), registry, kind, list<T>(registry, kind, project, tags));
  /** Deletes an object the caller may DELETE (an unknown one is left to the store's NOT_FOUND). */
  const deleteChecked = async (
    kind: ObjectKind,
    r: { project: string; name: string; expectedVersion?: bigint | undefined },
    ctx: HandlerContext,
  ): Promise<bigint> => {
    if (authz.enforcing) {
      const registry = await snapshot();
      const found = findObject(registry, kind, r.project, r.name);
      if (found !== undefined) {
        authz.check(ctx.values.get(kPrincipal), registry, [resourceOf(found.info, found.object)], DELETE);
      }
    }
    return store.deleteObject(kind, r.project, r.name, r.expectedVersion);
  };
  return {
    async plan(request, ctx) {
      const desired = desiredOf(request.desired);
      if (authz.enforcing) authorizePlan(authz, ctx.values.get(kPrincipal), await snapshot(), desired);
      const result = await store.plan(desired);
      return { changes: [...result.changes], registryVersion: result.version };
    },
    async apply(request, ctx) {
      const desired = desiredOf(request.desired);
      if (!authz.enforcing) {
        const result = await store.apply(desired, {
          expectedVersion: request.expectedVersion,
          skipDeletes: request.skipDeletes,
        });
        return { changes: [...result.changes], registryVersion: result.version };
      }
      // Checked against a snapshot, applied only at that snapshot's version: a registry that moved in
      // between is re-checked (unless the caller pinned the version itself).
      for (let attempt = 1; ; attempt++) {
        const current = await snapshot();
        authorizeApply(authz, ctx.values.get(kPrincipal), current, desired, request.skipDeletes);
        try {
          const result = await store.apply(desired, {
            expectedVersion: request.expectedVersion ?? current.version,
            skipDeletes: request.skipDeletes,
          });
          return { changes: [...result.changes], registryVersion: result.version };
        } catch (error) {
          if (!(error instanceof AbortedError) || request.expectedVersion !== undefined || attempt >= APPLY_ATTEMPTS) {
            throw error;
          }
        }
      }
    },
    async getEntity(r, ctx) {
      return { entity: describe(await snapshot(), ObjectKind.ENTITY, r.project, r.name, ctx) };
    },
    async listEntities(r, ctx) {
      return { entities: listDescribable(await snapshot(), ObjectKind.ENTITY, r.project, r.tags, ctx) };
    },
    async deleteEntity(r, ctx) {
      return { registryVersion: await deleteChecked(ObjectKind.ENTITY, r, ctx) };
    },
    async getDataSource(r, ctx) {
      return { dataSource: describe(await snapshot(), ObjectKind.DATA_SOURCE, r.project, r.name, ctx) };
    },
    async listDataSources(r, ctx) {
      return { dataSources: listDescribable(await snapshot(), ObjectKind.DATA_SOURCE, r.project, r.tags, ctx) };
    },
    async deleteDataSource(r, ctx) {
      return { registryVersion: await deleteChecked(ObjectKind.DATA_SOURCE, r, ctx) };
    },
    async getFeatureView(r, ctx) {
      return { featureView: describe(await snapshot(), ObjectKind.FEATURE_VIEW, r.project, r.name, ctx) };
    },
    async listFeatureViews(r, ctx) {
      return { featureViews: listDescribable(await snapshot(), ObjectKind.FEATURE_VIEW, r.project, r.tags, ctx) };
    },
    async deleteFeatureView(r, ctx) {
      return { registryVersion: await deleteChecked(ObjectKind.FEATURE_VIEW, r, ctx) };
    },
    async getOnDemandFeatureView(r, ctx) {
      return {
        onDemandFeatureView: describe(await snapshot(), ObjectKind.ON_DEMAND_FEATURE_VIEW, r.project, r.name, ctx),
      };
    },
    async listOnDemandFeatureViews(r, ctx) {
      return {
        onDemandFeatureViews: listDescribable(
          await snapshot(),
          ObjectKind.ON_DEMAND_FEATURE_VIEW,
          r.project,
          r.tags,
          ctx,
        ),
      };
    },
    async getStreamFeatureView(r, ctx) {
      return {
        streamFeatureView: describe(await snapshot(), ObjectKind.STREAM_FEATURE_VIEW, r.project, r.name, ctx),
      };
    },
    async listStreamFeatureViews(r, ctx) {
      return {
        streamFeatureViews: listDescribable(await snapshot(), ObjectKind.STREAM_FEATURE_VIEW, r.project, r.tags, ctx),
      };
    },
    async getFeatureService(r, ctx) {
      return { featureService: describe(await snapshot(), ObjectKind.FEATURE_SERVICE, r.project, r.name, ctx) };
    },
    async listFeatureServices(r, ctx) {
      const services = listDescribable<{ spec?: { features: Array<{ featureViewName: string }> } }>(
        await snapshot(),
        ObjectKind.FEATURE_SERVICE,
        r.project,
        r.tags,
        ctx,
      );
      const filtered =
        r.featureView === ""
          ? services
          : services.filter((s) => s.spec?.features.some((p) => p.featureViewName === r.featureView));
      return { featureServices: filtered as never };
    },
    async deleteFeatureService(r, ctx) {
      return { registryVersion: await deleteChecked(ObjectKind.FEATURE_SERVICE, r, ctx) };
    },
    async getPermission(r, ctx) {
      return { permission: describe(await snapshot(), ObjectKind.PERMISSION, r.project, r.name, ctx) };
    },
    async listPermissions(r, ctx) {
      return { permissions: listDescribable(await snapshot(), ObjectKind.PERMISSION, r.project, r.tags, ctx) };
    },
    async deletePermission(r, ctx) {
      return { registryVersion: await deleteChecked(ObjectKind.PERMISSION, r, ctx) };
    },
    async getProject(r, ctx) {
      return { project: describe(await snapshot(), ObjectKind.PROJECT, r.name, r.name, ctx) };
    },
    async listProjects(r, ctx) {
      const registry = await snapshot();
      const projects = registry.projects.filter((p) => Object.entries(r.tags).every(([k, v]) => p.spec?.tags[k] === v));
      return { projects: describable(authz, ctx.values.get(kPrincipal), registry, ObjectKind.PROJECT, projects) };
    },
    async deleteProject(r, ctx) {
      const name = required(r.name, "name");
      if (authz.enforcing) {
        const registry = await snapshot();
        const found = findObject(registry, ObjectKind.PROJECT, name, name);
        const resource = found === undefined ? namedProjectResource(name) : resourceOf(found.info, found.object);
        authz.check(ctx.values.get(kPrincipal), registry, [resource], DELETE);
      }
      return { registryVersion: await store.deleteProject(name, r.expectedVersion) };
    },
    async getVersion() {
      const { version, lastUpdated } = await store.version();
      return { version, ...(lastUpdated === undefined ? {} : { lastUpdated: timestampFromDate(lastUpdated) }) };
    },
    async getSnapshot(_r, ctx) {
      return { registry: describableSnapshot(authz, ctx.values.get(kPrincipal), await snapshot()) };
    },
    async recordMaterialization(r, ctx) {
      if (r.startTime === undefined) throw new InvalidArgumentError("start_time is required");
      if (r.endTime === undefined) throw new InvalidArgumentError("end_time is required");
      const start = r.startTime;
      const end = r.endTime;
      if (authz.enforcing) {
        const registry = await snapshot();
        const found = findObject(registry, ObjectKind.FEATURE_VIEW, r.project, r.featureView);
        if (found !== undefined) {
          authz.check(ctx.values.get(kPrincipal), registry, [resourceOf(found.info, found.object)], WRITE_ONLINE);
        }
      }
      if (start.seconds > end.seconds || (start.seconds === end.seconds && start.nanos >= end.nanos)) {
        throw new InvalidArgumentError("start_time must be before end_time");
      }
      return {
        registryVersion: await store.recordMaterialization(
          required(r.project, "project"),
          required(r.featureView, "feature_view"),
          start,
          end,
        ),
      };
    },
  };
}
