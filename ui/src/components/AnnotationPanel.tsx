// A span's annotations and notes (GET /v1/projects/{p}/span_annotations) with
// forms to add an annotation (POST /v1/span_annotations) and a note
// (POST /v1/span_notes).  Annotation text is user content: rendered as text.
import { LabelInput } from "./LabelInput";
import { useAction } from "../hooks";
import { EMPTY_ANNOTATION_FORM, readAnnotationForm } from "../annotationForm";
import { useCallback, useEffect, useMemo, useState } from "react";
import { addSpanAnnotation, addSpanNote, annotationConfigs, spanAnnotations, type AnnotationConfig, type SpanAnnotation } from "../api/annotations";
import { fmtTime } from "../format";
import "./AnnotationPanel.css";

function who(a: SpanAnnotation): string {
  const m = a.metadata && typeof a.metadata === "object" ? a.metadata : {};
  const annotator = typeof m.annotator === "string" ? m.annotator : a.user_id;
  return [annotator, a.identifier && !a.identifier.startsWith("px-span-note:") ? a.identifier : null].filter(Boolean).join(" · ");
}

export function AnnotationPanel({ project, spanId }: { project: string; spanId: string }) {
  const [anns, setAnns] = useState<SpanAnnotation[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [configs, setConfigs] = useState<AnnotationConfig[]>([]);
  const [form, setForm] = useState(EMPTY_ANNOTATION_FORM);
  const [note, setNote] = useState("");
  const act = useAction();

  const load = useCallback(
    (signal?: AbortSignal) =>
      spanAnnotations(project, [spanId], signal)
        .then((a) => {
          setAnns(a);
          setError(null);
        })
        .catch((e) => !signal?.aborted && setError(String(e.message || e))),
    [project, spanId],
  );

  useEffect(() => {
    const ac = new AbortController();
    setAnns(null);
    load(ac.signal);
    return () => ac.abort();
  }, [load]);

  useEffect(() => {
    annotationConfigs()
      .then(setConfigs)
      .catch(() => setConfigs([]));
  }, []);

  const config = useMemo(() => configs.find((c) => c.name === form.name.trim()), [configs, form.name]);
  const notes = (anns || []).filter((a) => a.name === "note");
  const annotations = (anns || []).filter((a) => a.name !== "note");

  const addAnnotation = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = readAnnotationForm(form, true);
    if (!r.ok) return act.fail(r.error);
    await act.run(async () => {
      await addSpanAnnotation({ span_id: spanId, name: r.name, label: r.label, score: r.score, explanation: r.explanation });
      setForm(EMPTY_ANNOTATION_FORM);
      await load();
    });
  };

  const addNote = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!note.trim()) return act.fail("The note is empty.");
    await act.run(async () => {
      await addSpanNote(spanId, note);
      setNote("");
      await load();
    });
  };

  return (
    <div className="annpanel" data-testid="annotations">
      {(error || act.error) && <div className="error">{act.error || error}</div>}
      {anns === null && !error && <div className="muted">loading…</div>}
      {anns && (
        <>
          <h3>Annotations</h3>
          {annotations.length === 0 && <div className="muted small">No annotations yet: add one below, or from a labelling queue.</div>}
          {annotations.map((a) => (
            <div key={a.id} className="anncard" data-testid="annotation">
              <div>
                <b className="annname">{a.name}</b>
                {a.result?.label != null && <span className="annchip">{a.result.label}</span>}
                {a.result?.score != null && <span className="muted"> score {a.result.score}</span>}
                <span className="muted small"> · {a.annotator_kind}{who(a) ? ` · ${who(a)}` : ""}</span>
              </div>
              {a.result?.explanation && <div className="annexpl">{a.result.explanation}</div>}
            </div>
          ))}
          <h3>Notes</h3>
          {notes.length === 0 && <div className="muted small">No notes.</div>}
          {notes.map((n) => (
            <div key={n.id} className="anncard" data-testid="note">
              <div className="annexpl">{n.result?.explanation ?? ""}</div>
              <div className="muted small">
                {fmtTime(n.created_at)}
                {who(n) ? ` · ${who(n)}` : ""}
              </div>
            </div>
          ))}
        </>
      )}
      <form className="annform" onSubmit={addAnnotation} data-testid="annotation-form">
        <h3>Add an annotation</h3>
        <div className="annrow">
          <input aria-label="annotation name" data-testid="ann-name" list="ann-config-names" placeholder="name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
          <datalist id="ann-config-names">
            {configs.map((c) => (
              <option key={c.id} value={c.name} />
            ))}
          </datalist>
          <LabelInput config={config} value={form.label} testId="ann-label" onChange={(label, score) => setForm({ ...form, label, score: config?.type === "CATEGORICAL" ? (score != null ? String(score) : "") : form.score })} />
          <input aria-label="score" data-testid="ann-score" placeholder="score" value={form.score} onChange={(e) => setForm({ ...form, score: e.target.value })} style={{ width: 70 }} />
        </div>
        <div className="annrow">
          <input aria-label="explanation" data-testid="ann-explanation" placeholder="explanation (optional)" value={form.explanation} onChange={(e) => setForm({ ...form, explanation: e.target.value })} />
          <button type="submit" data-testid="ann-add" disabled={act.busy}>
            Add
          </button>
        </div>
      </form>
      <form className="annform" onSubmit={addNote}>
        <h3>Add a note</h3>
        <div className="annrow">
          <textarea aria-label="note" data-testid="note-text" placeholder="note" value={note} onChange={(e) => setNote(e.target.value)} />
          <button type="submit" data-testid="note-add" disabled={act.busy}>
            Add note
          </button>
        </div>
      </form>
    </div>
  );
}
