import { describe, expect, test } from "vitest";
import type { AgentGraph, GraphEdge, GraphNode } from "./api/observe";
import { dagreInput, edgePath, filterString, fitView, initialView, layoutGraph, limitGraph, nodeFilter, nodeSpansHref, parallelGroups, zoomAt, NODE_W } from "./graph";

const node = (kind: string, name: string, calls = 10, errors = 0): GraphNode => ({
  id: `${kind}:${name}`, name, kind, calls, traces: calls, roots: 0, errors, error_rate: calls ? errors / calls : null,
  latency_ms: { mean: 800, p50: 790, p95: 1500 }, tokens: { prompt: 1, completion: 2 }, cost: null,
});
const edge = (source: string, target: string, calls = 10, parallel = false): GraphEdge => ({ source, target, calls, parents: calls, parallel, parallel_calls: parallel ? calls : 0 });

/** The trip planner: a planner, three agents in parallel, then the itinerary agent. */
export function tripGraph(): AgentGraph {
  const agents = ["research_agent", "budget_agent", "local_experience_agent"];
  return {
    traces: 10, truncated: false, spans: 120,
    nodes: [
      { ...node("AGENT", "trip_planner"), roots: 10 },
      ...agents.map((a) => node("AGENT", a)),
      node("AGENT", "itinerary_agent"),
      node("TOOL", "web_search", 10, 2),
      node("LLM", "ChatCompletion", 40),
    ],
    edges: [
      ...agents.map((a) => edge("AGENT:trip_planner", `AGENT:${a}`, 10, true)),
      edge("AGENT:trip_planner", "AGENT:itinerary_agent"),
      edge("AGENT:research_agent", "TOOL:web_search"),
      ...agents.map((a) => edge(`AGENT:${a}`, "LLM:ChatCompletion")),
      edge("AGENT:itinerary_agent", "LLM:ChatCompletion"),
    ],
  };
}

describe("filter strings", () => {
  test("plain names are single-quoted", () => {
    expect(filterString("research_agent")).toBe("'research_agent'");
    expect(nodeFilter({ kind: "AGENT", name: "research_agent" })).toBe("span_kind == 'AGENT' and name == 'research_agent'");
  });
  test("quotes, backslashes and control characters are escaped as the filter language wants", () => {
    expect(filterString("O'Brien")).toBe("'O\\'Brien'");
    expect(filterString('say "hi"')).toBe("'say \"hi\"'");
    expect(filterString("a\\b")).toBe("'a\\\\b'");
    expect(filterString("a\\'b")).toBe("'a\\\\\\'b'");
    expect(filterString("l1\nl2\tx\r")).toBe("'l1\\nl2\\tx\\r'");
    expect(filterString("")).toBe("''");
  });
  test("a trace's graph narrows the filter to the trace", () => {
    expect(nodeFilter({ kind: "LLM", name: "x" }, "ab12")).toBe("span_kind == 'LLM' and name == 'x' and trace_id == 'ab12'");
  });
  test("the spans link URL-encodes the filter and keeps the range", () => {
    const href = nodeSpansHref("my project", { kind: "AGENT", name: "it's & <b>" }, "7d");
    expect(href.startsWith("/projects/my%20project/spans?")).toBe(true);
    const q = new URLSearchParams(href.split("?")[1]);
    expect(q.get("filter")).toBe("span_kind == 'AGENT' and name == 'it\\'s & <b>'");
    expect(q.get("range")).toBe("7d");
    expect(href).not.toContain("&<");
    const one = new URLSearchParams(nodeSpansHref("p", { kind: "AGENT", name: "a" }, "24h", "ff").split("?")[1]);
    expect(one.get("range")).toBe("all");
  });
});

describe("parallel groups", () => {
  test("the three parallel agents form one group under the planner; the sequential one is not in it", () => {
    const groups = parallelGroups(tripGraph());
    expect(groups).toHaveLength(1);
    expect(groups[0].source).toBe("AGENT:trip_planner");
    expect([...groups[0].targets].sort()).toEqual(["AGENT:budget_agent", "AGENT:local_experience_agent", "AGENT:research_agent"]);
  });
  test("a single parallel child makes no group, and a node is in one group only", () => {
    const g = { edges: [edge("A", "X", 5, true), edge("B", "X", 9, true), edge("B", "Y", 9, true), edge("C", "Z", 1, true)] };
    const groups = parallelGroups(g);
    expect(groups).toEqual([{ source: "B", targets: ["X", "Y"] }]);
  });
});

describe("layout", () => {
  test("dagre input: one node per API node, a cluster per parallel group, edges with label room", () => {
    const inp = dagreInput(tripGraph());
    expect(inp.nodes).toHaveLength(7);
    expect(inp.clusters).toHaveLength(1);
    expect(inp.nodes.filter((n) => n.parent === inp.clusters[0]).map((n) => n.id).sort()).toEqual([
      "AGENT:budget_agent", "AGENT:local_experience_agent", "AGENT:research_agent",
    ]);
    expect(inp.edges).toHaveLength(9);
    expect(inp.nodes.every((n) => n.width === NODE_W)).toBe(true);
  });
  test("edges to unknown nodes are dropped", () => {
    const g = tripGraph();
    g.edges.push(edge("AGENT:trip_planner", "TOOL:gone"));
    expect(dagreInput(g).edges).toHaveLength(9);
    expect(layoutGraph(g).edges).toHaveLength(9);
  });
  test("top to bottom: the planner is above its agents, the band holds the three parallel agents and nothing else", () => {
    const l = layoutGraph(tripGraph(), "TB");
    const at = (id: string) => l.nodes.find((n) => n.node.id === id)!;
    const planner = at("AGENT:trip_planner");
    for (const a of ["research_agent", "budget_agent", "local_experience_agent", "itinerary_agent"]) expect(at(`AGENT:${a}`).y).toBeGreaterThan(planner.y + planner.h);
    expect(l.bands).toHaveLength(1);
    const b = l.bands[0];
    for (const n of l.nodes) {
      const inside = n.x >= b.x && n.x + n.w <= b.x + b.w && n.y >= b.y && n.y + n.h <= b.y + b.h;
      expect(inside, n.node.id).toBe(b.targets.includes(n.node.id));
    }
    expect(l.width).toBeGreaterThan(0);
    expect(l.height).toBeGreaterThan(0);
    for (const e of l.edges) expect(e.path.startsWith("M")).toBe(true);
  });
  test("left to right works too", () => {
    const l = layoutGraph(tripGraph(), "LR");
    const at = (id: string) => l.nodes.find((n) => n.node.id === id)!;
    expect(at("AGENT:research_agent").x).toBeGreaterThan(at("AGENT:trip_planner").x + NODE_W);
  });
  test("a 60-node graph with self-edges and cycles lays out", () => {
    const nodes: GraphNode[] = [node("CHAIN", "root")];
    const edges: GraphEdge[] = [];
    for (let i = 0; i < 59; i++) {
      nodes.push(node(i % 2 ? "TOOL" : "LLM", `n${i}`));
      edges.push(edge(i < 10 ? "CHAIN:root" : nodes[1 + Math.floor(i / 3)].id, nodes[i + 1].id, 3, i % 4 === 0));
    }
    edges.push(edge("TOOL:n1", "TOOL:n1"), edge("LLM:n40", "CHAIN:root"));
    const g: AgentGraph = { traces: 1, truncated: true, spans: 999, nodes, edges };
    const l = layoutGraph(g);
    expect(l.nodes).toHaveLength(60);
    expect(l.edges).toHaveLength(61);
    for (const n of l.nodes) expect(Number.isFinite(n.x) && Number.isFinite(n.y)).toBe(true);
    const loop = l.edges.find((e) => e.edge.source === e.edge.target)!;
    expect(loop.path).toContain("C");
  });
  test("a huge graph is limited to its most-called nodes and the edges among them", () => {
    const g = tripGraph();
    expect(limitGraph(g, 10)).toEqual({ graph: g, hidden: 0 });
    const { graph, hidden } = limitGraph(g, 2);
    expect(hidden).toBe(5);
    expect(graph.nodes.map((n) => n.id)).toEqual(["LLM:ChatCompletion", "AGENT:budget_agent"]);
    expect(graph.edges).toEqual([edge("AGENT:budget_agent", "LLM:ChatCompletion")]);
  });
  test("an empty graph", () => {
    const l = layoutGraph({ traces: 0, truncated: false, spans: 0, nodes: [], edges: [] });
    expect(l.nodes).toEqual([]);
    expect(l.bands).toEqual([]);
  });
});

describe("geometry", () => {
  test("edge paths", () => {
    expect(edgePath([])).toBe("");
    expect(edgePath([{ x: 0, y: 0 }, { x: 10, y: 20 }])).toBe("M0,0 L10,20");
    expect(edgePath([{ x: 0, y: 0 }, { x: 10, y: 10 }, { x: 20, y: 0 }])).toBe("M0,0 Q10,10 15,5 L20,0");
  });
  test("fit never zooms in past 1, centres, and shrinks big drawings", () => {
    expect(fitView(100, 100, 1000, 600)).toEqual({ x: 450, y: 250, k: 1 });
    const v = fitView(4000, 1000, 1000, 600, 0);
    expect(v.k).toBeCloseTo(0.25);
    expect(v.x).toBeCloseTo(0);
    expect(fitView(0, 0, 100, 100)).toEqual({ x: 0, y: 0, k: 1 });
  });
  test("the first view fits small graphs and zooms a huge fan-out to a readable size at its entry node", () => {
    const small = layoutGraph(tripGraph());
    expect(initialView(small, 1200, 700)).toEqual(fitView(small.width, small.height, 1200, 700));
    const nodes: GraphNode[] = [{ ...node("CHAIN", "root"), roots: 1 }];
    const edges: GraphEdge[] = [];
    for (let i = 0; i < 80; i++) {
      nodes.push(node("TOOL", `t${i}`));
      edges.push(edge("CHAIN:root", `TOOL:t${i}`));
    }
    const wide = layoutGraph({ traces: 1, truncated: false, spans: 81, nodes, edges });
    expect(fitView(wide.width, wide.height, 1200, 700).k).toBeLessThan(0.45);
    const v = initialView(wide, 1200, 700);
    expect(v.k).toBe(0.7);
    const root = wide.nodes.find((n) => n.node.id === "CHAIN:root")!;
    expect(v.x + (root.x + root.w / 2) * v.k).toBeCloseTo(600); // centred
    expect(v.y + root.y * v.k).toBeGreaterThan(0); // visible at the top
    expect(v.y + root.y * v.k).toBeLessThan(60);
  });
  test("zoom keeps the point under the cursor and clamps", () => {
    const v = zoomAt({ x: 10, y: 20, k: 1 }, 2, 110, 220);
    // the drawing point under (110,220) was (100,200); it still is
    expect((110 - v.x) / v.k).toBeCloseTo(100);
    expect((220 - v.y) / v.k).toBeCloseTo(200);
    expect(zoomAt({ x: 0, y: 0, k: 1 }, 100, 0, 0).k).toBe(3);
    expect(zoomAt({ x: 0, y: 0, k: 1 }, 0.0001, 0, 0).k).toBe(0.08);
  });
});
