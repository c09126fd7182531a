import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { toConnectError, type UnmappedErrorReporter } from "../error-mapping.js";
import { enterAll, exitAll, type CallInfo, type CallInterceptor, type CallProtocol } from "./interceptor.js";

/** A service implementation with the interceptor chain and error mapping applied to every method. */
export type WrappedService = Record<string, (request: unknown, context: HandlerContext) => unknown>;

function protocolOf(context: HandlerContext): CallProtocol {
  switch (context.protocolName) {
    case "grpc":
    case "connect":
    case "grpc-web":
    case "rest":
      return context.protocolName;
    default:
      return "connect";
  }
}

function callInfoOf(service: DescService, method: DescMethod, context: HandlerContext): CallInfo {
  return {
    service: service.typeName,
    method: method.name,
    protocol: protocolOf(context),
    headers: context.requestHeader,
    signal: context.signal,
    values: context.values,
  };
}

type AnyImpl = (request: unknown, context: HandlerContext) => unknown;

/**
 * Wraps each method of `impl` so that both protocols run the same chain and answer only with
 * safe status codes. Unary and server-streaming methods are supported.
 */
export function wrapService<D extends DescService>(
  service: D,
  impl: Partial<ServiceImpl<D>>,
  chain: () => readonly CallInterceptor[],
  reportUnmapped: UnmappedErrorReporter,
): WrappedService {
  const wrapped: WrappedService = {};
  const methods = impl as Record<string, AnyImpl | undefined>;
  for (const method of service.methods) {
    const original = methods[method.localName];
    if (original === undefined) continue;
    const fn = original.bind(impl);
    if (method.methodKind === "unary") {
      wrapped[method.localName] = async (request: unknown, context: HandlerContext) => {
        const call = callInfoOf(service, method, context);
        const interceptors = chain();
        let entered = 0;
        let failure: unknown;
        try {
          entered = await enterAll(interceptors, call);
          return await fn(request, context);
        } catch (error) {
          failure = error;
          throw toConnectError(error, reportUnmapped);
        } finally {
          exitAll(interceptors, entered, call, failure);
        }
      };
    } else if (method.methodKind === "server_streaming") {
      wrapped[method.localName] = async function* (request: unknown, context: HandlerContext) {
        const call = callInfoOf(service, method, context);
        const interceptors = chain();
        let entered = 0;
        let failure: unknown;
        try {
          entered = await enterAll(interceptors, call);
          yield* fn(request, context) as AsyncIterable<unknown>;
        } catch (error) {
          failure = error;
          throw toConnectError(error, reportUnmapped);
        } finally {
          exitAll(interceptors, entered, call, failure);
        }
      };
    }
  }
  return wrapped;
}
