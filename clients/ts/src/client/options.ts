import { credentials as grpcCredentials, type ChannelCredentials, type ChannelOptions } from "@grpc/grpc-js";
import { InvalidArgumentError } from "./errors.js";

/**
 * Supplies bearer tokens. `createTokenProvider(authConfig)` from @larder/core fits; any object of
 * this shape does. `invalidate()` is called once the server answers UNAUTHENTICATED.
 */
export interface TokenProvider {
  token(): Promise<string | undefined>;
  invalidate(): void;
}

/** TLS for the channel: the CA that signed the server's certificate, and a client certificate for mTLS. */
export interface ClientTlsOptions {
  /** PEM of the CA to trust; the system roots when absent. */
  readonly ca?: string | Buffer;
  /** PEM client certificate and key, for servers that verify clients. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Name to verify the server certificate against when it differs from the target's host. */
  readonly serverName?: string;
}

/** Which calls are retried, how often and how long to wait in between. */
export interface RetryOptions {
  /** Attempts including the first; 1 turns retries off. @default 4 */
  readonly maxAttempts?: number;
  /** Upper bound of the first backoff; each later one doubles, with full jitter. @default 100 */
  readonly initialBackoffMs?: number;
  /** Cap of one backoff. @default 2000 */
  readonly maxBackoffMs?: number;
}

/** How 64-bit integers (INT64, and int64 lists) come back: bigint keeps every value exact. */
export type Int64Mode = "bigint" | "number" | "string";

export interface FeatureStoreClientOptions {
  /** `host:port` of a FeatureServer (serving, push, materialization). @default "127.0.0.1:6566" */
  readonly target?: string;
  /** `host:port` of a RegistryServer, for `client.registry`. @default "127.0.0.1:6570" */
  readonly registryTarget?: string;
  /** Project for registry reads; each read can name another. */
  readonly project?: string;
  /** `true` for TLS with the system roots, an object for a private CA or mTLS; plaintext when absent. */
  readonly tls?: boolean | ClientTlsOptions;
  /** Channel credentials built by the caller; wins over `tls`. */
  readonly credentials?: ChannelCredentials;
  /** Adds `authorization: Bearer <token>` to every call. */
  readonly tokenProvider?: TokenProvider;
  /** Deadline of each unary call, all attempts included. @default 10000 */
  readonly deadlineMs?: number;
  /** Deadline of streaming calls (materialize, historical retrieval); none when absent. */
  readonly streamDeadlineMs?: number;
  readonly retry?: RetryOptions;
  /** How INT64 values are returned. @default "bigint" */
  readonly int64?: Int64Mode;
  /** Extra grpc-js channel options (merged over the client's defaults). */
  readonly channelOptions?: ChannelOptions;
}

/** Defaults of every option. */
export const DEFAULT_CLIENT_OPTIONS = {
  target: "127.0.0.1:6566",
  registryTarget: "127.0.0.1:6570",
  deadlineMs: 10_000,
  retry: { maxAttempts: 4, initialBackoffMs: 100, maxBackoffMs: 2_000 },
  int64: "bigint",
  channelOptions: {
    // grpc-js waits 1 s, then up to 120 s, before redialling a server that refused: too slow for a
    // FeatureServer that restarts behind a Service, and the client's own retries pace the calls.
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 2_000,
  },
} as const;

export interface ValidatedClientOptions {
  readonly target: string;
  readonly registryTarget: string;
  readonly project: string | undefined;
  readonly credentials: ChannelCredentials;
  readonly tokenProvider: TokenProvider | undefined;
  readonly deadlineMs: number;
  readonly streamDeadlineMs: number | undefined;
  readonly retry: Required<RetryOptions>;
  readonly int64: Int64Mode;
  readonly channelOptions: ChannelOptions;
}

function target(value: string, path: string): string {
  if (!/^[^\s/]+:\d+$/.test(value) && !/^(dns|unix|ipv4|ipv6):/.test(value)) {
    throw new InvalidArgumentError("INVALID_ARGUMENT", `${path} must be host:port (or a grpc-js URI), got "${value}"`);
  }
  return value;
}

function positiveInt(value: number, path: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError("INVALID_ARGUMENT", `${path} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

function credentialsOf(options: FeatureStoreClientOptions): ChannelCredentials {
  if (options.credentials !== undefined) return options.credentials;
  const tls = options.tls;
  if (tls === undefined || tls === false) return grpcCredentials.createInsecure();
  if (tls === true) return grpcCredentials.createSsl();
  const buf = (pem: string | Buffer | undefined): Buffer | null =>
    pem === undefined ? null : typeof pem === "string" ? Buffer.from(pem) : pem;
  return grpcCredentials.createSsl(buf(tls.ca), buf(tls.key), buf(tls.cert));
}

/** Fills every default and checks bounds; throws InvalidArgumentError naming the option. */
export function validateClientOptions(options: FeatureStoreClientOptions = {}): ValidatedClientOptions {
  const retry = { ...DEFAULT_CLIENT_OPTIONS.retry, ...options.retry };
  const tlsServerName = typeof options.tls === "object" ? options.tls.serverName : undefined;
  return {
    target: target(options.target ?? DEFAULT_CLIENT_OPTIONS.target, "target"),
    registryTarget: target(options.registryTarget ?? DEFAULT_CLIENT_OPTIONS.registryTarget, "registryTarget"),
    project: options.project,
    credentials: credentialsOf(options),
    tokenProvider: options.tokenProvider,
    deadlineMs: positiveInt(options.deadlineMs ?? DEFAULT_CLIENT_OPTIONS.deadlineMs, "deadlineMs", 1, 86_400_000),
    streamDeadlineMs:
      options.streamDeadlineMs === undefined
        ? undefined
        : positiveInt(options.streamDeadlineMs, "streamDeadlineMs", 1, 7 * 86_400_000),
    retry: {
      maxAttempts: positiveInt(retry.maxAttempts, "retry.maxAttempts", 1, 20),
      initialBackoffMs: positiveInt(retry.initialBackoffMs, "retry.initialBackoffMs", 1, 60_000),
      maxBackoffMs: positiveInt(retry.maxBackoffMs, "retry.maxBackoffMs", 1, 300_000),
    },
    int64: options.int64 ?? DEFAULT_CLIENT_OPTIONS.int64,
    channelOptions: {
      ...DEFAULT_CLIENT_OPTIONS.channelOptions,
      ...(tlsServerName === undefined ? {} : { "grpc.ssl_target_name_override": tlsServerName }),
      ...options.channelOptions,
    },
  };
}
