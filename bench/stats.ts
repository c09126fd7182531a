/** Nearest-rank percentile of ascending values (q in 0..100); NaN when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export function summarize(valuesMs: Float64Array): LatencySummary {
  const sorted = Float64Array.from(valuesMs).sort();
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p90Ms: round(percentile(sorted, 90)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
}

/** What bench/fixed-rate-client.ts prints. */
export interface FixedRateResult {
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  /** Calls without an answer when the time bound passed. */
  readonly unanswered: number;
  readonly firstError: string | undefined;
  /** From each call's send to its answer. */
  readonly latency: LatencySummary;
  /** From each call's scheduled send to its answer: adds the client's own lag (no coordinated omission). */
  readonly fromSchedule: LatencySummary;
  /** How late sends left against their schedule (client-side lag), p99 and max. */
  readonly sendLagP99Ms: number;
  readonly sendLagMaxMs: number;
  /** The client's own CPU per call (main thread, metronome, HTTP/2): its headroom on its core. */
  readonly clientCpuUsPerCall: number;
}

/** What bench/http-load-client.ts prints. */
export interface HttpLoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly seconds: number;
  readonly rps: number;
}
