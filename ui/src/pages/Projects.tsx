import { useEffect, useState } from "react";
import type { Project } from "../types";
import { projectStats, type ProjectStats } from "../transforms";
import { fmtCount, fmtDuration, fmtPercent, fmtUsd, isDemo } from "../format";
import { Link } from "../router";
import { useProjects } from "../hooks";
import "./Projects.css";
import { Sparkline } from "../components/Sparkline";
import { timeseries } from "../api/observe";

const DAY = 24 * 3600e3;

function ProjectCard({ project }: { project: Project }) {
  const [stats, setStats] = useState<ProjectStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    const to = Date.now();
    timeseries(project.name, { start_time: new Date(to - DAY).toISOString(), end_time: new Date(to).toISOString(), interval: "3600" }, ac.signal)
      .then((ts) => setStats(projectStats(ts)))
      .catch((e) => {
        if (!ac.signal.aborted) setError(String(e.message || e));
      });
    return () => ac.abort();
  }, [project.name]);

  const base = `/projects/${encodeURIComponent(project.name)}`;
  return (
    <div className="card" data-testid="project-card">
      <div className="cardhead">
        <Link to={`${base}/spans`} className="cardtitle">
          {project.name}
        </Link>
        {isDemo(project.description) && (
          <span className="badge demo" data-testid="demo-badge" title="made by assay demo: recorded, not live data">
            demo data
          </span>
        )}
        <span className="muted">last 24 h</span>
      </div>
      {project.description && <div className="muted small">{project.description}</div>}
      {error && <div className="error">{error}</div>}
      {!stats && !error && <div className="muted">loading…</div>}
      {stats && (
        <>
          <div className="figures">
            <div><b>{fmtCount(stats.traces)}</b><span>traces</span></div>
            <div><b className={stats.errorRate > 0 ? "bad" : ""}>{fmtPercent(stats.errorRate)}</b><span>error rate</span></div>
            <div><b>{fmtDuration(stats.p50)}</b><span>p50 latency</span></div>
            <div><b>{fmtDuration(stats.p95)}</b><span>p95 latency</span></div>
            <div><b>{fmtCount(stats.tokens)}</b><span>tokens</span></div>
            <div><b data-testid="card-cost">{fmtUsd(stats.cost)}</b><span>cost</span></div>
          </div>
          <Sparkline values={stats.buckets} label={`traces per hour for ${project.name}`} width={300} />
        </>
      )}
      <div className="cardlinks" data-testid="card-links">
        <Link to={`${base}/spans`}>Spans</Link>
        <Link to={`${base}/graph`}>Agent graph</Link>
        <Link to={`${base}/metrics`}>Metrics</Link>
      </div>
    </div>
  );
}

export function ProjectsPage() {
  const { projects, error } = useProjects();
  return (
    <div className="page">
      <h1>Projects</h1>
      {error && <div className="error">{error}</div>}
      {!projects && !error && <div className="muted">loading…</div>}
      {projects && projects.length === 0 && <div className="muted">No projects yet. Send traces to /v1/traces.</div>}
      <div className="cards">{projects?.filter((p) => !isExperimentProject(p)).map((p) => <ProjectCard key={p.id} project={p} />)}</div>
      {projects && projects.some(isExperimentProject) && (
        <details className="experiment-projects" data-testid="experiment-projects">
          <summary>
            {projects.filter(isExperimentProject).length} experiment projects (the traces of experiment runs; see Experiments)
          </summary>
          <div className="cards">{projects.filter(isExperimentProject).map((p) => <ProjectCard key={p.id} project={p} />)}</div>
        </details>
      )}
    </div>
  );
}

/** The project an experiment's runs are traced into (named like Phoenix's
 * "Experiment-<hex>", described by its dataset): listed apart so that the
 * application projects stay in view. */
export function isExperimentProject(p: Project): boolean {
  return /^Experiment-[0-9a-f]{8,}$/.test(p.name) && /\bdataset_id:/.test(p.description || "");
}
