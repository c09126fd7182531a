import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { ContextValues, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { toConnectError, type UnmappedErrorReporter } from "../error-mapping.js";
import {
  enterAll,
  exitAll,
  runIntercepted,
  type CallInfo,
  type CallInterceptor,
  type CallProtocol,
} from "./interceptor.js";

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

/** A call's CallInfo; headers, signal and values come from its context only when an interceptor reads them. */
class ContextCallInfo implements CallInfo {
  readonly service: string;
  readonly method: string;
  readonly protocol: CallProtocol;

  constructor(
    service: DescService,
    method: DescMethod,
    private readonly context: HandlerContext,
  ) {
    this.service = service.typeName;
    this.method = method.name;
    this.protocol = protocolOf(context);
  }

  get headers(): Headers {
    return this.context.requestHeader;
  }

  get signal(): AbortSignal {
    return this.context.signal;
  }

  get values(): ContextValues {
    return this.context.values;
  }
}

function callInfoOf(service: DescService, method: DescMethod, context: HandlerContext): CallInfo {
  return new ContextCallInfo(service, method, context);
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
      const mapError = (error: unknown): Error => toConnectError(error, reportUnmapped);
      // Synchronous while the interceptors and the handler are: the gRPC adapter then answers without a promise.
      wrapped[method.localName] = (request: unknown, context: HandlerContext) =>
        runIntercepted(chain(), callInfoOf(service, method, context), () => fn(request, context), mapError);
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
