// A small Prometheus registry: counters, gauges and histograms with fixed label names, rendered in
// the text exposition format 0.0.4. Names are written exactly as given (no unit or suffix rewriting,
// unlike OpenTelemetry's Prometheus exporter), so Feast's metric names come out verbatim.

/** Series one metric keeps at most; further label combinations fold into `_other` (bounded cardinality). */
export const MAX_SERIES_PER_METRIC = 2_000;
const OTHER = "_other";

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts = names.map((name, i) => `${name}="${escapeLabel(values[i] ?? "")}"`);
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** What the registry needs of any metric. */
interface Rendered {
  readonly name: string;
  render(lines: string[]): void;
}

abstract class Metric<S> implements Rendered {
  protected readonly series = new Map<string, { values: readonly string[]; state: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  protected abstract fresh(): S;

  /** The state of one label combination; past the series cap every value becomes `_other`. */
  protected stateOf(values: readonly string[]): S {
    let key = values.join("\u0001");
    let entry = this.series.get(key);
    if (entry === undefined) {
      if (this.series.size >= MAX_SERIES_PER_METRIC) {
        // The overflow series itself is the one allowed past the cap.
        values = this.labelNames.map(() => OTHER);
        key = values.join("\u0001");
        entry = this.series.get(key);
        if (entry !== undefined) return entry.state;
      }
      entry = { values: [...values], state: this.fresh() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  abstract render(lines: string[]): void;
}

/** A monotonically increasing count. */
export class Counter extends Metric<{ value: number }> {
  protected fresh(): { value: number } {
    return { value: 0 };
  }

  inc(values: readonly string[] = [], by = 1): void {
    this.stateOf(values).value += by;
  }

  /** A handle for one label combination, for call sites that count the same series repeatedly. */
  bind(values: readonly string[] = []): { inc(by?: number): void } {
    const state = this.stateOf(values);
    return { inc: (by = 1) => void (state.value += by) };
  }

  get(values: readonly string[] = []): number {
    return this.series.get(values.join("\u0001"))?.state.value ?? 0;
  }

  render(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const { values, state } of this.series.values()) {
      lines.push(`${this.name}${labelText(this.labelNames, values)} ${formatNumber(state.value)}`);
    }
  }
}

type GaugeCollector = () => Iterable<readonly [readonly string[], number]>;

/** A value that goes up and down; set directly or collected at scrape time. */
export class Gauge extends Metric<{ value: number }> {
  private collector: GaugeCollector | undefined;

  protected fresh(): { value: number } {
    return { value: 0 };
  }

  set(values: readonly string[], value: number): void {
    this.stateOf(values).value = value;
  }

  /** Computes the series when scraped (freshness, process usage): nothing is done between scrapes. */
  collect(collector: GaugeCollector): this {
    this.collector = collector;
    return this;
  }

  render(lines: string[]): void {
    if (this.collector !== undefined) {
      this.series.clear();
      for (const [values, value] of this.collector()) this.set(values, value);
    }
    lines.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`);
    for (const { values, state } of this.series.values()) {
      lines.push(`${this.name}${labelText(this.labelNames, values)} ${formatNumber(state.value)}`);
    }
  }
}

interface HistogramState {
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets (upper bounds inclusive, as Prometheus). */
export class Histogram extends Metric<HistogramState> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  protected fresh(): HistogramState {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  observe(values: readonly string[], value: number): void {
    observeInto(this.buckets, this.stateOf(values), value);
  }

  bind(values: readonly string[] = []): { observe(value: number): void } {
    const state = this.stateOf(values);
    return { observe: (value) => observeInto(this.buckets, state, value) };
  }

  /** Count and sum of one series (tests, the describe command). */
  get(values: readonly string[] = []): { count: number; sum: number } {
    const state = this.series.get(values.join("\u0001"))?.state;
    return { count: state?.count ?? 0, sum: state?.sum ?? 0 };
  }

  render(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const { values, state } of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += state.counts[i] ?? 0;
        const le = `le="${formatNumber(this.buckets[i] ?? Infinity)}"`;
        lines.push(`${this.name}_bucket${labelText(this.labelNames, values, le)} ${cumulative}`);
      }
      lines.push(`${this.name}_bucket${labelText(this.labelNames, values, 'le="+Inf"')} ${state.count}`);
      lines.push(`${this.name}_sum${labelText(this.labelNames, values)} ${formatNumber(state.sum)}`);
      lines.push(`${this.name}_count${labelText(this.labelNames, values)} ${state.count}`);
    }
  }
}

function observeInto(buckets: readonly number[], state: HistogramState, value: number): void {
  state.count++;
  state.sum += value;
  for (let i = 0; i < buckets.length; i++) {
    if (value <= (buckets[i] ?? Infinity)) {
      state.counts[i] = (state.counts[i] ?? 0) + 1;
      return;
    }
  }
}

/** The metrics of one process, rendered for a scrape. */
export class MetricsRegistry {
  private readonly metrics: Rendered[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }

  /** The text exposition format (content type `text/plain; version=0.0.4`). */
  render(): string {
    const lines: string[] = [];
    for (const metric of this.metrics) metric.render(lines);
    return `${lines.join("\n")}\n`;
  }

  private add<M extends Rendered>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} registered twice`);
    this.metrics.push(metric);
    return metric;
  }
}
