import { create, equals } from "@bufbuild/protobuf";
import { DataSourceSchema, type DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import { ProjectSchema } from "@larder/gen/es/larder/core/v1/project_pb";
import { RepoContentsSchema, type RepoContents } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { InvalidArgumentError } from "@larder/core";
import type { Definition } from "./definitions/index.js";

/** A definition and where it came from (a file of a repo, or code), for error messages. */
export interface SourcedDefinition {
  readonly definition: Definition;
  readonly origin: string;
}

function addSource(
  sources: Map<string, { source: DataSource; origin: string }>,
  source: DataSource | undefined,
  origin: string,
): void {
  if (source === undefined || source.name === "") return;
  const existing = sources.get(source.name);
  if (existing === undefined) {
    sources.set(source.name, { source, origin });
    if (source.batchSource !== undefined) addSource(sources, source.batchSource, origin);
    return;
  }
  if (!equals(DataSourceSchema, existing.source, source)) {
    throw new InvalidArgumentError(
      `${origin}: data source "${source.name}" is defined differently in ${existing.origin}; data source names must be unique`,
    );
  }
}

/**
 * The desired registry state of `project` from definitions: each one's proto, plus the data sources
 * views use without listing them separately (as Feast registers them).
 */
export function repoContents(
  definitions: readonly SourcedDefinition[],
  project: string,
  description = "",
): RepoContents {
  const contents = create(RepoContentsSchema, {
    project: create(ProjectSchema, { spec: { name: project, description } }),
  });
  const sources = new Map<string, { source: DataSource; origin: string }>();
  for (const { definition, origin } of definitions) {
    let proto: unknown;
    try {
      proto = definition.toProto(project);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new InvalidArgumentError(`${origin}: ${message}`, { cause: error });
    }
    switch (definition.kind) {
      case "entity":
        contents.entities.push(proto as RepoContents["entities"][number]);
        break;
      case "data-source":
        addSource(sources, proto as DataSource, origin);
        break;
      case "feature-view": {
        const view = proto as RepoContents["featureViews"][number];
        contents.featureViews.push(view);
        addSource(sources, view.spec?.batchSource, origin);
        addSource(sources, view.spec?.streamSource, origin);
        break;
      }
      case "stream-feature-view": {
        const view = proto as RepoContents["streamFeatureViews"][number];
        contents.streamFeatureViews.push(view);
        addSource(sources, view.spec?.batchSource, origin);
        addSource(sources, view.spec?.streamSource, origin);
        break;
      }
      case "on-demand-feature-view": {
        const view = proto as RepoContents["onDemandFeatureViews"][number];
        contents.onDemandFeatureViews.push(view);
        for (const source of Object.values(view.spec?.sources ?? {})) {
          if (source.source.case === "requestDataSource") addSource(sources, source.source.value, origin);
        }
        break;
      }
      case "feature-service":
        contents.featureServices.push(proto as RepoContents["featureServices"][number]);
        break;
      case "permission":
        contents.permissions.push(proto as RepoContents["permissions"][number]);
        break;
    }
  }
  contents.dataSources = [...sources.values()].map((s) => s.source);
  return contents;
}
