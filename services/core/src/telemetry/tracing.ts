import { createRequire } from "node:module";
import { context, propagation, trace, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import type { InstrumentationBase } from "@opentelemetry/instrumentation";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { patchGrpcServerSpans } from "./grpc-server-spans.js";

const require = createRequire(import.meta.url);

/** The tracer of Larder's own spans (HTTP server calls, online store round trips, registry client). */
export const LARDER_TRACER = "larder";

export interface TracingOptions {
  readonly url: string;
  readonly serviceName: string;
  readonly captureHeaders: readonly string[];
  /** Replaces the OTLP/HTTP exporter (tests). */
  readonly exporter?: SpanExporter;
}

export interface TracingHandle {
  readonly tracer: Tracer;
  /** Exports spans still queued (tests, shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

interface Patched {
  unpatch(): void;
}

/**
 * Patches a module that is already loaded. The instrumentation packages hook `require`, which never
 * sees modules that ESM (tsx) imported first; pg keeps its classes on shared CommonJS exports, so
 * patching those prototypes works whenever it happens before clients connect.
 */
function patchLoaded(instrumentation: InstrumentationBase, moduleName: string): Patched | undefined {
  let exports: unknown;
  let version: string;
  try {
    exports = require(moduleName);
    version = (require(`${moduleName}/package.json`) as { version: string }).version;
  } catch {
    return undefined; // Not installed in this process: nothing to instrument.
  }
  const definitions = instrumentation.getModuleDefinitions().filter((d) => d.name === moduleName);
  for (const definition of definitions) definition.patch?.(exports, version);
  return { unpatch: () => definitions.forEach((d) => d.unpatch?.(exports, version)) };
}

/** SQL text reduced to its verb: statements never reach a span with literals in them. */
function sqlVerb(text: unknown): string {
  return typeof text === "string" ? (/^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? "") : "";
}

/**
 * Starts tracing for this process: a NodeTracerProvider with a BatchSpanProcessor and the OTLP/HTTP
 * (JSON) exporter, W3C `traceparent` propagation and AsyncLocalStorage context, grpc-js server spans
 * (see grpc-server-spans.ts) and pg spans (instrumentation-pg, statements reduced to the verb).
 */
export function startTracing(options: TracingOptions): TracingHandle {
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: options.url });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register();
  const pg = new PgInstrumentation({
    enabled: false,
    requireParentSpan: true,
    enhancedDatabaseReporting: false,
    requestHook: (span, info) => {
      const verb = sqlVerb(info.query.text);
      span.setAttribute("db.statement", verb);
      span.setAttribute("db.query.text", verb);
    },
  });
  const tracer = provider.getTracer(LARDER_TRACER);
  const patched: Patched[] = [{ unpatch: patchGrpcServerSpans(tracer, options.captureHeaders) }];
  pg.setTracerProvider(provider);
  for (const moduleName of ["pg", "pg-pool"]) {
    const done = patchLoaded(pg, moduleName);
    if (done !== undefined) patched.push(done);
  }
  return {
    tracer,
    flush: () => provider.forceFlush(),
    async shutdown() {
      for (const p of patched) p.unpatch();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
