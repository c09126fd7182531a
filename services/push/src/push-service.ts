import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { InvalidArgumentError } from "@larder/core";
import {
  PushMode,
  PushResponseSchema,
  WriteToOnlineStoreResponseSchema,
  type PushService,
} from "@larder/gen/es/larder/push/v1/push_service_pb";
import { InputTable } from "./input-table.js";
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

/** larder.push.v1.PushService over a Pusher. */
export function createPushService(pusher: Pusher): Partial<ServiceImpl<typeof PushService>> {
  return {
    async push(request) {
      if (request.pushSourceName === "") throw new InvalidArgumentError("push_source_name: required");
      const result = await pusher.push({
        pushSourceName: request.pushSourceName,
        table: InputTable.fromValues(request.columns),
        to: modeOf(request.to),
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
    async writeToOnlineStore(request) {
      if (request.featureViewName === "") throw new InvalidArgumentError("feature_view_name: required");
      const written = await pusher.writeToOnlineStore(
        request.featureViewName,
        InputTable.fromValues(request.columns),
        request.transformOnWrite,
      );
      return create(WriteToOnlineStoreResponseSchema, { rowsWritten: BigInt(written) });
    },
  };
}
