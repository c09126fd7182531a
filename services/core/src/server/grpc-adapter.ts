import { create, fromBinary, toBinary, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { GrpcHandlerContext, LiveSignals } from "./grpc-context.js";
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
      const { bytes } = value;
      return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const bytes = toBinary(schema, create(schema, value as never));
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

/**
 * Request decoders that replace the generated one for some methods (method local name → decoder), e.g.
 * a hand decoder for a hot path. A decoder throws on bytes that are not a valid message.
 */
export type RequestDecoders = Readonly<Record<string, (bytes: Uint8Array) => unknown>>;

function deserializerFor(schema: DescMessage, decode?: (bytes: Uint8Array) => unknown): (bytes: Buffer) => unknown {
  return (bytes) => {
    try {
      return decode === undefined ? fromBinary(schema, bytes) : decode(bytes);
    } catch {
      return new UndecodableRequest(schema.typeName);
    }
  };
}

function statusFrom(error: unknown): Partial<grpc.StatusObject> {
  const connectError = error instanceof ConnectError ? error : ConnectError.from(error);
  // ConnectError's numeric codes are gRPC's status codes.
  return { code: connectError.code as number, details: connectError.rawMessage };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
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
  decoders: RequestDecoders = {},
): void {
  const serviceName = registration.serviceName ?? service.typeName;
  const live = new LiveSignals(shutdownSignal);
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
    const deserialize = deserializerFor(method.input, decoders[method.localName]);
    if (method.methodKind === "unary") {
      const unary: grpc.handleUnaryCall<unknown, unknown> = (call, callback) => {
        if (call.request instanceof UndecodableRequest) {
          callback({
            code: grpc.status.INVALID_ARGUMENT,
            details: `The request is not a valid ${method.input.typeName} message`,
          });
          return;
        }
        const context = new GrpcHandlerContext(service, method, path, call, live);
        const done = (response: unknown): void => {
          context.end();
          callback(null, response, context.trailerMetadata());
        };
        const failed = (error: unknown): void => {
          context.end();
          callback(statusFrom(error));
        };
        let result: unknown;
        try {
          result = handler(call.request, context);
        } catch (error) {
          failed(error);
          return;
        }
        // A handler that finished synchronously is answered in the same tick: no promise per call.
        if (isPromiseLike(result)) result.then(done, failed);
        else done(result);
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
        const context = new GrpcHandlerContext(service, method, path, call, live);
        void (async () => {
          try {
            for await (const message of handler(call.request, context) as AsyncIterable<unknown>) {
              if (call.cancelled) break;
              if (!call.write(message)) {
                await new Promise<void>((resolve) => call.once("drain", resolve));
              }
            }
            call.end(context.trailerMetadata());
          } catch (error) {
            call.emit("error", statusFrom(error));
          } finally {
            context.end();
          }
        })();
      };
      server.register(path, streaming, serialize, deserialize, "serverStream");
    }
  }
}
