import type { DataSource } from "@larder/gen/grpc-js/larder/core/v1/data_source";
import type { Entity } from "@larder/gen/grpc-js/larder/core/v1/entity";
import type { FeatureService } from "@larder/gen/grpc-js/larder/core/v1/feature_service";
import type { FeatureView } from "@larder/gen/grpc-js/larder/core/v1/feature_view";
import type { OnDemandFeatureView } from "@larder/gen/grpc-js/larder/core/v1/on_demand_feature_view";
import type { Permission } from "@larder/gen/grpc-js/larder/core/v1/permission";
import type { Project } from "@larder/gen/grpc-js/larder/core/v1/project";
import type { Registry } from "@larder/gen/grpc-js/larder/core/v1/registry";
import type { StreamFeatureView } from "@larder/gen/grpc-js/larder/core/v1/stream_feature_view";
import { RegistryServiceService as S } from "@larder/gen/grpc-js/larder/registry/v1/registry_service";
import { clientError, InvalidArgumentError } from "./errors.js";
import type { CallSettings, Rpc } from "./rpc.js";

/** Filters of a listing: the project (else the client's) and tags every object must carry. */
export interface ListOptions extends CallSettings {
  readonly project?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Project of one read (else the client's). */
export interface GetOptions extends CallSettings {
  readonly project?: string;
}

/** Read-only access to a RegistryServer; objects are the ts-proto messages of `larder.core.v1`. */
export class RegistryClient {
  constructor(
    private readonly rpc: Rpc,
    private readonly defaultProject: string | undefined,
  ) {}

  private project(options: { project?: string }): string {
    const project = options.project ?? this.defaultProject;
    if (project === undefined || project === "") {
      throw new InvalidArgumentError(
        "INVALID_ARGUMENT",
        "no project: pass { project } or set the client's project option",
      );
    }
    return project;
  }

  private list(options: ListOptions) {
    return { project: this.project(options), allowCache: true, tags: { ...options.tags } };
  }

  private get(name: string, options: GetOptions) {
    return { name, project: this.project(options), allowCache: true };
  }

  /** Fails with NOT_FOUND when a Get answered without the object (never expected from Larder). */
  private present<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw clientError("NOT_FOUND", `${what} is missing from the response`);
    return value;
  }

  async listProjects(options: Omit<ListOptions, "project"> = {}): Promise<Project[]> {
    return (await this.rpc.unary(S.listProjects, { allowCache: true, tags: { ...options.tags } }, options)).projects;
  }

  async getProject(name: string, options: CallSettings = {}): Promise<Project> {
    const response = await this.rpc.unary(S.getProject, { name, allowCache: true }, options);
    return this.present(response.project, `project "${name}"`);
  }

  async listEntities(options: ListOptions = {}): Promise<Entity[]> {
    return (await this.rpc.unary(S.listEntities, this.list(options), options)).entities;
  }

  async getEntity(name: string, options: GetOptions = {}): Promise<Entity> {
    return this.present((await this.rpc.unary(S.getEntity, this.get(name, options), options)).entity, name);
  }

  async listDataSources(options: ListOptions = {}): Promise<DataSource[]> {
    return (await this.rpc.unary(S.listDataSources, this.list(options), options)).dataSources;
  }

  async getDataSource(name: string, options: GetOptions = {}): Promise<DataSource> {
    return this.present((await this.rpc.unary(S.getDataSource, this.get(name, options), options)).dataSource, name);
  }

  async listFeatureViews(options: ListOptions = {}): Promise<FeatureView[]> {
    return (await this.rpc.unary(S.listFeatureViews, this.list(options), options)).featureViews;
  }

  async getFeatureView(name: string, options: GetOptions = {}): Promise<FeatureView> {
    return this.present((await this.rpc.unary(S.getFeatureView, this.get(name, options), options)).featureView, name);
  }

  async listOnDemandFeatureViews(options: ListOptions = {}): Promise<OnDemandFeatureView[]> {
    return (await this.rpc.unary(S.listOnDemandFeatureViews, this.list(options), options)).onDemandFeatureViews;
  }

  async getOnDemandFeatureView(name: string, options: GetOptions = {}): Promise<OnDemandFeatureView> {
    const response = await this.rpc.unary(S.getOnDemandFeatureView, this.get(name, options), options);
    return this.present(response.onDemandFeatureView, name);
  }

  async listStreamFeatureViews(options: ListOptions = {}): Promise<StreamFeatureView[]> {
    return (await this.rpc.unary(S.listStreamFeatureViews, this.list(options), options)).streamFeatureViews;
  }

  async getStreamFeatureView(name: string, options: GetOptions = {}): Promise<StreamFeatureView> {
    const response = await this.rpc.unary(S.getStreamFeatureView, this.get(name, options), options);
    return this.present(response.streamFeatureView, name);
  }

  /** Feature services; `featureView` keeps those that include that view (Feast's filter). */
  async listFeatureServices(options: ListOptions & { readonly featureView?: string } = {}): Promise<FeatureService[]> {
    const request = { ...this.list(options), featureView: options.featureView ?? "" };
    return (await this.rpc.unary(S.listFeatureServices, request, options)).featureServices;
  }

  async getFeatureService(name: string, options: GetOptions = {}): Promise<FeatureService> {
    const response = await this.rpc.unary(S.getFeatureService, this.get(name, options), options);
    return this.present(response.featureService, name);
  }

  async listPermissions(options: ListOptions = {}): Promise<Permission[]> {
    return (await this.rpc.unary(S.listPermissions, this.list(options), options)).permissions;
  }

  async getPermission(name: string, options: GetOptions = {}): Promise<Permission> {
    return this.present((await this.rpc.unary(S.getPermission, this.get(name, options), options)).permission, name);
  }

  /** The registry's version (monotonic) and the time of its last write. */
  async version(options: CallSettings = {}): Promise<{ version: bigint; lastUpdated: Date | undefined }> {
    const response = await this.rpc.unary(S.getVersion, {}, options);
    return { version: response.version, lastUpdated: response.lastUpdated };
  }

  /** The whole registry, every project. */
  async snapshot(options: CallSettings = {}): Promise<Registry> {
    const response = await this.rpc.unary(S.getSnapshot, {}, options);
    return this.present(response.registry, "registry");
  }
}
