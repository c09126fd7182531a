import type { Interceptor } from "@connectrpc/connect";
import { SpanKind, SpanStatusCode, context, propagation, trace } from "@opentelemetry/api";
import { LARDER_TRACER } from "./tracing.js";

const headerSetter = {
  set: (carrier: Headers, key: string, value: string): void => carrier.set(key, value),
};

/**
 * A Connect client interceptor: a CLIENT span per call and W3C `traceparent` on the request, so a
 * RegistryServer's spans join the caller's trace. Without a tracer provider both are no-ops.
 */
export const traceContextInterceptor: Interceptor = (next) => async (request) => {
  const tracer = trace.getTracer(LARDER_TRACER);
  const rpc = `${request.service.typeName}/${request.method.name}`;
  return tracer.startActiveSpan(
    rpc,
    { kind: SpanKind.CLIENT, attributes: { "rpc.system.name": "grpc", "rpc.method": rpc } },
    async (span) => {
      propagation.inject(context.active(), request.header, headerSetter);
      try {
        return await next(request);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
};
