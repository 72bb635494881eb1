// The spans table of a project: filter expression, time range, sort, root-only.
import { RANGES, RangeSelect } from "../components/RangeSelect";
import { ProjectTabs } from "../components/ProjectTabs";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, ApiError } from "../api";
import type { Span } from "../types";
import { FilterBox } from "../components/FilterBox";
import { VirtualList } from "../components/VirtualList";
import { fmtCount, fmtDuration, fmtTime, preview, fmtUsd } from "../format";
import { spanLatency, spanTokens } from "../transforms";
import { navigate, setQuery, useLocation } from "../router";
import { spanAnnotations } from "../api/annotations";
import { annotationChips, clickSelect } from "../labelling";
import { AddToDatasetDialog, AddToQueueDialog } from "../components/AddToDialogs";
import "./Spans.css";


type SortKey = "time" | "latency" | "tokens";

export function sortSpans(spans: Span[], key: SortKey, desc: boolean): Span[] {
  const val = (s: Span) => (key === "time" ? Date.parse(s.start_time) : key === "latency" ? spanLatency(s) : spanTokens(s) ?? -1);
  const out = [...spans].sort((a, b) => val(a) - val(b));
  return desc ? out.reverse() : out;
}

const PAGE = 500;

export function SpansPage({ project }: { project: string }) {
  const { query } = useLocation();
  const filter = query.get("filter") || "";
  const range = query.get("range") || "24h";
  const rootOnly = query.get("root") === "1";
  const sort = (query.get("sort") as SortKey) || "time";
  const desc = query.get("order") !== "asc";

  const [spans, setSpans] = useState<Span[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<{ message: string; column: number | null } | null>(null);
  const [filterError, setFilterError] = useState<{ message: string; column: number | null } | null>(null);
  const gen = useRef(0);
  // selection (span ids) with the anchor row of a shift-click range
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [anchor, setAnchor] = useState<number | null>(null);
  const [dialog, setDialog] = useState<"dataset" | "queue" | null>(null);
  // annotation chips of the loaded rows, fetched in batches
  const [chips, setChips] = useState<Map<string, string[]>>(new Map());
  const chipsAsked = useRef<Set<string>>(new Set());

  const params = useMemo(() => {
    const r = RANGES.find((x) => x.key === range);
    return {
      filter: filter || undefined,
      start_time: r && r.ms ? new Date(Date.now() - r.ms).toISOString() : undefined,
      parent_id: rootOnly ? "null" : undefined,
      // time and latency are sorted by the server over every matching span
      // (keyset pages); tokens only over the loaded rows
      sort: sort === "latency" ? "latency_ms" : undefined,
      order: sort !== "tokens" && !desc ? "asc" : undefined,
      limit: String(PAGE),
    };
  }, [filter, range, rootOnly, sort, desc]);

  const load = useCallback(
    (cur: string | null) => {
      const g = ++gen.current;
      setLoading(true);
      api
        .spans(project, { ...params, cursor: cur || undefined })
        .then((page) => {
          if (g !== gen.current) return;
          setSpans((prev) => (cur ? [...prev, ...page.data] : page.data));
          if (!cur) {
            setSelected(new Set());
            setAnchor(null);
          }
          setCursor(page.next_cursor);
          setError(null);
          setFilterError(null);
        })
        .catch((e) => {
          if (g !== gen.current) return;
          const err = { message: String(e.message || e), column: e instanceof ApiError ? e.column : null };
          if (e instanceof ApiError && e.status === 400 && /filter/i.test(e.message)) setFilterError(err);
          else setError(err);
          if (!cur) setSpans([]);
          setCursor(null);
        })
        .finally(() => g === gen.current && setLoading(false));
    },
    [project, params],
  );

  useEffect(() => load(null), [load]);
  const more = useCallback(() => {
    if (cursor && !loading) load(cursor);
  }, [cursor, loading, load]);

  const rows = useMemo(() => (sort === "tokens" ? sortSpans(spans, sort, desc) : spans), [spans, sort, desc]);
  const rowIds = useMemo(() => rows.map((s) => s.context.span_id), [rows]);

  useEffect(() => {
    const ids = spans.map((s) => s.context.span_id).filter((id) => !chipsAsked.current.has(id));
    if (!ids.length) return;
    for (const id of ids) chipsAsked.current.add(id);
    spanAnnotations(project, ids)
      .then((anns) => {
        const got = annotationChips(anns);
        if (got.size) setChips((prev) => new Map([...prev, ...got]));
      })
      .catch(() => {
        for (const id of ids) chipsAsked.current.delete(id);
      });
  }, [project, spans]);

  const onCheck = (index: number, shift: boolean) => {
    setSelected((prev) => clickSelect(rowIds, prev, anchor, index, shift));
    setAnchor(index);
  };
  const allSelected = rows.length > 0 && selected.size >= rows.length && rowIds.every((id) => selected.has(id));
  const sortHeader = (key: SortKey, label: string) => (
    <button
      className={`th sortable ${sort === key ? "active" : ""}`}
      data-testid={`sort-${key}`}
      onClick={() => setQuery({ sort: key === "time" ? null : key, order: sort === key && desc ? "asc" : null })}
      title={key === "tokens" ? "sort the loaded rows" : "sort every matching span (server)"}
    >
      {label} {sort === key ? (desc ? "▼" : "▲") : ""}
    </button>
  );

  return (
    <div className="page spanspage">
      <h1>
        {project} <span className="muted">· spans</span>
      </h1>
      <ProjectTabs project={project} active="spans" />
      <div className="toolbar">
        <FilterBox value={filter} error={filterError} onSubmit={(f) => setQuery({ filter: f || null })} />
        <div className="controls">
          <RangeSelect range={range} />
          <label>
            <input type="checkbox" data-testid="root-only" checked={rootOnly} onChange={(e) => setQuery({ root: e.target.checked ? "1" : null })} /> root spans only
          </label>
          <span className="muted" data-testid="span-count">
            {loading ? "loading…" : `${fmtCount(spans.length)}${cursor ? "+" : ""} spans`}
          </span>
        </div>
      </div>
      {error && <div className="error">{error.message}</div>}
      {selected.size > 0 && (
        <div className="selectionbar" data-testid="selection-bar">
          <b data-testid="selection-count">{selected.size} selected</b>
          <button onClick={() => setDialog("dataset")} data-testid="add-to-dataset">
            Add to dataset
          </button>
          <button onClick={() => setDialog("queue")} data-testid="add-to-queue">
            Add to labelling queue
          </button>
          <button className="link" onClick={() => setSelected(new Set())}>
            clear
          </button>
        </div>
      )}
      {dialog === "dataset" && <AddToDatasetDialog spanIds={rowIds.filter((id) => selected.has(id))} onClose={() => setDialog(null)} />}
      {dialog === "queue" && <AddToQueueDialog spanIds={rowIds.filter((id) => selected.has(id))} onClose={() => setDialog(null)} />}
      <div className="table spantable" role="table">
        <div className="thead spanrow" role="row">
          <div className="th sel">
            <input
              type="checkbox"
              aria-label="select all loaded spans"
              data-testid="select-all"
              checked={allSelected}
              onChange={(e) => setSelected(e.target.checked ? new Set(rowIds) : new Set())}
            />
          </div>
          {sortHeader("time", "time")}
          <div className="th">name</div>
          <div className="th">kind</div>
          <div className="th">status</div>
          {sortHeader("latency", "latency")}
          {sortHeader("tokens", "tokens")}
          <div className="th num">cost</div>
          <div className="th">annotations</div>
          <div className="th">input</div>
          <div className="th">output</div>
        </div>
        <VirtualList
          items={rows}
          rowHeight={30}
          testId="span-rows"
          onEndReached={more}
          renderRow={(s, i) => (
            <div
              className={`spanrow clickable ${s.status_code === "ERROR" ? "err" : ""} ${selected.has(s.context.span_id) ? "selected" : ""}`}
              role="row"
              data-testid="span-row"
              data-span-id={s.context.span_id}
              onClick={() => navigate(`/projects/${encodeURIComponent(project)}/traces/${s.context.trace_id}?span=${s.context.span_id}`)}
            >
              <div className="td sel" onClick={(e) => e.stopPropagation()}>
                <input
                  type="checkbox"
                  aria-label="select span"
                  data-testid="span-select"
                  checked={selected.has(s.context.span_id)}
                  onClick={(e) => {
                    e.stopPropagation();
                    onCheck(i, e.shiftKey);
                  }}
                  onChange={() => undefined}
                />
              </div>
              <div className="td mono">{fmtTime(s.start_time)}</div>
              <div className="td name" title={s.name}>{s.name}</div>
              <div className="td"><span className={`kind kind-${s.span_kind}`}>{s.span_kind}</span></div>
              <div className="td"><span className={`status status-${s.status_code}`}>{s.status_code}</span></div>
              <div className="td num">{fmtDuration(spanLatency(s))}</div>
              <div className="td num">{fmtCount(spanTokens(s))}</div>
              <div className="td num" data-testid="span-cost">{fmtUsd(s.cost)}</div>
              <div className="td chipcell" data-testid="span-annotations">
                {(chips.get(s.context.span_id) || []).map((c) => (
                  <span key={c} className="annchip" title={c}>
                    {c}
                  </span>
                ))}
              </div>
              <div className="td preview">{preview(s.attributes["input.value"])}</div>
              <div className="td preview">{preview(s.attributes["output.value"])}</div>
            </div>
          )}
        />
        {!loading && rows.length === 0 && !error && !filterError && <div className="muted empty">No spans match.</div>}
      </div>
    </div>
  );
}
