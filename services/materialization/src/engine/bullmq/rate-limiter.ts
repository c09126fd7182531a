/** Grants rows to write at a steady rate (a token bucket holding one second of rows). */
export interface RowRateLimiter {
  /** Resolves once `rows` may be written; rejects if `signal` aborts first. */
  acquire(rows: number, signal?: AbortSignal): Promise<void>;
  /** The largest chunk worth asking for at once (the whole batch when unlimited). */
  readonly chunkRows: number;
}

/** A limiter of `rowsPerSecond` (0 = unlimited) shared by every job of one worker. */
export function createRowRateLimiter(rowsPerSecond: number, now: () => number = Date.now): RowRateLimiter {
  if (!(rowsPerSecond > 0)) return { acquire: () => Promise.resolve(), chunkRows: Number.MAX_SAFE_INTEGER };
  const burstMs = 1_000;
  let theoretical = 0; // when the rows granted so far would have been written at exactly the rate
  return {
    chunkRows: Math.max(1, Math.floor(rowsPerSecond / 10)),
    acquire(rows, signal) {
      signal?.throwIfAborted();
      const at = now();
      theoretical = Math.max(theoretical, at) + (rows * 1_000) / rowsPerSecond;
      const waitMs = theoretical - at - burstMs;
      if (waitMs <= 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const onAbort = (): void => {
          clearTimeout(timer);
          reject(signal?.reason as Error);
        };
        const timer = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, waitMs);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}
