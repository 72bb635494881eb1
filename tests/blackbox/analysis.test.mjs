// The statistics of experiments over REST (docs/analysis.md): data goes in
// through the real client and the Phoenix-shaped endpoints (createDataset,
// POST runs, POST /v1/experiment_evaluations, POST
// /v1/dataset_example_annotations), then
//   GET /v1/experiments/{id}/summary
//   GET /v1/experiments/compare?baseline=&candidate=
//   GET /v1/evaluators/agreement?experiment_id=&name=
// are checked against values worked out by hand below (the full oracle
// check against scipy / statsmodels / sklearn is tests/stats/compare_check.py),
// plus the 404 / 422 answers.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { createClient } from "@arizeai/phoenix-client";
import { createDataset, getDatasetExamples } from "@arizeai/phoenix-client/datasets";

import { exportRequest, otlpSpan, randomSpanId, randomTraceId } from "./lib/otel.mjs";
import { globalId, show, startServer } from "./lib/server.mjs";

const RUN = Date.now().toString(36);
const N = 10;
const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-01T00:00:01Z";

let server;
let examples;          // example GlobalIDs, in upload order
let base, cand, other; // experiment GlobalIDs

async function ok(r, what) {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${show(r)}${server.diag()}`);
  return r.json();
}

async function getOk(path) {
  return (await ok(await server.get(path), `GET ${path}`)).data;
}

async function experiment(datasetId, name) {
  const r = await server.postJSON(`/v1/datasets/${datasetId}/experiments`, { name, repetitions: 1 });
  return (await ok(r, "create experiment")).data.id;
}

/** One run per example with the evaluations evals(i) = [{name, label, score}]. */
async function fill(exp, evals) {
  for (let i = 0; i < examples.length; i++) {
    const run = await ok(await server.postJSON(`/v1/experiments/${exp}/runs`, {
      dataset_example_id: examples[i], output: `out ${i}`, repetition_number: 1,
      start_time: T0, end_time: T1,
    }), "create run");
    for (const e of evals(i)) {
      await ok(await server.postJSON(`/v1/experiment_evaluations`, {
        experiment_run_id: run.data.id, name: e.name, annotator_kind: "LLM",
        start_time: T0, end_time: T1,
        result: { label: e.label ?? null, score: e.score ?? null, explanation: `judge ${i}` },
      }), "create evaluation");
    }
  }
}

/** statsmodels proportion_confint(k, n, method="wilson") */
function wilson(k, n) {
  const z = 1.959963984540054, p = k / n, d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [c - h, c + h];
}

const near = (got, want, what) => assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)),
  `${what}: got ${got}, want ${want}`);

before(async () => {
  server = await startServer();
  const px = createClient({ options: { baseUrl: server.url }, getEnvironmentOptions: () => ({}) });
  const ids = [];
  for (const name of [`an-${RUN}`, `an-other-${RUN}`]) {
    const { datasetId } = await createDataset({
      client: px, name, description: "analysis black-box",
      examples: Array.from({ length: name.includes("other") ? 1 : N },
        (_, i) => ({ input: { q: i }, output: { a: i }, metadata: {} })),
    });
    ids.push(datasetId);
  }
  const res = await getDatasetExamples({ client: px, dataset: { datasetId: ids[0] } });
  // upload order = input.q
  examples = res.examples.sort((a, b) => a.input.q - b.input.q).map((e) => e.id);
  base = await experiment(ids[0], `base-${RUN}`);
  cand = await experiment(ids[0], `cand-${RUN}`);
  other = await experiment(ids[1], `other-${RUN}`);
  // base passes examples 0-5, the candidate 0-8; quality: i/10 and i/10 + 0.05
  await fill(base, (i) => [
    { name: "correct", label: i <= 5 ? "pass" : "fail", score: i <= 5 ? 1 : 0 },
    { name: "quality", score: i / 10 },
  ]);
  await fill(cand, (i) => [
    { name: "correct", label: i <= 8 ? "pass" : "fail", score: i <= 8 ? 1 : 0 },
    { name: "quality", score: i / 10 + 0.05 },
  ]);
  // humans: alice on examples 0-7 (pass 0-4, fail 5-7), bob agrees on 0-3
  const data = [];
  for (let i = 0; i < 8; i++) {
    data.push({ example_id: examples[i], name: "correct", annotator_kind: "HUMAN",
      result: { label: i <= 4 ? "pass" : "fail" }, identifier: "alice", user_id: "alice" });
    if (i < 4)
      data.push({ example_id: examples[i], name: "correct", annotator_kind: "HUMAN",
        result: { label: "pass" }, identifier: "bob", user_id: "bob" });
  }
  await ok(await server.postJSON(`/v1/dataset_example_annotations`, { data }), "human labels");
});

after(async () => {
  if (!server) return;
  const status = await server.stop();
  assert.equal(status?.code, 0, `assay exit ${JSON.stringify(status)}${server.diag()}`);
});

describe("GET /v1/experiments/{id}/summary", () => {
  it("counts, pass rate with its Wilson interval, mean score with a bootstrap interval", async () => {
    const s = await getOk(`/v1/experiments/${base}/summary`);
    assert.equal(s.experiment.id, base);
    assert.deepEqual(s.runs, { expected: N, successful: N, failed: 0, missing: 0 });
    const correct = s.evaluations.find((e) => e.name === "correct");
    assert.equal(correct.kind, "binary");
    assert.deepEqual(correct.labels, { pass: 6, fail: 4 });
    assert.equal(correct.pass.passed, 6);
    assert.equal(correct.pass.n, 10);
    const [lo, hi] = wilson(6, 10);
    near(correct.pass.ci[0], lo, "Wilson lo");
    near(correct.pass.ci[1], hi, "Wilson hi");
    const quality = s.evaluations.find((e) => e.name === "quality");
    assert.equal(quality.kind, "score");
    near(quality.score.estimate, 0.45, "mean score");
    assert.ok(quality.score.ci[0] < 0.45 && 0.45 < quality.score.ci[1], JSON.stringify(quality.score));
    // the same seed gives the same interval
    const again = await getOk(`/v1/experiments/${base}/summary`);
    assert.deepEqual(again.evaluations, s.evaluations);
  });

  it("404 for an unknown experiment, 422 for a bad option", async () => {
    const r = await server.get(`/v1/experiments/${globalId("Experiment", 999999)}/summary`);
    assert.equal(r.status, 404, show(r));
    const b = await server.get(`/v1/experiments/${base}/summary?resamples=abc`);
    assert.equal(b.status, 422, show(b));
    assert.match(b.json().detail ?? b.text(), /resamples/);
  });
});

describe("GET /v1/experiments/compare", () => {
  it("McNemar, Wilcoxon, Holm and the verdicts", async () => {
    const d = await getOk(`/v1/experiments/compare?baseline=${base}&candidate=${cand}`);
    assert.equal(d.baseline.id, base);
    const c = d.comparisons[0];
    assert.equal(c.candidate.id, cand);
    assert.equal(c.shared_examples, N);
    const correct = c.evaluations.find((e) => e.name === "correct");
    assert.deepEqual(correct.test.table, { both_pass: 6, baseline_only_pass: 0, candidate_only_pass: 3, both_fail: 1 });
    near(correct.p_value, 0.25, "McNemar p = 2 * (1/2)^3");
    near(correct.difference.estimate, 0.3, "difference");
    assert.equal(correct.verdict, "cannot_tell_yet");
    assert.ok(correct.examples_needed.total > N, JSON.stringify(correct.examples_needed));
    const quality = c.evaluations.find((e) => e.name === "quality");
    near(quality.test.p_value, 2 / 1024, "Wilcoxon exact p, every difference positive");
    // Holm over the two: 2/1024 * 2, then max(0.25, that)
    near(quality.p_holm, 4 / 1024, "Holm p (quality)");
    near(correct.p_holm, 0.25, "Holm p (correct)");
    assert.equal(quality.verdict, "better");
    assert.equal(quality.verdict_text, "candidate better");
    assert.equal(c.differing_examples.total, 3 + N);
    const limited = await getOk(`/v1/experiments/compare?baseline=${base}&candidate=${cand}&limit=2`);
    assert.equal(limited.comparisons[0].differing_examples.items.length, 2);
  });

  it("404 unknown, 422 another dataset or no candidate", async () => {
    const u = await server.get(`/v1/experiments/compare?baseline=${base}&candidate=${globalId("Experiment", 999999)}`);
    assert.equal(u.status, 404, show(u));
    const o = await server.get(`/v1/experiments/compare?baseline=${base}&candidate=${other}`);
    assert.equal(o.status, 422, show(o));
    assert.match(o.text(), new RegExp(`an-other-${RUN}`));
    const n = await server.get(`/v1/experiments/compare?baseline=${base}`);
    assert.equal(n.status, 422, show(n));
  });
});

describe("GET /v1/evaluators/agreement", () => {
  it("the judge against the humans on the experiment's examples", async () => {
    const g = await getOk(`/v1/evaluators/agreement?experiment_id=${base}&name=correct`);
    assert.deepEqual(g.labels, ["fail", "pass"]);
    assert.equal(g.positive_label, "pass");
    assert.equal(g.counts.paired, 8);
    assert.deepEqual(g.confusion_matrix.counts, [[2, 1], [0, 5]]);
    near(g.accuracy, 7 / 8, "accuracy");
    assert.deepEqual(g.judge.counts, { tp: 5, fn: 0, fp: 1, tn: 2 });
    assert.equal(g.disagreements.total, 1);
    const dis = g.disagreements.items[0];
    assert.equal(dis.target_id, examples[5]);
    assert.equal(dis.judge_label, "pass");
    assert.equal(dis.judge_explanation, "judge 5");
    assert.equal(dis.human_label, "fail");
    assert.deepEqual(g.corrected_pass_rate.unlabelled, 2);
    assert.deepEqual(g.corrected_pass_rate.judge_passed, 0);
    assert.equal(g.inter_annotator.items, 4);
    // kappa = (po - pe) / (1 - pe), po = 7/8, pe = (3*2 + 5*6) / 64
    const pe = (3 * 2 + 5 * 6) / 64;
    near(g.cohen_kappa.kappa, (7 / 8 - pe) / (1 - pe), "Cohen's kappa");
  });

  it("over the spans of a project: LLM span annotations against HUMAN ones", async () => {
    const project = `an-proj-${RUN}`;
    const traceId = randomTraceId();
    const spans = Array.from({ length: 6 }, () => randomSpanId());
    const base = Date.parse("2026-02-01T00:00:00Z");
    const r = await server.postTraces(Buffer.from(JSON.stringify(exportRequest(
      spans.map((spanId, i) => otlpSpan({ traceId, spanId, name: `s${i}`, startMs: base, endMs: base + 1 })),
      { projectName: project }))), { "content-type": "application/json" });
    assert.equal(r.status, 200, show(r));
    // judge: relevant on 0-3, irrelevant on 4-5; carol: relevant on 0-2, irrelevant on 3-4;
    // span 5 has no human label
    const judge = (i) => (i <= 3 ? "relevant" : "irrelevant");
    const human = (i) => (i <= 2 ? "relevant" : "irrelevant");
    const data = spans.map((span_id, i) => ({ span_id, name: "relevance", annotator_kind: "LLM",
      result: { label: judge(i), explanation: `e${i}` } }));
    for (let i = 0; i < 5; i++)
      data.push({ span_id: spans[i], name: "relevance", annotator_kind: "HUMAN",
        identifier: "carol", result: { label: human(i) } });
    await ok(await server.postJSON("/v1/span_annotations?sync=true", { data }), "span annotations");
    const g = await getOk(`/v1/evaluators/agreement?project_id=${project}&name=relevance`);
    assert.equal(g.source.kind, "project");
    assert.deepEqual(g.labels, ["irrelevant", "relevant"]);
    assert.equal(g.positive_label, "relevant");
    assert.deepEqual(g.confusion_matrix.counts, [[1, 1], [0, 3]]);
    assert.equal(g.disagreements.total, 1);
    assert.equal(g.disagreements.items[0].target_id, spans[3]);
    assert.equal(g.disagreements.items[0].judge_explanation, "e3");
    assert.deepEqual(g.disagreements.items[0].annotators, [{ annotator: "carol", label: "irrelevant" }]);
    assert.equal(g.corrected_pass_rate.unlabelled, 1);
    assert.equal(g.inter_annotator, null);
  });

  it("422 for bad parameters", async () => {
    const both = await server.get(`/v1/evaluators/agreement?experiment_id=${base}&project_id=default&name=x`);
    assert.equal(both.status, 422, show(both));
    const noname = await server.get(`/v1/evaluators/agreement?experiment_id=${base}`);
    assert.equal(noname.status, 422, show(noname));
    const pos = await server.get(`/v1/evaluators/agreement?experiment_id=${base}&name=correct&positive_label=nope`);
    assert.equal(pos.status, 422, show(pos));
    const proj = await server.get(`/v1/evaluators/agreement?project_id=no-such-project&name=correct`);
    assert.equal(proj.status, 404, show(proj));
  });
});
