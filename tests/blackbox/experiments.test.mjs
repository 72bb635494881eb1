// Experiments through the real TypeScript client (@arizeai/phoenix-client):
// createDataset -> getDatasetExamples -> runExperiment (a TypeScript task
// and TypeScript code evaluators, 2 repetitions, a task that throws on one
// example) -> the runs, evaluations and task spans as stored, checked
// through REST -> resumeExperiment (only the failed runs are re-run) ->
// resumeEvaluation -> list / get / delete -> JSON and CSV exports; then
// plain-fetch checks of 404 / 409 / 422 / 400.
//
// Synchronisation: runExperiment posts evaluations without awaiting them;
// the client here counts its in-flight requests and settle() waits for
// them (no sleeps).  Task spans are flushed by the client before
// runExperiment returns and the server answers OTLP after its commit.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { createClient } from "@arizeai/phoenix-client";
import { createDataset, getDatasetExamples } from "@arizeai/phoenix-client/datasets";
import {
  asEvaluator,
  createExperiment,
  deleteExperiment,
  getExperiment,
  getExperimentInfo,
  listExperiments,
  resumeEvaluation,
  resumeExperiment,
  runExperiment,
} from "@arizeai/phoenix-client/experiments";

import { decodeGlobalId, globalId, show, startServer } from "./lib/server.mjs";

const RUN = Date.now().toString(36);
const silent = { info() {}, warn() {}, error() {}, log() {}, debug() {}, table() {} };

let server;
let px;
const pending = new Set();

/** Wait until every request the client started has been answered. */
async function settle() {
  while (pending.size) await Promise.allSettled([...pending]);
}

const getOk = (path) => server.getOk(path);

const QUESTIONS = ["alpha", "beta", "gamma"];
const ANSWERS = { alpha: "ALPHA", beta: "BETA", gamma: "GAMMA" };

// evaluators: exact match (score 1/0, label, explanation) and output length
let evalCalls = 0;
const exact = asEvaluator({
  name: "exact",
  kind: "CODE",
  evaluate: async ({ output, expected }) => {
    evalCalls++;
    const ok = output === expected.answer;
    return { score: ok ? 1 : 0, label: ok ? "match" : "miss", explanation: `got ${JSON.stringify(output)}` };
  },
});
const length = asEvaluator({
  name: "length",
  kind: "CODE",
  evaluate: async ({ output }) => {
    evalCalls++;
    return { score: typeof output === "string" ? output.length : 0, label: null, explanation: null };
  },
});

let datasetId;
let examples; // from getDatasetExamples
let experiment; // from runExperiment
let taskCalls = 0;

before(async () => {
  server = await startServer();
  const tracked = (input, init) => {
    const p = fetch(input, init);
    pending.add(p);
    p.then(
      () => pending.delete(p),
      () => pending.delete(p),
    );
    return p;
  };
  px = createClient({ options: { baseUrl: server.url, fetch: tracked }, getEnvironmentOptions: () => ({}) });
  ({ datasetId } = await createDataset({
    client: px,
    name: `exp-${RUN}`,
    description: "experiments black-box",
    examples: QUESTIONS.map((q) => ({ input: { question: q }, output: { answer: ANSWERS[q] }, metadata: { q } })),
  }));
});

after(async () => {
  await settle();
  if (!server) return;
  const status = await server.stop();
  // under ASan a leak or a memory error makes the exit status non-zero
  assert.equal(status?.code, 0, `assay exit ${JSON.stringify(status)}${server.diag()}`);
});

describe("runExperiment with the TypeScript client", () => {
  it("getDatasetExamples sees the uploaded examples", async () => {
    const res = await getDatasetExamples({ client: px, dataset: { datasetId } });
    examples = res.examples;
    assert.deepEqual(examples.map((e) => e.input.question).sort(), QUESTIONS);
    for (const e of examples) assert.equal(decodeGlobalId(e.nodeId).type, "DatasetExample");
  });

  it("runs a TypeScript task twice per example, with evaluators; failures are recorded", async () => {
    async function upper({ input }) {
      taskCalls++;
      if (input.question === "gamma") throw new Error("gamma is not supported");
      return input.question.toUpperCase();
    }
    experiment = await runExperiment({
      client: px,
      dataset: { datasetId },
      experimentName: `upper-${RUN}`,
      experimentDescription: "upper-cases the question",
      experimentMetadata: { model: "none", temperature: 0 },
      task: upper,
      evaluators: [exact, length],
      repetitions: 2,
      concurrency: 3,
      logger: silent,
    });
    await settle();
    assert.equal(taskCalls, 6);
    assert.equal(evalCalls, 12);
    assert.equal(experiment.exampleCount, 3);
    assert.equal(experiment.successfulRunCount, 4);
    assert.equal(experiment.failedRunCount, 2);
    assert.equal(experiment.missingRunCount, 0);
    assert.equal(decodeGlobalId(experiment.id).type, "Experiment");
    assert.match(experiment.projectName, /^Experiment-[0-9a-f]{24}$/);
  });

  it("GET /v1/experiments/{id} and the runs carry the right values", async () => {
    const { data } = await getOk(`/v1/experiments/${experiment.id}`);
    assert.equal(data.name, `upper-${RUN}`);
    assert.equal(data.description, "upper-cases the question");
    assert.deepEqual(data.metadata, { model: "none", temperature: 0 });
    assert.equal(data.repetitions, 2);
    assert.equal(data.dataset_id, datasetId);
    assert.equal(decodeGlobalId(data.dataset_version_id).type, "DatasetVersion");

    // paginate with limit 4: two pages
    const p1 = await getOk(`/v1/experiments/${experiment.id}/runs?limit=4`);
    assert.equal(p1.data.length, 4);
    assert.ok(p1.next_cursor);
    const p2 = await getOk(`/v1/experiments/${experiment.id}/runs?limit=4&cursor=${encodeURIComponent(p1.next_cursor)}`);
    assert.equal(p2.data.length, 2);
    assert.equal(p2.next_cursor, null);
    const runs = [...p1.data, ...p2.data];
    const byQ = {};
    for (const run of runs) {
      const ex = examples.find((e) => e.nodeId === run.dataset_example_id);
      assert.ok(ex, `run ${run.id} names an example of the dataset`);
      (byQ[ex.input.question] ??= []).push(run);
      assert.match(run.trace_id, /^[0-9a-f]{32}$/);
      assert.ok(Date.parse(run.end_time) >= Date.parse(run.start_time));
    }
    for (const q of ["alpha", "beta"]) {
      assert.deepEqual(byQ[q].map((r) => r.repetition_number).sort(), [1, 2]);
      for (const r of byQ[q]) {
        assert.equal(r.output, ANSWERS[q]);
        assert.equal(r.error, null);
      }
    }
    assert.deepEqual(byQ.gamma.map((r) => r.repetition_number).sort(), [1, 2]);
    for (const r of byQ.gamma) {
      assert.equal(r.output, null);
      assert.equal(r.error, "gamma is not supported");
    }
    // the client's getExperiment sees the same runs
    const full = await getExperiment({ client: px, experimentId: experiment.id });
    assert.equal(Object.keys(full.runs).length, 6);
  });

  it("evaluations are stored per run and name with score, label and explanation", async () => {
    const exported = await server.get(`/v1/experiments/${experiment.id}/json`);
    assert.equal(exported.headers["content-disposition"], `attachment; filename="upper-${RUN}.json"`);
    const rows = JSON.parse(exported.text());
    assert.equal(rows.length, 6);
    for (const row of rows) {
      const q = row.input.question;
      assert.deepEqual(row.reference_output, { answer: ANSWERS[q] });
      const names = row.annotations.map((a) => a.name).sort();
      assert.deepEqual(names, ["exact", "length"]);
      const ex = row.annotations.find((a) => a.name === "exact");
      const len = row.annotations.find((a) => a.name === "length");
      assert.equal(ex.annotator_kind, "CODE");
      if (q === "gamma") {
        assert.equal(ex.score, 0);
        assert.equal(ex.label, "miss");
        assert.equal(ex.explanation, "got null");
        assert.equal(len.score, 0);
      } else {
        assert.equal(ex.score, 1);
        assert.equal(ex.label, "match");
        assert.equal(ex.explanation, `got "${ANSWERS[q]}"`);
        assert.equal(len.score, q.length);
        assert.equal(len.label, null);
      }
    }
  });

  it("the task spans landed in the experiment's project", async () => {
    const { data: spans } = await getOk(`/v1/projects/${encodeURIComponent(experiment.projectName)}/spans?limit=100`);
    assert.equal(spans.length, 6);
    for (const s of spans) assert.equal(s.name, "Task: upper");
    const { data: runs } = await getOk(`/v1/experiments/${experiment.id}/runs`);
    assert.deepEqual(spans.map((s) => s.context.trace_id).sort(), runs.map((r) => r.trace_id).sort());
    assert.equal(spans.filter((s) => s.status_code === "ERROR").length, 0, "runExperiment sets OK after posting");
  });

  it("incomplete-runs lists the failed (example, repetition) pairs", async () => {
    const { data, next_cursor } = await getOk(`/v1/experiments/${experiment.id}/incomplete-runs`);
    assert.equal(next_cursor, null);
    assert.equal(data.length, 1);
    assert.equal(data[0].dataset_example.input.question, "gamma");
    assert.deepEqual(data[0].repetition_numbers, [1, 2]);
    assert.equal(data[0].dataset_example.node_id, examples.find((e) => e.input.question === "gamma").nodeId);
  });

  it("resumeExperiment re-runs only the failed runs", async () => {
    const { data: before } = await getOk(`/v1/experiments/${experiment.id}/runs`);
    const seen = [];
    async function upper({ input }) {
      seen.push(input.question);
      return input.question.toUpperCase();
    }
    await resumeExperiment({ client: px, experimentId: experiment.id, task: upper, logger: silent });
    await settle();
    assert.deepEqual(seen, ["gamma", "gamma"]);
    const info = await getExperimentInfo({ client: px, experimentId: experiment.id });
    assert.equal(info.successfulRunCount, 6);
    assert.equal(info.failedRunCount, 0);
    assert.equal(info.missingRunCount, 0);
    const { data: after } = await getOk(`/v1/experiments/${experiment.id}/runs`);
    assert.equal(after.length, 6);
    for (const b of before) {
      const a = after.find((x) => x.id === b.id);
      assert.ok(a, "a replaced run keeps its id");
      if (b.error == null) assert.deepEqual(a, b, "successful runs are untouched");
      else {
        assert.equal(a.output, "GAMMA");
        assert.equal(a.error, null);
      }
    }
    const { data: left } = await getOk(`/v1/experiments/${experiment.id}/incomplete-runs`);
    assert.equal(left.length, 0);
    // a resume with nothing left does not call the task
    await resumeExperiment({ client: px, experimentId: experiment.id, task: upper, logger: silent });
    assert.equal(seen.length, 2);
    // the resumed task spans went to the same project
    const { data: spans } = await getOk(`/v1/projects/${encodeURIComponent(experiment.projectName)}/spans?limit=100`);
    assert.equal(spans.length, 8);
  });

  it("resumeEvaluation evaluates only runs missing an evaluation", async () => {
    const q = (names) => names.map((n) => `evaluation_name=${encodeURIComponent(n)}`).join("&");
    // the replaced gamma runs lost the evaluations of their failed output
    const { data } = await getOk(`/v1/experiments/${experiment.id}/incomplete-evaluations?${q(["exact", "length"])}`);
    assert.equal(data.length, 2);
    for (const x of data) {
      assert.equal(x.dataset_example.input.question, "gamma");
      assert.deepEqual([...x.evaluation_names].sort(), ["exact", "length"]);
      assert.equal(x.experiment_run.output, "GAMMA");
    }
    evalCalls = 0;
    await resumeEvaluation({ client: px, experimentId: experiment.id, evaluators: [exact, length], logger: silent });
    await settle();
    assert.equal(evalCalls, 4);
    // a new evaluator runs on every run; one that throws leaves a failed evaluation
    let polite = 0;
    const politeness = asEvaluator({
      name: "polite",
      kind: "CODE",
      evaluate: async ({ output }) => {
        polite++;
        if (output === "BETA" && polite <= 6) throw new Error("judge unavailable");
        return { score: 1, label: "polite", explanation: "no rude words" };
      },
    });
    await resumeEvaluation({ client: px, experimentId: experiment.id, evaluators: [politeness], logger: silent });
    await settle();
    assert.equal(polite, 6);
    const { data: failed } = await getOk(`/v1/experiments/${experiment.id}/incomplete-evaluations?${q(["exact", "length", "polite"])}`);
    assert.equal(failed.length, 2, "the two beta runs have a failed 'polite'");
    for (const x of failed) assert.deepEqual(x.evaluation_names, ["polite"]);
    await resumeEvaluation({ client: px, experimentId: experiment.id, evaluators: [politeness], logger: silent });
    await settle();
    assert.equal(polite, 8);
    const { data: none } = await getOk(`/v1/experiments/${experiment.id}/incomplete-evaluations?${q(["exact", "length", "polite"])}`);
    assert.equal(none.length, 0);
    const rows = JSON.parse((await server.get(`/v1/experiments/${experiment.id}/json`)).text());
    for (const row of rows) {
      assert.equal(row.annotations.length, 3);
      const ex = row.annotations.find((a) => a.name === "exact");
      assert.equal(ex.score, 1, `${row.input.question} rep ${row.repetition_number} now matches`);
      const p = row.annotations.find((a) => a.name === "polite");
      assert.equal(p.error, null);
      assert.equal(p.label, "polite");
    }
  });

  it("CSV export: one line per run, evaluation columns per name", async () => {
    const r = await server.get(`/v1/experiments/${experiment.id}/csv`);
    assert.equal(r.status, 200);
    assert.match(r.headers["content-type"], /^text\/csv/);
    assert.equal(r.headers["content-disposition"], `attachment; filename="upper-${RUN}.csv"`);
    const lines = r.text().trimEnd().split("\n");
    assert.equal(lines.length, 7);
    const header = lines[0].split(",");
    assert.deepEqual(header.slice(0, 6), ["example_id", "repetition_number", "input", "reference_output", "output", "error"]);
    for (const col of ["annotation_exact_score", "annotation_length_score", "annotation_polite_label"])
      assert.ok(header.includes(col), col);
    // no field here contains a comma except the quoted JSON ones: check one row by its known values
    const alpha = lines.find((l) => l.includes('"{""question"": ""alpha""}"'));
    assert.ok(alpha, "input is Python-style JSON text, quoted");
    assert.ok(alpha.includes(',ALPHA,'), "the output column holds the raw string");
  });

  it("an experiment over a split runs only the split's examples", async () => {
    const { datasetId: ds } = await createDataset({
      client: px,
      name: `split-${RUN}`,
      examples: [
        { input: { question: "one" }, output: { answer: "ONE" }, splits: ["train"] },
        { input: { question: "two" }, output: { answer: "TWO" }, splits: ["test"] },
        { input: { question: "three" }, output: { answer: "THREE" }, splits: ["train", "test"] },
      ],
    });
    const seen = [];
    const res = await runExperiment({
      client: px,
      dataset: { datasetId: ds, splits: ["train"] },
      task: async ({ input }) => {
        seen.push(input.question);
        return input.question.toUpperCase();
      },
      evaluators: [exact],
      logger: silent,
    });
    await settle();
    assert.deepEqual(seen.sort(), ["one", "three"]);
    assert.equal(res.exampleCount, 2);
    assert.equal(res.successfulRunCount, 2);
    assert.equal(res.missingRunCount, 0);
    const { data: left } = await getOk(`/v1/experiments/${res.id}/incomplete-runs`);
    assert.equal(left.length, 0);
    // a run for the example outside the split is refused
    const { examples: all } = await getDatasetExamples({ client: px, dataset: { datasetId: ds } });
    const two = all.find((e) => e.input.question === "two");
    const r = await server.postJSON(`/v1/experiments/${res.id}/runs`, {
      dataset_example_id: two.nodeId, output: "TWO", repetition_number: 1,
      start_time: "2026-01-01T00:00:00Z", end_time: "2026-01-01T00:00:01Z",
    });
    assert.equal(r.status, 422, show(r));
    assert.match(r.json().detail, /splits/);
  });

  it("listExperiments / createExperiment / PATCH / deleteExperiment", async () => {
    const other = await createExperiment({ client: px, datasetId, experimentName: `empty-${RUN}`, repetitions: 3 });
    assert.equal(other.repetitions, 3);
    assert.equal(other.exampleCount, 3);
    assert.equal(other.missingRunCount, 9);
    let list = await listExperiments({ client: px, datasetId });
    assert.deepEqual(list.map((e) => e.id), [other.id, experiment.id], "newest first");
    // raw pagination
    const p1 = await getOk(`/v1/datasets/${datasetId}/experiments?limit=1`);
    assert.equal(p1.data[0].id, other.id);
    const p2 = await getOk(`/v1/datasets/${datasetId}/experiments?limit=1&cursor=${encodeURIComponent(p1.next_cursor)}`);
    assert.equal(p2.data[0].id, experiment.id);
    assert.equal(p2.next_cursor, null);

    const patched = await server.request("PATCH", `/v1/experiments/${other.id}`, {
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ description: "renamed", metadata: { v: 2 } })),
    });
    assert.equal(patched.status, 200, show(patched));
    assert.equal(patched.json().data.description, "renamed");
    assert.equal(patched.json().data.name, `empty-${RUN}`);
    assert.deepEqual(patched.json().data.metadata, { v: 2 });

    const projectName = other.projectName;
    await deleteExperiment({ client: px, experimentId: other.id, deleteProject: true });
    list = await listExperiments({ client: px, datasetId });
    assert.deepEqual(list.map((e) => e.id), [experiment.id]);
    assert.equal((await server.get(`/v1/experiments/${other.id}`)).status, 404);
    assert.equal((await server.get(`/v1/projects/${encodeURIComponent(projectName)}`)).status, 404);
    await assert.rejects(deleteExperiment({ client: px, experimentId: other.id }), /not found/i);
  });
});

describe("bad input", () => {
  const runBody = (exampleId, rep, extra = {}) => ({
    dataset_example_id: exampleId,
    output: "x",
    repetition_number: rep,
    start_time: "2026-01-01T00:00:00Z",
    end_time: "2026-01-01T00:00:01Z",
    ...extra,
  });

  it("404 for unknown datasets and experiments", async () => {
    const ghost = globalId("Experiment", 999999);
    assert.equal((await server.get(`/v1/experiments/${ghost}`)).status, 404);
    assert.equal((await server.get(`/v1/experiments/not-an-id`)).status, 404);
    assert.equal((await server.get(`/v1/experiments/${ghost}/incomplete-runs`)).status, 404);
    assert.equal((await server.postJSON(`/v1/experiments/${ghost}/runs`, runBody(examples[0].nodeId, 1))).status, 404);
    const r = await server.postJSON(`/v1/datasets/${globalId("Dataset", 999999)}/experiments`, { repetitions: 1 });
    assert.equal(r.status, 404, show(r));
    assert.equal((await server.get(`/v1/datasets/${globalId("Dataset", 999999)}/experiments`)).status, 404);
    const v = await server.postJSON(`/v1/datasets/${datasetId}/experiments`, { version_id: globalId("DatasetVersion", 999999) });
    assert.equal(v.status, 404, show(v));
    const ev = await server.postJSON(`/v1/experiment_evaluations`, {
      experiment_run_id: globalId("ExperimentRun", 999999), name: "n", annotator_kind: "CODE",
      start_time: "2026-01-01T00:00:00Z", end_time: "2026-01-01T00:00:01Z", result: { score: 1 },
    });
    assert.equal(ev.status, 404, show(ev));
  });

  it("409 for a second successful run; 422 outside the version or the repetitions", async () => {
    const dup = await server.postJSON(`/v1/experiments/${experiment.id}/runs`, runBody(examples[0].nodeId, 1));
    assert.equal(dup.status, 409, show(dup));
    assert.match(dup.json().detail, /successful run/);
    const rep = await server.postJSON(`/v1/experiments/${experiment.id}/runs`, runBody(examples[0].nodeId, 3));
    assert.equal(rep.status, 422, show(rep));
    assert.match(rep.json().detail, /repetition_number/);
    // an example of another dataset
    const { datasetId: otherDs } = await createDataset({
      client: px, name: `other-${RUN}`, examples: [{ input: { question: "delta" }, output: {} }],
    });
    const { examples: otherEx } = await getDatasetExamples({ client: px, dataset: { datasetId: otherDs } });
    const foreign = await server.postJSON(`/v1/experiments/${experiment.id}/runs`, runBody(otherEx[0].nodeId, 1));
    assert.equal(foreign.status, 422, show(foreign));
    assert.match(foreign.json().detail, /not in the experiment's dataset version/);
    // nothing was written by the failures
    const info = await getExperimentInfo({ client: px, experimentId: experiment.id });
    assert.equal(info.successfulRunCount, 6);
    assert.equal(info.failedRunCount, 0);
  });

  it("malformed bodies name the field", async () => {
    const cases = [
      [runBody("nope", 1), /dataset_example_id/],
      [runBody(examples[0].nodeId, 1, { start_time: "yesterday" }), /start_time/],
      [{ ...runBody(examples[0].nodeId, 1), output: undefined }, /output/],
      [runBody(examples[0].nodeId, "1"), /repetition_number/],
    ];
    for (const [body, re] of cases) {
      const r = await server.postJSON(`/v1/experiments/${experiment.id}/runs`, body);
      assert.equal(r.status, 422, show(r));
      assert.match(r.json().detail, re);
    }
    const bad = await server.request("POST", `/v1/experiments/${experiment.id}/runs`, {
      headers: { "content-type": "application/json" }, body: Buffer.from("{not json"),
    });
    assert.equal(bad.status, 400);
    const reps = await server.postJSON(`/v1/datasets/${datasetId}/experiments`, { repetitions: 0 });
    assert.equal(reps.status, 422);
    assert.match(reps.json().detail, /repetitions/);
    const meta = await server.postJSON(`/v1/datasets/${datasetId}/experiments`, { metadata: "x" });
    assert.equal(meta.status, 422);
    assert.match(meta.json().detail, /metadata/);
    const { data: runs } = await getOk(`/v1/experiments/${experiment.id}/runs?limit=1`);
    const evBody = {
      experiment_run_id: runs[0].id, name: "x", annotator_kind: "ROBOT",
      start_time: "2026-01-01T00:00:00Z", end_time: "2026-01-01T00:00:01Z", result: { score: 1 },
    };
    let r = await server.postJSON(`/v1/experiment_evaluations`, evBody);
    assert.equal(r.status, 422);
    assert.match(r.json().detail, /annotator_kind/);
    r = await server.postJSON(`/v1/experiment_evaluations`, { ...evBody, annotator_kind: "CODE", result: null });
    assert.equal(r.status, 422);
    assert.match(r.json().detail, /result.*error/);
    r = await server.postJSON(`/v1/experiment_evaluations`, { ...evBody, annotator_kind: "CODE", result: { score: "high" } });
    assert.equal(r.status, 422);
    assert.match(r.json().detail, /score/);
    // a boolean score is taken as 1 / 0 (Phoenix's float field); the upsert keeps one row per name
    r = await server.postJSON(`/v1/experiment_evaluations`, { ...evBody, name: "bool", annotator_kind: "HUMAN", result: { score: true } });
    assert.equal(r.status, 200, show(r));
    const again = await server.postJSON(`/v1/experiment_evaluations`, { ...evBody, name: "bool", annotator_kind: "HUMAN", result: { score: false, label: "no" } });
    assert.equal(again.json().data.id, r.json().data.id);
    const rows = JSON.parse((await server.get(`/v1/experiments/${experiment.id}/json`)).text());
    const bools = rows.flatMap((x) => x.annotations).filter((a) => a.name === "bool");
    assert.equal(bools.length, 1);
    assert.equal(bools[0].score, 0);
    assert.equal(bools[0].label, "no");
    assert.equal(bools[0].annotator_kind, "HUMAN");
    const patch = await server.request("PATCH", `/v1/experiments/${experiment.id}`, {
      headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify({ name: null })),
    });
    assert.equal(patch.status, 422);
    assert.match(patch.json().detail, /name/);
    const noNames = await server.get(`/v1/experiments/${experiment.id}/incomplete-evaluations`);
    assert.equal(noNames.status, 400);
    const badCursor = await server.get(`/v1/experiments/${experiment.id}/incomplete-runs?cursor=zzz`);
    assert.equal(badCursor.status, 422);
  });
});
