#!/usr/bin/env node
// Counts the good rows in a peer's results file.
//
//   node verify-results.mjs promptfoo results.json
//   node verify-results.mjs phoenix-evals results.jsonl
//
// A row is good when it has no error and its judge label is one of the rails.
// Prints: ok_rows=N results=N errors=N labels=factual:N,hallucinated:N
import fs from "node:fs";
import { RAILS } from "./judge-template.mjs";

const [peer, file] = process.argv.slice(2);
let results = 0, ok = 0, errors = 0;
const labels = {};
function count(label, err) {
  results++;
  if (err) { errors++; return; }
  if (RAILS.includes(label)) { ok++; labels[label] = (labels[label] || 0) + 1; }
}

if (peer === "promptfoo") {
  const j = JSON.parse(fs.readFileSync(file, "utf8"));
  for (const r of j.results.results) {
    let label;
    try {
      const out = r.response?.output;
      label = (typeof out === "string" ? JSON.parse(out) : out)?.label;
    } catch { label = undefined; }
    count(label, r.error || r.response?.error || !r.success);
  }
} else if (peer === "phoenix-evals") {
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    const r = JSON.parse(line);
    count(r.label, r.error);
  }
} else {
  console.error("usage: verify-results.mjs promptfoo|phoenix-evals FILE");
  process.exit(2);
}
const l = Object.keys(labels).sort().map((k) => `${k}:${labels[k]}`).join(",") || "none";
console.log(`ok_rows=${ok} results=${results} errors=${errors} labels=${l}`);
