import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { InvalidArgumentError, kPrincipal, type PermissionGuard } from "@larder/core";
import {
  PushMode,
  PushResponseSchema,
  WriteToOnlineStoreResponseSchema,
  type PushService,
} from "@larder/gen/es/larder/push/v1/push_service_pb";
import { InputTable } from "./input-table.js";
import { authorizeOnlineWrite, authorizePush } from "./push-permission.js";
import type { Pusher, PushTo } from "./pusher.js";

const MODES: Readonly<Record<number, PushTo>> = {
  [PushMode.UNSPECIFIED]: "online",
  [PushMode.ONLINE]: "online",
  [PushMode.OFFLINE]: "offline",
  [PushMode.ONLINE_AND_OFFLINE]: "online_and_offline",
};

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
        transformOnWrite: request.transformOnWrite,
        idempotencyKey: request.idempotencyKey,
      });
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
        request.transformOnWrite,
      );
      return create(WriteToOnlineStoreResponseSchema, { rowsWritten: BigInt(written) });
    },
  };
}
