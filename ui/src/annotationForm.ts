// The add-an-annotation forms (span panel, retrieved documents): their
// fields as typed, and the checks made before anything is sent.

export interface AnnotationFormFields { name: string; label: string; score: string; explanation: string }

export const EMPTY_ANNOTATION_FORM: AnnotationFormFields = { name: "", label: "", score: "", explanation: "" };

export type ReadForm =
  | { ok: true; name: string; label: string | null; score: number | null; explanation: string | null }
  | { ok: false; error: string };

/** The form's values, or the first problem in words.  explanationAlone:
 * whether an explanation without label or score is enough (span
 * annotations: yes; document annotations: a label or a score is needed). */
export function readAnnotationForm(f: AnnotationFormFields, explanationAlone: boolean): ReadForm {
  const name = f.name.trim();
  if (!name) return { ok: false, error: "The annotation needs a name." };
  const score = f.score.trim() === "" ? null : Number(f.score);
  if (score !== null && !Number.isFinite(score)) return { ok: false, error: `score '${f.score}' is not a number` };
  const label = f.label.trim() || null;
  const explanation = f.explanation.trim() || null;
  if (label === null && score === null && (explanation === null || !explanationAlone))
    return { ok: false, error: explanationAlone ? "Give a label, a score or an explanation." : "Give a label or a score." };
  return { ok: true, name, label, score, explanation };
}
