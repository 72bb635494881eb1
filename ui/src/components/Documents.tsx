// The Documents tab of the span panel: the documents a RETRIEVER span
// retrieved (retrieval.documents) and a reranker's input / output documents,
// in position order, with the document annotations of each retrieved
// document (GET /v1/projects/{p}/document_annotations) and a form to add one
// (POST /v1/document_annotations).  Document content, ids, metadata and
// annotation text are span / user content: rendered as text only.
import { LabelInput } from "./LabelInput";
import { useAction } from "../hooks";
import { EMPTY_ANNOTATION_FORM, readAnnotationForm } from "../annotationForm";
import { useCallback, useEffect, useMemo, useState } from "react";
import { addDocumentAnnotation, annotationConfigs, documentAnnotations, type AnnotationConfig, type DocumentAnnotation } from "../api/annotations";
import { byPosition, chipText, clip, fmtScore, metaText, type DocGroup, type RetrievedDoc } from "../documents";
import "./Documents.css";

const DATALIST_ID = "doc-ann-config-names";

function DocForm({ spanId, position, configs, onAdded }: { spanId: string; position: number; configs: AnnotationConfig[]; onAdded: () => Promise<void> }) {
  const [form, setForm] = useState(EMPTY_ANNOTATION_FORM);
  const act = useAction();
  const config = useMemo(() => configs.find((c) => c.name === form.name.trim()), [configs, form.name]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = readAnnotationForm(form, false);
    if (!r.ok) return act.fail(r.error);
    await act.run(async () => {
      await addDocumentAnnotation({ span_id: spanId, document_position: position, name: r.name, label: r.label, score: r.score, explanation: r.explanation });
      setForm(EMPTY_ANNOTATION_FORM);
      await onAdded();
    });
  };

  return (
    <form className="docform" onSubmit={submit} data-testid="doc-ann-form">
      <div className="docformrow">
        <input aria-label="annotation name" data-testid="doc-ann-name" list={DATALIST_ID} placeholder="name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        <LabelInput config={config} value={form.label} testId="doc-ann-label" onChange={(label, score) => setForm({ ...form, label, score: score != null ? String(score) : form.score })} />
        <input aria-label="score" data-testid="doc-ann-score" className="docscoreinput" placeholder="score" value={form.score} onChange={(e) => setForm({ ...form, score: e.target.value })} />
      </div>
      <div className="docformrow">
        <input aria-label="explanation" data-testid="doc-ann-explanation" placeholder="explanation (optional)" value={form.explanation} onChange={(e) => setForm({ ...form, explanation: e.target.value })} />
        <button type="submit" data-testid="doc-ann-add" disabled={act.busy}>
          Add
        </button>
      </div>
      {act.error && (
        <div className="error" data-testid="doc-ann-error">
          {act.error}
        </div>
      )}
    </form>
  );
}

function Content({ text }: { text: string | null }) {
  const [open, setOpen] = useState(false);
  if (text === null || text === "") return <div className="muted small">(no content)</div>;
  const short = clip(text);
  return (
    <div>
      <pre className="doccontent" data-testid="doc-content">
        {open || short === null ? text : short}
      </pre>
      {short !== null && (
        <button className="link small" data-testid="doc-more" onClick={() => setOpen(!open)}>
          {open ? "show less" : `show more (${text.length.toLocaleString()} characters)`}
        </button>
      )}
    </div>
  );
}

function DocCard(props: {
  doc: RetrievedDoc;
  annotatable: boolean;
  anns: DocumentAnnotation[];
  spanId: string;
  configs: AnnotationConfig[];
  onAdded: () => Promise<void>;
}) {
  const { doc, annotatable, anns } = props;
  const [adding, setAdding] = useState(false);
  const meta = metaText(doc.metadata);
  const other = Object.keys(doc.other).length ? JSON.stringify(doc.other) : "";
  return (
    <div className="doccard" data-testid="document" data-position={doc.position}>
      <div className="dochead">
        <span className="docpos" data-testid="doc-position">
          #{doc.position}
        </span>
        {doc.id !== null && (
          <span className="docid mono" data-testid="doc-id" title="document id">
            {doc.id}
          </span>
        )}
        {doc.score !== null && (
          <span className="docscore" data-testid="doc-score" title={String(doc.score)}>
            score {fmtScore(doc.score)}
          </span>
        )}
      </div>
      <Content text={doc.content} />
      {meta && (
        <div className="docmeta mono" data-testid="doc-metadata">
          <span className="muted">metadata </span>
          {meta}
        </div>
      )}
      {other && (
        <div className="docmeta mono" data-testid="doc-other">
          <span className="muted">other </span>
          {other}
        </div>
      )}
      {annotatable && (
        <div className="docanns">
          {anns.map((a) => (
            <span
              key={a.id}
              className={`docchip kind-${a.annotator_kind.replace(/[^A-Z]/gi, "")}`}
              data-testid="doc-annotation"
              title={[a.result?.explanation, `${a.annotator_kind}${a.user_id ? ` · ${a.user_id}` : ""}`].filter(Boolean).join("\n")}
            >
              {chipText(a)}
            </span>
          ))}
          <button className="link small" data-testid="doc-annotate" aria-expanded={adding} onClick={() => setAdding(!adding)}>
            {adding ? "cancel" : "+ annotate"}
          </button>
        </div>
      )}
      {annotatable && adding && (
        <DocForm
          spanId={props.spanId}
          position={doc.position}
          configs={props.configs}
          onAdded={async () => {
            await props.onAdded();
            setAdding(false);
          }}
        />
      )}
    </div>
  );
}

/** groups: spanDocuments(span.attributes). project: when given, document annotations are read and can be added. */
export function Documents({ groups, spanId, project }: { groups: DocGroup[]; spanId: string; project?: string }) {
  const annotatable = !!project && groups.some((g) => g.key === "retrieval.documents");
  const [anns, setAnns] = useState<DocumentAnnotation[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [configs, setConfigs] = useState<AnnotationConfig[]>([]);

  const load = useCallback(
    (signal?: AbortSignal) =>
      project
        ? documentAnnotations(project, [spanId], signal)
            .then((a) => {
              setAnns(a);
              setError(null);
            })
            .catch((e) => {
              if (!signal?.aborted) setError(String(e.message || e));
            })
        : Promise.resolve(),
    [project, spanId],
  );

  useEffect(() => {
    if (!annotatable) return;
    const ac = new AbortController();
    setAnns(null);
    load(ac.signal);
    return () => ac.abort();
  }, [annotatable, load]);

  useEffect(() => {
    if (!annotatable) return;
    const ac = new AbortController();
    annotationConfigs(ac.signal)
      .then(setConfigs)
      .catch(() => !ac.signal.aborted && setConfigs([]));
    return () => ac.abort();
  }, [annotatable]);

  const grouped = useMemo(() => byPosition(anns || []), [anns]);

  return (
    <div className="docpanel" data-testid="documents">
      {error && <div className="error">{error}</div>}
      {annotatable && anns === null && !error && <div className="muted small">loading annotations…</div>}
      {annotatable && (
        <datalist id={DATALIST_ID}>
          {configs.map((c) => (
            <option key={c.id} value={c.name} />
          ))}
        </datalist>
      )}
      {groups.map((g) => (
        <section key={g.key} data-testid={`docgroup-${g.key}`}>
          <h3>
            {g.label} ({g.docs.length})
          </h3>
          {g.docs.map((d) => (
            <DocCard
              key={d.position}
              doc={d}
              annotatable={annotatable && g.key === "retrieval.documents"}
              anns={grouped.get(d.position) || []}
              spanId={spanId}
              configs={configs}
              onAdded={() => load()}
            />
          ))}
        </section>
      ))}
    </div>
  );
}
