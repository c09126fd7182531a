import { ConfigError } from "../errors.js";

export interface TlsOptions {
  readonly keyPem: string | Buffer;
  readonly certPem: string | Buffer;
  /** CA bundle for client certificates; with `requireClientCert`, unverified clients are refused. */
  readonly caPem?: string | Buffer;
  readonly requireClientCert?: boolean;
}

export interface ServerOptions {
  /** @default "127.0.0.1" */
  readonly host: string;
  /** 0 picks a free port. @default 0 */
  readonly port: number;
  /** Largest request message or REST body accepted, in bytes. @default 4 MiB */
  readonly maxMessageBytes: number;
  /** Calls in flight past this are refused with RESOURCE_EXHAUSTED at once. @default 1000 */
  readonly maxConcurrentCalls: number;
  /** How long in-flight calls may run after SIGTERM before connections are cut. @default 10000 */
  readonly shutdownGraceMs: number;
  /** Pause between NOT_SERVING and closing the listener, for load balancers to notice. @default 0 */
  readonly drainDelayMs: number;
  /** Close HTTP/2 connections after this age so clients rebalance; 0 = never. @default 0 */
  readonly maxConnectionAgeMs: number;
  readonly tls: TlsOptions | undefined;
}

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  host: "127.0.0.1",
  port: 0,
  maxMessageBytes: 4 * 1024 * 1024,
  maxConcurrentCalls: 1000,
  shutdownGraceMs: 10_000,
  drainDelayMs: 0,
  maxConnectionAgeMs: 0,
  tls: undefined,
};

export type ServerOptionsInput = { readonly [K in keyof ServerOptions]?: ServerOptions[K] | undefined };

function integerIn(path: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${path} must be an integer between ${min} and ${max}, got ${String(value)}`);
  }
  return value;
}

/** Returns fully defaulted server options, failing fast with the option's name and bounds. */
export function validateServerOptions(input: ServerOptionsInput = {}): ServerOptions {
  const merged = { ...DEFAULT_SERVER_OPTIONS };
  for (const [key, value] of Object.entries(input)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  if (typeof merged.host !== "string" || merged.host.length === 0)
    throw new ConfigError("host must be a non-empty string");
  integerIn("port", merged.port, 0, 65535);
  integerIn("maxMessageBytes", merged.maxMessageBytes, 1024, 2 ** 31 - 1);
  integerIn("maxConcurrentCalls", merged.maxConcurrentCalls, 1, 1_000_000);
  integerIn("shutdownGraceMs", merged.shutdownGraceMs, 0, 3_600_000);
  integerIn("drainDelayMs", merged.drainDelayMs, 0, 600_000);
  integerIn("maxConnectionAgeMs", merged.maxConnectionAgeMs, 0, 2 ** 31 - 1);
  return Object.freeze(merged);
}
