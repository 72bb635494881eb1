// Labelling queues (assay extension) end to end over REST: annotation
// configs, a queue needing two answers per item, spans sent through OTLP
// and dataset examples uploaded through /v1/datasets/upload as items,
// annotators taking items (next), answering (submit) and passing (skip),
// the progress numbers, and the answers visible as HUMAN annotations
// through GET span annotations and the dataset example annotations.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { exportRequest, otlpSpan, randomSpanId, randomTraceId } from "./lib/otel.mjs";
import { decodeGlobalId, globalId, show, startServer } from "./lib/server.mjs";

const RUN = Date.now().toString(36);
const BASE = Date.parse("2026-03-01T08:00:00.000Z");
const P = `queue-${RUN}`;
const S1 = { traceId: randomTraceId(), spanId: randomSpanId() };
const S2 = { traceId: randomTraceId(), spanId: randomSpanId() };
const enc = encodeURIComponent;

let server;
let queue; // the queue object
let examples; // [{id, ...}] of the uploaded dataset
let datasetId;
let cfgCorrect; // CATEGORICAL config
const items = {}; // name → item GlobalID

const getOk = (path) => server.getOk(path);

const postOk = (path, body) => server.postOk(path, body);

const qpath = (suffix = "") => `/v1/annotation_queues/${enc(queue.id)}${suffix}`;
const next = (annotator) => server.postJSON(qpath("/next"), { annotator });
const submit = (item, body) => server.postJSON(qpath(`/items/${enc(item)}/submit`), body);

before(async () => {
  server = await startServer();
  const spans = [
    otlpSpan({
      traceId: S1.traceId, spanId: S1.spanId, name: "answer-1", startMs: BASE, endMs: BASE + 100,
      attributes: { "openinference.span.kind": "LLM", "input.value": "capital of France?", "output.value": "Paris" },
    }),
    otlpSpan({
      traceId: S2.traceId, spanId: S2.spanId, name: "answer-2", startMs: BASE + 1000, endMs: BASE + 1100,
      attributes: { "openinference.span.kind": "LLM", "input.value": "2+2?", "output.value": "5" },
    }),
  ];
  const r = await server.postTraces(Buffer.from(JSON.stringify(exportRequest(spans, { projectName: P }))), {
    "content-type": "application/json",
  });
  assert.equal(r.status, 200, `ingest: ${show(r)}`);
  const up = await postOk("/v1/datasets/upload?sync=true", {
    action: "create",
    name: `queue-ds-${RUN}`,
    inputs: [{ question: "capital of Japan?" }],
    outputs: [{ answer: "Tokyo" }],
    metadata: [{ source: "manual" }],
  });
  datasetId = up.data.dataset_id;
  examples = (await getOk(`/v1/datasets/${enc(datasetId)}/examples`)).data.examples;
  cfgCorrect = (await postOk("/v1/annotation_configs", {
    name: `correct-${RUN}`, type: "CATEGORICAL", optimization_direction: "MAXIMIZE",
    values: [{ label: "correct", score: 1 }, { label: "incorrect", score: 0 }],
  })).data;
  await postOk("/v1/annotation_configs", {
    name: `stars-${RUN}`, type: "CONTINUOUS", optimization_direction: "MAXIMIZE", lower_bound: 1, upper_bound: 5,
  });
});

after(async () => {
  if (!server) return;
  const status = await server.stop();
  // a clean exit, and nothing from the sanitizers in an ASan build
  assert.deepEqual(status, { code: 0, signal: null }, server.diag());
  assert.doesNotMatch(server.stderr(), /AddressSanitizer|LeakSanitizer|runtime error/, server.diag());
});

describe("labelling queues", () => {
  it("create: configs by GlobalID or name, required=2; unknown config → 404 naming it; bad input → 422", async () => {
    const j = await postOk("/v1/annotation_queues", {
      name: `review-${RUN}`,
      description: "weekly review",
      instructions: "Is the answer right? 正しい?",
      required: 2,
      annotation_configs: [cfgCorrect.id, `stars-${RUN}`],
    });
    queue = j.data;
    assert.equal(decodeGlobalId(queue.id)?.type, "AnnotationQueue");
    assert.equal(queue.required, 2);
    assert.deepEqual(queue.annotation_configs.map((c) => c.name), [`correct-${RUN}`, `stars-${RUN}`]);
    assert.deepEqual(queue.progress, { total: 0, complete: 0, in_progress: 0, pending: 0 });
    const byName = (await getOk(`/v1/annotation_queues/${enc(`review-${RUN}`)}`)).data;
    assert.equal(byName.id, queue.id, "a queue is also found by its name");
    const nf = await server.get(`/v1/annotation_queues/${enc("no such queue")}`);
    assert.equal(nf.status, 404, show(nf));
    assert.match(nf.json().detail, /labelling queue 'no such queue' not found/);

    const unknown = await server.postJSON("/v1/annotation_queues", { name: `x-${RUN}`, annotation_configs: ["no-such-config"] });
    assert.equal(unknown.status, 404, show(unknown));
    assert.match(unknown.json().detail, /annotation_configs\[0\]: annotation config 'no-such-config' not found/);
    const none = await server.postJSON("/v1/annotation_queues", { name: `x-${RUN}`, annotation_configs: [] });
    assert.equal(none.status, 422, show(none));
    const req0 = await server.postJSON("/v1/annotation_queues", { name: `x-${RUN}`, required: 0, annotation_configs: [cfgCorrect.id] });
    assert.equal(req0.status, 422, show(req0));
    assert.match(req0.json().detail, /required/);
    const dup = await server.postJSON("/v1/annotation_queues", { name: `review-${RUN}`, annotation_configs: [cfgCorrect.id] });
    assert.equal(dup.status, 409, show(dup));
  });

  it("add items (spans by id, an example by GlobalID); duplicates are idempotent; unknown → 404, malformed → 422", async () => {
    const j = await postOk(qpath("/items"), {
      items: [
        { kind: "span", id: S1.spanId },
        { kind: "span", id: S2.spanId },
        { kind: "example", id: examples[0].id },
        { kind: "span", id: S1.spanId },
      ],
    });
    assert.equal(j.data.added, 3);
    assert.equal(j.data.item_ids.length, 4);
    assert.equal(j.data.item_ids[3], j.data.item_ids[0]);
    [items.s1, items.s2, items.ex] = j.data.item_ids;
    assert.equal(decodeGlobalId(items.s1)?.type, "AnnotationQueueItem");
    const again = await postOk(qpath("/items"), { items: [{ kind: "span", id: S2.spanId }] });
    assert.equal(again.data.added, 0);
    assert.deepEqual(again.data.item_ids, [items.s2]);

    const ghost = randomSpanId();
    const nf = await server.postJSON(qpath("/items"), { items: [{ kind: "span", id: S1.spanId }, { kind: "span", id: ghost }] });
    assert.equal(nf.status, 404, show(nf));
    assert.match(nf.json().detail, new RegExp(`items\\[1\\]: span '${ghost}' not found`));
    const nt = await server.postJSON(qpath("/items"), { items: [{ kind: "trace", id: "ef".repeat(16) }] });
    assert.equal(nt.status, 404, show(nt));
    const bad = await server.postJSON(qpath("/items"), { items: [{ kind: "span", id: "zz" }] });
    assert.equal(bad.status, 422, show(bad));
    assert.match(bad.json().detail, /items\[0\]\.id: 'zz'/);
    const kind = await server.postJSON(qpath("/items"), { items: [{ kind: "doc", id: "x" }] });
    assert.equal(kind.status, 422, show(kind));
    const noq = await server.postJSON(`/v1/annotation_queues/${enc(globalId("AnnotationQueue", 9999))}/items`, { items: [{ kind: "span", id: S1.spanId }] });
    assert.equal(noq.status, 404, show(noq));
    assert.equal((await getOk(qpath())).data.progress.total, 3);
  });

  it("next: oldest item first, leased; with required=2 a second annotator gets the same item, a third the next one", async () => {
    const a = await next("alice");
    assert.equal(a.status, 200, show(a));
    const item = a.json().data;
    assert.equal(item.id, items.s1);
    assert.equal(item.kind, "span");
    assert.deepEqual(item.target, { span_id: S1.spanId });
    assert.equal(item.content.name, "answer-1");
    assert.equal(item.content.input, "capital of France?");
    assert.equal(item.content.output, "Paris");
    assert.equal(item.content.attributes["output.value"], "Paris");
    assert.deepEqual(item.annotation_configs.map((c) => c.name), [`correct-${RUN}`, `stars-${RUN}`]);
    assert.equal(item.instructions, "Is the answer right? 正しい?");
    const lease = item.responses.find((r) => r.annotator === "alice");
    assert.equal(lease.status, "leased");
    assert.ok(Date.parse(lease.lease_expires) > Date.now());

    assert.equal((await next("alice")).json().data.id, items.s1, "asking again returns her leased item");
    assert.equal((await next("bob")).json().data.id, items.s1, "two answers needed: bob gets it too");
    const c = (await next("carol")).json().data;
    assert.equal(c.id, items.s2, "two leases cover s1: carol gets the next one");
    const p = (await getOk(qpath("/progress"))).data;
    assert.deepEqual([p.total, p.complete, p.in_progress, p.pending], [3, 0, 2, 1]);

    const bad = await server.postJSON(qpath("/next"), { annotator: "" });
    assert.equal(bad.status, 422, show(bad));
    assert.match(bad.json().detail, /annotator/);
    const long = await server.postJSON(qpath("/next"), { annotator: "x".repeat(129) });
    assert.equal(long.status, 422, show(long));
  });

  it("submit validates against the configs (422 naming the problem), unknown item 404", async () => {
    const cases = [
      [{ annotator: "alice", annotations: [{ name: `correct-${RUN}`, label: "maybe" }] }, /annotations\[0\]: 'correct-.*': label 'maybe' is not one of the config's labels/],
      [{ annotator: "alice", annotations: [{ name: "unknown-config", label: "correct" }] }, /annotations\[0\]\.name: 'unknown-config' is not an annotation config of this queue/],
      [{ annotator: "alice", annotations: [{ name: `stars-${RUN}`, score: 9 }] }, /score 9 is outside \[1, 5\]/],
      [{ annotator: "alice", annotations: [{ name: `stars-${RUN}` }] }, /a score is required/],
      [{ annotator: "alice", annotations: [] }, /at least one annotation or a note/],
      [{ annotations: [{ name: `correct-${RUN}`, label: "correct" }] }, /annotator/],
    ];
    for (const [body, re] of cases) {
      const r = await submit(items.s1, body);
      assert.equal(r.status, 422, `${JSON.stringify(body)}: ${show(r)}`);
      assert.match(r.json().detail, re);
    }
    const nf = await submit(globalId("AnnotationQueueItem", 99999), { annotator: "alice", annotations: [{ name: `correct-${RUN}`, label: "correct" }] });
    assert.equal(nf.status, 404, show(nf));
    // nothing was written by the failed submits
    const j = await getOk(`/v1/projects/${enc(P)}/span_annotations?span_ids=${S1.spanId}`);
    assert.equal(j.data.length, 0);
  });

  it("two answers complete an item; each annotator's answer is its own HUMAN annotation; re-submit updates", async () => {
    let r = await submit(items.s1, {
      annotator: "alice",
      annotations: [{ name: `correct-${RUN}`, label: "correct" }, { name: `stars-${RUN}`, score: 5 }],
      note: "textbook answer",
    });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json().data.done_count, 1);
    assert.equal(r.json().data.complete, false);
    r = await submit(items.s1, { annotator: "bob", annotations: [{ name: `correct-${RUN}`, label: "incorrect", explanation: "meh" }] });
    assert.equal(r.json().data.done_count, 2);
    assert.equal(r.json().data.complete, true);
    r = await submit(items.s1, { annotator: "bob", annotations: [{ name: `correct-${RUN}`, label: "correct" }] });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json().data.done_count, 2, "a re-submit does not count twice");

    const rowid = decodeGlobalId(queue.id).rowid;
    const j = await getOk(`/v1/projects/${enc(P)}/span_annotations?span_ids=${S1.spanId}`);
    const got = j.data.map((a) => [a.name, a.identifier, a.result.label, a.result.score, a.result.explanation, a.annotator_kind, a.source]);
    assert.deepEqual(got, [
      [`correct-${RUN}`, `queue:${rowid}:alice`, "correct", 1, null, "HUMAN", "APP"],
      [`stars-${RUN}`, `queue:${rowid}:alice`, null, 5, null, "HUMAN", "APP"],
      ["note", `queue:${rowid}:alice`, null, null, "textbook answer", "HUMAN", "APP"],
      [`correct-${RUN}`, `queue:${rowid}:bob`, "correct", 1, null, "HUMAN", "APP"],
    ]);
    assert.deepEqual(j.data[0].metadata, { annotator: "alice", queue_id: rowid });
  });

  it("skip; a skipped-by-all or answered item is not offered again; 204 when nothing is left", async () => {
    let r = await server.postJSON(qpath(`/items/${enc(items.s2)}/skip`), { annotator: "carol" });
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(r.json().data.responses.map((x) => [x.annotator, x.status]), [["carol", "skipped"]]);
    r = await server.postJSON(qpath(`/items/${enc(items.s1)}/skip`), { annotator: "alice" });
    assert.equal(r.status, 409, `alice answered s1 already: ${show(r)}`);

    // carol: s1 is complete, s2 skipped → the example, with its content
    const c = (await next("carol")).json().data;
    assert.equal(c.id, items.ex);
    assert.deepEqual(c.target, { example_id: examples[0].id });
    assert.deepEqual(c.content, { dataset_id: datasetId, input: { question: "capital of Japan?" }, output: { answer: "Tokyo" }, metadata: { source: "manual" } });
    r = await submit(items.ex, { annotator: "carol", annotations: [{ name: `correct-${RUN}`, label: "correct" }] });
    assert.equal(r.status, 200, show(r));
    const n = await next("carol");
    assert.equal(n.status, 204, `carol has nothing left: ${show(n)}`);

    // alice answers everything left to her until nothing is left
    const seen = [];
    for (let i = 0; i < 5; i++) {
      const x = await next("alice");
      if (x.status === 204) break;
      const it = x.json().data;
      seen.push(it.id);
      const s = await submit(it.id, { annotator: "alice", annotations: [{ name: `correct-${RUN}`, label: "incorrect" }] });
      assert.equal(s.status, 200, show(s));
    }
    assert.deepEqual(seen, [items.s2, items.ex]);
    assert.equal((await next("alice")).status, 204);
  });

  it("progress and item lists; the example's answers are dataset example annotations", async () => {
    const p = (await getOk(qpath("/progress"))).data;
    assert.equal(p.queue_id, queue.id);
    assert.equal(p.required, 2);
    assert.deepEqual([p.total, p.complete, p.in_progress, p.pending], [3, 2, 1, 0]);
    assert.deepEqual(
      p.annotators.map((a) => [a.annotator, a.done, a.skipped]),
      [["alice", 3, 0], ["bob", 1, 0], ["carol", 1, 1]],
    );
    const complete = (await getOk(qpath("/items?status=complete"))).data;
    assert.deepEqual(complete.map((i) => i.id), [items.s1, items.ex]);
    const pending = (await getOk(qpath("/items?status=pending"))).data;
    assert.deepEqual(pending.map((i) => i.id), [items.s2]);
    const page = await getOk(qpath("/items?limit=2"));
    assert.equal(page.data.length, 2);
    const rest = await getOk(qpath(`/items?limit=2&cursor=${enc(page.next_cursor)}`));
    assert.deepEqual(rest.data.map((i) => i.id), [items.ex]);
    assert.equal((await server.get(qpath("/items?status=open"))).status, 422);

    const ann = await getOk(`/v1/dataset_example_annotations?dataset_id=${enc(datasetId)}&name=${enc(`correct-${RUN}`)}`);
    assert.deepEqual(ann.data.map((a) => [a.example_id, a.user_id, a.result.label, a.result.score]), [
      [examples[0].id, "carol", "correct", 1],
      [examples[0].id, "alice", "incorrect", 0],
    ]);
    const list = await getOk("/v1/annotation_queues");
    const mine = list.data.find((q) => q.id === queue.id);
    assert.deepEqual(mine.progress, { total: 3, complete: 2, in_progress: 1, pending: 0 });
  });

  it("concurrent next calls never lease one item twice when one answer is enough", async () => {
    const q = (await postOk("/v1/annotation_queues", { name: `race-${RUN}`, required: 1, annotation_configs: [cfgCorrect.id] })).data;
    await postOk(`/v1/annotation_queues/${enc(q.id)}/items`, { items: [{ kind: "span", id: S1.spanId }, { kind: "span", id: S2.spanId }] });
    const who = Array.from({ length: 12 }, (_, i) => `racer-${i}`);
    const res = await Promise.all(who.map((annotator) => server.postJSON(`/v1/annotation_queues/${enc(q.id)}/next`, { annotator })));
    const got = res.filter((r) => r.status === 200).map((r) => r.json().data.id);
    assert.equal(res.filter((r) => r.status === 204).length, 10, res.map((r) => r.status).join(","));
    assert.equal(got.length, 2);
    assert.equal(new Set(got).size, 2, "two different items for the two winners");
    const p = (await getOk(`/v1/annotation_queues/${enc(q.id)}/progress`)).data;
    assert.deepEqual([p.total, p.in_progress, p.pending], [2, 2, 0]);
    assert.equal((await server.request("DELETE", `/v1/annotation_queues/${enc(q.id)}`)).status, 204);
  });

  it("PATCH changes fields and configs; DELETE removes the queue (its annotations stay)", async () => {
    const r = await server.request("PATCH", qpath(), {
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ required: 1, description: null, annotation_configs: [`stars-${RUN}`] })),
    });
    assert.equal(r.status, 200, show(r));
    const q = r.json().data;
    assert.equal(q.required, 1);
    assert.equal(q.description, null);
    assert.equal(q.name, `review-${RUN}`);
    assert.deepEqual(q.annotation_configs.map((c) => c.name), [`stars-${RUN}`]);
    assert.equal(q.progress.complete, 3, "with one answer needed every item is complete");
    const cfgDel = await server.request("DELETE", `/v1/annotation_configs/${enc(`stars-${RUN}`)}`);
    assert.equal(cfgDel.status, 409, `a config in use by a queue: ${show(cfgDel)}`);
    const d = await server.request("DELETE", qpath());
    assert.equal(d.status, 204, show(d));
    assert.equal((await server.get(qpath())).status, 404);
    const j = await getOk(`/v1/projects/${enc(P)}/span_annotations?span_ids=${S1.spanId}`);
    assert.equal(j.data.length, 4);
  });
});
