// The observability views (assay extensions, docs/observe.md): the agent
// graph, the time series, and span / trace cost.  Trip-planner traces
// (lib/otel.mjs: research, budget and local-experience agents in parallel
// under the planner, then the itinerary agent, each with an LLM span and
// tools) arrive over OTLP with ids and times we choose, so every expected
// value is exact.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { encodeExportRequest, exportRequest, otlpSpan, randomSpanId, randomTraceId, tripOtlpSpans, TRIP_TOTALS } from "./lib/otel.mjs";
import { show, startServer } from "./lib/server.mjs";

const RUN = Date.now().toString(36);
const BASE = Date.parse("2026-03-01T10:00:00.000Z");
const P = `observe-${RUN}`;
const COST = `observe-cost-${RUN}`;
const MIN = 60 * 1000;
const enc = encodeURIComponent;
const near = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} != ${b}`);

let server;
const trips = [];

async function ingest(spans, projectName, { protobuf = false } = {}) {
  const req = exportRequest(spans, { projectName });
  const r = protobuf
    ? await server.postTraces(encodeExportRequest(req), { "content-type": "application/x-protobuf" })
    : await server.postTraces(Buffer.from(JSON.stringify(req)), { "content-type": "application/json" });
  assert.equal(r.status, 200, `ingest: ${show(r)}${server.diag()}`);
}

const graph = (q = "") => server.getOk(`/v1/projects/${enc(P)}/agent_graph${q}`);
const node = (g, id) => g.data.nodes.find((n) => n.id === id);
const edge = (g, s, t) => g.data.edges.find((e) => e.source === s && e.target === t);

before(async () => {
  server = await startServer();
  // three traces, 10 minutes apart; the second one as protobuf
  for (let i = 0; i < 3; i++) {
    const t = tripOtlpSpans({ baseMs: BASE + i * 10 * MIN });
    trips.push(t);
    await ingest(t.spans, P, { protobuf: i === 1 });
  }
  // costs: an attribute cost wins over the price table; an unknown model
  // and a span without tokens have none
  const traceId = randomTraceId();
  const root = randomSpanId();
  const llm = (name, attrs) =>
    otlpSpan({
      traceId, spanId: randomSpanId(), parentSpanId: root, name, kind: 3,
      startMs: BASE + 1000, endMs: BASE + 2000,
      attributes: { "openinference.span.kind": "LLM", "llm.provider": "openai", ...attrs },
    });
  await ingest(
    [
      otlpSpan({ traceId, spanId: root, name: "chain", startMs: BASE, endMs: BASE + 3000,
                 attributes: { "openinference.span.kind": "CHAIN" } }),
      llm("attr_cost", { "llm.model_name": "gpt-4o", "llm.token_count.prompt": 1000,
                         "llm.token_count.completion": 1000, "llm.cost.total": 0.42 }),
      llm("priced", { "llm.model_name": "gpt-4o-mini", "llm.token_count.prompt": 2000,
                      "llm.token_count.completion": 1000 }),
      llm("unknown_model", { "llm.model_name": "my-own-model", "llm.token_count.prompt": 5 }),
    ],
    COST,
  );
  // annotations on the research LLM span of the first two traces
  const ann = (t, label, score) => ({
    span_id: t.ids.research_llm, name: "correctness", annotator_kind: "HUMAN",
    result: { label, score },
  });
  const r = await server.postJSON("/v1/span_annotations?sync=true", {
    data: [ann(trips[0], "correct", 1), ann(trips[1], "incorrect", 0)],
  });
  assert.equal(r.status, 200, show(r));
  const tr = await server.postJSON("/v1/trace_annotations?sync=true", {
    data: [{ trace_id: trips[0].traceId, name: "correctness", annotator_kind: "HUMAN",
             result: { label: "correct", score: 1 } }],
  });
  assert.equal(tr.status, 200, show(tr));
});

after(async () => {
  if (!server) return;
  const status = await server.stop();
  assert.deepEqual(status, { code: 0, signal: null }, server.diag());
});

describe("agent graph", () => {
  it("nodes and edges of the trip planner, with parallel sub-agents", async () => {
    const g = await graph();
    assert.equal(g.data.traces, 3);
    assert.equal(g.data.spans, 36);
    assert.equal(g.data.truncated, false);
    assert.equal(g.data.nodes.length, 12);
    assert.equal(g.data.edges.length, 11);
    const root = node(g, "AGENT:trip_planner");
    assert.deepEqual([root.kind, root.name, root.calls, root.traces, root.roots], ["AGENT", "trip_planner", 3, 3, 3]);
    near(root.latency_ms.p50, 9000, "planner p50");
    for (const a of ["research_agent", "budget_agent", "local_experience_agent"]) {
      const e = edge(g, "AGENT:trip_planner", `AGENT:${a}`);
      assert.ok(e, a);
      assert.deepEqual([e.calls, e.parents, e.parallel, e.parallel_calls], [3, 3, true, 3], a);
    }
    const seq = [
      ["AGENT:trip_planner", "AGENT:itinerary_agent"],
      ["AGENT:research_agent", "LLM:research_llm"],
      ["AGENT:research_agent", "TOOL:web_search"],
      ["AGENT:budget_agent", "TOOL:currency_converter"],
      ["AGENT:itinerary_agent", "LLM:itinerary_llm"],
    ];
    for (const [s, t] of seq) {
      const e = edge(g, s, t);
      assert.ok(e, `${s} -> ${t}`);
      assert.deepEqual([e.calls, e.parallel, e.parallel_calls], [3, false, 0], `${s} -> ${t}`);
    }
    const fx = node(g, "TOOL:currency_converter");
    assert.deepEqual([fx.errors, fx.error_rate], [3, 1]);
    assert.equal(node(g, "TOOL:web_search").errors, 0);
    const itin = node(g, "LLM:itinerary_llm");
    assert.deepEqual(itin.tokens, { prompt: 900, completion: 750 });
    near(itin.cost, 3 * (300 * 2.5 + 250 * 10) / 1e6, "itinerary cost (gpt-4o)");
    assert.equal(node(g, "LLM:local_llm").cost, null, "claude-3-5-sonnet has no price");
    assert.equal(node(g, "AGENT:budget_agent").cost, null);
    // sorted by calls, descending
    const calls = g.data.nodes.map((n) => n.calls);
    assert.deepEqual(calls, [...calls].sort((a, b) => b - a));
  });

  it("trace_id: the graph of one trace", async () => {
    const g = await graph(`?trace_id=${trips[2].traceId}`);
    assert.deepEqual([g.data.traces, g.data.spans, g.data.nodes.length, g.data.edges.length], [1, 12, 12, 11]);
    assert.equal(node(g, "AGENT:trip_planner").calls, 1);
    assert.equal(edge(g, "AGENT:trip_planner", "AGENT:budget_agent").parallel, true);
    const other = await server.get(`/v1/projects/${enc(COST)}/agent_graph?trace_id=${trips[2].traceId}`);
    assert.equal(other.status, 404, show(other));
  });

  it("time range and max_traces", async () => {
    const g = await graph(`?max_traces=2`);
    assert.deepEqual([g.data.traces, g.data.truncated, g.data.spans], [2, true, 24]);
    const r = await graph(`?start_time=${new Date(BASE + 5 * MIN).toISOString()}&end_time=${new Date(BASE + 15 * MIN).toISOString()}`);
    assert.deepEqual([r.data.traces, r.data.truncated], [1, false]);
    const none = await graph(`?start_time=${new Date(BASE + 60 * MIN).toISOString()}`);
    assert.deepEqual([none.data.traces, none.data.nodes, none.data.edges], [0, [], []]);
  });

  it("errors: 404 unknown project, 422 naming the parameter", async () => {
    const nf = await server.get(`/v1/projects/nope-${RUN}/agent_graph`);
    assert.equal(nf.status, 404, show(nf));
    for (const [q, re] of [
      ["trace_id=xyz", /trace_id/],
      ["max_traces=0", /max_traces/],
      ["max_traces=100001", /max_traces/],
      ["start_time=yesterday", /start_time/],
      [`start_time=${new Date(BASE).toISOString()}&end_time=${new Date(BASE - 1).toISOString()}`, /end_time/],
    ]) {
      const r = await server.get(`/v1/projects/${enc(P)}/agent_graph?${q}`);
      assert.equal(r.status, 422, `${q}: ${show(r)}`);
      assert.match(r.json().detail, re);
    }
  });
});

describe("timeseries", () => {
  const range = `start_time=${new Date(BASE).toISOString()}&end_time=${new Date(BASE + 60 * MIN).toISOString()}`;

  it("buckets cover the range, counted by trace start time", async () => {
    const j = await server.getOk(`/v1/projects/${enc(P)}/timeseries?${range}&interval=600`);
    const d = j.data;
    assert.equal(d.interval_s, 600);
    assert.equal(d.start_time, "2026-03-01T10:00:00.000000+00:00");
    assert.equal(d.buckets.length, 6);
    assert.deepEqual(d.buckets.map((b) => b.traces), [1, 1, 1, 0, 0, 0]);
    assert.deepEqual(d.buckets.map((b) => b.spans), [12, 12, 12, 0, 0, 0]);
    assert.deepEqual(d.buckets.map((b) => b.errors), [1, 1, 1, 0, 0, 0]);
    assert.equal(d.buckets[0].error_rate, 1);
    assert.equal(d.buckets[5].error_rate, null);
    assert.equal(d.buckets[1].start_time, "2026-03-01T10:10:00.000000+00:00");
    assert.deepEqual(d.buckets[0].tokens, TRIP_TOTALS);
    near(d.buckets[0].latency_ms.p50, 9000, "trace latency");
    assert.deepEqual(d.buckets[4].latency_ms, { p50: null, p95: null, p99: null });
    near(d.buckets[0].cost, (120 * 2.5 + 80 * 10 + 90 * 0.15 + 40 * 0.6 + 300 * 2.5 + 250 * 10) / 1e6, "bucket cost");
    assert.equal(d.buckets[3].cost, null);
    // the whole range: sums of the buckets, percentiles over every trace
    assert.equal(d.summary.traces, 3);
    assert.equal(d.summary.spans, 36);
    assert.equal(d.summary.errors, 3);
    assert.equal(d.summary.error_rate, 1);
    assert.deepEqual(d.summary.tokens, {
      prompt: d.buckets.reduce((a, b) => a + b.tokens.prompt, 0),
      completion: d.buckets.reduce((a, b) => a + b.tokens.completion, 0),
      total: d.buckets.reduce((a, b) => a + b.tokens.total, 0),
    });
    near(d.summary.cost, d.buckets.reduce((a, b) => a + (b.cost || 0), 0), "range cost");
    const lats = d.buckets.filter((b) => b.traces).map((b) => b.latency_ms.p50).sort((x, y) => x - y);
    near(d.summary.latency_ms.p50, lats[1], "median of the three trace latencies");
    near(d.summary.latency_ms.p99, lats[2], "nearest rank");
    // annotations per name, aligned with the buckets (span + trace ones)
    assert.equal(d.annotations.length, 1);
    const a = d.annotations[0];
    assert.equal(a.name, "correctness");
    assert.deepEqual(a.labels, ["correct", "incorrect"]);
    assert.equal(a.buckets.length, 6);
    assert.deepEqual(a.buckets[0], { count: 2, labels: { correct: 2, incorrect: 0 }, mean_score: 1 });
    assert.deepEqual(a.buckets[1], { count: 1, labels: { correct: 0, incorrect: 1 }, mean_score: 0 });
    assert.deepEqual(a.buckets[2], { count: 0, labels: { correct: 0, incorrect: 0 }, mean_score: null });
  });

  it("default interval: ~48 buckets; the default range is the last 24 h", async () => {
    const j = await server.getOk(`/v1/projects/${enc(P)}/timeseries?${range}`);
    assert.equal(j.data.interval_s, 120);
    assert.equal(j.data.buckets.length, 30);
    const day = await server.getOk(`/v1/projects/${enc(P)}/timeseries`);
    assert.equal(day.data.interval_s, 1800);
    assert.equal(day.data.buckets.length, 48);
    assert.equal(day.data.buckets.reduce((s, b) => s + b.traces, 0), 0, "the traces are older");
  });

  it("errors: 404 unknown project, 422 naming the parameter", async () => {
    const nf = await server.get(`/v1/projects/nope-${RUN}/timeseries`);
    assert.equal(nf.status, 404, show(nf));
    for (const [q, re] of [
      [`${range}&interval=59`, /interval/],
      [`${range}&interval=ten`, /interval/],
      [`start_time=2020-01-01T00:00:00Z&end_time=2026-01-01T00:00:00Z&interval=60`, /interval/],
      ["end_time=nope", /end_time/],
    ]) {
      const r = await server.get(`/v1/projects/${enc(P)}/timeseries?${q}`);
      assert.equal(r.status, 422, `${q}: ${show(r)}`);
      assert.match(r.json().detail, re);
    }
  });
});

describe("cost", () => {
  it("spans: attribute cost wins, the price table otherwise, null when unknown", async () => {
    const j = await server.getOk(`/v1/projects/${enc(COST)}/spans?limit=10`);
    const by = Object.fromEntries(j.data.map((s) => [s.name, s.cost]));
    assert.equal(by.attr_cost, 0.42);
    near(by.priced, (2000 * 0.15 + 1000 * 0.6) / 1e6, "gpt-4o-mini");
    assert.equal(by.unknown_model, null);
    assert.equal(by.chain, null);
    const t = await server.getOk(`/v1/projects/${enc(P)}/spans?trace_id=${trips[0].traceId}&name=research_llm`);
    near(t.data[0].cost, (120 * 2.5 + 80 * 10) / 1e6, "gpt-4o");
  });

  it("traces: the sum over their spans", async () => {
    const j = await server.getOk(`/v1/projects/${enc(COST)}/traces`);
    assert.equal(j.data.length, 1);
    near(j.data[0].cost, 0.42 + 0.0009, "trace cost");
    const p = await server.getOk(`/v1/projects/${enc(P)}/traces?limit=1`);
    near(p.data[0].cost, (120 * 2.5 + 80 * 10 + 90 * 0.15 + 40 * 0.6 + 300 * 2.5 + 250 * 10) / 1e6, "trip cost");
  });
});
