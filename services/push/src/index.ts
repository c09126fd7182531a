export { mountPush } from "./mount.js";
export type { MountPushDeps } from "./mount.js";
export { Pusher, parsePushMode, PUSH_MODES } from "./pusher.js";
export type { PushInput, PushResult, PushTo, PusherDeps } from "./pusher.js";
export { InputTable } from "./input-table.js";
export { OfflineBatcher, concatBatches } from "./offline-batcher.js";
export { createPushService } from "./push-service.js";
export { pushRestRoutes } from "./push-rest-routes.js";
export { PushSourceNotFoundError, pushTargets } from "./push-targets.js";
