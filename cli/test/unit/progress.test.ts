import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { activityBar, createMaterializeProgress, formatBarLine } from "../../src/progress.js";

/** A stream that says it is a terminal and records what is drawn on it. */
class FakeTerminal extends Writable {
  readonly isTTY: boolean;
  readonly columns = 160;
  text = "";
  constructor(isTTY: boolean) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const asStream = (t: FakeTerminal): NodeJS.WriteStream => t as unknown as NodeJS.WriteStream;
const result = (view: string, rows: number) => ({ view, startMs: 0, endMs: 3_600_000, rows, durationMs: 1_250 });

describe("materialize progress", () => {
  it("prints plain lines when stdout is not a terminal (the output scripts and logs see)", () => {
    const lines: string[] = [];
    const terminal = new FakeTerminal(false);
    const progress = createMaterializeProgress({
      stream: asStream(terminal),
      out: (l) => lines.push(l),
      bars: true,
      plainProgressLines: false,
    });
    progress.viewStarted("driver_hourly_stats", 0, 3_600_000);
    progress.rowsWritten("driver_hourly_stats", 10);
    progress.viewDone(result("driver_hourly_stats", 10));
    progress.stop();
    expect(lines).toEqual([
      "Materializing driver_hourly_stats from 1970-01-01T00:00:00.000Z to 1970-01-01T01:00:00.000Z",
      "  driver_hourly_stats: 10 rows in 1.25 s",
    ]);
    expect(terminal.text).toBe("");
  });

  it("prints workers' progress lines at most once a second in plain mode", () => {
    const lines: string[] = [];
    const progress = createMaterializeProgress({
      stream: asStream(new FakeTerminal(false)),
      out: (l) => lines.push(l),
      bars: false,
      plainProgressLines: true,
    });
    progress.rowsWritten("v", 100);
    progress.rowsWritten("v", 200);
    expect(lines).toEqual(["  v: 100 rows written"]);
  });

  it("uses plain lines on a terminal with --no-progress", () => {
    const lines: string[] = [];
    const terminal = new FakeTerminal(true);
    const progress = createMaterializeProgress({
      stream: asStream(terminal),
      out: (l) => lines.push(l),
      bars: false,
      plainProgressLines: false,
    });
    progress.viewStarted("v", 0, 1_000);
    progress.stop();
    expect(lines).toHaveLength(1);
    expect(terminal.text).toBe("");
  });

  it("draws one bar per view on a terminal, full with the row count once each view is done", () => {
    const lines: string[] = [];
    const terminal = new FakeTerminal(true);
    const progress = createMaterializeProgress({
      stream: asStream(terminal),
      out: (l) => lines.push(l),
      bars: true,
      plainProgressLines: false,
    });
    progress.viewStarted("driver_hourly_stats", 0, 3_600_000);
    progress.rowsWritten("driver_hourly_stats", 5_000);
    progress.viewDone(result("driver_hourly_stats", 12_345));
    progress.viewStarted("customer_stats", 0, 3_600_000);
    progress.viewDone(result("customer_stats", 7));
    progress.stop();
    expect(lines).toEqual([]);
    const screen = terminal.text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
    expect(screen).toContain("Materializing driver_hourly_stats from 1970-01-01T00:00:00.000Z");
    expect(screen).toMatch(/driver_hourly_stats █{24} 12,345 rows {2}[\d,]+ rows\/s {2}[\d.]+ s {2}✔/);
    expect(screen).toMatch(/customer_stats\s+█{24} 7 rows {2}[\d,]+ rows\/s {2}[\d.]+ s {2}✔/);
  });

  it("moves a segment across a running view's bar", () => {
    const first = activityBar(false, 0);
    const later = activityBar(false, 500);
    expect(first).toHaveLength(24);
    expect(first.startsWith("█████░")).toBe(true);
    expect(later).not.toBe(first);
    expect(activityBar(true, 500)).toBe("█".repeat(24));
    const line = formatBarLine({ view: "v", rows: 2_000, done: false, startedAt: 0, finishedAt: undefined }, 4, 2_000);
    expect(line).toMatch(/^v {4}[░█]{24} 2,000 rows {2}1,000 rows\/s {2}2\.0 s$/);
    // Fitted to a narrow terminal: the bar shrinks, the figures stay.
    const payload = { view: "driver_hourly_stats_fresh", rows: 12_345, done: true, startedAt: 0, finishedAt: 1_000 };
    const narrow = formatBarLine(payload, 25, 1_000, 80);
    expect(narrow.length).toBeLessThanOrEqual(80);
    expect(narrow).toMatch(/█{8,} 12,345 rows {2}12,345 rows\/s {2}1\.0 s {2}✔$/);
  });
});
