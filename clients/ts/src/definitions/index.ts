export { Entity, type EntityOptions } from "./entity.js";
export { FeatureView, type FeatureViewOptions } from "./feature-view.js";
export { Field, type FieldOptions } from "./field.js";
export { FileSource, type FileSourceOptions, type FileFormatName } from "./file-source.js";
export { PostgreSQLSource, type PostgreSQLSourceOptions } from "./postgres-source.js";
export { PushSource, type PushSourceOptions } from "./push-source.js";
export { RequestSource, type RequestSourceOptions } from "./request-source.js";
export {
  OnDemandFeatureView,
  type OnDemandFeatureViewOptions,
  type OnDemandMode,
  type OnDemandSourceInput,
  type OnDemandTransform,
  type SourceColumnNames,
  type TransformInputs,
  type TransformOutputs,
} from "./on-demand-feature-view.js";
export { StreamFeatureView, type StreamFeatureViewOptions, type Aggregation } from "./stream-feature-view.js";
export {
  FeatureService,
  type FeatureServiceOptions,
  type LoggingConfig,
  type LoggingDestination,
} from "./feature-service.js";
export { Permission, PermissionType, type PermissionOptions, type PermissionResource } from "./permission.js";
export {
  AllowAll,
  CombinedGroupNamespacePolicy,
  GroupBasedPolicy,
  NamespaceBasedPolicy,
  Policy,
  RoleBasedPolicy,
} from "./policy.js";
export { AuthzedAction, ALL_ACTIONS, CRUD, READ, WRITE } from "./authzed-action.js";
export { ValueType, types, type Dtype } from "./value-types.js";
export { FeatureViewProjection } from "./projection.js";
export { DefinitionError } from "./errors.js";
export { isDefinition, type Definition } from "./is-definition.js";
export { BaseDefinition, type CommonOptions, type DefinitionKind } from "./definition.js";
export { DataSource, type BatchSourceOptions } from "./data-source.js";
export { ProjectableView, type ProjectionSourceFields } from "./projectable-view.js";
export { parseDurationSeconds } from "./duration.js";
