// Pure transforms of the experiment pages (unit-tested in experiments.test.ts):
// wording of verdicts and intervals, the confusion matrix with its totals,
// the side-by-side rows of a comparison, and the judge's YAML `examples:`
// block (docs/evaluators.md) for few-shot examples.
import type { CompareEvaluation, Comparison, Json, RunAnnotation, RunRecord, SummaryEvaluation } from "./api/experiments";

/** 0.8734 -> "87%", 0.05 -> "5.0%" */
export function pct(x: number | null | undefined): string {
  if (x == null || !Number.isFinite(x)) return "–";
  const p = x * 100;
  if (p !== 0 && Math.abs(p) < 10) return `${p.toFixed(1)}%`;
  return `${Math.round(p)}%`;
}

/** A number with 3 significant digits: 0.523, 12.3, -0.0700 */
export function num(x: number | null | undefined, digits = 3): string {
  if (x == null || !Number.isFinite(x)) return "–";
  if (x === 0) return "0";
  return Number(x.toPrecision(digits)).toString().replace(/^-/, "−");
}

/** Signed: "+0.127", "−0.231" (percentage points when pp). */
export function signed(x: number | null | undefined, pp: boolean): string {
  if (x == null || !Number.isFinite(x)) return "–";
  const s = pp ? `${Math.abs(x * 100).toFixed(1)} pp` : num(Math.abs(x));
  return (x > 0 ? "+" : x < 0 ? "−" : "±") + s;
}

/** "[74–94%]" for rates, "[0.49, 0.55]" or "[−0.22, 0.92]" for numbers, "" when unknown. */
export function interval(ci: [number, number] | null | undefined, asPct: boolean): string {
  if (!ci || ci.length !== 2 || !Number.isFinite(ci[0]) || !Number.isFinite(ci[1])) return "";
  if (asPct) {
    const a = pct(ci[0]).replace("%", ""), b = pct(ci[1]);
    return `[${a}–${b}]`;
  }
  return `[${num(ci[0])}, ${num(ci[1])}]`;
}

/** "correctness 87% [74–94%]" or "quality mean 0.52 [0.49, 0.55]". */
export function summaryFigure(e: SummaryEvaluation): string {
  if (e.kind === "binary" && e.pass && e.pass.rate != null) return `${e.name} ${pct(e.pass.rate)} ${interval(e.pass.ci, true)}`.trim();
  if (e.score && e.score.estimate != null) return `${e.name} mean ${num(e.score.estimate)} ${interval(e.score.ci, false)}`.trim();
  return `${e.name} –`;
}

/** p-value text: "p < 0.0001", "p = 0.0039", "p = 1". */
export function pText(p: number | null | undefined): string {
  if (p == null || !Number.isFinite(p)) return "p –";
  if (p < 1e-4) return "p < 0.0001";
  if (p >= 0.9995) return "p = 1";
  return `p = ${Number(p.toPrecision(2))}`;
}

export type Tone = "better" | "worse" | "same" | "unsure";

/** The verdict in words (from the API's verdict field) and its tone for colour. */
export function verdictWords(verdict: string): { words: string; tone: Tone } {
  switch (verdict) {
    case "better": return { words: "better", tone: "better" };
    case "worse": return { words: "worse", tone: "worse" };
    case "no_difference_detectable": return { words: "no difference that matters", tone: "same" };
    case "cannot_tell_yet": return { words: "not yet distinguishable", tone: "unsure" };
    default: return { words: verdict || "unknown", tone: "unsure" };
  }
}

/** One sentence for a compared evaluation: what the candidate is and why. */
export function verdictSentence(cand: string, e: CompareEvaluation): string {
  const v = verdictWords(e.verdict).words;
  const pp = e.kind === "binary";
  const d = e.difference;
  const diff = d && d.estimate != null ? `difference ${signed(d.estimate, pp)} ${intervalSigned(d.ci, pp)}`.trim() : "no difference computed";
  const subject = `${cand} is ${v} on ${e.name}`;
  const need = examplesNeededText(e);
  return `${subject}: ${diff}, ${pText(e.p_holm ?? e.p_value)}${e.p_holm != null ? " (Holm)" : ""}${need ? `; ${need}` : ""}`;
}

export function intervalSigned(ci: [number, number] | null | undefined, pp: boolean): string {
  if (!ci || !Number.isFinite(ci[0]) || !Number.isFinite(ci[1])) return "";
  return `[${signed(ci[0], pp)}, ${signed(ci[1], pp)}]`;
}

/** The API's "examples still needed" figure in words ("" when the API gives none). */
export function examplesNeededText(e: CompareEvaluation): string {
  const n = e.examples_needed;
  if (!n) return e.verdict === "cannot_tell_yet" && (e.difference?.estimate ?? 0) === 0 ? "no difference observed, so no estimate of the examples needed" : "";
  if (n.more > 0) return `examples still needed: about ${n.more} more (${n.total} in all) to detect a difference this size`;
  return `examples still needed: none (about ${n.total} detect a difference this size)`;
}

export interface Matrix {
  labels: string[];
  counts: number[][];
  rowTotals: number[];
  colTotals: number[];
  total: number;
  max: number;
}

/** The confusion matrix with row/column totals (rows human, columns judge). */
export function matrixWithTotals(labels: string[], counts: number[][]): Matrix {
  const k = labels.length;
  const rows = labels.map((_, i) => labels.map((__, j) => Number(counts[i]?.[j] ?? 0)));
  const rowTotals = rows.map((r) => r.reduce((a, b) => a + b, 0));
  const colTotals = Array.from({ length: k }, (_, j) => rows.reduce((a, r) => a + r[j], 0));
  const total = rowTotals.reduce((a, b) => a + b, 0);
  const max = rows.reduce((m, r) => Math.max(m, ...r), 0);
  return { labels, counts: rows, rowTotals, colTotals, total, max };
}

/** Shading 0..1 of a cell by its count (0 for empty cells). */
export function shade(count: number, max: number): number {
  if (max <= 0 || count <= 0) return 0;
  return Math.round((0.12 + 0.68 * (count / max)) * 100) / 100;
}

// ---- the side-by-side rows of a comparison ----

export interface SideRow {
  exampleId: string;
  input: Json;
  reference: Json;
  /** index 0: baseline, then the candidates; null when that experiment has no run of the example */
  runs: (RunRecord | null)[];
  differs: boolean;
  regression: boolean;
}

/**
 * Join the runs of the baseline and the candidates by example (first
 * repetition of each), and mark the examples the API says differ
 * (differing_examples) and those that regress (baseline passes and a
 * candidate fails, or a lower score).
 */
export function sideBySide(baseline: RunRecord[], candidates: RunRecord[][], comparisons: Comparison[]): SideRow[] {
  const firstRep = (recs: RunRecord[]) => {
    const m = new Map<string, RunRecord>();
    for (const r of recs) {
      const cur = m.get(r.example_id);
      if (!cur || r.repetition_number < cur.repetition_number) m.set(r.example_id, r);
    }
    return m;
  };
  const maps = [firstRep(baseline), ...candidates.map(firstRep)];
  const differs = new Set<string>();
  const regress = new Set<string>();
  for (const c of comparisons) {
    const kinds = new Map(c.evaluations.map((e) => [e.name, e.kind]));
    for (const it of c.differing_examples.items) {
      differs.add(it.example_id);
      const b = it.baseline, k = it.candidate;
      const isRegression = kinds.get(it.evaluation) === "score" ? b.score != null && k.score != null && k.score < b.score : b.pass === true && k.pass === false;
      if (isRegression) regress.add(it.example_id);
    }
  }
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const m of maps)
    for (const id of m.keys())
      if (!seen.has(id)) {
        seen.add(id);
        ids.push(id);
      }
  ids.sort(compareGlobalIds);
  return ids.map((id) => {
    const runs = maps.map((m) => m.get(id) ?? null);
    const any = runs.find((r) => r) as RunRecord;
    return { exampleId: id, input: any.input, reference: any.reference_output, runs, differs: differs.has(id), regression: regress.has(id) };
  });
}

/** Order GlobalIDs (base64 "Type:N") by their row id, falling back to text. */
export function compareGlobalIds(a: string, b: string): number {
  const n = (s: string) => {
    try {
      const m = /:(\d+)$/.exec(atob(s));
      return m ? Number(m[1]) : NaN;
    } catch {
      return NaN;
    }
  };
  const x = n(a), y = n(b);
  if (Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function filterRows(rows: SideRow[], only: string | null): SideRow[] {
  if (only === "differ") return rows.filter((r) => r.differs);
  if (only === "regressions") return rows.filter((r) => r.regression);
  return rows;
}

/** "correct (1)", "0.73", "error: …" */
export function annotationText(a: RunAnnotation): string {
  if (a.error) return `error: ${a.error}`;
  if (a.label != null && a.score != null) return `${a.label} (${num(a.score)})`;
  if (a.label != null) return a.label;
  if (a.score != null) return num(a.score);
  return "–";
}

/** Tone of one evaluation for colour (pass words and 0/1 scores only). */
export function annotationTone(a: RunAnnotation): "pass" | "fail" | "neutral" {
  if (a.error) return "fail";
  if (a.score === 1) return "pass";
  if (a.score === 0) return "fail";
  const l = (a.label || "").toLowerCase();
  if (/^(pass|passed|correct|true|yes|relevant|factual|faithful|grounded|good|accurate|helpful|safe|ok|success)$/.test(l)) return "pass";
  if (/^(fail|failed|incorrect|false|no|irrelevant|unrelated|hallucinated|unfaithful|ungrounded|bad|inaccurate|unhelpful|unsafe|toxic|error)$/.test(l)) return "fail";
  return "neutral";
}

// ---- few-shot YAML ----

const YAML_WORDS = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

/**
 * A YAML 1.2 scalar for a string: plain when that is unambiguous, else
 * double-quoted (JSON's escapes are valid YAML escapes; non-printable
 * characters YAML forbids are escaped too).
 */
export function yamlString(s: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9 _.,()/'!?-]*$/.test(s) && !/\s$/.test(s) && !YAML_WORDS.test(s);
  return plain ? s : yamlQuoted(s);
}

/** A double-quoted YAML scalar (JSON's escapes are YAML escapes; characters YAML forbids are escaped too). */
function yamlQuoted(s: string): string {
  const fixed = s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
  return JSON.stringify(fixed).replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

/**
 * A value in YAML: strings as scalars; objects and arrays in flow style
 * ({"key": value, ...}, strings always quoted) - the judge shows non-string
 * values as compact JSON, so the example reads the same as the data.
 */
export function yamlValue(v: Json | undefined): string {
  if (v === undefined || v === null) return '""';
  if (typeof v === "string") return yamlString(v);
  return yamlFlow(v);
}

function yamlFlow(v: Json): string {
  if (v === null) return "null";
  if (typeof v === "string") return yamlQuoted(v);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `[${v.map(yamlFlow).join(", ")}]`;
  return `{${Object.entries(v).map(([k, x]) => `${yamlQuoted(k)}: ${yamlFlow(x)}`).join(", ")}}`;
}

export interface FewShot { input: Json; output: Json; label: string; explanation: string | null }

/** The judge file's `examples:` block (docs/evaluators.md). */
export function fewShotYaml(examples: FewShot[]): string {
  if (!examples.length) return "examples: []\n";
  const lines = ["examples:"];
  for (const e of examples) {
    lines.push(`  - input: ${yamlValue(e.input)}`);
    lines.push(`    output: ${yamlValue(e.output)}`);
    lines.push(`    label: ${yamlString(e.label)}`);
    if (e.explanation) lines.push(`    explanation: ${yamlString(e.explanation)}`);
  }
  return lines.join("\n") + "\n";
}

/** The few-shot examples stored in a `<evaluator>-few-shot` dataset. */
export function fewShotsOf(examples: { input: Json; output: Json }[]): FewShot[] {
  const obj = (v: Json): Record<string, Json> => (v && typeof v === "object" && !Array.isArray(v) ? v : {});
  return examples.map((x) => {
    const i = obj(x.input), o = obj(x.output);
    return {
      input: i.input ?? null,
      output: i.output ?? null,
      label: typeof o.label === "string" ? o.label : String(o.label ?? ""),
      explanation: typeof o.explanation === "string" ? o.explanation : null,
    };
  });
}

/** The default explanation of a few-shot example made from a disagreement. */
export function defaultExplanation(human: string, judge: string | null, judgeExplanation: string | null): string {
  const j = judgeExplanation ? `; the judge said ${judge ?? "?"}: ${judgeExplanation}` : judge ? `; the judge said ${judge}` : "";
  return `Human label: ${human}${j}`;
}

export const fewShotDatasetName = (evaluator: string) => `${evaluator}-few-shot`;
