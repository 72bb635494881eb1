// ui-perf.mjs - how fast the web UI is with a large store, measured in a
// real browser (Debian chromium through playwright-core).
//
//   node bench/ui-perf.mjs URL [--project bench] [--big-trace TRACE_ID] [--runs 5]
//
// Needs a running `assay serve` at URL already filled (bench/ui-perf.sh
// does it all: 1 M spans with bench/ingest --prefill, a 5,000-span trace).
// For each measurement it opens a fresh browser page and reports the
// median and the spread over --runs runs:
//   spans page   navigation -> first span rows on screen and the filter box
//                enabled ("interactive"), with the number of DOM rows; the
//                same sorted by latency (the server sorts every span);
//   trace page   navigation -> the first waterfall rows of the big trace;
//   projects     navigation -> the project cards' figures;
//   metrics      navigation -> the 24 h charts drawn, and the time series
//                endpoint alone;
//   agent graph  GET /v1/projects/P/agent_graph?max_traces=10000 (server time,
//                measured by the client as the whole HTTP exchange).
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(HERE, "..", "tests", "ui", "package.json"));
const { chromium } = require("playwright-core");

const args = process.argv.slice(2);
const url = args[0];
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
if (!url || url.startsWith("--")) {
  console.error("usage: node bench/ui-perf.mjs URL [--project NAME] [--big-trace TRACE_ID] [--runs N]");
  process.exit(2);
}
const project = opt("project", "bench");
const bigTrace = opt("big-trace", null);
const runs = Number(opt("runs", "5"));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const report = (what, xs, extra = "") =>
  console.log(`${what.padEnd(44)} median ${median(xs).toFixed(0)} ms  (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, n=${xs.length})${extra}`);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });

/** ms from navigation start until fn (run in the page) is true. */
async function timeTo(pagePath, waitFn, arg) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(url + pagePath, { waitUntil: "commit" });
  await page.waitForFunction(waitFn, arg, { timeout: 60000, polling: "raf" });
  const t = await page.evaluate(() => performance.now());
  const extra = await page.evaluate(() => ({
    spanRows: document.querySelectorAll('[data-testid="span-row"]').length,
    wfRows: document.querySelectorAll('[data-testid="wf-row"]').length,
  }));
  await ctx.close();
  return { t, ...extra };
}

// warm the server's page cache once (first touch of a cold database is I/O, not the UI)
await timeTo(`/projects/${encodeURIComponent(project)}/spans`, () => document.querySelector('[data-testid="span-row"]'));

const spans = [];
let rows = 0;
for (let i = 0; i < runs; i++) {
  const r = await timeTo(`/projects/${encodeURIComponent(project)}/spans`, () => {
    const row = document.querySelector('[data-testid="span-row"]');
    const box = document.querySelector('[data-testid="filter-input"]');
    return row && box && !box.disabled;
  });
  spans.push(r.t);
  rows = r.spanRows;
}
report("spans page: interactive (rows + filter box)", spans, `, ${rows} rows in the DOM`);

// the same page sorted by latency: the server orders every span of the range
const sorted = [];
for (let i = 0; i < runs; i++) {
  const r = await timeTo(`/projects/${encodeURIComponent(project)}/spans?sort=latency`, () => {
    const row = document.querySelector('[data-testid="span-row"]');
    const box = document.querySelector('[data-testid="filter-input"]');
    return row && box && !box.disabled;
  });
  sorted.push(r.t);
}
report("spans page sorted by latency (server sort)", sorted);

if (bigTrace) {
  const tr = [];
  let wf = 0;
  for (let i = 0; i < runs; i++) {
    const r = await timeTo(`/projects/${encodeURIComponent(project)}/traces/${bigTrace}`, () => document.querySelectorAll('[data-testid="wf-row"]').length > 10);
    tr.push(r.t);
    wf = r.wfRows;
  }
  report("trace page: 5,000-span trace, first rows", tr, `, ${wf} rows in the DOM`);
}

const pr = [];
for (let i = 0; i < runs; i++) {
  const r = await timeTo("/projects", () => {
    const c = document.querySelector('[data-testid="project-card"]');
    return c && /p95 latency/.test(c.textContent || "");
  });
  pr.push(r.t);
}
report("projects page: cards with 24 h figures", pr);

const mt = [];
for (let i = 0; i < runs; i++) {
  const r = await timeTo(`/projects/${encodeURIComponent(project)}/metrics`, () => document.querySelectorAll('[data-testid="charts"] canvas').length >= 5);
  mt.push(r.t);
}
report("metrics page: 24 h charts drawn", mt);

const ts = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/projects/${encodeURIComponent(project)}/timeseries`);
  await res.json();
  ts.push(performance.now() - t0);
  if (!res.ok) throw new Error(`timeseries: ${res.status}`);
}
report("time series, 24 h, all spans (HTTP)", ts);

const g = [];
let graph = null;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/projects/${encodeURIComponent(project)}/agent_graph?max_traces=10000`);
  graph = await res.json();
  g.push(performance.now() - t0);
  if (!res.ok) throw new Error(`agent_graph: ${res.status} ${JSON.stringify(graph)}`);
}
report("agent graph over 10,000 traces (HTTP)", g, `, ${graph.data.traces} traces, ${graph.data.spans} spans, ${graph.data.nodes.length} nodes`);

await browser.close();
