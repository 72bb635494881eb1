// Experiments: the list per dataset (with per-evaluator pass rates and
// intervals from the summary), one experiment (summary, metadata, runs), and
// the comparison of a baseline with candidates (verdicts in words, outputs
// side by side).  All span / example content is rendered as text.
import { useEffect, useMemo, useRef, useState } from "react";
import "./Experiments.css";
import {
  expApi, type CompareResult, type Dataset, type Experiment, type Json, type RunAnnotation, type RunRecord, type RunnerStatus, type Summary,
} from "../api/experiments";
import { fmtCount, fmtDuration, fmtTime, isDemo, previewValue } from "../format";
import { Link, navigate, setQuery, useLocation } from "../router";
import { post } from "../api";
import { VirtualList } from "../components/VirtualList";
import {
  annotationText, annotationTone, filterRows, interval, num, pText, pct, sideBySide, signed, intervalSigned, summaryFigure,
  verdictSentence, verdictWords, examplesNeededText, type SideRow,
} from "../experiments";

const errText = (e: unknown) => String((e as Error)?.message || e);
const enc = encodeURIComponent;

function useAsync<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[]): { data: T | null; error: string | null; loading: boolean } {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  useEffect(() => {
    const ac = new AbortController();
    setState((st) => ({ data: st.data, error: null, loading: true })); // keep what is shown while reloading
    fn(ac.signal)
      .then((data) => !ac.signal.aborted && setState({ data, error: null, loading: false }))
      .catch((e) => !ac.signal.aborted && setState({ data: null, error: errText(e), loading: false }));
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return state;
}


export function Chips({ annotations }: { annotations: RunAnnotation[] }) {
  return (
    <>
      {annotations.map((a) => (
        <span key={a.name} className={`chip ${annotationTone(a)}`} title={a.explanation || a.error || ""} data-testid="eval-chip">
          {a.name}: {annotationText(a)}
        </span>
      ))}
    </>
  );
}

function EvalFigures({ summary }: { summary: Summary | null | undefined }) {
  if (!summary) return <span className="muted small">…</span>;
  if (!summary.evaluations.length) return <span className="muted small">no evaluations</span>;
  return (
    <>
      {summary.evaluations.map((e) => (
        <span key={e.name} className="evalfig" data-testid="eval-figure" title={`${e.examples} examples evaluated, ${e.errors} errors`}>
          {summaryFigure(e)}
        </span>
      ))}
    </>
  );
}

const money = (x: number) => (x >= 0.01 || x === 0 ? `$${x.toFixed(2)}` : `$${x.toPrecision(2)}`);
const tableHeight = (rows: number, rowHeight: number) => ({ height: Math.min(420, 36 + rows * rowHeight), minHeight: 0 });

const evalErrors = (s: Summary | null | undefined) => (s ? s.evaluations.reduce((n, e) => n + (e.errors || 0), 0) : 0);

function statusText(e: Experiment, st?: RunnerStatus | null): string {
  const s = st?.status ?? e.status;
  if ((s === "running" || s === "queued") && st) return `${s} ${st.runs.done}/${st.runs.total}`;
  if (s) return s;
  if (e.missing_run_count > 0) return "incomplete";
  return "complete";
}

// ---------------------------------------------------------------- list

export function ExperimentsPage() {
  const { query } = useLocation();
  const datasetParam = query.get("dataset") || "";
  const datasets = useAsync<Dataset[]>((s) => expApi.datasets(s), []);
  const dataset = datasetParam || datasets.data?.[0]?.id || "";
  const exps = useAsync<Experiment[] | null>((s) => (dataset ? expApi.experiments(dataset, s) : Promise.resolve(null)), [dataset]);
  const [summaries, setSummaries] = useState<Record<string, Summary | null>>({});
  const [statuses, setStatuses] = useState<Record<string, RunnerStatus | null>>({});
  const [sumErr, setSumErr] = useState<string | null>(null);
  const [picked, setPicked] = useState<{ baseline: string | null; candidates: string[] }>({ baseline: null, candidates: [] });

  useEffect(() => {
    const list = exps.data;
    if (!list) return;
    const ac = new AbortController();
    setSummaries({});
    setStatuses({});
    setSumErr(null);
    setPicked({ baseline: null, candidates: [] });
    (async () => {
      // a few at a time: each summary runs the bootstrap on the server
      const queue = [...list];
      const worker = async () => {
        for (let e = queue.shift(); e; e = queue.shift()) {
          const id = e.id;
          try {
            const s = await expApi.summary(id, ac.signal);
            if (!ac.signal.aborted) setSummaries((m) => ({ ...m, [id]: s }));
          } catch (err) {
            if (!ac.signal.aborted) setSumErr(`summary of ${e.name}: ${errText(err)}`);
          }
          if (e.status === "running" || e.status === "queued") {
            const st = await expApi.status(id, ac.signal).catch(() => null);
            if (!ac.signal.aborted) setStatuses((m) => ({ ...m, [id]: st }));
          }
        }
      };
      await Promise.all([worker(), worker(), worker()]);
    })();
    return () => ac.abort();
  }, [exps.data]);

  const toggle = (id: string, role: "baseline" | "candidate") =>
    setPicked((p) => {
      if (role === "baseline") return { baseline: p.baseline === id ? null : id, candidates: p.candidates.filter((c) => c !== id) };
      const on = p.candidates.includes(id);
      return { baseline: p.baseline === id ? null : p.baseline, candidates: on ? p.candidates.filter((c) => c !== id) : [...p.candidates, id] };
    });
  const compareTo = picked.baseline && picked.candidates.length
    ? `/experiments/compare?${new URLSearchParams([["baseline", picked.baseline], ...picked.candidates.map((c) => ["candidate", c])]).toString()}`
    : null;

  return (
    <div className="page xpage">
      <h1>Experiments</h1>
      {datasets.error && <div className="error" data-testid="error">{datasets.error}</div>}
      {datasets.loading && <div className="muted">loading datasets…</div>}
      {datasets.data && datasets.data.length === 0 && (
        <div className="coming" data-testid="empty">
          No datasets yet, so no experiments. Upload a dataset (<Link to="/datasets">Datasets</Link> or <span className="mono">assay datasets upload FILE.jsonl --name NAME</span>),
          then run an experiment over it with <span className="mono">assay experiment run --dataset NAME --prompt prompt.yaml --model …</span> or the Phoenix
          client&apos;s <span className="mono">runExperiment</span>.
        </div>
      )}
      {datasets.data && datasets.data.length > 0 && (
        <div className="xrow-controls">
          <label>
            Dataset{" "}
            <select data-testid="dataset-select" value={dataset} onChange={(e) => setQuery({ dataset: e.target.value })}>
              {datasetParam && !datasets.data.some((d) => d.id === datasetParam || d.name === datasetParam) && <option value={datasetParam}>{datasetParam}</option>}
              {datasets.data.map((d) => (
                <option key={d.id} value={d.id}>{d.name} ({d.example_count} examples)</option>
              ))}
            </select>
          </label>
          <span className="muted small">Pick a baseline and one or more candidates, then compare.</span>
          {compareTo ? (
            <button data-testid="compare-button" onClick={() => navigate(compareTo)}>Compare {picked.candidates.length + 1}</button>
          ) : (
            <button data-testid="compare-button" disabled className="secondary">Compare</button>
          )}
        </div>
      )}
      {exps.error && <div className="error" data-testid="error">{exps.error}</div>}
      {sumErr && <div className="error">{sumErr}</div>}
      {dataset && exps.loading && !exps.data && <div className="muted">loading experiments…</div>}
      {exps.data && exps.data.length === 0 && (
        <div className="coming" data-testid="empty">
          No experiments on this dataset yet. Run one with <span className="mono">assay experiment run --dataset NAME --prompt prompt.yaml --model openai:gpt-4o-mini --evaluator qa_correctness</span>,
          or from code with the Phoenix client&apos;s <span className="mono">runExperiment</span> pointed at this server.
        </div>
      )}
      {exps.data && exps.data.length > 0 && (
        <table className="xtable" data-testid="experiments-table">
          <thead>
            <tr>
              <th title="baseline">Base</th>
              <th title="candidate">Cand.</th>
              <th>Name</th>
              <th>Created</th>
              <th>Status</th>
              <th className="num">Runs / examples</th>
              <th className="num">Errors</th>
              <th>Evaluations (pass rate or mean, 95% interval)</th>
            </tr>
          </thead>
          <tbody>
            {exps.data.map((e) => (
              <tr key={e.id} data-testid="experiment-row">
                <td><input type="radio" aria-label={`baseline ${e.name}`} data-testid="pick-baseline" checked={picked.baseline === e.id} onChange={() => toggle(e.id, "baseline")} onClick={() => picked.baseline === e.id && toggle(e.id, "baseline")} /></td>
                <td><input type="checkbox" aria-label={`candidate ${e.name}`} data-testid="pick-candidate" checked={picked.candidates.includes(e.id)} onChange={() => toggle(e.id, "candidate")} /></td>
                <td>
                  <Link to={`/experiments/${enc(e.id)}`}>{e.name}</Link>
                  {isDemo(e) && <span className="badge x-demo" style={{ marginLeft: 6 }}>demo data</span>}
                  {e.description && <div className="muted small">{e.description}</div>}
                </td>
                <td className="small">{fmtTime(e.created_at)}</td>
                <td className="small" title={e.status_message || ""} data-testid="status">{statusText(e, statuses[e.id])}</td>
                <td className="num">
                  {fmtCount(e.successful_run_count + e.failed_run_count)} / {fmtCount(e.example_count)}
                  {e.repetitions > 1 && <span className="muted small"> ×{e.repetitions}</span>}
                </td>
                <td className={`num ${e.failed_run_count ? "bad" : ""}`} data-testid="errors" title="failed runs (+ evaluations that recorded an error)">
                  {e.failed_run_count}
                  {evalErrors(summaries[e.id]) ? <span className="small"> + {evalErrors(summaries[e.id])} eval</span> : null}
                </td>
                <td data-testid="eval-figures"><EvalFigures summary={summaries[e.id]} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- one experiment

/** The server-side runner's status (docs/experiment-runner.md), refreshed while it runs, with cancel / resume. */
function RunnerPanel({ id, onChange }: { id: string; onChange: () => void }) {
  const [st, setSt] = useState<RunnerStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    expApi.status(id, ac.signal).then(setSt).catch((e) => !ac.signal.aborted && setError(errText(e)));
    return () => ac.abort();
  }, [id, tick]);
  const active = !!st?.active || st?.status === "running" || st?.status === "queued";
  const wasActive = useRef(false);
  useEffect(() => {
    if (wasActive.current && !active) onChange(); // it stopped: show the final runs and summary
    wasActive.current = active;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active]);
  useEffect(() => {
    if (!active) return;
    const t = setTimeout(() => setTick((n) => n + 1), 2000);
    return () => clearTimeout(t);
  }, [active, st]);
  const act = (what: "cancel" | "resume") =>
    post(`/v1/experiments/${enc(id)}/${what}`, {})
      .then(() => {
        setTick((n) => n + 1);
        onChange();
      })
      .catch((e) => setError(errText(e)));
  if (!st || !st.status) return error ? <div className="error">{error}</div> : null;
  return (
    <div className="chips small" data-testid="runner">
      <span>runner: <b>{st.status}</b>{st.status_message ? ` (${st.status_message})` : ""}</span>
      <span>{st.runs.done} / {st.runs.total} runs done, {st.runs.errors} errors</span>
      {active ? (
        <button className="secondary" onClick={() => act("cancel")}>Cancel</button>
      ) : st.status === "cancelled" || st.status === "failed" || st.runs.done < st.runs.total || st.runs.errors > 0 ? (
        <button className="secondary" onClick={() => act("resume")}>Resume</button>
      ) : null}
      {error && <span className="bad">{error}</span>}
    </div>
  );
}

function JsonText({ v }: { v: Json | undefined }) {
  const text = v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v, null, 2);
  return <pre className="value">{text}</pre>;
}

function RunDetail({ r }: { r: RunRecord }) {
  return (
    <div className="panel" data-testid="run-detail" style={{ marginTop: 10 }}>
      <h3>Input</h3>
      <JsonText v={r.input} />
      <h3>Reference output</h3>
      <JsonText v={r.reference_output} />
      <h3>Output</h3>
      {r.error ? <div className="error">{r.error}</div> : <JsonText v={r.output} />}
      <h3>Evaluations</h3>
      {r.annotations.length === 0 && <div className="muted">none</div>}
      {r.annotations.map((a) => (
        <div key={a.name} style={{ marginBottom: 6 }}>
          <span className={`chip ${annotationTone(a)}`}>{a.name}: {annotationText(a)}</span>
          <span className="muted small"> {a.annotator_kind}</span>
          {a.explanation && <pre className="value">{a.explanation}</pre>}
          {a.error && <div className="error">{a.error}</div>}
        </div>
      ))}
    </div>
  );
}

export function ExperimentPage({ experimentId }: { experimentId: string }) {
  const [reload, setReload] = useState(0);
  const exp = useAsync((s) => expApi.experiment(experimentId, s), [experimentId, reload]);
  const summary = useAsync((s) => expApi.summary(experimentId, s), [experimentId, reload]);
  const records = useAsync((s) => expApi.records(experimentId, s), [experimentId, reload]);
  const [sel, setSel] = useState<number | null>(null);
  const e = exp.data;
  const s = summary.data;
  const grid = "minmax(140px, 2fr) minmax(140px, 2fr) 80px 90px minmax(90px, 1fr) minmax(200px, 2.5fr)";
  return (
    <div className="page xpage">
      <h1>Experiment {e ? e.name : ""}</h1>
      {exp.error && <div className="error" data-testid="error">{exp.error}</div>}
      {exp.loading && !exp.data && <div className="muted">loading…</div>}
      {e && (
        <div className="chips small">
          <span>dataset <Link to={`/experiments?dataset=${enc(e.dataset_id)}`}>{s?.experiment.dataset_name ?? e.dataset_id}</Link></span>
          <span className="muted">created {fmtTime(e.created_at)}</span>
          {isDemo(e) && <span className="badge x-demo">demo data</span>}
          {e.project_name && <Link to={`/projects/${enc(e.project_name)}/spans`}>task traces</Link>}
          <a href={`/v1/experiments/${enc(e.id)}/json`} data-testid="export-json">export JSON</a>
          <a href={`/v1/experiments/${enc(e.id)}/csv`} data-testid="export-csv">export CSV</a>
          <Link to={`/agreement?experiment=${enc(e.id)}`}>judge agreement</Link>
        </div>
      )}
      {e?.status && <RunnerPanel id={e.id} onChange={() => setReload((n) => n + 1)} />}
      {summary.error && <div className="error">{summary.error}</div>}
      {s && (
        <section>
          <div className="figs" data-testid="summary">
            <div className="fig"><b>{s.runs.successful} / {s.runs.expected}</b><span>successful runs ({s.runs.failed} failed, {s.runs.missing} missing)</span></div>
            <div className="fig"><b>{fmtDuration(s.latency_ms?.p50)}</b><span>p50 latency (p95 {fmtDuration(s.latency_ms?.p95)})</span></div>
            <div className="fig"><b>{s.tokens ? fmtCount(s.tokens.total) : "–"}</b><span>tokens</span></div>
            <div className="fig"><b>{s.cost ? money(s.cost.total) : "–"}</b><span>cost</span></div>
            {s.evaluations.map((ev) => (
              <div className="fig" key={ev.name} data-testid="summary-eval">
                <b>{ev.kind === "binary" ? pct(ev.pass?.rate) : num(ev.score?.estimate)}</b>
                <span>
                  {ev.name} {ev.kind === "binary" ? `pass rate ${interval(ev.pass?.ci, true)}` : `mean ${interval(ev.score?.ci, false)}`} · n {ev.kind === "binary" ? ev.pass?.n : ev.score?.n}
                  {ev.errors ? ` · ${ev.errors} errors` : ""}
                </span>
              </div>
            ))}
          </div>
        </section>
      )}
      {e && Object.keys(e.metadata || {}).length > 0 && (
        <section>
          <h3>Metadata</h3>
          <table className="xtable" data-testid="metadata">
            <tbody>
              {Object.entries(e.metadata).map(([k, v]) => (
                <tr key={k}><th style={{ width: 180 }}>{k}</th><td><pre className="value" style={{ margin: 0 }}>{typeof v === "string" ? v : JSON.stringify(v, null, 2)}</pre></td></tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <h3>Runs</h3>
      {records.error && <div className="error">{records.error}</div>}
      {records.loading && !records.data && <div className="muted">loading runs…</div>}
      {records.data && records.data.length === 0 && (
        <div className="coming" data-testid="empty">No runs yet. Runs appear as <span className="mono">assay experiment run</span> or the Phoenix client posts them.</div>
      )}
      {records.data && records.data.length > 0 && (
        <>
          <div className="table sbs-table" style={tableHeight(records.data.length, 52)}>
            <div className="sbs-head" style={{ gridTemplateColumns: grid }}>
              <div className="sbs-cell">Input</div><div className="sbs-cell">Output</div><div className="sbs-cell">Latency</div><div className="sbs-cell">Tokens</div><div className="sbs-cell">Error</div><div className="sbs-cell">Evaluations</div>
            </div>
            <VirtualList
              items={records.data}
              rowHeight={52}
              testId="runs"
              scrollToIndex={sel}
              renderRow={(r, i) => (
                <div className={`sbs-row ${sel === i ? "selected" : ""}`} style={{ gridTemplateColumns: grid }} data-testid="run-row" onClick={() => setSel(sel === i ? null : i)}>
                  <div className="sbs-cell"><div className="out">{previewValue(r.input)}</div>{r.repetition_number > 1 && <span className="muted small">rep {r.repetition_number}</span>}</div>
                  <div className="sbs-cell"><div className="out">{r.error ? "" : previewValue(r.output)}</div></div>
                  <div className="sbs-cell small">{fmtDuration(r.latency_ms)}</div>
                  <div className="sbs-cell small">{r.prompt_token_count != null || r.completion_token_count != null ? `${r.prompt_token_count ?? 0} + ${r.completion_token_count ?? 0}` : "–"}</div>
                  <div className="sbs-cell small bad" title={r.error || ""}><div className="out" data-testid="run-error">{r.error || ""}</div></div>
                  <div className="sbs-cell"><Chips annotations={r.annotations} /></div>
                </div>
              )}
            />
          </div>
          <div className="muted small">{records.data.length} runs · click a run for its full input, output and explanations</div>
          {sel != null && records.data[sel] && <RunDetail r={records.data[sel]} />}
        </>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- compare

interface CompareData {
  names: string[]; // baseline, candidates
  results: CompareResult[];
  rows: SideRow[];
}

async function loadCompare(baseline: string, candidates: string[], signal: AbortSignal): Promise<CompareData> {
  const results = await Promise.all(candidates.map((c) => expApi.compare(baseline, c, signal)));
  const recs = await Promise.all([baseline, ...candidates].map((id) => expApi.records(id, signal)));
  const rows = sideBySide(recs[0], recs.slice(1), results.map((r) => r.comparisons[0]));
  const names = [results[0]?.baseline.name ?? baseline, ...results.map((r, i) => r.comparisons[0]?.candidate.name ?? candidates[i])];
  return { names, results, rows };
}

function CellRun({ r }: { r: RunRecord | null }) {
  if (!r) return <div className="muted small">no run</div>;
  return (
    <>
      {r.error ? <div className="out bad">error: {r.error}</div> : <div className="out" data-testid="side-output">{previewValue(r.output, 200)}</div>}
      <div><Chips annotations={r.annotations} /></div>
    </>
  );
}

export function ComparePage() {
  const { query } = useLocation();
  const baseline = query.get("baseline") || "";
  const candidates = query.getAll("candidate").filter(Boolean);
  const only = query.get("only");
  const key = [baseline, ...candidates].join(",");
  const data = useAsync<CompareData | null>((s) => (baseline && candidates.length ? loadCompare(baseline, candidates, s) : Promise.resolve(null)), [key]);
  const [sel, setSel] = useState<string | null>(null);
  const rows = useMemo(() => (data.data ? filterRows(data.data.rows, only) : []), [data.data, only]);
  const cols = 1 + candidates.length;
  const grid = `minmax(160px, 1.3fr) repeat(${cols}, minmax(160px, 2fr))`;
  const selRow = rows.find((r) => r.exampleId === sel) ?? null;

  return (
    <div className="page xpage">
      <h1>Compare experiments</h1>
      {!baseline || !candidates.length ? (
        <div className="coming" data-testid="empty">
          Pick a baseline and at least one candidate on the <Link to="/experiments">Experiments</Link> page (or open
          <span className="mono"> /experiments/compare?baseline=ID&amp;candidate=ID</span>). Both must be experiments over the same dataset.
        </div>
      ) : null}
      {data.loading && baseline && !data.data && <div className="muted">comparing…</div>}
      {data.error && <div className="error" data-testid="error">{data.error}</div>}
      {data.data && (
        <>
          <div className="chips small">
            <span>baseline <Link to={`/experiments/${enc(baseline)}`}>{data.data.names[0]}</Link></span>
            {candidates.map((c, i) => (
              <span key={c}>candidate <Link to={`/experiments/${enc(c)}`}>{data.data!.names[i + 1]}</Link></span>
            ))}
          </div>
          {data.data.results.map((res, ci) => {
            const c = res.comparisons[0];
            if (!c) return null;
            return (
              <section key={c.candidate.id} data-testid="candidate-verdicts">
                <h2>{c.candidate.name} vs {res.baseline.name}</h2>
                <div className="muted small" style={{ marginBottom: 6 }}>
                  {c.shared_examples} examples compared
                  {c.baseline_only_examples ? ` · ${c.baseline_only_examples} only in the baseline` : ""}
                  {c.candidate_only_examples ? ` · ${c.candidate_only_examples} only in the candidate` : ""}
                  {c.evaluations_not_compared.length ? ` · not compared: ${c.evaluations_not_compared.map((n) => `${n.name} (only in the ${n.only_in})`).join(", ")}` : ""}
                </div>
                <div className="verdicts">
                  {c.evaluations.map((ev) => {
                    const v = verdictWords(ev.verdict);
                    const pp = ev.kind === "binary";
                    const b = pp ? pct(ev.baseline?.pass_rate) : num(ev.baseline?.mean);
                    const k = pp ? pct(ev.candidate?.pass_rate) : num(ev.candidate?.mean);
                    return (
                      <div key={ev.name} className={`verdict tone-${v.tone}`} data-testid="verdict" data-evaluator={ev.name} data-candidate={ci} title={verdictSentence(c.candidate.name, ev)}>
                        <div>
                          <span className="vword" data-testid="verdict-word">{v.words}</span> <span>on <b>{ev.name}</b>{ev.kind === "score" ? " (score)" : ""}</span>
                        </div>
                        <div className="vfig">
                          {pp ? "pass rate" : "mean"} {b} {interval(ev.baseline?.ci, pp)} → {k} {interval(ev.candidate?.ci, pp)} · n {ev.n}
                        </div>
                        <div className="vfig" data-testid="verdict-figures">
                          difference {signed(ev.difference?.estimate, pp)} {intervalSigned(ev.difference?.ci, pp)} · {pText(ev.p_value)}
                          {ev.p_holm != null && ev.p_holm !== ev.p_value ? ` (Holm ${pText(ev.p_holm)})` : ""}
                        </div>
                        {examplesNeededText(ev) && <div className="vfig" data-testid="examples-needed">{examplesNeededText(ev)}</div>}
                        {ev.note && <div className="vfig">{ev.note}</div>}
                      </div>
                    );
                  })}
                </div>
              </section>
            );
          })}
          <section>
            <div className="xrow-controls">
              <h2 style={{ margin: 0 }}>Per example</h2>
              <label><input type="radio" name="only" checked={!only} onChange={() => setQuery({ only: null })} /> all ({data.data.rows.length})</label>
              <label><input type="radio" name="only" data-testid="only-differ" checked={only === "differ"} onChange={() => setQuery({ only: "differ" })} /> only where they differ ({data.data.rows.filter((r) => r.differs).length})</label>
              <label><input type="radio" name="only" data-testid="only-regressions" checked={only === "regressions"} onChange={() => setQuery({ only: "regressions" })} /> only regressions ({data.data.rows.filter((r) => r.regression).length})</label>
            </div>
            {rows.length === 0 ? (
              <div className="muted" data-testid="no-rows">No examples match this filter.</div>
            ) : (
              <div className="table sbs-table" style={tableHeight(rows.length, 64)}>
                <div className="sbs-head" style={{ gridTemplateColumns: grid }}>
                  <div className="sbs-cell">Input</div>
                  {data.data.names.map((n, i) => (
                    <div className="sbs-cell" key={i}>{i === 0 ? "baseline: " : "candidate: "}{n}</div>
                  ))}
                </div>
                <VirtualList
                  items={rows}
                  rowHeight={64}
                  testId="sbs-list"
                  renderRow={(r) => (
                    <div className={`sbs-row ${sel === r.exampleId ? "selected" : ""}`} style={{ gridTemplateColumns: grid }} data-testid="sbs-row" onClick={() => setSel(sel === r.exampleId ? null : r.exampleId)}>
                      <div className="sbs-cell"><div className="out">{previewValue(r.input)}</div>{r.regression && <span className="chip fail">regression</span>}</div>
                      {r.runs.map((run, i) => (
                        <div className="sbs-cell" key={i}><CellRun r={run} /></div>
                      ))}
                    </div>
                  )}
                />
              </div>
            )}
            {selRow && (
              <div data-testid="sbs-detail">
                <h3>Input</h3>
                <JsonText v={selRow.input} />
                <div className="sbs-detail" style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))` }}>
                  {selRow.runs.map((r, i) => (
                    <div key={i} className="panel">
                      <b>{data.data!.names[i]}</b>
                      {r ? <RunDetail r={r} /> : <div className="muted">no run of this example</div>}
                    </div>
                  ))}
                </div>
              </div>
            )}
          </section>
        </>
      )}
    </div>
  );
}
