// Browser tests of the experiment pages: the list with pass rates and
// intervals, one experiment, the comparison (verdicts in words, outputs side
// by side, filters) and judge agreement (figures, confusion matrix,
// disagreements, "Use as few-shot example" and the YAML block).
//   cd tests/ui && ASSAY_BIN=../../build/dev/assay node --test experiments.test.mjs
// The data is built over REST here (not `assay demo`): a dataset of 40
// examples and three experiments -
//   correctness (LLM): A passes 14, B 36 (clearly better), C 5 (worse; one failed run)
//   mentions_budget (CODE): equal pass rates, 2 + 2 discordant examples (cannot tell)
// and human labels (alice on examples 0-29, bob on 0-9) that disagree with
// B's judge on examples 2, 5 and 9, with a tie (alice vs bob) on example 0.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ASSAY_BIN, startAssay, uiOrigin, launchBrowser, newPage, screenshot, scaled, clean as assertClean, closeAll } from "./lib/harness.mjs";
import { sendSpans, span } from "../../ui/scripts/seed-traces.mjs";

const N = 40;
const TRICKY = 'Plan: 3 days in "Tokyo" # budget\n  under $500 - yes: \'no\' <img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
const T = (s) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

async function call(url, method, path, body) {
  const r = await fetch(url + path, { method, headers: body ? { "content-type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined });
  const t = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${t}`);
  return t ? JSON.parse(t) : null;
}

const A_CORRECT = (i) => i < 16 && i !== 4 && i !== 9;
const B_CORRECT = (i) => ![4, 9, 36, 37].includes(i);
const C_CORRECT = (i) => i < 6 && i !== 4;
const A_BUDGET = (i) => (i % 2 === 0 && i !== 0 && i !== 2) || i === 1 || i === 3;
const B_BUDGET = (i) => i % 2 === 0;
// humans (alice on 0..29, bob on 0..9): agree with B's judge except 2, 5 (incorrect) and 9 (correct); bob disagrees with alice on 0
const aliceLabel = (i) => ([2, 5].includes(i) ? false : i === 9 ? true : B_CORRECT(i));

async function seed(url, { dataset = "trip-requests" } = {}) {
  const inputs = [], outputs = [], metadata = [];
  for (let i = 0; i < N; i++) {
    inputs.push({ question: i === 2 ? TRICKY : `Trip request ${i}: 3 days in city ${i}` });
    outputs.push({ answer: `reference plan ${i}` });
    metadata.push({ n: i });
  }
  const up = await call(url, "POST", "/v1/datasets/upload?sync=true", { action: "create", name: dataset, inputs, outputs, metadata });
  const dsId = up.data.dataset_id;
  const ex = (await call(url, "GET", `/v1/datasets/${dsId}/examples`)).data.examples;
  const byN = new Map(ex.map((e) => [e.metadata.n, e.id]));
  const examples = Array.from({ length: N }, (_, i) => byN.get(i));
  const exps = {};
  const plan = [
    ["prompt A", "A", A_CORRECT, A_BUDGET, { prompt: "Plan the trip: {question}", assay_demo: true }],
    ["prompt B", "B", B_CORRECT, B_BUDGET, { prompt: "You are a careful planner. {question}" }],
    ["prompt C", "C", C_CORRECT, B_BUDGET, { prompt: "short: {question}" }],
  ];
  for (const [name, tag, correct, budget, md] of plan) {
    const e = (await call(url, "POST", `/v1/datasets/${dsId}/experiments`, { name, metadata: md, repetitions: 1 })).data;
    exps[tag] = e.id;
    for (let i = 0; i < N; i++) {
      const failed = tag === "C" && i === 39;
      const run = (await call(url, "POST", `/v1/experiments/${e.id}/runs`, {
        dataset_example_id: examples[i], output: failed ? null : { answer: `${tag} answer ${i}` }, repetition_number: 1,
        start_time: T(i), end_time: new Date(Date.parse(T(i)) + 200 + 10 * i).toISOString(), error: failed ? "timeout after 30 s" : undefined,
      })).data.id;
      if (failed) continue;
      const ok = correct(i);
      await call(url, "POST", "/v1/experiment_evaluations", {
        experiment_run_id: run, name: "correctness", annotator_kind: "LLM", start_time: T(i), end_time: T(i + 1),
        result: { label: ok ? "correct" : "incorrect", score: ok ? 1 : 0, explanation: `${tag}: the plan ${ok ? "answers" : "misses"} request ${i}` },
      });
      const b = budget(i);
      await call(url, "POST", "/v1/experiment_evaluations", {
        experiment_run_id: run, name: "mentions_budget", annotator_kind: "CODE", start_time: T(i), end_time: T(i + 1),
        result: { score: b ? 1 : 0 },
      });
    }
  }
  const data = [];
  for (let i = 0; i < 30; i++) {
    data.push({ example_id: examples[i], name: "correctness", annotator_kind: "HUMAN", result: { label: aliceLabel(i) ? "correct" : "incorrect" }, identifier: "alice", user_id: "alice" });
    if (i < 10) {
      const bob = i === 0 ? !aliceLabel(i) : aliceLabel(i);
      data.push({ example_id: examples[i], name: "correctness", annotator_kind: "HUMAN", result: { label: bob ? "correct" : "incorrect" }, identifier: "bob", user_id: "bob" });
    }
  }
  await call(url, "POST", "/v1/dataset_example_annotations", { data });
  return { datasetId: dsId, examples, exps };
}


/** Project "support-bot": 8 LLM spans judged "relevance" (irrelevant on 6, 7), alice labels 0-5 (irrelevant on 1). */
async function seedProject(url) {
  const hex = (n, w) => n.toString(16).padStart(w, "0");
  const t0 = Date.now() - 60_000;
  const spans = Array.from({ length: 8 }, (_, i) => span({
    traceId: hex(0xabc00 + i, 32), spanId: hex(0x5100 + i, 16), name: "ChatCompletion", kind: "LLM", start: t0 + i * 1000, end: t0 + i * 1000 + 300,
    attrs: { "input.value": `question ${i}: is "yes" a word?`, "output.value": `answer ${i}` },
  }));
  await sendSpans(url, "support-bot", spans);
  const data = [];
  for (let i = 0; i < 8; i++) {
    const ok = i < 6;
    data.push({ span_id: hex(0x5100 + i, 16), name: "relevance", annotator_kind: "LLM", identifier: "",
      result: { label: ok ? "relevant" : "irrelevant", explanation: `judge on span ${i}` } });
    if (i < 6) data.push({ span_id: hex(0x5100 + i, 16), name: "relevance", annotator_kind: "HUMAN", identifier: "alice",
      result: { label: i === 1 ? "irrelevant" : "relevant" } });
  }
  await call(url, "POST", "/v1/span_annotations?sync=true", { data });
  return hex(0x5101, 16);
}

/** The mock LLM server next to the assay binary (make builds it), or null. */
async function startMock() {
  const bin = process.env.ASSAY_MOCKLLM || path.join(path.dirname(ASSAY_BIN), "mockllm");
  if (!fs.existsSync(bin)) return null;
  const proc = spawn(bin, ["--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("mockllm did not start")), scaled(10000));
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /mockllm: listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on("exit", (code) => reject(new Error(`mockllm exited ${code}`)));
  });
  return { url, stop: () => proc.kill("SIGTERM") };
}

let assay, origin, browser, data, projectTarget, mock;

before(async () => {
  assay = await startAssay();
  data = await seed(assay.url);
  projectTarget = await seedProject(assay.url);
  origin = await uiOrigin(assay.url);
  browser = await launchBrowser();
});

after(async () => {
  mock?.stop();
  await closeAll(browser, origin, assay);
});

async function clean(page, problems, what) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, `${what}: injected script ran`);
  assert.equal(await page.locator("main img, main script").count(), 0, `${what}: content became markup`);
  assertClean(problems, what);
}

const api = async (path) => {
  const r = await fetch(assay.url + path);
  assert.ok(r.ok, `${path}: ${r.status}`);
  return (await r.json()).data;
};

/** statsmodels proportion_confint(k, n, method="wilson") */
function wilson(k, n) {
  const z = 1.959963984540054, p = k / n, d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [c - h, c + h];
}
const pc = (x) => (x * 100 !== 0 && x * 100 < 10 ? (x * 100).toFixed(1) : String(Math.round(x * 100)));
const wait = { timeout: scaled(15000) };

describe("experiments", () => {
  test("list: pass rates with intervals per evaluator, status, errors; pick and compare", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/experiments`);
    const row = (name) => page.getByTestId("experiment-row").filter({ has: page.getByRole("link", { name, exact: true }) });
    const [lo, hi] = wilson(36, 40);
    await row("prompt B").getByText(`correctness 90% [${pc(lo)}–${pc(hi)}%]`).waitFor(wait);
    assert.equal(`[${pc(lo)}–${pc(hi)}%]`, "[77–96%]");
    const [clo, chi] = wilson(5, 39);
    await row("prompt C").getByText(`correctness 13% [${pc(clo)}–${pc(chi)}%]`).waitFor(wait);
    await row("prompt C").getByText("mentions_budget 51%").waitFor(wait);
    // newest first
    const names = await page.getByTestId("experiment-row").locator("td:nth-child(3) a").allInnerTexts();
    assert.deepEqual(names, ["prompt C", "prompt B", "prompt A"]);
    const cText = await row("prompt C").innerText();
    assert.match(cText, /40 \/ 40\s+1\b/, cText); // runs / examples, then the failed run
    assert.match(cText, /complete/);
    assert.equal(await row("prompt A").getByText("demo data").count(), 1);
    assert.equal(await row("prompt B").getByText("demo data").count(), 0);
    await screenshot(page, "experiments-1-list");
    await row("prompt A").getByTestId("pick-baseline").check();
    await row("prompt B").getByTestId("pick-candidate").check();
    await row("prompt C").getByTestId("pick-candidate").check();
    await page.getByTestId("compare-button").click();
    await page.getByTestId("verdict").first().waitFor(wait);
    const u = new URL(page.url());
    assert.equal(u.pathname, "/experiments/compare");
    assert.equal(u.searchParams.get("baseline"), data.exps.A);
    assert.deepEqual(u.searchParams.getAll("candidate"), [data.exps.B, data.exps.C]);
    await clean(page, problems, "experiments list");
    await context.close();
  });

  test("one experiment: summary, metadata, runs with evaluations, exports", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/experiments/${data.exps.B}`);
    await page.getByTestId("run-row").first().waitFor(wait);
    const summary = await page.getByTestId("summary").innerText();
    assert.match(summary, /40 \/ 40/);
    assert.match(summary, /90%\s+correctness pass rate \[77–96%\]/, summary);
    assert.match(await page.getByTestId("metadata").innerText(), /You are a careful planner\. \{question\}/);
    assert.equal(await page.getByTestId("export-json").getAttribute("href"), `/v1/experiments/${encodeURIComponent(data.exps.B)}/json`);
    assert.equal(await page.getByTestId("export-csv").getAttribute("href"), `/v1/experiments/${encodeURIComponent(data.exps.B)}/csv`);
    const first = page.getByTestId("run-row").first();
    assert.match(await first.innerText(), /B answer 0/);
    assert.equal(await first.getByTestId("eval-chip").first().getAttribute("title"), "B: the plan answers request 0");
    // the tricky example shows literally
    const third = page.getByTestId("run-row").nth(2);
    assert.match(await third.innerText(), /<img src=x onerror=/);
    await third.click();
    const detail = await page.getByTestId("run-detail").innerText();
    assert.match(detail, /B: the plan answers request 2/);
    assert.match(detail, /<script>window.__xss=2<\/script>/);
    await screenshot(page, "experiments-2-one");
    await page.goto(`${origin.url}/experiments/${data.exps.C}`);
    await page.getByTestId("run-row").first().waitFor(wait);
    await page.getByTestId("runs").evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.getByTestId("run-error").filter({ hasText: "timeout after 30 s" }).waitFor(wait);
    await clean(page, problems, "experiment");
    await context.close();
  });

  test("compare: verdicts in words with p-values, outputs side by side, filters", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/experiments/compare?baseline=${data.exps.A}&candidate=${data.exps.B}&candidate=${data.exps.C}`);
    await page.getByTestId("sbs-row").first().waitFor(wait);
    const verdict = (cand, ev) => page.locator(`[data-testid="verdict"][data-candidate="${cand}"][data-evaluator="${ev}"]`);
    assert.equal(await verdict(0, "correctness").getByTestId("verdict-word").innerText(), "better");
    assert.match(await verdict(0, "correctness").innerText(), /35%.*→ 90%/s);
    assert.match(await verdict(0, "correctness").getByTestId("verdict-figures").innerText(), /difference \+55\.0 pp \[\+37\.4 pp, \+67\.8 pp\] · p < 0\.0001/);
    assert.equal(await verdict(0, "correctness").getByTestId("examples-needed").innerText(), "examples still needed: none (about 12 detect a difference this size)");
    assert.equal(await verdict(0, "mentions_budget").getByTestId("verdict-word").innerText(), "not yet distinguishable");
    assert.match(await verdict(0, "mentions_budget").getByTestId("examples-needed").innerText(), /no difference observed/);
    assert.match(await verdict(0, "mentions_budget").getByTestId("verdict-figures").innerText(), /difference ±0\.0 pp \[−9\.4 pp, \+9\.4 pp\] · p = 1/);
    assert.equal(await verdict(1, "correctness").getByTestId("verdict-word").innerText(), "worse");
    assert.match(await verdict(1, "correctness").getByTestId("verdict-figures").innerText(), /p = 0\.0039 \(Holm p = 0\.0078\)/);
    assert.equal(await verdict(1, "mentions_budget").getByTestId("verdict-word").innerText(), "not yet distinguishable");
    // the same verdicts as the API
    const api0 = await api(`/v1/experiments/compare?baseline=${data.exps.A}&candidate=${data.exps.B}`);
    assert.deepEqual(api0.comparisons[0].evaluations.map((e) => e.verdict), ["better", "cannot_tell_yet"]);
    await screenshot(page, "experiments-3-compare");
    // outputs side by side: input | A | B | C (an object of one string shows the string)
    const first = page.getByTestId("sbs-row").first();
    assert.deepEqual(await first.getByTestId("side-output").allInnerTexts(), ["A answer 0", "B answer 0", "C answer 0"]);
    // virtualised: scrolled to the end, the last example shows C's failed run
    assert.ok((await page.getByTestId("sbs-row").count()) < 40, "all 40 rows in the DOM");
    await page.getByTestId("sbs-list").evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.getByTestId("sbs-row").filter({ hasText: "request 39" }).getByText("error: timeout after 30 s").waitFor(wait);
    // filters
    await page.getByTestId("only-regressions").check();
    await page.waitForFunction(() => new URL(location.href).searchParams.get("only") === "regressions");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="sbs-row"]').length === 11, null, wait);
    const inputs = await page.locator('[data-testid="sbs-row"] .sbs-cell:first-child .out').allInnerTexts();
    assert.deepEqual(inputs.map((s) => Number(/request (\d+)/.exec(s)?.[1] ?? -1)), [1, 3, 6, 7, 8, 10, 11, 12, 13, 14, 15]);
    await page.getByTestId("only-differ").check();
    assert.match(await page.locator("label").filter({ hasText: "only where they differ" }).innerText(), /\(35\)/);
    await page.getByTestId("sbs-row").first().click();
    const detail = await page.getByTestId("sbs-detail").innerText();
    assert.match(detail, /A: the plan answers request 0/);
    assert.match(detail, /B: the plan answers request 0/);
    await screenshot(page, "experiments-4-compare-differ");
    await clean(page, problems, "compare");
    await context.close();
  });

  test("agreement: figures from the API, confusion matrix, disagreements, few-shot example and YAML", async () => {
    const { page, context, problems } = await newPage(browser);
    const want = await api(`/v1/evaluators/agreement?experiment_id=${data.exps.B}&name=correctness`);
    assert.equal(want.counts.paired, 29);
    await page.goto(`${origin.url}/agreement?experiment=${data.exps.B}&name=correctness`);
    await page.getByTestId("confusion-matrix").waitFor(wait);
    assert.match(await page.getByTestId("accuracy").innerText(), new RegExp(`^${pc(want.accuracy)}%`));
    assert.equal(pc(want.accuracy), "90");
    const kappa = Number(want.cohen_kappa.kappa.toPrecision(3));
    const kText = await page.getByTestId("kappa").innerText();
    assert.match(kText, new RegExp(`^${kappa}\\b`));
    assert.equal(kappa, 0.346);
    assert.match(kText, /\[−0\.225, 0\.916\]/, kText);
    const cell = (id) => page.getByTestId(id).innerText();
    assert.deepEqual(await Promise.all(["cell-0-0", "cell-0-1", "cell-1-0", "cell-1-1"].map(cell)), want.confusion_matrix.counts.flat().map(String));
    assert.deepEqual(want.confusion_matrix.counts, [[25, 1], [2, 1]]);
    assert.deepEqual(await Promise.all(["row-total-0", "row-total-1", "col-total-0", "col-total-1", "matrix-total"].map(cell)), ["26", "3", "27", "2", "29"]);
    assert.match(await page.getByTestId("sensitivity").innerText(), /^96%/);
    assert.match(await page.getByTestId("specificity").innerText(), /^33%/);
    assert.match(await page.getByTestId("corrected").innerText(), new RegExp(`passes 80% \\(8\\).*${pc(want.corrected_pass_rate.estimate)}%`, "s"));
    assert.match(await page.getByTestId("inter-annotator").innerText(), /alpha 0\.791.*Fleiss' kappa 0\.78/s);
    const rows = page.getByTestId("disagreement");
    assert.equal(await rows.count(), 3);
    const dis = rows.filter({ hasText: "B: the plan answers request 2" });
    assert.equal(await dis.getByTestId("human-label").innerText(), "incorrect");
    assert.match(await dis.innerText(), /alice: incorrect, bob: incorrect/);
    assert.match(await dis.getByTestId("target-preview").innerText(), /Plan: 3 days in \\"Tokyo\\".*\n→ \{"answer":"B answer 2"\}/s);
    await page.getByTestId("fewshot-empty").waitFor(wait);
    await screenshot(page, "experiments-5-agreement");
    // make it a few-shot example, with an edited explanation
    await dis.getByTestId("fewshot-explanation").fill("Human label: incorrect. The plan ignores the $500 budget.");
    await dis.getByTestId("use-fewshot").click();
    await dis.getByText("Added to few-shot set").waitFor(wait);
    const yaml = page.getByTestId("fewshot-yaml");
    await yaml.waitFor(wait);
    const ds = await api(`/v1/datasets/correctness-few-shot/examples`);
    assert.equal(ds.examples.length, 1);
    const ex = ds.examples[0];
    // the judged output is the run's (B's), not the example's reference output
    assert.deepEqual(ex.input, { input: { question: TRICKY }, output: { answer: "B answer 2" } });
    assert.deepEqual(ex.output, { label: "incorrect", explanation: "Human label: incorrect. The plan ignores the $500 budget." });
    assert.deepEqual(ex.metadata, { source: "experiment", target_id: data.examples[2], judge_label: "correct", human_label: "incorrect" });
    const text = await yaml.innerText();
    assert.equal(text.trim(), [
      "examples:",
      `  - input: {"question": ${JSON.stringify(TRICKY)}}`,
      `    output: {"answer": "B answer 2"}`,
      "    label: incorrect",
      '    explanation: "Human label: incorrect. The plan ignores the $500 budget."',
    ].join("\n"));
    await page.getByText("Judges are files: paste this").waitFor();
    await screenshot(page, "experiments-6-agreement-fewshot");
    await clean(page, problems, "agreement");
    await context.close();
  });

  test("server-side runner: status while it runs, cancel and resume from the experiment page", async (t) => {
    mock = await startMock();
    if (!mock) return t.skip("mockllm not built next to the assay binary");
    const { page, context, problems } = await newPage(browser);
    const up = await call(assay.url, "POST", "/v1/datasets/upload?sync=true", {
      action: "create", name: "runner-requests",
      inputs: Array.from({ length: 6 }, (_, i) => ({ question: `slow question ${i}` })),
      outputs: Array.from({ length: 6 }, (_, i) => ({ answer: `answer ${i}` })),
    });
    const exp = (await call(assay.url, "POST", `/v1/datasets/${up.data.dataset_id}/experiments/run`, {
      name: "runner demo", prompt: "Answer: {question} [[mock delay_ms=700]]", model: `openai:gpt-4o-mini@${mock.url}/v1`,
      evaluators: [{ type: "code", kind: "contains", params: { value: "answer" } }], concurrency: 1, no_cache: true,
    })).data;
    await page.goto(`${origin.url}/experiments/${exp.id}`);
    const runner = page.getByTestId("runner");
    await runner.getByText("running", { exact: true }).waitFor(wait);
    await runner.getByRole("button", { name: "Cancel" }).click();
    await runner.getByText("cancelled", { exact: true }).waitFor(wait);
    assert.match(await runner.innerText(), /cancelled after \d of 6 runs/);
    await screenshot(page, "experiments-7-runner-cancelled");
    await runner.getByRole("button", { name: "Resume" }).click();
    await runner.getByText("done", { exact: true }).waitFor({ timeout: scaled(30000) });
    assert.match(await runner.innerText(), /6 \/ 6 runs done, 0 errors/);
    // the page reloads its runs when the runner stops
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 6, null, wait);
    await clean(page, problems, "runner");
    await context.close();
  });

  test("agreement over a project's spans: few-shot example from the span's input and output", async () => {
    const { page, context, problems } = await newPage(browser);
    const want = await api(`/v1/evaluators/agreement?project_id=support-bot&name=relevance`);
    assert.equal(want.counts.paired, 6);
    await page.goto(`${origin.url}/agreement?project=support-bot&name=relevance`);
    await page.getByTestId("confusion-matrix").waitFor(wait);
    assert.equal(await page.getByTestId("project-select").inputValue(), "support-bot");
    assert.match(await page.getByTestId("accuracy").innerText(), new RegExp(`^${pc(want.accuracy)}%`));
    const rows = page.getByTestId("disagreement");
    assert.equal(await rows.count(), 1);
    assert.match(await rows.innerText(), new RegExp(projectTarget));
    assert.equal(await rows.getByTestId("fewshot-explanation").inputValue(), "Human label: irrelevant; the judge said relevant: judge on span 1");
    await rows.getByTestId("use-fewshot").click();
    await page.getByTestId("fewshot-yaml").waitFor(wait);
    const ds = await api(`/v1/datasets/relevance-few-shot/examples`);
    assert.equal(ds.examples.length, 1);
    assert.deepEqual(ds.examples[0].input, { input: 'question 1: is "yes" a word?', output: "answer 1" });
    assert.deepEqual(ds.examples[0].metadata, { source: "project", target_id: projectTarget, judge_label: "relevant", human_label: "irrelevant" });
    assert.equal((await page.getByTestId("fewshot-yaml").innerText()).trim(), [
      "examples:",
      '  - input: "question 1: is \\"yes\\" a word?"',
      "    output: answer 1",
      "    label: irrelevant",
      '    explanation: "Human label: irrelevant; the judge said relevant: judge on span 1"',
    ].join("\n"));
    await clean(page, problems, "agreement (project)");
    await context.close();
  });

  test("agreement and compare without a source say what to do", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/agreement`);
    await page.getByTestId("experiment-select").waitFor(wait);
    await page.getByTestId("choose").waitFor();
    await page.getByTestId("experiment-select").selectOption(data.exps.C);
    // the evaluator name defaults to the experiment's first evaluation
    await page.waitForFunction(() => new URL(location.href).searchParams.get("name") === "correctness", null, wait);
    await page.getByTestId("confusion-matrix").waitFor(wait);
    await page.goto(`${origin.url}/experiments/compare`);
    await page.getByTestId("empty").waitFor(wait);
    await page.goto(`${origin.url}/experiments/compare?baseline=${data.exps.A}&candidate=nope`);
    assert.match(await page.getByTestId("error").innerText(), /nope/);
    await clean(page, problems.console.length ? { ...problems, console: problems.console.filter((m) => !/404/.test(m)) } : problems, "empty states");
    await context.close();
  });
});
