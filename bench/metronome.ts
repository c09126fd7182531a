// A send schedule that does not depend on the load client's event loop: a worker thread sleeps on a futex
// (Atomics.wait takes sub-millisecond timeouts) until each due time and then wakes the main thread. Node's
// timers cannot keep such a schedule: they round to whole milliseconds and run late behind any work on the
// loop, so a 1,000/s schedule on setTimeout sends in clumps, and clumped sends queue behind each other in
// the server and read as server latency. The worker does nothing else, so it wakes within ~0.1 ms.
import { Worker } from "node:worker_threads";

/** Plain JavaScript (no loader needed): sleeps to each due time, then posts the running count of due sends. */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
parentPort.once("message", ({ startNs, intervalNs, count }) => {
  const start = BigInt(startNs);
  const interval = BigInt(intervalNs);
  const slot = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 1; i <= count; i++) {
    const due = start + BigInt(i - 1) * interval;
    for (;;) {
      const leftMs = Number(due - process.hrtime.bigint()) / 1e6;
      if (leftMs <= 0) break;
      Atomics.wait(slot, 0, 0, leftMs);
    }
    parentPort.postMessage(i);
  }
});
`;

export interface Metronome {
  /** The schedule's start on process.hrtime's clock: send k (from 0) is due at startNs + k × intervalNs. */
  readonly startNs: bigint;
  /** Stops the schedule early. */
  stop(): Promise<void>;
}

/**
 * Calls `onDue(n, startNs)` at each due time, n being the number of sends due so far; a late wake-up (a
 * busy loop) reports several at once and the caller sends them all. The worker is started (without the
 * parent's `--import` loaders) before the start time is taken, so its start-up does not eat the schedule.
 */
export async function startMetronome(
  intervalNs: bigint,
  count: number,
  onDue: (due: number, startNs: bigint) => void,
  leadMs = 10,
): Promise<Metronome> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
  await new Promise<void>((resolve, reject) => {
    worker.once("online", resolve);
    worker.once("error", reject);
  });
  const startNs = process.hrtime.bigint() + BigInt(leadMs) * 1_000_000n;
  worker.on("message", (due: number) => onDue(due, startNs));
  worker.unref();
  worker.postMessage({ startNs: String(startNs), intervalNs: String(intervalNs), count });
  return {
    startNs,
    stop: async () => {
      await worker.terminate();
    },
  };
}
