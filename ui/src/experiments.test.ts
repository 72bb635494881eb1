import { describe, expect, it } from "vitest";
import {
  compareGlobalIds, defaultExplanation, fewShotYaml, fewShotsOf, filterRows, interval, matrixWithTotals, pText, pct,
  shade, sideBySide, signed, summaryFigure, verdictSentence, verdictWords, yamlString, yamlValue,
} from "./experiments";
import type { CompareEvaluation, Comparison, RunRecord } from "./api/experiments";

const gid = (n: number) => btoa(`DatasetExample:${n}`);

describe("figures", () => {
  it("percentages and intervals", () => {
    expect(pct(0.8734)).toBe("87%");
    expect(pct(0.05)).toBe("5.0%");
    expect(pct(0)).toBe("0%");
    expect(pct(null)).toBe("–");
    expect(interval([0.7412, 0.9391], true)).toBe("[74–94%]");
    expect(interval([0.49024, 0.54806], false)).toBe("[0.49, 0.548]");
    expect(interval([-0.2246, 0.9163], false)).toBe("[−0.225, 0.916]");
    expect(interval(null, true)).toBe("");
    expect(signed(0.55, true)).toBe("+55.0 pp");
    expect(signed(-0.2307, true)).toBe("−23.1 pp");
    expect(signed(0, false)).toBe("±0");
    expect(pText(4.7e-7)).toBe("p < 0.0001");
    expect(pText(0.00390625)).toBe("p = 0.0039");
    expect(pText(1)).toBe("p = 1");
  });
  it("summary figure of a binary and a score evaluation", () => {
    expect(summaryFigure({ name: "correctness", kind: "binary", evaluations: 40, errors: 0, examples: 40, labels: {},
      pass: { passed: 35, n: 40, unknown: 0, rate: 0.875, ci: [0.7412, 0.9391] }, score: null })).toBe("correctness 88% [74–94%]");
    expect(summaryFigure({ name: "quality", kind: "score", evaluations: 3, errors: 0, examples: 3, labels: {},
      pass: null, score: { estimate: 0.51947, ci: [0.49024, 0.54806], n: 3 } })).toBe("quality mean 0.519 [0.49, 0.548]");
  });
});

describe("verdicts", () => {
  it("words for every verdict of the API", () => {
    expect(verdictWords("better")).toEqual({ words: "better", tone: "better" });
    expect(verdictWords("worse")).toEqual({ words: "worse", tone: "worse" });
    expect(verdictWords("cannot_tell_yet").words).toBe("not yet distinguishable");
    expect(verdictWords("no_difference_detectable").words).toBe("no difference that matters");
    expect(verdictWords("").words).toBe("unknown");
  });
  it("a sentence with the difference, its interval, p and the examples needed", () => {
    const e: CompareEvaluation = {
      name: "tone", kind: "binary", n: 285, baseline: null, candidate: null,
      difference: { estimate: 0.07, ci: [0.0001, 0.139] }, test: null, p_value: 0.0619, p_holm: 0.0619,
      verdict: "cannot_tell_yet", verdict_text: "cannot tell yet", examples_needed: { total: 580, more: 295, alpha: 0.05, power: 0.8 },
    };
    expect(verdictSentence("prompt B", e)).toBe(
      "prompt B is not yet distinguishable on tone: difference +7.0 pp [+0.0 pp, +13.9 pp], p = 0.062 (Holm); examples still needed: about 295 more (580 in all) to detect a difference this size");
    expect(verdictSentence("B", { ...e, verdict: "better", p_holm: 1e-6, examples_needed: { total: 12, more: 0, alpha: 0.05, power: 0.8 } })).toBe(
      "B is better on tone: difference +7.0 pp [+0.0 pp, +13.9 pp], p < 0.0001 (Holm); examples still needed: none (about 12 detect a difference this size)");
    expect(verdictSentence("B", { ...e, difference: { estimate: 0, ci: [-0.09, 0.09] }, examples_needed: null })).toMatch(/no difference observed, so no estimate/);
  });
});

describe("confusion matrix", () => {
  it("row, column and grand totals; shading by count", () => {
    const m = matrixWithTotals(["correct", "incorrect"], [[25, 1], [2, 1]]);
    expect(m.rowTotals).toEqual([26, 3]);
    expect(m.colTotals).toEqual([27, 2]);
    expect(m.total).toBe(29);
    expect(m.max).toBe(25);
    expect(shade(25, m.max)).toBe(0.8);
    expect(shade(0, m.max)).toBe(0);
    expect(shade(1, 0)).toBe(0);
  });
  it("missing cells count as 0", () => {
    const m = matrixWithTotals(["a", "b", "c"], [[1], [2, 3]]);
    expect(m.counts).toEqual([[1, 0, 0], [2, 3, 0], [0, 0, 0]]);
    expect(m.total).toBe(6);
  });
});

describe("side by side", () => {
  const rec = (n: number, out: string, rep = 1): RunRecord => ({
    example_id: gid(n), repetition_number: rep, input: { q: n }, reference_output: null, output: out, error: null,
    latency_ms: 1, start_time: "", prompt_token_count: null, completion_token_count: null, annotations: [],
  });
  const cmp = (items: Comparison["differing_examples"]["items"]): Comparison => ({
    candidate: { id: "c", name: "c" }, shared_examples: 3, baseline_only_examples: 0, candidate_only_examples: 0,
    evaluations: [{ name: "ok", kind: "binary" } as CompareEvaluation, { name: "q", kind: "score" } as CompareEvaluation],
    evaluations_not_compared: [], differing_examples: { total: items.length, limit: 100, items },
  });
  it("joins by example in id order, first repetition, marks differences and regressions", () => {
    const rows = sideBySide([rec(10, "b10"), rec(2, "b2"), rec(2, "b2r2", 2)], [[rec(2, "c2"), rec(10, "c10"), rec(11, "c11")]], [
      cmp([
        { example_id: gid(2), evaluation: "ok", baseline: { label: null, score: 1, pass: true }, candidate: { label: null, score: 0, pass: false } },
        { example_id: gid(10), evaluation: "q", baseline: { label: null, score: 0.2, pass: false }, candidate: { label: null, score: 0.4, pass: false } },
      ]),
    ]);
    expect(rows.map((r) => r.exampleId)).toEqual([gid(2), gid(10), gid(11)]);
    expect(rows[0].runs.map((r) => r?.output)).toEqual(["b2", "c2"]);
    expect(rows[2].runs[0]).toBeNull();
    expect(filterRows(rows, "differ").map((r) => r.exampleId)).toEqual([gid(2), gid(10)]);
    expect(filterRows(rows, "regressions").map((r) => r.exampleId)).toEqual([gid(2)]);
    expect(filterRows(rows, null)).toHaveLength(3);
  });
  it("orders GlobalIDs by row id", () => {
    expect(compareGlobalIds(gid(9), gid(10))).toBeLessThan(0);
    expect(compareGlobalIds("zz", "aa")).toBeGreaterThan(0);
  });
});

describe("few-shot YAML", () => {
  it("plain scalars stay plain, tricky ones are double-quoted", () => {
    expect(yamlString("incorrect")).toBe("incorrect");
    expect(yamlString("Plan a trip to Rome")).toBe("Plan a trip to Rome");
    for (const s of ["yes", "No", "true", "null", "~", "123", "-x", "a: b", "x # y", "trailing ", "", "'q'", '"q"', "@at", "*alias", "&a", "!tag", "%x", "{a}", "[a]", "|", ">"])
      expect(yamlString(s).startsWith('"'), s).toBe(true);
    expect(yamlString('Plan: 3 days in "Tokyo" # budget\n  under $500')).toBe('"Plan: 3 days in \\"Tokyo\\" # budget\\n  under $500"');
    expect(yamlString("tab\there\u0085\u007f\ufeff")).toBe('"tab\\there\\u0085\\u007f\\ufeff"');
    expect(yamlString("lone \ud800 surrogate")).toBe('"lone \ufffd surrogate"');
  });
  it("the examples block from a few-shot dataset's examples", () => {
    const shots = fewShotsOf([
      { input: { input: { question: "Where: Tokyo?" }, output: { answer: "yes" } }, output: { label: "incorrect", explanation: "Human label: incorrect" } },
      { input: { input: "plain text", output: "no" }, output: { label: "correct", explanation: null } },
    ]);
    expect(fewShotYaml(shots)).toBe(
      "examples:\n" +
        '  - input: {"question": "Where: Tokyo?"}\n' +
        '    output: {"answer": "yes"}\n' +
        "    label: incorrect\n" +
        '    explanation: "Human label: incorrect"\n' +
        "  - input: plain text\n" +
        '    output: "no"\n' +
        "    label: correct\n",
    );
    expect(yamlValue({ a: [1, true, null, "x\u2028"], "k\"ey": { n: -1.5 } })).toBe('{"a": [1, true, null, "x\\u2028"], "k\\"ey": {"n": -1.5}}');
    expect(yamlValue(null)).toBe('""');
    expect(fewShotYaml([])).toBe("examples: []\n");
  });
  it("default explanation names the human label", () => {
    expect(defaultExplanation("incorrect", "correct", "looks fine")).toBe("Human label: incorrect; the judge said correct: looks fine");
    expect(defaultExplanation("no", null, null)).toBe("Human label: no");
  });
});
