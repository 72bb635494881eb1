// Agent graph: pure transforms from the agent_graph API answer to an SVG
// layout (dagre), the parallel groups, the spans-page link of a node and the
// pan/zoom arithmetic.  Unit-tested in graph.test.ts.
import dagre from "@dagrejs/dagre";
import type { AgentGraph, GraphEdge, GraphNode } from "./api/observe";

export const NODE_W = 210;
export const NODE_H = 78;
const LABEL_W = 86;
const LABEL_H = 20;
const BAND_PAD = 14;

export type Rankdir = "TB" | "LR";

/** Colour and short icon per OpenInference span kind; unknown kinds are grey. */
const KINDS: Record<string, { color: string; icon: string }> = {
  AGENT: { color: "#7c5cff", icon: "◆" },
  CHAIN: { color: "#2a9d8f", icon: "▣" },
  TOOL: { color: "#e08a1e", icon: "■" },
  LLM: { color: "#4f7cff", icon: "●" },
  RETRIEVER: { color: "#c2509b", icon: "▲" },
  EMBEDDING: { color: "#6b8e23", icon: "◇" },
  RERANKER: { color: "#b8860b", icon: "▼" },
  GUARDRAIL: { color: "#d9534f", icon: "⬟" },
  EVALUATOR: { color: "#2f8fd8", icon: "✓" },
};
export const KNOWN_KINDS = Object.keys(KINDS);

export function kindStyle(kind: string): { color: string; icon: string } {
  return Object.prototype.hasOwnProperty.call(KINDS, kind) ? KINDS[kind] : { color: "#8a93a6", icon: "○" };
}

/**
 * A string literal of the filter language (docs/filter.md): single-quoted,
 * with \\ and \' escaped and newlines/tabs/CRs written as \n \t \r, so any
 * span name round-trips exactly.
 */
export function filterString(s: string): string {
  return (
    "'" +
    s.replace(/[\\'\n\t\r]/g, (c) => (c === "\\" ? "\\\\" : c === "'" ? "\\'" : c === "\n" ? "\\n" : c === "\t" ? "\\t" : "\\r")) +
    "'"
  );
}

/** The filter expression that selects a node's spans (and only one trace's, when given). */
export function nodeFilter(node: Pick<GraphNode, "kind" | "name">, traceId?: string | null): string {
  let f = `span_kind == ${filterString(node.kind)} and name == ${filterString(node.name)}`;
  if (traceId) f += ` and trace_id == ${filterString(traceId)}`;
  return f;
}

/** The spans page filtered to a node, over the same time range (all time for one trace). */
export function nodeSpansHref(project: string, node: Pick<GraphNode, "kind" | "name">, range: string, traceId?: string | null): string {
  const q = new URLSearchParams();
  q.set("filter", nodeFilter(node, traceId));
  q.set("range", traceId ? "all" : range);
  return `/projects/${encodeURIComponent(project)}/spans?${q.toString()}`;
}

export interface Point {
  x: number;
  y: number;
}

export interface LaidNode {
  node: GraphNode;
  x: number; // top-left
  y: number;
  w: number;
  h: number;
}

export interface LaidEdge {
  edge: GraphEdge;
  points: Point[];
  path: string;
  label: Point; // centre of the call-count label
}

export interface Band {
  source: string;
  targets: string[];
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Layout {
  nodes: LaidNode[];
  edges: LaidEdge[];
  bands: Band[];
  width: number;
  height: number;
}

/**
 * Parallel groups: per parent node, the child nodes reached over edges marked
 * parallel, largest first.  A node belongs to at most one group (the first
 * one it is found in, by calls), so the groups can become layout clusters.
 */
export function parallelGroups(g: Pick<AgentGraph, "edges">): { source: string; targets: string[] }[] {
  const bySource = new Map<string, GraphEdge[]>();
  for (const e of g.edges) {
    if (!e.parallel || e.source === e.target) continue;
    const list = bySource.get(e.source) || [];
    list.push(e);
    bySource.set(e.source, list);
  }
  const groups = [...bySource.entries()].map(([source, es]) => ({
    source,
    targets: es.sort((a, b) => b.calls - a.calls || a.target.localeCompare(b.target)).map((e) => e.target),
    calls: es.reduce((n, e) => n + e.calls, 0),
  }));
  groups.sort((a, b) => b.targets.length - a.targets.length || b.calls - a.calls || a.source.localeCompare(b.source));
  const taken = new Set<string>();
  const out: { source: string; targets: string[] }[] = [];
  for (const gr of groups) {
    const targets = gr.targets.filter((t) => !taken.has(t) && t !== gr.source);
    if (targets.length < 2) continue; // one parallel child is shown by its dashed edge alone
    targets.forEach((t) => taken.add(t));
    out.push({ source: gr.source, targets });
  }
  return out;
}

export interface DagreInput {
  nodes: { id: string; width: number; height: number; parent?: string }[];
  clusters: string[];
  edges: { v: string; w: string; width: number; height: number }[];
}

/** What is handed to dagre: nodes (in a stable order), one cluster per parallel group, edges with room for a label. */
export function dagreInput(g: AgentGraph): DagreInput {
  const ids = new Set(g.nodes.map((n) => n.id));
  const groups = parallelGroups(g).filter((gr) => ids.has(gr.source));
  const parentOf = new Map<string, string>();
  const clusters: string[] = [];
  groups.forEach((gr, i) => {
    const c = `\u0000band:${i}`;
    clusters.push(c);
    gr.targets.forEach((t) => ids.has(t) && parentOf.set(t, c));
  });
  const nodes = [...g.nodes]
    .sort((a, b) => b.calls - a.calls || a.id.localeCompare(b.id))
    .map((n) => ({ id: n.id, width: NODE_W, height: NODE_H, ...(parentOf.has(n.id) ? { parent: parentOf.get(n.id) } : {}) }));
  const edges = g.edges
    .filter((e) => ids.has(e.source) && ids.has(e.target))
    .map((e) => ({ v: e.source, w: e.target, width: LABEL_W, height: LABEL_H }));
  return { nodes, clusters, edges };
}

/** An SVG path through the points dagre routed (straight segments, rounded by a quadratic through each bend). */
export function edgePath(points: Point[]): string {
  if (!points.length) return "";
  const f = (n: number) => Math.round(n * 10) / 10;
  if (points.length < 3) return points.map((p, i) => `${i ? "L" : "M"}${f(p.x)},${f(p.y)}`).join(" ");
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const n = points[i + 1];
    d += ` Q${f(p.x)},${f(p.y)} ${f((p.x + n.x) / 2)},${f((p.y + n.y) / 2)}`;
  }
  const last = points[points.length - 1];
  return d + ` L${f(last.x)},${f(last.y)}`;
}

function runDagre(input: DagreInput, rankdir: Rankdir, compound: boolean) {
  const gr = new dagre.graphlib.Graph({ multigraph: false, compound });
  gr.setGraph({ rankdir, nodesep: 36, ranksep: 56, edgesep: 16, marginx: 24, marginy: 24 });
  gr.setDefaultEdgeLabel(() => ({}));
  if (compound) for (const c of input.clusters) gr.setNode(c, { width: 0, height: 0, paddingX: BAND_PAD, paddingY: BAND_PAD } as never);
  for (const n of input.nodes) {
    gr.setNode(n.id, { width: n.width, height: n.height });
    if (compound && n.parent) gr.setParent(n.id, n.parent);
  }
  for (const e of input.edges) if (e.v !== e.w) gr.setEdge(e.v, e.w, { width: e.width, height: e.height, labelpos: "c" });
  dagre.layout(gr);
  return gr;
}

/**
 * Lay the graph out.  Parallel groups become dagre clusters so their members
 * sit side by side and the shaded band around them contains nothing else;
 * should the compound layout fail, the plain layout is used and a band is
 * drawn only where no other node falls inside it.  Self-edges (a span whose
 * child has the same kind and name) are drawn as a loop by the page.
 */
export function layoutGraph(g: AgentGraph, rankdir: Rankdir = "TB"): Layout {
  const input = dagreInput(g);
  let gr: ReturnType<typeof runDagre>;
  let compound = input.clusters.length > 0;
  try {
    gr = runDagre(input, rankdir, compound);
  } catch {
    compound = false;
    gr = runDagre(input, rankdir, false);
  }
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const nodes: LaidNode[] = input.nodes.map((n) => {
    const l = gr.node(n.id) as { x: number; y: number; width: number; height: number };
    return { node: byId.get(n.id)!, x: l.x - l.width / 2, y: l.y - l.height / 2, w: l.width, h: l.height };
  });
  const pos = new Map(nodes.map((n) => [n.node.id, n]));
  const edges: LaidEdge[] = [];
  for (const e of g.edges) {
    const a = pos.get(e.source), b = pos.get(e.target);
    if (!a || !b) continue;
    if (e.source === e.target) {
      // a loop on the right side of the node
      const x = a.x + a.w, y = a.y + a.h / 2;
      const points = [{ x, y: y - 14 }, { x: x + 34, y: y - 22 }, { x: x + 34, y: y + 22 }, { x, y: y + 14 }];
      edges.push({ edge: e, points, path: `M${x},${y - 14} C${x + 46},${y - 34} ${x + 46},${y + 34} ${x},${y + 14}`, label: { x: x + 40 + LABEL_W / 2, y } });
      continue;
    }
    const l = gr.edge(e.source, e.target) as { points?: Point[]; x?: number; y?: number } | undefined;
    const points = l?.points?.length ? l.points : [{ x: a.x + a.w / 2, y: a.y + a.h }, { x: b.x + b.w / 2, y: b.y }];
    const mid = points[Math.floor(points.length / 2)];
    edges.push({ edge: e, points, path: edgePath(points), label: { x: l?.x ?? mid.x, y: l?.y ?? mid.y } });
  }
  const bands: Band[] = [];
  const groups = parallelGroups(g);
  input.clusters.forEach((c, i) => {
    const gr0 = groups[i];
    const members = gr0.targets.map((t) => pos.get(t)).filter((n): n is LaidNode => !!n);
    if (members.length < 2) return;
    let box: { x: number; y: number; w: number; h: number };
    const cl = compound ? (gr.node(c) as { x?: number; y?: number; width?: number; height?: number } | undefined) : undefined;
    if (cl && cl.x != null && cl.y != null && cl.width && cl.height) box = { x: cl.x - cl.width / 2, y: cl.y - cl.height / 2, w: cl.width, h: cl.height };
    else {
      const x0 = Math.min(...members.map((m) => m.x)) - BAND_PAD, y0 = Math.min(...members.map((m) => m.y)) - BAND_PAD;
      const x1 = Math.max(...members.map((m) => m.x + m.w)) + BAND_PAD, y1 = Math.max(...members.map((m) => m.y + m.h)) + BAND_PAD;
      box = { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
    }
    // room for the band's caption above it
    box = { x: box.x, y: box.y - 16, w: box.w, h: box.h + 16 };
    const inside = (n: LaidNode) => n.x < box.x + box.w && n.x + n.w > box.x && n.y < box.y + box.h && n.y + n.h > box.y;
    const intruder = nodes.some((n) => !gr0.targets.includes(n.node.id) && inside(n));
    if (!intruder) bands.push({ source: gr0.source, targets: members.map((m) => m.node.id), ...box });
  });
  const gl = gr.graph() as { width?: number; height?: number };
  let width = gl.width || 0, height = gl.height || 0;
  for (const n of nodes) {
    width = Math.max(width, n.x + n.w + 24);
    height = Math.max(height, n.y + n.h + 24);
  }
  for (const e of edges) for (const p of e.points) width = Math.max(width, p.x + LABEL_W + 24);
  return { nodes, edges, bands, width, height };
}

export interface View {
  x: number;
  y: number;
  k: number;
}

export const MIN_ZOOM = 0.08;
export const MAX_ZOOM = 3;

/** The view that fits a width×height drawing into a viewport (never zooming in past 1). */
export function fitView(w: number, h: number, vw: number, vh: number, pad = 16): View {
  if (w <= 0 || h <= 0 || vw <= 0 || vh <= 0) return { x: 0, y: 0, k: 1 };
  const k = Math.max(MIN_ZOOM, Math.min(1, (vw - 2 * pad) / w, (vh - 2 * pad) / h));
  return { x: (vw - w * k) / 2, y: Math.max(pad, (vh - h * k) / 2), k };
}

/** Zoom by factor about the viewport point (cx, cy), which stays put. */
export function zoomAt(v: View, factor: number, cx: number, cy: number): View {
  const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.k * factor));
  const f = k / v.k;
  return { k, x: cx - (cx - v.x) * f, y: cy - (cy - v.y) * f };
}

/** Below this fitted zoom, node text is unreadable: the first view zooms to READABLE_ZOOM at the entry nodes instead. */
export const MIN_READABLE_ZOOM = 0.45;
export const READABLE_ZOOM = 0.7;

/**
 * The first view of a layout: the whole drawing when it fits readably,
 * else READABLE_ZOOM centred on the entry node (the most-called node with
 * root spans, else the top-left-most one), at the top (TB) or left (LR) edge,
 * so a 100-node fan-out opens readable and the user pans or presses "fit".
 */
export function initialView(l: Layout, vw: number, vh: number, rankdir: Rankdir = "TB", pad = 16): View {
  const fit = fitView(l.width, l.height, vw, vh, pad);
  if (fit.k >= MIN_READABLE_ZOOM || !l.nodes.length) return fit;
  const entries = l.nodes.filter((n) => n.node.roots > 0);
  const pool = entries.length ? entries : l.nodes;
  const entry = pool.reduce((a, b) => (b.node.calls > a.node.calls || (b.node.calls === a.node.calls && b.y + b.x < a.y + a.x) ? b : a));
  const k = READABLE_ZOOM;
  const cx = entry.x + entry.w / 2, cy = entry.y + entry.h / 2;
  return rankdir === "TB" ? { k, x: vw / 2 - cx * k, y: pad - (entry.y - 24) * k } : { k, x: pad - (entry.x - 24) * k, y: vh / 2 - cy * k };
}

/** Most nodes drawn (dagre takes ~1 s for 400); the rest are listed in the table. */
export const MAX_DRAWN_NODES = 300;

/** The graph limited to its max most-called nodes and the edges among them; hidden = how many nodes were left out. */
export function limitGraph(g: AgentGraph, max = MAX_DRAWN_NODES): { graph: AgentGraph; hidden: number } {
  if (g.nodes.length <= max) return { graph: g, hidden: 0 };
  const keep = [...g.nodes].sort((a, b) => b.calls - a.calls || a.id.localeCompare(b.id)).slice(0, max);
  const ids = new Set(keep.map((n) => n.id));
  return { graph: { ...g, nodes: keep, edges: g.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) }, hidden: g.nodes.length - max };
}
