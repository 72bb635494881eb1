// Judge agreement ("evals for evals"): the judge's labels against human
// labels for an experiment's examples or a project's spans
// (GET /v1/evaluators/agreement, docs/analysis.md), with the confusion
// matrix, kappa, Se/Sp, the corrected pass rate, inter-annotator agreement
// and the disagreements, each of which can become a few-shot example of the
// judge (a `<evaluator>-few-shot` dataset shown as the judge file's YAML
// `examples:` block, docs/evaluators.md).
import { useEffect, useMemo, useState } from "react";
import "./Experiments.css";
import { appendExample, examplesIfAny, expApi, type Agreement, type Experiment, type Json, type RunRecord } from "../api/experiments";
import { preview } from "../format";
import { Link, setQuery, useLocation } from "../router";
import {
  defaultExplanation, fewShotDatasetName, fewShotYaml, fewShotsOf, interval, matrixWithTotals, num, pct, shade, type FewShot,
} from "../experiments";

const errText = (e: unknown) => String((e as Error)?.message || e);
const enc = encodeURIComponent;

interface Sources {
  experiments: { exp: Experiment; dataset: string }[];
  projects: string[];
}

async function loadSources(signal: AbortSignal): Promise<Sources> {
  const [datasets, projects] = await Promise.all([expApi.datasets(signal), expApi.projects(signal)]);
  const lists = await Promise.all(datasets.slice(0, 100).map((d) => expApi.experiments(d.id, signal).then((es) => es.map((exp) => ({ exp, dataset: d.name })))));
  return { experiments: lists.flat(), projects: projects.map((p) => p.name) };
}

/** The source picker: experiment (+ evaluator, + human annotation name) or project (+ annotation name). */
function Picker({ sources, evalNames }: { sources: Sources | null; evalNames: string[] }) {
  const { query } = useLocation();
  const experiment = query.get("experiment") || "";
  const project = query.get("project") || "";
  const kind = project ? "project" : "experiment";
  const [name, setName] = useState(query.get("name") || "");
  const [human, setHuman] = useState(query.get("human_name") || "");
  useEffect(() => setName(query.get("name") || ""), [query.get("name")]); // eslint-disable-line react-hooks/exhaustive-deps
  const apply = () => setQuery({ name: name.trim() || null, human_name: kind === "experiment" ? human.trim() || null : null });
  return (
    <form className="picker" data-testid="picker" onSubmit={(e) => { e.preventDefault(); apply(); }}>
      <label>
        Source
        <select value={kind} data-testid="source-kind" onChange={(e) => setQuery(e.target.value === "project" ? { experiment: null, human_name: null, project: sources?.projects[0] ?? "" } : { project: null, experiment: sources?.experiments[0]?.exp.id ?? "" })}>
          <option value="experiment">experiment (dataset examples)</option>
          <option value="project">project (spans)</option>
        </select>
      </label>
      {kind === "experiment" ? (
        <label>
          Experiment
          <select value={experiment} data-testid="experiment-select" onChange={(e) => setQuery({ experiment: e.target.value })}>
            <option value="">choose…</option>
            {experiment && !sources?.experiments.some((x) => x.exp.id === experiment) && <option value={experiment}>{experiment}</option>}
            {sources?.experiments.map((x) => (
              <option key={x.exp.id} value={x.exp.id}>{x.dataset} / {x.exp.name}</option>
            ))}
          </select>
        </label>
      ) : (
        <label>
          Project
          <select value={project} data-testid="project-select" onChange={(e) => setQuery({ project: e.target.value })}>
            {sources?.projects.map((p) => <option key={p} value={p}>{p}</option>)}
            {project && !sources?.projects.includes(project) && <option value={project}>{project}</option>}
          </select>
        </label>
      )}
      <label>
        {kind === "experiment" ? "Judge (evaluation name)" : "Annotation name"}
        <input list="agree-evals" value={name} data-testid="name-input" onChange={(e) => setName(e.target.value)} placeholder="e.g. correctness" />
        <datalist id="agree-evals">{evalNames.map((n) => <option key={n} value={n} />)}</datalist>
      </label>
      {kind === "experiment" && (
        <label>
          Human annotation name
          <input value={human} data-testid="human-input" onChange={(e) => setHuman(e.target.value)} placeholder={name || "same as the judge"} />
        </label>
      )}
      <button type="submit" data-testid="show">Show</button>
    </form>
  );
}

function Fig({ value, label, testId }: { value: string; label: string; testId?: string }) {
  return (
    <div className="fig" data-testid={testId}>
      <b>{value}</b>
      <span>{label}</span>
    </div>
  );
}

function MatrixTable({ a }: { a: Agreement }) {
  const m = matrixWithTotals(a.confusion_matrix.labels, a.confusion_matrix.counts);
  if (!m.labels.length) return <div className="muted">No paired targets: nothing to tabulate.</div>;
  return (
    <table className="xtable matrix" data-testid="confusion-matrix" style={{ width: "auto" }}>
      <caption className="muted small" style={{ captionSide: "top", textAlign: "left" }}>Rows: human label · columns: judge label · diagonal = agreement</caption>
      <thead>
        <tr>
          <th className="corner">human ↓ / judge →</th>
          {m.labels.map((l) => <th key={l} scope="col">{l}</th>)}
          <th scope="col">total</th>
        </tr>
      </thead>
      <tbody>
        {m.labels.map((l, i) => (
          <tr key={l}>
            <th scope="row">{l}</th>
            {m.counts[i].map((c, j) => (
              <td key={j} className={`cell ${i === j ? "diag" : ""}`} data-testid={`cell-${i}-${j}`}
                style={{ background: `rgba(${i === j ? "42,157,92" : "212,59,59"},${shade(c, m.max)})`, color: shade(c, m.max) > 0.55 ? "#fff" : undefined }}>
                {c}
              </td>
            ))}
            <td className="cell" data-testid={`row-total-${i}`}>{m.rowTotals[i]}</td>
          </tr>
        ))}
        <tr>
          <th scope="row">total</th>
          {m.colTotals.map((c, j) => <td key={j} className="cell" data-testid={`col-total-${j}`}>{c}</td>)}
          <td className="cell diag" data-testid="matrix-total">{m.total}</td>
        </tr>
      </tbody>
    </table>
  );
}

/** Fetch the content of a target: a dataset example (experiment source) or a span (project source). */
async function targetContent(a: Agreement, target: string, project: string): Promise<{ input: Json; output: Json }> {
  if (a.source.kind === "experiment") {
    const exp = await expApi.experiment(a.source.experiment_id!);
    const examples = await expApi.examples(exp.dataset_id, exp.dataset_version_id);
    const ex = examples.find((e) => e.id === target);
    if (!ex) throw new Error(`dataset example ${target} not found in the experiment's dataset version`);
    return { input: ex.input, output: ex.output };
  }
  const span = await expApi.span(project, target);
  if (!span) throw new Error(`span ${target} not found in project ${project}`);
  const v = (k: string): Json => (span.attributes[k] ?? null) as Json;
  return { input: v("input.value"), output: v("output.value") };
}

type Item = Agreement["disagreements"]["items"][number];

function Disagreement({ a, d, project, onAdded, run }: { a: Agreement; d: Item; project: string; onAdded: () => void; run?: RunRecord }) {
  const [expl, setExpl] = useState(defaultExplanation(d.human_label, d.judge_label, d.judge_explanation));
  const [state, setState] = useState<"idle" | "busy" | "done">("idle");
  const [error, setError] = useState<string | null>(null);
  const add = async () => {
    setState("busy");
    setError(null);
    try {
      // an experiment's judge graded the run's output, not the example's
      // reference output: that is what the few-shot example must show
      const c = await targetContent(a, d.target_id, project);
      if (a.source.kind === "experiment" && run && !run.error) c.output = run.output as Json;
      await appendExample(
        fewShotDatasetName(a.source.name),
        { input: c.input, output: c.output },
        { label: d.human_label, explanation: expl },
        { source: a.source.kind, target_id: d.target_id, judge_label: d.judge_label, human_label: d.human_label },
      );
      setState("done");
      onAdded();
    } catch (e) {
      setError(errText(e));
      setState("idle");
    }
  };
  return (
    <tr data-testid="disagreement">
      <td className="small" style={{ maxWidth: 320 }}>
        <div className="mono">{d.target_id}</div>
        {run && (
          <div data-testid="target-preview">
            <div title="input">{preview(run.input, 160)}</div>
            <div className="muted" title="the experiment's output">→ {run.error ? `error: ${run.error}` : preview(run.output, 160)}</div>
          </div>
        )}
      </td>
      <td><span className="chip">{d.judge_label ?? "–"}</span><div className="small" style={{ whiteSpace: "pre-wrap" }}>{d.judge_explanation ?? ""}</div></td>
      <td><span className="chip" data-testid="human-label">{d.human_label}</span></td>
      <td className="small">{d.annotators.map((x) => `${x.annotator}: ${x.label}`).join(", ")}</td>
      <td style={{ minWidth: 260 }}>
        <textarea rows={2} value={expl} onChange={(e) => setExpl(e.target.value)} aria-label="few-shot explanation" data-testid="fewshot-explanation" />
        <button data-testid="use-fewshot" disabled={state !== "idle"} onClick={add} className={state === "done" ? "secondary" : ""}>
          {state === "done" ? "Added to few-shot set" : state === "busy" ? "Adding…" : "Use as few-shot example"}
        </button>
        {error && <div className="error">{error}</div>}
      </td>
    </tr>
  );
}

function FewShotSet({ evaluator, version }: { evaluator: string; version: number }) {
  const name = fewShotDatasetName(evaluator);
  const [shots, setShots] = useState<FewShot[] | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    const ac = new AbortController();
    examplesIfAny(name, ac.signal)
      .then((ex) => !ac.signal.aborted && setShots(ex ? fewShotsOf(ex) : null))
      .catch((e) => !ac.signal.aborted && setError(errText(e)));
    return () => ac.abort();
  }, [name, version]);
  const yaml = useMemo(() => (shots ? fewShotYaml(shots) : ""), [shots]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(yaml);
      setCopied(true);
    } catch (e) {
      setError(`copy failed: ${errText(e)} (select the text and copy it by hand)`);
    }
  };
  return (
    <section className="fewshot" data-testid="fewshot">
      <h2>Few-shot set of {evaluator}</h2>
      <div className="x-hint">
        Judges are files: paste this <span className="mono">examples:</span> block into the judge&apos;s YAML file (docs/evaluators.md) to teach it the human labels.
        The examples are kept in the dataset <Link to={`/datasets/${enc(name)}`}>{name}</Link>.
      </div>
      {error && <div className="error">{error}</div>}
      {shots === undefined && !error && <div className="muted">loading…</div>}
      {shots === null && <div className="muted" data-testid="fewshot-empty">No few-shot examples yet: use “Use as few-shot example” on a disagreement below to start {name}.</div>}
      {shots && (
        <>
          <div className="xrow-controls">
            <span className="muted small">{shots.length} example{shots.length === 1 ? "" : "s"}</span>
            <button className="secondary" data-testid="copy-yaml" onClick={copy}>{copied ? "Copied" : "Copy"}</button>
          </div>
          <pre className="yaml" data-testid="fewshot-yaml">{yaml}</pre>
        </>
      )}
    </section>
  );
}

export function AgreementPage() {
  const { query } = useLocation();
  const experiment = query.get("experiment") || "";
  const project = query.get("project") || "";
  const name = query.get("name") || "";
  const humanName = query.get("human_name") || "";
  const [sources, setSources] = useState<Sources | null>(null);
  const [srcErr, setSrcErr] = useState<string | null>(null);
  const [evalNames, setEvalNames] = useState<string[]>([]);
  const [a, setA] = useState<Agreement | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [fsVersion, setFsVersion] = useState(0);

  useEffect(() => {
    const ac = new AbortController();
    loadSources(ac.signal).then(setSources).catch((e) => !ac.signal.aborted && setSrcErr(errText(e)));
    return () => ac.abort();
  }, []);

  // evaluator names of the chosen experiment (for the name box); the first one is the default
  useEffect(() => {
    if (!experiment || project) return setEvalNames([]);
    const ac = new AbortController();
    expApi.summary(experiment, ac.signal)
      .then((s) => {
        const names = s.evaluations.map((e) => e.name);
        setEvalNames(names);
        // the judge is one of the experiment's evaluations: default to (or switch to) its first one
        const cur = new URLSearchParams(location.search).get("name");
        if (names.length && (!cur || !names.includes(cur))) setQuery({ name: names[0] });
      })
      .catch(() => setEvalNames([]));
    return () => ac.abort();
  }, [experiment, project]);

  useEffect(() => {
    setA(null);
    setError(null);
    if (!name || (!experiment && !project)) return;
    const ac = new AbortController();
    setLoading(true);
    const params = project ? { project_id: project, name } : { experiment_id: experiment, name, human_name: humanName || undefined };
    expApi.agreement(params, ac.signal)
      .then((r) => !ac.signal.aborted && setA(r))
      .catch((e) => !ac.signal.aborted && setError(errText(e)))
      .finally(() => !ac.signal.aborted && setLoading(false));
    return () => ac.abort();
  }, [experiment, project, name, humanName]);

  const noSources = sources && !sources.experiments.length && !sources.projects.length;
  return (
    <div className="page xpage">
      <h1>Judge agreement</h1>
      <div className="muted small" style={{ marginBottom: 8 }}>
        Does the LLM judge agree with people? Compare an experiment&apos;s evaluation with the human labels of its dataset examples, or a project&apos;s
        LLM/CODE span annotations with its HUMAN ones.
      </div>
      {srcErr && <div className="error">{srcErr}</div>}
      {!sources && !srcErr && <div className="muted">loading…</div>}
      {noSources && (
        <div className="coming" data-testid="empty">
          Nothing to compare yet. Run an experiment with a judge (<span className="mono">assay experiment run … --evaluator NAME</span>), then label its examples in a
          <Link to="/labelling"> labelling queue</Link> (or POST <span className="mono">/v1/dataset_example_annotations</span> with annotator_kind HUMAN).
        </div>
      )}
      {sources && !noSources && <Picker sources={sources} evalNames={evalNames} />}
      {sources && !noSources && (!name || (!experiment && !project)) && (
        <div className="muted" data-testid="choose">Choose an experiment and a judge (its evaluation name), or a project and an annotation name.</div>
      )}
      {loading && <div className="muted">computing…</div>}
      {error && <div className="error" data-testid="error">{error}</div>}
      {a && <AgreementView a={a} project={project} onAdded={() => setFsVersion((v) => v + 1)} fsVersion={fsVersion} />}
    </div>
  );
}

function AgreementView({ a, project, onAdded, fsVersion }: { a: Agreement; project: string; onAdded: () => void; fsVersion: number }) {
  // for an experiment, the runs show what each disagreement was about (input and the output judged)
  const [runs, setRuns] = useState<Map<string, RunRecord>>(new Map());
  const expId = a.source.kind === "experiment" ? a.source.experiment_id : undefined;
  useEffect(() => {
    if (!expId || !a.disagreements.items.length) return;
    const ac = new AbortController();
    expApi.records(expId, ac.signal)
      .then((recs) => {
        const m = new Map<string, RunRecord>();
        for (const r of recs) if (!m.has(r.example_id) || r.repetition_number < m.get(r.example_id)!.repetition_number) m.set(r.example_id, r);
        if (!ac.signal.aborted) setRuns(m);
      })
      .catch(() => undefined); // the previews are a convenience; the table works without them
    return () => ac.abort();
  }, [expId, a.disagreements.items.length]);
  const k = a.cohen_kappa;
  const se = a.judge?.sensitivity, sp = a.judge?.specificity;
  const c = a.corrected_pass_rate;
  const ia = a.inter_annotator;
  return (
    <>
      {a.counts.paired === 0 && (
        <div className="coming" data-testid="no-pairs">
          No target has both a judge label and a human label for “{a.source.name}”{a.source.human_name && a.source.human_name !== a.source.name ? ` / “${a.source.human_name}”` : ""}.
          Label some of them in a <Link to="/labelling">labelling queue</Link>.
        </div>
      )}
      <section>
        <div className="figs" data-testid="agreement-figures">
          <Fig testId="accuracy" value={pct(a.accuracy)} label={`accuracy (${a.counts.paired} paired)`} />
          <Fig testId="kappa" value={num(k?.kappa)} label={`Cohen's kappa ${interval(k?.ci ? [Math.max(-1, k.ci[0]), Math.min(1, k.ci[1])] : null, false)}`} />
          <Fig testId="sensitivity" value={pct(se?.estimate)} label={`sensitivity for “${a.positive_label ?? "–"}” ${interval(se?.ci ?? null, true)}`} />
          <Fig testId="specificity" value={pct(sp?.estimate)} label={`specificity ${interval(sp?.ci ?? null, true)}`} />
          <Fig testId="counts" value={`${a.counts.paired} / ${a.counts.targets}`} label={`paired / targets · ${a.counts.judged} judged · ${a.counts.human_labelled} human-labelled · ${a.counts.human_ties} ties · ${c?.unlabelled ?? 0} unlabelled`} />
        </div>
        <div className="muted small" style={{ marginTop: 4 }}>positive label “{a.positive_label ?? "–"}” (chosen by {a.positive_label_source ?? "–"}); intervals are 95%.</div>
      </section>
      <section>
        <h2>Confusion matrix</h2>
        <MatrixTable a={a} />
      </section>
      <section data-testid="corrected">
        <h2>Corrected pass rate</h2>
        {c && c.defined ? (
          <div>
            On the {c.unlabelled} targets no human labelled, the judge passes <b>{pct(c.raw)}</b> ({c.judge_passed}); corrected for its measured
            sensitivity and specificity (Rogan–Gladen) that is <b data-testid="corrected-estimate">{pct(c.estimate)}</b> {interval(c.ci, true)}.
          </div>
        ) : (
          <div className="muted" data-testid="corrected-why">
            Not defined{c ? ` (${c.unlabelled} unlabelled targets, raw judge pass rate ${pct(c.raw)})` : ""}: {c?.why ?? "no data"}.
          </div>
        )}
      </section>
      <section data-testid="inter-annotator">
        <h2>Agreement between the humans</h2>
        {ia && ia.items > 0 ? (
          <div>
            Over {ia.items} targets labelled by two or more people: Krippendorff&apos;s alpha <b>{num(ia.krippendorff_alpha?.alpha)}</b>
            {ia.fleiss_kappa ? <>, Fleiss&apos; kappa <b>{num(ia.fleiss_kappa.kappa)}</b> ({ia.fleiss_kappa.items} targets with {ia.fleiss_kappa.raters_per_item} raters)</> : null}.
          </div>
        ) : (
          <div className="muted">No target was labelled by two or more people.</div>
        )}
      </section>
      <FewShotSet evaluator={a.source.name} version={fsVersion} />
      <section>
        <h2>Disagreements ({a.disagreements.total}{a.disagreements.total > a.disagreements.items.length ? `, first ${a.disagreements.items.length} shown` : ""})</h2>
        {a.disagreements.items.length === 0 ? (
          <div className="muted" data-testid="no-disagreements">The judge agrees with the human majority on every paired target.</div>
        ) : (
          <table className="xtable disagree" data-testid="disagreements">
            <thead>
              <tr><th>Target</th><th>Judge (label, explanation)</th><th>Human</th><th>Annotators</th><th>Few-shot example</th></tr>
            </thead>
            <tbody>
              {a.disagreements.items.map((d) => (
                <Disagreement key={d.target_id} a={a} d={d} project={project} onAdded={onAdded} run={runs.get(d.target_id)} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
