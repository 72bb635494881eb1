// REST calls and answer shapes of the experiment pages: experiments
// (docs/experiments.md), the runner status (docs/experiment-runner.md), the
// statistics (docs/analysis.md) and the few-shot dataset upload
// (docs/datasets.md).
import { ApiError, enc, get, getAll, post } from "../api";
import type { Page, Span } from "../types";

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type Interval = [number, number] | null;

export interface Dataset { id: string; name: string; example_count: number; created_at: string }

export interface Experiment {
  id: string;
  dataset_id: string;
  dataset_version_id: string;
  name: string;
  description: string | null;
  repetitions: number;
  metadata: Record<string, Json>;
  project_name: string | null;
  created_at: string;
  example_count: number;
  successful_run_count: number;
  failed_run_count: number;
  missing_run_count: number;
  status?: string | null;
  status_message?: string | null;
}

export interface SummaryEvaluation {
  name: string;
  kind: "binary" | "score";
  evaluations: number;
  errors: number;
  examples: number;
  labels: Record<string, number>;
  pass: { passed: number; n: number; unknown: number; rate: number | null; ci: Interval } | null;
  score: { estimate: number | null; ci: Interval; n: number } | null;
}

export interface Summary {
  experiment: { id: string; name: string; dataset_id: string; dataset_name: string; repetitions: number };
  example_count: number;
  runs: { expected: number; successful: number; failed: number; missing: number };
  tokens: { prompt: number; completion: number; total: number; runs: number } | null;
  cost: { total: number; runs: number } | null;
  latency_ms: { mean: number; p50: number; p95: number; max: number } | null;
  evaluations: SummaryEvaluation[];
}

export interface RunnerStatus {
  status: string | null;
  status_message: string | null;
  active: boolean;
  runs: { total: number; done: number; succeeded: number; errors: number };
}

export interface RunAnnotation {
  name: string;
  annotator_kind: string;
  label: string | null;
  score: number | null;
  explanation: string | null;
  error: string | null;
}

/** One record of GET /v1/experiments/{id}/json. */
export interface RunRecord {
  example_id: string;
  repetition_number: number;
  input: Json;
  reference_output: Json;
  output: Json;
  error: string | null;
  latency_ms: number | null;
  start_time: string;
  prompt_token_count: number | null;
  completion_token_count: number | null;
  annotations: RunAnnotation[];
}

export interface Outcome { label: string | null; score: number | null; pass: boolean | null }

export interface CompareEvaluation {
  name: string;
  kind: "binary" | "score";
  n: number;
  baseline: { pass_rate?: number | null; mean?: number | null; ci: Interval } | null;
  candidate: { pass_rate?: number | null; mean?: number | null; ci: Interval } | null;
  difference: { estimate: number | null; ci: Interval; method?: string } | null;
  test: { name: string; p_value: number | null } | null;
  p_value: number | null;
  p_holm: number | null;
  verdict: string;
  verdict_text: string;
  examples_needed: { total: number; more: number; alpha: number; power: number } | null;
  note?: string;
}

export interface Comparison {
  candidate: { id: string; name: string };
  shared_examples: number;
  baseline_only_examples: number;
  candidate_only_examples: number;
  evaluations: CompareEvaluation[];
  evaluations_not_compared: { name: string; only_in: string }[];
  differing_examples: { total: number; limit: number; items: { example_id: string; evaluation: string; baseline: Outcome; candidate: Outcome }[] };
}

export interface CompareResult { baseline: { id: string; name: string }; comparisons: Comparison[] }

export interface Agreement {
  source: { kind: "experiment" | "project"; experiment_id?: string; project_id?: string; name: string; human_name?: string };
  labels: string[];
  positive_label: string | null;
  positive_label_source: string | null;
  counts: { targets: number; judged: number; human_labelled: number; paired: number; human_ties: number };
  accuracy: number | null;
  cohen_kappa: { kappa: number | null; se: number | null; ci: Interval } | null;
  confusion_matrix: { labels: string[]; counts: number[][] };
  judge: {
    sensitivity: { estimate: number | null; ci: Interval } | null;
    specificity: { estimate: number | null; ci: Interval } | null;
    counts: { tp: number; fn: number; fp: number; tn: number } | null;
  } | null;
  corrected_pass_rate: {
    defined: boolean; why: string | null; unlabelled: number; judge_passed: number;
    raw: number | null; estimate: number | null; std_err: number | null; ci: Interval;
  } | null;
  disagreements: {
    total: number; limit: number;
    items: { target_id: string; judge_label: string | null; judge_explanation: string | null; human_label: string; annotators: { annotator: string; label: string }[] }[];
  };
  inter_annotator: {
    items: number;
    krippendorff_alpha: { alpha: number | null; units: number } | null;
    fleiss_kappa: { kappa: number | null; raters_per_item: number; items: number } | null;
  } | null;
}

export interface Example { id: string; input: Json; output: Json; metadata: Json }

type Data<T> = { data: T };

export const expApi = {
  datasets: (signal?: AbortSignal) =>
    getAll<Dataset>((cursor) => get<Page<Dataset>>("/v1/datasets", { limit: "1000", cursor }, signal), 5000).then((r) => r.items),
  experiments: (dataset: string, signal?: AbortSignal) =>
    getAll<Experiment>((cursor) => get<Page<Experiment>>(`/v1/datasets/${enc(dataset)}/experiments`, { limit: "1000", cursor }, signal), 5000).then((r) => r.items),
  experiment: (id: string, signal?: AbortSignal) => get<Data<Experiment>>(`/v1/experiments/${enc(id)}`, undefined, signal).then((r) => r.data),
  summary: (id: string, signal?: AbortSignal) => get<Data<Summary>>(`/v1/experiments/${enc(id)}/summary`, undefined, signal).then((r) => r.data),
  status: (id: string, signal?: AbortSignal) => get<Data<RunnerStatus>>(`/v1/experiments/${enc(id)}/status`, undefined, signal).then((r) => r.data),
  records: (id: string, signal?: AbortSignal) => get<RunRecord[]>(`/v1/experiments/${enc(id)}/json`, undefined, signal),
  compare: (baseline: string, candidate: string, signal?: AbortSignal) =>
    get<Data<CompareResult>>("/v1/experiments/compare", { baseline, candidate, limit: "10000" }, signal).then((r) => r.data),
  agreement: (params: Record<string, string | undefined>, signal?: AbortSignal) =>
    get<Data<Agreement>>("/v1/evaluators/agreement", { ...params, limit: "1000" }, signal).then((r) => r.data),
  examples: (dataset: string, versionId?: string, signal?: AbortSignal) =>
    get<Data<{ examples: Example[] }>>(`/v1/datasets/${enc(dataset)}/examples`, { version_id: versionId }, signal).then((r) => r.data.examples),
  span: (project: string, spanId: string, signal?: AbortSignal) =>
    get<Page<Span>>(`/v1/projects/${enc(project)}/spans`, { span_id: spanId, limit: "1" }, signal).then((r) => r.data[0] ?? null),
  projects: (signal?: AbortSignal) =>
    getAll<{ id: string; name: string }>((cursor) => get<Page<{ id: string; name: string }>>("/v1/projects", { limit: "1000", cursor }, signal)).then((r) => r.items),
};

/** The id of the dataset with this exact name, or null (no 404 in the console for a missing one). */
export async function datasetIdByName(name: string, signal?: AbortSignal): Promise<string | null> {
  const r = await get<Page<Dataset>>("/v1/datasets", { name, limit: "1" }, signal);
  return r.data.find((d) => d.name === name)?.id ?? null;
}

/** The examples of a dataset, or null when it does not exist. */
export async function examplesIfAny(dataset: string, signal?: AbortSignal): Promise<Example[] | null> {
  const id = await datasetIdByName(dataset, signal);
  return id ? expApi.examples(id, undefined, signal) : null;
}

/** Append one example to a dataset, creating the dataset when it is missing. */
export async function appendExample(dataset: string, input: Json, output: Json, metadata: Json): Promise<void> {
  const body = { name: dataset, inputs: [input], outputs: [output], metadata: [metadata] };
  const create = {
    ...body, action: "create",
    description: "Few-shot examples for a judge, from human labels that disagreed with it (assay UI, Judge agreement).",
  };
  if (!(await datasetIdByName(dataset))) {
    try {
      await post("/v1/datasets/upload?sync=true", create);
      return;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409)) throw e; // created meanwhile: append
    }
  }
  await post("/v1/datasets/upload?sync=true", { ...body, action: "append" });
}
