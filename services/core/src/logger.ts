import { pino, type Logger } from "pino";

export type { Logger };

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** Structured JSON logs on stderr, so stdout stays free for command output. */
export function createLogger(options: { readonly level?: LogLevel; readonly name?: string } = {}): Logger {
  return pino(
    { level: options.level ?? "info", base: { name: options.name ?? "larder" } },
    pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that writes nothing (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
