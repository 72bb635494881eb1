// Annotations, notes and annotation configs (Phoenix REST v1) and
// annotations on dataset examples (assay).  Phoenix endpoints are driven
// with the real @arizeai/phoenix-client where it has a function for them
// (addSpanAnnotation, logSpanAnnotations, getSpanAnnotations, addSpanNote,
// addTraceAnnotation, addSessionAnnotation, addDocumentAnnotation,
// logDocumentAnnotations, and - once the server reports a version new
// enough - addTraceNote / addSessionNote / note identifiers),
// and with plain HTTP for the rest and for error cases.  Spans arrive as
// raw OTLP/JSON with ids we choose, so every expected value is exact.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  addDocumentAnnotation,
  addSpanAnnotation,
  addSpanNote,
  getSpanAnnotations,
  logDocumentAnnotations,
  logSpanAnnotations,
} from "@arizeai/phoenix-client/spans";
import { addTraceAnnotation, addTraceNote } from "@arizeai/phoenix-client/traces";
import { addSessionAnnotation, addSessionNote } from "@arizeai/phoenix-client/sessions";

import { exportRequest, otlpSpan, randomSpanId, randomTraceId } from "./lib/otel.mjs";
import { decodeGlobalId, globalId, parseVersion, show, startServer, versionAtLeast } from "./lib/server.mjs";

const RUN = Date.now().toString(36);
const BASE = Date.parse("2026-02-01T10:00:00.000Z");
const P = `annot-${RUN}`;
const OTHER = `annot-other-${RUN}`;
const SESSION = `annot-session-${RUN}`;
const T1 = { traceId: randomTraceId(), root: randomSpanId(), child: randomSpanId() };
const T2 = { traceId: randomTraceId(), span: randomSpanId() };
const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const enc = encodeURIComponent;

let server;
let px;
let version;

async function ingest(spans, projectName) {
  const r = await server.postTraces(Buffer.from(JSON.stringify(exportRequest(spans, { projectName }))), {
    "content-type": "application/json",
  });
  assert.equal(r.status, 200, `ingest: ${show(r)}${server.diag()}`);
}

const getOk = (path) => server.getOk(path);

const postOk = (path, body) => server.postOk(path, body);

function del(path) {
  return server.request("DELETE", path);
}

before(async () => {
  server = await startServer();
  px = server.phoenix();
  version = parseVersion((await server.get("/arize_phoenix_version")).text());
  await ingest(
    [
      otlpSpan({
        traceId: T1.traceId,
        spanId: T1.root,
        name: "agent",
        startMs: BASE,
        endMs: BASE + 500,
        attributes: { "openinference.span.kind": "AGENT", "session.id": SESSION, "input.value": "hi" },
      }),
      otlpSpan({
        traceId: T1.traceId,
        spanId: T1.child,
        parentSpanId: T1.root,
        name: "llm",
        startMs: BASE + 10,
        endMs: BASE + 400,
        attributes: { "openinference.span.kind": "LLM" },
      }),
    ],
    P,
  );
  await ingest([otlpSpan({ traceId: T2.traceId, spanId: T2.span, name: "elsewhere", startMs: BASE, endMs: BASE + 5 })], OTHER);
});

after(async () => {
  if (!server) return;
  const status = await server.stop();
  // a clean exit, and nothing from the sanitizers in an ASan build
  assert.deepEqual(status, { code: 0, signal: null }, server.diag());
  assert.doesNotMatch(server.stderr(), /AddressSanitizer|LeakSanitizer|runtime error/, server.diag());
});

// ---------------------------------------------------------------------------
describe("span annotations (Phoenix client)", () => {
  let first;

  it("addSpanAnnotation writes one and returns its SpanAnnotation GlobalID", async () => {
    first = await addSpanAnnotation({
      client: px,
      sync: true,
      spanAnnotation: {
        spanId: T1.root,
        name: "correctness",
        label: "correct",
        score: 1,
        explanation: "matches the reference 🎯",
        annotatorKind: "LLM",
        metadata: { model: "judge-1", 言語: "日本語" },
      },
    });
    assert.equal(decodeGlobalId(first?.id)?.type, "SpanAnnotation", `id ${JSON.stringify(first)}`);
  });

  it("getSpanAnnotations returns Phoenix's SpanAnnotation shape with exact values", async () => {
    const { annotations, nextCursor } = await getSpanAnnotations({ client: px, project: { projectName: P }, spanIds: [T1.root] });
    assert.equal(nextCursor, null);
    assert.equal(annotations.length, 1);
    const a = annotations[0];
    assert.equal(a.id, first.id);
    assert.equal(a.span_id, T1.root);
    assert.equal(a.name, "correctness");
    assert.equal(a.annotator_kind, "LLM");
    assert.deepEqual(a.result, { label: "correct", score: 1, explanation: "matches the reference 🎯" });
    assert.deepEqual(a.metadata, { model: "judge-1", 言語: "日本語" });
    assert.equal(a.identifier, "");
    assert.equal(a.source, "API");
    assert.equal(a.user_id, null);
    assert.match(a.created_at, ISO_RE);
    assert.match(a.updated_at, ISO_RE);
  });

  it("upserts on (name, span, identifier): same id, new values; another identifier is another row", async () => {
    const again = await addSpanAnnotation({
      client: px,
      sync: true,
      spanAnnotation: { spanId: T1.root, name: "correctness", label: "incorrect", score: 0, annotatorKind: "HUMAN" },
    });
    assert.equal(again.id, first.id, "same (name, span, identifier '') updates in place");
    const many = await logSpanAnnotations({
      client: px,
      sync: true,
      spanAnnotations: [
        { spanId: T1.root, name: "correctness", label: "correct", annotatorKind: "CODE", identifier: "rater-2" },
        { spanId: T1.child, name: "tone", label: "polite", annotatorKind: "LLM" },
        { spanId: T1.child, name: "latency_ok", score: 0.5, annotatorKind: "CODE" },
      ],
    });
    assert.equal(many.length, 3);
    assert.ok(many.every((x) => decodeGlobalId(x.id)?.type === "SpanAnnotation"));
    assert.notEqual(many[0].id, first.id);

    const { annotations } = await getSpanAnnotations({ client: px, project: { projectName: P }, spanIds: [T1.root, T1.child] });
    assert.equal(annotations.length, 4);
    const updated = annotations.find((a) => a.id === first.id);
    assert.deepEqual(updated.result, { label: "incorrect", score: 0, explanation: null });
    assert.equal(updated.annotator_kind, "HUMAN");
    assert.deepEqual(updated.metadata, {}, "an upsert replaces the whole annotation");
    assert.deepEqual(
      annotations.map((a) => [a.span_id, a.name, a.identifier]),
      [
        [T1.root, "correctness", ""],
        [T1.root, "correctness", "rater-2"],
        [T1.child, "tone", ""],
        [T1.child, "latency_ok", ""],
      ],
    );
  });

  it("include/exclude names, pages through the cursor, other projects see nothing", async () => {
    const inc = await getSpanAnnotations({ client: px, project: { projectName: P }, spanIds: [T1.root, T1.child], includeAnnotationNames: ["tone"] });
    assert.deepEqual(inc.annotations.map((a) => a.name), ["tone"]);
    const exc = await getSpanAnnotations({ client: px, project: { projectName: P }, spanIds: [T1.root, T1.child], excludeAnnotationNames: ["correctness"] });
    assert.deepEqual(exc.annotations.map((a) => a.name).sort(), ["latency_ok", "tone"]);

    const seen = [];
    let cursor;
    let pages = 0;
    do {
      const page = await getSpanAnnotations({ client: px, project: { projectName: P }, spanIds: [T1.root, T1.child], cursor, limit: 3 });
      seen.push(...page.annotations.map((a) => a.id));
      cursor = page.nextCursor || undefined;
      pages++;
    } while (cursor && pages < 10);
    assert.equal(pages, 2);
    assert.equal(new Set(seen).size, 4);

    const other = await getSpanAnnotations({ client: px, project: { projectName: OTHER }, spanIds: [T1.root] });
    assert.equal(other.annotations.length, 0, "a span of another project matches nothing");
    const unknown = await getSpanAnnotations({ client: px, project: { projectName: P }, spanIds: [randomSpanId()] });
    assert.equal(unknown.annotations.length, 0);
  });

  it("GET by identifier alone; neither span_ids nor identifier → 422; unknown project → 404", async () => {
    const j = await getOk(`/v1/projects/${enc(P)}/span_annotations?identifier=rater-2`);
    assert.equal(j.data.length, 1);
    assert.equal(j.data[0].identifier, "rater-2");
    const r = await server.get(`/v1/projects/${enc(P)}/span_annotations`);
    assert.equal(r.status, 422, show(r));
    assert.match(r.json().detail, /span_ids/);
    const bad = await server.get(`/v1/projects/${enc(P)}/span_annotations?span_ids=${T1.root}&span_ids=zz`);
    assert.equal(bad.status, 422, show(bad));
    assert.match(bad.json().detail, /^span_ids\[1\]: 'zz' is not a span id/);
    const nf = await server.get(`/v1/projects/nope-${RUN}/span_annotations?span_ids=${T1.root}`);
    assert.equal(nf.status, 404, show(nf));
  });

  it("unknown span → 404 naming it; nothing of the request is written", async () => {
    const ghost = randomSpanId();
    const r = await server.postJSON("/v1/span_annotations?sync=true", {
      data: [
        { span_id: T1.child, name: "partial", annotator_kind: "LLM", result: { label: "x" } },
        { span_id: ghost, name: "partial", annotator_kind: "LLM", result: { label: "x" } },
      ],
    });
    assert.equal(r.status, 404, show(r));
    assert.match(r.json().detail, new RegExp(`data\\[1\\].*${ghost}`));
    const j = await getOk(`/v1/projects/${enc(P)}/span_annotations?span_ids=${T1.child}&include_annotation_names=partial`);
    assert.equal(j.data.length, 0, "all or nothing");
  });

  it("validation errors are 422 naming the field and its index", async () => {
    const cases = [
      [{ span_id: T1.root, name: "note", annotator_kind: "HUMAN", result: { label: "x" } }, /data\[0\]\.name: 'note' is reserved/],
      [{ span_id: T1.root, name: "n", annotator_kind: "ROBOT" }, /data\[0\]\.annotator_kind/],
      [{ span_id: "xyz", name: "n", annotator_kind: "LLM" }, /data\[0\]\.span_id: 'xyz'/],
      [{ span_id: T1.root, name: "", annotator_kind: "LLM" }, /data\[0\]\.name/],
      [{ span_id: T1.root, name: "n", annotator_kind: "LLM", result: { score: "high" } }, /data\[0\]\.result\.score/],
      [{ span_id: T1.root, name: "n", annotator_kind: "LLM", metadata: [1] }, /data\[0\]\.metadata/],
    ];
    for (const [item, re] of cases) {
      const r = await server.postJSON("/v1/span_annotations", { data: [item] });
      assert.equal(r.status, 422, `${JSON.stringify(item)}: ${show(r)}`);
      assert.match(r.json().detail, re);
    }
    const empty = await server.postJSON("/v1/span_annotations", { data: [] });
    assert.equal(empty.status, 422, show(empty));
  });
});

// ---------------------------------------------------------------------------
describe("notes", () => {
  it("addSpanNote appends a note each call (name 'note', HUMAN, explanation = the note)", async () => {
    const a = await addSpanNote({ client: px, spanNote: { spanId: T1.child, note: "looks off 🤔" } });
    const b = await addSpanNote({ client: px, spanNote: { spanId: T1.child, note: "second" } });
    assert.equal(decodeGlobalId(a.id)?.type, "SpanAnnotation");
    assert.notEqual(a.id, b.id);
    const j = await getOk(`/v1/projects/${enc(P)}/span_annotations?span_ids=${T1.child}&include_annotation_names=note`);
    assert.equal(j.data.length, 2);
    for (const n of j.data) {
      assert.equal(n.annotator_kind, "HUMAN");
      assert.match(n.identifier, /^px-span-note:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    assert.deepEqual(j.data.map((n) => n.result.explanation), ["looks off 🤔", "second"]);
  });

  it("a note with an identifier upserts (plain HTTP; the client needs server >= 15.5 for it)", async () => {
    const x = await postOk("/v1/span_notes", { data: { span_id: T1.child, note: "v1", identifier: "mine" } });
    const y = await postOk("/v1/span_notes", { data: { span_id: T1.child, note: "v2", identifier: "mine" } });
    assert.equal(x.data.id, y.data.id);
    const j = await getOk(`/v1/projects/${enc(P)}/span_annotations?identifier=mine`);
    assert.equal(j.data[0].result.explanation, "v2");
    if (versionAtLeast(version, [15, 5, 0])) {
      const z = await addSpanNote({ client: px, spanNote: { spanId: T1.child, note: "v3", identifier: "mine" } });
      assert.equal(z.id, x.data.id);
    } else {
      await assert.rejects(addSpanNote({ client: px, spanNote: { spanId: T1.child, note: "v3", identifier: "mine" } }), /15\.5\.0/);
    }
  });

  it("trace and session notes; unknown targets 404; empty note 422", async () => {
    const t = await postOk("/v1/trace_notes", { data: { trace_id: T1.traceId, note: "trace note" } });
    assert.equal(decodeGlobalId(t.data.id)?.type, "TraceAnnotation");
    const s = await postOk("/v1/session_notes", { data: { session_id: SESSION, note: "session note" } });
    assert.equal(decodeGlobalId(s.data.id)?.type, "ProjectSessionAnnotation");
    if (versionAtLeast(version, [14, 13, 0])) {
      const c = await addTraceNote({ client: px, traceNote: { traceId: T1.traceId, note: "by client" } });
      assert.equal(decodeGlobalId(c.id)?.type, "TraceAnnotation");
    } else {
      await assert.rejects(addTraceNote({ client: px, traceNote: { traceId: T1.traceId, note: "x" } }), /14\.13\.0/);
    }
    if (versionAtLeast(version, [14, 17, 0])) {
      const c = await addSessionNote({ client: px, sessionNote: { sessionId: SESSION, note: "by client" } });
      assert.equal(decodeGlobalId(c.id)?.type, "ProjectSessionAnnotation");
    } else {
      await assert.rejects(addSessionNote({ client: px, sessionNote: { sessionId: SESSION, note: "x" } }), /14\.17\.0/);
    }
    const nt = await server.postJSON("/v1/trace_notes", { data: { trace_id: "ab".repeat(16), note: "x" } });
    assert.equal(nt.status, 404, show(nt));
    assert.match(nt.json().detail, /trace 'abab/);
    const ns = await server.postJSON("/v1/session_notes", { data: { session_id: "no-such-session", note: "x" } });
    assert.equal(ns.status, 404, show(ns));
    assert.match(ns.json().detail, /session 'no-such-session' not found/);
    const ghost = randomSpanId();
    const nsp = await server.postJSON("/v1/span_notes", { data: { span_id: ghost, note: "x" } });
    assert.equal(nsp.status, 404, show(nsp));
    assert.equal(nsp.json().detail, `data: span '${ghost}' not found`);
    const bad = await server.postJSON("/v1/span_notes", { data: { span_id: "zz", note: "x" } });
    assert.equal(bad.status, 422, show(bad));
    assert.match(bad.json().detail, /^data\.span_id: 'zz' is not a span id/);
    const ne = await server.postJSON("/v1/span_notes", { data: { span_id: T1.root, note: "" } });
    assert.equal(ne.status, 422, show(ne));
    assert.match(ne.json().detail, /data\.note/);
  });
});

// ---------------------------------------------------------------------------
describe("trace and session annotations", () => {
  it("addTraceAnnotation / addSessionAnnotation (client), listed by trace_ids / session_ids", async () => {
    const t = await addTraceAnnotation({
      client: px,
      sync: true,
      traceAnnotation: { traceId: T1.traceId, name: "resolved", label: "yes", score: 1, annotatorKind: "HUMAN" },
    });
    assert.equal(decodeGlobalId(t.id)?.type, "TraceAnnotation");
    const s = await addSessionAnnotation({
      client: px,
      sync: true,
      sessionAnnotation: { sessionId: SESSION, name: "satisfied", score: 0.25, annotatorKind: "LLM" },
    });
    assert.equal(decodeGlobalId(s.id)?.type, "ProjectSessionAnnotation");

    const tl = await getOk(`/v1/projects/${enc(P)}/trace_annotations?trace_ids=${T1.traceId}&exclude_annotation_names=note`);
    assert.equal(tl.data.length, 1);
    assert.equal(tl.data[0].trace_id, T1.traceId);
    assert.deepEqual(tl.data[0].result, { label: "yes", score: 1, explanation: null });
    const sl = await getOk(`/v1/projects/${enc(P)}/session_annotations?session_ids=${enc(SESSION)}`);
    assert.deepEqual(sl.data.map((a) => [a.name, a.session_id]).sort(), [
      ["note", SESSION],
      ["satisfied", SESSION],
      ...(versionAtLeast(version, [14, 17, 0]) ? [["note", SESSION]] : []),
    ].sort());
    const unknown = await server.postJSON("/v1/trace_annotations", {
      data: [{ trace_id: "cd".repeat(16), name: "x", annotator_kind: "LLM", result: { label: "x" } }],
    });
    assert.equal(unknown.status, 404, show(unknown));
    assert.match(unknown.json().detail, /data\[0\]: trace 'cdcd/);
  });
});

// ---------------------------------------------------------------------------
describe("DELETE /v1/projects/{id}/span_annotations (Phoenix's filter delete)", () => {
  it("needs a [start_time, end_time) window or delete_all=true; narrows by name/identifier/annotator_kind", async () => {
    const path = `/v1/projects/${enc(P)}/span_annotations`;
    let r = await del(`${path}?name=tone`);
    assert.equal(r.status, 422, `no window, no delete_all: ${show(r)}`);
    r = await del(`${path}?start_time=2030-01-01T00:00:00Z&end_time=2020-01-01T00:00:00Z`);
    assert.equal(r.status, 422, `start after end: ${show(r)}`);
    r = await del(`${path}?delete_all=true&annotator_kind=ROBOT`);
    assert.equal(r.status, 422, show(r));
    // a window in the past matches nothing (annotations were created now)
    r = await del(`${path}?start_time=2020-01-01T00:00:00Z&end_time=2020-01-02T00:00:00Z`);
    assert.equal(r.status, 204, show(r));
    const before = (await getOk(`${path}?span_ids=${T1.root}&span_ids=${T1.child}`)).data;
    r = await del(`${path}?delete_all=true&name=tone`);
    assert.equal(r.status, 204, show(r));
    const afterDel = (await getOk(`${path}?span_ids=${T1.root}&span_ids=${T1.child}`)).data;
    assert.equal(afterDel.length, before.length - 1);
    assert.ok(!afterDel.some((a) => a.name === "tone"));
    const now = new Date();
    r = await del(`${path}?start_time=${enc(new Date(now - 3600e3).toISOString())}&end_time=${enc(new Date(+now + 3600e3).toISOString())}&annotator_kind=CODE`);
    assert.equal(r.status, 204, show(r));
    const left = (await getOk(`${path}?span_ids=${T1.root}&span_ids=${T1.child}`)).data;
    assert.ok(left.length > 0 && left.every((a) => a.annotator_kind !== "CODE"));
  });
});

// ---------------------------------------------------------------------------
describe("annotation configs", () => {
  let cat;
  it("create CATEGORICAL / CONTINUOUS / FREEFORM with Phoenix's shapes and GlobalID types", async () => {
    cat = (await postOk("/v1/annotation_configs", {
      name: `helpful-${RUN}`,
      type: "CATEGORICAL",
      description: "役に立つ?",
      optimization_direction: "MAXIMIZE",
      values: [{ label: "helpful", score: 1 }, { label: "unhelpful", score: 0 }, { label: "unsure" }],
    })).data;
    assert.equal(decodeGlobalId(cat.id)?.type, "CategoricalAnnotationConfig");
    assert.deepEqual(cat.values, [
      { label: "helpful", score: 1 },
      { label: "unhelpful", score: 0 },
      { label: "unsure", score: null },
    ]);
    assert.equal(cat.description, "役に立つ?");
    const cont = (await postOk("/v1/annotation_configs", {
      name: `stars-${RUN}`, type: "CONTINUOUS", optimization_direction: "MAXIMIZE", lower_bound: 1, upper_bound: 5,
    })).data;
    assert.equal(decodeGlobalId(cont.id)?.type, "ContinuousAnnotationConfig");
    assert.deepEqual([cont.lower_bound, cont.upper_bound, cont.optimization_direction], [1, 5, "MAXIMIZE"]);
    const free = (await postOk("/v1/annotation_configs", { name: `comment-${RUN}`, type: "FREEFORM" })).data;
    assert.equal(decodeGlobalId(free.id)?.type, "FreeformAnnotationConfig");
    assert.equal(free.optimization_direction, null);
  });

  it("get by name and by GlobalID; list pages; PUT replaces; DELETE returns it; then 404", async () => {
    assert.deepEqual((await getOk(`/v1/annotation_configs/${enc(`helpful-${RUN}`)}`)).data, cat);
    assert.deepEqual((await getOk(`/v1/annotation_configs/${enc(cat.id)}`)).data, cat);
    const p1 = await getOk("/v1/annotation_configs?limit=2");
    assert.equal(p1.data.length, 2);
    assert.ok(p1.next_cursor);
    const p2 = await getOk(`/v1/annotation_configs?limit=2&cursor=${enc(p1.next_cursor)}`);
    assert.ok(p2.data.length >= 1);
    assert.ok(!p2.data.some((c) => p1.data.some((d) => d.id === c.id)), "pages do not overlap");

    const put = await server.request("PUT", `/v1/annotation_configs/${enc(cat.id)}`, {
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ name: `helpful2-${RUN}`, type: "CATEGORICAL", optimization_direction: "NONE", values: [{ label: "a" }] })),
    });
    assert.equal(put.status, 200, show(put));
    assert.equal(put.json().data.id, cat.id);
    assert.equal(put.json().data.name, `helpful2-${RUN}`);
    assert.deepEqual(put.json().data.values, [{ label: "a", score: null }]);

    const d = await del(`/v1/annotation_configs/${enc(`helpful2-${RUN}`)}`);
    assert.equal(d.status, 200, show(d));
    assert.equal(d.json().data.id, cat.id);
    assert.equal((await server.get(`/v1/annotation_configs/${enc(cat.id)}`)).status, 404);
  });

  it("validation: duplicate name 409, duplicate labels / bounds / direction / type 422 naming the field", async () => {
    const dup = await server.postJSON("/v1/annotation_configs", { name: `stars-${RUN}`, type: "FREEFORM" });
    assert.equal(dup.status, 409, show(dup));
    const cases = [
      [{ name: "x", type: "CATEGORICAL", optimization_direction: "NONE", values: [{ label: "a" }, { label: "a" }] }, /values\[1\]\.label: duplicate label 'a'/],
      [{ name: "x", type: "CATEGORICAL", optimization_direction: "NONE", values: [{ label: "a", score: "1" }] }, /values\[0\]\.score/],
      [{ name: "x", type: "CONTINUOUS", optimization_direction: "NONE", lower_bound: 3, upper_bound: 2 }, /lower_bound \(3\) must be less than upper_bound \(2\)/],
      [{ name: "x", type: "CONTINUOUS", optimization_direction: "UP" }, /optimization_direction/],
      [{ name: "x", type: "BINARY" }, /type must be/],
      [{ name: "note", type: "FREEFORM" }, /reserved for notes/],
    ];
    for (const [body, re] of cases) {
      const r = await server.postJSON("/v1/annotation_configs", body);
      assert.equal(r.status, 422, `${JSON.stringify(body)}: ${show(r)}`);
      assert.match(r.json().detail, re);
    }
  });
});

// ---------------------------------------------------------------------------
describe("dataset example annotations (assay)", () => {
  it("POST with DatasetExample ids, GET by dataset and name; unknown example 404, bad id 422", async () => {
    const up = await postOk("/v1/datasets/upload?sync=true", {
      action: "create",
      name: `annot-ds-${RUN}`,
      inputs: [{ q: "2+2" }, { q: "3+3" }],
      outputs: [{ a: "4" }, { a: "6" }],
      metadata: [{}, {}],
    });
    const datasetId = up.data.dataset_id;
    const ex = (await getOk(`/v1/datasets/${enc(datasetId)}/examples`)).data.examples;
    assert.equal(ex.length, 2);
    const w = await postOk("/v1/dataset_example_annotations", {
      data: [
        { example_id: ex[0].id, name: "correct", annotator_kind: "HUMAN", result: { label: "yes", score: 1 }, user_id: "alice" },
        { example_id: ex[1].id, name: "correct", annotator_kind: "HUMAN", result: { label: "no", score: 0 }, user_id: "alice" },
        { example_id: ex[1].id, name: "other", annotator_kind: "LLM", result: { label: "z" } },
      ],
    });
    assert.equal(w.data.length, 3);
    assert.ok(w.data.every((x) => decodeGlobalId(x.id)?.type === "DatasetExampleAnnotation"));
    const j = await getOk(`/v1/dataset_example_annotations?dataset_id=${enc(datasetId)}&name=correct`);
    assert.deepEqual(
      j.data.map((a) => [a.example_id, a.result.label, a.result.score, a.user_id, a.annotator_kind]),
      [
        [ex[0].id, "yes", 1, "alice", "HUMAN"],
        [ex[1].id, "no", 0, "alice", "HUMAN"],
      ],
    );
    const page = await getOk(`/v1/dataset_example_annotations?dataset_id=${enc(datasetId)}&limit=2`);
    assert.equal(page.data.length, 2);
    assert.ok(page.next_cursor);
    const page2 = await getOk(`/v1/dataset_example_annotations?dataset_id=${enc(datasetId)}&limit=2&cursor=${enc(page.next_cursor)}`);
    assert.deepEqual(page2.data.map((a) => a.name), ["other"]);
    assert.equal(page2.next_cursor, null);

    const missing = await server.postJSON("/v1/dataset_example_annotations", {
      data: [{ example_id: globalId("DatasetExample", 999999), name: "correct", annotator_kind: "HUMAN", result: { label: "x" } }],
    });
    assert.equal(missing.status, 404, show(missing));
    assert.match(missing.json().detail, /dataset example 999999 not found/);
    const bad = await server.postJSON("/v1/dataset_example_annotations", {
      data: [{ example_id: "nope", name: "correct", annotator_kind: "HUMAN" }],
    });
    assert.equal(bad.status, 422, show(bad));
    assert.match(bad.json().detail, /data\[0\]\.example_id: 'nope'/);
  });
});

// ---------------------------------------------------------------------------
describe("document annotations (POST /v1/document_annotations; GET/DELETE are assay's)", () => {
  const D = { traceId: randomTraceId(), retriever: randomSpanId(), bare: randomSpanId() };
  const docPath = `/v1/projects/${enc(P)}/document_annotations`;
  let first;
  let spans;

  before(async () => {
    const docs = {};
    ["paris", "lyon", "nice"].forEach((city, i) => {
      docs[`retrieval.documents.${i}.document.id`] = `doc-${city}`;
      docs[`retrieval.documents.${i}.document.content`] = `about ${city}`;
      docs[`retrieval.documents.${i}.document.score`] = 1 - i / 10;
    });
    spans = [
      otlpSpan({
        traceId: D.traceId,
        spanId: D.retriever,
        name: "retrieve",
        startMs: BASE,
        endMs: BASE + 50,
        attributes: { "openinference.span.kind": "RETRIEVER", "input.value": "french cities", ...docs },
      }),
      otlpSpan({
        traceId: D.traceId,
        spanId: D.bare,
        parentSpanId: D.retriever,
        name: "no-docs",
        startMs: BASE + 1,
        endMs: BASE + 2,
        attributes: { "openinference.span.kind": "RETRIEVER" },
      }),
    ];
    await ingest(spans, P);
  });

  it("addDocumentAnnotation (client) writes one and returns a DocumentAnnotation GlobalID", async () => {
    first = await addDocumentAnnotation({
      client: px,
      sync: true,
      documentAnnotation: {
        spanId: D.retriever,
        documentPosition: 0,
        name: "relevance",
        label: "relevant",
        score: 0.9,
        explanation: "about Paris 🗼",
        annotatorKind: "LLM",
        metadata: { model: "judge-1" },
      },
    });
    assert.equal(decodeGlobalId(first?.id)?.type, "DocumentAnnotation", `id ${JSON.stringify(first)}`);
    const j = await getOk(`${docPath}?span_ids=${D.retriever}`);
    assert.equal(j.data.length, 1);
    const a = j.data[0];
    assert.equal(a.id, first.id);
    assert.equal(a.span_id, D.retriever);
    assert.equal(a.document_position, 0);
    assert.equal(a.name, "relevance");
    assert.equal(a.annotator_kind, "LLM");
    assert.deepEqual(a.result, { label: "relevant", score: 0.9, explanation: "about Paris 🗼" });
    assert.deepEqual(a.metadata, { model: "judge-1" });
    assert.equal(a.identifier, "");
    assert.equal(a.source, "API");
    assert.match(a.created_at, ISO_RE);
    assert.equal(j.next_cursor, null);
  });

  it("logDocumentAnnotations (client) writes a batch; upsert on (name, span, position): same id, new values", async () => {
    const many = await logDocumentAnnotations({
      client: px,
      sync: false, // assay writes before answering either way
      documentAnnotations: [
        { spanId: D.retriever, documentPosition: 0, name: "relevance", label: "irrelevant", score: 0.1, annotatorKind: "HUMAN" },
        { spanId: D.retriever, documentPosition: 1, name: "relevance", label: "relevant", annotatorKind: "LLM" },
        { spanId: D.retriever, documentPosition: 2, name: "relevance", score: 0.5, annotatorKind: "CODE" },
      ],
    });
    assert.equal(many.length, 3);
    assert.ok(many.every((x) => decodeGlobalId(x.id)?.type === "DocumentAnnotation"));
    assert.equal(many[0].id, first.id, "same (name, span, position) updates in place");
    assert.equal(new Set(many.map((x) => x.id)).size, 3);

    const j = await getOk(`${docPath}?span_ids=${D.retriever}`);
    assert.deepEqual(
      j.data.map((a) => [a.document_position, a.result.label, a.result.score, a.annotator_kind]),
      [
        [0, "irrelevant", 0.1, "HUMAN"],
        [1, "relevant", null, "LLM"],
        [2, null, 0.5, "CODE"],
      ],
    );
    assert.deepEqual(j.data[0].metadata, {}, "an upsert replaces the whole annotation");
    assert.equal(j.data[0].result.explanation, null);
    // document annotations are not span annotations
    const spans = await getOk(`/v1/projects/${enc(P)}/span_annotations?span_ids=${D.retriever}`);
    assert.equal(spans.data.length, 0);
  });

  it("GET pages through the cursor, filters by name; other projects and unknown spans see nothing", async () => {
    await postOk("/v1/document_annotations", {
      data: [{ span_id: D.retriever, document_position: 1, name: "groundedness", annotator_kind: "LLM", result: { label: "yes" } }],
    });
    const seen = [];
    let cursor;
    let pages = 0;
    do {
      const page = await getOk(`${docPath}?span_ids=${D.retriever}&limit=3${cursor ? `&cursor=${enc(cursor)}` : ""}`);
      seen.push(...page.data.map((a) => a.id));
      cursor = page.next_cursor || undefined;
      pages++;
    } while (cursor && pages < 10);
    assert.equal(pages, 2);
    assert.equal(new Set(seen).size, 4);
    const inc = await getOk(`${docPath}?span_ids=${D.retriever}&include_annotation_names=groundedness`);
    assert.deepEqual(inc.data.map((a) => [a.name, a.document_position]), [["groundedness", 1]]);
    const exc = await getOk(`${docPath}?span_ids=${D.retriever}&exclude_annotation_names=relevance`);
    assert.deepEqual(exc.data.map((a) => a.name), ["groundedness"]);
    assert.equal((await getOk(`/v1/projects/${enc(OTHER)}/document_annotations?span_ids=${D.retriever}`)).data.length, 0);
    assert.equal((await getOk(`${docPath}?span_ids=${randomSpanId()}`)).data.length, 0);
    const none = await server.get(docPath);
    assert.equal(none.status, 422, show(none));
    assert.match(none.json().detail, /span_ids/);
  });

  it("a non-empty identifier is 422 (Phoenix does not support them); blanks are none", async () => {
    const r = await server.postJSON("/v1/document_annotations", {
      data: [{ span_id: D.retriever, document_position: 0, name: "relevance", annotator_kind: "LLM", result: { label: "x" }, identifier: " v2 " }],
    });
    assert.equal(r.status, 422, show(r));
    assert.equal(r.json().detail, "Non-empty identifier ' v2 ' is not supported");
    const blank = await postOk("/v1/document_annotations", {
      data: [{ span_id: D.retriever, document_position: 0, name: "relevance", annotator_kind: "LLM", result: { label: "blank" }, identifier: "  " }],
    });
    assert.equal(blank.data[0].id, first.id, "a blank identifier is the empty one");
    const j = await getOk(`${docPath}?span_ids=${D.retriever}&include_annotation_names=relevance`);
    assert.equal(j.data.find((a) => a.id === first.id).result.label, "blank");
  });

  it("unknown span → 404 naming it; nothing of the request is written", async () => {
    const ghost = randomSpanId();
    const r = await server.postJSON("/v1/document_annotations?sync=true", {
      data: [
        { span_id: D.retriever, document_position: 2, name: "partial", annotator_kind: "LLM", result: { label: "x" } },
        { span_id: ghost, document_position: 0, name: "partial", annotator_kind: "LLM", result: { label: "x" } },
      ],
    });
    assert.equal(r.status, 404, show(r));
    assert.equal(r.json().detail, `data[1]: span '${ghost}' not found`);
    const j = await getOk(`${docPath}?span_ids=${D.retriever}&include_annotation_names=partial`);
    assert.equal(j.data.length, 0, "all or nothing");
  });

  it("a position outside the span's documents is 422 (max: 2); nothing of the request is written", async () => {
    const r = await server.postJSON("/v1/document_annotations", {
      data: [
        { span_id: D.retriever, document_position: 2, name: "partial", annotator_kind: "LLM", result: { label: "x" } },
        { span_id: D.retriever, document_position: 3, name: "partial", annotator_kind: "LLM", result: { label: "x" } },
      ],
    });
    assert.equal(r.status, 422, show(r));
    assert.equal(r.json().detail, `Document position 3 is out of bounds for span ${D.retriever} (max: 2)`);
    const j = await getOk(`${docPath}?span_ids=${D.retriever}&include_annotation_names=partial`);
    assert.equal(j.data.length, 0, "all or nothing");
    await assert.rejects(
      addDocumentAnnotation({
        client: px,
        documentAnnotation: { spanId: D.retriever, documentPosition: 7, name: "relevance", label: "x" },
      }),
      /422/,
    );
  });

  it("a span without documents has no valid position (max: -1)", async () => {
    const r = await server.postJSON("/v1/document_annotations", {
      data: [{ span_id: D.bare, document_position: 0, name: "relevance", annotator_kind: "LLM", result: { label: "x" } }],
    });
    assert.equal(r.status, 422, show(r));
    assert.equal(r.json().detail, `Document position 0 is out of bounds for span ${D.bare} (max: -1)`);
  });

  it("validation errors are 422 naming the field and its index", async () => {
    const ok = { span_id: D.retriever, name: "n", annotator_kind: "LLM", result: { label: "x" } };
    const cases = [
      [{ ...ok }, /data\[0\]\.document_position must be an integer >= 0/],
      [{ ...ok, document_position: -1 }, /data\[0\]\.document_position/],
      [{ ...ok, document_position: 1.5 }, /data\[0\]\.document_position/],
      [{ ...ok, document_position: "1" }, /data\[0\]\.document_position/],
      [{ ...ok, document_position: 0, span_id: "xyz" }, /data\[0\]\.span_id: 'xyz' is not a span id/],
      [{ ...ok, document_position: 0, annotator_kind: "ROBOT" }, /data\[0\]\.annotator_kind/],
      [{ ...ok, document_position: 0, name: "note" }, /data\[0\]\.name: 'note' is reserved/],
    ];
    for (const [item, re] of cases) {
      const r = await server.postJSON("/v1/document_annotations", { data: [item] });
      assert.equal(r.status, 422, `${JSON.stringify(item)}: ${show(r)}`);
      assert.match(r.json().detail, re);
    }
  });

  it("DELETE /v1/projects/{id}/document_annotations: Phoenix's filter delete, as for spans", async () => {
    let r = await del(`${docPath}?name=groundedness`);
    assert.equal(r.status, 422, `no window, no delete_all: ${show(r)}`);
    r = await del(`${docPath}?delete_all=true&name=groundedness`);
    assert.equal(r.status, 204, show(r));
    const left = (await getOk(`${docPath}?span_ids=${D.retriever}`)).data;
    assert.deepEqual(left.map((a) => [a.name, a.document_position]), [
      ["relevance", 0],
      ["relevance", 1],
      ["relevance", 2],
    ]);
  });

  it("deleting the span's trace removes its document annotations", async () => {
    const r = await del(`/v1/traces/${D.traceId}`);
    assert.equal(r.status, 204, show(r));
    const j = await getOk(`${docPath}?identifier=`);
    assert.ok(!j.data.some((a) => a.span_id === D.retriever), JSON.stringify(j.data));
    const gone = await server.postJSON("/v1/document_annotations", {
      data: [{ span_id: D.retriever, document_position: 0, name: "relevance", annotator_kind: "LLM", result: { label: "x" } }],
    });
    assert.equal(gone.status, 404, show(gone));
    // The rows are gone, not merely hidden by the join: the same spans sent
    // again (they take the freed rowids) start without annotations.
    await ingest(spans, P);
    assert.deepEqual((await getOk(`${docPath}?span_ids=${D.retriever}`)).data, []);
  });
});
