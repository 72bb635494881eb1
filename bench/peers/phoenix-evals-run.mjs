#!/usr/bin/env node
// @arizeai/phoenix-evals side of the eval benchmark: one hallucination judge
// call per row against an OpenAI-compatible server, at most C in flight.
//
//   node phoenix-evals-run.mjs --rows-file rows.jsonl --base-url http://127.0.0.1:PORT/v1 \
//        --concurrency 50 [--out results.jsonl]
//
// The evaluator is phoenix-evals' createClassificationEvaluator (what its
// built-in evaluators are made of) with the classic hallucination template
// (input / reference / output) and the rails factual=1 / hallucinated=0.  The
// model is an AI SDK OpenAI *chat* model (@ai-sdk/openai createOpenAI({baseURL,
// apiKey}).chat("gpt-4o-mini")), so each evaluation is one POST
// /v1/chat/completions with a json_schema response_format ({explanation,
// label}); phoenix-evals takes the label from that object.  No caching exists
// on this path.  Telemetry is left at phoenix-evals' default (enabled, but no
// OpenTelemetry SDK is registered, so spans go to the no-op tracer).
//
// Prints one JSON summary line on stdout:
//   {"peer":"phoenix-evals","rows":N,"ok_rows":N,"errors":0,"labels":{...},"eval_s":...}
// and exits 1 if any evaluation failed or a label is off the rails.
import fs from "node:fs";
import { createOpenAI } from "@ai-sdk/openai";
import { createClassificationEvaluator } from "@arizeai/phoenix-evals";
import { JUDGE_TEMPLATE, RAILS } from "./judge-template.mjs";

const args = process.argv.slice(2);
function opt(name, dflt) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const rowsFile = opt("--rows-file", null);
const baseURL = opt("--base-url", null);
const concurrency = Number(opt("--concurrency", "50"));
const outFile = opt("--out", null);
const model = opt("--model", "gpt-4o-mini");
if (!rowsFile || !baseURL || !(concurrency >= 1)) {
  console.error("usage: phoenix-evals-run.mjs --rows-file F --base-url URL/v1 --concurrency C [--out F]");
  process.exit(2);
}

const rows = fs
  .readFileSync(rowsFile, "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l));

const openai = createOpenAI({ baseURL, apiKey: "sk-mock-not-a-real-key" });
const evaluator = createClassificationEvaluator({
  name: "hallucination",
  model: openai.chat(model),
  promptTemplate: JUDGE_TEMPLATE,
  choices: { factual: 1, hallucinated: 0 },
  optimizationDirection: "MAXIMIZE",
});

const results = new Array(rows.length);
const labels = {};
let errors = 0;
let next = 0;
const firstErrors = [];

async function worker() {
  while (next < rows.length) {
    const i = next++;
    const r = rows[i];
    try {
      const res = await evaluator.evaluate({ input: r.input, reference: r.reference, output: r.output });
      if (!RAILS.includes(res.label)) throw new Error(`label off the rails: ${JSON.stringify(res.label)}`);
      labels[res.label] = (labels[res.label] || 0) + 1;
      results[i] = { id: r.id, label: res.label, score: res.score, explanation: res.explanation };
    } catch (e) {
      errors++;
      if (firstErrors.length < 3) firstErrors.push(String(e?.message || e));
      results[i] = { id: r.id, error: String(e?.message || e) };
    }
  }
}

const t0 = performance.now();
await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
const evalS = (performance.now() - t0) / 1000;

if (outFile) fs.writeFileSync(outFile, results.map((x) => JSON.stringify(x)).join("\n") + "\n");
const okRows = rows.length - errors;
for (const m of firstErrors) console.error(`phoenix-evals: error: ${m}`);
console.log(JSON.stringify({ peer: "phoenix-evals", rows: rows.length, ok_rows: okRows, errors, labels, eval_s: +evalS.toFixed(3) }));
process.exit(errors === 0 && okRows === rows.length ? 0 : 1);
