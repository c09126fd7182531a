import type { ContextValues } from "@connectrpc/connect";

/** The wire a call arrived on. REST means Larder's own routes at Feast's paths. */
export type CallProtocol = "grpc" | "connect" | "grpc-web" | "rest";

/** What an interceptor may know about a call, whatever the protocol. */
export interface CallInfo {
  /** Fully qualified service name, e.g. `larder.serving.v1.ServingService`. */
  readonly service: string;
  /** Method name, e.g. `GetOnlineFeatures`. */
  readonly method: string;
  readonly protocol: CallProtocol;
  /** Request headers (gRPC metadata or HTTP headers), lower-case names. */
  readonly headers: Headers;
  /** Aborted when the call's deadline passes or the client goes away. */
  readonly signal: AbortSignal;
  /** Per-call values (the authenticated principal, a request id) shared with the handler. */
  readonly values: ContextValues;
}

/**
 * A step run around every call on every protocol (auth, telemetry, limits). `enter` runs in chain
 * order before the handler and may throw to refuse the call; `exit` runs in reverse order after it,
 * only for interceptors whose `enter` completed, with the error the call ended with, if any.
 */
export interface CallInterceptor {
  readonly name: string;
  enter?(call: CallInfo): void | Promise<void>;
  exit?(call: CallInfo, error: unknown): void;
}

/** Runs `enter` of each interceptor in order; returns how many entered (for the matching exits). */
export async function enterAll(chain: readonly CallInterceptor[], call: CallInfo): Promise<number> {
  let entered = 0;
  try {
    for (const interceptor of chain) {
      const result = interceptor.enter?.(call);
      if (result !== undefined) await result;
      entered++;
    }
  } catch (error) {
    exitAll(chain, entered, call, error);
    throw error;
  }
  return entered;
}

/** Runs `exit` of the first `entered` interceptors in reverse order; exits never throw out. */
export function exitAll(chain: readonly CallInterceptor[], entered: number, call: CallInfo, error: unknown): void {
  for (let i = entered - 1; i >= 0; i--) {
    try {
      chain[i]?.exit?.(call, error);
    } catch {
      // An exit hook must not turn a finished call into a failure.
    }
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

async function resumeAfter<T>(
  chain: readonly CallInterceptor[],
  call: CallInfo,
  entered: number,
  pending: Promise<void>,
  invoke: () => T | Promise<T>,
  mapError: (error: unknown) => Error,
): Promise<T> {
  let count = entered;
  try {
    await pending;
    count++;
    for (; count < chain.length; count++) {
      const next = chain[count]!.enter?.(call);
      if (next !== undefined) await next;
    }
    const value = await invoke();
    exitAll(chain, count, call, undefined);
    return value;
  } catch (error) {
    exitAll(chain, count, call, error);
    throw mapError(error);
  }
}

/**
 * Runs `invoke` inside the chain (enters in order, exits in reverse with the call's error) and maps
 * a failure with `mapError`. While every `enter` and `invoke` return plain values it stays
 * synchronous, so a call through a chain of synchronous interceptors allocates no promise; the first
 * promise switches to the async path.
 */
export function runIntercepted<T>(
  chain: readonly CallInterceptor[],
  call: CallInfo,
  invoke: () => T | Promise<T>,
  mapError: (error: unknown) => Error,
): T | Promise<T> {
  let entered = 0;
  let result: T | Promise<T>;
  try {
    for (; entered < chain.length; entered++) {
      const pending = chain[entered]!.enter?.(call);
      if (pending !== undefined) return resumeAfter(chain, call, entered, pending, invoke, mapError);
    }
    result = invoke();
  } catch (error) {
    exitAll(chain, entered, call, error);
    throw mapError(error);
  }
  if (!isPromiseLike(result)) {
    exitAll(chain, entered, call, undefined);
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      exitAll(chain, entered, call, undefined);
      return value;
    },
    (error: unknown) => {
      exitAll(chain, entered, call, error);
      throw mapError(error);
    },
  );
}
