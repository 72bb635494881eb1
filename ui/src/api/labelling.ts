// Labelling queues (docs/queues.md): queues, items, next / submit / skip, progress.
import { enc, get, post, request } from "../api";
import type { Attr, Page } from "../types";
import type { AnnotationConfig } from "./annotations";

export interface Progress { total: number; complete: number; in_progress: number; pending: number }

export interface QueueProgress extends Progress {
  queue_id: string;
  required: number;
  annotators: { annotator: string; done: number; skipped: number; leased: number }[];
}

export interface Queue {
  id: string;
  name: string;
  description: string | null;
  instructions: string | null;
  required: number;
  annotation_configs: AnnotationConfig[];
  progress: Progress;
  created_at: string;
  updated_at: string;
}

export interface QueueResponse { annotator: string; status: "leased" | "done" | "skipped"; lease_expires: string | null }

export interface SpanContent {
  name: string;
  span_kind: string;
  span_id: string;
  trace_id: string;
  input: Attr;
  output: Attr;
  attributes: Record<string, Attr>;
}

export interface ItemContent {
  // span
  name?: string;
  span_kind?: string;
  span_id?: string;
  trace_id?: string;
  input?: Attr;
  output?: Attr;
  attributes?: Record<string, Attr>;
  // trace
  root_span?: SpanContent | null;
  // example
  dataset_id?: string;
  metadata?: Attr;
}

export interface QueueItem {
  id: string;
  queue_id: string;
  kind: "span" | "trace" | "example";
  target: { span_id?: string; trace_id?: string; example_id?: string } | null;
  done_count: number;
  complete: boolean;
  created_at: string;
  responses: QueueResponse[];
}

export interface NextItem extends QueueItem {
  content: ItemContent | null;
  annotation_configs: AnnotationConfig[];
  instructions: string | null;
}

export interface Answer { name: string; label?: string | null; score?: number | null; explanation?: string | null }

const base = (q: string) => `/v1/annotation_queues/${enc(q)}`;

export async function listQueues(signal?: AbortSignal): Promise<Queue[]> {
  const out: Queue[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await get<Page<Queue>>("/v1/annotation_queues", { limit: "1000", cursor }, signal);
    out.push(...page.data);
    if (!page.next_cursor || out.length >= 5000) return out;
    cursor = page.next_cursor;
  }
}

export const queueApi = {
  get: (q: string, signal?: AbortSignal) => get<{ data: Queue }>(base(q), undefined, signal).then((r) => r.data),
  create: (body: { name: string; description?: string; instructions?: string; required: number; annotation_configs: string[] }) =>
    post<{ data: Queue }>("/v1/annotation_queues", body).then((r) => r.data),
  progress: (q: string, signal?: AbortSignal) => get<{ data: QueueProgress }>(`${base(q)}/progress`, undefined, signal).then((r) => r.data),
  /** The next item for the annotator, or null when nothing is left (204). */
  next: (q: string, annotator: string) => post<{ data: NextItem } | null>(`${base(q)}/next`, { annotator }).then((r) => (r ? r.data : null)),
  submit: (q: string, item: string, annotator: string, annotations: Answer[], note?: string) =>
    post<{ data: QueueItem }>(`${base(q)}/items/${enc(item)}/submit`, { annotator, annotations, ...(note ? { note } : {}) }).then((r) => r.data),
  skip: (q: string, item: string, annotator: string) => post<{ data: QueueItem }>(`${base(q)}/items/${enc(item)}/skip`, { annotator }).then((r) => r.data),
  addItems: (q: string, items: { kind: "span" | "trace" | "example"; id: string }[]) =>
    post<{ data: { added: number; item_ids: string[] } }>(`${base(q)}/items`, { items }).then((r) => r.data),
  remove: (q: string) => request<null>("DELETE", base(q)),
};

