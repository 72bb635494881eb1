// Metrics of a project over time (GET /v1/projects/{p}/timeseries): traces,
// latency percentiles, tokens, cost, error rate and the label shares of each
// annotation name, charted with uPlot.  /charts (no project) shows the first
// project with a picker.
import { useEffect, useMemo, useState } from "react";
import { timeseries, type Timeseries } from "../api/observe";
import { Chart, type ChartLine } from "../components/Chart";
import { ProjectTabs } from "../components/ProjectTabs";
import { fmtCount, fmtDuration, fmtPercent, fmtUsd } from "../format";
import { bucketTimes, DEFAULT_RANGE, labelRates, meanScore, METRIC_RANGES, rangeQuery, series, totals } from "../metrics";
import { navigate, setQuery, useLocation } from "../router";
import type { Project } from "../types";
import { useProjects } from "../hooks";
import { isExperimentProject } from "./Projects";
import "./Metrics.css";

const fmtInt = (v: number) => fmtCount(v);
const fmtMs = (v: number) => (v === 0 ? "0" : fmtDuration(v));
const fmtPct = (v: number) => (v === 0 ? "0%" : `${v < 10 ? v.toFixed(1) : Math.round(v)}%`);

function Charts({ ts }: { ts: Timeseries }) {
  const x = useMemo(() => bucketTimes(ts), [ts]);
  const b = ts.buckets;
  const traces = useMemo<ChartLine[]>(() => [{ label: "traces", values: series(b, (q) => q.traces), color: "#4f7cff" }], [b]);
  const latency = useMemo<ChartLine[]>(
    () => [
      { label: "p50", values: series(b, (q) => q.latency_ms?.p50), color: "#2a9d5c" },
      { label: "p95", values: series(b, (q) => q.latency_ms?.p95), color: "#e08a1e" },
      { label: "p99", values: series(b, (q) => q.latency_ms?.p99), color: "#d43b3b", dash: true },
    ],
    [b],
  );
  const tokens = useMemo<ChartLine[]>(
    () => [
      { label: "prompt", values: series(b, (q) => q.tokens?.prompt), color: "#7c5cff" },
      { label: "completion", values: series(b, (q) => q.tokens?.completion), color: "#2a9d8f" },
    ],
    [b],
  );
  const cost = useMemo<ChartLine[]>(() => [{ label: "cost", values: series(b, (q) => q.cost), color: "#b8860b" }], [b]);
  const errors = useMemo<ChartLine[]>(() => [{ label: "traces with errors", values: series(b, (q) => q.error_rate, 100), color: "#d43b3b" }], [b]);
  const labels = useMemo(() => (ts.annotations || []).map((a) => ({ name: a.name, lines: labelRates(a), mean: meanScore(a) })), [ts]);
  const per = `per ${fmtDuration(ts.interval_s * 1000).replace(/^(\d+)m 00s$/, "$1 min").replace(/^(\d+)h 00m$/, "$1 h")}`;
  return (
    <div className="chartgrid" data-testid="charts">
      <Chart testId="chart-traces" title="Traces" unit="traces" note={per} x={x} lines={traces} fmt={fmtInt} bars />
      <Chart testId="chart-latency" title="Trace latency" unit="latency" note="p50 / p95 / p99" x={x} lines={latency} fmt={fmtMs} />
      <Chart testId="chart-tokens" title="Tokens" unit="tokens" note={per} x={x} lines={tokens} fmt={fmtInt} />
      <Chart testId="chart-cost" title="Cost" unit="USD" note={per} x={x} lines={cost} fmt={fmtUsd} />
      <Chart testId="chart-errors" title="Error rate" unit="% of traces" x={x} lines={errors} fmt={fmtPct} yMax={100} />
      {labels.map((a) => (
        <Chart key={a.name} testId="chart-labels" title={`Evaluation: ${a.name}`} unit="% of labels" note={`share of each label${a.mean != null ? ` · mean score ${a.mean.toFixed(2)}` : ""}`} x={x} lines={a.lines} fmt={fmtPct} yMax={100} />
      ))}
    </div>
  );
}

function MetricsView({ project, picker }: { project: string; picker?: Project[] }) {
  const { query } = useLocation();
  const range = METRIC_RANGES.some((r) => r.key === query.get("range")) ? query.get("range")! : DEFAULT_RANGE;
  // the figures keep the project and range they were fetched for: while a
  // new range loads, the old figures stay on screen under their own label
  const [shown, setShown] = useState<{ project: string; range: string; ts: Timeseries } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    const ac = new AbortController();
    setLoading(true);
    setError(null);
    timeseries(project, rangeQuery(range, Date.now()), ac.signal)
      .then((ts) => setShown({ project, range, ts }))
      .catch((e) => {
        if (ac.signal.aborted) return;
        setShown(null);
        setError(String(e.message || e));
      })
      .finally(() => !ac.signal.aborted && setLoading(false));
    return () => ac.abort();
  }, [project, range]);

  const view = shown?.project === project ? shown : null;
  const ts = view?.ts ?? null;
  const sum = useMemo(() => (ts ? totals(ts) : null), [ts]);
  const rangeLabel = METRIC_RANGES.find((r) => r.key === (view?.range ?? range))!.label;

  return (
    <>
      <div className="mtoolbar">
        {picker && (
          <label>
            project{" "}
            <select aria-label="project" data-testid="project-picker" value={project} onChange={(e) => navigate(`/projects/${encodeURIComponent(e.target.value)}/metrics`)}>
              {picker.map((p) => (
                <option key={p.id} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          time{" "}
          <select aria-label="time range" data-testid="range" value={range} onChange={(e) => setQuery({ range: e.target.value === DEFAULT_RANGE ? null : e.target.value })}>
            {METRIC_RANGES.map((r) => (
              <option key={r.key} value={r.key}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" data-testid="metrics-summary">
          {loading && !sum
            ? "loading…"
            : sum
              ? `${rangeLabel}: ${sum.traces.toLocaleString("en-US")} traces · ${sum.spans.toLocaleString("en-US")} spans · error rate ${fmtPercent(sum.errorRate)} · ${fmtCount(sum.tokens)} tokens · cost ${fmtUsd(sum.cost)}${sum.annotations ? ` · ${sum.annotations.toLocaleString("en-US")} annotations` : ""}${loading ? " (updating…)" : ""}`
              : ""}
        </span>
      </div>
      {error && (
        <div className="error" data-testid="metrics-error">
          {error}
        </div>
      )}
      {ts && sum && sum.traces === 0 && sum.annotations === 0 && (
        <div className="coming" data-testid="metrics-empty">
          No traces in the {rangeLabel}. Choose a longer range, or send traces to /v1/traces (OTLP) and they will be charted here.
        </div>
      )}
      {ts && sum && (sum.traces > 0 || sum.annotations > 0) && <Charts ts={ts} />}
    </>
  );
}

function ChartsIndex() {
  const { projects, error } = useProjects();
  return (
    <div className="page metricspage">
      <h1>Metrics</h1>
      {error && <div className="error">{error}</div>}
      {!projects && !error && <div className="muted">loading…</div>}
      {projects && projects.length === 0 && (
        <div className="coming" data-testid="metrics-empty">
          No projects yet. Send traces to /v1/traces (OTLP) and their metrics will appear here.
        </div>
      )}
      {projects && projects.length > 0 && <MetricsView key={firstChoice(projects)} project={firstChoice(projects)} picker={projects} />}
    </div>
  );
}

export function MetricsPage({ project }: { project?: string }) {
  if (!project) return <ChartsIndex />;
  return (
    <div className="page metricspage">
      <h1>
        {project} <span className="muted">· metrics</span>
      </h1>
      <ProjectTabs project={project} active="metrics" />
      <MetricsView project={project} />
    </div>
  );
}

/** /charts without a project: the first application project (not the
 * catch-all "default", not an experiment's), else the first. */
function firstChoice(projects: Project[]): string {
  return (projects.find((p) => p.name !== "default" && !isExperimentProject(p)) || projects[0]).name;
}
