import { isDemo } from "./format";
import { describe, expect, test } from "vitest";
import { annotationChips, buildAnswers, clickSelect, isTypingTarget, itemView, labelKeys, progressText, turnText } from "./labelling";
import type { AnnotationConfig, SpanAnnotation } from "./api/annotations";
import type { QueueItem } from "./api/labelling";

const cat = (name: string, labels: string[]): AnnotationConfig => ({ id: name, name, type: "CATEGORICAL", description: null, values: labels.map((label) => ({ label, score: null })) });
const configs: AnnotationConfig[] = [
  cat("helpful", ["yes", "no"]),
  { id: "s", name: "stars", type: "CONTINUOUS", description: null, lower_bound: 1, upper_bound: 5 },
  cat("tone", ["calm", "rude", "odd"]),
  { id: "c", name: "comment", type: "FREEFORM", description: null },
];

describe("labelKeys", () => {
  test("numbers run 1..9 across the categorical configs in order", () => {
    expect(labelKeys(configs).map((k) => `${k.key}:${k.config}=${k.label}`)).toEqual(["1:helpful=yes", "2:helpful=no", "3:tone=calm", "4:tone=rude", "5:tone=odd"]);
  });
  test("at most 9 keys", () => {
    expect(labelKeys([cat("a", "abcdefgh".split("")), cat("b", ["x", "y", "z"])]).map((k) => k.label)).toEqual([..."abcdefgh", "x"]);
  });
});

describe("buildAnswers", () => {
  test("labels, scores and free text; empty fields left out", () => {
    expect(buildAnswers(configs, { helpful: "no" }, { stars: "4", comment: " fine ", tone: "" })).toEqual({
      answers: [{ name: "helpful", label: "no" }, { name: "stars", score: 4 }, { name: "comment", explanation: "fine" }],
      error: null,
    });
    expect(buildAnswers(configs, {}, {}).answers).toEqual([]);
  });
  test("a non-number score is an error naming the config", () => {
    expect(buildAnswers(configs, {}, { stars: "x" }).error).toBe("stars: 'x' is not a number");
  });
});

test("isTypingTarget", () => {
  expect(isTypingTarget({ tagName: "TEXTAREA" })).toBe(true);
  expect(isTypingTarget({ tagName: "INPUT", type: "text" })).toBe(true);
  expect(isTypingTarget({ tagName: "INPUT", type: "checkbox" })).toBe(false);
  expect(isTypingTarget({ tagName: "BUTTON" })).toBe(false);
  expect(isTypingTarget({ tagName: "DIV", isContentEditable: true })).toBe(true);
  expect(isTypingTarget(null)).toBe(false);
});

test("progressText, isDemo", () => {
  expect(progressText({ total: 30, complete: 12, in_progress: 3, pending: 15 })).toBe("12 / 30 done, 3 in progress");
  expect(progressText(null)).toBe("");
  expect(isDemo("Demo data: recorded")).toBe(true);
  expect(isDemo("demo")).toBe(false);
  expect(isDemo(null)).toBe(false);
});

describe("turnText", () => {
  test("chat JSON: last user message / assistant content", () => {
    const input = JSON.stringify({ messages: [{ role: "system", content: "sys" }, { role: "user", content: "first" }, { role: "assistant", content: "a" }, { role: "user", content: "second" }] });
    expect(turnText(input, "input")).toBe("second");
    expect(turnText(JSON.stringify({ role: "assistant", content: "hello" }), "output")).toBe("hello");
    expect(turnText(JSON.stringify({ choices: [{ message: { role: "assistant", content: "from choices" } }] }), "output")).toBe("from choices");
    expect(turnText(JSON.stringify([{ role: "user", content: [{ type: "text", text: "parts" }] }]), "input")).toBe("parts");
  });
  test("plain text and other JSON stay as they are", () => {
    expect(turnText("Plan a trip", "input")).toBe("Plan a trip");
    expect(turnText('{"city": "Rome"}', "input")).toBe('{"city": "Rome"}');
    expect(turnText("[1, 2", "input")).toBe("[1, 2");
    expect(turnText(undefined, "output")).toBe("");
    expect(turnText(42, "output")).toBe("42");
  });
});

describe("itemView", () => {
  const item = (kind: QueueItem["kind"]): QueueItem => ({ id: "i", queue_id: "q", kind, target: { example_id: "E" }, done_count: 0, complete: false, created_at: "", responses: [] });
  test("span, trace (root span), example, deleted", () => {
    expect(itemView(item("span"), { name: "llm", span_kind: "LLM", span_id: "s", trace_id: "t", input: "in", output: "out" })).toMatchObject({ title: "llm", input: "in", output: "out", traceId: "t" });
    expect(itemView(item("trace"), { trace_id: "t", root_span: { name: "root", span_kind: "AGENT", span_id: "r", trace_id: "t", input: "q", output: "a", attributes: {} } })).toMatchObject({ title: "root", input: "q", output: "a", spanId: "r" });
    expect(itemView(item("example"), { dataset_id: "d", input: { q: 1 }, output: null })).toMatchObject({ title: "dataset example", input: '{\n  "q": 1\n}', output: "" });
    expect(itemView(item("span"), null).title).toBe("span (deleted)");
  });
});

describe("clickSelect", () => {
  const ids = ["a", "b", "c", "d", "e"];
  test("click toggles; shift-click selects the range from the anchor", () => {
    let s = clickSelect(ids, new Set(), null, 1, false);
    expect([...s]).toEqual(["b"]);
    s = clickSelect(ids, s, 1, 3, true);
    expect([...s].sort()).toEqual(["b", "c", "d"]);
    s = clickSelect(ids, s, 3, 2, false);
    expect([...s].sort()).toEqual(["b", "d"]);
    // shift-click on a selected row clears the range
    s = clickSelect(ids, new Set(ids), 4, 1, true);
    expect([...s].sort()).toEqual(["a"]);
  });
});

test("annotationChips: name: label (or score), notes left out", () => {
  const a = (span_id: string, name: string, label: string | null, score: number | null): SpanAnnotation => ({
    id: name + span_id, created_at: "", updated_at: "", source: "API", user_id: null, name, annotator_kind: "HUMAN",
    result: { label, score, explanation: null }, metadata: {}, identifier: "", span_id,
  });
  const m = annotationChips([a("s1", "helpful", "yes", 1), a("s1", "note", null, null), a("s2", "stars", null, 4), a("s1", "helpful", "yes", 1)]);
  expect(m.get("s1")).toEqual(["helpful: yes"]);
  expect(m.get("s2")).toEqual(["stars: 4"]);
});

