#!/usr/bin/env node
// Writes the promptfoo config for the eval benchmark.
//
//   node promptfoo-config.mjs --rows-file DIR/rows.csv --base-url http://127.0.0.1:PORT/v1 \
//        --concurrency 50 --out DIR/promptfooconfig.json
//
// What it contains (and why):
//  - one prompt: the hallucination judge template (judge-template.mjs), whose
//    {{input}} / {{reference}} / {{output}} come from the CSV columns;
//  - one provider, openai:chat:gpt-4o-mini with apiBaseUrl = the mock and a
//    dummy key, asking for a json_schema response_format {explanation, label}
//    with label in the rails (the same structured request phoenix-evals makes),
//    so the provider's output *is* the judge's answer;
//  - tests: file:// the CSV (one test per row);
//  - one cheap deterministic assertion per test (javascript: parse the answer,
//    label must be one of the rails), so no grader LLM call: exactly one LLM
//    call per row;
//  - evaluateOptions.maxConcurrency = C, cache off (also --no-cache and
//    PROMPTFOO_CACHE_ENABLED=false in run.sh).
import fs from "node:fs";
import path from "node:path";
import { JUDGE_TEMPLATE, RAILS } from "./judge-template.mjs";

const args = process.argv.slice(2);
function opt(name, dflt) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const rowsFile = opt("--rows-file", null);
const baseUrl = opt("--base-url", null);
const concurrency = Number(opt("--concurrency", "50"));
const out = opt("--out", null);
const model = opt("--model", "gpt-4o-mini");
if (!rowsFile || !baseUrl || !out || !(concurrency >= 1)) {
  console.error("usage: promptfoo-config.mjs --rows-file F.csv --base-url URL/v1 --concurrency C --out F.json");
  process.exit(2);
}

const schema = {
  type: "object",
  properties: {
    explanation: { type: "string" },
    label: { type: "string", enum: RAILS },
  },
  required: ["explanation", "label"],
  additionalProperties: false,
};

// promptfoo parses a json_schema answer into an object; accept a string too.
const assertJs =
  `const o = typeof output === 'string' ? JSON.parse(output) : output;\n` +
  `return ${JSON.stringify(RAILS)}.includes(o && o.label);`;

const config = {
  description: "assay bench/peers: hallucination judge (LLM-as-a-judge) on the mock LLM",
  prompts: [{ id: "hallucination-judge", label: "hallucination-judge", raw: JUDGE_TEMPLATE }],
  providers: [
    {
      id: `openai:chat:${model}`,
      label: "judge",
      config: {
        apiBaseUrl: baseUrl,
        apiKey: "sk-mock-not-a-real-key",
        temperature: 0,
        response_format: {
          type: "json_schema",
          json_schema: { name: "hallucination", strict: true, schema },
        },
      },
    },
  ],
  tests: `file://${path.resolve(rowsFile)}`,
  defaultTest: {
    assert: [{ type: "javascript", value: assertJs, metric: "on_rails" }],
  },
  evaluateOptions: { maxConcurrency: concurrency, cache: false, showProgressBar: false },
  sharing: false,
};

fs.writeFileSync(out, JSON.stringify(config, null, 2) + "\n");
