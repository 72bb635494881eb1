import { describe, expect, test } from "vitest";
import { buildTree, chatMessages, flattenTree, parseApiError, projectStats, spanTokens, timeBounds, unflatten, waterfallBar } from "./transforms";
import { sortSpans } from "./pages/Spans";
import { visibleRange } from "./components/VirtualList";
import type { Span } from "./types";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function sp(id: string, parent: string | null, start: number, end: number, extra: Partial<Span> = {}): Span {
  return {
    id: `S${id}`, name: id, context: { trace_id: "t", span_id: id }, span_kind: "CHAIN", parent_id: parent,
    start_time: iso(start), end_time: iso(end), status_code: "OK", status_message: "", attributes: {}, events: [], ...extra,
  };
}

describe("buildTree", () => {
  test("nests by parent id and orders children by start time", () => {
    const spans = [sp("c2", "root", 50, 60), sp("root", null, 0, 100), sp("c1", "root", 10, 40), sp("g", "c1", 20, 30)];
    const tree = buildTree(spans);
    expect(tree.map((n) => n.span.name)).toEqual(["root"]);
    expect(tree[0].children.map((n) => n.span.name)).toEqual(["c1", "c2"]);
    expect(flattenTree(tree).map((n) => [n.span.name, n.depth])).toEqual([["root", 0], ["c1", 1], ["g", 2], ["c2", 1]]);
  });
  test("spans with a missing parent become roots; nothing is lost", () => {
    const tree = buildTree([sp("a", "missing", 5, 6), sp("b", null, 0, 10), sp("c", "a", 5, 6)]);
    expect(tree.map((n) => n.span.name)).toEqual(["b", "a"]);
    expect(flattenTree(tree)).toHaveLength(3);
  });
  test("a parent cycle and a self-parent do not hang or drop spans", () => {
    const tree = buildTree([sp("a", "b", 0, 1), sp("b", "a", 0, 1), sp("s", "s", 2, 3)]);
    const names = flattenTree(tree).map((n) => n.span.name).sort();
    expect(names).toEqual(["a", "b", "s"]);
  });
  test("duplicate span ids keep the first", () => {
    expect(flattenTree(buildTree([sp("a", null, 0, 1), sp("a", null, 5, 6)]))).toHaveLength(1);
  });
  test("a 5,000-deep chain builds without recursion limits", () => {
    const spans = [sp("0", null, 0, 10000)];
    for (let i = 1; i < 5000; i++) spans.push(sp(String(i), String(i - 1), i, i + 1));
    const rows = flattenTree(buildTree(spans));
    expect(rows).toHaveLength(5000);
    expect(rows[4999].depth).toBe(4999);
  });
  test("collapsed spans hide their descendants only", () => {
    const tree = buildTree([sp("r", null, 0, 100), sp("a", "r", 1, 2), sp("a1", "a", 1, 2), sp("b", "r", 3, 4)]);
    expect(flattenTree(tree, new Set(["a"])).map((n) => n.span.name)).toEqual(["r", "a", "b"]);
    expect(flattenTree(tree, new Set(["r"])).map((n) => n.span.name)).toEqual(["r"]);
  });
});

describe("waterfall geometry", () => {
  test("bars are percentages of the trace's time span", () => {
    const spans = [sp("r", null, 0, 1000), sp("a", "r", 250, 750)];
    const [lo, hi] = timeBounds(spans);
    expect(hi - lo).toBe(1000);
    expect(waterfallBar(spans[0], lo, hi)).toEqual({ left: 0, width: 100 });
    expect(waterfallBar(spans[1], lo, hi)).toEqual({ left: 25, width: 50 });
  });
  test("zero-length spans get a minimum width and stay inside the track", () => {
    const b = waterfallBar(sp("z", null, 1000, 1000), T0, T0 + 1000, 0.5);
    expect(b.width).toBe(0.5);
    expect(b.left + b.width).toBeLessThanOrEqual(100);
  });
  test("end before start and a zero-length trace do not produce NaN", () => {
    const b = waterfallBar(sp("x", null, 10, 5), T0 + 10, T0 + 10);
    expect(Number.isFinite(b.left) && Number.isFinite(b.width)).toBe(true);
    expect(timeBounds([])).toEqual([0, 0]);
  });
});

describe("span fields", () => {
  test("tokens: own total, else prompt+completion, else cumulative", () => {
    expect(spanTokens(sp("a", null, 0, 1, { attributes: { "llm.token_count.total": 30 } }))).toBe(30);
    expect(spanTokens(sp("a", null, 0, 1, { attributes: { "llm.token_count.prompt": 10, "llm.token_count.completion": 5 } }))).toBe(15);
    expect(spanTokens(sp("a", null, 0, 1, { cumulative_token_count_prompt: 7, cumulative_token_count_completion: 3 }))).toBe(10);
    expect(spanTokens(sp("a", null, 0, 1))).toBeNull();
  });
  test("chat messages from flattened attributes, in index order", () => {
    const attrs = {
      "llm.input_messages.1.message.role": "user", "llm.input_messages.1.message.content": "hi",
      "llm.input_messages.0.message.role": "system", "llm.input_messages.0.message.content": "be brief",
      "llm.input_messages.10.message.role": "user", "llm.input_messages.10.message.content": "x",
      "llm.output_messages.0.message.content": "hello",
    };
    expect(chatMessages(attrs, "input").map((m) => m.role)).toEqual(["system", "user", "user"]);
    expect(chatMessages(attrs, "output")).toEqual([{ role: "", content: "hello" }]);
  });
  test("unflatten dotted keys into a tree; a value that is also a prefix is kept", () => {
    const t = unflatten({ "llm.model_name": "m", "llm.token_count.total": 3, "a": 1, "a.b": 2 });
    expect(t).toEqual({ a: { "": 1, b: 2 }, llm: { model_name: "m", token_count: { total: 3 } } });
    expect(Object.getPrototypeOf(unflatten({ "__proto__.x": 1 }))).toBe(null);
  });
  test("sort the loaded rows by latency and tokens", () => {
    const rows = [sp("a", null, 0, 30), sp("b", null, 0, 10), sp("c", null, 0, 20)];
    expect(sortSpans(rows, "latency", true).map((s) => s.name)).toEqual(["a", "c", "b"]);
    expect(sortSpans(rows, "latency", false).map((s) => s.name)).toEqual(["b", "c", "a"]);
  });
});

describe("projectStats", () => {
  const bucket = (traces: number) => ({ start_time: iso(0), traces, spans: traces * 3, errors: 0, error_rate: null, latency_ms: null, tokens: null, cost: null });
  test("the card figures are the range's summary; the sparkline the traces per bucket", () => {
    const s = projectStats({
      start_time: iso(0), end_time: iso(24 * 3600e3), interval_s: 3600, annotations: [],
      summary: { traces: 4, spans: 12, errors: 2, error_rate: 0.5, latency_ms: { p50: 200, p95: 400, p99: 400 }, tokens: { prompt: 20, completion: 15, total: 35 }, cost: 0.25 },
      buckets: [bucket(2), ...Array(10).fill(bucket(0)), bucket(1), ...Array(10).fill(bucket(0)), bucket(1)],
    });
    expect(s).toEqual({ traces: 4, errorRate: 0.5, p50: 200, p95: 400, tokens: 35, cost: 0.25, buckets: [2, ...Array(10).fill(0), 1, ...Array(10).fill(0), 1] });
  });
  test("no traces", () => {
    const s = projectStats({
      start_time: iso(0), end_time: iso(1), interval_s: 60, annotations: [], buckets: [],
      summary: { traces: 0, spans: 0, errors: 0, error_rate: null, latency_ms: { p50: null, p95: null, p99: null }, tokens: { prompt: 0, completion: 0, total: 0 }, cost: null },
    });
    expect(s.traces).toBe(0);
    expect(s.errorRate).toBe(0);
    expect(s.p95).toBeNaN();
    expect(s.cost).toBeNull();
  });
});

describe("parseApiError", () => {
  test("filter syntax errors give the column", () => {
    expect(parseApiError(400, { detail: "filter: column 11: unknown operator '==='", code: "invalid_argument", column: 11 })).toEqual({ message: "filter: column 11: unknown operator '==='", column: 11 });
    expect(parseApiError(400, { detail: "filter: column 4: expected a value" }).column).toBe(4);
    expect(parseApiError(404, { detail: "project 'x' not found" })).toEqual({ message: "project 'x' not found", column: null });
    expect(parseApiError(500, "boom").message).toBe("boom");
    expect(parseApiError(502, null).message).toBe("HTTP 502");
  });
});

describe("virtualisation", () => {
  test("visible range with overscan", () => {
    expect(visibleRange(0, 300, 30, 5000, 5)).toEqual([0, 15]);
    expect(visibleRange(3000, 300, 30, 5000, 5)).toEqual([95, 115]);
    expect(visibleRange(1e9, 300, 30, 100, 5)).toEqual([100, 100]);
  });
});
