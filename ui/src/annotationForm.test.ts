import { describe, expect, test } from "vitest";
import { EMPTY_ANNOTATION_FORM, readAnnotationForm } from "./annotationForm";

describe("readAnnotationForm", () => {
  const f = (o: Partial<typeof EMPTY_ANNOTATION_FORM>) => ({ ...EMPTY_ANNOTATION_FORM, ...o });
  test("values are trimmed; empty ones are null; the score is a number", () => {
    expect(readAnnotationForm(f({ name: " q ", label: " good ", score: "0.5", explanation: " why " }), true)).toEqual({ ok: true, name: "q", label: "good", score: 0.5, explanation: "why" });
    expect(readAnnotationForm(f({ name: "q", score: "1" }), false)).toEqual({ ok: true, name: "q", label: null, score: 1, explanation: null });
  });
  test("the problems, in words", () => {
    expect(readAnnotationForm(f({ label: "x" }), true)).toEqual({ ok: false, error: "The annotation needs a name." });
    expect(readAnnotationForm(f({ name: "q", score: "abc" }), true)).toEqual({ ok: false, error: "score 'abc' is not a number" });
    expect(readAnnotationForm(f({ name: "q" }), true)).toEqual({ ok: false, error: "Give a label, a score or an explanation." });
    expect(readAnnotationForm(f({ name: "q", explanation: "only" }), true).ok).toBe(true);
    expect(readAnnotationForm(f({ name: "q", explanation: "only" }), false)).toEqual({ ok: false, error: "Give a label or a score." });
  });
});
