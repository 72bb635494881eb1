// `assay demo` (docs/demo.md): the recorded demo workspace, read back
// through the REST API of a server on the same data directory - the
// project with its 120 traces (parallel agents, sessions, errors), span
// annotations with judge-vs-human agreement, the dataset with two versions,
// the two experiments whose comparison says "better" for correctness and
// not for mentions_budget, the labelling queue's progress and the
// experiment judge agreement.  Then: a second run is refused and changes
// nothing; --force rebuilds the same content (also while the server runs).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { ASSAY_BIN, startServer } from "./lib/server.mjs";

const enc = encodeURIComponent;
const P = "trip-planner";
const AGENTS = ["trip_planner", "research_agent", "budget_agent", "local_experience_agent", "itinerary_agent"];
const PARALLEL = ["research_agent", "budget_agent", "local_experience_agent"];

let dataDir;
let server;

const demo = (...args) => spawnSync(ASSAY_BIN, ["demo", "--data", dataDir, ...args], { encoding: "utf8" });
const getOk = (p) => server.getOk(p);
const ns = (iso) => Date.parse(iso);

/** Every item of a cursor-paged list. */
async function all(pathname) {
  const out = [];
  let cursor = null;
  for (let page = 0; page < 100; page++) {
    const sep = pathname.includes("?") ? "&" : "?";
    const r = await getOk(`${pathname}${sep}limit=1000${cursor ? `&cursor=${enc(cursor)}` : ""}`);
    out.push(...r.data);
    cursor = r.next_cursor;
    if (!cursor) return out;
  }
  throw new Error(`${pathname}: more than 100 pages`);
}

/** The figures the tests compare before and after a second run. */
async function counts() {
  const traces = await all(`/v1/projects/${P}/traces`);
  const sessions = await all(`/v1/projects/${P}/sessions`);
  const datasets = (await getOk("/v1/datasets")).data;
  const projects = (await getOk("/v1/projects")).data.map((p) => p.name).sort();
  const queues = (await getOk("/v1/annotation_queues")).data;
  return {
    traces: traces.length,
    spans: traces.reduce((a, t) => a + t.span_count, 0),
    errorTraces: traces.filter((t) => t.error_count > 0).length,
    sessions: sessions.length,
    datasets: datasets.map((d) => [d.name, d.example_count]),
    experimentProjects: projects.filter((n) => n.startsWith("Experiment-")).length,
    projects: projects.filter((n) => !n.startsWith("Experiment-")),
    queues: queues.map((q) => [q.name, q.progress]),
  };
}

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "assay-demo-"));
  const t0 = Date.now();
  const r = demo();
  const ms = Date.now() - t0;
  assert.equal(r.status, 0, `assay demo failed: ${r.stderr}`);
  assert.match(r.stdout, /120 traces/);
  assert.match(r.stdout, /^Open http:\/\/127\.0\.0\.1:6006 \(a running server shows it on reload; else run `assay serve --data [^`]+`\)$/m);
  console.log(`# assay demo took ${ms} ms`);
  server = await startServer({ dataDir });
});

after(async () => {
  if (server) await server.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("assay demo: the project", () => {
  it("is marked as demo data and holds 120 traces in 15 sessions, 6 with errors", async () => {
    const proj = (await getOk(`/v1/projects/${P}`)).data;
    assert.ok(proj.description.startsWith("Demo data:"), proj.description);
    const c = await counts();
    assert.equal(c.traces, 120);
    assert.equal(c.spans, 1434);
    assert.equal(c.errorTraces, 6);
    assert.equal(c.sessions, 15);
    const sessions = await all(`/v1/projects/${P}/sessions`);
    for (const s of sessions) assert.ok(s.traces.length >= 2 && s.traces.length <= 5, JSON.stringify(s.traces.length));
  });

  it("has the five agents, the three sub-agents overlapping in time, LLM spans in OpenInference form", async () => {
    const spans = await all(`/v1/projects/${P}/spans`);
    const names = new Set(spans.map((s) => s.name));
    for (const n of [...AGENTS, "web_search", "currency_converter", "events_lookup", "ChatCompletion"]) {
      assert.ok(names.has(n), `span name ${n} missing`);
    }
    const byTrace = new Map();
    for (const s of spans) {
      const t = s.context.trace_id;
      if (!byTrace.has(t)) byTrace.set(t, []);
      byTrace.get(t).push(s);
    }
    assert.equal(byTrace.size, 120);
    let overlapping = 0;
    for (const list of byTrace.values()) {
      const root = list.find((s) => s.parent_id === null);
      assert.equal(root.name, "trip_planner");
      assert.equal(root.span_kind, "AGENT");
      assert.ok(["A", "B"].includes(root.attributes["metadata.variant"]));
      const agents = PARALLEL.map((n) => list.find((s) => s.name === n));
      assert.ok(agents.every((a) => a && a.parent_id === root.context.span_id));
      const latestStart = Math.max(...agents.map((a) => ns(a.start_time)));
      const earliestEnd = Math.min(...agents.map((a) => ns(a.end_time)));
      if (latestStart < earliestEnd) overlapping++;
      const itin = list.find((s) => s.name === "itinerary_agent");
      if (itin) assert.ok(ns(itin.start_time) >= Math.max(...agents.map((a) => ns(a.end_time))));
    }
    assert.equal(overlapping, 120, "the three sub-agents run in parallel in every trace");
    const llm = spans.find((s) => s.span_kind === "LLM");
    const a = llm.attributes; // flat keys, as Phoenix's REST API returns them
    assert.equal(a["llm.model_name"], "gpt-4o-mini");
    assert.equal(a["llm.provider"], "openai");
    assert.equal(a["llm.input_messages.0.message.role"], "system");
    assert.equal(a["llm.output_messages.0.message.role"], "assistant");
    assert.equal(a["llm.token_count.total"], a["llm.token_count.prompt"] + a["llm.token_count.completion"]);
    const err = spans.find((s) => s.span_kind === "TOOL" && s.status_code === "ERROR");
    const ev = err.events.find((e) => e.name === "exception");
    assert.ok(ev.attributes["exception.type"] && ev.attributes["exception.stacktrace"], JSON.stringify(ev));
  });

  it("has LLM and human helpfulness annotations with judge agreement on the project", async () => {
    const r = await getOk(`/v1/evaluators/agreement?project_id=${P}&name=helpfulness`);
    assert.equal(r.data.counts.judged, 60);
    assert.equal(r.data.counts.human_labelled, 25);
    assert.equal(r.data.counts.paired, 24);
    assert.ok(r.data.disagreements.total > 0);
    assert.equal(typeof r.data.cohen_kappa.kappa, "number");
  });
});

describe("assay demo: dataset, experiments, queue", () => {
  let dataset;
  let experiments;

  it("has the dataset with 31 examples and 2 versions, linked to root spans", async () => {
    const ds = (await getOk(`/v1/datasets?name=${enc("trip-planner-requests")}`)).data;
    assert.equal(ds.length, 1);
    dataset = ds[0];
    assert.equal(dataset.example_count, 31);
    assert.ok(dataset.description.startsWith("Demo data:"));
    const versions = (await getOk(`/v1/datasets/${enc(dataset.id)}/versions`)).data;
    assert.equal(versions.length, 2);
    const ex = (await getOk(`/v1/datasets/${enc(dataset.id)}/examples`)).data.examples;
    assert.equal(ex.length, 31);
    assert.ok(ex.every((e) => typeof e.input.question === "string" && typeof e.output.answer === "string"));
    assert.equal(ex.filter((e) => e.metadata.span_id).length, 30);
  });

  it("has experiments prompt A and prompt B marked as demo, one run per example", async () => {
    experiments = (await getOk(`/v1/datasets/${enc(dataset.id)}/experiments`)).data;
    assert.deepEqual(experiments.map((e) => e.name).sort(), ["prompt A", "prompt B"]);
    for (const e of experiments) {
      assert.equal(e.metadata.assay_demo, true);
      assert.ok(e.metadata.prompt.length > 20);
      assert.equal(e.example_count, 31);
      assert.equal(e.successful_run_count, 31);
    }
  });

  it("compares: prompt B is better on correctness, not yet on mentions_budget", async () => {
    const r = await getOk(`/v1/experiments/compare?baseline=${enc("prompt A")}&candidate=${enc("prompt B")}`);
    const evs = Object.fromEntries(r.data.comparisons[0].evaluations.map((e) => [e.name, e]));
    assert.equal(evs.correctness.baseline.pass_rate, 18 / 31);
    assert.equal(evs.correctness.candidate.pass_rate, 28 / 31);
    assert.equal(evs.correctness.verdict, "better");
    assert.equal(evs.mentions_budget.baseline.pass_rate, 22 / 31);
    assert.equal(evs.mentions_budget.candidate.pass_rate, 22 / 31);
    assert.notEqual(evs.mentions_budget.verdict, "better");
    assert.equal(evs.mentions_budget.verdict, "cannot_tell_yet");
  });

  it("has the labelling queue with answers by alice and bob", async () => {
    const q = (await getOk("/v1/annotation_queues")).data.find((x) => x.name === "Review itineraries");
    assert.ok(q, "queue missing");
    assert.ok(q.description.startsWith("Demo data:"));
    assert.deepEqual(q.progress, { total: 31, complete: 6, in_progress: 11, pending: 14 });
    const p = (await getOk(`/v1/annotation_queues/${enc(q.id)}/progress`)).data;
    const by = Object.fromEntries(p.annotators.map((a) => [a.annotator, a.done]));
    assert.deepEqual(by, { alice: 15, bob: 8 });
  });

  it("has experiment judge agreement with paired rows and disagreements", async () => {
    const b = experiments.find((e) => e.name === "prompt B");
    const r = await getOk(`/v1/evaluators/agreement?experiment_id=${enc(b.id)}&name=correctness`);
    assert.equal(r.data.counts.paired, 16);
    assert.equal(r.data.counts.human_ties, 1);
    assert.equal(r.data.disagreements.total, 2);
    assert.equal(typeof r.data.cohen_kappa.kappa, "number");
    const configs = (await getOk("/v1/annotation_configs")).data.map((c) => c.name);
    assert.ok(configs.includes("correctness") && configs.includes("helpfulness"), configs.join());
  });
});

describe("assay demo: running it again", () => {
  it("refuses without --force and changes nothing", async () => {
    const before_ = await counts();
    const r = demo();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /already holds demo data \(project 'trip-planner'.*--force/);
    assert.deepEqual(await counts(), before_);
  });

  it("rebuilds the same content with --force while the server runs", async () => {
    const before_ = await counts();
    const r = demo("--force");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /replaced/);
    assert.deepEqual(await counts(), before_);
    assert.equal(before_.experimentProjects, 2);
  });
});
