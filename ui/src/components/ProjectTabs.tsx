// The tabs of a project's pages: spans, sessions, agent graph, metrics.
import { Link } from "../router";

const TABS: { key: string; label: string }[] = [
  { key: "spans", label: "Spans" },
  { key: "sessions", label: "Sessions" },
  { key: "graph", label: "Agent graph" },
  { key: "metrics", label: "Metrics" },
];

export function ProjectTabs({ project, active }: { project: string; active: string }) {
  const base = `/projects/${encodeURIComponent(project)}`;
  return (
    <nav className="tabs" aria-label="project" data-testid="project-tabs">
      {TABS.map((t) => (
        <Link key={t.key} to={`${base}/${t.key}`} className={`tab ${t.key === active ? "active" : ""}`}>
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
