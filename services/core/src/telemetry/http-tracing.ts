import type { IncomingMessage, ServerResponse } from "node:http";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Tracer } from "@opentelemetry/api";

/** Runs one HTTP/1.1 request (Connect JSON or REST) inside a server span. */
export type HttpWrapper = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

const headerGetter = {
  get: (carrier: IncomingMessage["headers"], key: string): string | undefined => {
    const value = carrier[key];
    return Array.isArray(value) ? value[0] : value;
  },
  keys: (carrier: IncomingMessage["headers"]): string[] => Object.keys(carrier),
};

/**
 * Starts a SERVER span for each POST (calls; health, docs and other GETs are not traced) under the
 * caller's `traceparent`, and runs the rest of the request in its context, so the interceptor chain,
 * the handler and the stores see it. The telemetry interceptor renames it after the RPC. Only the
 * allow-listed headers are recorded; never the body, the URL query or credentials.
 */
export function createHttpTracing(tracer: Tracer, captureHeaders: readonly string[]): HttpWrapper {
  return (req, res, next) => {
    if (req.method !== "POST") {
      next();
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, req.headers, headerGetter);
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    const span = tracer.startSpan(
      `POST ${path}`,
      { kind: SpanKind.SERVER, attributes: { "http.request.method": "POST", "url.path": path } },
      parent,
    );
    for (const header of captureHeaders) {
      const value = req.headers[header];
      if (value !== undefined) span.setAttribute(`http.request.header.${header}`, String(value));
    }
    res.once("close", () => {
      span.setAttribute("http.response.status_code", res.statusCode);
      if (res.statusCode >= 500 || !res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
