// GET /openapi.json: the OpenAPI 3.1 description of the whole REST API
// (src/server/openapi.json, embedded in the binary).  Checks that it is a
// valid 3.1 document (a real validator), that it describes exactly the
// routes of the route tables (src/server/routes.c and h_*.c, read from the
// source, UI routes excluded) and no others, that every $ref resolves and
// every operation is named, summarised, tagged and declares its path
// parameters, and that answers of the live server validate against the
// schemas the document gives for them.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

import { exportRequest, otlpSpan, tripOtlpSpans } from "./lib/otel.mjs";
import { REPO_ROOT, show, startServer } from "./lib/server.mjs";

const RUN = Date.now().toString(36);
const PROJECT = `openapi-${RUN}`;
const DATASET = `openapi-ds-${RUN}`;
const BASE = Date.parse("2026-02-01T10:00:00.000Z");
const enc = encodeURIComponent;

let server;
let doc;
let res;
let tripA;

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
const norm = (p) => p.replace(/\{[^}]*\}/g, "{}");

/** (method, pattern) of every route table entry in src/server, UI excluded. */
function routeTables() {
  const dir = path.join(REPO_ROOT, "src", "server");
  const files = fs.readdirSync(dir).filter((f) => f === "routes.c" || (/^h_.*\.c$/.test(f) && f !== "h_ui.c"));
  const out = new Map();
  const re = /\{\s*"(GET|POST|PUT|PATCH|DELETE|HEAD)"\s*,\s*"([^"]+)"\s*,/g;
  for (const f of files) {
    const src = fs.readFileSync(path.join(dir, f), "utf8");
    for (const m of src.matchAll(re)) out.set(`${m[1]} ${norm(m[2])}`, f);
  }
  return out;
}

function operations() {
  const ops = [];
  for (const [p, item] of Object.entries(doc.paths))
    for (const m of METHODS) if (item[m]) ops.push({ path: p, method: m, op: item[m], item });
  return ops;
}

function resolvePointer(ref) {
  assert.ok(ref.startsWith("#/"), `$ref ${ref} is not local`);
  let cur = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (cur == null || !(key in cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function allRefs(node, at = "#", out = []) {
  if (Array.isArray(node)) node.forEach((x, i) => allRefs(x, `${at}/${i}`, out));
  else if (node && typeof node === "object") {
    if (typeof node.$ref === "string") out.push({ ref: node.$ref, at });
    for (const [k, v] of Object.entries(node)) allRefs(v, `${at}/${k}`, out);
  }
  return out;
}

// ---- live answers against the document's schemas ----
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
let compiled = 0;

function responseSchema(method, pathTemplate, status) {
  const op = doc.paths[pathTemplate]?.[method];
  assert.ok(op, `no operation ${method.toUpperCase()} ${pathTemplate} in the document`);
  let r = op.responses[String(status)];
  assert.ok(r, `${method.toUpperCase()} ${pathTemplate} documents no ${status} answer`);
  if (r.$ref) r = resolvePointer(r.$ref);
  // JSON, or JSON sent as text/plain (the experiment download, as Phoenix)
  const json = r.content?.["application/json"]?.schema;
  const inText = r.content?.["text/plain"]?.schema;
  const schema = json || (inText?.contentMediaType === "application/json" ? inText.contentSchema : undefined);
  assert.ok(schema, `${method.toUpperCase()} ${pathTemplate} ${status} has no JSON schema`);
  return { schema, type: json ? /application\/json/ : /text\/plain/ };
}

/** Send method url (a concrete path; body: JSON) and validate the answer
 * against the schema the document gives pathTemplate for that status. */
async function check(pathTemplate, url, status = 200, method = "get", body = undefined) {
  const r = body === undefined
    ? await server.request(method.toUpperCase(), url)
    : await server.request(method.toUpperCase(), url, {
      headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify(body)),
    });
  assert.equal(r.status, status, `${method.toUpperCase()} ${url}: ${show(r)}`);
  const { schema, type } = responseSchema(method, pathTemplate, status);
  assert.match(r.headers["content-type"] || "", type);
  const answer = r.json();
  const validate = ajv.compile({
    $id: `urn:assay:openapi-check:${compiled++}`,
    allOf: [schema],
    components: { schemas: doc.components.schemas },
  });
  const ok = validate(answer);
  assert.ok(ok, `${method.toUpperCase()} ${url} (${status}) does not match the schema of ${pathTemplate}:\n` +
    `${JSON.stringify(validate.errors, null, 1).slice(0, 3000)}\nbody: ${JSON.stringify(answer).slice(0, 1500)}`);
  return answer;
}

before(async () => {
  server = await startServer();
  res = await server.get("/openapi.json");
  doc = JSON.parse(res.text());
  // data for the live checks: two trip traces (one in a session), a dataset
  const a = (tripA = tripOtlpSpans({ baseMs: BASE, sessionId: `sess-${RUN}` }));
  const b = tripOtlpSpans({ baseMs: BASE + 60000 });
  const r = await server.postTraces(Buffer.from(JSON.stringify(exportRequest([...a.spans, ...b.spans], { projectName: PROJECT }))),
    { "content-type": "application/json" });
  assert.equal(r.status, 200, `ingest: ${show(r)}${server.diag()}`);
  await server.postOk("/v1/datasets/upload?sync=true", {
    name: DATASET, inputs: [{ q: "a" }, { q: "b" }], outputs: [{ a: 1 }, null], metadata: [{ m: true }, null],
    splits: ["train", null],
  });
});

after(async () => {
  await server?.stop();
});

describe("GET /openapi.json", () => {
  it("answers the embedded document as JSON, not cached without revalidation", () => {
    assert.equal(res.status, 200, show(res));
    assert.match(res.headers["content-type"], /^application\/json/);
    assert.equal(res.headers["cache-control"], "no-cache");
    assert.ok(doc.openapi.startsWith("3.1"), `openapi is ${doc.openapi}`);
    assert.equal(doc.info.title, "assay");
    assert.equal(doc.info.version, "1");
    assert.deepEqual(doc.servers, [{ url: "/" }]);
    // the answer is the source file byte for byte
    const file = fs.readFileSync(path.join(REPO_ROOT, "src", "server", "openapi.json"), "utf8");
    assert.equal(res.text(), file, "the served document differs from src/server/openapi.json (rebuild?)");
  });

  it("is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator)", async () => {
    const v = new Validator();
    const r = await v.validate(structuredClone(doc));
    assert.equal(v.version, "3.1");
    assert.ok(r.valid, `validator errors:\n${JSON.stringify(r.errors ?? null, null, 1).slice(0, 4000)}`);
  });

  it("describes exactly the routes of the route tables (UI excluded)", () => {
    const tables = routeTables();
    assert.ok(tables.size > 50, `only ${tables.size} routes read from src/server: is the regex stale?`);
    const described = new Set(operations().map((o) => `${o.method.toUpperCase()} ${norm(o.path)}`));
    const missing = [...tables.keys()].filter((k) => !described.has(k)).map((k) => `${k} (${tables.get(k)})`);
    const extra = [...described].filter((k) => !tables.has(k));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] },
      `routes in the tables but not in openapi.json: ${missing.join(", ") || "none"}; ` +
        `in openapi.json but in no table: ${extra.join(", ") || "none"}`);
    // no two path templates that differ only in parameter names
    const shapes = Object.keys(doc.paths).map(norm);
    assert.equal(new Set(shapes).size, shapes.length, "two paths differ only in parameter names");
  });

  it("resolves every $ref", () => {
    const refs = allRefs(doc);
    assert.ok(refs.length > 100);
    const broken = refs.filter((r) => resolvePointer(r.ref) === undefined).map((r) => `${r.ref} at ${r.at}`);
    assert.deepEqual(broken, []);
  });

  it("names, summarises and tags every operation and declares its path parameters", () => {
    const tagNames = new Set(doc.tags.map((t) => t.name));
    for (const t of ["projects", "spans", "traces", "sessions", "otlp", "datasets", "experiments", "annotations",
      "queues", "analysis", "runner", "observe", "ops"]) assert.ok(tagNames.has(t), `tag ${t} missing`);
    const ids = new Map();
    const problems = [];
    for (const { path: p, method, op, item } of operations()) {
      const where = `${method.toUpperCase()} ${p}`;
      if (!op.operationId) problems.push(`${where}: no operationId`);
      else if (ids.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} also on ${ids.get(op.operationId)}`);
      else ids.set(op.operationId, where);
      if (!op.summary) problems.push(`${where}: no summary`);
      if (!op.tags?.length) problems.push(`${where}: no tag`);
      for (const t of op.tags || []) if (!tagNames.has(t)) problems.push(`${where}: undeclared tag ${t}`);
      const params = [...(item.parameters || []), ...(op.parameters || [])].map((x) => (x.$ref ? resolvePointer(x.$ref) : x));
      const declared = params.filter((x) => x?.in === "path").map((x) => x.name).sort();
      const inPath = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      if (JSON.stringify(declared) !== JSON.stringify(inPath))
        problems.push(`${where}: path parameters ${inPath.join(",")} but declared ${declared.join(",")}`);
      for (const x of params) if (x?.in === "path" && x.required !== true) problems.push(`${where}: path parameter ${x.name} not required`);
      if (!Object.keys(op.responses || {}).some((s) => /^[23]/.test(s))) problems.push(`${where}: no success answer`);
      for (const [s, r0] of Object.entries(op.responses || {})) {
        const r = r0.$ref ? resolvePointer(r0.$ref) : r0;
        const sch = r?.content?.["application/json"]?.schema;
        if (/^4/.test(s) && p !== "/v1/traces" && sch?.$ref !== "#/components/schemas/Error")
          problems.push(`${where}: ${s} answer is not the Error schema`);
      }
    }
    assert.deepEqual(problems, []);
  });
});

describe("live answers match the document's schemas", () => {
  it("projects, spans (both shapes), traces with spans, sessions", async () => {
    const projects = await check("/v1/projects", "/v1/projects?limit=1000");
    assert.ok(projects.data.some((p) => p.name === PROJECT));
    await check("/v1/projects/{project_identifier}", `/v1/projects/${enc(PROJECT)}`);
    const spans = await check("/v1/projects/{project_identifier}/spans", `/v1/projects/${enc(PROJECT)}/spans?limit=1000`);
    assert.ok(spans.data.length > 10, "the trip traces are there");
    await check("/v1/projects/{project_identifier}/spans/otlpv1", `/v1/projects/${enc(PROJECT)}/spans/otlpv1?limit=5`);
    const traces = await check("/v1/projects/{project_identifier}/traces",
      `/v1/projects/${enc(PROJECT)}/traces?include_spans=true`);
    assert.equal(traces.data.length, 2);
    assert.ok(traces.data[0].spans.length > 0);
    const sessions = await check("/v1/projects/{project_identifier}/sessions", `/v1/projects/${enc(PROJECT)}/sessions`);
    assert.equal(sessions.data.length, 1);
    await check("/v1/sessions/{session_identifier}", `/v1/sessions/${enc(sessions.data[0].id)}`);
  });

  it("datasets, versions and examples", async () => {
    const list = await check("/v1/datasets", "/v1/datasets?limit=1000");
    const ds = list.data.find((d) => d.name === DATASET);
    assert.ok(ds, "uploaded dataset listed");
    await check("/v1/datasets/{id}", `/v1/datasets/${enc(ds.id)}`);
    await check("/v1/datasets/{id}/versions", `/v1/datasets/${enc(ds.id)}/versions`);
    const ex = await check("/v1/datasets/{id}/examples", `/v1/datasets/${enc(ds.id)}/examples`);
    assert.equal(ex.data.examples.length, 2);
    await check("/v1/dataset_labels", "/v1/dataset_labels");
  });

  it("annotation configs, queues, and the Error schema of a 404 and a 422", async () => {
    await check("/v1/annotation_configs", "/v1/annotation_configs");
    await check("/v1/annotation_queues", "/v1/annotation_queues");
    const e404 = await check("/v1/projects/{project_identifier}", `/v1/projects/no-such-${RUN}`, 404);
    assert.equal(e404.code, "not_found");
    const e422 = await check("/v1/projects", "/v1/projects?limit=0", 422);
    assert.match(e422.detail, /limit/);
  });

  it("the schemas are strict enough to reject a wrong answer", () => {
    const validate = ajv.compile({
      $id: `urn:assay:openapi-check:${compiled++}`,
      allOf: [responseSchema("get", "/v1/projects/{project_identifier}/spans", 200).schema],
      components: { schemas: doc.components.schemas },
    });
    assert.equal(validate({ data: [{ id: 1, name: "x" }], next_cursor: null }), false);
    assert.equal(validate({ data: [] }), false, "next_cursor is required");
  });

  it("the agent graph and time series answers", async () => {
    const g = await check("/v1/projects/{project_identifier}/agent_graph", `/v1/projects/${enc(PROJECT)}/agent_graph`);
    assert.equal(g.data.traces, 2);
    await check("/v1/projects/{project_identifier}/timeseries",
      `/v1/projects/${enc(PROJECT)}/timeseries?start_time=${enc(new Date(BASE - 3600e3).toISOString())}` +
        `&end_time=${enc(new Date(BASE + 3600e3).toISOString())}`);
  });
});

describe("live answers of writes and of the extensions match the document", () => {
  const CONFIG = `quality-${RUN}`;
  let ds, examples, exp;

  it("annotation configs, span annotations and notes", async () => {
    await check("/v1/annotation_configs", "/v1/annotation_configs", 200, "post", {
      name: CONFIG, type: "CATEGORICAL", optimization_direction: "MAXIMIZE",
      values: [{ label: "good", score: 1 }, { label: "bad", score: 0 }],
    });
    await check("/v1/annotation_configs/{config_identifier}", `/v1/annotation_configs/${enc(CONFIG)}`);
    const spanId = tripA.rows[0].spanId;
    await check("/v1/span_annotations", "/v1/span_annotations?sync=true", 200, "post", {
      data: [{ span_id: spanId, name: CONFIG, annotator_kind: "LLM", result: { label: "good", score: 1 } }],
    });
    await check("/v1/span_notes", "/v1/span_notes", 200, "post", { data: { span_id: spanId, note: "looks right" } });
    const list = await check("/v1/projects/{project_identifier}/span_annotations",
      `/v1/projects/${enc(PROJECT)}/span_annotations?span_ids=${spanId}`);
    assert.equal(list.data.length, 2);
    await check("/v1/evaluators/agreement", `/v1/evaluators/agreement?project_id=${enc(PROJECT)}&name=${enc(CONFIG)}`);
  });

  it("document annotations: write, read, delete", async () => {
    // a RETRIEVER span with two retrieved documents
    const traceId = "d0c0".repeat(8), spanId = "d0c5".repeat(4);
    const docs = {};
    for (const [i, id] of ["doc-a", "doc-b"].entries()) {
      docs[`retrieval.documents.${i}.document.id`] = id;
      docs[`retrieval.documents.${i}.document.content`] = `content ${i}`;
      docs[`retrieval.documents.${i}.document.score`] = 0.9 - i / 10;
    }
    const span = otlpSpan({ traceId, spanId, name: "retrieve", startMs: BASE, endMs: BASE + 20,
      attributes: { "openinference.span.kind": "RETRIEVER", "input.value": "q", ...docs } });
    const r = await server.postTraces(Buffer.from(JSON.stringify(exportRequest([span], { projectName: PROJECT }))),
      { "content-type": "application/json" });
    assert.equal(r.status, 200, show(r));
    const posted = await check("/v1/document_annotations", "/v1/document_annotations?sync=true", 200, "post", {
      data: [0, 1].map((position) => ({ span_id: spanId, document_position: position, name: "relevance",
        annotator_kind: "HUMAN", result: { label: position ? "irrelevant" : "relevant", score: position ? 0 : 1 } })),
    });
    assert.equal(posted.data.length, 2);
    await check("/v1/document_annotations", "/v1/document_annotations", 422, "post", {
      data: [{ span_id: spanId, document_position: 2, name: "relevance", annotator_kind: "HUMAN", result: { label: "relevant" } }],
    });
    const listed = await check("/v1/projects/{project_identifier}/document_annotations",
      `/v1/projects/${enc(PROJECT)}/document_annotations?span_ids=${spanId}`);
    assert.deepEqual(listed.data.map((a) => [a.document_position, a.result.label]), [[0, "relevant"], [1, "irrelevant"]]);
    const del = await server.request("DELETE", `/v1/projects/${enc(PROJECT)}/document_annotations?delete_all=true&name=relevance`);
    assert.equal(del.status, 204, show(del));
    const left = await check("/v1/projects/{project_identifier}/document_annotations",
      `/v1/projects/${enc(PROJECT)}/document_annotations?span_ids=${spanId}`);
    assert.deepEqual(left.data, []);
  });

  it("dataset edits, labels, from_spans", async () => {
    ds = (await server.getOk(`/v1/datasets?name=${enc(DATASET)}`)).data[0];
    examples = (await server.getOk(`/v1/datasets/${enc(ds.id)}/examples`)).data.examples;
    const edit = await check("/v1/datasets/{id}/examples/{example_id}",
      `/v1/datasets/${enc(ds.id)}/examples/${enc(examples[1].id)}`, 200, "patch", { output: { a: 2 }, version_description: "fix" });
    assert.equal(edit.data.changed, true);
    await check("/v1/dataset_labels", "/v1/dataset_labels", 200, "post", { name: `lab-${RUN}`, color: "#112233" });
    const labelled = await check("/v1/datasets/{dataset_identifier}/labels", `/v1/datasets/${enc(ds.id)}/labels`, 200, "put",
      { labels: [`lab-${RUN}`] });
    assert.equal(labelled.data.labels.length, 1);
    await check("/v1/datasets/from_spans", "/v1/datasets/from_spans", 200, "post",
      { name: `spans-${RUN}`, span_ids: [tripA.rows[0].spanId] });
    const gone = await check("/v1/datasets/{id}/examples/{example_id}",
      `/v1/datasets/${enc(`spans-${RUN}`)}/examples/${enc((await server.getOk(`/v1/datasets/${enc(`spans-${RUN}`)}/examples`)).data.examples[0].id)}`,
      200, "delete");
    assert.equal(gone.data.example, null);
  });

  it("experiments, runs, evaluations, downloads and statistics", async () => {
    exp = (await check("/v1/datasets/{dataset_id}/experiments", `/v1/datasets/${enc(ds.id)}/experiments`, 200, "post",
      { name: `exp-${RUN}` })).data;
    const t0 = new Date(BASE).toISOString(), t1 = new Date(BASE + 1000).toISOString();
    let runId;
    for (const ex of examples) {
      const run = await check("/v1/experiments/{experiment_id}/runs", `/v1/experiments/${enc(exp.id)}/runs`, 200, "post",
        { dataset_example_id: ex.id, output: { answer: ex.input.q }, repetition_number: 1, start_time: t0, end_time: t1 });
      runId ??= run.data.id;
    }
    await check("/v1/experiment_evaluations", "/v1/experiment_evaluations", 200, "post", {
      experiment_run_id: runId, name: "correct", annotator_kind: "CODE", start_time: t0, end_time: t1,
      result: { label: "pass", score: 1, explanation: null },
    });
    await check("/v1/experiments/{experiment_id}", `/v1/experiments/${enc(exp.id)}`);
    await check("/v1/datasets/{dataset_id}/experiments", `/v1/datasets/${enc(ds.id)}/experiments`);
    const runs = await check("/v1/experiments/{experiment_id}/runs", `/v1/experiments/${enc(exp.id)}/runs`);
    assert.equal(runs.data.length, 2);
    await check("/v1/experiments/{experiment_id}/incomplete-runs", `/v1/experiments/${enc(exp.id)}/incomplete-runs`);
    const ie = await check("/v1/experiments/{experiment_id}/incomplete-evaluations",
      `/v1/experiments/${enc(exp.id)}/incomplete-evaluations?evaluation_name=correct`);
    assert.equal(ie.data.length, 1);
    await check("/v1/experiments/{experiment_id}/json", `/v1/experiments/${enc(exp.id)}/json`);
    await check("/v1/experiments/{experiment_id}/summary", `/v1/experiments/${enc(exp.id)}/summary?resamples=100`);
    await check("/v1/experiments/compare",
      `/v1/experiments/compare?baseline=${enc(exp.id)}&candidate=${enc(exp.id)}&resamples=100`);
    await check("/v1/experiments/{experiment_id}", `/v1/experiments/${enc(exp.id)}`, 200, "patch", { description: "d" });
    const st = await check("/v1/experiments/{experiment_id}/status", `/v1/experiments/${enc(exp.id)}/status`);
    assert.equal(st.data.runs.total, 2);
    await check("/v1/datasets/{dataset_id}/experiments/run", `/v1/datasets/${enc(ds.id)}/experiments/run`, 422, "post",
      { prompt: "Q: {q}" });
    await check("/v1/dataset_example_annotations", "/v1/dataset_example_annotations", 200, "post", {
      data: [{ example_id: examples[0].id, name: "correct", annotator_kind: "HUMAN", result: { label: "pass" }, user_id: "alice" }],
    });
    await check("/v1/dataset_example_annotations", `/v1/dataset_example_annotations?dataset_id=${enc(ds.id)}`);
  });

  it("labelling queues: create, items, next, submit, progress", async () => {
    const qu = (await check("/v1/annotation_queues", "/v1/annotation_queues", 200, "post",
      { name: `queue-${RUN}`, annotation_configs: [CONFIG], instructions: "judge it" })).data;
    const q = `/v1/annotation_queues/${enc(qu.id)}`;
    await check("/v1/annotation_queues/{queue_id}", q);
    const added = await check("/v1/annotation_queues/{queue_id}/items", `${q}/items`, 200, "post", {
      items: [{ kind: "span", id: tripA.rows[0].spanId }, { kind: "trace", id: tripA.traceId }, { kind: "example", id: examples[0].id }],
    });
    assert.equal(added.data.added, 3);
    const next = await check("/v1/annotation_queues/{queue_id}/next", `${q}/next`, 200, "post", { annotator: "alice" });
    await check("/v1/annotation_queues/{queue_id}/items/{item_id}/submit", `${q}/items/${enc(next.data.id)}/submit`, 200, "post",
      { annotator: "alice", annotations: [{ name: CONFIG, label: "good" }] });
    const next2 = await check("/v1/annotation_queues/{queue_id}/next", `${q}/next`, 200, "post", { annotator: "alice" });
    await check("/v1/annotation_queues/{queue_id}/items/{item_id}/skip", `${q}/items/${enc(next2.data.id)}/skip`, 200, "post",
      { annotator: "alice" });
    await check("/v1/annotation_queues/{queue_id}/items", `${q}/items?status=all`);
    const prog = await check("/v1/annotation_queues/{queue_id}/progress", `${q}/progress`);
    assert.equal(prog.data.complete, 1);
    await check("/v1/annotation_queues/{queue_id}", q, 200, "patch", { description: "weekly" });
  });

  it("error answers of writes use the Error schema", async () => {
    const dup = await check("/v1/projects", "/v1/projects", 409, "post", { name: PROJECT });
    assert.equal(dup.code, "conflict");
    await check("/v1/datasets/{dataset_id}/experiments", `/v1/datasets/no-such-${RUN}/experiments`, 404, "post", {});
    await check("/v1/projects/{project_identifier}/spans", `/v1/projects/${enc(PROJECT)}/spans?filter=${enc("latency_ms >")}`, 400);
  });
});
