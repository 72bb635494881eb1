// Sessions of a project (traces sharing a `session.id`): the list, and one
// session as a conversation (each trace a turn: the root span's input as the
// user's bubble, its output as the assistant's).  Span content is text only.
import { useCallback, useEffect, useMemo, useState } from "react";
import "./Sessions.css";
import { api, enc, get } from "../api";
import type { Page, Span, Trace } from "../types";
import { ProjectTabs } from "../components/ProjectTabs";
import { Link } from "../router";
import { fmtCount, fmtDuration, fmtTime, preview, fmtUsd } from "../format";
import { turnText } from "../labelling";

interface Session {
  id: string;
  session_id: string;
  project_id: string;
  start_time: string;
  end_time: string;
  traces: { id: string; trace_id: string; start_time: string; end_time: string }[];
  token_count_prompt?: number;
  token_count_completion?: number;
  token_count_total?: number;
}

const PAGE = 50;
const ms = (a: string, b: string) => Date.parse(b) - Date.parse(a);
const byStart = <T extends { start_time: string }>(a: T, b: T) => Date.parse(a.start_time) - Date.parse(b.start_time);

/** The root spans of the given traces, by trace id (batches of 100 ids). */
async function rootSpans(project: string, traceIds: string[], signal?: AbortSignal): Promise<Map<string, Span>> {
  const out = new Map<string, Span>();
  for (let i = 0; i < traceIds.length; i += 100) {
    const ids = traceIds.slice(i, i + 100);
    let cursor: string | undefined;
    for (;;) {
      const page = await api.spans(project, { trace_id: ids, parent_id: "null", limit: "1000", cursor }, signal);
      for (const s of page.data) if (!out.has(s.context.trace_id)) out.set(s.context.trace_id, s);
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
  }
  return out;
}

export function SessionsPage({ project }: { project: string }) {
  const [sessions, setSessions] = useState<Session[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [firstInputs, setFirstInputs] = useState<Map<string, string>>(new Map());

  const load = useCallback(
    (cur: string | null, signal?: AbortSignal) => {
      setLoading(true);
      get<Page<Session>>(`/v1/projects/${enc(project)}/sessions`, { limit: String(PAGE), order: "desc", cursor: cur || undefined }, signal)
        .then(async (page) => {
          setSessions((prev) => (cur ? [...prev, ...page.data] : page.data));
          setCursor(page.next_cursor);
          setError(null);
          setLoading(false);
          const firsts = page.data.map((s) => [...s.traces].sort(byStart)[0]?.trace_id).filter((x): x is string => !!x);
          const roots = await rootSpans(project, firsts, signal);
          setFirstInputs((prev) => {
            const m = new Map(prev);
            for (const s of page.data) {
              const t = [...s.traces].sort(byStart)[0];
              const r = t && roots.get(t.trace_id);
              if (r) m.set(s.id, turnText(r.attributes["input.value"], "input"));
            }
            return m;
          });
        })
        .catch((e) => {
          if (signal?.aborted) return;
          setError(String(e.message || e));
          setLoading(false);
        });
    },
    [project],
  );

  useEffect(() => {
    const ac = new AbortController();
    load(null, ac.signal);
    return () => ac.abort();
  }, [load]);

  // The server pages by session id (first seen); show the loaded ones newest first.
  const rows = useMemo(() => [...sessions].sort((a, b) => byStart(b, a)), [sessions]);

  return (
    <div className="page sessionspage">
      <h1>
        {project} <span className="muted">· sessions</span>
      </h1>
      <ProjectTabs project={project} active="sessions" />
      {error && <div className="error">{error}</div>}
      <div className="muted small" data-testid="session-count">
        {loading && sessions.length === 0 ? "loading…" : `${sessions.length}${cursor ? "+" : ""} sessions`}
      </div>
      {!loading && !error && sessions.length === 0 && (
        <div className="muted empty" data-testid="sessions-empty">
          No sessions in this project. Sessions group traces whose spans carry the same <span className="mono">session.id</span> attribute: set it in your
          instrumentation (e.g. OpenInference's <span className="mono">using_session</span>).
        </div>
      )}
      {sessions.length > 0 && (
        <div className="sessiontable" role="table">
          <div className="sessionrow thead" role="row">
            <div className="th">session</div>
            <div className="th">start</div>
            <div className="th num">traces</div>
            <div className="th num">tokens</div>
            <div className="th num">duration</div>
            <div className="th">first input</div>
          </div>
          {rows.map((s) => (
            <div key={s.id} className="sessionrow" role="row" data-testid="session-row">
              <div className="td mono" title={s.session_id}>
                <Link to={`/projects/${enc(project)}/sessions/${enc(s.session_id)}`}>{s.session_id}</Link>
              </div>
              <div className="td mono">{fmtTime(s.start_time)}</div>
              <div className="td num" data-testid="session-traces">{s.traces.length}</div>
              <div className="td num">{fmtCount(s.token_count_total)}</div>
              <div className="td num">{fmtDuration(ms(s.start_time, s.end_time))}</div>
              <div className="td preview">{preview(firstInputs.get(s.id) ?? "")}</div>
            </div>
          ))}
        </div>
      )}
      {cursor && (
        <div style={{ marginTop: 10 }}>
          <button className="secondary" data-testid="sessions-more" disabled={loading} onClick={() => load(cursor)}>
            {loading ? "loading…" : "Load more"}
          </button>
        </div>
      )}
    </div>
  );
}

interface Turn {
  trace: Trace;
  root: Span | undefined;
}

export function SessionPage({ project, sessionId }: { project: string; sessionId: string }) {
  const [session, setSession] = useState<Session | null>(null);
  const [turns, setTurns] = useState<Turn[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const ac = new AbortController();
    setTurns(null);
    (async () => {
      const s = (await get<{ data: Session }>(`/v1/sessions/${enc(sessionId)}`, undefined, ac.signal)).data;
      setSession(s);
      const traces: Trace[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await api.traces(project, { session_identifier: s.id, limit: "1000", sort: "start_time", order: "asc", cursor }, ac.signal);
        traces.push(...page.data);
        if (!page.next_cursor || traces.length >= 5000) break;
        cursor = page.next_cursor;
      }
      traces.sort(byStart);
      const roots = await rootSpans(project, traces.map((t) => t.trace_id), ac.signal);
      setTurns(traces.map((t) => ({ trace: t, root: roots.get(t.trace_id) })));
    })().catch((e) => !ac.signal.aborted && setError(String(e.message || e)));
    return () => ac.abort();
  }, [project, sessionId]);

  const totals = useMemo(() => {
    if (!turns) return null;
    return {
      tokens: turns.reduce((n, t) => n + (t.trace.token_count_total ?? 0), 0),
      errors: turns.filter((t) => (t.trace.error_count ?? 0) > 0).length,
    };
  }, [turns]);

  return (
    <div className="page sessionpage">
      <div className="tracehead">
        <Link to={`/projects/${enc(project)}/sessions`}>← sessions</Link>
        <h1>
          Session <span className="mono small">{sessionId}</span>
        </h1>
        {session && totals && (
          <div className="chips">
            <span data-testid="turn-count">
              {turns?.length} {turns?.length === 1 ? "turn" : "turns"}
            </span>
            <span>{fmtTime(session.start_time)}</span>
            <span>{fmtDuration(ms(session.start_time, session.end_time))}</span>
            <span>{fmtCount(totals.tokens)} tokens</span>
            <span className={totals.errors ? "bad" : ""}>{totals.errors} with errors</span>
          </div>
        )}
      </div>
      <ProjectTabs project={project} active="sessions" />
      {error && <div className="error">{error}</div>}
      {!turns && !error && <div className="muted">loading…</div>}
      {turns && turns.length === 0 && <div className="muted empty">This session has no traces in project {project}.</div>}
      {turns && turns.length > 0 && (
        <div className="conversation" data-testid="conversation">
          {turns.map(({ trace, root }, i) => {
            const a = root?.attributes || {};
            const user = turnText(a["input.value"], "input");
            const assistant = turnText(a["output.value"], "output");
            const failed = root?.status_code === "ERROR" || (trace.error_count ?? 0) > 0;
            return (
              <div key={trace.trace_id} className="turn" data-testid="turn">
                <div className="turnmeta small muted">
                  <span>turn {i + 1}</span>
                  <span>{fmtTime(trace.start_time)}</span>
                  <span>{fmtDuration(trace.latency_ms ?? ms(trace.start_time, trace.end_time))}</span>
                  <span>{fmtCount(trace.token_count_total)} tokens</span>
                  {typeof trace.cost === "number" && <span>{fmtUsd(trace.cost)}</span>}
                  <span className={`status status-${failed ? "ERROR" : root?.status_code || "UNSET"}`}>{failed ? "ERROR" : root?.status_code || "UNSET"}</span>
                  <Link to={`/projects/${enc(project)}/traces/${trace.trace_id}${root ? `?span=${root.context.span_id}` : ""}`}>open trace</Link>
                </div>
                <div className="bubble user" data-testid="bubble-user">
                  <div className="who">user</div>
                  <div className="text">{user || <span className="muted">(no input recorded)</span>}</div>
                </div>
                <div className={`bubble assistant ${failed ? "failed" : ""}`} data-testid="bubble-assistant">
                  <div className="who">assistant{root ? ` · ${root.name}` : ""}</div>
                  <div className="text">{assistant || <span className="muted">{failed ? root?.status_message || "(failed, no output)" : "(no output recorded)"}</span>}</div>
                </div>
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}
