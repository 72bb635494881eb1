// The span panel: input/output (plain text, pretty JSON, chat messages), the
// attribute tree, events and exceptions, token counts. Everything here is span
// content and is rendered as text (React escaping); only http(s) URLs become links.
import { useMemo, useState } from "react";
import type { Attr, Span } from "../types";
import { chatMessages, spanLatency, spanTokens, unflatten, type AttrTree } from "../transforms";
import { fmtCount, fmtDuration, fmtTime, safeHref, tryJson, fmtUsd } from "../format";
import { AnnotationPanel } from "./AnnotationPanel";
import { Documents } from "./Documents";
import { spanDocuments } from "../documents";

function Scalar({ v }: { v: Attr }) {
  if (v === null) return <span className="null">null</span>;
  if (typeof v === "string") {
    const href = safeHref(v);
    return href ? (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow">
        {v}
      </a>
    ) : (
      <span className="str">{v}</span>
    );
  }
  if (typeof v === "object") return <span className="str">{JSON.stringify(v)}</span>;
  return <span className="num">{String(v)}</span>;
}

function Tree({ node }: { node: AttrTree }) {
  return (
    <ul className="attrtree">
      {Object.keys(node).map((k) => {
        const v = node[k];
        const isBranch = v !== null && typeof v === "object" && !Array.isArray(v);
        return (
          <li key={k}>
            {isBranch ? (
              <details open>
                <summary className="key">{k === "" ? "(value)" : k}</summary>
                <Tree node={v as AttrTree} />
              </details>
            ) : (
              <>
                <span className="key">{k === "" ? "(value)" : k}</span>: <Scalar v={v as Attr} />
              </>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** A value shown as pretty JSON when it parses as JSON, else as plain text. */
export function ValueView({ value, label }: { value: Attr | undefined; label: string }) {
  const [raw, setRaw] = useState(false);
  if (value === undefined || value === null || value === "") return null;
  const parsed = tryJson(value);
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return (
    <section className="valueview" data-testid={`value-${label}`}>
      <div className="sectionhead">
        <h3>{label}</h3>
        {parsed !== undefined && (
          <button className="link" onClick={() => setRaw(!raw)}>
            {raw ? "pretty" : "raw"}
          </button>
        )}
      </div>
      <pre className="value">{parsed !== undefined && !raw ? JSON.stringify(parsed, null, 2) : text}</pre>
    </section>
  );
}

function Messages({ span, which }: { span: Span; which: "input" | "output" }) {
  const msgs = chatMessages(span.attributes, which);
  if (!msgs.length) return null;
  return (
    <section data-testid={`messages-${which}`}>
      <h3>{which === "input" ? "Input messages" : "Output messages"}</h3>
      {msgs.map((m, i) => (
        <div key={i} className={`msg role-${m.role.replace(/[^a-z]/gi, "")}`}>
          <div className="role">{m.role}</div>
          <pre className="value">{m.content}</pre>
        </div>
      ))}
    </section>
  );
}

/** project: when given, the Annotations tab (read and add annotations / notes) is shown. */
export function SpanPanel({ span, project }: { span: Span; project?: string }) {
  const [tabState, setTab] = useState<"io" | "attrs" | "events" | "annotations" | "docs">("io");
  const a = span.attributes || {};
  // retrieved / reranked documents: the Documents tab (docs/annotations.md, "Document annotations")
  const docGroups = useMemo(() => spanDocuments(a), [a]);
  const docCount = docGroups.reduce((n, g) => n + g.docs.length, 0);
  const tab = tabState === "docs" && docCount === 0 ? "io" : tabState;
  const num = (k: string) => (typeof a[k] === "number" ? (a[k] as number) : null);
  const exceptions = span.events.filter((e) => e.name === "exception");
  const isLLM = span.span_kind === "LLM";
  const hasMsgs = chatMessages(a, "input").length + chatMessages(a, "output").length > 0;
  const cost = (span as Span & { cost?: unknown }).cost;
  return (
    <div className="spanpanel" data-testid="span-panel">
      <h2 className="spantitle">{span.name}</h2>
      <div className="chips">
        <span className={`kind kind-${span.span_kind}`}>{span.span_kind}</span>
        <span className={`status status-${span.status_code}`}>{span.status_code}</span>
        <span>{fmtDuration(spanLatency(span))}</span>
        <span className="muted">{fmtTime(span.start_time)}</span>
        {typeof a["llm.model_name"] === "string" && <span className="model">{a["llm.model_name"] as string}</span>}
      </div>
      {span.status_message && <div className="error">{span.status_message}</div>}
      {(isLLM || spanTokens(span) != null || typeof cost === "number") && (
        <div className="tokens" data-testid="tokens">
          tokens: prompt {fmtCount(num("llm.token_count.prompt") ?? span.cumulative_token_count_prompt)} · completion{" "}
          {fmtCount(num("llm.token_count.completion") ?? span.cumulative_token_count_completion)} · total {fmtCount(spanTokens(span))}
          {!isLLM && <span className="muted"> (including children)</span>}
          {typeof cost === "number" && <span data-testid="span-cost"> · cost {fmtUsd(cost)}</span>}
        </div>
      )}
      <div className="tabs" role="tablist">
        <button role="tab" className={tab === "io" ? "active" : ""} onClick={() => setTab("io")}>Input / output</button>
        <button role="tab" className={tab === "attrs" ? "active" : ""} onClick={() => setTab("attrs")}>Attributes</button>
        <button role="tab" className={tab === "events" ? "active" : ""} onClick={() => setTab("events")}>
          Events{span.events.length ? ` (${span.events.length})` : ""}
        </button>
        {docCount > 0 && (
          <button role="tab" className={tab === "docs" ? "active" : ""} onClick={() => setTab("docs")} data-testid="documents-tab">
            Documents ({docCount})
          </button>
        )}
        {project && (
          <button role="tab" className={tab === "annotations" ? "active" : ""} onClick={() => setTab("annotations")}>
            Annotations
          </button>
        )}
      </div>
      {tab === "io" && (
        <div>
          {hasMsgs ? (
            <>
              <Messages span={span} which="input" />
              <Messages span={span} which="output" />
            </>
          ) : null}
          <ValueView value={a["input.value"]} label="Input" />
          <ValueView value={a["output.value"]} label="Output" />
          {a["input.value"] == null && a["output.value"] == null && !hasMsgs && <div className="muted">No input or output recorded.</div>}
        </div>
      )}
      {tab === "attrs" && (
        <div data-testid="attributes">
          <Tree node={unflatten(a)} />
        </div>
      )}
      {tab === "docs" && <Documents key={span.context.span_id} groups={docGroups} spanId={span.context.span_id} project={project} />}
      {tab === "annotations" && project && <AnnotationPanel project={project} spanId={span.context.span_id} />}
      {tab === "events" && (
        <div data-testid="events">
          {span.events.length === 0 && <div className="muted">No events.</div>}
          {exceptions.map((e, i) => (
            <div key={`x${i}`} className="exception">
              <b>{String(e.attributes["exception.type"] ?? "exception")}</b>: {String(e.attributes["exception.message"] ?? "")}
              {e.attributes["exception.stacktrace"] != null && <pre className="value">{String(e.attributes["exception.stacktrace"])}</pre>}
            </div>
          ))}
          {span.events
            .filter((e) => e.name !== "exception")
            .map((e, i) => (
              <div key={i} className="event">
                <div>
                  <b>{e.name}</b> <span className="muted">{fmtTime(e.timestamp)}</span>
                </div>
                <Tree node={unflatten(e.attributes || {})} />
              </div>
            ))}
        </div>
      )}
    </div>
  );
}
