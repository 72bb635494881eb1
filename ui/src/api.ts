// The REST client: same-origin fetches of the documented API (docs/api.md).
import type { Page, Project, Span, Trace } from "./types";
import { parseApiError } from "./transforms";

export class ApiError extends Error {
  constructor(public status: number, message: string, public column: number | null) {
    super(message);
  }
}

async function get<T>(path: string, params?: Record<string, string | string[] | undefined>, signal?: AbortSignal): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === "") continue;
    for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  }
  const qs = q.toString();
  const res = await fetch(qs ? `${path}?${qs}` : path, { signal, headers: { accept: "application/json" } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* plain text */
  }
  if (!res.ok) {
    const e = parseApiError(res.status, body);
    throw new ApiError(res.status, e.message, e.column);
  }
  return body as T;
}

const enc = encodeURIComponent;

export const api = {
  projects: (cursor?: string, signal?: AbortSignal) => get<Page<Project>>("/v1/projects", { limit: "1000", cursor }, signal),
  traces: (project: string, params: Record<string, string | undefined>, signal?: AbortSignal) =>
    get<Page<Trace>>(`/v1/projects/${enc(project)}/traces`, params, signal),
  spans: (project: string, params: Record<string, string | string[] | undefined>, signal?: AbortSignal) =>
    get<Page<Span>>(`/v1/projects/${enc(project)}/spans`, params, signal),
};

/** Every page of a cursor-paginated list, up to max items. */
export async function getAll<T>(fetchPage: (cursor?: string) => Promise<Page<T>>, max = 20000): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    items.push(...page.data);
    if (!page.next_cursor) return { items, truncated: false };
    if (items.length >= max) return { items, truncated: true };
    cursor = page.next_cursor;
  }
}
