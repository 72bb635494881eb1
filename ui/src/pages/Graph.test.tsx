import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { GraphPage } from "./Graph";
import type { AgentGraph } from "../api/observe";

const XSS = `<img src=x onerror="window.__xss=1">`;
const graph: AgentGraph = {
  traces: 3, truncated: true, spans: 9,
  nodes: [
    { id: "AGENT:planner", name: "planner", kind: "AGENT", calls: 3, traces: 3, roots: 3, errors: 0, error_rate: 0, latency_ms: { mean: 100, p50: 100, p95: 120 } },
    { id: `TOOL:${XSS}`, name: XSS, kind: "TOOL", calls: 6, traces: 3, roots: 0, errors: 2, error_rate: 1 / 3, latency_ms: { mean: 10, p50: 9, p95: 20 } },
  ],
  edges: [{ source: "AGENT:planner", target: `TOOL:${XSS}`, calls: 6, parents: 3, parallel: true, parallel_calls: 6 }],
};

let calls: string[] = [];
beforeEach(() => {
  calls = [];
  history.replaceState(null, "", "/projects/p/graph?range=7d");
  vi.stubGlobal("fetch", async (url: string) => {
    calls.push(url);
    if (url.includes("nope")) return new Response(JSON.stringify({ detail: "project 'nope' not found" }), { status: 404 });
    return new Response(JSON.stringify({ data: graph }), { status: 200 });
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("GraphPage", () => {
  test("draws nodes and edges as text, marks errors and parallel edges, says truncated", async () => {
    const { container } = render(<GraphPage project="p" />);
    await waitFor(() => expect(screen.getAllByTestId("graph-node")).toHaveLength(2));
    expect(calls[0]).toMatch(/^\/v1\/projects\/p\/agent_graph\?start_time=/);
    expect(container.querySelector("img, script")).toBeNull();
    const tool = container.querySelector(`[data-kind="TOOL"]`)!;
    expect(tool.getAttribute("data-name")).toBe(XSS);
    expect(tool.classList.contains("err")).toBe(true);
    expect(tool.textContent).toContain("errors 33% (2)");
    const edge = screen.getByTestId("graph-edge");
    expect(edge.getAttribute("data-parallel")).toBe("true");
    expect(screen.getByTestId("edge-label").textContent).toBe("6 calls");
    expect(screen.getByTestId("graph-info").textContent).toMatch(/^3 traces \(truncated/);
  });
  test("clicking a node goes to its spans with an escaped filter and the same range", async () => {
    render(<GraphPage project="p" />);
    await waitFor(() => expect(screen.getAllByTestId("graph-node")).toHaveLength(2));
    fireEvent.click(document.querySelector(`[data-kind="TOOL"]`)!);
    expect(location.pathname).toBe("/projects/p/spans");
    const q = new URLSearchParams(location.search);
    expect(q.get("filter")).toBe(`span_kind == 'TOOL' and name == '<img src=x onerror="window.__xss=1">'`);
    expect(q.get("range")).toBe("7d");
  });
  test("the server's error is shown in the page", async () => {
    render(<GraphPage project="nope" />);
    expect((await screen.findByTestId("graph-error")).textContent).toBe("project 'nope' not found");
  });
  test("one trace: no time range, trace_id sent", async () => {
    history.replaceState(null, "", "/projects/p/graph?trace=abc");
    render(<GraphPage project="p" />);
    await waitFor(() => expect(screen.getAllByTestId("graph-node")).toHaveLength(2));
    expect(calls[0]).toBe("/v1/projects/p/agent_graph?trace_id=abc");
    expect(screen.queryByTestId("range")).toBeNull();
    expect(screen.getByTestId("graph-trace").textContent).toContain("abc");
  });
});
