// Ingestion round trips with REAL clients: the OpenTelemetry JS SDK exports
// the trip-planner trace (protobuf exporter and OTLP/JSON exporter, separate
// projects) and @arizeai/phoenix-client reads it back.  Plus ingestion
// semantics checked with raw OTLP/JSON: project routing, normalisation,
// gen_ai mapping, duplicates.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { getSpans } from "@arizeai/phoenix-client/spans";
import { getTraces } from "@arizeai/phoenix-client/traces";

import {
  emitTripPlannerTrace,
  exportRequest,
  FX_ERROR_MESSAGE,
  otlpSpan,
  randomSpanId,
  randomTraceId,
  TEXT,
  TOOL_PARAMS,
  TRIP_SPEC,
  TRIP_TOTALS,
} from "./lib/otel.mjs";
import { allSpansRaw, attr, decodeGlobalId, scaled, show, startServer } from "./lib/server.mjs";

const ISO_WITH_ZONE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const RUN = Date.now().toString(36);

let server;
let px;

before(async () => {
  server = await startServer();
  px = server.phoenix();
});

after(async () => {
  if (server) await server.stop();
});

/** Walk every page of getSpans with a small limit; checks the paging itself. */
async function walkAllSpans(project, limit, extra = {}) {
  const all = [];
  const pages = [];
  let cursor = null;
  for (let i = 0; i < 1000; i++) {
    const { spans, nextCursor } = await getSpans({ client: px, project: { projectName: project }, limit, cursor, ...extra });
    assert.ok(spans.length <= limit, `a page holds at most limit=${limit} spans, got ${spans.length}`);
    pages.push(spans.length);
    all.push(...spans);
    if (!nextCursor) return { all, pages };
    assert.equal(spans.length, limit, `a page that has a next_cursor must be full (limit ${limit}); pages so far ${pages}`);
    cursor = nextCursor;
  }
  assert.fail("pagination did not end");
}

function bytesEqual(actual, expected, what) {
  assert.equal(typeof actual, "string", `${what}: expected a string, got ${JSON.stringify(actual)}`);
  assert.ok(
    Buffer.from(actual, "utf8").equals(Buffer.from(expected, "utf8")),
    `${what} must round-trip byte-exact\n  sent: ${JSON.stringify(expected)}\n  got:  ${JSON.stringify(actual)}`,
  );
}

/** Every check of one exported trip-planner trace read back through phoenix-client. */
async function verifyTrip(t, project, emitted) {
  const { traceId, byName, baseMs } = emitted;
  const expectedCount = TRIP_SPEC.length;

  // -- pagination with a small page size walks every span exactly once
  const { all, pages } = await walkAllSpans(project, 5);
  t.diagnostic(`pages: ${pages.join(",")}`);
  assert.equal(all.length, expectedCount, `span count in project ${project}${server.diag()}`);
  assert.equal(pages.length, Math.ceil(expectedCount / 5), `12 spans at limit 5 make 3 pages, got ${pages}`);
  const ids = all.map((s) => s.context.span_id);
  assert.equal(new Set(ids).size, ids.length, `pages must not repeat spans: ${ids}`);
  const gids = all.map((s) => s.id);
  assert.equal(new Set(gids).size, gids.length, "span GlobalIDs must be unique");
  for (const g of gids) assert.equal(decodeGlobalId(g)?.type, "Span", `span id ${g} must be base64("Span:<rowid>")`);

  const got = new Map(all.map((s) => [s.context.span_id, s]));
  for (const exp of byName.values()) {
    const s = got.get(exp.spanId);
    assert.ok(s, `span ${exp.name} (${exp.spanId}) missing; got ${[...got.values()].map((x) => x.name)}`);
    assert.equal(s.name, exp.name);
    assert.equal(s.context.trace_id, traceId, `${exp.name}: trace id`);
    assert.equal(s.span_kind, exp.kind, `${exp.name}: span_kind`);
    assert.equal(s.parent_id ?? null, exp.parentSpanId, `${exp.name}: parent_id`);
    assert.equal(s.status_code, exp.status ?? "UNSET", `${exp.name}: status_code`);
    assert.match(s.start_time, ISO_WITH_ZONE, `${exp.name}: start_time must be ISO 8601 with a zone`);
    assert.match(s.end_time, ISO_WITH_ZONE, `${exp.name}: end_time must be ISO 8601 with a zone`);
    assert.equal(Date.parse(s.start_time), baseMs + exp.start, `${exp.name}: start_time ${s.start_time}`);
    assert.equal(Date.parse(s.end_time), baseMs + exp.end, `${exp.name}: end_time ${s.end_time}`);
    if (exp.input !== undefined) bytesEqual(attr(s, "input.value"), exp.input, `${exp.name} input.value`);
    if (exp.output !== undefined) bytesEqual(attr(s, "output.value"), exp.output, `${exp.name} output.value`);
    if (exp.kind === "LLM") {
      assert.equal(attr(s, "llm.model_name"), exp.model, `${exp.name}: llm.model_name`);
      assert.equal(attr(s, "llm.token_count.prompt"), exp.tokens[0], `${exp.name}: llm.token_count.prompt`);
      assert.equal(attr(s, "llm.token_count.completion"), exp.tokens[1], `${exp.name}: llm.token_count.completion`);
      assert.equal(attr(s, "llm.token_count.total"), exp.tokens[0] + exp.tokens[1], `${exp.name}: llm.token_count.total`);
      // Phoenix flattens nested attributes again on the way out (numeric segments = list indices)
      assert.equal(s.attributes["llm.input_messages.0.message.role"], "system", `${exp.name}: flattened input message role; attributes: ${JSON.stringify(s.attributes).slice(0, 600)}`);
      assert.equal(s.attributes["llm.input_messages.1.message.role"], "user");
      bytesEqual(s.attributes["llm.input_messages.1.message.content"], exp.input, `${exp.name} llm.input_messages.1.message.content`);
      bytesEqual(s.attributes["llm.output_messages.0.message.content"], exp.output, `${exp.name} llm.output_messages.0.message.content`);
    }
    if (exp.kind === "TOOL") {
      assert.equal(attr(s, "tool.name"), exp.tool, `${exp.name}: tool.name`);
      // Phoenix parses the JSON string tool.parameters into an object, and the REST API
      // returns it flattened: tool.parameters.<key>
      for (const [k, v] of Object.entries(TOOL_PARAMS[exp.tool])) {
        assert.deepEqual(
          s.attributes[`tool.parameters.${k}`],
          v,
          `${exp.name}: tool.parameters must be parsed and shown flattened as tool.parameters.${k}; attributes: ${JSON.stringify(s.attributes)}`,
        );
      }
    }
  }

  // -- metadata (JSON string) parsed like Phoenix: flattened metadata.variant
  const root = got.get(byName.get("trip_planner").spanId);
  assert.equal(root.attributes["metadata.variant"], "B", `metadata '{"variant":"B"}' shows as attributes["metadata.variant"]; attributes: ${JSON.stringify(root.attributes)}`);
  assert.equal(root.attributes["metadata.tier"], "gold");
  bytesEqual(attr(root, "session.id"), emitted.sessionId, "session.id");
  assert.deepEqual(attr(root, "tag.tags"), ["travel", "japan"], "tag.tags (a list) stays a list");

  // -- the failing tool: status ERROR with message, and its exception event
  const fx = got.get(byName.get("currency_converter").spanId);
  assert.equal(fx.status_code, "ERROR");
  bytesEqual(fx.status_message, FX_ERROR_MESSAGE, "status_message of the failed tool");
  const exc = (fx.events || []).filter((e) => e.name === "exception");
  assert.equal(exc.length, 1, `one exception event expected, got ${JSON.stringify(fx.events)}`);
  const eattrs = exc[0].attributes || {};
  const emsg = eattrs["exception.message"] ?? eattrs.exception?.message;
  bytesEqual(emsg, FX_ERROR_MESSAGE, "exception.message of the exception event");
  assert.equal(eattrs["exception.type"] ?? eattrs.exception?.type, "ExchangeRateError");
  assert.match(exc[0].timestamp, ISO_WITH_ZONE, "event timestamp ISO 8601 with zone");
  assert.equal(Date.parse(exc[0].timestamp), baseMs + byName.get("currency_converter").end - 10, "event timestamp");

  // -- filters through phoenix-client
  const q = async (extra, limit = 100) =>
    (await getSpans({ client: px, project: { projectName: project }, limit, ...extra })).spans;
  const names = (spans) => spans.map((s) => s.name).sort();

  assert.deepEqual(names(await q({ spanKind: "LLM" })), ["budget_llm", "itinerary_llm", "local_llm", "research_llm"], "spanKind LLM");
  assert.deepEqual(names(await q({ spanKind: ["TOOL", "AGENT"] })).length, 8, "spanKind TOOL or AGENT: 5 agents + 3 tools");
  assert.deepEqual(names(await q({ name: "web_search" })), ["web_search"], "name filter");
  assert.deepEqual(names(await q({ name: ["web_search", "local_llm"] })), ["local_llm", "web_search"], "name[] is OR");
  assert.deepEqual(names(await q({ statusCode: "ERROR" })), ["currency_converter"], "statusCode ERROR");
  assert.equal((await q({ statusCode: "OK" })).length, 4, "statusCode OK: the 4 LLM spans");
  assert.equal((await q({ statusCode: "UNSET" })).length, 7, "statusCode UNSET");
  assert.deepEqual(names(await q({ parentId: null })), ["trip_planner"], "parentId null = roots only");
  const researchId = byName.get("research_agent").spanId;
  assert.deepEqual(names(await q({ parentId: researchId })), ["research_llm", "web_search"], "parentId = a span id");
  assert.equal((await q({ traceIds: [traceId] })).length, expectedCount, "traceIds [the trace]");
  assert.equal((await q({ traceIds: [randomTraceId()] })).length, 0, "traceIds [unknown] → none");
  assert.deepEqual(names(await q({ spanKind: "LLM", statusCode: "OK", name: "local_llm" })), ["local_llm"], "filters combine with AND");
  assert.deepEqual(names(await q({ attributes: { "llm.model_name": "gpt-4o" } })), ["itinerary_llm", "research_llm"], "attribute llm.model_name:gpt-4o");
  assert.deepEqual(names(await q({ attributes: { "llm.token_count.prompt": 150 } })), ["local_llm"], "attribute with an integer value");
  assert.deepEqual(names(await q({ attributes: { "metadata.variant": "B" } })), ["trip_planner"], "attribute on a parsed metadata key");
  const filteredPaged = await walkAllSpans(project, 1, { spanKind: "LLM" });
  assert.equal(filteredPaged.all.length, 4, "pagination (limit 1) under a filter");

  // -- getTraces: one trace, leaf-LLM token sums, spans on request
  const { traces } = await getTraces({ client: px, project: { projectName: project }, includeSpans: true });
  assert.equal(traces.length, 1, `one trace in ${project}: ${JSON.stringify(traces).slice(0, 500)}`);
  const tr = traces[0];
  assert.equal(tr.trace_id, traceId);
  assert.equal(decodeGlobalId(tr.id)?.type, "Trace", `trace id ${tr.id} is base64("Trace:<rowid>")`);
  assert.equal(decodeGlobalId(tr.project_id)?.type, "Project", `project_id ${tr.project_id}`);
  assert.equal(tr.token_count_prompt, TRIP_TOTALS.prompt, "trace token_count_prompt");
  assert.equal(tr.token_count_completion, TRIP_TOTALS.completion, "trace token_count_completion");
  assert.equal(tr.token_count_total, TRIP_TOTALS.total, "trace token_count_total");
  assert.equal(Date.parse(tr.start_time), baseMs, "trace start = root start");
  assert.equal(Date.parse(tr.end_time), baseMs + 9000, "trace end = root end");
  assert.equal(tr.spans?.length, expectedCount, "include_spans gives every span");
  for (const ts of tr.spans) {
    const exp = byName.get(ts.name);
    assert.ok(exp, `unexpected span ${ts.name}`);
    assert.equal(ts.span_id, exp.spanId);
    assert.equal(ts.parent_id ?? null, exp.parentSpanId, `${ts.name}: parent_id in include_spans`);
    assert.equal(ts.span_kind, exp.kind);
    assert.equal(ts.status_code, exp.status ?? "UNSET");
  }
  const starts = tr.spans.map((s) => Date.parse(s.start_time));
  assert.deepEqual(starts, [...starts].sort((a, b) => a - b), "include_spans are in start order");
  const { traces: noSpans } = await getTraces({ client: px, project: { projectName: project } });
  assert.ok(noSpans[0].spans == null, "without include_spans the spans field is absent or null");
}

describe("real OpenTelemetry exporters → assay → real phoenix-client", () => {
  it("protobuf exporter (one request per span, children before parents)", async (t) => {
    const project = `trip-proto-${RUN}`;
    const sessionId = `session-proto-${RUN}`;
    const emitted = await emitTripPlannerTrace({
      baseUrl: server.url,
      protocol: "proto",
      projectName: project,
      sessionId,
      processor: "simple",
    });
    emitted.sessionId = sessionId;
    assert.equal(emitted.results.length, TRIP_SPEC.length, "SimpleSpanProcessor exports once per span");
    assert.ok(
      emitted.results.every((r) => r.code === 0),
      `every export must succeed: ${JSON.stringify(emitted.results)}${server.diag()}`,
    );
    await verifyTrip(t, project, emitted);
  });

  it("OTLP/JSON exporter (one gzip batch)", async (t) => {
    const project = `trip-json-${RUN}`;
    const sessionId = `session-json-${RUN}`;
    const emitted = await emitTripPlannerTrace({
      baseUrl: server.url,
      protocol: "json",
      projectName: project,
      sessionId,
      processor: "batch",
      compression: "gzip",
    });
    emitted.sessionId = sessionId;
    assert.equal(emitted.results.length, 1, "BatchSpanProcessor exports the trace in one request");
    assert.ok(emitted.results.every((r) => r.code === 0), `export must succeed: ${JSON.stringify(emitted.results)}${server.diag()}`);
    await verifyTrip(t, project, emitted);
  });

  it("the two exporters' projects are separate and both listed", async () => {
    const r = await server.get(`/v1/projects?name_contains=${RUN}`);
    assert.equal(r.status, 200, show(r));
    const names = r.json().data.map((p) => p.name).sort();
    assert.deepEqual(names, [`trip-json-${RUN}`, `trip-proto-${RUN}`]);
  });
});

// ---------------------------------------------------------------------------
// Ingestion semantics with raw OTLP/JSON

async function postJson(req, headers = {}) {
  const r = await server.postTraces(Buffer.from(JSON.stringify(req)), { "content-type": "application/json", ...headers });
  assert.equal(r.status, 200, `POST /v1/traces: ${show(r)}${server.diag()}`);
  return r;
}

async function spansOfTrace(project, traceId) {
  const r = await server.get(`/v1/projects/${encodeURIComponent(project)}/spans?trace_id=${traceId}&limit=1000`);
  if (r.status === 404) return [];
  assert.equal(r.status, 200, show(r));
  return r.json().data;
}

const now = () => Date.now() - 60000;

describe("ingestion semantics (raw OTLP/JSON)", () => {
  it("project: x-project-name header beats the resource attribute; unknown projects are created", async () => {
    const traceId = randomTraceId();
    const hdr = `hdr-proj-${RUN}`;
    const res = `res-proj-${RUN}`;
    const span = otlpSpan({ traceId, spanId: randomSpanId(), name: "routed", startMs: now(), endMs: now() + 5 });
    await postJson(exportRequest([span], { projectName: res }), { "x-project-name": hdr });
    assert.equal((await spansOfTrace(hdr, traceId)).length, 1, "span lands in the header's project");
    assert.equal((await spansOfTrace(res, traceId)).length, 0, "not in the resource attribute's project");
    const p = await server.get(`/v1/projects/${hdr}`);
    assert.equal(p.status, 200, `the header project was created: ${show(p)}`);
  });

  it("project: resource attribute openinference.project.name, else 'default'", async () => {
    const t1 = randomTraceId();
    const t2 = randomTraceId();
    const resProj = `res-only-${RUN}`;
    await postJson(exportRequest([otlpSpan({ traceId: t1, spanId: randomSpanId(), name: "by-resource", startMs: now(), endMs: now() + 1 })], { projectName: resProj }));
    await postJson(exportRequest([otlpSpan({ traceId: t2, spanId: randomSpanId(), name: "no-project", startMs: now(), endMs: now() + 1 })]));
    assert.equal((await spansOfTrace(resProj, t1)).length, 1, "resource attribute routes the span");
    assert.equal((await spansOfTrace("default", t2)).length, 1, "no project anywhere → project 'default'");
  });

  it("a trace's project is fixed by its first span", async () => {
    const traceId = randomTraceId();
    const p1 = `first-${RUN}`;
    const p2 = `second-${RUN}`;
    const rootId = randomSpanId();
    await postJson(exportRequest([otlpSpan({ traceId, spanId: rootId, name: "first", startMs: now(), endMs: now() + 10 })], { projectName: p1 }));
    await postJson(exportRequest([otlpSpan({ traceId, spanId: randomSpanId(), parentSpanId: rootId, name: "later", startMs: now() + 1, endMs: now() + 2 })], { projectName: p2 }));
    const inP1 = await spansOfTrace(p1, traceId);
    assert.deepEqual(inP1.map((s) => s.name).sort(), ["first", "later"], "the later span joins the trace's project");
    assert.equal((await spansOfTrace(p2, traceId)).length, 0, "nothing of the trace in the second project");
  });

  it("openinference.span.kind: upper-cased; missing or unknown → UNKNOWN", async () => {
    const project = `kinds-${RUN}`;
    const traceId = randomTraceId();
    const mk = (name, kind) =>
      otlpSpan({ traceId, spanId: randomSpanId(), name, startMs: now(), endMs: now() + 1, attributes: kind === undefined ? {} : { "openinference.span.kind": kind } });
    await postJson(exportRequest([mk("lower", "llm"), mk("mixed", "Retriever"), mk("missing", undefined), mk("bogus", "FOO"), mk("chain", "CHAIN")], { projectName: project }));
    const spans = await spansOfTrace(project, traceId);
    const kinds = Object.fromEntries(spans.map((s) => [s.name, s.span_kind]));
    assert.deepEqual(kinds, { lower: "LLM", mixed: "RETRIEVER", missing: "UNKNOWN", bogus: "UNKNOWN", chain: "CHAIN" });
    const r = await server.get(`/v1/projects/${project}/spans?span_kind=UNKNOWN`);
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(r.json().data.map((s) => s.name).sort(), ["bogus", "missing"]);
  });

  it("gen_ai.* attributes are mapped to OpenInference when those are absent", async () => {
    const project = `genai-${RUN}`;
    const traceId = randomTraceId();
    const a = otlpSpan({
      traceId,
      spanId: randomSpanId(),
      name: "chat gpt-4o-mini",
      kind: 3,
      startMs: now(),
      endMs: now() + 100,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 11,
        "gen_ai.usage.output_tokens": 7,
      },
    });
    const b = otlpSpan({
      traceId,
      spanId: randomSpanId(),
      name: "explicit",
      startMs: now(),
      endMs: now() + 100,
      attributes: {
        "openinference.span.kind": "LLM",
        "llm.model_name": "explicit-model",
        "llm.token_count.prompt": 3,
        "gen_ai.request.model": "other-model",
        "gen_ai.usage.input_tokens": 999,
      },
    });
    await postJson(exportRequest([a, b], { projectName: project }));
    const spans = Object.fromEntries((await spansOfTrace(project, traceId)).map((s) => [s.name, s]));
    const g = spans["chat gpt-4o-mini"];
    assert.ok(g, "gen_ai span stored");
    assert.equal(attr(g, "llm.model_name"), "gpt-4o-mini", `gen_ai.request.model → llm.model_name; attributes ${JSON.stringify(g.attributes)}`);
    assert.equal(attr(g, "llm.token_count.prompt"), 11, "gen_ai.usage.input_tokens → llm.token_count.prompt");
    assert.equal(attr(g, "llm.token_count.completion"), 7, "gen_ai.usage.output_tokens → llm.token_count.completion");
    assert.equal(g.span_kind, "LLM", "gen_ai.operation.name chat → span kind LLM (as openinference-genai maps it)");
    const e = spans.explicit;
    assert.equal(attr(e, "llm.model_name"), "explicit-model", "present OpenInference attributes are not overwritten");
    assert.equal(attr(e, "llm.token_count.prompt"), 3, "present token counts are not overwritten");
  });

  it("non-string input.value becomes JSON text with mime type application/json; ints as strings or numbers", async () => {
    const project = `values-${RUN}`;
    const traceId = randomTraceId();
    const s = otlpSpan({ traceId, spanId: randomSpanId(), name: "kv-input", startMs: now(), endMs: now() + 1 });
    s.attributes = [
      { key: "input.value", value: { kvlistValue: { values: [{ key: "city", value: { stringValue: "東京" } }, { key: "days", value: { intValue: "3" } }] } } },
      { key: "llm.token_count.prompt", value: { intValue: "12" } },
      { key: "llm.token_count.completion", value: { intValue: 5 } },
      { key: "temperature", value: { doubleValue: 0.25 } },
      { key: "flag", value: { boolValue: true } },
    ];
    await postJson(exportRequest([s], { projectName: project }));
    const [got] = await spansOfTrace(project, traceId);
    assert.ok(got, "span stored");
    const iv = attr(got, "input.value");
    assert.equal(typeof iv, "string", `input.value is re-serialised to a string, got ${JSON.stringify(iv)}`);
    assert.deepEqual(JSON.parse(iv), { city: "東京", days: 3 });
    assert.equal(attr(got, "input.mime_type"), "application/json");
    assert.equal(attr(got, "llm.token_count.prompt"), 12, "intValue given as a JSON string");
    assert.equal(attr(got, "llm.token_count.completion"), 5, "intValue given as a JSON number");
    assert.equal(attr(got, "temperature"), 0.25);
    assert.equal(attr(got, "flag"), true);
  });

  it("duplicate span ids are ignored (same request twice, and twice within one request)", async () => {
    const project = `dups-${RUN}`;
    const traceId = randomTraceId();
    const rootId = randomSpanId();
    const childId = randomSpanId();
    const root = otlpSpan({ traceId, spanId: rootId, name: "root", startMs: now(), endMs: now() + 50 });
    const child = otlpSpan({
      traceId,
      spanId: childId,
      parentSpanId: rootId,
      name: "llm",
      startMs: now() + 1,
      endMs: now() + 40,
      attributes: { "openinference.span.kind": "LLM", "llm.token_count.prompt": 10, "llm.token_count.completion": 5 },
    });
    const req = exportRequest([root, child, child], { projectName: project });
    await postJson(req);
    await postJson(req);
    const spans = await spansOfTrace(project, traceId);
    assert.equal(spans.length, 2, `two distinct span ids → two spans, got ${spans.map((s) => s.name)}`);
    const tr = await server.get(`/v1/projects/${project}/traces`);
    assert.equal(tr.status, 200, show(tr));
    const [trace] = tr.json().data;
    assert.equal(trace.token_count_total, 15, "duplicates must not double the token counts");
  });

  it("a large trace in one request (2,000 spans) is stored completely", { timeout: scaled(60000) }, async () => {
    const project = `big-${RUN}`;
    const traceId = randomTraceId();
    const rootId = randomSpanId();
    const spans = [otlpSpan({ traceId, spanId: rootId, name: "root", startMs: now(), endMs: now() + 1000 })];
    for (let i = 1; i < 2000; i++) {
      spans.push(otlpSpan({ traceId, spanId: randomSpanId(), parentSpanId: rootId, name: `step-${i}`, startMs: now() + 1, endMs: now() + 2, attributes: { "openinference.span.kind": "CHAIN", i } }));
    }
    await postJson(exportRequest(spans, { projectName: project }));
    const all = await allSpansRaw(server, project, "", 1000);
    assert.equal(all.length, 2000);
    assert.equal(new Set(all.map((s) => s.context.span_id)).size, 2000);
  });
});
