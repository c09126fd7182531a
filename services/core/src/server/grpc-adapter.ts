import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  createHandlerContext,
  type HandlerContext,
} from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import type { WrappedService } from "./wrap-service.js";

/** A request that did not decode; answered INVALID_ARGUMENT instead of grpc-js's INTERNAL. */
class UndecodableRequest {
  constructor(readonly typeName: string) {}
}

/** Pre-encoded response bytes a hot-path handler may return instead of a message. */
export class EncodedMessage {
  constructor(readonly bytes: Uint8Array) {}
}

function serializerFor(schema: DescMessage): (value: unknown) => Buffer {
  return (value) => {
    if (value instanceof EncodedMessage) {
      return Buffer.from(value.bytes.buffer, value.bytes.byteOffset, value.bytes.byteLength);
    }
    const bytes = toBinary(schema, create(schema, value as never));
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializerFor(schema: DescMessage): (bytes: Buffer) => unknown {
  return (bytes) => {
    try {
      return fromBinary(schema, bytes);
    } catch {
      return new UndecodableRequest(schema.typeName);
    }
  };
}

function headersFromMetadata(metadata: grpc.Metadata): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(metadata.getMap())) {
    headers.set(key, typeof value === "string" ? value : value.toString("base64"));
  }
  return headers;
}

function metadataFromHeaders(headers: Headers): grpc.Metadata {
  const metadata = new grpc.Metadata();
  headers.forEach((value, key) => {
    if (key.endsWith("-bin")) metadata.set(key, Buffer.from(value, "base64"));
    else metadata.set(key, value);
  });
  return metadata;
}

function statusFrom(error: unknown): Partial<grpc.StatusObject> {
  const connectError = error instanceof ConnectError ? error : ConnectError.from(error);
  // ConnectError's numeric codes are gRPC's status codes.
  return { code: connectError.code as number, details: connectError.rawMessage };
}

/** Reason given when a finished call's context is ended (a constant: no DOMException per call). */
const CALL_ENDED = new ConnectError("The call has ended", Code.Canceled);

interface CallScope {
  context: HandlerContext;
  dispose(): void;
}

function scopeFor(
  service: DescService,
  method: DescMethod,
  path: string,
  call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>,
  shutdownSignal: AbortSignal,
): CallScope {
  const controller = new AbortController();
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  let timer: NodeJS.Timeout | undefined;
  let timeoutMs: number | undefined;
  if (Number.isFinite(deadlineMs)) {
    timeoutMs = Math.max(0, deadlineMs - Date.now());
    timer = setTimeout(() => {
      controller.abort(new ConnectError("The call's deadline was exceeded", Code.DeadlineExceeded));
    }, timeoutMs);
  }
  const onCancel = (): void => controller.abort(new ConnectError("The client cancelled the call", Code.Canceled));
  call.once("cancelled", onCancel);
  const context = createHandlerContext({
    service,
    method,
    protocolName: "grpc",
    requestMethod: "POST",
    url: path,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    shutdownSignal,
    requestSignal: controller.signal,
    requestHeader: headersFromMetadata(call.metadata),
    contextValues: createContextValues(),
  });
  return {
    context,
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      call.removeListener("cancelled", onCancel);
      // Ends the context as Connect's own handlers do: its signal links to the server's shutdown
      // signal, and only aborting removes that listener (otherwise one leaks per call and every
      // addEventListener on the shared signal gets slower).
      context.abort(CALL_ENDED);
    },
  };
}

export interface GrpcRegistration {
  /** Full service name to register under; defaults to the descriptor's (used for Feast's alias path). */
  readonly serviceName?: string;
  /** Method name on the wire → method local name in the implementation, when they differ. */
  readonly methodNames?: Readonly<Record<string, string>>;
}

/**
 * Registers a protobuf-es service implementation (already wrapped with the interceptor chain) with a
 * grpc-js server, so one implementation serves grpc-js and Connect alike.
 */
export function registerGrpcService(
  server: grpc.Server,
  service: DescService,
  impl: WrappedService,
  shutdownSignal: AbortSignal,
  registration: GrpcRegistration = {},
): void {
  const serviceName = registration.serviceName ?? service.typeName;
  const wireNames = new Map<string, string>();
  if (registration.methodNames !== undefined) {
    for (const [wire, local] of Object.entries(registration.methodNames)) wireNames.set(local, wire);
  }
  for (const method of service.methods) {
    const handler = impl[method.localName];
    if (handler === undefined) continue;
    if (registration.methodNames !== undefined && !wireNames.has(method.localName)) continue;
    const path = `/${serviceName}/${wireNames.get(method.localName) ?? method.name}`;
    const serialize = serializerFor(method.output);
    const deserialize = deserializerFor(method.input);
    if (method.methodKind === "unary") {
      const unary: grpc.handleUnaryCall<unknown, unknown> = (call, callback) => {
        if (call.request instanceof UndecodableRequest) {
          callback({
            code: grpc.status.INVALID_ARGUMENT,
            details: `The request is not a valid ${method.input.typeName} message`,
          });
          return;
        }
        const scope = scopeFor(service, method, path, call, shutdownSignal);
        Promise.resolve(handler(call.request, scope.context)).then(
          (response) => {
            scope.dispose();
            callback(null, response, metadataFromHeaders(scope.context.responseTrailer));
          },
          (error: unknown) => {
            scope.dispose();
            callback(statusFrom(error));
          },
        );
      };
      server.register(path, unary, serialize, deserialize, "unary");
    } else if (method.methodKind === "server_streaming") {
      const streaming: grpc.handleServerStreamingCall<unknown, unknown> = (call) => {
        if (call.request instanceof UndecodableRequest) {
          call.emit("error", {
            code: grpc.status.INVALID_ARGUMENT,
            details: `The request is not a valid ${method.input.typeName} message`,
          });
          return;
        }
        const scope = scopeFor(service, method, path, call, shutdownSignal);
        void (async () => {
          try {
            for await (const message of handler(call.request, scope.context) as AsyncIterable<unknown>) {
              if (call.cancelled) break;
              if (!call.write(message)) {
                await new Promise<void>((resolve) => call.once("drain", resolve));
              }
            }
            call.end(metadataFromHeaders(scope.context.responseTrailer));
          } catch (error) {
            call.emit("error", statusFrom(error));
          } finally {
            scope.dispose();
          }
        })();
      };
      server.register(path, streaming, serialize, deserialize, "serverStream");
    }
  }
}
