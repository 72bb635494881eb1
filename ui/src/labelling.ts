// Pure logic of the labelling page, the sessions conversation view and the
// spans table's selection / annotation chips.  Unit-tested in labelling.test.ts.
import { tryJson } from "./format";
import type { Attr } from "./types";
import type { AnnotationConfig, SpanAnnotation } from "./api/annotations";
import type { ItemContent, Progress, QueueItem, Answer } from "./api/labelling";

/** One number-key shortcut: key 1..9 selects `label` of `config`. */
export interface LabelKey { key: number; config: string; label: string }

/** Number keys 1..9 in order across the CATEGORICAL configs' labels (the rest get no key). */
export function labelKeys(configs: AnnotationConfig[]): LabelKey[] {
  const out: LabelKey[] = [];
  for (const c of configs) {
    if (c.type !== "CATEGORICAL") continue;
    for (const v of c.values || []) {
      if (out.length >= 9) return out;
      out.push({ key: out.length + 1, config: c.name, label: v.label });
    }
  }
  return out;
}

/** Does a keydown of `key` come from a place where typing must not trigger shortcuts? */
export function isTypingTarget(el: { tagName?: string; isContentEditable?: boolean; type?: string } | null): boolean {
  if (!el || !el.tagName) return false;
  const t = el.tagName.toUpperCase();
  if (t === "TEXTAREA" || t === "SELECT" || el.isContentEditable) return true;
  if (t === "INPUT") return !["checkbox", "radio", "button", "submit"].includes((el.type || "text").toLowerCase());
  return false;
}

/** The answers of a form: chosen labels, typed scores / free text. Empty fields are left out. */
export function buildAnswers(
  configs: AnnotationConfig[],
  labels: Record<string, string>,
  texts: Record<string, string>,
): { answers: Answer[]; error: string | null } {
  const answers: Answer[] = [];
  for (const c of configs) {
    const t = (texts[c.name] ?? "").trim();
    if (c.type === "CATEGORICAL") {
      if (labels[c.name]) answers.push({ name: c.name, label: labels[c.name] });
    } else if (c.type === "CONTINUOUS") {
      if (!t) continue;
      const n = Number(t);
      if (!Number.isFinite(n)) return { answers: [], error: `${c.name}: '${t}' is not a number` };
      answers.push({ name: c.name, score: n });
    } else if (t) answers.push({ name: c.name, explanation: t });
  }
  return { answers, error: null };
}

/** "12 / 30 done, 3 in progress" */
export function progressText(p: Progress | null | undefined): string {
  if (!p) return "";
  return `${p.complete} / ${p.total} done, ${p.in_progress} in progress`;
}

function asText(v: Attr | undefined): string {
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : JSON.stringify(v, null, 2);
}

function parsed(v: Attr | undefined): unknown {
  return typeof v === "string" ? tryJson(v) : v;
}

type Msg = { role?: unknown; content?: unknown; message?: { role?: unknown; content?: unknown } };

function messagesOf(x: unknown): Msg[] | null {
  if (Array.isArray(x) && x.length && x.every((m) => m && typeof m === "object")) {
    const ms = x as Msg[];
    if (ms.some((m) => typeof (m.role ?? m.message?.role) === "string")) return ms;
    return null;
  }
  if (x && typeof x === "object") {
    const o = x as Record<string, unknown>;
    if (Array.isArray(o.messages)) return messagesOf(o.messages);
    if (Array.isArray(o.choices)) return messagesOf((o.choices as { message?: unknown }[]).map((c) => c && c.message).filter(Boolean));
    if (typeof o.role === "string" && "content" in o) return [o as Msg];
  }
  return null;
}

function contentText(c: unknown): string {
  if (typeof c === "string") return c;
  if (Array.isArray(c)) return c.map((p) => (p && typeof p === "object" && typeof (p as { text?: unknown }).text === "string" ? (p as { text: string }).text : "")).filter(Boolean).join("\n");
  return c == null ? "" : JSON.stringify(c);
}

/**
 * A span's input or output as conversation text: for chat-message JSON
 * (`{messages: [...]}`, a message list, an OpenAI response) the last user
 * message (input) or the last assistant message (output); otherwise the
 * value itself as text.
 */
export function turnText(v: Attr | undefined, which: "input" | "output"): string {
  const ms = messagesOf(parsed(v));
  if (ms) {
    const want = which === "input" ? "user" : "assistant";
    for (let i = ms.length - 1; i >= 0; i--) {
      const role = ms[i].role ?? ms[i].message?.role;
      if (role === want) return contentText(ms[i].content ?? ms[i].message?.content);
    }
    if (which === "output") return contentText(ms[ms.length - 1].content ?? ms[ms.length - 1].message?.content);
  }
  return asText(v);
}

/** What the labelling page shows of an item. */
export interface ItemView { title: string; subtitle: string; input: string; output: string; traceId: string | null; spanId: string | null }

export function itemView(item: QueueItem, content: ItemContent | null): ItemView {
  const none = { input: "", output: "", traceId: null, spanId: null };
  if (!content) return { title: `${item.kind} (deleted)`, subtitle: "the item's target no longer exists", ...none };
  if (item.kind === "trace") {
    const r = content.root_span;
    if (!r) return { title: `trace ${content.trace_id ?? ""}`, subtitle: "no root span", ...none, traceId: content.trace_id ?? null };
    return { title: r.name, subtitle: `trace · ${r.span_kind}`, input: asText(r.input), output: asText(r.output), traceId: r.trace_id, spanId: r.span_id };
  }
  if (item.kind === "example") {
    return { title: "dataset example", subtitle: item.target?.example_id ?? "", input: asText(content.input), output: asText(content.output), traceId: null, spanId: null };
  }
  return {
    title: content.name ?? "span",
    subtitle: `span · ${content.span_kind ?? ""}`,
    input: asText(content.input),
    output: asText(content.output),
    traceId: content.trace_id ?? null,
    spanId: content.span_id ?? null,
  };
}

/**
 * The selection after clicking row `index` of `ids` (shift: the range from
 * the anchor takes the clicked row's new state).  Returns the new set.
 */
export function clickSelect(ids: string[], selected: Set<string>, anchor: number | null, index: number, shift: boolean): Set<string> {
  const next = new Set(selected);
  const id = ids[index];
  if (id === undefined) return next;
  const on = !selected.has(id);
  if (shift && anchor != null && anchor >= 0 && anchor < ids.length) {
    const [a, b] = anchor < index ? [anchor, index] : [index, anchor];
    for (let i = a; i <= b; i++) {
      if (on) next.add(ids[i]);
      else next.delete(ids[i]);
    }
  } else if (on) next.add(id);
  else next.delete(id);
  return next;
}

/** Chip texts per span id: "name: label" (or the score), notes left out, sorted. */
export function annotationChips(anns: SpanAnnotation[]): Map<string, string[]> {
  const m = new Map<string, Set<string>>();
  for (const a of anns) {
    if (a.name === "note") continue;
    const r = a.result;
    const v = r?.label ?? (r?.score != null ? String(r.score) : null);
    const chip = v != null ? `${a.name}: ${v}` : a.name;
    if (!m.has(a.span_id)) m.set(a.span_id, new Set());
    m.get(a.span_id)!.add(chip);
  }
  const out = new Map<string, string[]>();
  for (const [k, s] of m) out.set(k, [...s].sort());
  return out;
}

