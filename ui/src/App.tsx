import { Link, useLocation } from "./router";
import { ProjectsPage } from "./pages/Projects";
import { SpansPage } from "./pages/Spans";
import { TracePage } from "./pages/Trace";
import { ComingPage } from "./pages/Coming";

const COMING: Record<string, { title: string; what: string }> = {
  "/datasets": { title: "Datasets", what: "Upload CSV/JSONL, browse examples and their versions, export." },
  "/experiments": { title: "Experiments", what: "Per-dataset experiments with evaluator pass rates and intervals, and the compare view." },
  "/labelling": { title: "Labelling", what: "Keyboard-first labelling queues." },
  "/agreement": { title: "Judge agreement", what: "Accuracy, kappa and the confusion matrix between a judge and human labels." },
  "/charts": { title: "Metrics", what: "Time series of traces, latency, tokens and error rate per project." },
};

const NAV: { to: string; label: string; coming?: boolean }[] = [
  { to: "/projects", label: "Projects" },
  ...Object.entries(COMING).map(([to, c]) => ({ to, label: c.title, coming: true })),
];

function route(path: string) {
  const seg = path.split("/").filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  if (seg.length === 0 || (seg[0] === "projects" && seg.length === 1)) return <ProjectsPage />;
  if (seg[0] === "projects" && seg.length === 3 && seg[2] === "spans") return <SpansPage key={seg[1]} project={seg[1]} />;
  if (seg[0] === "projects" && seg.length === 4 && seg[2] === "traces") return <TracePage key={seg[1] + seg[3]} project={seg[1]} traceId={seg[3]} />;
  const c = COMING[`/${seg[0]}`];
  if (c && seg.length === 1) return <ComingPage {...c} />;
  return (
    <div className="page">
      <h1>Not found</h1>
      <Link to="/projects">Go to the projects</Link>
    </div>
  );
}

export function App() {
  const { path } = useLocation();
  const active = (to: string) => path === to || path.startsWith(to + "/") || (to === "/projects" && path === "/");
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="main">
        <Link to="/projects" className="brand">assay</Link>
        {NAV.map((n) => (
          <Link key={n.to} to={n.to} className={`navlink ${active(n.to) ? "active" : ""}`}>
            {n.label}
            {n.coming && <span className="badge">coming</span>}
          </Link>
        ))}
      </nav>
      <main className="main">{route(path)}</main>
    </div>
  );
}
