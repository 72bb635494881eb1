// The agent graph of a project (or of one trace): which agents, chains, tools
// and LLM calls call which, with call counts, latency and error rates, laid
// out by dagre and drawn as SVG.  Every name is an SVG text node (React
// escapes it); clicking a node opens the spans page filtered to it.
import { RANGES, RangeSelect } from "../components/RangeSelect";
import { useEffect, useMemo, useRef, useState } from "react";
import { ProjectTabs } from "../components/ProjectTabs";
import { agentGraph, type AgentGraph, type GraphNode } from "../api/observe";
import { fmtCount, fmtDuration, fmtPercent, fmtUsd } from "../format";
import { fitView, initialView, kindStyle, layoutGraph, limitGraph, MAX_DRAWN_NODES, nodeSpansHref, zoomAt, KNOWN_KINDS, type LaidEdge, type LaidNode, type Rankdir, type View } from "../graph";
import { Link, navigate, setQuery, useLocation } from "../router";
import "./Graph.css";

function nodeTokens(n: GraphNode): number | null {
  return n.tokens ? (n.tokens.prompt ?? 0) + (n.tokens.completion ?? 0) : null;
}

const callsText = (n: number) => `${fmtCount(n)} call${n === 1 ? "" : "s"}`;

function cut(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

function NodeBox({ n, onOpen }: { n: LaidNode; onOpen: (node: GraphNode) => void }) {
  const { node } = n;
  const ks = kindStyle(node.kind);
  const bad = node.errors > 0;
  const lat = node.latency_ms;
  const tokens = nodeTokens(node);
  return (
    <g
      className={`gnode ${bad ? "err" : ""}`}
      transform={`translate(${n.x},${n.y})`}
      data-testid="graph-node"
      data-node-id={node.id}
      data-kind={node.kind}
      data-name={node.name}
      data-calls={node.calls}
      role="link"
      tabIndex={0}
      aria-label={`${node.kind} ${node.name}: ${node.calls} calls; open its spans`}
      onClick={() => onOpen(node)}
      onKeyDown={(e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          onOpen(node);
        }
      }}
    >
      <title>{`${node.kind} ${node.name}\n${node.calls} calls in ${node.traces} traces · p50 ${fmtDuration(lat?.p50)}${tokens ? ` · ${fmtCount(tokens)} tokens` : ""}${node.cost != null ? ` · ${fmtUsd(node.cost)}` : ""}\nclick: show its spans`}</title>
      <rect className="gbox" width={n.w} height={n.h} rx={8} style={{ stroke: bad ? undefined : ks.color }} />
      <rect className="gstrip" width={6} height={n.h} rx={3} style={{ fill: bad ? undefined : ks.color }} />
      <text x={14} y={18} className="gkind" style={{ fill: ks.color }}>
        {`${ks.icon} ${cut(node.kind, 14)}`}
      </text>
      <text x={n.w - 10} y={18} className="gcalls" textAnchor="end" data-testid="node-calls">
        {callsText(node.calls)}
      </text>
      <text x={14} y={38} className="gname" data-testid="node-name">
        {cut(node.name, 26)}
      </text>
      <text x={14} y={56} className="gstat">
        {`mean ${fmtDuration(lat?.mean)} · p95 ${fmtDuration(lat?.p95)}`}
      </text>
      <text x={14} y={71} className={`gstat ${bad ? "gerr" : ""}`} data-testid="node-errors">
        {`errors ${fmtPercent(node.error_rate ?? (node.calls ? node.errors / node.calls : null))}${bad ? ` (${fmtCount(node.errors)})` : ""}`}
      </text>
    </g>
  );
}

function EdgeLine({ e }: { e: LaidEdge }) {
  const par = e.edge.parallel;
  const label = callsText(e.edge.calls);
  const w = par ? 92 : 64;
  return (
    <g
      className={`gedge ${par ? "parallel" : ""}`}
      data-testid="graph-edge"
      data-source={e.edge.source}
      data-target={e.edge.target}
      data-parallel={par ? "true" : "false"}
      data-calls={e.edge.calls}
    >
      <title>{`${e.edge.source} → ${e.edge.target}: ${e.edge.calls} calls from ${e.edge.parents} parent spans${par ? `; ${e.edge.parallel_calls} overlapped a sibling (parallel)` : ""}`}</title>
      <path d={e.path} markerEnd={par ? "url(#garrow-par)" : "url(#garrow)"} />
      <g transform={`translate(${e.label.x - w / 2},${e.label.y - 9})`} className="glabel">
        <rect width={w} height={18} rx={9} />
        <text x={par ? 8 : w / 2} y={13} textAnchor={par ? "start" : "middle"} data-testid="edge-label">
          {label}
        </text>
        {par && (
          <text x={w - 8} y={13} textAnchor="end" className="gpar" data-testid="parallel-badge">
            ∥
          </text>
        )}
      </g>
    </g>
  );
}

function Legend({ kinds }: { kinds: string[] }) {
  return (
    <div className="glegend" data-testid="graph-legend">
      {kinds.map((k) => (
        <span key={k} className="glegitem">
          <i className="glegdot" style={{ background: kindStyle(k).color }} /> {k}
        </span>
      ))}
      <span className="glegitem">
        <svg width="34" height="10" aria-hidden="true"><line x1="0" y1="5" x2="34" y2="5" className="glegline" /></svg> calls (count)
      </span>
      <span className="glegitem">
        <svg width="34" height="10" aria-hidden="true"><line x1="0" y1="5" x2="34" y2="5" className="glegline par" /></svg> ∥ parallel: calls overlapped a sibling in time
      </span>
      <span className="glegitem">
        <i className="glegband" /> runs in parallel
      </span>
      <span className="glegitem">
        <i className="glegerr" /> has errors
      </span>
      <span className="glegitem ghint">drag to pan · wheel to zoom · click a node for its spans</span>
    </div>
  );
}

function GraphCanvas({ data, rankdir, onOpen }: { data: AgentGraph; rankdir: Rankdir; onOpen: (n: GraphNode) => void }) {
  const limited = useMemo(() => limitGraph(data), [data]);
  const layout = useMemo(() => layoutGraph(limited.graph, rankdir), [limited, rankdir]);
  const wrap = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [view, setView] = useState<View | null>(null);
  const moved = useRef(false);
  const userView = useRef(false);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const measure = () => setSize({ w: el.clientWidth, h: el.clientHeight });
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // fit when the drawing or the viewport changes, unless the user has panned/zoomed
  useEffect(() => {
    userView.current = false;
  }, [layout]);
  useEffect(() => {
    // (an unmeasured viewport - hidden, or jsdom - is taken as 800×500)
    if (!userView.current) setView(initialView(layout, size.w || 800, size.h || 500, rankdir));
  }, [layout, size, rankdir]);

  // wheel zoom needs a non-passive listener to keep the page from scrolling
  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      userView.current = true;
      setView((v) => (v ? zoomAt(v, Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top) : v));
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, []);

  const onPointerDown = (e: React.PointerEvent) => {
    if (e.button !== 0) return;
    const sx = e.clientX, sy = e.clientY;
    const start = view;
    moved.current = false;
    const move = (ev: PointerEvent) => {
      const dx = ev.clientX - sx, dy = ev.clientY - sy;
      if (!moved.current && Math.hypot(dx, dy) < 4) return;
      moved.current = true;
      userView.current = true;
      if (start) setView({ ...start, x: start.x + dx, y: start.y + dy });
    };
    const up = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  };

  const zoom = (f: number) => {
    userView.current = true;
    setView((v) => (v ? zoomAt(v, f, size.w / 2, size.h / 2) : v));
  };
  const fit = () => {
    userView.current = false;
    setView(fitView(layout.width, layout.height, size.w || 800, size.h || 500));
  };
  const open = (n: GraphNode) => {
    if (moved.current) return; // the end of a drag, not a click
    onOpen(n);
  };

  return (
    <div className="gcanvas" ref={wrap} data-testid="graph-canvas" onPointerDown={onPointerDown}>
      <div className="gzoom">
        <button className="secondary" onClick={() => zoom(1.25)} aria-label="zoom in" data-testid="zoom-in">+</button>
        <button className="secondary" onClick={() => zoom(0.8)} aria-label="zoom out" data-testid="zoom-out">−</button>
        <button className="secondary" onClick={fit} data-testid="zoom-fit">fit</button>
        <span className="muted small" data-testid="zoom-level">{view ? `${Math.round(view.k * 100)}%` : ""}</span>
      </div>
      {limited.hidden > 0 && (
        <div className="ghidden small" data-testid="graph-hidden">
          showing the {MAX_DRAWN_NODES} most called of {data.nodes.length} nodes; all are in the table below
        </div>
      )}
      <svg width="100%" height="100%" data-testid="graph-svg">
        <defs>
          <marker id="garrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="garrowhead" />
          </marker>
          <marker id="garrow-par" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="garrowhead par" />
          </marker>
        </defs>
        {view && (
          <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
            {layout.bands.map((b) => (
              <g key={b.source + b.targets.join()} className="gband" data-testid="parallel-band" data-source={b.source} data-targets={b.targets.join(" ")}>
                <rect x={b.x} y={b.y} width={b.w} height={b.h} rx={12} />
                <text x={b.x + 10} y={b.y + 13}>∥ runs in parallel</text>
              </g>
            ))}
            {layout.edges.map((e) => (
              <EdgeLine key={`${e.edge.source}\u0000${e.edge.target}`} e={e} />
            ))}
            {layout.nodes.map((n) => (
              <NodeBox key={n.node.id} n={n} onOpen={open} />
            ))}
          </g>
        )}
      </svg>
    </div>
  );
}

function NodeTable({ data, hrefOf }: { data: AgentGraph; hrefOf: (n: GraphNode) => string }) {
  const rows = useMemo(() => [...data.nodes].sort((a, b) => b.calls - a.calls || a.id.localeCompare(b.id)), [data]);
  return (
    <details className="gtable" data-testid="graph-table">
      <summary>All {rows.length} nodes as a table</summary>
      <table>
        <thead>
          <tr>
            <th>kind</th><th>name</th><th className="num">calls</th><th className="num">traces</th><th className="num">mean</th>
            <th className="num">p95</th><th className="num">errors</th><th className="num">tokens</th><th className="num">cost</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((n) => (
            <tr key={n.id}>
              <td><span className={`kind kind-${n.kind}`}>{n.kind}</span></td>
              <td><Link to={hrefOf(n)}>{n.name}</Link></td>
              <td className="num">{fmtCount(n.calls)}</td>
              <td className="num">{fmtCount(n.traces)}</td>
              <td className="num">{fmtDuration(n.latency_ms?.mean)}</td>
              <td className="num">{fmtDuration(n.latency_ms?.p95)}</td>
              <td className={`num ${n.errors > 0 ? "bad" : ""}`}>{fmtPercent(n.error_rate)}</td>
              <td className="num">{fmtCount(nodeTokens(n))}</td>
              <td className="num">{fmtUsd(n.cost)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

export function GraphPage({ project }: { project: string }) {
  const { query } = useLocation();
  const range = query.get("range") || "24h";
  const traceId = query.get("trace") || "";
  const rankdir: Rankdir = query.get("dir") === "LR" ? "LR" : "TB";
  const [data, setData] = useState<AgentGraph | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    const ac = new AbortController();
    const r = RANGES.find((x) => x.key === range);
    setLoading(true);
    setError(null);
    agentGraph(project, traceId ? { trace_id: traceId } : { start_time: r && r.ms ? new Date(Date.now() - r.ms).toISOString() : undefined }, ac.signal)
      .then((d) => setData(d))
      .catch((e) => {
        if (ac.signal.aborted) return;
        setData(null);
        setError(String(e.message || e));
      })
      .finally(() => !ac.signal.aborted && setLoading(false));
    return () => ac.abort();
  }, [project, range, traceId]);

  const hrefOf = (n: GraphNode) => nodeSpansHref(project, n, range, traceId || null);
  const kinds = useMemo(() => {
    const present = new Set((data?.nodes || []).map((n) => n.kind));
    return [...KNOWN_KINDS.filter((k) => present.has(k)), ...[...present].filter((k) => !KNOWN_KINDS.includes(k)).sort()];
  }, [data]);
  const traceHref = `/projects/${encodeURIComponent(project)}/traces/${encodeURIComponent(traceId)}`;

  return (
    <div className="page graphpage">
      <h1>
        {project} <span className="muted">· {traceId ? "agent graph of one trace" : "agent graph"}</span>
      </h1>
      <ProjectTabs project={project} active="graph" />
      <div className="gtoolbar">
        {traceId ? (
          <span data-testid="graph-trace">
            Trace <Link to={traceHref} className="mono">{traceId}</Link> ·{" "}
            <Link to={`/projects/${encodeURIComponent(project)}/graph${range !== "24h" ? `?range=${encodeURIComponent(range)}` : ""}`}>whole project</Link>
          </span>
        ) : (
          <RangeSelect range={range} />
        )}
        <label>
          layout{" "}
          <select aria-label="layout direction" data-testid="direction" value={rankdir} onChange={(e) => setQuery({ dir: e.target.value === "TB" ? null : e.target.value })}>
            <option value="TB">top to bottom</option>
            <option value="LR">left to right</option>
          </select>
        </label>
        <span className="muted" data-testid="graph-info">
          {loading
            ? "loading…"
            : data
              ? `${fmtCount(data.traces)} trace${data.traces === 1 ? "" : "s"}${data.truncated ? " (truncated: the most recent ones)" : ""} · ${fmtCount(data.spans)} spans · ${data.nodes.length} nodes · ${data.edges.length} edges`
              : ""}
        </span>
      </div>
      {error && (
        <div className="error" data-testid="graph-error">
          {error}
        </div>
      )}
      {!loading && !error && data && data.nodes.length === 0 && (
        <div className="coming" data-testid="graph-empty">
          {traceId
            ? "This trace has no spans (it may have been deleted, or not arrived yet)."
            : "No spans in this time range. Choose a longer range above, or send OpenInference traces to /v1/traces (the graph is built from span kinds, names and parent ids)."}
        </div>
      )}
      {data && data.nodes.length > 0 && (
        <>
          <Legend kinds={kinds} />
          <GraphCanvas data={data} rankdir={rankdir} onOpen={(n) => navigate(hrefOf(n))} />
          <NodeTable data={data} hrefOf={hrefOf} />
        </>
      )}
    </div>
  );
}
