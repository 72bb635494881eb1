#!/usr/bin/env node
// bench/gen-dataset.mjs N FILE - N dataset examples as JSONL in the export
// shape {"input":{..},"output":{..},"metadata":{..}}, about 1 KB each,
// deterministic (a fixed-seed generator), for bench/datasets.sh.
import fs from "node:fs";

const n = Number(process.argv[2] || 100000);
const file = process.argv[3];
if (!Number.isInteger(n) || n < 1 || !file) {
  console.error("usage: gen-dataset.mjs N FILE");
  process.exit(2);
}
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const WORDS = "the of and to in is was for on with as by at from that this which an be are it or has have not but".split(" ");
const text = (len) => {
  let s = "";
  while (s.length < len) s += WORDS[Math.floor(rnd() * WORDS.length)] + " ";
  return s.slice(0, len);
};
const out = fs.openSync(file, "w");
let chunk = [];
for (let i = 0; i < n; i++) {
  chunk.push(
    JSON.stringify({
      input: { question: `q${i}: ${text(300)}`, context: text(350) },
      output: { answer: text(220), score: Math.round(rnd() * 1000) / 1000 },
      metadata: { source: `doc-${i % 977}`, idx: i, tags: ["bench", i % 2 ? "odd" : "even"] },
    }),
  );
  if (chunk.length === 1000) {
    fs.writeSync(out, chunk.join("\n") + "\n");
    chunk = [];
  }
}
if (chunk.length) fs.writeSync(out, chunk.join("\n") + "\n");
fs.closeSync(out);
