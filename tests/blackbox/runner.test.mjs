// The server-side experiment runner: `assay experiment run` and the REST
// extension (POST /v1/datasets/{id}/experiments/run, /cancel, /resume,
// /status) against the mock LLM.  Labels are steered by [[mock ...]]
// directives carried in the examples' input, so every expectation is exact.
// Kills are synchronised on progress output or on the status endpoint,
// never on sleeps; polling loops wait for a state, with a deadline.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { MockLLM, runAssay, tmpdir } from "./lib/mock.mjs";
import { ASSAY_BIN, AssayServer, scaled } from "./lib/server.mjs";

// `assay experiment run ARGS`; onStderr(text so far, proc) sees progress.
function runCli(args, opts = {}) {
  return runAssay(["experiment", "run", ...args], opts);
}

// Poll fn() until it returns a truthy value (a state change), with a deadline.
async function until(what, fn, ms = 60000) {
  const deadline = Date.now() + scaled(ms);
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const LABELS = ["correct", "incorrect"];

// The evaluator table at the end of `assay experiment run`: one object per
// row, by the header's column names.  Asserts that the columns are aligned
// (each value starts where its header does).
function summaryTable(stdout) {
  const lines = stdout.split("\n");
  const h = lines.findIndex((l) => /^evaluator\s+kind\s+examples\s+errors\s+pass rate/.test(l));
  assert.ok(h >= 0, stdout);
  const head = lines[h];
  const names = ["evaluator", "kind", "examples", "errors", "pass rate [95% CI]", "mean [95% CI]"];
  const starts = names.map((n) => head.indexOf(n));
  assert.ok(starts.every((x, i) => x >= 0 && (i === 0 || x > starts[i - 1])), head);
  const rows = [];
  for (const line of lines.slice(h + 1)) {
    if (line === "") break;
    const cells = starts.map((x, i) => {
      assert.ok(i === 0 || line[x - 1] === " ", `column ${names[i]} misaligned: ${line}`);
      assert.notEqual(line[x], " ", `column ${names[i]} misaligned: ${line}`);
      return line.slice(x, i + 1 < starts.length ? starts[i + 1] : undefined).trim();
    });
    rows.push({ evaluator: cells[0], kind: cells[1], examples: cells[2], errors: cells[3],
                pass: cells[4], mean: cells[5] });
  }
  return rows;
}

// "0.500 [0.215, 0.785]" from a figure and its interval, as the CLI prints it.
const esc = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const ci3 = (v, ci) => `${v.toFixed(3)} [${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]`;

// n examples; example i's question steers the judge to LABELS[i % 2].
function examples(n, tag) {
  const inputs = [];
  const outputs = [];
  for (let i = 0; i < n; i++) {
    inputs.push({ question: `${tag} question ${i}? [[mock label=${LABELS[i % 2]}]]` });
    outputs.push({ answer: `answer ${i}` });
  }
  return { inputs, outputs };
}

describe("experiment runner against the mock LLM", () => {
  let mock;
  let server;
  let dir;
  let data;
  const model = () => `openai:gpt-4o-mini@${mock.url}/v1`;
  const cliEnv = () => ({ HOME: dir, ASSAY_DATA: data });

  async function upload(name, n) {
    const { inputs, outputs } = examples(n, name);
    const res = await server.postJSON("/v1/datasets/upload?sync=true", {
      action: "create",
      name,
      inputs,
      outputs,
    });
    assert.equal(res.status, 200, res.text());
    return res.json().data.dataset_id;
  }

  async function records(expId) {
    const res = await server.get(`/v1/experiments/${expId}/json`);
    assert.equal(res.status, 200, res.text());
    return res.json();
  }

  async function status(expId) {
    const res = await server.get(`/v1/experiments/${expId}/status`);
    assert.equal(res.status, 200, res.text());
    return res.json().data;
  }

  // Mock requests split into task calls (plain text) and judge calls (tools).
  async function calls(skip = 0) {
    const reqs = (await mock.requests(256)).slice(skip);
    const task = reqs.filter((q) => !q.body.tools);
    const judge = reqs.filter((q) => q.body.tools);
    return { task, judge };
  }

  // Every (example, repetition) exactly once, successful, with its labels.
  function checkComplete(recs, n, reps, evaluators) {
    assert.equal(recs.length, n * reps);
    const keys = new Set(recs.map((r) => `${r.example_id}/${r.repetition_number}`));
    assert.equal(keys.size, n * reps, "one run per (example, repetition)");
    for (const r of recs) {
      assert.equal(r.error, null);
      const m = /question (\d+)\?/.exec(r.input.question);
      const i = Number(m[1]);
      assert.match(r.output, new RegExp(`LABEL: ${LABELS[i % 2]}`));
      assert.ok(r.prompt_token_count > 0 && r.completion_token_count > 0);
      assert.match(r.trace_id, /^[0-9a-f]{32}$/);
      const names = r.annotations.map((a) => a.name).sort();
      assert.deepEqual(names, [...evaluators].sort());
      for (const a of r.annotations) assert.equal(a.error, null, `${a.name}: ${a.error}`);
      const qa = r.annotations.find((a) => a.name === "qa_correctness");
      if (qa) {
        assert.equal(qa.label, LABELS[i % 2]);
        assert.equal(qa.score, i % 2 === 0 ? 1 : 0);
        assert.equal(qa.annotator_kind, "LLM");
        assert.match(qa.explanation, /mock explanation/);
      }
      const code = r.annotations.find((a) => a.name === "contains");
      if (code) {
        assert.equal(code.annotator_kind, "CODE");
        assert.equal(code.label, i % 2 === 0 ? "pass" : "fail");
      }
    }
  }

  before(async () => {
    mock = await new MockLLM().start();
    dir = tmpdir("assay-runner-");
    data = path.join(dir, "data");
    server = await new AssayServer({ dataDir: data }).start();
    fs.writeFileSync(
      path.join(dir, "answer.yaml"),
      "messages:\n  - {role: system, content: Answer in one line.}\n" +
        '  - {role: user, content: "Q: {question}"}\n',
    );
    fs.writeFileSync(
      path.join(dir, "slow.yaml"),
      'template: "Slowly: {question} [[mock delay_ms=150]]"\n',
    );
  });
  after(async () => {
    await server.stop();
    await mock.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("CLI: a judge and a code evaluator, --repeat 2: every run and evaluation stored, traced", async () => {
    await upload("cli-basic", 8);
    await mock.reset();
    const r = await runCli(
      ["--dataset", "cli-basic", "--prompt", path.join(dir, "answer.yaml"), "--model", model(),
       "--evaluator", "qa_correctness", "--evaluator", "contains:LABEL: correct",
       "--repeat", "2", "--no-cache", "--concurrency", "4"],
      { env: cliEnv() },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const m = /experiment (\d+) \((\S+)\), project (Experiment-[0-9a-f]{24})/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const expId = m[2];
    const project = m[3];
    assert.match(r.stdout, /resume with: assay experiment run --resume \d+/);
    // the end summary: this pass, then the experiment's statistics over
    // examples (a strict majority of the 2 repetitions: 4 of 8 pass)
    assert.match(r.stdout, /this pass: 16 of 16 runs done \(0 before it\), 0 failed, 32 evaluations \(0 failed\)/);
    assert.match(r.stdout, /\nexperiment answer \(\S+\): 8 examples x 2 repetitions\nruns: 16 expected, 16 successful, 0 failed, 0 missing\n/);
    const rows = summaryTable(r.stdout);
    assert.deepEqual(rows.map((x) => x.evaluator), ["contains", "qa_correctness"]);
    for (const row of rows) {
      assert.deepEqual([row.kind, row.examples, row.errors], ["binary", "8", "0"]);
      assert.equal(row.pass, "0.500 [0.215, 0.785]");     // Wilson 95% of 4 / 8
      assert.equal(row.mean, "-");
    }
    // the first experiment on its dataset: nothing to compare with yet
    assert.match(r.stdout, /compare with another experiment on this dataset:\n  assay experiment compare \d+ OTHER_EXPERIMENT\n/);
    const recs = await records(expId);
    checkComplete(recs, 8, 2, ["qa_correctness", "contains"]);
    // exactly one task call and one judge call per run
    const c = await calls();
    assert.equal(c.task.length, 16);
    assert.equal(c.judge.length, 16);
    for (const q of c.task) {
      assert.equal(q.body.messages[0].role, "system");
      assert.match(q.body.messages[1].content, /^Q: cli-basic question \d+\?/);
    }
    const exp = (await server.get(`/v1/experiments/${expId}`)).json().data;
    assert.equal(exp.successful_run_count, 16);
    assert.equal(exp.project_name, project);
    const st = await status(expId);
    assert.equal(st.status, "done");
    assert.equal(st.active, false);
    assert.deepEqual(st.runs, { total: 16, done: 16, succeeded: 16, errors: 0 });

    // traces: a "Task: answer" root per run with an LLM child carrying tokens
    const spans = (await server.get(`/v1/projects/${project}/spans?limit=1000`)).json().data;
    const tasks = spans.filter((s) => s.name === "Task: answer");
    assert.equal(tasks.length, 16);
    for (const t of tasks) assert.equal(t.span_kind, "CHAIN");
    const runTraces = new Set(recs.map((x) => x.trace_id));
    assert.deepEqual(new Set(tasks.map((t) => t.context.trace_id)), runTraces);
    const taskIds = new Set(tasks.map((t) => t.context.span_id));
    const llm = spans.filter((s) => s.span_kind === "LLM" && taskIds.has(s.parent_id));
    assert.equal(llm.length, 16);
    for (const s of llm) {
      assert.equal(s.attributes["llm.model_name"], "gpt-4o-mini");
      assert.ok(s.attributes["llm.token_count.prompt"] > 0);
      assert.ok(s.attributes["llm.token_count.completion"] > 0);
      assert.equal(s.attributes["llm.input_messages.1.message.role"], "user");
      assert.match(s.attributes["llm.output_messages.0.message.content"], /LABEL: /);
    }
    const evals = spans.filter((s) => s.name === "Evaluation: qa_correctness");
    assert.equal(evals.length, 16);
    const qaTraces = new Set(recs.map((x) => x.annotations.find((a) => a.name === "qa_correctness").trace_id));
    assert.deepEqual(new Set(evals.map((s) => s.context.trace_id)), qaTraces);
  });

  test("CLI: the end summary is the experiment's summary (table, --json, the compare to run next)", async () => {
    // 6 examples, 3 per label; rouge_l against a reference that matches one
    // label's answer gives non-binary scores (a "score" evaluator)
    const name = "cli-summary";
    const inputs = [0, 1, 2, 3, 4, 5].map((i) => ({ question: `${name} ${i}? [[mock label=${LABELS[i % 2]}]]` }));
    const outputs = inputs.map(() => ({ answer: "LABEL: correct" }));
    const up = await server.postJSON("/v1/datasets/upload?sync=true", { action: "create", name, inputs, outputs });
    assert.equal(up.status, 200, up.text());
    const args = ["--dataset", name, "--prompt", "Q: {question}", "--model", model(),
                  "--evaluator", "qa_correctness", "--evaluator", "rouge_l", "--no-cache"];
    const r1 = await runCli(args, { env: cliEnv() });
    assert.equal(r1.code, 0, r1.stderr + r1.stdout);
    const id1 = /experiment (\d+) \((\S+)\)/.exec(r1.stdout);
    const sum1 = (await server.get(`/v1/experiments/${id1[2]}/summary`)).json().data;
    assert.match(r1.stdout, new RegExp(`\\nexperiment task \\(${esc(id1[2])}\\): 6 examples x 1 repetitions\\n` +
                                       "runs: 6 expected, 6 successful, 0 failed, 0 missing\\n"));
    const rows = summaryTable(r1.stdout);
    assert.deepEqual(rows.map((x) => x.evaluator), sum1.evaluations.map((e) => e.name));
    assert.deepEqual(rows.map((x) => x.evaluator), ["qa_correctness", "rouge_l"]);
    for (const [i, e] of sum1.evaluations.entries()) {
      assert.equal(rows[i].kind, e.kind);
      assert.equal(rows[i].examples, String(e.examples));
      assert.equal(rows[i].errors, String(e.errors));
      assert.equal(rows[i].pass, ci3(e.pass.rate, e.pass.ci));
      assert.equal(rows[i].mean, e.kind === "score" ? ci3(e.score.estimate, e.score.ci) : "-");
    }
    assert.equal(rows[0].pass, "0.500 [0.188, 0.812]");   // Wilson 95% of 3 / 6
    assert.equal(rows[1].kind, "score");
    assert.match(rows[1].mean, /^0\.\d{3} \[0\.\d{3}, 0\.\d{3}\]$/);
    assert.match(r1.stdout, new RegExp(`assay experiment compare ${id1[1]} OTHER_EXPERIMENT\\n`));

    // a second experiment on the dataset: --json prints the summary body
    // on stdout (the other lines go to stderr); the table's figures are
    // those of the REST summary
    const r2 = await runCli([...args, "--json"], { env: cliEnv() });
    assert.equal(r2.code, 0, r2.stderr + r2.stdout);
    const id2 = /experiment (\d+) \((\S+)\)/.exec(r2.stderr);
    assert.ok(id2, r2.stderr);
    assert.match(r2.stderr, /this pass: 6 of 6 runs done/);
    const body = JSON.parse(r2.stdout);
    const sum2 = (await server.get(`/v1/experiments/${id2[2]}/summary`)).json().data;
    assert.deepEqual(body.data, sum2);
    assert.equal(body.data.example_count, 6);
    assert.deepEqual(body.data.runs, { expected: 6, successful: 6, failed: 0, missing: 0 });

    // a third, as a table: it names the comparison with the previous one
    const r3 = await runCli(args, { env: cliEnv() });
    assert.equal(r3.code, 0, r3.stderr + r3.stdout);
    const id3 = /experiment (\d+) \((\S+)\)/.exec(r3.stdout);
    assert.match(r3.stdout, new RegExp(`compare with the previous experiment on this dataset:\\n` +
                                       `  assay experiment compare ${id2[1]} ${id3[1]}\\n`));
  });

  test("CLI: bad input exits 2 before any call", async () => {
    await upload("cli-bad", 2);
    await mock.reset();
    const base = ["--model", model(), "--no-cache"];
    let r = await runCli(["--dataset", "no-such-dataset", "--prompt", "Q: {question}", ...base], { env: cliEnv() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no dataset named or numbered 'no-such-dataset'/);
    r = await runCli(["--dataset", "cli-bad", "--prompt", "Q: {question}", "--evaluator", "bogus", ...base], { env: cliEnv() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown evaluator 'bogus'.*qa_correctness/);
    r = await runCli(["--dataset", "cli-bad", "--prompt", "Q: {topic}", ...base], { env: cliEnv() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /variable 'topic' is not in the input of example \d+ \(its input fields: question\)/);
    r = await runCli(["--dataset", "cli-bad", "--prompt", "Q: {question}", "--model", "nope:x"], { env: cliEnv() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nope/);
    r = await runCli(["--resume", "424242"], { env: cliEnv() });
    assert.equal(r.code, 2);
    assert.equal((await mock.stats()).requests, 0);
  });

  test("CLI: --version and --split select the examples", async () => {
    const name = "cli-select";
    const v1 = await server.postJSON("/v1/datasets/upload?sync=true", {
      action: "create", name,
      inputs: [{ question: "q0" }, { question: "q1" }, { question: "q2" }],
      outputs: [{ answer: "a0" }, { answer: "a1" }, { answer: "a2" }],
      splits: ["train", "test", "train"],
    });
    assert.equal(v1.status, 200, v1.text());
    const v1Id = v1.json().data.version_id;
    const v2 = await server.postJSON("/v1/datasets/upload?sync=true", {
      action: "append", name, inputs: [{ question: "q3" }], outputs: [{ answer: "a3" }], splits: ["train"],
    });
    assert.equal(v2.status, 200, v2.text());
    await mock.reset();
    const run = async (extra) => {
      const r = await runCli(["--dataset", name, "--prompt", "Q: {question}", "--model", model(),
                              "--evaluator", "exact_match", "--no-cache", ...extra], { env: cliEnv() });
      assert.equal(r.code, 0, r.stderr);
      const expId = /experiment \d+ \((\S+)\)/.exec(r.stdout)[1];
      return (await records(expId)).map((x) => x.input.question).sort();
    };
    assert.deepEqual(await run([]), ["q0", "q1", "q2", "q3"]);
    assert.deepEqual(await run(["--version", v1Id]), ["q0", "q1", "q2"]);
    assert.deepEqual(await run(["--split", "train"]), ["q0", "q2", "q3"]);
    assert.deepEqual(await run(["--split", "train", "--version", v1Id]), ["q0", "q2"]);
    const r = await runCli(["--dataset", name, "--prompt", "Q: {question}", "--model", model(),
                            "--split", "nosuch"], { env: cliEnv() });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no examples in these splits/);
    assert.equal((await calls()).task.length, 4 + 3 + 3 + 2);
  });

  test("CLI: a failing row is recorded and the run goes on; resume retries failed runs and evaluations", async () => {
    const dsName = "cli-fail";
    const inputs = [0, 1, 2, 3].map((i) => ({
      question: `${dsName} question ${i}? [[mock label=${LABELS[i % 2]}]]${i === 2 ? " [[mock status=400 times=1]]" : ""}`,
    }));
    const outputs = inputs.map((_, i) => ({ answer: `answer ${i}` }));
    const up = await server.postJSON("/v1/datasets/upload?sync=true", { action: "create", name: dsName, inputs, outputs });
    assert.equal(up.status, 200, up.text());
    await mock.reset();
    const args = ["--dataset", dsName, "--prompt", "Q: {question}", "--model", model(),
                  "--evaluator", "qa_correctness", "--no-cache"];
    const r1 = await runCli(args, { env: cliEnv() });
    assert.equal(r1.code, 1, r1.stderr + r1.stdout);
    assert.match(r1.stderr, /1 runs failed/);
    const [, num, expId] = /experiment (\d+) \((\S+)\)/.exec(r1.stdout);
    let recs = await records(expId);
    assert.equal(recs.length, 4);
    const failed = recs.filter((x) => x.error !== null);
    assert.equal(failed.length, 1);
    assert.match(failed[0].error, /HTTP 400/);
    assert.match(failed[0].input.question, /question 2\?/);
    assert.deepEqual(failed[0].annotations, []);
    let st = await status(expId);
    assert.equal(st.status, "done");
    assert.deepEqual(st.runs, { total: 4, done: 4, succeeded: 3, errors: 1 });

    // resume: the failed run is redone; its judge call fails once (400).
    // (no mock reset: it would reset the times=1 counters too)
    let seen = (await mock.requests(256)).length;
    const r2 = await runCli(["--resume", num], { env: cliEnv() });
    assert.equal(r2.code, 1, r2.stderr + r2.stdout);
    let c = await calls(seen);
    assert.equal(c.task.length, 1);
    assert.equal(c.judge.length, 1);
    recs = await records(expId);
    assert.equal(recs.filter((x) => x.error === null).length, 4);
    const q2 = recs.find((x) => /question 2\?/.test(x.input.question));
    assert.match(q2.annotations[0].error, /HTTP 400/);

    // resume again: only the failed evaluation is redone
    seen = (await mock.requests(256)).length;
    const r3 = await runCli(["--resume", num], { env: cliEnv() });
    assert.equal(r3.code, 0, r3.stderr + r3.stdout);
    c = await calls(seen);
    assert.equal(c.task.length, 0);
    assert.equal(c.judge.length, 1);
    recs = await records(expId);
    for (const x of recs) {
      assert.equal(x.error, null);
      assert.equal(x.annotations.length, 1);
      assert.equal(x.annotations[0].error, null);
    }
    st = await status(expId);
    assert.deepEqual(st.runs, { total: 4, done: 4, succeeded: 4, errors: 0 });
  });

  test("CLI: an endpoint that cannot be reached stops the run: status failed, exit 1, resumable", async () => {
    await upload("cli-down", 3);
    const r = await runCli(
      ["--dataset", "cli-down", "--prompt", "Q: {question}", "--model", "openai:m@http://127.0.0.1:1/v1",
       "--no-cache"],
      { env: cliEnv() },
    );
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match(r.stderr, /continue with --resume \d+/);
    const expId = /experiment \d+ \((\S+)\)/.exec(r.stdout)[1];
    const st = await status(expId);
    assert.equal(st.status, "failed");
    assert.ok(st.status_message.length > 0);
    assert.equal(st.runs.done, 0, "unreachable calls are not recorded");
  });

  test("CLI: kill -9 mid-run, then --resume completes it without calling completed rows again", async () => {
    const N = 12;
    await upload("cli-kill", N);
    await mock.reset();
    const args = ["--dataset", "cli-kill", "--prompt", path.join(dir, "slow.yaml"), "--model", model(),
                  "--evaluator", "qa_correctness", "--repeat", "2", "--concurrency", "2", "--no-cache"];
    let killedAt = -1;
    const r = await runCli(args, {
      env: cliEnv(),
      onStderr: (text, p) => {
        const all = [...text.matchAll(/(\d+)\/24 runs/g)];
        const done = all.length ? Number(all[all.length - 1][1]) : 0;
        if (killedAt < 0 && done >= 8) {
          killedAt = done;
          p.kill("SIGKILL");
        }
      },
    });
    assert.equal(r.signal, "SIGKILL", r.stderr);
    const expNum = /experiment (\d+) \((\S+)\)/.exec(r.stdout);
    assert.ok(expNum, r.stdout);
    const expId = expNum[2];

    // what the store holds after the kill
    const before = await records(expId);
    const okRuns = before.filter((x) => x.error === null);
    assert.ok(okRuns.length >= 8 && okRuns.length < 24, `${okRuns.length} runs before resume`);
    const judged = okRuns.filter((x) => x.annotations.some((a) => a.name === "qa_correctness" && a.error === null));
    const doneKeys = new Set(okRuns.map((x) => `${x.input.question}#${x.repetition_number}`));
    const missingPerQuestion = new Map();
    for (let i = 0; i < N; i++) {
      const q = `cli-kill question ${i}? [[mock label=${LABELS[i % 2]}]]`;
      let m = 0;
      for (const rep of [1, 2]) if (!doneKeys.has(`${q}#${rep}`)) m++;
      missingPerQuestion.set(q, m);
    }

    await mock.reset();
    const r2 = await runCli(["--resume", expNum[1]], { env: cliEnv() });
    assert.equal(r2.code, 0, r2.stderr + r2.stdout);
    assert.match(r2.stdout, new RegExp(`experiment ${expNum[1]} `));
    const recs = await records(expId);
    checkComplete(recs, N, 2, ["qa_correctness"]);
    // completed rows were not called again: exactly the missing task calls,
    // and judge calls for exactly the runs without an evaluation
    const c = await calls();
    assert.equal(c.task.length, 24 - okRuns.length);
    assert.equal(c.judge.length, 24 - judged.length);
    const perQuestion = new Map();
    for (const q of c.task) {
      const text = q.body.messages[0].content.replace(/^Slowly: /, "").replace(/ \[\[mock delay_ms=150\]\]$/, "");
      perQuestion.set(text, (perQuestion.get(text) || 0) + 1);
    }
    for (const [q, m] of missingPerQuestion) assert.equal(perQuestion.get(q) || 0, m, q);
    const st = await status(expId);
    assert.equal(st.status, "done");
  });

  test("REST: start, SIGKILL the server mid-run, restart: it resumes by itself and finishes", async () => {
    const N = 12;
    const dsId = await upload("rest-kill", N);
    await mock.reset();
    const res = await server.postJSON(`/v1/datasets/${dsId}/experiments/run`, {
      name: "rest kill",
      prompt: { messages: [{ role: "user", content: "Slowly: {question} [[mock delay_ms=150]]" }] },
      model: model(),
      evaluators: ["qa_correctness", { type: "code", kind: "contains", params: { value: "LABEL: correct" } }],
      repetitions: 2,
      concurrency: 2,
      no_cache: true,
    });
    assert.equal(res.status, 202, res.text());
    const exp = res.json().data;
    assert.match(exp.id, /^[A-Za-z0-9+/=]+$/);
    assert.equal(exp.status, "running");
    assert.equal(exp.repetitions, 2);
    assert.match(exp.project_name, /^Experiment-[0-9a-f]{24}$/);
    await until("6 runs", async () => (await status(exp.id)).runs.done >= 6);
    await server.kill();
    const killedTasks = (await calls()).task.length;
    await server.restart();
    const st = await until("the resumed experiment to finish", async () => {
      const s = await status(exp.id);
      return s.status === "done" ? s : null;
    });
    assert.deepEqual(st.runs, { total: 24, done: 24, succeeded: 24, errors: 0 });
    const recs = await records(exp.id);
    checkComplete(recs, N, 2, ["qa_correctness", "contains"]);
    // only the calls in flight at the kill (at most 2) were made twice
    const c = await calls();
    assert.ok(killedTasks >= 6);
    assert.ok(c.task.length >= 24 && c.task.length <= 26, `${c.task.length} task calls`);
    assert.ok(c.judge.length >= 24 && c.judge.length <= 26, `${c.judge.length} judge calls`);
    assert.match(server.stderr(), new RegExp(`experiment \\d+: resumed`));
  });

  test("REST: two experiments at once share the engine and both finish", async () => {
    const dsId = await upload("rest-two", 6);
    await mock.reset();
    const start = async (name) => {
      const res = await server.postJSON(`/v1/datasets/${dsId}/experiments/run`, {
        name,
        prompt: `${name}: {question} [[mock delay_ms=100]]`,
        model: model(),
        evaluators: ["qa_correctness"],
        concurrency: 3,
        no_cache: true,
      });
      assert.equal(res.status, 202, res.text());
      return res.json().data;
    };
    const [a, b] = await Promise.all([start("first"), start("second")]);
    assert.notEqual(a.project_name, b.project_name);
    for (const e of [a, b]) {
      const st = await until(`${e.name} to finish`, async () => {
        const s = await status(e.id);
        return s.status === "done" && !s.active ? s : null;
      });
      assert.deepEqual(st.runs, { total: 6, done: 6, succeeded: 6, errors: 0 });
      assert.deepEqual(st.evaluations, { done: 6, errors: 0 });
      checkComplete(await records(e.id), 6, 1, ["qa_correctness"]);
    }
    const c = await calls();
    assert.equal(c.task.filter((q) => q.body.messages[0].content.startsWith("first:")).length, 6);
    assert.equal(c.task.filter((q) => q.body.messages[0].content.startsWith("second:")).length, 6);
    // they overlapped: more calls in flight than one experiment's limit
    assert.ok((await mock.stats()).max_in_flight > 3);
  });

  test("REST: cancel stops it, resume finishes it; bad requests are refused", async () => {
    const N = 10;
    const dsId = await upload("rest-cancel", N);
    await mock.reset();
    const res = await server.postJSON(`/v1/datasets/${dsId}/experiments/run`, {
      prompt: "Slowly: {question} [[mock delay_ms=150]]",
      model: model(),
      evaluators: ["qa_correctness"],
      concurrency: 1,
      no_cache: true,
    });
    assert.equal(res.status, 202, res.text());
    const id = res.json().data.id;
    await until("2 runs", async () => (await status(id)).runs.done >= 2);
    const c1 = await server.postJSON(`/v1/experiments/${id}/cancel`, {});
    assert.equal(c1.status, 200, c1.text());
    assert.equal(c1.json().data.status, "cancelled");
    let st = await status(id);
    assert.equal(st.active, false);
    assert.equal(st.status, "cancelled");
    assert.ok(st.runs.done >= 2 && st.runs.done < N, `${st.runs.done} runs`);
    const doneAtCancel = st.runs.done;
    // a second cancel: not running
    assert.equal((await server.postJSON(`/v1/experiments/${id}/cancel`, {})).status, 409);
    const callsAtCancel = (await calls()).task.length;
    assert.equal(callsAtCancel, doneAtCancel, "no task call after the cancel");

    const rs = await server.postJSON(`/v1/experiments/${id}/resume`, {});
    assert.equal(rs.status, 202, rs.text());
    assert.equal(rs.json().data.status, "running");
    st = await until("the resumed experiment", async () => {
      const s = await status(id);
      return s.status === "done" && !s.active ? s : null;
    });
    assert.deepEqual(st.runs, { total: N, done: N, succeeded: N, errors: 0 });
    checkComplete(await records(id), N, 1, ["qa_correctness"]);
    assert.equal((await calls()).task.length, N, "each example called once in all");

    // bad requests: nothing is created
    const bad = async (body, code, re) => {
      const r = await server.postJSON(`/v1/datasets/${dsId}/experiments/run`, body);
      assert.equal(r.status, code, r.text());
      assert.match(r.json().detail, re);
    };
    await bad({ prompt: "{nope}", model: model() }, 422, /variable 'nope' is not in the input/);
    await bad({ prompt: "{question}", model: model(), evaluators: ["bogus"] }, 422, /unknown evaluator 'bogus'/);
    await bad({ prompt: "{question}" }, 422, /model is required/);
    await bad({ prompt: "{question}", model: model(), repetitions: 0 }, 422, /repetitions/);
    await bad({ prompt: "{question}", model: model(), evaluators: ["x.yaml"] }, 422, /command line only/);
    const nf = await server.postJSON(`/v1/datasets/RGF0YXNldDo5OTk=/experiments/run`, { prompt: "{question}", model: model() });
    assert.equal(nf.status, 404, nf.text());
    assert.equal((await server.get(`/v1/experiments/RXhwZXJpbWVudDo5OTk=/status`)).status, 404);
  });
});
