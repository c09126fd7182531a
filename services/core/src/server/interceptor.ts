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
