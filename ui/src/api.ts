// The REST client: same-origin fetches of the documented API (docs/api.md).
import type { Page, Project, Span, Trace } from "./types";
import { parseApiError } from "./transforms";

export class ApiError extends Error {
  constructor(public status: number, message: string, public column: number | null) {
    super(message);
  }
}

type Params = Record<string, string | string[] | undefined>;

/**
 * One REST call.  JSON bodies are sent as application/json; FormData as
 * multipart.  A non-2xx answer throws ApiError with the server's message
 * (and the filter error column when there is one).  204 gives null.
 */
export async function request<T>(
  method: string,
  path: string,
  opts: { params?: Params; json?: unknown; form?: FormData; signal?: AbortSignal } = {},
): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.params || {})) {
    if (v === undefined || v === "") continue;
    for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  }
  const qs = q.toString();
  const headers: Record<string, string> = { accept: "application/json" };
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.json);
  } else if (opts.form) body = opts.form;
  const res = await fetch(qs ? `${path}?${qs}` : path, { method, signal: opts.signal, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* plain text */
  }
  if (!res.ok) {
    const e = parseApiError(res.status, parsed);
    throw new ApiError(res.status, e.message, e.column);
  }
  return parsed as T;
}

export function get<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> {
  return request<T>("GET", path, { params, signal });
}

export function post<T>(path: string, json: unknown, signal?: AbortSignal): Promise<T> {
  return request<T>("POST", path, { json, signal });
}

export const enc = encodeURIComponent;

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
