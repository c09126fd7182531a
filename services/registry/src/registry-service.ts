import type { ServiceImpl } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import {
  ObjectKind,
  type RegistryService,
  type RepoContents,
} from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { InvalidArgumentError, NotFoundError } from "@larder/core";
import { kindInfo, objectsOf, type RegistryObject } from "./object-kinds.js";
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

/** larder.registry.v1.RegistryService over a RegistryStore. */
export function createRegistryService(store: RegistryStore): ServiceImpl<typeof RegistryService> {
  const snapshot = (): Promise<Registry> => store.snapshot();
  return {
    async plan(request) {
      const result = await store.plan(desiredOf(request.desired));
      return { changes: [...result.changes], registryVersion: result.version };
    },
    async apply(request) {
      const result = await store.apply(desiredOf(request.desired), {
        expectedVersion: request.expectedVersion,
        skipDeletes: request.skipDeletes,
      });
      return { changes: [...result.changes], registryVersion: result.version };
    },
    async getEntity(r) {
      return { entity: getOne(await snapshot(), ObjectKind.ENTITY, r.project, r.name) };
    },
    async listEntities(r) {
      return { entities: list(await snapshot(), ObjectKind.ENTITY, r.project, r.tags) };
    },
    async deleteEntity(r) {
      return { registryVersion: await store.deleteObject(ObjectKind.ENTITY, r.project, r.name, r.expectedVersion) };
    },
    async getDataSource(r) {
      return { dataSource: getOne(await snapshot(), ObjectKind.DATA_SOURCE, r.project, r.name) };
    },
    async listDataSources(r) {
      return { dataSources: list(await snapshot(), ObjectKind.DATA_SOURCE, r.project, r.tags) };
    },
    async deleteDataSource(r) {
      return {
        registryVersion: await store.deleteObject(ObjectKind.DATA_SOURCE, r.project, r.name, r.expectedVersion),
      };
    },
    async getFeatureView(r) {
      return { featureView: getOne(await snapshot(), ObjectKind.FEATURE_VIEW, r.project, r.name) };
    },
    async listFeatureViews(r) {
      return { featureViews: list(await snapshot(), ObjectKind.FEATURE_VIEW, r.project, r.tags) };
    },
    async deleteFeatureView(r) {
      return {
        registryVersion: await store.deleteObject(ObjectKind.FEATURE_VIEW, r.project, r.name, r.expectedVersion),
      };
    },
    async getOnDemandFeatureView(r) {
      return { onDemandFeatureView: getOne(await snapshot(), ObjectKind.ON_DEMAND_FEATURE_VIEW, r.project, r.name) };
    },
    async listOnDemandFeatureViews(r) {
      return { onDemandFeatureViews: list(await snapshot(), ObjectKind.ON_DEMAND_FEATURE_VIEW, r.project, r.tags) };
    },
    async getStreamFeatureView(r) {
      return { streamFeatureView: getOne(await snapshot(), ObjectKind.STREAM_FEATURE_VIEW, r.project, r.name) };
    },
    async listStreamFeatureViews(r) {
      return { streamFeatureViews: list(await snapshot(), ObjectKind.STREAM_FEATURE_VIEW, r.project, r.tags) };
    },
    async getFeatureService(r) {
      return { featureService: getOne(await snapshot(), ObjectKind.FEATURE_SERVICE, r.project, r.name) };
    },
    async listFeatureServices(r) {
      const services = list<{ spec?: { features: Array<{ featureViewName: string }> } }>(
        await snapshot(),
        ObjectKind.FEATURE_SERVICE,
        r.project,
        r.tags,
      );
      const filtered =
        r.featureView === ""
          ? services
          : services.filter((s) => s.spec?.features.some((p) => p.featureViewName === r.featureView));
      return { featureServices: filtered as never };
    },
    async deleteFeatureService(r) {
      return {
        registryVersion: await store.deleteObject(ObjectKind.FEATURE_SERVICE, r.project, r.name, r.expectedVersion),
      };
    },
    async getPermission(r) {
      return { permission: getOne(await snapshot(), ObjectKind.PERMISSION, r.project, r.name) };
    },
    async listPermissions(r) {
      return { permissions: list(await snapshot(), ObjectKind.PERMISSION, r.project, r.tags) };
    },
    async deletePermission(r) {
      return { registryVersion: await store.deleteObject(ObjectKind.PERMISSION, r.project, r.name, r.expectedVersion) };
    },
    async getProject(r) {
      return { project: getOne(await snapshot(), ObjectKind.PROJECT, r.name, r.name) };
    },
    async listProjects(r) {
      const registry = await snapshot();
      const projects = registry.projects.filter((p) => Object.entries(r.tags).every(([k, v]) => p.spec?.tags[k] === v));
      return { projects };
    },
    async deleteProject(r) {
      return { registryVersion: await store.deleteProject(required(r.name, "name"), r.expectedVersion) };
    },
    async getVersion() {
      const { version, lastUpdated } = await store.version();
      return { version, ...(lastUpdated === undefined ? {} : { lastUpdated: timestampFromDate(lastUpdated) }) };
    },
    async getSnapshot() {
      return { registry: await snapshot() };
    },
    async recordMaterialization(r) {
      if (r.startTime === undefined) throw new InvalidArgumentError("start_time is required");
      if (r.endTime === undefined) throw new InvalidArgumentError("end_time is required");
      const start = r.startTime;
      const end = r.endTime;
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
