import { context, trace } from "@opentelemetry/api";
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** Adds the active span's trace and span ids to each line (nothing when tracing is off). */
function traceFields(): object {
  const span = trace.getSpan(context.active());
  // A new object each time: pino merges the line's own fields into it.
  if (span === undefined) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** Structured JSON logs on stderr, so stdout stays free for command output. */
export function createLogger(
  options: { readonly level?: LogLevel; readonly name?: string; readonly destination?: DestinationStream } = {},
): Logger {
  return pino(
    { level: options.level ?? "info", base: { name: options.name ?? "larder" }, mixin: traceFields },
    options.destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that writes nothing (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
