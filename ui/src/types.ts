// Shapes of the REST API (docs/api.md).
export type Attr = string | number | boolean | null | Attr[] | { [k: string]: Attr };

export interface Project { id: string; name: string; description: string | null }

export interface SpanEvent { name: string; timestamp: string; attributes: Record<string, Attr> }

export interface Span {
  id: string;
  name: string;
  context: { trace_id: string; span_id: string };
  span_kind: string;
  parent_id: string | null;
  start_time: string;
  end_time: string;
  status_code: string;
  status_message: string;
  attributes: Record<string, Attr>;
  events: SpanEvent[];
  latency_ms?: number;
  cumulative_error_count?: number;
  cumulative_token_count_prompt?: number;
  cumulative_token_count_completion?: number;
  cost?: number | null; // USD; null when unknown (docs/observe.md)
}

export interface Trace {
  id: string;
  trace_id: string;
  project_id: string;
  start_time: string;
  end_time: string;
  latency_ms?: number;
  token_count_prompt?: number;
  token_count_completion?: number;
  token_count_total?: number;
  error_count?: number;
  span_count?: number;
  session_id?: string | null;
  cost?: number | null; // USD over its spans; null when none has one
}

export interface Page<T> { data: T[]; next_cursor: string | null }
