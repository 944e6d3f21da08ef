// A small Prometheus text-format registry: counters and histograms by label, gauges read
// at scrape time. Bounded: a metric refuses more than LABEL_SETS_MAX label sets.

/** Label sets one metric keeps; more are not recorded. */
const LABEL_SETS_MAX = 256;

type Labels = Record<string, string>;

function composeKey(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/**
 * Keys of one-label sets, composed once: a request counts itself under `{op="exists"}` on
 * every request, and composing that text each time was most of what counting cost.
 */
const oneLabelKeys = new Map<string, Map<string, string>>();
/** Cached keys of single-label sets, shared by all metrics. */
const ONE_LABEL_KEYS_MAX = 4_096;
let oneLabelKeyCount = 0;

function labelKey(labels: Labels | undefined): string {
  if (!labels) return "";
  let name: string | undefined;
  let names = 0;
  for (const k in labels) {
    name = k;
    if (++names > 1) return composeKey(labels);
  }
  if (name === undefined) return "";
  const value = labels[name]!;
  let byValue = oneLabelKeys.get(name);
  const known = byValue?.get(value);
  if (known !== undefined) return known;
  const key = composeKey(labels);
  if (oneLabelKeyCount < ONE_LABEL_KEYS_MAX) {
    if (!byValue) oneLabelKeys.set(name, (byValue = new Map()));
    byValue.set(value, key);
    oneLabelKeyCount++;
  }
  return key;
}

function withLabel(key: string, extra: string): string {
  return key === "" ? `{${extra}}` : `${key.slice(0, -1)},${extra}}`;
}

export class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels?: Labels, by = 1): void {
    const key = labelKey(labels);
    const v = this.values.get(key);
    if (v === undefined && this.values.size >= LABEL_SETS_MAX) return;
    this.values.set(key, (v ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    let s = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [k, v] of this.values) s += `${this.name}${k} ${v}\n`;
    return s;
  }
}

/** Default buckets in seconds, from 50 µs to 10 s. */
export const LATENCY_BUCKETS_S = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram {
  private readonly series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = LATENCY_BUCKETS_S,
  ) {}

  observe(value: number, labels?: Labels): void {
    const key = labelKey(labels);
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= LABEL_SETS_MAX) return;
      s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    if (i < this.buckets.length) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  /** Approximate quantile (upper bucket bound) across all label sets. */
  quantile(q: number): number {
    const total = new Array(this.buckets.length).fill(0) as number[];
    let n = 0;
    for (const s of this.series.values()) {
      s.counts.forEach((c, i) => (total[i]! += c));
      n += s.count;
    }
    let acc = 0;
    for (let i = 0; i < total.length; i++) {
      acc += total[i]!;
      if (acc >= q * n) return this.buckets[i]!;
    }
    return n === 0 ? 0 : Infinity;
  }
  stats(): { count: number; sum: number } {
    let count = 0;
    let sum = 0;
    for (const s of this.series.values()) {
      count += s.count;
      sum += s.sum;
    }
    return { count, sum };
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const [k, s] of this.series) {
      let acc = 0;
      this.buckets.forEach((b, i) => {
        acc += s.counts[i]!;
        out += `${this.name}_bucket${withLabel(k, `le="${b}"`)} ${acc}\n`;
      });
      out += `${this.name}_bucket${withLabel(k, 'le="+Inf"')} ${s.count}\n`;
      out += `${this.name}_sum${k} ${s.sum}\n${this.name}_count${k} ${s.count}\n`;
    }
    return out;
  }
}

/** Observations a summary keeps per label set for its quantiles (a sliding window of the latest). */
export const SUMMARY_WINDOW_MAX = 1024;

interface SummarySeries {
  window: number[];
  next: number;
  sum: number;
  count: number;
}

/**
 * A Prometheus summary as ZooKeeper's PrometheusMetricsProvider exports one: the given
 * quantiles over the latest SUMMARY_WINDOW_MAX observations, with the cumulative _count and _sum.
 */
export class Summary {
  private readonly series = new Map<string, SummarySeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly quantiles: readonly number[],
  ) {}

  observe(value: number, labels?: Labels): void {
    const key = labelKey(labels);
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= LABEL_SETS_MAX) return;
      s = { window: [], next: 0, sum: 0, count: 0 };
      this.series.set(key, s);
    }
    if (s.window.length < SUMMARY_WINDOW_MAX) s.window.push(value);
    else s.window[s.next] = value;
    s.next = (s.next + 1) % SUMMARY_WINDOW_MAX;
    s.sum += value;
    s.count++;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} summary\n`;
    for (const [k, s] of this.series) {
      const sorted = [...s.window].sort((a, b) => a - b);
      for (const q of this.quantiles) {
        const v = sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
        out += `${this.name}${withLabel(k, `quantile="${q}"`)} ${v}\n`;
      }
      out += `${this.name}_count${k} ${s.count}\n${this.name}_sum${k} ${s.sum}\n`;
    }
    return out;
  }
}

export class Gauge {
  /**
   * `read` returns one value, or one per label set (none: the gauge is absent now, as ZooKeeper's
   * leader gauges on a follower). `type` "counter": a total kept elsewhere, read at scrape time
   * (the process's CPU seconds).
   */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly read: () => number | Array<[Labels, number]>,
    readonly type: "gauge" | "counter" = "gauge",
  ) {}
  render(): string {
    let s = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n`;
    const v = this.read();
    if (typeof v === "number") s += `${this.name} ${v}\n`;
    else for (const [labels, n] of v) s += `${this.name}${labelKey(labels)} ${n}\n`;
    return s;
  }
}

export class MetricsRegistry {
  private readonly metrics: Array<Counter | Histogram | Gauge | Summary> = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  histogram(name: string, help: string, buckets?: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }
  gauge(name: string, help: string, read: () => number | Array<[Labels, number]>, type: "gauge" | "counter" = "gauge"): Gauge {
    return this.add(new Gauge(name, help, read, type));
  }
  summary(name: string, help: string, quantiles: readonly number[]): Summary {
    return this.add(new Summary(name, help, quantiles));
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join("");
  }
  private add<T extends Counter | Histogram | Gauge | Summary>(m: T): T {
    if (this.metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.push(m);
    return m;
  }
}
