import { clone, create } from "@bufbuild/protobuf";
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { FeatureViewMetaSchema, MaterializationIntervalSchema } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import { RegistrySchema, type Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { ObjectKind, type RepoContents } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "@larder/core";
import type { RegistryBackend } from "./backends/registry-backend.js";
import { KINDS, kindInfo, objectsOf } from "./object-kinds.js";
import { planApply } from "./plan.js";
import type { ApplyOptions, ChangeSet, RegistryApi } from "./registry-api.js";
import { validateContents } from "./validate.js";

/** Names of objects in `project` that refer to `name` of `kind` (so deleting it would break them). */
function dependents(registry: Registry, kind: ObjectKind, project: string, name: string): string[] {
  const found: string[] = [];
  const inProject = <T extends { spec?: { project: string } | undefined }>(list: T[]): T[] =>
    list.filter((o) => o.spec?.project === project);
  if (kind === ObjectKind.ENTITY) {
    for (const view of [...inProject(registry.featureViews), ...inProject(registry.streamFeatureViews)]) {
      if (view.spec?.entities.includes(name) === true) found.push(`feature view "${view.spec.name}"`);
    }
  }
  if (
    kind === ObjectKind.FEATURE_VIEW ||
    kind === ObjectKind.ON_DEMAND_FEATURE_VIEW ||
    kind === ObjectKind.STREAM_FEATURE_VIEW
  ) {
    for (const service of inProject(registry.featureServices)) {
      if (service.spec?.features.some((p) => p.featureViewName === name) === true) {
        found.push(`feature service "${service.spec.name}"`);
      }
    }
  }
  return found;
}

/**
 * The registry's rules over a backend: validation, plan and apply, deletes, materialization
 * intervals, and a snapshot cached by version. Used by the RegistryServer and by the CLI when it
 * opens a registry itself.
 */
export class RegistryStore implements RegistryApi {
  private cached: Registry | undefined;

  constructor(
    private readonly backend: RegistryBackend,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  get description(): string {
    return this.backend.description;
  }

  /** Opens a store, creating or migrating its storage. */
  static async open(backend: RegistryBackend, clock?: () => Date): Promise<RegistryStore> {
    await backend.init();
    return new RegistryStore(backend, clock);
  }

  async plan(desired: RepoContents): Promise<ChangeSet> {
    validateContents(desired);
    const current = await this.snapshot();
    const plan = planApply(current, desired, this.clock());
    return { changes: plan.changes, version: current.version };
  }

  async apply(desired: RepoContents, options: ApplyOptions = {}): Promise<ChangeSet> {
    validateContents(desired);
    const outcome = await this.backend.update((current) => {
      const plan = planApply(current, desired, this.clock(), options.skipDeletes === true);
      return { next: plan.hasChanges ? plan.next : undefined, result: plan.changes };
    }, options.expectedVersion);
    this.cached = outcome.registry;
    return { changes: outcome.result, version: outcome.registry.version };
  }

  async deleteObject(kind: ObjectKind, project: string, name: string, expectedVersion?: bigint): Promise<bigint> {
    if (project === "") throw new InvalidArgumentError("project is required");
    if (name === "") throw new InvalidArgumentError("name is required");
    const info = kindInfo(kind);
    const viewKinds = [ObjectKind.FEATURE_VIEW, ObjectKind.ON_DEMAND_FEATURE_VIEW, ObjectKind.STREAM_FEATURE_VIEW];
    const outcome = await this.backend.update((current) => {
      const next = clone(RegistrySchema, current);
      // DeleteFeatureView removes a view of any kind, as Feast's does.
      const candidates = kind === ObjectKind.FEATURE_VIEW ? viewKinds.map(kindInfo) : [info];
      let removed = false;
      for (const candidate of candidates) {
        const list = objectsOf(next, candidate);
        const index = list.findIndex((o) => candidate.project(o) === project && candidate.name(o) === name);
        if (index < 0) continue;
        const users = dependents(current, candidate.kind, project, name);
        if (users.length > 0) {
          throw new FailedPreconditionError(
            `${candidate.label} "${name}" is used by ${users.join(", ")}; delete those first`,
          );
        }
        list.splice(index, 1);
        removed = true;
        break;
      }
      if (!removed) throw new NotFoundError(`${info.label} "${name}" does not exist in project "${project}"`);
      return { next, result: undefined };
    }, expectedVersion);
    this.cached = outcome.registry;
    return outcome.registry.version;
  }

  async deleteProject(project: string, expectedVersion?: bigint): Promise<bigint> {
    if (project === "") throw new InvalidArgumentError("name is required");
    const outcome = await this.backend.update((current) => {
      const next = clone(RegistrySchema, current);
      let removed = 0;
      for (const info of KINDS) {
        const list = objectsOf(next, info);
        const kept = list.filter((o) => info.project(o) !== project);
        removed += list.length - kept.length;
        (next[info.field] as typeof kept) = kept;
      }
      if (removed === 0) throw new NotFoundError(`project "${project}" does not exist`);
      return { next, result: undefined };
    }, expectedVersion);
    this.cached = outcome.registry;
    return outcome.registry.version;
  }

  async recordMaterialization(project: string, featureView: string, start: Timestamp, end: Timestamp): Promise<bigint> {
    const outcome = await this.backend.update((current) => {
      const next = clone(RegistrySchema, current);
      const view =
        next.featureViews.find((v) => v.spec?.project === project && v.spec.name === featureView) ??
        next.streamFeatureViews.find((v) => v.spec?.project === project && v.spec.name === featureView);
      if (view === undefined)
        throw new NotFoundError(`feature view "${featureView}" does not exist in project "${project}"`);
      const meta = (view.meta ??= create(FeatureViewMetaSchema));
      meta.materializationIntervals.push(create(MaterializationIntervalSchema, { startTime: start, endTime: end }));
      meta.lastUpdatedTimestamp = timestampFromDate(this.clock());
      return { next, result: undefined };
    });
    this.cached = outcome.registry;
    return outcome.registry.version;
  }

  /** The whole registry, reloaded only when its version moved. */
  async snapshot(): Promise<Registry> {
    const { version } = await this.backend.currentVersion();
    if (this.cached === undefined || this.cached.version !== version) this.cached = await this.backend.load();
    return this.cached;
  }

  version(): Promise<{ version: bigint; lastUpdated: Date | undefined }> {
    return this.backend.currentVersion();
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}
