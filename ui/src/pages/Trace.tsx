// Trace detail: span tree with a waterfall timeline (virtualised) and the span panel.
import { useEffect, useMemo, useState } from "react";
import { api, getAll } from "../api";
import type { Span } from "../types";
import { buildTree, flattenTree, timeBounds, waterfallBar, spanLatency } from "../transforms";
import { fmtDuration, fmtCount, fmtUsd } from "../format";
import { VirtualList } from "../components/VirtualList";
import { SpanPanel } from "../components/SpanPanel";
import { Link, setQuery, useLocation } from "../router";

const ROW = 26;

export function TracePage({ project, traceId }: { project: string; traceId: string }) {
  const { query } = useLocation();
  const [spans, setSpans] = useState<Span[] | null>(null);
  const [truncated, setTruncated] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());

  useEffect(() => {
    const ac = new AbortController();
    setSpans(null);
    getAll((cursor) => api.spans(project, { trace_id: traceId, limit: "1000", cursor }, ac.signal), 50000)
      .then(({ items, truncated }) => {
        setSpans(items);
        setTruncated(truncated);
      })
      .catch((e) => !ac.signal.aborted && setError(String(e.message || e)));
    return () => ac.abort();
  }, [project, traceId]);

  const tree = useMemo(() => (spans ? buildTree(spans) : []), [spans]);
  const rows = useMemo(() => flattenTree(tree, collapsed), [tree, collapsed]);
  const [t0, t1] = useMemo(() => timeBounds(spans || []), [spans]);
  const selectedId = query.get("span") || tree[0]?.span.context.span_id;
  const selected = spans?.find((s) => s.context.span_id === selectedId) || tree[0]?.span;
  const selectedIndex = rows.findIndex((r) => r.span.context.span_id === selectedId);
  const errors = spans?.filter((s) => s.status_code === "ERROR").length ?? 0;
  // the trace's cost: its spans' known costs (null when none has one)
  const cost = spans?.reduce<number | null>((sum, s) => (typeof s.cost === "number" ? (sum ?? 0) + s.cost : sum), null) ?? null;

  const toggle = (id: string) =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <div className="page tracepage">
      <div className="tracehead">
        <Link to={`/projects/${encodeURIComponent(project)}/spans`}>← {project}</Link>
        <h1>
          Trace <span className="mono small">{traceId}</span>
        </h1>
        {spans && (
          <div className="chips">
            <span>{fmtCount(spans.length)} spans{truncated ? " (truncated)" : ""}</span>
            <span>{fmtDuration(t1 - t0)}</span>
            <span className={errors ? "bad" : ""}>{errors} {errors === 1 ? "error" : "errors"}</span>
            {cost != null && <span data-testid="trace-cost">{fmtUsd(cost)}</span>}
            <Link to={`/projects/${encodeURIComponent(project)}/graph?trace=${encodeURIComponent(traceId)}`}>agent graph of this trace</Link>
          </div>
        )}
      </div>
      {error && <div className="error">{error}</div>}
      {!spans && !error && <div className="muted">loading…</div>}
      {spans && spans.length === 0 && <div className="muted">No spans in this trace.</div>}
      {spans && spans.length > 0 && (
        <div className="split">
          <div className="waterfall" data-testid="waterfall">
            <div className="wfhead">
              <div className="wfname">span</div>
              <div className="wfbar">
                <span>0</span>
                <span>{fmtDuration((t1 - t0) / 2)}</span>
                <span>{fmtDuration(t1 - t0)}</span>
              </div>
            </div>
            <VirtualList
              items={rows}
              rowHeight={ROW}
              scrollToIndex={selectedIndex}
              testId="waterfall-rows"
              renderRow={(n) => {
                const s = n.span;
                const id = s.context.span_id;
                const bar = waterfallBar(s, t0, t1);
                return (
                  <div
                    className={`wfrow ${id === selected?.context.span_id ? "selected" : ""} ${s.status_code === "ERROR" ? "err" : ""}`}
                    data-testid="wf-row"
                    onClick={() => setQuery({ span: id })}
                  >
                    <div className="wfname" style={{ paddingLeft: 6 + Math.min(n.depth, 40) * 14 }} title={s.name}>
                      {n.children.length > 0 ? (
                        <button
                          className="twisty"
                          aria-label={collapsed.has(id) ? "expand" : "collapse"}
                          onClick={(e) => {
                            e.stopPropagation();
                            toggle(id);
                          }}
                        >
                          {collapsed.has(id) ? "▸" : "▾"}
                        </button>
                      ) : (
                        <span className="twisty" />
                      )}
                      <span className={`kinddot kind-${s.span_kind}`} title={s.span_kind} />
                      <span className="wfspanname">{s.name}</span>
                    </div>
                    <div className="wfbar">
                      <div className={`bar kind-${s.span_kind}`} data-testid="wf-bar" style={{ left: `${bar.left}%`, width: `${bar.width}%` }} />
                      <span className={`barlabel ${bar.left + bar.width > 85 ? "inside" : ""}`} style={bar.left + bar.width > 85 ? { right: `${100 - bar.left - bar.width}%` } : { left: `${bar.left + bar.width}%` }}>
                        {fmtDuration(spanLatency(s))}
                      </span>
                    </div>
                  </div>
                );
              }}
            />
          </div>
          <div className="panel">{selected && <SpanPanel span={selected} project={project} />}</div>
        </div>
      )}
    </div>
  );
}
