// The Phoenix REST v1 read API: projects CRUD, span filters (Phoenix's
// query parameters and assay's ?filter= expressions), the otlpv1 span shape,
// traces, sessions, deletes, and cumulative token counts when children
// arrive before their parents.  Data comes in as raw OTLP (JSON and
// protobuf) with ids and times we choose, so every expected value is exact.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { getSpans } from "@arizeai/phoenix-client/spans";
import { getTraces } from "@arizeai/phoenix-client/traces";
import { deleteSession, getSession, listSessions } from "@arizeai/phoenix-client/sessions";

import {
  encodeExportRequest,
  exportRequest,
  FX_ERROR_MESSAGE,
  otlpSpan,
  randomSpanId,
  randomTraceId,
  TRIP_SPEC,
  TRIP_TOTALS,
  tripOtlpSpans,
} from "./lib/otel.mjs";
import { allSpansRaw, attr, decodeGlobalId, globalId, show, startServer } from "./lib/server.mjs";

const RUN = Date.now().toString(36);
const BASE = Date.parse("2026-01-15T09:00:00.000Z");
const iso = (ms) => new Date(ms).toISOString();

let server;
let px;
// fixture project P: traces A (session "sess:alpha:1"), B (session "sess-beta"),
// C (one 100 ms span, no session), D (one 20 s span, no session)
const P = `rest-${RUN}`;
let A, B;
const C = { traceId: randomTraceId(), spanId: randomSpanId() };
const D = { traceId: randomTraceId(), spanId: randomSpanId() };
const SESSION_A = "sess:alpha:1";
const SESSION_B = "sess-beta";
const TOTAL_SPANS = TRIP_SPEC.length * 2 + 2;

async function ingestJson(req, headers = {}) {
  const r = await server.postTraces(Buffer.from(JSON.stringify(req)), { "content-type": "application/json", ...headers });
  assert.equal(r.status, 200, `ingest: ${show(r)}${server.diag()}`);
}
async function ingestProto(req, headers = {}) {
  const r = await server.postTraces(encodeExportRequest(req), { "content-type": "application/x-protobuf", ...headers });
  assert.equal(r.status, 200, `ingest: ${show(r)}${server.diag()}`);
}

const getOk = (path) => server.getOk(path);

const names = (spans) => spans.map((s) => s.name).sort();
const enc = encodeURIComponent;

before(async () => {
  server = await startServer();
  px = server.phoenix();
  A = tripOtlpSpans({ baseMs: BASE, sessionId: SESSION_A });
  B = tripOtlpSpans({ baseMs: BASE + 60000, sessionId: SESSION_B });
  await ingestJson(exportRequest([...A.spans, ...B.spans], { projectName: P }));
  await ingestProto(
    exportRequest(
      [
        otlpSpan({ traceId: C.traceId, spanId: C.spanId, name: "solo", startMs: BASE + 120000, endMs: BASE + 120100, attributes: { "openinference.span.kind": "CHAIN" } }),
        otlpSpan({ traceId: D.traceId, spanId: D.spanId, name: "long", startMs: BASE + 180000, endMs: BASE + 200000, attributes: { "openinference.span.kind": "CHAIN" } }),
      ],
      { projectName: P },
    ),
  );
});

after(async () => {
  if (server) await server.stop();
});

// ---------------------------------------------------------------------------
describe("projects", () => {
  it("'default' exists from the start (Phoenix creates it) and ids are GlobalIDs", async () => {
    const j = await getOk("/v1/projects/default");
    assert.equal(j.data.name, "default");
    assert.equal(decodeGlobalId(j.data.id)?.type, "Project", `project id ${j.data.id} must be base64("Project:<rowid>")`);
    const list = await getOk("/v1/projects");
    assert.ok(Array.isArray(list.data), "list envelope {data: [...]}");
    assert.ok("next_cursor" in list, "list envelope has next_cursor");
    assert.ok(list.data.some((p) => p.name === "default"));
  });

  it("create (200 {data}), read by name and by GlobalID, update description, delete", async () => {
    const name = `crud-${RUN}`;
    const c = await server.postJSON("/v1/projects", { name, description: "プロジェクト 🧪" });
    assert.equal(c.status, 200, `POST /v1/projects answers 200 like Phoenix: ${show(c)}`);
    const created = c.json().data;
    assert.equal(created.name, name);
    assert.equal(created.description, "プロジェクト 🧪");
    const gid = decodeGlobalId(created.id);
    assert.equal(gid?.type, "Project", `id ${created.id}`);

    const byName = (await getOk(`/v1/projects/${enc(name)}`)).data;
    const byGid = (await getOk(`/v1/projects/${enc(created.id)}`)).data;
    assert.deepEqual(byName, created);
    assert.deepEqual(byGid, created);

    const u = await server.request("PUT", `/v1/projects/${enc(created.id)}`, {
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ description: "updated ✅" })),
    });
    assert.equal(u.status, 200, `PUT: ${show(u)}`);
    assert.equal(u.json().data.description, "updated ✅");
    assert.equal(u.json().data.name, name, "the name does not change");
    assert.equal((await getOk(`/v1/projects/${enc(name)}`)).data.description, "updated ✅", "update persisted");

    const d = await server.request("DELETE", `/v1/projects/${enc(name)}`);
    assert.equal(d.status, 204, `DELETE by name: ${show(d)}`);
    const g = await server.get(`/v1/projects/${enc(name)}`);
    assert.equal(g.status, 404, `deleted project is gone: ${show(g)}`);
    const g2 = await server.get(`/v1/projects/${enc(created.id)}`);
    assert.equal(g2.status, 404, `deleted project is gone by GlobalID too: ${show(g2)}`);
  });

  it("duplicate name → 409/422; missing name → 422; unknown → 404; default cannot be deleted (403)", async () => {
    const name = `dup-${RUN}`;
    assert.equal((await server.postJSON("/v1/projects", { name })).status, 200);
    const dup = await server.postJSON("/v1/projects", { name });
    assert.ok([409, 422].includes(dup.status), `duplicate project name: expected 409 or 422, ${show(dup)}`);
    const bad = await server.postJSON("/v1/projects", { description: "no name" });
    assert.equal(bad.status, 422, `missing name is a validation error: ${show(bad)}`);
    const empty = await server.postJSON("/v1/projects", { name: "" });
    assert.equal(empty.status, 422, `empty name (Phoenix: min_length=1): ${show(empty)}`);
    const nf = await server.get(`/v1/projects/no-such-project-${RUN}`);
    assert.equal(nf.status, 404, show(nf));
    const nfGid = await server.get(`/v1/projects/${enc(globalId("Project", 987654321))}`);
    assert.equal(nfGid.status, 404, show(nfGid));
    const dd = await server.request("DELETE", "/v1/projects/default");
    assert.equal(dd.status, 403, `Phoenix forbids deleting the default project: ${show(dd)}`);
  });

  it("list: name_contains and cursor pagination (limit=1) visit each project once", async () => {
    for (const i of [1, 2, 3]) assert.equal((await server.postJSON("/v1/projects", { name: `page-${RUN}-${i}` })).status, 200);
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 10; i++) {
      const j = await getOk(`/v1/projects?limit=1&name_contains=${enc(`page-${RUN}`)}${cursor ? `&cursor=${enc(cursor)}` : ""}`);
      assert.ok(j.data.length <= 1);
      seen.push(...j.data.map((p) => p.name));
      cursor = j.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen.sort(), [1, 2, 3].map((i) => `page-${RUN}-${i}`));
  });

  it("deleting a project deletes its spans", async () => {
    const name = `doomed-${RUN}`;
    const traceId = randomTraceId();
    await ingestJson(exportRequest([otlpSpan({ traceId, spanId: randomSpanId(), name: "x", startMs: BASE, endMs: BASE + 1 })], { projectName: name }));
    assert.equal((await allSpansRaw(server, name)).length, 1);
    const d = await server.request("DELETE", `/v1/projects/${enc(name)}`);
    assert.equal(d.status, 204, show(d));
    const s = await server.get(`/v1/projects/${enc(name)}/spans`);
    assert.equal(s.status, 404, `spans of a deleted project: ${show(s)}`);
    // re-ingesting into the same name creates a fresh, empty-but-for-the-new-span project
    await ingestJson(exportRequest([otlpSpan({ traceId: randomTraceId(), spanId: randomSpanId(), name: "y", startMs: BASE, endMs: BASE + 1 })], { projectName: name }));
    assert.deepEqual(names(await allSpansRaw(server, name)), ["y"]);
  });
});

// ---------------------------------------------------------------------------
describe("spans: Phoenix query parameters", () => {
  it("the fixture is all there, under the project's name and its GlobalID", async () => {
    const all = await allSpansRaw(server, P);
    assert.equal(all.length, TOTAL_SPANS);
    const pid = (await getOk(`/v1/projects/${enc(P)}`)).data.id;
    const viaGid = await allSpansRaw(server, pid);
    assert.deepEqual(viaGid.map((s) => s.id).sort(), all.map((s) => s.id).sort());
    const solo = all.find((s) => s.name === "solo");
    assert.equal(solo.context.trace_id, C.traceId);
    assert.equal(solo.span_kind, "CHAIN");
    assert.equal(solo.parent_id ?? null, null);
  });

  it("trace_id[] / span_id[] / name[] / span_kind[] / status_code[] / parent_id", async () => {
    const q = async (qs) => (await getOk(`/v1/projects/${enc(P)}/spans?limit=1000&${qs}`)).data;
    assert.equal((await q(`trace_id=${A.traceId}`)).length, 12);
    assert.equal((await q(`trace_id=${A.traceId}&trace_id=${C.traceId}`)).length, 13, "repeated trace_id is OR");
    assert.deepEqual(names(await q(`span_id=${A.ids.fx}&span_id=${B.ids.web_search}`)), ["currency_converter", "web_search"]);
    assert.deepEqual(names(await q("name=solo&name=long")), ["long", "solo"]);
    assert.equal((await q("span_kind=LLM&span_kind=TOOL")).length, 14);
    assert.equal((await q("span_kind=CHAIN")).length, 2);
    assert.equal((await q("status_code=ERROR")).length, 2);
    assert.equal((await q("status_code=OK&status_code=ERROR")).length, 10);
    assert.deepEqual(names(await q("parent_id=null")), ["long", "solo", "trip_planner", "trip_planner"]);
    assert.deepEqual(names(await q(`parent_id=${A.ids.budget}`)), ["budget_llm", "currency_converter"]);
    assert.equal((await q(`parent_id=${A.ids.budget}&name=budget_llm`)).length, 1, "parameters AND together");
  });

  it("attribute[]=key:value — JSON-typed values, colons in values, repeated = AND", async () => {
    const q = async (...attrs) =>
      (await getOk(`/v1/projects/${enc(P)}/spans?limit=1000&${attrs.map((a) => `attribute=${enc(a)}`).join("&")}`)).data;
    assert.deepEqual(names(await q("session.id:sess:alpha:1")), ["trip_planner"], "split on the first ':' only");
    assert.equal((await q("session.id:sess:alpha:1"))[0].context.trace_id, A.traceId);
    assert.equal((await q("llm.model_name:gpt-4o")).length, 4);
    assert.equal((await q("llm.token_count.total:550")).length, 2, "integer value");
    assert.equal((await q('llm.token_count.total:"550"')).length, 0, "a JSON-quoted value matches only a string");
    assert.equal((await q("user.id:user-42")).length, 2);
    assert.equal((await q('user.id:"user-42"')).length, 2, "a quoted plain string matches the string");
    assert.equal((await q("metadata.variant:B")).length, 2, "dot path into parsed metadata");
    assert.equal((await q("llm.model_name:gpt-4o", "llm.token_count.prompt:300")).length, 2, "repeated attribute is AND");
    assert.equal((await q("llm.model_name:gpt-4o", "llm.token_count.prompt:90")).length, 0);
    // through the client too
    const { spans } = await getSpans({ client: px, project: { projectName: P }, attributes: { "tool.name": "web_search", "tool.parameters.limit": 5 } });
    assert.equal(spans.length, 2, "phoenix-client attributes filter (tool.parameters parsed → tool.parameters.limit)");
  });

  it("start_time is inclusive, end_time exclusive (on span start)", async () => {
    const bStart = BASE + 60000;
    const inB = (await getOk(`/v1/projects/${enc(P)}/spans?limit=1000&start_time=${enc(iso(bStart))}&end_time=${enc(iso(BASE + 120000))}`)).data;
    assert.equal(inB.length, 12, `[B start, C start) holds exactly trace B: ${names(inB)}`);
    assert.ok(inB.every((s) => s.context.trace_id === B.traceId));
    const before = (await getOk(`/v1/projects/${enc(P)}/spans?limit=1000&end_time=${enc(iso(bStart))}`)).data;
    assert.equal(before.length, 12, "end_time excludes the span starting exactly then");
    assert.ok(before.every((s) => s.context.trace_id === A.traceId));
    // the client takes Date objects
    const { spans } = await getSpans({ client: px, project: { projectName: P }, startTime: new Date(BASE + 120000), endTime: new Date(BASE + 180001) });
    assert.deepEqual(names(spans), ["long", "solo"]);
  });

  it("pagination under filters visits each span once", async () => {
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 100; i++) {
      const j = await getOk(`/v1/projects/${enc(P)}/spans?limit=3&span_kind=LLM&span_kind=TOOL${cursor ? `&cursor=${enc(cursor)}` : ""}`);
      seen.push(...j.data.map((s) => s.context.span_id));
      cursor = j.next_cursor;
      if (!cursor) break;
    }
    assert.equal(seen.length, 14);
    assert.equal(new Set(seen).size, 14);
  });

  it("sort=latency_ms|start_time and order=asc|desc (assay extension), paginated one span a page", async () => {
    const lat = (s) => Date.parse(s.end_time) - Date.parse(s.start_time);
    const all = await allSpansRaw(server, P);
    for (const [sort, order, key] of [["latency_ms", "desc", lat], ["latency_ms", "asc", lat], ["start_time", "asc", (s) => Date.parse(s.start_time)], [null, null, (s) => -Date.parse(s.start_time)]]) {
      const q = sort ? `sort=${sort}&order=${order}` : "";
      const paged = await allSpansRaw(server, P, q, 1);
      assert.equal(paged.length, all.length, `${q}: every span once`);
      assert.equal(new Set(paged.map((s) => s.id)).size, all.length, `${q}: no repeats`);
      const keys = paged.map((s) => (order === "desc" ? -key(s) : key(s)));
      for (let i = 1; i < keys.length; i++) assert.ok(keys[i - 1] <= keys[i], `${q}: out of order at ${i}: ${keys[i - 1]} then ${keys[i]}`);
    }
    // with a filter: the slowest LLM span first
    const j = await getOk(`/v1/projects/${enc(P)}/spans?span_kind=LLM&sort=latency_ms&limit=1`);
    const llm = all.filter((s) => s.span_kind === "LLM").sort((a, b) => lat(b) - lat(a));
    assert.equal(j.data[0].id, llm[0].id);
    for (const qs of ["sort=tokens", "order=up"]) {
      const r = await server.get(`/v1/projects/${enc(P)}/spans?${qs}`);
      assert.equal(r.status, 422, show(r));
      assert.match(r.json().detail, /sort must be|order must be/);
    }
  });

  it("bad parameters are refused (422 like Phoenix; 400 tolerated) and unknown projects are 404", async () => {
    for (const qs of ["limit=0", "limit=1001", "limit=abc", "cursor=not-a-cursor", "span_kind=NOPE", "status_code=MAYBE", "attribute=nocolon", "attribute=k:", "attribute=:v", "attribute=k:[1,2]", "start_time=yesterday"]) {
      const r = await server.get(`/v1/projects/${enc(P)}/spans?${qs}`);
      assert.ok([400, 422].includes(r.status), `?${qs}: expected 422 (or 400), ${show(r)}`);
      const j = r.json();
      assert.equal(typeof j.detail, "string", `error body {detail, ...} for ?${qs}: ${show(r)}`);
    }
    for (const path of [`/v1/projects/nope-${RUN}/spans`, `/v1/projects/nope-${RUN}/spans/otlpv1`, `/v1/projects/nope-${RUN}/traces`, `/v1/projects/nope-${RUN}/sessions`]) {
      const r = await server.get(path);
      assert.equal(r.status, 404, `${path}: ${show(r)}`);
    }
  });
});

// ---------------------------------------------------------------------------
describe("spans: ?filter= expressions (assay extension)", () => {
  const cases = [
    ["span_kind == 'LLM' and latency_ms > 2000", ["itinerary_llm", "itinerary_llm", "research_llm", "research_llm"]],
    ["'tokyo' in input.value", ["research_llm", "research_llm", "web_search", "web_search"]],
    ["llm.model_name == 'gpt-4o'", ["itinerary_llm", "itinerary_llm", "research_llm", "research_llm"]],
    ["status_code == 'ERROR'", ["currency_converter", "currency_converter"]],
    ["metadata.variant == 'B'", ["trip_planner", "trip_planner"]],
    ["llm.token_count.total >= 500", ["itinerary_llm", "itinerary_llm"]],
    ["parent_id is None", ["long", "solo", "trip_planner", "trip_planner"]],
    ["name == 'solo' or name == 'long'", ["long", "solo"]],
    ["session.id == 'sess:alpha:1'", ["trip_planner"]],
    ["span_kind in ['CHAIN']", ["long", "solo"]],
    ["tool.parameters.cuisine == '寿司'", ["restaurant_finder", "restaurant_finder"]],
    ["'🍣' in output.value and span_kind == 'TOOL'", ["restaurant_finder", "restaurant_finder"]],
  ];
  for (const [expr, expected] of cases) {
    it(expr, async () => {
      const j = await getOk(`/v1/projects/${enc(P)}/spans?limit=1000&filter=${enc(expr)}`);
      assert.deepEqual(names(j.data), expected, `filter ${expr}`);
    });
  }

  it("counting expressions: in-lists, not, numbers", async () => {
    const count = async (expr) => (await getOk(`/v1/projects/${enc(P)}/spans?limit=1000&filter=${enc(expr)}`)).data.length;
    assert.equal(await count("span_kind in ['LLM', 'TOOL']"), 14);
    assert.equal(await count("not (span_kind == 'AGENT')"), TOTAL_SPANS - 10);
    assert.equal(await count("latency_ms > 10000"), 1, "only 'long' (20 s)");
    assert.equal(await count("llm.token_count.prompt < 100"), 2, "budget_llm (90) in A and B");
  });

  it("combines with the other parameters and paginates", async () => {
    const j = await getOk(`/v1/projects/${enc(P)}/spans?limit=1000&trace_id=${A.traceId}&filter=${enc("span_kind == 'LLM'")}`);
    assert.equal(j.data.length, 4);
    assert.ok(j.data.every((s) => s.context.trace_id === A.traceId));
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 50; i++) {
      const p = await getOk(`/v1/projects/${enc(P)}/spans?limit=1&filter=${enc("span_kind == 'TOOL'")}${cursor ? `&cursor=${enc(cursor)}` : ""}`);
      seen.push(...p.data.map((s) => s.context.span_id));
      cursor = p.next_cursor;
      if (!cursor) break;
    }
    assert.equal(new Set(seen).size, 6);
    assert.equal(seen.length, 6);
  });
});

// ---------------------------------------------------------------------------
describe("spans/otlpv1", () => {
  it("returns OTLP-JSON-shaped spans (snake_case keys, typed values, nanosecond times)", async () => {
    const j = await getOk(`/v1/projects/${enc(P)}/spans/otlpv1?limit=1000&trace_id=${A.traceId}`);
    assert.ok("next_cursor" in j);
    assert.equal(j.data.length, 12);
    const fx = j.data.find((s) => s.name === "currency_converter");
    assert.ok(fx, "currency_converter present");
    assert.ok(
      "trace_id" in fx && "span_id" in fx && "start_time_unix_nano" in fx,
      `otlpv1 spans use the snake_case keys of Phoenix's OtlpSpan schema (trace_id, span_id, parent_span_id, start_time_unix_nano, string_value...), got keys ${Object.keys(fx)}`,
    );
    assert.equal(fx.trace_id, A.traceId);
    assert.equal(fx.span_id, A.ids.fx);
    assert.equal(fx.parent_span_id, A.ids.budget);
    const row = TRIP_SPEC.find((r) => r.key === "fx");
    const ns = (v) => BigInt(v);
    const wantStart = BigInt(BASE + row.start) * 1000000n;
    const wantEnd = BigInt(BASE + row.end) * 1000000n;
    const diff = (a, b) => (a > b ? a - b : b - a);
    assert.ok(diff(ns(fx.start_time_unix_nano), wantStart) < 1000n, `start_time_unix_nano ${fx.start_time_unix_nano} vs ${wantStart}`);
    assert.ok(diff(ns(fx.end_time_unix_nano), wantEnd) < 1000n, `end_time_unix_nano ${fx.end_time_unix_nano} vs ${wantEnd}`);
    assert.equal(fx.status?.code, 2, "status.code 2 = ERROR");
    assert.equal(fx.status?.message, FX_ERROR_MESSAGE);
    const kv = Object.fromEntries((fx.attributes || []).map((a) => [a.key, a.value]));
    assert.deepEqual(kv["tool.name"], { string_value: "currency_converter" }, `attributes as [{key, value: {string_value}}]: ${JSON.stringify(fx.attributes).slice(0, 400)}`);
    assert.deepEqual(kv["openinference.span.kind"], { string_value: "TOOL" });
    assert.equal(Number(kv["tool.parameters.amount"]?.int_value), 1500, "parsed tool.parameters flattened, integers as int_value");
    assert.equal(fx.events?.length, 1);
    assert.equal(fx.events[0].name, "exception");
    const ekv = Object.fromEntries((fx.events[0].attributes || []).map((a) => [a.key, a.value]));
    assert.deepEqual(ekv["exception.message"], { string_value: FX_ERROR_MESSAGE });
    const llm = j.data.find((s) => s.name === "research_llm");
    const lkv = Object.fromEntries((llm.attributes || []).map((a) => [a.key, a.value]));
    assert.equal(Number(lkv["llm.token_count.prompt"]?.int_value), 120);
    assert.equal(llm.status?.code, 1, "OK = 1");
    const root = j.data.find((s) => s.name === "trip_planner");
    assert.ok(root.parent_span_id == null || root.parent_span_id === "", "root has no parent_span_id");
  });

  it("paginates and filters like /spans", async () => {
    const first = await getOk(`/v1/projects/${enc(P)}/spans/otlpv1?limit=1`);
    assert.ok(
      first.data[0] && "span_id" in first.data[0],
      `otlpv1 spans use the snake_case keys of Phoenix's OtlpSpan schema (span_id, trace_id, ...): ${JSON.stringify(first.data[0]).slice(0, 200)}`,
    );
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 100; i++) {
      const p = await getOk(`/v1/projects/${enc(P)}/spans/otlpv1?limit=5${cursor ? `&cursor=${enc(cursor)}` : ""}`);
      seen.push(...p.data.map((s) => s.span_id));
      cursor = p.next_cursor;
      if (!cursor) break;
    }
    assert.equal(seen.length, TOTAL_SPANS);
    assert.equal(new Set(seen).size, TOTAL_SPANS);
    const roots = await getOk(`/v1/projects/${enc(P)}/spans/otlpv1?parent_id=null`);
    assert.deepEqual(names(roots.data), ["long", "solo", "trip_planner", "trip_planner"]);
    const errs = await getOk(`/v1/projects/${enc(P)}/spans/otlpv1?status_code=ERROR`);
    assert.equal(errs.data.length, 2);
  });
});

// ---------------------------------------------------------------------------
describe("traces", () => {
  const ids = (j) => j.data.map((t) => t.trace_id);

  it("list: default sort start_time desc, order asc, token counts, GlobalIDs", async () => {
    const j = await getOk(`/v1/projects/${enc(P)}/traces`);
    assert.deepEqual(ids(j), [D.traceId, C.traceId, B.traceId, A.traceId], "default: newest first");
    const asc = await getOk(`/v1/projects/${enc(P)}/traces?order=asc`);
    assert.deepEqual(ids(asc), [A.traceId, B.traceId, C.traceId, D.traceId]);
    const a = j.data.find((t) => t.trace_id === A.traceId);
    assert.equal(decodeGlobalId(a.id)?.type, "Trace");
    assert.equal(a.token_count_prompt, TRIP_TOTALS.prompt);
    assert.equal(a.token_count_completion, TRIP_TOTALS.completion);
    assert.equal(a.token_count_total, TRIP_TOTALS.total);
    assert.equal(Date.parse(a.start_time), BASE);
    assert.equal(Date.parse(a.end_time), BASE + 9000);
    const c = j.data.find((t) => t.trace_id === C.traceId);
    assert.equal(c.token_count_total ?? 0, 0);
    assert.ok(a.spans == null, "no spans unless include_spans");
  });

  it("sort=latency_ms both ways", async () => {
    const asc = ids(await getOk(`/v1/projects/${enc(P)}/traces?sort=latency_ms&order=asc`));
    assert.equal(asc[0], C.traceId, "100 ms first");
    assert.equal(asc[3], D.traceId, "20 s last");
    const desc = ids(await getOk(`/v1/projects/${enc(P)}/traces?sort=latency_ms&order=desc`));
    assert.equal(desc[0], D.traceId);
    assert.equal(desc[3], C.traceId);
    const { traces } = await getTraces({ client: px, project: { projectName: P }, sort: "latency_ms", order: "desc", limit: 1 });
    assert.deepEqual(traces.map((t) => t.trace_id), [D.traceId], "phoenix-client getTraces sort/order/limit");
  });

  it("include_spans, time window, session filter", async () => {
    const inc = await getOk(`/v1/projects/${enc(P)}/traces?include_spans=true&order=asc`);
    assert.equal(inc.data[0].spans.length, 12);
    assert.deepEqual(
      inc.data[0].spans.map((s) => s.span_id).sort(),
      Object.values(A.ids).sort(),
    );
    const win = await getOk(`/v1/projects/${enc(P)}/traces?order=asc&start_time=${enc(iso(BASE + 60000))}&end_time=${enc(iso(BASE + 180000))}`);
    assert.deepEqual(ids(win), [B.traceId, C.traceId], "start inclusive, end exclusive, on trace start");
    const s1 = await getOk(`/v1/projects/${enc(P)}/traces?session_identifier=${enc(SESSION_A)}`);
    assert.deepEqual(ids(s1), [A.traceId]);
    const s2 = await getOk(`/v1/projects/${enc(P)}/traces?order=asc&session_identifier=${enc(SESSION_A)}&session_identifier=${SESSION_B}`);
    assert.deepEqual(ids(s2), [A.traceId, B.traceId]);
    const sessions = await getOk(`/v1/projects/${enc(P)}/sessions`);
    const sb = sessions.data.find((s) => s.session_id === SESSION_B);
    assert.ok(sb, `session ${SESSION_B} listed: ${JSON.stringify(sessions.data).slice(0, 300)}`);
    const { traces } = await getTraces({ client: px, project: { projectName: P }, sessionId: sb.id });
    assert.deepEqual(traces.map((t) => t.trace_id), [B.traceId], "session filter by session GlobalID (phoenix-client)");
    const none = await getOk(`/v1/projects/${enc(P)}/traces?session_identifier=no-such-session`);
    assert.deepEqual(ids(none), []);
  });

  it("cursor pagination (limit=1) walks every trace once, in order", async () => {
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 10; i++) {
      const { traces, nextCursor } = await getTraces({ client: px, project: { projectName: P }, limit: 1, cursor });
      seen.push(...traces.map((t) => t.trace_id));
      cursor = nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, [D.traceId, C.traceId, B.traceId, A.traceId]);
  });

  it("DELETE /v1/traces/{id} by trace id and by GlobalID removes the trace and its spans", async () => {
    const proj = `deltrace-${RUN}`;
    const X = tripOtlpSpans({ baseMs: BASE, sessionId: `del-sess-${RUN}` });
    const Y = tripOtlpSpans({ baseMs: BASE + 1000 });
    await ingestJson(exportRequest([...X.spans, ...Y.spans], { projectName: proj }));
    assert.equal((await allSpansRaw(server, proj)).length, 24);
    const d1 = await server.request("DELETE", `/v1/traces/${X.traceId}`);
    assert.equal(d1.status, 204, `DELETE by OTel trace id: ${show(d1)}`);
    const left = await allSpansRaw(server, proj);
    assert.equal(left.length, 12);
    assert.ok(left.every((s) => s.context.trace_id === Y.traceId));
    assert.equal((await server.request("DELETE", `/v1/traces/${X.traceId}`)).status, 404, "second delete → 404");
    const tr = await getOk(`/v1/projects/${enc(proj)}/traces`);
    assert.deepEqual(ids(tr), [Y.traceId]);
    const d2 = await server.request("DELETE", `/v1/traces/${enc(tr.data[0].id)}`);
    assert.equal(d2.status, 204, `DELETE by GlobalID: ${show(d2)}`);
    assert.equal((await allSpansRaw(server, proj)).length, 0);
    assert.equal((await server.request("DELETE", `/v1/traces/${randomTraceId()}`)).status, 404, "unknown trace → 404");
  });
});

// ---------------------------------------------------------------------------
describe("sessions", () => {
  it("list per project, get by session_id and by GlobalID (raw and phoenix-client)", async () => {
    const j = await getOk(`/v1/projects/${enc(P)}/sessions`);
    assert.ok("next_cursor" in j);
    const byId = Object.fromEntries(j.data.map((s) => [s.session_id, s]));
    assert.deepEqual(Object.keys(byId).sort(), [SESSION_B, SESSION_A].sort());
    const sa = byId[SESSION_A];
    assert.equal(decodeGlobalId(sa.id)?.type, "ProjectSession", `session id ${sa.id} = base64("ProjectSession:<rowid>") like Phoenix`);
    assert.equal(decodeGlobalId(sa.project_id)?.type, "Project");
    assert.deepEqual(sa.traces.map((t) => t.trace_id), [A.traceId]);
    assert.equal(decodeGlobalId(sa.traces[0].id)?.type, "Trace");
    assert.equal(sa.token_count_total, TRIP_TOTALS.total);
    assert.equal(sa.token_count_prompt, TRIP_TOTALS.prompt);
    assert.equal(Date.parse(sa.start_time), BASE);
    assert.equal(Date.parse(sa.end_time), BASE + 9000);

    const g1 = await getOk(`/v1/sessions/${enc(SESSION_A)}`);
    assert.equal(g1.data.session_id, SESSION_A, "session ids with ':' work URL-encoded");
    const g2 = await getOk(`/v1/sessions/${enc(sa.id)}`);
    assert.deepEqual(g2.data, g1.data);

    const listed = await listSessions({ client: px, projectName: P });
    assert.deepEqual(listed.map((s) => s.sessionId).sort(), [SESSION_B, SESSION_A].sort());
    const viaClient = await getSession({ client: px, sessionId: SESSION_A });
    assert.equal(viaClient.traces[0].traceId, A.traceId);
    const nf = await server.get(`/v1/sessions/no-such-session-${RUN}`);
    assert.equal(nf.status, 404, show(nf));
  });

  it("order and pagination of the project's sessions", async () => {
    const asc = await getOk(`/v1/projects/${enc(P)}/sessions?order=asc`);
    const desc = await getOk(`/v1/projects/${enc(P)}/sessions?order=desc`);
    assert.deepEqual(asc.data.map((s) => s.id), [...desc.data.map((s) => s.id)].reverse());
    const p1 = await getOk(`/v1/projects/${enc(P)}/sessions?limit=1`);
    assert.equal(p1.data.length, 1);
    assert.ok(p1.next_cursor, "a next_cursor when more sessions remain");
    const p2 = await getOk(`/v1/projects/${enc(P)}/sessions?limit=1&cursor=${enc(p1.next_cursor)}`);
    assert.equal(p2.data.length, 1);
    assert.notEqual(p2.data[0].id, p1.data[0].id);
  });

  it("DELETE a session removes its traces and spans (phoenix-client deleteSession and raw)", async () => {
    const proj = `delsess-${RUN}`;
    const X = tripOtlpSpans({ baseMs: BASE, sessionId: `gone-${RUN}` });
    const Y = tripOtlpSpans({ baseMs: BASE + 1000, sessionId: `kept-${RUN}` });
    const Z = tripOtlpSpans({ baseMs: BASE + 2000, sessionId: `raw-${RUN}` });
    await ingestJson(exportRequest([...X.spans, ...Y.spans, ...Z.spans], { projectName: proj }));
    await deleteSession({ client: px, sessionId: `gone-${RUN}` });
    assert.equal((await server.get(`/v1/sessions/gone-${RUN}`)).status, 404);
    let left = await allSpansRaw(server, proj);
    assert.equal(left.length, 24, "the deleted session's 12 spans are gone");
    assert.ok(!left.some((s) => s.context.trace_id === X.traceId));
    const zs = await getOk(`/v1/sessions/raw-${RUN}`);
    const d = await server.request("DELETE", `/v1/sessions/${enc(zs.data.id)}`);
    assert.equal(d.status, 204, `DELETE by GlobalID: ${show(d)}`);
    left = await allSpansRaw(server, proj);
    assert.deepEqual([...new Set(left.map((s) => s.context.trace_id))], [Y.traceId]);
    const tr = await getOk(`/v1/projects/${enc(proj)}/traces`);
    assert.deepEqual(tr.data.map((t) => t.trace_id), [Y.traceId]);
    assert.equal((await server.request("DELETE", `/v1/sessions/never-${RUN}`)).status, 404);
  });
});

// ---------------------------------------------------------------------------
describe("cumulative counts when children arrive before their parents", () => {
  // Phoenix keeps cumulative_llm_token_count_{prompt,completion} and
  // cumulative_error_count per span and adds each new span's counts to all its
  // ancestors, also when the ancestors arrive later.  Phoenix's REST span JSON
  // does not carry them; where they are visible:
  //   - assay's REST spans carry them as extra fields (cumulative_error_count,
  //     cumulative_token_count_prompt, cumulative_token_count_completion) —
  //     the primary check here;
  //   - Phoenix's filter language names them cumulative_token_count.total /
  //     .prompt / .completion (and cumulative_llm_token_count_*) — checked in
  //     the ?filter= test below, since assay's filter mirrors Phoenix's;
  //   - getTraces' token_count_* are sums over LLM spans: checked, but they do
  //     not depend on the propagation.
  const proj = `cumul-${RUN}`;
  const traceId = randomTraceId();
  const id = { R: randomSpanId(), A: randomSpanId(), L1: randomSpanId(), L2: randomSpanId(), T: randomSpanId() };
  let loaded = null;
  async function load() {
    if (loaded) return loaded;
    const llm = (sid, name, p, c) =>
      otlpSpan({ traceId, spanId: sid, parentSpanId: id.A, name, startMs: BASE + 10, endMs: BASE + 20, attributes: { "openinference.span.kind": "LLM", "llm.token_count.prompt": p, "llm.token_count.completion": c, "llm.token_count.total": p + c } });
    const children = [
      llm(id.L1, "L1", 10, 5),
      llm(id.L2, "L2", 20, 7),
      otlpSpan({ traceId, spanId: id.T, parentSpanId: id.A, name: "T", startMs: BASE + 21, endMs: BASE + 22, attributes: { "openinference.span.kind": "TOOL" }, status: { code: 2, message: "boom" } }),
    ];
    const agent = otlpSpan({ traceId, spanId: id.A, parentSpanId: id.R, name: "A", startMs: BASE + 5, endMs: BASE + 30, attributes: { "openinference.span.kind": "AGENT" } });
    const root = otlpSpan({ traceId, spanId: id.R, name: "R", startMs: BASE, endMs: BASE + 40, attributes: { "openinference.span.kind": "AGENT" } });
    await ingestJson(exportRequest(children, { projectName: proj })); // children first (parent A unknown yet)
    await ingestJson(exportRequest([agent], { projectName: proj })); // then A (parent R unknown yet)
    await ingestJson(exportRequest([root], { projectName: proj })); // then R
    await ingestJson(exportRequest([children[0]], { projectName: proj })); // a re-sent child must not count twice
    loaded = Object.fromEntries((await allSpansRaw(server, proj)).map((s) => [s.name, s]));
    return loaded;
  }

  it("R ← A ← {L1 (10/5), L2 (20/7), T (error)}, sent as [L1, L2, T], [A], [R], [L1 again]: span fields", async () => {
    const s = await load();
    assert.deepEqual(Object.keys(s).sort(), ["A", "L1", "L2", "R", "T"]);
    const want = {
      R: [30, 12, 1],
      A: [30, 12, 1],
      L1: [10, 5, 0],
      L2: [20, 7, 0],
      T: [0, 0, 1],
    };
    for (const [name, [p, c, e]] of Object.entries(want)) {
      const got = [s[name].cumulative_token_count_prompt, s[name].cumulative_token_count_completion, s[name].cumulative_error_count];
      assert.deepEqual(got, [p, c, e], `${name}: [cumulative prompt, completion, errors] (REST span fields); span: ${JSON.stringify(s[name]).slice(0, 400)}`);
    }
  });

  it("the same through Phoenix's filter names (cumulative_token_count.total etc.)", async () => {
    await load();
    const f = async (expr) => {
      const r = await server.get(`/v1/projects/${enc(proj)}/spans?limit=100&filter=${enc(expr)}`);
      assert.equal(r.status, 200, `filter ${expr}: ${show(r)}`);
      return names(r.json().data);
    };
    assert.deepEqual(await f("cumulative_token_count.total == 42"), ["A", "R"], "Phoenix DSL: cumulative_token_count.total");
    assert.deepEqual(await f("cumulative_token_count.prompt == 30"), ["A", "R"], "Phoenix DSL: cumulative_token_count.prompt");
    assert.deepEqual(await f("cumulative_token_count.completion == 12"), ["A", "R"], "Phoenix DSL: cumulative_token_count.completion");
    assert.deepEqual(await f("cumulative_llm_token_count_total == 15"), ["L1"], "Phoenix DSL: cumulative_llm_token_count_total");
  });

  it("getTraces token counts (sums over LLM spans)", async () => {
    await load();
    const { traces } = await getTraces({ client: px, project: { projectName: proj } });
    assert.equal(traces.length, 1);
    assert.equal(traces[0].token_count_prompt, 30);
    assert.equal(traces[0].token_count_completion, 12);
    assert.equal(traces[0].token_count_total, 42);
  });
});

// keep attr imported for ad-hoc debugging of failures
void attr;
