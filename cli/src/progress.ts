// Progress of `larder materialize` / `materialize-incremental`: one cli-progress bar per view on a
// terminal, plain lines otherwise (pipes, CI logs, `--no-progress`).
//
// A view's row count is not known before its run ends (the offline store streams the latest row per
// key), so a running view shows an activity bar with its rows written so far, their rate and the time
// taken; the bar fills when the view is done.
import cliProgress from "cli-progress";
import type { ViewResult } from "@larder/materialization";
import type { Out } from "./run-command.js";

export interface MaterializeProgress {
  viewStarted(view: string, startMs: number, endMs: number): void;
  /** Rows written so far by a view's run. */
  rowsWritten(view: string, rows: number): void;
  viewDone(result: ViewResult): void;
  /** Ends the display (bars are left on screen); call on success and on failure. */
  stop(): void;
}

export interface ProgressOptions {
  /** Where bars are drawn (a TTY). */
  readonly stream: NodeJS.WriteStream;
  /** Plain output, one line per call. */
  readonly out: Out;
  /** Bars only when true and `stream` is a TTY. */
  readonly bars: boolean;
  /** Plain mode: print throttled "rows written" lines (workers report progress; local runs are short). */
  readonly plainProgressLines: boolean;
  /** Redraws per second of the bars. @default 5 */
  readonly fps?: number;
}

/** Widest and narrowest bar; lines are fitted to the terminal's width. */
const MAX_BAR_WIDTH = 24;
const MIN_BAR_WIDTH = 8;
const ACTIVITY_SEGMENT = 5;

const count = (n: number): string => n.toLocaleString("en-US");
const window = (startMs: number, endMs: number): string =>
  `${new Date(startMs).toISOString()} to ${new Date(endMs).toISOString()}`;

interface BarPayload {
  readonly view: string;
  readonly rows: number;
  readonly done: boolean;
  readonly startedAt: number;
  readonly finishedAt: number | undefined;
}

/** An activity bar (a segment moving to and fro) while running, a full bar when done. */
export function activityBar(done: boolean, elapsedMs: number, width = MAX_BAR_WIDTH): string {
  if (done) return "█".repeat(width);
  const segment = Math.min(ACTIVITY_SEGMENT, width);
  const span = width - segment;
  const step = span === 0 ? 0 : Math.floor(elapsedMs / 100) % (2 * span);
  const at = step <= span ? step : 2 * span - step;
  return "░".repeat(at) + "█".repeat(segment) + "░".repeat(span - at);
}

/** One bar's line, fitted to `columns`: view, bar, rows, rate, seconds, and a check mark when done. */
export function formatBarLine(payload: BarPayload, viewWidth: number, nowMs: number, columns = 120): string {
  const elapsedMs = (payload.finishedAt ?? nowMs) - payload.startedAt;
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const rate = Math.round(payload.rows / seconds);
  const tail = ` ${count(payload.rows)} rows  ${count(rate)} rows/s  ${seconds.toFixed(1)} s${payload.done ? "  ✔" : ""}`;
  const head = `${payload.view.padEnd(viewWidth)} `;
  const width = Math.max(MIN_BAR_WIDTH, Math.min(MAX_BAR_WIDTH, columns - 1 - head.length - tail.length - 3));
  return head + activityBar(payload.done, elapsedMs, width) + tail;
}

function plainProgress(options: ProgressOptions): MaterializeProgress {
  const { out } = options;
  let lastProgressLine = 0;
  return {
    viewStarted: (view, startMs, endMs) => out(`Materializing ${view} from ${window(startMs, endMs)}`),
    rowsWritten(view, rows) {
      if (!options.plainProgressLines) return;
      // At most one line a second (the first at once).
      const now = Date.now();
      if (now - lastProgressLine < 1_000) return;
      lastProgressLine = now;
      out(`  ${view}: ${rows} rows written`);
    },
    viewDone: (r) => out(`  ${r.view}: ${r.rows} rows in ${(r.durationMs / 1000).toFixed(2)} s`),
    stop: () => undefined,
  };
}

function barProgress(options: ProgressOptions): MaterializeProgress {
  let viewWidth = 12;
  const multibar = new cliProgress.MultiBar({
    stream: options.stream,
    fps: options.fps ?? 5,
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    forceRedraw: true,
    format: (_options, _params, payload: BarPayload) =>
      formatBarLine(payload, viewWidth, Date.now(), options.stream.columns || 80),
  });
  const bars = new Map<string, { bar: cliProgress.SingleBar; payload: BarPayload }>();
  let stopped = false;
  const update = (view: string, change: Partial<BarPayload>): void => {
    const entry = bars.get(view);
    if (entry === undefined) return;
    entry.payload = { ...entry.payload, ...change };
    entry.bar.update(entry.payload.done ? 1 : 0, entry.payload);
  };
  return {
    viewStarted(view, startMs, endMs) {
      viewWidth = Math.max(viewWidth, view.length);
      const payload: BarPayload = { view, rows: 0, done: false, startedAt: Date.now(), finishedAt: undefined };
      bars.set(view, { bar: multibar.create(1, 0, payload), payload });
      // Above the bars; drawn at once rather than on the next tick.
      multibar.log(`Materializing ${view} from ${window(startMs, endMs)}\n`);
      multibar.update();
    },
    rowsWritten: (view, rows) => update(view, { rows }),
    viewDone: (r) => update(r.view, { rows: r.rows, done: true, finishedAt: Date.now() }),
    stop() {
      if (stopped) return;
      stopped = true;
      multibar.stop();
    },
  };
}

/** Bars when asked for and the stream is a terminal; plain lines otherwise. */
export function createMaterializeProgress(options: ProgressOptions): MaterializeProgress {
  return options.bars && options.stream.isTTY ? barProgress(options) : plainProgress(options);
}
