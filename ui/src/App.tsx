import { Link, useLocation } from "./router";
import { ProjectsPage } from "./pages/Projects";
import { SpansPage } from "./pages/Spans";
import { TracePage } from "./pages/Trace";
import { SessionsPage, SessionPage } from "./pages/Sessions";
import { GraphPage } from "./pages/Graph";
import { MetricsPage } from "./pages/Metrics";
import { DatasetsPage, DatasetPage, DatasetUploadPage } from "./pages/Datasets";
import { ExperimentsPage, ExperimentPage, ComparePage } from "./pages/Experiments";
import { QueuesPage, QueuePage } from "./pages/Labelling";
import { AgreementPage } from "./pages/Agreement";

const NAV: { to: string; label: string }[] = [
  { to: "/projects", label: "Projects" },
  { to: "/datasets", label: "Datasets" },
  { to: "/experiments", label: "Experiments" },
  { to: "/labelling", label: "Labelling" },
  { to: "/agreement", label: "Judge agreement" },
  { to: "/charts", label: "Metrics" },
];

/* The UI's paths.  Every one of them must also be in src/server/h_ui.c's
 * route table, so that a reload or a shared link is answered with the app. */
function route(path: string) {
  const seg = path.split("/").filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  const [a, b, c, d] = seg;
  const n = seg.length;
  if (n === 0 || (a === "projects" && n === 1)) return <ProjectsPage />;
  if (a === "projects" && n === 3 && c === "spans") return <SpansPage key={b} project={b} />;
  if (a === "projects" && n === 4 && c === "traces") return <TracePage key={b + d} project={b} traceId={d} />;
  if (a === "projects" && n === 3 && c === "sessions") return <SessionsPage key={b} project={b} />;
  if (a === "projects" && n === 4 && c === "sessions") return <SessionPage key={b + d} project={b} sessionId={d} />;
  if (a === "projects" && n === 3 && c === "graph") return <GraphPage key={b} project={b} />;
  if (a === "projects" && n === 3 && c === "metrics") return <MetricsPage key={b} project={b} />;
  if (a === "charts" && n === 1) return <MetricsPage />;
  if (a === "datasets" && n === 1) return <DatasetsPage />;
  if (a === "datasets" && n === 2 && b === "upload") return <DatasetUploadPage />;
  if (a === "datasets" && n === 2) return <DatasetPage key={b} datasetId={b} />;
  if (a === "experiments" && n === 1) return <ExperimentsPage />;
  if (a === "experiments" && n === 2 && b === "compare") return <ComparePage />;
  if (a === "experiments" && n === 2) return <ExperimentPage key={b} experimentId={b} />;
  if (a === "labelling" && n === 1) return <QueuesPage />;
  if (a === "labelling" && n === 2) return <QueuePage key={b} queueId={b} />;
  if (a === "agreement" && n === 1) return <AgreementPage />;
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
          </Link>
        ))}
      </nav>
      <main className="main">{route(path)}</main>
    </div>
  );
}
