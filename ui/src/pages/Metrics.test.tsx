import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MetricsPage } from "./Metrics";
import type { Timeseries } from "../api/observe";

// uPlot needs a real canvas: a stand-in records what the charts hand it.
const made = vi.hoisted(() => {
  (window as unknown as { matchMedia: unknown }).matchMedia = () => ({ matches: false, addEventListener() {}, removeEventListener() {} });
  return [] as { title: string; labels: string[]; data: unknown[] }[];
});
vi.mock("uplot", () => {
  class FakePlot {
    static paths = { bars: () => undefined };
    constructor(opts: { series: { label?: string }[] }, data: unknown[], el: HTMLElement) {
      made.push({ title: el.getAttribute("aria-label") || "", labels: opts.series.map((s) => s.label || ""), data });
      el.appendChild(document.createElement("canvas"));
    }
    destroy() {}
  }
  return { default: FakePlot };
});

const ts = (traces: number, annotated = true): Timeseries => ({
  start_time: "2026-01-01T00:00:00+00:00", end_time: "2026-01-01T01:00:00+00:00", interval_s: 1800,
  // what the server sends for these buckets
  summary: { traces, spans: traces * 3, errors: 0, error_rate: traces ? 0 : null, latency_ms: { p50: null, p95: null, p99: null }, tokens: { prompt: 0, completion: 0, total: 0 }, cost: traces ? 0.5 : null },
  buckets: [0, 1].map((i) => ({
    start_time: `2026-01-01T00:${i ? "30" : "00"}:00+00:00`, traces: i ? 0 : traces, spans: i ? 0 : traces * 3, errors: 0, error_rate: i || !traces ? null : 0,
    latency_ms: { p50: null, p95: null, p99: null }, tokens: { prompt: 0, completion: 0, total: 0 }, cost: i || !traces ? null : 0.5,
  })),
  annotations: annotated ? [{ name: "<b>helpful</b>", labels: ["yes", "no"], buckets: [{ count: 2, labels: { yes: 1, no: 1 }, mean_score: 0.5 }, { count: 0, labels: {}, mean_score: null }] }] : [],
});

let calls: string[] = [];
function stub(routes: Record<string, unknown>) {
  vi.stubGlobal("fetch", async (url: string) => {
    calls.push(url);
    for (const [k, v] of Object.entries(routes)) if (url.includes(k)) return v instanceof Response ? v : new Response(JSON.stringify(v), { status: 200 });
    return new Response(JSON.stringify({ detail: "no route" }), { status: 404 });
  });
}
beforeEach(() => {
  calls = [];
  made.length = 0;
  history.replaceState(null, "", "/projects/p/metrics");
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("MetricsPage", () => {
  test("summary, one chart per figure and one per annotation name (names as text)", async () => {
    stub({ "/timeseries": { data: ts(12) } });
    const { container } = render(<MetricsPage project="p" />);
    await waitFor(() => expect(screen.getByTestId("metrics-summary").textContent).toMatch(/^last 24 h: 12 traces · 36 spans .* cost \$0\.50 · 2 annotations$/));
    expect(calls[0]).toMatch(/^\/v1\/projects\/p\/timeseries\?start_time=.*&end_time=.*&interval=1800$/);
    for (const id of ["chart-traces", "chart-latency", "chart-tokens", "chart-cost", "chart-errors", "chart-labels"]) expect(screen.getByTestId(id)).toBeTruthy();
    expect(screen.getByTestId("chart-labels").querySelector("h2")!.textContent).toBe("Evaluation: <b>helpful</b>");
    expect(container.querySelector("main b, .chart b")).toBeNull();
    // the series handed to uPlot: x in seconds, nulls kept, label shares in %
    await waitFor(() => expect(made.length).toBe(6));
    const lat = made.find((m) => m.title.startsWith("Trace latency"))!;
    expect(lat.labels).toEqual(["time", "p50", "p95", "p99"]);
    expect(lat.data).toEqual([[1767225600, 1767227400], [null, null], [null, null], [null, null]]);
    const lab = made.find((m) => m.title.startsWith("Evaluation"))!;
    expect(lab.labels).toEqual(["time", "yes", "no"]);
    expect(lab.data.slice(1)).toEqual([[50, null], [50, null]]);
    expect(container.querySelectorAll(".chart canvas")).toHaveLength(6);
  });
  test("the range comes from the URL", async () => {
    history.replaceState(null, "", "/projects/p/metrics?range=30d");
    stub({ "/timeseries": { data: ts(1, false) } });
    render(<MetricsPage project="p" />);
    await waitFor(() => expect(screen.getByTestId("metrics-summary").textContent).toMatch(/^last 30 days: 1 traces/));
    expect(calls[0]).toMatch(/interval=43200$/);
    expect(screen.queryByTestId("chart-labels")).toBeNull();
  });
  test("while a new range loads, the figures shown keep the label of their own range", async () => {
    let release: (r: Response) => void = () => {};
    vi.stubGlobal("fetch", async (url: string) => {
      calls.push(url);
      if (url.includes("interval=60")) return new Promise<Response>((r) => (release = r)); // the 1 h range: held back
      return new Response(JSON.stringify({ data: ts(12) }), { status: 200 });
    });
    render(<MetricsPage project="p" />);
    const summary = () => screen.getByTestId("metrics-summary").textContent;
    await waitFor(() => expect(summary()).toMatch(/^last 24 h: 12 traces .*annotations$/));
    fireEvent.change(screen.getByTestId("range"), { target: { value: "1h" } });
    await waitFor(() => expect(calls.some((u) => u.endsWith("interval=60"))).toBe(true));
    expect(summary()).toMatch(/^last 24 h: 12 traces .* \(updating…\)$/);
    release(new Response(JSON.stringify({ data: ts(2, false) }), { status: 200 }));
    await waitFor(() => expect(summary()).toMatch(/^last hour: 2 traces .*cost \$0\.50$/));
  });
  test("empty and error states", async () => {
    stub({ "/timeseries": { data: ts(0, false) } });
    render(<MetricsPage project="p" />);
    expect((await screen.findByTestId("metrics-empty")).textContent).toMatch(/send traces/);
    expect(screen.queryByTestId("charts")).toBeNull();
    cleanup();
    stub({ "/timeseries": new Response(JSON.stringify({ detail: "interval: 5 is below 60 seconds" }), { status: 422 }) });
    render(<MetricsPage project="p" />);
    expect((await screen.findByTestId("metrics-error")).textContent).toBe("interval: 5 is below 60 seconds");
  });
  test("/charts shows the first project with a picker", async () => {
    history.replaceState(null, "", "/charts");
    stub({ "/v1/projects?": { data: [{ id: "1", name: "first", description: null }, { id: "2", name: "second", description: null }], next_cursor: null }, "/timeseries": { data: ts(3, false) } });
    render(<MetricsPage />);
    await waitFor(() => expect(screen.getByTestId("metrics-summary").textContent).toMatch(/3 traces/));
    expect(calls.some((u) => u.startsWith("/v1/projects/first/timeseries"))).toBe(true);
    expect((screen.getByTestId("project-picker") as HTMLSelectElement).value).toBe("first");
  });
});
