// Formatting helpers: pure functions, unit-tested in format.test.ts.

/** 0.4 ms, 12 ms, 1.23 s, 2m 05s, 1h 02m */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return "–";
  if (ms < 0) ms = 0;
  if (ms < 1) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** 950, 1.2k, 34k, 1.5M */
export function fmtCount(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return "–";
  const a = Math.abs(n);
  if (a < 1000) return String(Math.round(n));
  if (a < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (a < 1_000_000) return `${Math.round(n / 1000)}k`;
  if (a < 10_000_000) return `${(n / 1e6).toFixed(1)}M`;
  return `${Math.round(n / 1e6)}M`;
}

/** 0.125 -> "12.5%", 0 -> "0%" */
export function fmtPercent(x: number | null | undefined): string {
  if (x == null || !Number.isFinite(x)) return "–";
  const p = x * 100;
  if (p === 0) return "0%";
  if (p < 10) return `${p.toFixed(1)}%`;
  return `${Math.round(p)}%`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Local "YYYY-MM-DD HH:MM:SS" (the span table's time column). */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A one-line preview of a long value: whitespace collapsed, cut at max chars. */
export function preview(v: unknown, max = 120): string {
  if (v == null) return "";
  const s = (typeof v === "string" ? v : JSON.stringify(v)).replace(/\s+/g, " ").trim();
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

/** preview() of a run's or example's value, where an object holding one
 *  string (`{"question": "…"}`, the usual dataset shape) shows that string. */
export function previewValue(v: unknown, max = 120): string {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const vals = Object.values(v as Record<string, unknown>);
    if (vals.length === 1 && typeof vals[0] === "string") return preview(vals[0], max);
  }
  return preview(v, max);
}

/** The href to use for a value, or null: only absolute http(s) URLs become links. */
export function safeHref(v: unknown): string | null {
  if (typeof v !== "string") return null;
  const s = v.trim();
  if (!/^https?:\/\//i.test(s) || /\s/.test(s)) return null;
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/** Parse a string as JSON if it looks like an object or array, else undefined. */
export function tryJson(v: unknown): unknown {
  if (typeof v !== "string") return undefined;
  const s = v.trim();
  if (!(s.startsWith("{") || s.startsWith("["))) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Nearest-rank percentile (p in 0..100) of unsorted numbers; NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

/** US dollars: "$0", "<$0.0001", "$0.0012", "$12.30", "$1,234"; "—" when not a number (unknown cost). */
export function fmtUsd(v: unknown): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  if (a === 0) return "$0";
  if (a < 0.0001) return v > 0 ? "<$0.0001" : "-<$0.0001";
  if (a < 0.01) return `$${v.toPrecision(2)}`;
  if (a < 1000) return `$${v.toFixed(2)}`;
  return `$${Math.round(v).toLocaleString("en-US")}`;
}

/** Made by `assay demo`: a description starting "Demo data:" (projects,
 * datasets, queues), or metadata.assay_demo (experiments, datasets). */
export function isDemo(x: string | null | undefined | { metadata?: Record<string, unknown> | null; description?: string | null }): boolean {
  if (x == null) return false;
  const d = typeof x === "string" ? x : x.description;
  if (typeof x === "object" && x.metadata?.assay_demo === true) return true;
  return typeof d === "string" && d.startsWith("Demo data:");
}
