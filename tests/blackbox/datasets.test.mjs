// Datasets: Phoenix's REST v1 upload (JSON and multipart, CSV / JSONL,
// gzip), versioning (update is declarative, re-running it is a no-op),
// example listings and downloads, errors (400 naming the line, 404, 409,
// 422), the real @arizeai/phoenix-client dataset functions, datasets from
// spans sent over OTLP, and the `assay datasets` CLI round trip.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { after, before, describe, it } from "node:test";

import {
  appendDatasetExamples,
  createDataset,
  getDatasetExamples,
  getDatasetInfo,
} from "@arizeai/phoenix-client/datasets";
// listDatasets ships in the package but is not in its exports map.
import { listDatasets } from "./node_modules/@arizeai/phoenix-client/dist/esm/datasets/listDatasets.js";

import { exportRequest, otlpSpan, randomSpanId, randomTraceId } from "./lib/otel.mjs";
import { ASSAY_BIN, decodeGlobalId, show, startServer } from "./lib/server.mjs";

const RUN = Date.now().toString(36);
let server;
let px;

before(async () => {
  server = await startServer();
  px = server.phoenix();
});
after(async () => {
  const status = await server?.stop();
  // under ASan a leak or an error makes the exit status non-zero
  assert.equal(status?.code, 0, `server exit ${JSON.stringify(status)}: ${server?.stderr()}`);
  assert.doesNotMatch(server.stderr(), /Sanitizer/);
});

const upload = (body) => server.postJSON("/v1/datasets/upload?sync=true", body);

/** multipart/form-data upload through fetch's FormData. */
async function uploadForm(fields, file, { type, filename }) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
  }
  form.append("file", new Blob([file], { type }), filename);
  const res = await fetch(`${server.url}/v1/datasets/upload?sync=true`, { method: "POST", body: form });
  return { status: res.status, json: await res.json() };
}

async function examples(id, query = "") {
  const r = await server.get(`/v1/datasets/${encodeURIComponent(id)}/examples${query}`);
  assert.equal(r.status, 200, show(r));
  return r.json().data;
}

describe("JSON upload and versioning", () => {
  const name = `ds-json-${RUN}`;
  let dsId, v1;

  it("creates a dataset and lists its examples with Phoenix's fields", async () => {
    const r = await upload({
      action: "create",
      name,
      description: "first",
      inputs: [{ q: "what is 2+2?" }, { q: "capital of France?" }],
      outputs: [{ a: "4" }, { a: "Paris" }],
      metadata: [{ topic: "math" }, { topic: "geo" }],
      splits: ["train", ["test", "hard"]],
    });
    assert.equal(r.status, 200, show(r));
    const d = r.json().data;
    assert.equal(decodeGlobalId(d.dataset_id).type, "Dataset");
    assert.equal(decodeGlobalId(d.version_id).type, "DatasetVersion");
    assert.deepEqual([d.num_created_examples, d.num_updated_examples, d.num_deleted_examples], [2, 0, 0]);
    dsId = d.dataset_id;
    v1 = d.version_id;
    const ex = await examples(dsId);
    assert.equal(ex.dataset_id, dsId);
    assert.equal(ex.version_id, v1);
    assert.deepEqual(ex.filtered_splits, []);
    assert.equal(ex.examples.length, 2);
    const [a, b] = ex.examples;
    assert.deepEqual(a.input, { q: "what is 2+2?" });
    assert.deepEqual(a.output, { a: "4" });
    assert.deepEqual(a.metadata, { topic: "math" });
    assert.equal(decodeGlobalId(a.id).type, "DatasetExample");
    assert.equal(a.node_id, a.id);
    assert.ok(!Number.isNaN(Date.parse(a.updated_at)));
    assert.deepEqual(b.splits.sort(), ["hard", "test"]);
    const onlyTest = await examples(dsId, "?split=test");
    assert.deepEqual(onlyTest.filtered_splits, ["test"]);
    assert.deepEqual(onlyTest.examples.map((e) => e.input.q), ["capital of France?"]);
  });

  it("GET /v1/datasets/{id} by GlobalID and by name; list filters by name", async () => {
    for (const ident of [dsId, name]) {
      const r = await server.get(`/v1/datasets/${encodeURIComponent(ident)}`);
      assert.equal(r.status, 200, show(r));
      const d = r.json().data;
      assert.equal(d.id, dsId);
      assert.equal(d.name, name);
      assert.equal(d.description, "first");
      assert.deepEqual(d.metadata, {});
      assert.equal(d.example_count, 2);
    }
    const l = await server.get(`/v1/datasets?name=${encodeURIComponent(name)}`);
    assert.equal(l.status, 200, show(l));
    assert.deepEqual(l.json().data.map((d) => d.id), [dsId]);
  });

  it("update is declarative: a re-run is a no-op, changes make one version", async () => {
    const same = {
      action: "update",
      name,
      inputs: [{ q: "what is 2+2?" }, { q: "capital of France?" }],
      outputs: [{ a: "4" }, { a: "Paris" }],
      metadata: [{ topic: "math" }, { topic: "geo" }],
    };
    const r = await upload(same);
    assert.equal(r.status, 200, show(r));
    const d = r.json().data;
    assert.deepEqual([d.num_created_examples, d.num_updated_examples, d.num_deleted_examples], [0, 0, 0]);
    assert.equal(d.version_id, v1, "no new version");
    const r2 = await upload({ ...same, inputs: [same.inputs[0], { q: "capital of Spain?" }], outputs: [{ a: "4" }, { a: "Madrid" }] });
    const d2 = r2.json().data;
    assert.deepEqual([d2.num_created_examples, d2.num_updated_examples, d2.num_deleted_examples], [1, 0, 1]);
    assert.notEqual(d2.version_id, v1);
    const vs = await server.get(`/v1/datasets/${dsId}/versions`);
    assert.equal(vs.status, 200, show(vs));
    assert.deepEqual(vs.json().data.map((v) => v.version_id), [d2.version_id, v1], "newest first");
    const old = await examples(dsId, `?version_id=${encodeURIComponent(v1)}`);
    assert.deepEqual(old.examples.map((e) => e.input.q), ["what is 2+2?", "capital of France?"]);
    const cur = await examples(dsId);
    assert.deepEqual(cur.examples.map((e) => e.input.q), ["what is 2+2?", "capital of Spain?"]);
  });

  it("downloads: csv, jsonl, openai_ft, openai_evals", async () => {
    const csv = await server.get(`/v1/datasets/${dsId}/csv`);
    assert.equal(csv.status, 200, show(csv));
    assert.match(csv.headers["content-type"], /text\/csv/);
    assert.equal(csv.headers["content-disposition"], `attachment; filename="${name}.csv"`);
    const lines = csv.text().trim().split("\r\n");
    assert.equal(lines[0], "example_id,input_q,output_a,metadata_topic");
    assert.match(lines[2], /,capital of Spain\?,Madrid,geo$/);
    const jl = await server.get(`/v1/datasets/${dsId}/jsonl`);
    assert.equal(jl.headers["content-disposition"], `attachment; filename="${name}.jsonl"`);
    assert.deepEqual(jl.text().trim().split("\n").map((l) => JSON.parse(l)), [
      { input: { q: "what is 2+2?" }, output: { a: "4" }, metadata: { topic: "math" } },
      { input: { q: "capital of Spain?" }, output: { a: "Madrid" }, metadata: { topic: "geo" } },
    ]);
    const chat = `chat-${RUN}`;
    const c = await upload({
      name: chat,
      inputs: [{ messages: [{ role: "user", content: "hi" }] }],
      outputs: [{ messages: [{ role: "assistant", content: "hello" }] }],
    });
    assert.equal(c.status, 200, show(c));
    const ft = await server.get(`/v1/datasets/${chat}/jsonl/openai_ft`);
    assert.equal(ft.headers["content-disposition"], `attachment; filename="${chat}.jsonl"`);
    assert.deepEqual(JSON.parse(ft.text()), {
      messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }],
    });
    const ev = await server.get(`/v1/datasets/${chat}/jsonl/openai_evals`);
    assert.equal(ev.headers["content-disposition"], `attachment; filename="${chat}.jsonl"`);
    assert.deepEqual(JSON.parse(ev.text()), { messages: [{ role: "user", content: "hi" }], ideal: "hello" });
    // a name that is not safe in a header: every other byte becomes '_'
    const o = await upload({ name: `my "odd" name é ${RUN}`, inputs: [{ q: 1 }] });
    assert.equal(o.status, 200, show(o));
    const od = await server.get(`/v1/datasets/${o.json().data.dataset_id}/csv`);
    assert.equal(od.status, 200, show(od));
    assert.equal(od.headers["content-disposition"], `attachment; filename="my__odd__name____${RUN}.csv"`);
  });

  it("errors: 409 conflicting create, 404 unknown dataset, 422 mismatched arrays and bad action", async () => {
    const c = await upload({ action: "create", name, inputs: [{ q: 1 }] });
    assert.equal(c.status, 409, show(c));
    assert.match(c.json().detail, /already exists/);
    const a = await upload({ action: "append", name: `missing-${RUN}`, inputs: [{ q: 1 }] });
    assert.equal(a.status, 404, show(a));
    for (const p of ["/v1/datasets/nope-" + RUN, "/v1/datasets/RGF0YXNldDo5OTk5OQ==/examples"]) {
      const r = await server.get(p);
      assert.equal(r.status, 404, `${p}: ${show(r)}`);
    }
    const m = await upload({ name: `m-${RUN}`, inputs: [{}, {}], outputs: [{}], metadata: [{}, {}] });
    assert.equal(m.status, 422, show(m));
    assert.match(m.json().detail, /'outputs' has 1 elements but 'inputs' has 2/);
    const t = await upload({ name: `m-${RUN}`, inputs: [{}, "x"] });
    assert.equal(t.status, 422, show(t));
    assert.match(t.json().detail, /'inputs'\[1\]/);
    const b = await upload({ action: "merge", name: `m-${RUN}`, inputs: [] });
    assert.equal(b.status, 422, show(b));
    assert.match(b.json().detail, /Invalid dataset action/);
    const gone = await server.get(`/v1/datasets/m-${RUN}`);
    assert.equal(gone.status, 404, "nothing written by failed uploads");
  });

  it("DELETE /v1/datasets/{id} answers 204, then 404", async () => {
    const n = `del-${RUN}`;
    const r = await upload({ name: n, inputs: [{ q: 1 }] });
    const id = r.json().data.dataset_id;
    const d = await server.request("DELETE", `/v1/datasets/${id}`);
    assert.equal(d.status, 204, show(d));
    assert.equal((await server.request("DELETE", `/v1/datasets/${id}`)).status, 404);
    assert.equal((await server.get(`/v1/datasets/${id}`)).status, 404);
  });
});

describe("editing one example (assay extension)", () => {
  const name = `ds-edit-${RUN}`;
  let dsId, exA, exB;
  const patch = (id, ex, body) =>
    server.request("PATCH", `/v1/datasets/${encodeURIComponent(id)}/examples/${encodeURIComponent(ex)}`, {
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify(body)),
    });
  const del = (id, ex) => server.request("DELETE", `/v1/datasets/${encodeURIComponent(id)}/examples/${encodeURIComponent(ex)}`);
  const versions = async (id) => (await server.getOk(`/v1/datasets/${encodeURIComponent(id)}/versions`)).data;

  before(async () => {
    const r = await upload({ action: "create", name, inputs: [{ q: "a" }, { q: "b" }], outputs: [{ a: 1 }, { a: 2 }], metadata: [{ m: 1 }, { m: 2 }] });
    assert.equal(r.status, 200, show(r));
    dsId = r.json().data.dataset_id;
    [exA, exB] = (await examples(dsId)).examples.map((e) => e.id);
  });

  it("PATCH replaces the given members, keeps the others, and makes a new version", async () => {
    const before = await versions(dsId);
    const r = await patch(dsId, exA, { output: { a: 10 }, splits: ["hard"], version_description: "fix a" });
    assert.equal(r.status, 200, show(r));
    const d = r.json().data;
    assert.equal(d.dataset_id, dsId);
    assert.equal(d.changed, true);
    assert.equal(d.example.id, exA);
    assert.deepEqual([d.example.input, d.example.output, d.example.metadata, d.example.splits], [{ q: "a" }, { a: 10 }, { m: 1 }, ["hard"]]);
    const after = await versions(dsId);
    assert.equal(after.length, before.length + 1);
    assert.equal(after[0].version_id, d.version_id);
    assert.equal(after[0].description, "fix a");
    // the old version still shows the old content
    const old = await examples(dsId, `?version_id=${encodeURIComponent(before[0].version_id)}`);
    assert.deepEqual(old.examples.find((e) => e.id === exA).output, { a: 1 });
    const now = await examples(dsId);
    assert.deepEqual(now.examples.find((e) => e.id === exA).output, { a: 10 });
  });

  it("PATCH with the same content changes nothing and makes no version", async () => {
    const n = (await versions(dsId)).length;
    const r = await patch(dsId, exA, { output: { a: 10 } });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json().data.changed, false);
    assert.equal((await versions(dsId)).length, n);
  });

  it("DELETE removes the example from a new version only", async () => {
    const n = (await versions(dsId)).length;
    const r = await del(dsId, exB);
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json().data.example, null);
    assert.equal((await versions(dsId)).length, n + 1);
    assert.deepEqual((await examples(dsId)).examples.map((e) => e.id), [exA]);
    assert.equal((await server.getOk(`/v1/datasets/${encodeURIComponent(dsId)}`)).data.example_count, 1);
    // deleting again: it is not in the latest version any more
    const again = await del(dsId, exB);
    assert.equal(again.status, 404, show(again));
    assert.match(again.json().detail, /not in the latest version/);
  });

  it("bad edits are refused with a message naming the problem, and change nothing", async () => {
    const n = (await versions(dsId)).length;
    const cases = [
      [{ input: "text" }, 422, /must be JSON objects/],
      [{ inptu: {} }, 422, /unknown field 'inptu'/],
      [{ splits: [1] }, 422, /splits/],
      [{ version_description: 5 }, 422, /version_description/],
    ];
    for (const [body, status, re] of cases) {
      const r = await patch(dsId, exA, body);
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${show(r)}`);
      assert.match(r.json().detail, re);
    }
    const bad = await server.request("PATCH", `/v1/datasets/${encodeURIComponent(dsId)}/examples/${encodeURIComponent(exA)}`, {
      headers: { "content-type": "application/json" }, body: Buffer.from("{oops"),
    });
    assert.equal(bad.status, 400, show(bad));
    assert.equal((await patch(dsId, "nope", { output: {} })).status, 422);
    assert.equal((await patch("no-such-dataset", exA, { output: {} })).status, 404);
    assert.equal((await versions(dsId)).length, n);
    assert.deepEqual((await examples(dsId)).examples.find((e) => e.id === exA).output, { a: 10 });
  });
});

describe("dataset labels (assay extension)", () => {
  const put = (p, body) =>
    server.request("PUT", p, { headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify(body)) });

  it("create, attach, list with the dataset, detach, delete; bad input names the field", async () => {
    const a = await server.postJSON("/v1/dataset_labels", { name: `golden-${RUN}`, color: "#1f77b4" });
    assert.equal(a.status, 200, show(a));
    const la = a.json().data;
    assert.equal(la.name, `golden-${RUN}`);
    assert.equal(la.color, "#1f77b4");
    assert.equal(decodeGlobalId(la.id).type, "DatasetLabel");
    const b = await server.postJSON("/v1/dataset_labels", { name: `prod-${RUN}`, description: "from production" });
    assert.equal(b.status, 200, show(b));
    assert.equal((await server.postJSON("/v1/dataset_labels", { name: `prod-${RUN}` })).status, 409);
    const bad = await server.postJSON("/v1/dataset_labels", { name: "x", color: "blue" });
    assert.equal(bad.status, 422, show(bad));
    assert.match(bad.json().detail, /color/);

    const ds = (await upload({ name: `lab-${RUN}`, inputs: [{ q: 1 }] })).json().data.dataset_id;
    const set = await put(`/v1/datasets/${ds}/labels`, { labels: [`prod-${RUN}`, la.id] });
    assert.equal(set.status, 200, show(set));
    assert.deepEqual(set.json().data.labels.map((l) => l.name), [`golden-${RUN}`, `prod-${RUN}`]);
    const got = (await server.get(`/v1/datasets/${ds}`)).json().data;
    assert.deepEqual(got.labels.map((l) => l.color), ["#1f77b4", null]);
    const listed = (await server.get("/v1/dataset_labels")).json().data.find((l) => l.id === la.id);
    assert.equal(listed.dataset_count, 1);

    const unknown = await put(`/v1/datasets/${ds}/labels`, { labels: ["no-such-label"] });
    assert.equal(unknown.status, 404, show(unknown));
    assert.match(unknown.json().detail, /no-such-label/);
    assert.equal((await server.get(`/v1/datasets/${ds}`)).json().data.labels.length, 2, "a failed PUT changes nothing");

    assert.equal((await server.request("DELETE", `/v1/dataset_labels/${encodeURIComponent(`golden-${RUN}`)}`)).status, 204);
    assert.deepEqual((await server.get(`/v1/datasets/${ds}`)).json().data.labels.map((l) => l.name), [`prod-${RUN}`]);
    const cleared = await put(`/v1/datasets/${ds}/labels`, { labels: [] });
    assert.deepEqual(cleared.json().data.labels, []);
  });
});

describe("multipart upload", () => {
  it("CSV with input/output/metadata keys and a split column", async () => {
    const csv = 'q,a,src,split\n"hello, world",1,web,train\nbye,2,app,"[""test"",""x""]"\n';
    const r = await uploadForm(
      { name: `mp-csv-${RUN}`, "input_keys[]": "q", "output_keys[]": "a", "metadata_keys[]": "src", split_key: "split" },
      csv,
      { type: "text/csv", filename: "data.csv" },
    );
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.data.num_created_examples, 2);
    const ex = await examples(r.json.data.dataset_id);
    assert.deepEqual(ex.examples.map((e) => [e.input, e.output, e.metadata]), [
      [{ q: "hello, world" }, { a: "1" }, { src: "web" }],
      [{ q: "bye" }, { a: "2" }, { src: "app" }],
    ]);
    assert.deepEqual(ex.examples[1].splits.sort(), ["test", "x"]);
  });

  it("gzip JSONL (by part type, by magic bytes) keeps JSON types", async () => {
    const jsonl = '{"q":{"deep":[1,2]},"n":1.5,"flag":true}\n{"q":"s","n":2,"flag":false}\n';
    const gz = zlib.gzipSync(Buffer.from(jsonl));
    for (const [i, opts] of [
      [1, { type: "application/gzip", filename: "rows.jsonl.gz" }],
      [2, { type: "application/jsonl", filename: "rows" }],
    ]) {
      const r = await uploadForm({ name: `mp-gz-${i}-${RUN}`, "input_keys[]": ["q", "n"], "output_keys[]": "flag" }, gz, opts);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const ex = await examples(r.json.data.dataset_id);
      assert.deepEqual(ex.examples.map((e) => [e.input, e.output]), [
        [{ q: { deep: [1, 2] }, n: 1.5 }, { flag: true }],
        [{ q: "s", n: 2 }, { flag: false }],
      ]);
    }
  });

  it("malformed CSV is a 400 naming the line; a missing key is a 422 naming key and line", async () => {
    const bad = await uploadForm({ name: `mp-bad-${RUN}`, "input_keys[]": "q" }, 'q,a\nx,1\n"y,2\n', {
      type: "text/csv",
      filename: "bad.csv",
    });
    assert.equal(bad.status, 400, JSON.stringify(bad.json));
    assert.match(bad.json.detail, /bad\.csv:3/);
    const miss = await uploadForm({ name: `mp-miss-${RUN}`, "input_keys[]": "q" }, '{"q":1}\n{"z":2}\n', {
      type: "application/jsonl",
      filename: "m.jsonl",
    });
    assert.equal(miss.status, 422, JSON.stringify(miss.json));
    assert.match(miss.json.detail, /m\.jsonl:2: key 'q' is missing/);
    const badJson = await uploadForm({ name: `mp-bj-${RUN}`, "input_keys[]": "q" }, '{"q":1}\n{"q":\n', {
      type: "application/x-ndjson",
      filename: "b.jsonl",
    });
    assert.equal(badJson.status, 400, JSON.stringify(badJson.json));
    assert.match(badJson.json.detail, /b\.jsonl:2/);
    assert.equal((await server.get(`/v1/datasets/mp-miss-${RUN}`)).status, 404, "nothing written");
  });
});

describe("the Phoenix client", () => {
  const name = `client-${RUN}`;
  it("createDataset (update action), getDatasetExamples, appendDatasetExamples, listDatasets, getDatasetInfo", async () => {
    const { datasetId } = await createDataset({
      client: px,
      name,
      description: "from the client",
      examples: [
        { input: { question: "q1" }, output: { answer: "a1" }, metadata: { k: 1 } },
        { input: { question: "q2" }, output: { answer: "a2" }, splits: "dev" },
      ],
    });
    assert.equal(decodeGlobalId(datasetId).type, "Dataset");
    // createDataset again with the same examples: no new version
    const before = await getDatasetExamples({ client: px, dataset: { datasetId } });
    await createDataset({
      client: px,
      name,
      description: "from the client",
      examples: [
        { input: { question: "q1" }, output: { answer: "a1" }, metadata: { k: 1 } },
        { input: { question: "q2" }, output: { answer: "a2" }, splits: "dev" },
      ],
    });
    const same = await getDatasetExamples({ client: px, dataset: { datasetId } });
    assert.equal(same.versionId, before.versionId);
    assert.deepEqual(
      same.examples.map((e) => [e.input, e.output, e.metadata]),
      [
        [{ question: "q1" }, { answer: "a1" }, { k: 1 }],
        [{ question: "q2" }, { answer: "a2" }, {}],
      ],
    );
    assert.ok(same.examples[0].updatedAt instanceof Date && !Number.isNaN(same.examples[0].updatedAt.getTime()));
    const dev = await getDatasetExamples({ client: px, dataset: { datasetId, splits: ["dev"] } });
    assert.deepEqual(dev.examples.map((e) => e.input.question), ["q2"]);
    const { versionId } = await appendDatasetExamples({
      client: px,
      dataset: { datasetName: name },
      examples: [{ input: { question: "q3" }, output: { answer: "a3" } }],
    });
    assert.notEqual(versionId, before.versionId);
    const after3 = await getDatasetExamples({ client: px, dataset: { datasetName: name } });
    assert.deepEqual(after3.examples.map((e) => e.input.question), ["q1", "q2", "q3"]);
    const old = await getDatasetExamples({ client: px, dataset: { datasetId, versionId: before.versionId } });
    assert.equal(old.examples.length, 2);
    const info = await getDatasetInfo({ client: px, dataset: { datasetId } });
    assert.equal(info.name, name);
    assert.equal(info.description, "from the client");
    const all = await listDatasets({ client: px });
    const mine = all.find((d) => d.id === datasetId);
    assert.ok(mine, "listed");
    assert.equal(mine.example_count, 3);
  });
});

describe("datasets from spans", () => {
  it("span_ids in a JSON upload and POST /v1/datasets/from_spans after OTLP ingest", async () => {
    const traceId = randomTraceId();
    const s1 = randomSpanId();
    const s2 = randomSpanId();
    const now = Date.now();
    const spans = [
      otlpSpan({
        traceId, spanId: s1, name: "qa", startMs: now, endMs: now + 5,
        attributes: { "openinference.span.kind": "LLM", "input.value": '{"question":"why?"}', "output.value": "because" },
      }),
      otlpSpan({
        traceId, spanId: s2, parentSpanId: s1, name: "tool", startMs: now + 1, endMs: now + 2,
        attributes: { "openinference.span.kind": "TOOL", "input.value": "plain text" },
      }),
    ];
    const t = await server.postTraces(Buffer.from(JSON.stringify(exportRequest(spans, { projectName: `p-${RUN}` }))), {
      "content-type": "application/json",
    });
    assert.equal(t.status, 200, show(t));
    const name = `spans-${RUN}`;
    const r = await server.postJSON("/v1/datasets/from_spans", { name, span_ids: [s1, s2] });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json().data.num_created_examples, 2);
    const ex = await examples(name);
    assert.deepEqual(ex.examples.map((e) => [e.input, e.output]), [
      [{ question: "why?" }, { output: "because" }],
      [{ input: "plain text" }, {}],
    ]);
    assert.deepEqual(ex.examples[0].metadata, { span_name: "qa", span_kind: "LLM", trace_id: traceId, span_id: s1 });
    assert.equal(ex.examples[0].source_span_id, s1);
    const unknown = randomSpanId();
    const nf = await server.postJSON("/v1/datasets/from_spans", { name, span_ids: [s1, unknown] });
    assert.equal(nf.status, 404, show(nf));
    assert.match(nf.json().detail, new RegExp(unknown));
    const linked = await upload({ name: `linked-${RUN}`, inputs: [{ a: 1 }], span_ids: [s2] });
    assert.equal(linked.status, 200, show(linked));
    const lx = await examples(`linked-${RUN}`);
    assert.equal(lx.examples[0].source_span_id, s2);
  });
});

describe("assay datasets CLI", () => {
  it("upload then export gives back the input; errors exit 1 / 2", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "assay-ds-cli-"));
    try {
      const file = path.join(dir, "in.jsonl");
      const text =
        '{"input":{"q":"a","n":1.5},"output":{"a":[1,2]},"metadata":{"m":"x"}}\n' +
        '{"input":{"q":"ü"},"output":{},"metadata":{}}\n';
      fs.writeFileSync(file, text);
      const data = path.join(dir, "data");
      const run = (...args) => spawnSync(ASSAY_BIN, ["datasets", ...args, "--data", data], { encoding: "utf8" });
      const up = run("upload", file, "--name", "cli");
      assert.equal(up.status, 0, up.stderr);
      assert.match(up.stdout, /2 created/);
      const again = run("upload", file, "--name", "cli", "--action", "update");
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /no change/);
      const out = path.join(dir, "out.jsonl");
      const ex = run("export", "cli", "--out", out);
      assert.equal(ex.status, 0, ex.stderr);
      assert.equal(fs.readFileSync(out, "utf8"), text);
      const list = run("list");
      assert.equal(list.status, 0, list.stderr);
      assert.match(list.stdout, /cli\s+2/);
      const dup = run("upload", file, "--name", "cli");
      assert.equal(dup.status, 1);
      assert.match(dup.stderr, /already exists/);
      fs.writeFileSync(path.join(dir, "bad.csv"), 'q\n"x\n');
      const bad = run("upload", path.join(dir, "bad.csv"), "--name", "b", "--input-keys", "q");
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /bad\.csv:2/);
      assert.equal(run("export", "nope").status, 1);
      assert.equal(run("upload").status, 2);
      assert.equal(run("frobnicate").status, 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("stored example counts", () => {
  it("every dataset's example_count equals the examples of its latest version (after all the uploads, updates, edits and deletes above)", async () => {
    const list = (await server.getOk("/v1/datasets?limit=1000")).data;
    assert.ok(list.length >= 5, `${list.length} datasets`);
    for (const d of list) {
      const ex = await examples(d.id);
      assert.equal(d.example_count, ex.examples.length, `${d.name}: listed count ${d.example_count}, examples ${ex.examples.length}`);
    }
  });
});

