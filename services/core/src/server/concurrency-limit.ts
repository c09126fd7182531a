import { ResourceExhaustedError } from "../errors.js";
import type { CallInterceptor } from "./interceptor.js";

/** Counts calls in flight and refuses new ones at once (RESOURCE_EXHAUSTED) past `maxConcurrentCalls`. */
export interface ConcurrencyLimit extends CallInterceptor {
  readonly inFlight: number;
  /** Resolves when no call is in flight. */
  idle(): Promise<void>;
}

export function createConcurrencyLimit(maxConcurrentCalls: number): ConcurrencyLimit {
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  return {
    name: "concurrency-limit",
    get inFlight() {
      return inFlight;
    },
    enter() {
      if (inFlight >= maxConcurrentCalls) {
        throw new ResourceExhaustedError(
          `The server is at its concurrency limit (maxConcurrentCalls=${maxConcurrentCalls}); retry with backoff`,
        );
      }
      inFlight++;
    },
    exit() {
      inFlight--;
      if (inFlight === 0 && waiters.length > 0) {
        const done = waiters;
        waiters = [];
        for (const resolve of done) resolve();
      }
    },
    idle() {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
