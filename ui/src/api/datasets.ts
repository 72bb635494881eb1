// REST calls and shapes of the datasets API (docs/datasets.md).
import { enc, get, getAll, request } from "../api";
import type { Page } from "../types";

export interface LabelRef { id: string; name: string; color: string | null }

export interface Dataset {
  id: string;
  name: string;
  description: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  example_count: number;
  labels?: LabelRef[];
}

export interface DatasetVersion {
  version_id: string;
  description: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
}

export interface Example {
  id: string;
  node_id?: string;
  input: Record<string, unknown>;
  output: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  updated_at: string;
  external_id?: string | null;
  source_span_id?: string | null;
  splits?: string[];
}

export interface ExamplesAnswer {
  dataset_id: string;
  version_id: string | null;
  filtered_splits?: string[];
  examples: Example[];
}

export interface UploadAnswer {
  dataset_id: string;
  version_id: string | null;
  num_created_examples: number;
  num_updated_examples: number;
  num_deleted_examples: number;
}

export interface PatchAnswer { dataset_id: string; version_id: string; example: Example }
export interface DeleteAnswer { dataset_id: string; version_id: string }

type ExampleContent = Partial<Record<"input" | "output" | "metadata", Record<string, unknown>>>;

const base = (id: string) => `/v1/datasets/${enc(id)}`;

export const datasetsApi = {
  list: (cursor?: string, limit = 50, signal?: AbortSignal) => get<Page<Dataset>>("/v1/datasets", { cursor, limit: String(limit) }, signal),
  all: (signal?: AbortSignal) => getAll((cursor) => get<Page<Dataset>>("/v1/datasets", { cursor, limit: "1000" }, signal), 5000),
  get: (id: string, signal?: AbortSignal) => get<{ data: Dataset }>(base(id), undefined, signal).then((r) => r.data),
  versions: (id: string, signal?: AbortSignal) =>
    getAll((cursor) => get<Page<DatasetVersion>>(`${base(id)}/versions`, { cursor, limit: "1000" }, signal), 10000),
  latestVersion: (id: string, signal?: AbortSignal) =>
    get<Page<DatasetVersion>>(`${base(id)}/versions`, { limit: "1" }, signal).then((r) => r.data[0] || null),
  examples: (id: string, versionId: string | null, signal?: AbortSignal) =>
    get<{ data: ExamplesAnswer }>(`${base(id)}/examples`, { version_id: versionId || undefined }, signal).then((r) => r.data),
  upload: (form: FormData, signal?: AbortSignal) => request<{ data: UploadAnswer }>("POST", "/v1/datasets/upload", { form, signal }).then((r) => r.data),
  patchExample: (id: string, exampleId: string, body: ExampleContent) =>
    request<{ data: PatchAnswer }>("PATCH", `${base(id)}/examples/${enc(exampleId)}`, { json: body }).then((r) => r.data),
  deleteExample: (id: string, exampleId: string) =>
    request<{ data: DeleteAnswer }>("DELETE", `${base(id)}/examples/${enc(exampleId)}`).then((r) => r.data),
};
