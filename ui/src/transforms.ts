// Data transforms: pure functions, unit-tested in transforms.test.ts.
import type { Timeseries } from "./api/observe";
import type { Attr, Span } from "./types";

export interface TreeNode {
  span: Span;
  children: TreeNode[];
  depth: number;
}

const t = (iso: string) => Date.parse(iso);

/**
 * Build the span forest of one trace from parent ids. Spans whose parent is
 * missing (not received, or in another page) become roots, so nothing is
 * lost. Children are ordered by start time. Cycles cannot hang: a span is
 * placed once.
 */
export function buildTree(spans: Span[]): TreeNode[] {
  const byId = new Map<string, TreeNode>();
  for (const s of spans) {
    if (!byId.has(s.context.span_id)) byId.set(s.context.span_id, { span: s, children: [], depth: 0 });
  }
  const roots: TreeNode[] = [];
  for (const node of byId.values()) {
    const pid = node.span.parent_id;
    const parent = pid && pid !== node.span.context.span_id ? byId.get(pid) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  // Orphans in a cycle (a->b->a) are reachable from no root: attach them as roots.
  const seen = new Set<TreeNode>();
  const order = (list: TreeNode[]) => list.sort((a, b) => t(a.span.start_time) - t(b.span.start_time) || a.span.name.localeCompare(b.span.name));
  const visit = (list: TreeNode[], depth: number) => {
    // iterative to survive very deep traces
    const stack: [TreeNode, number][] = order(list).map((n) => [n, depth] as [TreeNode, number]).reverse();
    while (stack.length) {
      const [n, d] = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      n.depth = d;
      n.children = n.children.filter((c) => !seen.has(c)); // breaks parent cycles
      order(n.children);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i], d + 1]);
    }
  };
  visit(roots, 0);
  for (const node of byId.values()) {
    if (!seen.has(node)) {
      node.children = node.children.filter((c) => !seen.has(c));
      roots.push(node);
      visit([node], 0);
    }
  }
  return order(roots);
}

/** Depth-first rows of the tree, skipping the children of collapsed span ids. */
export function flattenTree(roots: TreeNode[], collapsed: Set<string> = new Set()): TreeNode[] {
  const out: TreeNode[] = [];
  const stack = [...roots].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    out.push(n);
    if (!collapsed.has(n.span.context.span_id)) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return out;
}

export interface Bar { left: number; width: number } // percent of the trace's time span

/** Waterfall geometry: a span's bar as percentages of [traceStart, traceEnd]. Bars are at least minWidth% wide and stay inside 0..100. */
export function waterfallBar(span: Span, traceStart: number, traceEnd: number, minWidth = 0.2): Bar {
  const total = Math.max(traceEnd - traceStart, 1e-6);
  const s = t(span.start_time);
  const e = Math.max(t(span.end_time), s);
  let left = ((s - traceStart) / total) * 100;
  let width = ((e - s) / total) * 100;
  left = Math.min(Math.max(left, 0), 100);
  width = Math.max(width, minWidth);
  if (left + width > 100) left = Math.max(0, 100 - width);
  return { left, width: Math.min(width, 100) };
}

/** The [start, end] in ms of a set of spans. */
export function timeBounds(spans: Span[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const s of spans) {
    lo = Math.min(lo, t(s.start_time));
    hi = Math.max(hi, t(s.end_time));
  }
  return lo === Infinity ? [0, 0] : [lo, hi];
}

/** Tokens of a span: its own llm.token_count.total, else prompt + completion, else the cumulative counts. */
export function spanTokens(s: Span): number | null {
  const a = s.attributes || {};
  const tot = a["llm.token_count.total"];
  if (typeof tot === "number") return tot;
  const p = a["llm.token_count.prompt"], c = a["llm.token_count.completion"];
  if (typeof p === "number" || typeof c === "number") return (typeof p === "number" ? p : 0) + (typeof c === "number" ? c : 0);
  const cp = s.cumulative_token_count_prompt ?? 0, cc = s.cumulative_token_count_completion ?? 0;
  return cp + cc > 0 ? cp + cc : null;
}

export function spanLatency(s: Span): number {
  return s.latency_ms ?? t(s.end_time) - t(s.start_time);
}

export interface ChatMessage { role: string; content: string }

/** Chat messages of an LLM span from llm.input_messages.N.message.* (or .output_messages). */
export function chatMessages(attrs: Record<string, Attr>, which: "input" | "output"): ChatMessage[] {
  const prefix = `llm.${which}_messages.`;
  const byIdx = new Map<number, ChatMessage>();
  for (const [k, v] of Object.entries(attrs || {})) {
    if (!k.startsWith(prefix)) continue;
    const m = /^(\d+)\.message\.(role|content)$/.exec(k.slice(prefix.length));
    if (!m) continue;
    const i = Number(m[1]);
    const msg = byIdx.get(i) || { role: "", content: "" };
    msg[m[2] as "role" | "content"] = typeof v === "string" ? v : JSON.stringify(v);
    byIdx.set(i, msg);
  }
  return [...byIdx.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m);
}

export type AttrTree = { [k: string]: AttrTree | Attr };

/** Flattened dotted keys -> nested tree ("a.b.c": 1 -> {a: {b: {c: 1}}}); a key that is both a value and a prefix keeps the value under "" */
export function unflatten(attrs: Record<string, Attr>): AttrTree {
  const root: AttrTree = Object.create(null);
  for (const key of Object.keys(attrs || {}).sort()) {
    const parts = key.split(".");
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i];
      const cur = node[p];
      if (cur === undefined || cur === null || typeof cur !== "object" || Array.isArray(cur)) {
        const next: AttrTree = Object.create(null);
        if (cur !== undefined) next[""] = cur as Attr;
        node[p] = next;
      }
      node = node[p] as AttrTree;
    }
    const last = parts[parts.length - 1];
    const existing = node[last];
    if (existing && typeof existing === "object" && !Array.isArray(existing)) (existing as AttrTree)[""] = attrs[key];
    else node[last] = attrs[key];
  }
  return root;
}

export interface ProjectStats {
  traces: number;
  errorRate: number;
  p50: number;
  p95: number;
  tokens: number;
  cost: number | null;
  buckets: number[]; // traces per bucket, oldest first
}

/** Card figures for a project from its time series (GET …/timeseries): the
 * range's summary (exact, every trace counted) and traces per bucket. */
export function projectStats(ts: Timeseries): ProjectStats {
  const s = ts.summary;
  return {
    traces: s.traces,
    errorRate: s.error_rate ?? 0,
    p50: s.latency_ms?.p50 ?? NaN,
    p95: s.latency_ms?.p95 ?? NaN,
    tokens: s.tokens?.total ?? 0,
    cost: s.cost,
    buckets: ts.buckets.map((b) => b.traces),
  };
}

/** Parse a REST error body; a filter syntax error gives its 1-based column. */
export function parseApiError(status: number, body: unknown): { message: string; column: number | null } {
  let message = `HTTP ${status}`;
  let column: number | null = null;
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    if (typeof b.detail === "string") message = b.detail;
    else if (typeof b.message === "string") message = b.message;
    if (typeof b.column === "number") column = b.column;
  } else if (typeof body === "string" && body) message = body;
  if (column == null) {
    const m = /column (\d+)/.exec(message);
    if (m) column = Number(m[1]);
  }
  return { message, column };
}
