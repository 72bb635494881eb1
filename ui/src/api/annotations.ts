// Annotations, notes and annotation configs (docs/annotations.md), and the
// span actions of the spans table (datasets from spans, docs/datasets.md).
import { enc, get, post, request } from "../api";
import type { Attr, Page } from "../types";

export type ConfigType = "CATEGORICAL" | "CONTINUOUS" | "FREEFORM";

export interface AnnotationConfig {
  id: string;
  name: string;
  type: ConfigType;
  description: string | null;
  optimization_direction?: string | null;
  values?: { label: string; score: number | null }[];
  lower_bound?: number | null;
  upper_bound?: number | null;
}

export interface AnnotationResult {
  label: string | null;
  score: number | null;
  explanation: string | null;
}

export interface SpanAnnotation {
  id: string;
  created_at: string;
  updated_at: string;
  source: string;
  user_id: string | null;
  name: string;
  annotator_kind: string;
  result: AnnotationResult | null;
  metadata: Record<string, Attr> | null;
  identifier: string;
  span_id: string;
}

export interface DatasetSummary { id: string; name: string; example_count?: number }

/** Every page of a project's annotation listing for the given spans (ids batched by 200). */
async function annotationsOfSpans<T>(what: "span_annotations" | "document_annotations", project: string, spanIds: string[], signal?: AbortSignal): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < spanIds.length; i += 200) {
    const ids = spanIds.slice(i, i + 200);
    let cursor: string | undefined;
    for (;;) {
      const page = await get<Page<T>>(`/v1/projects/${enc(project)}/${what}`, { span_ids: ids, limit: "1000", cursor }, signal);
      out.push(...page.data);
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
  }
  return out;
}

/** Annotations (and notes) of the given spans. */
export function spanAnnotations(project: string, spanIds: string[], signal?: AbortSignal): Promise<SpanAnnotation[]> {
  return annotationsOfSpans<SpanAnnotation>("span_annotations", project, spanIds, signal);
}

export async function annotationConfigs(signal?: AbortSignal): Promise<AnnotationConfig[]> {
  const out: AnnotationConfig[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await get<Page<AnnotationConfig>>("/v1/annotation_configs", { limit: "1000", cursor }, signal);
    out.push(...page.data);
    if (!page.next_cursor || out.length >= 10000) return out;
    cursor = page.next_cursor;
  }
}

export function addSpanAnnotation(a: { span_id: string; name: string; label?: string | null; score?: number | null; explanation?: string | null }) {
  return post<{ data: { id: string }[] }>("/v1/span_annotations?sync=true", {
    data: [
      {
        span_id: a.span_id,
        name: a.name,
        annotator_kind: "HUMAN",
        result: { label: a.label ?? null, score: a.score ?? null, explanation: a.explanation ?? null },
        metadata: {},
        identifier: "",
      },
    ],
  });
}

export function addSpanNote(spanId: string, note: string) {
  return post<{ data: { id: string } }>("/v1/span_notes", { data: { span_id: spanId, note } });
}

export async function datasetList(signal?: AbortSignal): Promise<DatasetSummary[]> {
  const out: DatasetSummary[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await get<Page<DatasetSummary>>("/v1/datasets", { limit: "1000", cursor }, signal);
    out.push(...page.data);
    if (!page.next_cursor || out.length >= 5000) return out;
    cursor = page.next_cursor;
  }
}

export interface UploadAnswer { data: { dataset_id: string; version_id?: string; [k: string]: unknown } }

export function datasetFromSpans(body: { name: string; action: "create" | "append"; span_ids: string[]; description?: string }) {
  return request<UploadAnswer>("POST", "/v1/datasets/from_spans", { json: body });
}

/** A document annotation (docs/annotations.md, "Document annotations"): a span annotation plus the document's position. */
export interface DocumentAnnotation extends SpanAnnotation {
  document_position: number;
}

/** Document annotations of the given spans. */
export function documentAnnotations(project: string, spanIds: string[], signal?: AbortSignal): Promise<DocumentAnnotation[]> {
  return annotationsOfSpans<DocumentAnnotation>("document_annotations", project, spanIds, signal);
}

/** Add (or replace: upsert on name, span, position) a HUMAN annotation of one retrieved document. */
export function addDocumentAnnotation(a: {
  span_id: string;
  document_position: number;
  name: string;
  label?: string | null;
  score?: number | null;
  explanation?: string | null;
}) {
  return post<{ data: { id: string }[] }>("/v1/document_annotations?sync=true", {
    data: [
      {
        span_id: a.span_id,
        document_position: a.document_position,
        name: a.name,
        annotator_kind: "HUMAN",
        result: { label: a.label ?? null, score: a.score ?? null, explanation: a.explanation ?? null },
        metadata: {},
      },
    ],
  });
}
