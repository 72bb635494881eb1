// XSS across every page: span content is attacker-controlled, and so is
// everything that flows from it (session ids, graph node names, annotation
// names and labels, dataset examples, experiment names, outputs and
// explanations, queue names).  Hostile text is put everywhere the API
// accepts it; each page is opened and must show it as text: nothing
// executes, no dialog opens, no <img>/<script>/<svg onload> is created and
// no link other than http(s) or same-origin paths exists.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startAssay, uiOrigin, launchBrowser, newPage, screenshot, scaled, closeAll } from "./lib/harness.mjs";
import { sendSpans, span } from "../../ui/scripts/seed-traces.mjs";

const IMG = `<img src=x onerror="window.__xss='img';alert('img')">`;
const SCRIPT = `<script>window.__xss='script';alert('script')</script>`;
const SVG = `<svg onload="window.__xss='svg'"></svg>`;
const JSURL = `javascript:window.__xss='js';alert('js')`;
const P = "xss-pages";
const wait = { timeout: scaled(15000) };
let assay, origin, browser;
const ids = {};

async function call(method, path, body) {
  const res = await fetch(assay.url + path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text).data : null;
}

before(async () => {
  assay = await startAssay();
  const now = Date.now();
  const spans = [];
  for (let t = 0; t < 2; t++) {
    const traceId = `${t}c`.repeat(16);
    const root = `0${t + 1}`.repeat(8), child = `1${t + 1}`.repeat(8);
    ids[`trace${t}`] = traceId;
    ids[`root${t}`] = root;
    spans.push(
      span({
        traceId, spanId: root, name: `${SCRIPT}${IMG}`, kind: "AGENT", start: now - 60000 + t * 20000, end: now - 50000 + t * 20000,
        attrs: { "input.value": `${SCRIPT} ${IMG} ${JSURL}`, "output.value": `${SVG} ${IMG}`, "session.id": `sess-${IMG}`, "user.id": SCRIPT },
      }),
      span({
        traceId, spanId: child, parentId: root, name: IMG, kind: "LLM", start: now - 59000 + t * 20000, end: now - 51000 + t * 20000,
        attrs: { "llm.model_name": "gpt-4o-mini", "llm.provider": "openai", "llm.token_count.prompt": 10, "llm.token_count.completion": 5, "input.value": IMG, "output.value": SCRIPT },
      }),
    );
  }
  await call("POST", "/v1/projects", { name: P, description: `${SCRIPT}${IMG}` });
  await sendSpans(assay.url, P, spans);
  // annotations: a judge and a human disagreeing, names and labels hostile
  await call("POST", "/v1/span_annotations?sync=true", {
    data: [0, 1].flatMap((t) => [
      { span_id: ids[`root${t}`], name: `q${IMG}`, annotator_kind: "LLM", result: { label: `yes${SCRIPT}`, score: 1, explanation: `${JSURL} ${SVG}` }, identifier: "" },
      { span_id: ids[`root${t}`], name: `q${IMG}`, annotator_kind: "HUMAN", result: { label: t ? `yes${SCRIPT}` : `no${IMG}`, score: t }, identifier: `human:${SCRIPT}` },
    ]),
  });
  await call("POST", "/v1/span_notes", { data: { span_id: ids.root0, note: `${SCRIPT}${IMG}` } });
  // a dataset, two experiments with hostile outputs and explanations
  const up = await call("POST", "/v1/datasets/upload?sync=true", {
    action: "create", name: `xss-${IMG}`, description: SCRIPT,
    inputs: [{ q: SCRIPT }, { q: IMG }], outputs: [{ a: IMG }, { a: JSURL }], metadata: [{ u: JSURL }, { u: SVG }],
  });
  ids.dataset = up.dataset_id;
  const examples = (await call("GET", `/v1/datasets/${up.dataset_id}/examples`)).examples;
  ids.exps = [];
  for (const tag of ["A", "B"]) {
    const e = await call("POST", `/v1/datasets/${up.dataset_id}/experiments`, { name: `${tag}${IMG}`, metadata: { prompt: SCRIPT, link: JSURL } });
    ids.exps.push(e.id);
    for (const [i, ex] of examples.entries()) {
      const run = await call("POST", `/v1/experiments/${e.id}/runs`, {
        dataset_example_id: ex.id, output: { a: `${tag}${SCRIPT}${IMG}` }, repetition_number: 1,
        start_time: new Date(now - 1000).toISOString(), end_time: new Date(now).toISOString(),
      });
      await call("POST", "/v1/experiment_evaluations", {
        experiment_run_id: run.id, name: "correctness", annotator_kind: "LLM",
        start_time: new Date(now - 1000).toISOString(), end_time: new Date(now).toISOString(),
        result: { label: (i + (tag === "B")) % 2 ? "correct" : "incorrect", score: (i + (tag === "B")) % 2, explanation: `${SCRIPT}${JSURL}` },
      });
      await call("POST", "/v1/dataset_example_annotations", {
        data: [{ example_id: ex.id, name: "correctness", annotator_kind: "HUMAN", result: { label: "correct", score: 1, explanation: IMG }, identifier: "", user_id: `ann${IMG}` }],
      });
    }
  }
  // a queue whose name and description are hostile, holding a hostile span
  await call("POST", "/v1/annotation_configs", { name: "xss-verdict", type: "CATEGORICAL", optimization_direction: "MAXIMIZE", values: [{ label: "ok", score: 1 }, { label: "bad", score: 0 }] });
  const q = await call("POST", "/v1/annotation_queues", { name: `queue${IMG}`, description: SCRIPT, instructions: `${SVG}${JSURL}`, annotation_configs: ["xss-verdict"] });
  ids.queue = q.id;
  await call("POST", `/v1/annotation_queues/${q.id}/items`, { items: [{ kind: "span", id: ids.root0 }] });

  origin = await uiOrigin(assay.url);
  browser = await launchBrowser();
});

after(() => closeAll(browser, origin, assay));

describe("XSS on every page", () => {
  test("hostile content is shown as text on every page and nothing executes", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.addInitScript(() => localStorage.setItem("assay.annotator", "xss-tester"));
    const enc = encodeURIComponent;
    const pages = [
      ["projects", "/", "project-card"],
      ["spans", `/projects/${P}/spans?range=all`, "span-row"],
      ["trace", `/projects/${P}/traces/${ids.trace0}?span=${ids.root0}`, "span-panel"],
      ["sessions", `/projects/${P}/sessions`, "session-row"],
      ["session", `/projects/${P}/sessions/${enc(`sess-${IMG}`)}`, "turn"],
      ["graph", `/projects/${P}/graph?range=all`, "graph-node"],
      ["metrics", `/projects/${P}/metrics`, "charts"],
      ["datasets", "/datasets", "dataset-row"],
      ["dataset", `/datasets/${enc(ids.dataset)}`, "example-row"],
      ["experiments", `/experiments?dataset=${enc(ids.dataset)}`, "experiment-row"],
      ["experiment", `/experiments/${enc(ids.exps[0])}`, "run-row"],
      ["compare", `/experiments/compare?baseline=${enc(ids.exps[0])}&candidate=${enc(ids.exps[1])}`, "sbs-row"],
      ["agreement-experiment", `/agreement?experiment=${enc(ids.exps[1])}&name=correctness`, "confusion-matrix"],
      ["agreement-project", `/agreement?project=${P}&name=${enc(`q${IMG}`)}`, "confusion-matrix"],
      ["labelling", "/labelling", "queue-card"],
      ["queue", `/labelling/${enc(ids.queue)}`, "item-input"],
    ];
    for (const [name, path, testid] of pages) {
      await page.goto(origin.url + path);
      await page.getByTestId(testid).first().waitFor(wait);
      // let every request of the page settle before judging it
      await page.waitForLoadState("networkidle");
      const text = await page.locator("main").innerText();
      assert.ok(/<script>|<img src=x|<svg onload/.test(text), `${name}: the hostile text is shown literally`);
      assert.equal(await page.evaluate(() => window.__xss), undefined, `${name}: payload executed`);
      assert.deepEqual(problems.dialogs, [], `${name}: dialog opened`);
      assert.equal(await page.locator("main img").count(), 0, `${name}: <img> injected`);
      assert.equal(await page.locator("main script").count(), 0, `${name}: <script> injected`);
      assert.equal(await page.locator("main [onload], main [onerror]").count(), 0, `${name}: event handler attribute injected`);
      const hrefs = await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      for (const h of hrefs) assert.ok(/^(https?:|\/)/.test(h), `${name}: unsafe link ${h}`);
      await screenshot(page, `xss-${name}`);
    }
    assert.deepEqual(problems.pageErrors, [], "page errors");
    assert.deepEqual(problems.console, [], "console errors");
    await context.close();
  });
});
