import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { EncodedMessage, InvalidArgumentError, kPrincipal, type PermissionGuard } from "@larder/core";
import {
  PushMode,
  PushResponseSchema,
  WriteToOnlineStoreResponseSchema,
  type PushService,
} from "@larder/gen/es/larder/push/v1/push_service_pb";
import { InputTable } from "./input-table.js";
import { authorizeOnlineWrite, authorizePush } from "./push-permission.js";
import { encodePushResponse } from "./push-response-encoder.js";
import type { Pusher, PushTo } from "./pusher.js";

const MODES: Readonly<Record<number, PushTo>> = {
  [PushMode.UNSPECIFIED]: "online",
  [PushMode.ONLINE]: "online",
  [PushMode.OFFLINE]: "offline",
  [PushMode.ONLINE_AND_OFFLINE]: "online_and_offline",
};

/**
 * Whether to run write_to_online_store transformations: yes unless skip_transform_on_write is set, as
 * Feast defaults transform_on_write to true. transform_on_write (proto3, no presence) stays readable for
 * clients that set it, but only skip_transform_on_write can say no; both set is a contradiction.
 */
export function transformFlag(request: { transformOnWrite: boolean; skipTransformOnWrite: boolean }): boolean {
  if (request.transformOnWrite && request.skipTransformOnWrite) {
    throw new InvalidArgumentError("transform_on_write and skip_transform_on_write: set at most one of them");
  }
  return !request.skipTransformOnWrite;
}

function modeOf(mode: PushMode): PushTo {
  const to = MODES[mode];
  if (to === undefined) throw new InvalidArgumentError(`to: unknown push mode ${mode}`);
  return to;
}

/** larder.push.v1.PushService over a Pusher; with an enforcing `guard`, WRITE_ONLINE / WRITE_OFFLINE are checked. */
export function createPushService(pusher: Pusher, guard?: PermissionGuard): Partial<ServiceImpl<typeof PushService>> {
  return {
    async push(request, context) {
      if (request.pushSourceName === "") throw new InvalidArgumentError("push_source_name: required");
      const to = modeOf(request.to);
      if (guard?.authz.enforcing === true) {
        authorizePush(guard, context.values.get(kPrincipal), request.pushSourceName, to);
      }
      const result = await pusher.push({
        pushSourceName: request.pushSourceName,
        table: InputTable.fromValues(request.columns),
        to,
        transformOnWrite: transformFlag(request),
        idempotencyKey: request.idempotencyKey,
      });
      // Over gRPC the response is encoded here (no message built and reflected over per call).
      if (context.protocolName === "grpc") return new EncodedMessage(encodePushResponse(result)) as never;
      const init: MessageInitShape<typeof PushResponseSchema> = {
        rows: BigInt(result.rows),
        featureViews: [...result.featureViews],
        rowsWrittenOnline: BigInt(result.rowsWrittenOnline),
        rowsWrittenOffline: BigInt(result.rowsWrittenOffline),
      };
      return create(PushResponseSchema, init);
    },
    async writeToOnlineStore(request, context) {
      if (request.featureViewName === "") throw new InvalidArgumentError("feature_view_name: required");
      if (guard?.authz.enforcing === true) {
        authorizeOnlineWrite(guard, context.values.get(kPrincipal), request.featureViewName);
      }
      const written = await pusher.writeToOnlineStore(
        request.featureViewName,
        InputTable.fromValues(request.columns),
        transformFlag(request),
      );
      return create(WriteToOnlineStoreResponseSchema, { rowsWritten: BigInt(written) });
    },
  };
}
