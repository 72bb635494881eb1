#!/usr/bin/env node
// Deterministic hallucination-check rows for the eval benchmark.
//
//   node gen-rows.mjs --rows 2000 --out DIR [--seed 1]
//   -> DIR/rows.csv   (header: id,input,reference,output; RFC 4180 quoting)
//      DIR/rows.jsonl (one {"id","input","reference","output"} per line)
//
// Each row: input = a question, reference = a passage that answers it,
// output = an answer that is either faithful to the passage or contradicts it
// (about half each).  Same seed and row count -> byte-identical files.
import fs from "node:fs";
import path from "node:path";

const args = process.argv.slice(2);
function opt(name, dflt) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const rows = Number(opt("--rows", "2000"));
const outDir = opt("--out", null);
let seed = Number(opt("--seed", "1")) >>> 0;
if (!outDir || !Number.isInteger(rows) || rows < 1) {
  console.error("usage: gen-rows.mjs --rows N --out DIR [--seed S]");
  process.exit(2);
}

// xorshift32: deterministic, independent of Node version.
function rnd() {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed;
}
if (seed === 0) seed = 1;
const pick = (a) => a[rnd() % a.length];

const cities = ["Aldermoor", "Brightwater", "Calverton", "Dunmere", "Eastholm", "Fairhaven", "Glenrock", "Harrowgate", "Ivybridge", "Juniper Falls", "Kestrel Bay", "Larchfield"];
const things = ["bridge", "library", "observatory", "harbour", "railway station", "museum", "lighthouse", "cathedral", "university", "botanical garden"];
const people = ["Mara Ellison", "Tobias Wren", "Ines Okafor", "Henrik Vale", "Lucia Marsh", "Samuel Achebe", "Priya Raman", "Otto Lindqvist", "Aiko Tanaka", "Rafael Quiroga"];
const materials = ["granite", "red brick", "limestone", "steel and glass", "timber", "sandstone"];
const extras = [
  "It was restored after a fire and reopened to the public two years later.",
  "Guided tours run every weekend from spring to early autumn.",
  "The original plans are kept in the municipal archive.",
  "A small exhibition near the entrance tells the story of its construction.",
  "Local schools visit it as part of their history curriculum.",
  "It appears on the town's coat of arms.",
];

function row(i) {
  const city = pick(cities);
  const thing = pick(things);
  const who = pick(people);
  const mat = pick(materials);
  const year = 1780 + (rnd() % 220);
  const height = 12 + (rnd() % 180);
  const kind = rnd() % 3; // which fact the question asks about
  const faithful = rnd() % 2 === 0;
  const extra1 = pick(extras);
  const extra2 = pick(extras);
  const reference =
    `The ${thing} of ${city} was completed in ${year} to a design by ${who}. ` +
    `It is built mainly of ${mat} and rises ${height} metres at its highest point. ${extra1} ${extra2}`;
  let input, output;
  if (kind === 0) {
    input = `When was the ${thing} of ${city} completed?`;
    output = faithful
      ? `It was completed in ${year}.`
      : `It was completed in ${year + 7 + (rnd() % 40)}, after a long delay.`;
  } else if (kind === 1) {
    input = `Who designed the ${thing} of ${city}?`;
    let other = pick(people);
    if (other === who) other = people[(people.indexOf(who) + 1) % people.length];
    output = faithful
      ? `It was designed by ${who}.`
      : `It was designed by ${other}, who also built the town hall.`;
  } else {
    input = `How tall is the ${thing} of ${city}, and what is it made of?`;
    output = faithful
      ? `It rises ${height} metres and is built mainly of ${mat}.`
      : `It rises ${height + 15 + (rnd() % 60)} metres and is made of ${pick(materials.filter((m) => m !== mat))} (see the "annex", page 4).`;
  }
  return { id: `row-${String(i).padStart(6, "0")}`, input, reference, output };
}

function csvField(s) {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

fs.mkdirSync(outDir, { recursive: true });
const csv = ["id,input,reference,output"];
const jsonl = [];
for (let i = 0; i < rows; i++) {
  const r = row(i);
  csv.push([r.id, r.input, r.reference, r.output].map(csvField).join(","));
  jsonl.push(JSON.stringify(r));
}
fs.writeFileSync(path.join(outDir, "rows.csv"), csv.join("\n") + "\n");
fs.writeFileSync(path.join(outDir, "rows.jsonl"), jsonl.join("\n") + "\n");
console.error(`gen-rows: ${rows} rows -> ${outDir}/rows.csv, ${outDir}/rows.jsonl`);
