// Labelling queues: the list with progress and a create form (/labelling), and
// the keyboard-first annotation page of one queue (/labelling/{id}).
// Item content is attacker-controlled: it is rendered as text only.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useWindowKeydown } from "../hooks";
import "./Labelling.css";
import { Link } from "../router";
import { fmtTime, isDemo } from "../format";
import { annotationConfigs, type AnnotationConfig } from "../api/annotations";
import { listQueues, queueApi, type NextItem, type Queue, type QueueProgress } from "../api/labelling";
import { buildAnswers, isTypingTarget, itemView, labelKeys, progressText } from "../labelling";
import { post } from "../api";

const ANNOTATOR_KEY = "assay.annotator";

function loadAnnotator(): string {
  try {
    return localStorage.getItem(ANNOTATOR_KEY) || "";
  } catch {
    return "";
  }
}

/** The annotator name, kept in localStorage (there are no accounts: an annotator is a name). */
function useAnnotator(): [string, (s: string) => void] {
  const [name, setName] = useState(loadAnnotator);
  const set = useCallback((s: string) => {
    const v = s.trim().slice(0, 128);
    try {
      if (v) localStorage.setItem(ANNOTATOR_KEY, v);
      else localStorage.removeItem(ANNOTATOR_KEY);
    } catch {
      /* storage disabled: keep it in memory */
    }
    setName(v);
  }, []);
  return [name, set];
}

function AnnotatorField({ name, onChange }: { name: string; onChange: (s: string) => void }) {
  const [draft, setDraft] = useState(name);
  useEffect(() => setDraft(name), [name]);
  return (
    <form
      className="annotatorrow"
      onSubmit={(e) => {
        e.preventDefault();
        onChange(draft);
      }}
    >
      <label htmlFor="annotator">annotator name</label>
      <input id="annotator" data-testid="annotator" value={draft} maxLength={128} placeholder="e.g. alice" onChange={(e) => setDraft(e.target.value)} />
      <button type="submit" data-testid="annotator-save" disabled={draft.trim() === name}>
        {name ? "switch" : "set"}
      </button>
      {name ? (
        <span className="muted" data-testid="annotator-current">
          labelling as <b>{name}</b>
        </span>
      ) : (
        <span className="bad">set your name before labelling</span>
      )}
    </form>
  );
}

function ProgressBar({ p }: { p: { total: number; complete: number; in_progress: number } }) {
  const pct = (n: number) => (p.total ? (100 * n) / p.total : 0);
  return (
    <div className="progressbar" title={progressText({ ...p, pending: 0 })}>
      <div className="done" style={{ width: `${pct(p.complete)}%` }} />
      <div className="prog" style={{ left: `${pct(p.complete)}%`, width: `${pct(p.in_progress)}%` }} />
    </div>
  );
}

function CreateQueue({ onCreated }: { onCreated: (q: Queue) => void }) {
  const [configs, setConfigs] = useState<AnnotationConfig[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [instructions, setInstructions] = useState("");
  const [required, setRequired] = useState("1");
  const [picked, setPicked] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [newCfg, setNewCfg] = useState({ name: "", labels: "" });

  const loadConfigs = useCallback(() => {
    annotationConfigs()
      .then(setConfigs)
      .catch((e) => setError(String(e.message || e)));
  }, []);
  useEffect(loadConfigs, [loadConfigs]);

  const create = async () => {
    setError(null);
    setBusy(true);
    try {
      const q = await queueApi.create({
        name: name.trim(),
        description: description.trim() || undefined,
        instructions: instructions.trim() || undefined,
        required: Number(required) || 1,
        annotation_configs: picked,
      });
      setName("");
      setDescription("");
      setInstructions("");
      setPicked([]);
      onCreated(q);
    } catch (e) {
      setError(String((e as Error).message || e));
    } finally {
      setBusy(false);
    }
  };

  const createConfig = async () => {
    setError(null);
    const labels = newCfg.labels.split(",").map((s) => s.trim()).filter(Boolean);
    try {
      const r = await post<{ data: AnnotationConfig }>("/v1/annotation_configs", {
        name: newCfg.name.trim(),
        type: "CATEGORICAL",
        optimization_direction: "NONE",
        values: labels.map((label) => ({ label, score: null })),
      });
      setNewCfg({ name: "", labels: "" });
      setPicked((p) => [...p, r.data.id]);
      loadConfigs();
    } catch (e) {
      setError(String((e as Error).message || e));
    }
  };

  return (
    <section className="createbox" data-testid="create-queue">
      <h2>New queue</h2>
      <div className="formgrid">
        <label htmlFor="qname">name</label>
        <input id="qname" data-testid="queue-name" value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="qdesc">description</label>
        <input id="qdesc" value={description} onChange={(e) => setDescription(e.target.value)} />
        <label htmlFor="qinstr">instructions</label>
        <input id="qinstr" value={instructions} onChange={(e) => setInstructions(e.target.value)} placeholder="what annotators should look for" />
        <label htmlFor="qreq">answers required</label>
        <input id="qreq" type="number" min={1} max={100} value={required} onChange={(e) => setRequired(e.target.value)} style={{ width: 80 }} />
        <span>annotation configs</span>
        <div className="configpick" data-testid="config-pick">
          {configs === null && <span className="muted">loading…</span>}
          {configs?.length === 0 && <span className="muted">No annotation configs yet: create one below.</span>}
          {configs?.map((c) => (
            <label key={c.id}>
              <input
                type="checkbox"
                checked={picked.includes(c.id)}
                onChange={(e) => setPicked((p) => (e.target.checked ? [...p, c.id] : p.filter((x) => x !== c.id)))}
              />{" "}
              {c.name} <span className="muted small">{c.type.toLowerCase()}</span>
            </label>
          ))}
        </div>
        <span className="muted small">new categorical config</span>
        <div className="annotatorrow" style={{ margin: 0 }}>
          <input aria-label="config name" placeholder="name" value={newCfg.name} onChange={(e) => setNewCfg({ ...newCfg, name: e.target.value })} style={{ width: 140 }} />
          <input aria-label="config labels" placeholder="labels, comma separated" value={newCfg.labels} onChange={(e) => setNewCfg({ ...newCfg, labels: e.target.value })} />
          <button className="secondary" type="button" disabled={!newCfg.name.trim() || !newCfg.labels.trim()} onClick={createConfig}>
            add config
          </button>
        </div>
        <div className="full">
          <button data-testid="queue-create" disabled={busy || !name.trim() || picked.length === 0} onClick={create}>
            Create queue
          </button>{" "}
          {picked.length === 0 && <span className="muted small">pick at least one config</span>}
        </div>
      </div>
      {error && <div className="error">{error}</div>}
    </section>
  );
}

export function QueuesPage() {
  const [annotator, setAnnotator] = useAnnotator();
  const [queues, setQueues] = useState<Queue[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showCreate, setShowCreate] = useState(false);

  const load = useCallback(() => {
    listQueues()
      .then((q) => {
        setQueues(q);
        setError(null);
      })
      .catch((e) => setError(String(e.message || e)));
  }, []);
  useEffect(load, [load]);

  return (
    <div className="page labelling" data-testid="queues-page">
      <h1>Labelling</h1>
      <AnnotatorField name={annotator} onChange={setAnnotator} />
      {error && <div className="error">{error}</div>}
      {!queues && !error && <div className="muted">loading…</div>}
      {queues && queues.length === 0 && (
        <div className="muted empty" data-testid="queues-empty">
          No labelling queues yet. Create one below (pick annotation configs), then add spans from a project's spans table ("Add to labelling queue") or items with{" "}
          <span className="mono">POST /v1/annotation_queues/{"{id}"}/items</span>.
        </div>
      )}
      {queues && queues.length > 0 && (
        <div className="queues" data-testid="queue-list">
          {queues.map((q) => (
            <div key={q.id} className="queuecard" data-testid="queue-card">
              <div className="qhead">
                <Link to={`/labelling/${encodeURIComponent(q.id)}`} className="qname">
                  {q.name}
                </Link>
                {isDemo(q.description) && <span className="badge demo" data-testid="demo-badge">demo data</span>}
                <span className="muted small">
                  {q.required} {q.required === 1 ? "answer" : "answers"} per item · created {fmtTime(q.created_at)}
                </span>
              </div>
              {q.description && <div className="muted">{q.description}</div>}
              <div className="small">configs: {q.annotation_configs.map((c) => c.name).join(", ")}</div>
              <ProgressBar p={q.progress} />
              <div className="small" data-testid="queue-progress">
                {progressText(q.progress)} · {q.progress.pending} pending · {q.progress.total} items
              </div>
            </div>
          ))}
        </div>
      )}
      {showCreate || (queues && queues.length === 0) ? (
        <CreateQueue
          onCreated={() => {
            setShowCreate(false);
            load();
          }}
        />
      ) : (
        <div>
          <button className="secondary" data-testid="show-create" onClick={() => setShowCreate(true)}>
            New queue
          </button>
        </div>
      )}
    </div>
  );
}

/** One item seen by the annotator in this session, with what they answered. */
interface Seen {
  item: NextItem;
  status: "open" | "done" | "skipped";
  labels: Record<string, string>;
  texts: Record<string, string>;
  note: string;
}

const HINT = "1-9 label · Enter submit · n next · p previous · s skip · / note";

export function QueuePage({ queueId }: { queueId: string }) {
  const [annotator, setAnnotator] = useAnnotator();
  const [queue, setQueue] = useState<Queue | null>(null);
  const [progress, setProgress] = useState<QueueProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [history, setHistory] = useState<Seen[]>([]);
  const [pos, setPos] = useState(0);
  const [allDone, setAllDone] = useState(false);
  const [busy, setBusy] = useState(false);
  // the form of the item shown
  const [labels, setLabels] = useState<Record<string, string>>({});
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [note, setNote] = useState("");
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const gen = useRef(0);

  const current: Seen | undefined = history[pos];
  const configs = current?.item.annotation_configs || queue?.annotation_configs || [];
  const keys = useMemo(() => labelKeys(configs), [configs]);

  const refreshProgress = useCallback(() => {
    queueApi
      .progress(queueId)
      .then(setProgress)
      .catch((e) => setError(String(e.message || e)));
  }, [queueId]);

  useEffect(() => {
    queueApi
      .get(queueId)
      .then(setQueue)
      .catch((e) => setError(String(e.message || e)));
    refreshProgress();
  }, [queueId, refreshProgress]);

  /** Ask the server for the annotator's next item and show it. */
  const fetchNext = useCallback(
    async (hist: Seen[]) => {
      if (!annotator) return;
      const g = ++gen.current;
      setBusy(true);
      try {
        const item = await queueApi.next(queueId, annotator);
        if (g !== gen.current) return;
        if (!item) {
          setAllDone(true);
          setPos(hist.length);
          return;
        }
        setAllDone(false);
        const at = hist.findIndex((h) => h.item.id === item.id);
        if (at >= 0) {
          setPos(at);
          return;
        }
        const next = [...hist, { item, status: "open" as const, labels: {}, texts: {}, note: "" }];
        setHistory(next);
        setPos(next.length - 1);
      } catch (e) {
        if (g === gen.current) setError(String((e as Error).message || e));
      } finally {
        if (g === gen.current) setBusy(false);
        refreshProgress();
      }
    },
    [annotator, queueId, refreshProgress],
  );

  // a new annotator starts a new session
  useEffect(() => {
    setHistory([]);
    setPos(0);
    setAllDone(false);
    setError(null);
    if (annotator) fetchNext([]);
  }, [annotator, fetchNext]);

  // the form follows the item shown - in the commit that shows the item, so
  // that a label key pressed as soon as it is on screen is not reset after
  useLayoutEffect(() => {
    setLabels(current ? { ...current.labels } : {});
    setTexts(current ? { ...current.texts } : {});
    setNote(current ? current.note : "");
    setFlash(null);
  }, [current?.item.id, current?.status]); // eslint-disable-line react-hooks/exhaustive-deps

  // after an answer or a skip: the item's new state, then the next item of
  // this session's history, or a new one from the server
  const moveOn = useCallback(
    async (hist: typeof history) => {
      setHistory(hist);
      setBusy(false);
      if (pos < hist.length - 1) {
        setPos(pos + 1);
        refreshProgress();
      } else await fetchNext(hist);
    },
    [pos, refreshProgress, fetchNext],
  );

  const submit = useCallback(async () => {
    if (!current || busy) return;
    const { answers, error: formError } = buildAnswers(configs, labels, texts);
    if (formError) return setError(formError);
    if (!answers.length && !note.trim()) return setFlash("Pick a label (1-9) or write a note (/) first.");
    setBusy(true);
    setError(null);
    try {
      await queueApi.submit(queueId, current.item.id, annotator, answers, note.trim() || undefined);
      const hist = history.map((h, i) => (i === pos ? { ...h, status: "done" as const, labels: { ...labels }, texts: { ...texts }, note } : h));
      await moveOn(hist);
    } catch (e) {
      setError(String((e as Error).message || e));
      setBusy(false);
    }
  }, [current, busy, configs, labels, texts, note, queueId, annotator, history, pos, moveOn]);

  const skip = useCallback(async () => {
    if (!current || busy) return;
    if (current.status === "done") return setFlash("You answered this item; submit again to change the answer.");
    setBusy(true);
    setError(null);
    try {
      await queueApi.skip(queueId, current.item.id, annotator);
      const hist = history.map((h, i) => (i === pos ? { ...h, status: "skipped" as const } : h));
      await moveOn(hist);
    } catch (e) {
      setError(String((e as Error).message || e));
      setBusy(false);
    }
  }, [current, busy, queueId, annotator, history, pos, moveOn]);

  const goNext = useCallback(() => {
    if (pos < history.length - 1) setPos(pos + 1);
    else if (current && current.status === "open") setFlash("This is your newest item: answer it (Enter) or skip it (s).");
    else if (!allDone) fetchNext(history);
  }, [pos, history, current, allDone, fetchNext]);

  const goPrev = useCallback(() => {
    if (pos > 0) {
      setAllDone(false);
      setPos(Math.min(pos, history.length) - 1);
    } else setFlash("No earlier item in this session.");
  }, [pos, history.length]);

  const pick = useCallback((config: string, label: string) => setLabels((l) => ({ ...l, [config]: label })), []);

  useWindowKeydown((e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || !annotator) return;
    const t = e.target as HTMLElement | null;
    if (isTypingTarget(t)) {
      if (e.key === "Escape") t?.blur();
      return;
    }
    if (/^[1-9]$/.test(e.key)) {
      const k = keys[Number(e.key) - 1];
      if (k) {
        e.preventDefault();
        pick(k.config, k.label);
      }
    } else if (e.key === "Enter") {
      e.preventDefault();
      submit();
    } else if (e.key === "n") goNext();
    else if (e.key === "p") goPrev();
    else if (e.key === "s") skip();
    else if (e.key === "/") {
      e.preventDefault();
      noteRef.current?.focus();
    }
  });

  const mine = progress?.annotators.find((a) => a.annotator === annotator);
  const shown = allDone && pos >= history.length ? null : current;
  const view = shown ? itemView(shown.item, shown.item.content) : null;

  return (
    <div className="page labelling" data-testid="queue-page">
      <div className="labelhead">
        <Link to="/labelling">← queues</Link>
        <h1>{queue ? queue.name : "Labelling queue"}</h1>
        {queue && isDemo(queue.description) && <span className="badge demo">demo data</span>}
        <span data-testid="progress">{progressText(progress)}</span>
        {mine && (
          <span className="muted small" data-testid="my-progress">
            you: {mine.done} done, {mine.skipped} skipped
          </span>
        )}
      </div>
      {progress && <ProgressBar p={progress} />}
      <AnnotatorField name={annotator} onChange={setAnnotator} />
      {queue?.instructions && <div className="small" data-testid="instructions">{queue.instructions}</div>}
      <div className="hint" data-testid="hint">{HINT}</div>
      {error && <div className="error" data-testid="error">{error}</div>}
      {flash && <div className="flash" data-testid="flash">{flash}</div>}
      {!annotator && <div className="muted empty">Set your annotator name above to start labelling.</div>}
      {annotator && !shown && !allDone && !error && <div className="muted">loading…</div>}
      {annotator && allDone && pos >= history.length && (
        <div className="alldone" data-testid="all-done">
          All done: nothing is left for <b>{annotator}</b> in this queue{history.length ? ` (${history.length} seen this session; press p to go back)` : ""}.{" "}
          <Link to="/labelling">Back to the queues</Link>
        </div>
      )}
      {annotator && shown && view && (
        <div className="labelitem" data-testid="label-item" data-item-id={shown.item.id}>
          <div className="content">
            <div className="labelhead">
              <h2 data-testid="item-title">{view.title}</h2>
              <span className="muted small">{view.subtitle}</span>
              <span className="muted small" data-testid="item-pos">
                item {pos + 1} of {history.length} seen
              </span>
              {shown.status === "done" && <span className="submitted" data-testid="item-status">submitted</span>}
              {shown.status === "skipped" && <span className="muted" data-testid="item-status">skipped</span>}
            </div>
            <h3>Input</h3>
            <pre className="value" data-testid="item-input">{view.input || "(none)"}</pre>
            <h3>Output</h3>
            <pre className="value" data-testid="item-output">{view.output || "(none)"}</pre>
            {view.traceId && <div className="muted small mono">trace {view.traceId}{view.spanId ? ` · span ${view.spanId}` : ""}</div>}
          </div>
          <div className="answers" data-testid="answers">
            {configs.map((c) => (
              <div key={c.id} data-testid="config">
                <h3>{c.name}</h3>
                {c.description && <div className="muted small">{c.description}</div>}
                {c.type === "CATEGORICAL" && (
                  <div className="labelbtns">
                    {(c.values || []).map((v) => {
                      const k = keys.find((x) => x.config === c.name && x.label === v.label);
                      return (
                        <button
                          key={v.label}
                          type="button"
                          data-testid="label-btn"
                          className={labels[c.name] === v.label ? "selected" : ""}
                          aria-pressed={labels[c.name] === v.label}
                          onClick={() => pick(c.name, v.label)}
                        >
                          {k && <kbd>{k.key}</kbd>}
                          {v.label}
                        </button>
                      );
                    })}
                  </div>
                )}
                {c.type === "CONTINUOUS" && (
                  <input
                    type="number"
                    aria-label={c.name}
                    data-testid={`score-${c.name}`}
                    min={c.lower_bound ?? undefined}
                    max={c.upper_bound ?? undefined}
                    placeholder={c.lower_bound != null && c.upper_bound != null ? `${c.lower_bound} – ${c.upper_bound}` : "score"}
                    value={texts[c.name] ?? ""}
                    onChange={(e) => setTexts({ ...texts, [c.name]: e.target.value })}
                  />
                )}
                {c.type === "FREEFORM" && (
                  <input aria-label={c.name} data-testid={`text-${c.name}`} value={texts[c.name] ?? ""} onChange={(e) => setTexts({ ...texts, [c.name]: e.target.value })} style={{ width: "100%" }} />
                )}
              </div>
            ))}
            <h3>Note</h3>
            <textarea ref={noteRef} className="notefield" data-testid="note" placeholder="/ to write a note, Esc to leave" value={note} onChange={(e) => setNote(e.target.value)} />
            <div className="annotatorrow" style={{ marginTop: 8 }}>
              <button data-testid="submit" disabled={busy} onClick={submit}>
                {shown.status === "done" ? "Submit again" : "Submit"} <kbd>Enter</kbd>
              </button>
              <button className="secondary" data-testid="skip" disabled={busy || shown.status === "done"} onClick={skip}>
                Skip <kbd>s</kbd>
              </button>
              <button className="secondary" disabled={pos === 0} onClick={goPrev}>
                ← <kbd>p</kbd>
              </button>
              <button className="secondary" onClick={goNext}>
                → <kbd>n</kbd>
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
