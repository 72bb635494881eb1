// Metrics page transforms: time ranges, timeseries buckets -> uPlot series
// (null where a bucket has no data, so lines break instead of dropping to 0),
// label shares of annotations, and the range's totals.  Unit-tested in
// metrics.test.ts.
import type { AnnotationSeries, Bucket, Timeseries } from "./api/observe";

export interface MetricRange {
  key: string;
  label: string;
  ms: number;
  interval: number; // bucket width in seconds
}

export const METRIC_RANGES: MetricRange[] = [
  { key: "1h", label: "last hour", ms: 3600e3, interval: 60 },
  { key: "24h", label: "last 24 h", ms: 24 * 3600e3, interval: 1800 },
  { key: "7d", label: "last 7 days", ms: 7 * 24 * 3600e3, interval: 3 * 3600 },
  { key: "30d", label: "last 30 days", ms: 30 * 24 * 3600e3, interval: 12 * 3600 },
];
export const DEFAULT_RANGE = "24h";

/** The timeseries query of a range, ending now (unknown keys mean the default). */
export function rangeQuery(key: string, now: number): { start_time: string; end_time: string; interval: string } {
  const r = METRIC_RANGES.find((x) => x.key === key) || METRIC_RANGES.find((x) => x.key === DEFAULT_RANGE)!;
  return { start_time: new Date(now - r.ms).toISOString(), end_time: new Date(now).toISOString(), interval: String(r.interval) };
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Bucket start times in seconds (uPlot's time unit). */
export function bucketTimes(ts: Pick<Timeseries, "buckets">): number[] {
  return ts.buckets.map((b) => Date.parse(b.start_time) / 1000);
}

/** One value per bucket; missing, null and non-finite values become null. */
export function series(buckets: Bucket[], pick: (b: Bucket) => unknown, scale = 1): (number | null)[] {
  return buckets.map((b) => {
    const v = num(pick(b));
    return v == null ? null : v * scale;
  });
}

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
}

/** Share (%) of each label per bucket for one annotation name; null in buckets without annotations. */
export function labelRates(a: AnnotationSeries): ChartSeries[] {
  const labels = a.labels.length ? a.labels : [...new Set(a.buckets.flatMap((b) => Object.keys(b.labels || {})))].sort();
  return labels.map((label, i) => ({
    label,
    color: PALETTE[i % PALETTE.length],
    values: a.buckets.map((b) => {
      if (!b.count) return null;
      const n = num(b.labels?.[label]) ?? 0;
      return (n / b.count) * 100;
    }),
  }));
}

export const PALETTE = ["#2a9d5c", "#d43b3b", "#4f7cff", "#e08a1e", "#7c5cff", "#2a9d8f", "#c2509b", "#8a93a6"];

export interface Totals {
  traces: number;
  spans: number;
  errors: number;
  errorRate: number | null; // errors per trace
  tokens: number;
  cost: number | null; // null when no bucket has a cost
  annotations: number;
}

/** The range's figures: the server's summary (every trace counted), and
 * the annotations summed over the buckets. */
export function totals(ts: Timeseries): Totals {
  const s = ts.summary;
  let annotations = 0;
  for (const a of ts.annotations || []) for (const b of a.buckets) annotations += num(b.count) ?? 0;
  const tokens = s.tokens ? num(s.tokens.total) ?? (num(s.tokens.prompt) ?? 0) + (num(s.tokens.completion) ?? 0) : 0;
  return { traces: s.traces, spans: s.spans, errors: s.errors, errorRate: s.error_rate, tokens, cost: num(s.cost), annotations };
}

/** The mean score of an annotation name over the range (bucket means weighted by their counts); null without scores. */
export function meanScore(a: AnnotationSeries): number | null {
  let s = 0, n = 0;
  for (const b of a.buckets) {
    const m = num(b.mean_score), c = num(b.count) ?? 0;
    if (m == null || c <= 0) continue;
    s += m * c;
    n += c;
  }
  return n ? s / n : null;
}
