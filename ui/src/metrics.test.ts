import { fmtUsd, isDemo } from "./format";
import { describe, expect, test } from "vitest";
import type { Bucket, Timeseries } from "./api/observe";
import { bucketTimes, labelRates, meanScore, rangeQuery, series, totals } from "./metrics";

const bucket = (start: string, traces: number, extra: Partial<Bucket> = {}): Bucket => ({
  start_time: start, traces, spans: traces * 12, errors: 0, error_rate: traces ? 0 : null,
  latency_ms: traces ? { p50: 800, p95: 2000, p99: 2300 } : { p50: null, p95: null, p99: null },
  tokens: { prompt: traces * 100, completion: traces * 40, total: traces * 140 }, cost: traces ? traces * 0.01 : null,
  ...extra,
});

const ts: Timeseries = {
  start_time: "2026-01-01T00:00:00+00:00", end_time: "2026-01-01T01:30:00+00:00", interval_s: 1800,
  // what the server sends for these buckets
  summary: { traces: 15, spans: 180, errors: 1, error_rate: 1 / 15, latency_ms: { p50: 800, p95: 2000, p99: 2300 }, tokens: { prompt: 1500, completion: 600, total: 2100 }, cost: 0.15 },
  buckets: [
    bucket("2026-01-01T00:00:00+00:00", 12, { errors: 1, error_rate: 1 / 12 }),
    bucket("2026-01-01T00:30:00+00:00", 0),
    bucket("2026-01-01T01:00:00+00:00", 3),
  ],
  annotations: [
    { name: "correctness", labels: ["correct", "incorrect"], buckets: [
      { count: 10, labels: { correct: 8, incorrect: 2 }, mean_score: 0.8 },
      { count: 0, labels: {}, mean_score: null },
      { count: 4, labels: { correct: 4 }, mean_score: 1 },
    ] },
  ],
};

describe("metrics transforms", () => {
  test("bucket times are uPlot seconds", () => {
    expect(bucketTimes(ts)).toEqual([1767225600, 1767227400, 1767229200]);
  });
  test("series keep nulls for empty buckets and scale", () => {
    expect(series(ts.buckets, (b) => b.latency_ms?.p95)).toEqual([2000, null, 2000]);
    const er = series(ts.buckets, (b) => b.error_rate, 100);
    expect(er[0]).toBeCloseTo(100 / 12);
    expect(er.slice(1)).toEqual([null, 0]);
    expect(series(ts.buckets, (b) => b.traces)).toEqual([12, 0, 3]);
    expect(series([{ ...ts.buckets[0], latency_ms: null }], (b) => b.latency_ms?.p50)).toEqual([null]);
    expect(series(ts.buckets, (b) => b.cost)).toEqual([0.12, null, 0.03]);
  });
  test("label rates: share of each label per bucket in %, null without annotations", () => {
    const r = labelRates(ts.annotations[0]);
    expect(r.map((s) => s.label)).toEqual(["correct", "incorrect"]);
    expect(r[0].values).toEqual([80, null, 100]);
    expect(r[1].values).toEqual([20, null, 0]);
  });
  test("label rates: labels from the buckets when the list is empty", () => {
    const r = labelRates({ name: "x", labels: [], buckets: [{ count: 2, labels: { b: 1, a: 1 }, mean_score: null }] });
    expect(r.map((s) => s.label)).toEqual(["a", "b"]);
    expect(r[0].values).toEqual([50]);
  });
  test("mean score weighted by bucket counts", () => {
    expect(meanScore(ts.annotations[0])).toBeCloseTo((0.8 * 10 + 1 * 4) / 14);
    expect(meanScore({ name: "x", labels: ["a"], buckets: [{ count: 3, labels: { a: 3 }, mean_score: null }] })).toBeNull();
  });
  test("totals", () => {
    const t = totals(ts);
    expect(t.traces).toBe(15);
    expect(t.spans).toBe(180);
    expect(t.errors).toBe(1);
    expect(t.errorRate).toBeCloseTo(1 / 15);
    expect(t.tokens).toBe(15 * 140);
    expect(t.cost).toBeCloseTo(0.15);
    expect(t.annotations).toBe(14);
    const empty = { traces: 0, spans: 0, errors: 0, error_rate: null, latency_ms: { p50: null, p95: null, p99: null }, tokens: { prompt: 0, completion: 0, total: 0 }, cost: null };
    const none = totals({ ...ts, summary: empty, buckets: [bucket("2026-01-01T00:00:00Z", 0)], annotations: [] });
    expect(none.cost).toBeNull();
    expect(none.errorRate).toBeNull();
  });
  test("range query", () => {
    const now = Date.parse("2026-01-02T00:00:00Z");
    expect(rangeQuery("24h", now)).toEqual({ start_time: "2026-01-01T00:00:00.000Z", end_time: "2026-01-02T00:00:00.000Z", interval: "1800" });
    expect(rangeQuery("1h", now).interval).toBe("60");
    expect(rangeQuery("bogus", now).interval).toBe("1800");
  });
  test("cost helpers", () => {
    expect(fmtUsd(null)).toBe("—");
    expect(fmtUsd(0)).toBe("$0");
    expect(fmtUsd(0.0012)).toBe("$0.0012");
    expect(fmtUsd(0.00001)).toBe("<$0.0001");
    expect(fmtUsd(12.3)).toBe("$12.30");
    expect(fmtUsd(1234.4)).toBe("$1,234");
  });
  test("demo projects", () => {
    expect(isDemo("Demo data: recorded")).toBe(true);
    expect(isDemo("demo data: x")).toBe(false);
    expect(isDemo(null)).toBe(false);
  });
});
