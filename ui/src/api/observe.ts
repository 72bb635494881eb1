// REST calls and response shapes of the observability extensions the agent
// graph, metrics and project pages use (docs/api.md "assay extensions").
import { enc, get } from "../api";

export interface GraphNode {
  id: string; // "KIND:name"
  name: string;
  kind: string;
  calls: number;
  traces: number;
  roots: number;
  errors: number;
  error_rate: number | null;
  latency_ms: { mean: number | null; p50: number | null; p95: number | null } | null;
  tokens?: { prompt: number | null; completion: number | null } | null;
  cost?: number | null;
}

export interface GraphEdge {
  source: string;
  target: string;
  calls: number;
  parents: number;
  parallel: boolean;
  parallel_calls: number;
}

export interface AgentGraph {
  traces: number;
  truncated: boolean;
  spans: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface Bucket {
  start_time: string;
  traces: number;
  spans: number;
  errors: number;
  error_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null } | null;
  tokens: { prompt: number | null; completion: number | null; total: number | null } | null;
  cost: number | null;
}

export interface AnnotationSeries {
  name: string;
  labels: string[];
  buckets: { count: number; labels: Record<string, number>; mean_score: number | null }[];
}

export interface Timeseries {
  start_time: string;
  end_time: string;
  interval_s: number;
  /** the whole range: sums, and latency percentiles over every trace */
  summary: Omit<Bucket, "start_time">;
  buckets: Bucket[];
  annotations: AnnotationSeries[];
}


export interface GraphParams {
  start_time?: string;
  end_time?: string;
  trace_id?: string;
  max_traces?: string;
}

export function agentGraph(project: string, params: GraphParams, signal?: AbortSignal): Promise<AgentGraph> {
  return get<{ data: AgentGraph }>(`/v1/projects/${enc(project)}/agent_graph`, { ...params }, signal).then((r) => r.data);
}

export function timeseries(
  project: string,
  params: { start_time?: string; end_time?: string; interval?: string },
  signal?: AbortSignal,
): Promise<Timeseries> {
  return get<{ data: Timeseries }>(`/v1/projects/${enc(project)}/timeseries`, params, signal).then((r) => r.data);
}
