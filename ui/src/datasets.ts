// Pure logic of the datasets pages: sniffing the head of a CSV / JSONL file,
// the column mapping and the multipart fields it becomes, JSON validation of
// the example editor.  Unit-tested in datasets.test.ts.

/** How many bytes of a file the upload page reads to show its columns. */
export const SNIFF_BYTES = 64 * 1024;
/** Rows of the head kept as samples. */
export const SAMPLE_ROWS = 20;

export type FileFormat = "csv" | "jsonl";
export type Role = "input" | "output" | "metadata" | "ignore";
export const ROLES: Role[] = ["input", "output", "metadata", "ignore"];

export interface Column {
  key: string;
  /** first non-empty value seen, as display text */
  sample: string;
}

export interface Sniffed {
  format: FileFormat;
  columns: Column[];
  /** rows parsed from the head (complete rows only, unless the head is the whole file) */
  rows: number;
  /** JSONL lines already in the export shape ({input{}, output?, metadata?, ...}) */
  exportShape: boolean;
  /** a problem found in the head (not fatal: the server has the last word) */
  warning: string | null;
}

/** csv / jsonl from a file name (optionally .gz) and its MIME type; null when unknown. */
export function formatOf(name: string, type = ""): FileFormat | null {
  const n = name.toLowerCase().replace(/\.gz$/, "");
  if (n.endsWith(".csv")) return "csv";
  if (n.endsWith(".jsonl") || n.endsWith(".ndjson") || n.endsWith(".json")) return "jsonl";
  const t = type.toLowerCase();
  if (t.startsWith("text/csv")) return "csv";
  if (/(jsonl|ndjson|json)/.test(t)) return "jsonl";
  return null;
}

export function isGzipName(name: string): boolean {
  return /\.gz$/i.test(name);
}

/** Does a byte prefix start with the gzip magic? */
export function isGzipBytes(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Up to limit bytes of the inflated head of a gzip prefix (DecompressionStream);
 * complete when the gzip stream ended inside the prefix and the prefix is the
 * whole file.  A cut stream is not an error: what was inflated is kept.
 */
export async function gunzipHead(bytes: Uint8Array<ArrayBuffer>, limit: number, wholeFile: boolean): Promise<{ data: Uint8Array; complete: boolean }> {
  const ds = new DecompressionStream("gzip");
  const writer = ds.writable.getWriter();
  writer.write(bytes).catch(() => {});
  writer.close().catch(() => {});
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let done = false;
  try {
    while (total < limit) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        break;
      }
      chunks.push(r.value);
      total += r.value.length;
    }
  } catch {
    /* the prefix is cut: keep what was inflated */
  }
  reader.cancel().catch(() => {});
  const data = new Uint8Array(Math.min(total, limit));
  let off = 0;
  for (const c of chunks) {
    const n = Math.min(c.length, data.length - off);
    data.set(c.subarray(0, n), off);
    off += n;
    if (off >= data.length) break;
  }
  return { data, complete: done && wholeFile && total <= limit };
}

/**
 * RFC 4180 records of a CSV text.  complete: the text is the whole file,
 * else the last record (possibly cut by the byte limit) is dropped.
 * Throws on an unterminated quote in a complete text.
 */
export function parseCsv(text: string, complete: boolean): string[][] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  let any = false; // something seen in the current record
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === "") {
      quoted = true;
      any = true;
      i++;
    } else if (c === ",") {
      row.push(field);
      field = "";
      any = true;
      i++;
    } else if (c === "\r" || c === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      any = false;
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
    } else {
      field += c;
      any = true;
      i++;
    }
  }
  if (quoted) {
    if (complete) throw new Error(`unterminated quoted field in row ${rows.length + 1}`);
    return rows; // cut inside a quoted field: drop the partial record
  }
  if (any || field !== "") {
    row.push(field);
    if (complete) rows.push(row);
    // not complete: the last record may be cut, drop it
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

/** A display text of a JSON value for the sample column. */
export function sampleText(v: unknown, max = 80): string {
  if (v === undefined) return "";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > max ? one.slice(0, max - 1) + "…" : one;
}

export function sniffCsv(text: string, complete: boolean): Sniffed {
  let rows: string[][];
  let warning: string | null = null;
  try {
    rows = parseCsv(text, complete);
  } catch (e) {
    warning = String((e as Error).message);
    rows = parseCsv(text, false);
  }
  const header = rows[0] || [];
  const body = rows.slice(1, 1 + SAMPLE_ROWS);
  const seen = new Set<string>();
  const columns: Column[] = [];
  header.forEach((key, i) => {
    if (seen.has(key) && !warning) warning = `column '${key}' appears twice in the header`;
    seen.add(key);
    const r = body.find((row) => (row[i] ?? "") !== "");
    columns.push({ key, sample: sampleText(r ? r[i] : "") });
  });
  if (!header.length && !warning) warning = "no header row found";
  return { format: "csv", columns, rows: Math.max(0, rows.length - 1), exportShape: false, warning };
}

const EXPORT_KEYS = new Set(["input", "output", "metadata", "splits", "id", "span_id"]);
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Keys of the JSON objects on the first lines of a JSONL text, in order of first appearance. */
export function sniffJsonl(text: string, complete: boolean): Sniffed {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let lines = text.split(/\r?\n/);
  if (!complete) lines = lines.slice(0, -1); // the last line may be cut
  const columns: Column[] = [];
  const index = new Map<string, number>();
  let rows = 0;
  let warning: string | null = null;
  let exportShape = true;
  for (let li = 0; li < lines.length && rows < SAMPLE_ROWS; li++) {
    const line = lines[li].trim();
    if (!line) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      warning = `line ${li + 1}: ${(e as Error).message}`;
      break;
    }
    if (!isObj(v)) {
      warning = `line ${li + 1}: not a JSON object`;
      break;
    }
    rows++;
    if (!isObj(v.input) || Object.keys(v).some((k) => !EXPORT_KEYS.has(k))) exportShape = false;
    for (const [k, val] of Object.entries(v)) {
      let i = index.get(k);
      if (i === undefined) {
        i = columns.length;
        index.set(k, i);
        columns.push({ key: k, sample: "" });
      }
      if (!columns[i].sample && val !== null && val !== "") columns[i].sample = sampleText(val);
    }
  }
  if (!rows) exportShape = false;
  if (!rows && !warning) warning = lines.length ? "no complete JSON line in the first 64 KiB" : "the file is empty";
  return { format: "jsonl", columns, rows, exportShape, warning };
}

const words = (key: string) =>
  key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
const INPUT_WORDS = new Set(["input", "inputs", "question", "questions", "query", "queries", "prompt", "prompts"]);
const OUTPUT_WORDS = new Set(["output", "outputs", "answer", "answers", "expected", "response", "responses", "label", "labels", "reference", "ground", "target"]);

/** The role a column gets before the user changes it. */
export function defaultRole(key: string): Role {
  const w = words(key);
  if (w.some((x) => OUTPUT_WORDS.has(x)) && !w.some((x) => INPUT_WORDS.has(x))) return "output";
  if (w.some((x) => INPUT_WORDS.has(x))) return "input";
  if (w.some((x) => OUTPUT_WORDS.has(x))) return "output";
  return "metadata";
}

export type Mapping = Record<string, Role>;

export function defaultMapping(columns: Column[]): Mapping {
  const m: Mapping = {};
  for (const c of columns) m[c.key] = defaultRole(c.key);
  return m;
}

export interface UploadForm {
  format: FileFormat;
  name: string;
  description: string;
  action: "create" | "append";
  /** JSONL only: send no keys, the file is in the export shape */
  exportShape: boolean;
  columns: Column[];
  mapping: Mapping;
}

/** What is wrong with the form (null when it can be sent). */
export function validateUpload(f: UploadForm): string | null {
  if (!f.name.trim()) return "Enter a dataset name.";
  if (f.name.length > 256) return "The dataset name is too long (256 characters at most).";
  if (f.format === "jsonl" && f.exportShape) return null;
  if (!f.columns.length) return "No columns found in the file.";
  if (!f.columns.some((c) => f.mapping[c.key] === "input")) return "Map at least one column to input.";
  return null;
}

/**
 * The multipart text fields of POST /v1/datasets/upload (docs/datasets.md),
 * in order; the caller appends the file part.
 */
export function uploadFields(f: UploadForm): [string, string][] {
  const out: [string, string][] = [
    ["name", f.name.trim()],
    ["action", f.action],
  ];
  if (f.description.trim()) out.push(["description", f.description.trim()]);
  if (f.format === "jsonl" && f.exportShape) return out;
  for (const role of ["input", "output", "metadata"] as const) {
    for (const c of f.columns) if (f.mapping[c.key] === role) out.push([`${role}_keys[]`, c.key]);
  }
  return out;
}

export interface JsonCheck {
  ok: boolean;
  value?: Record<string, unknown>;
  message?: string;
  /** 1-based line / column of the error when known */
  line?: number;
  column?: number;
  position?: number;
}

/** 1-based line and column of a 0-based offset in text. */
export function lineCol(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: pos - last };
}

/** Parse an editor's text as a JSON object; an error says where. Empty text is {}. */
export function checkJsonObject(text: string): JsonCheck {
  if (!text.trim()) return { ok: true, value: {} };
  try {
    const v = JSON.parse(text);
    if (!isObj(v)) return { ok: false, message: `must be a JSON object, not ${Array.isArray(v) ? "an array" : v === null ? "null" : typeof v}` };
    return { ok: true, value: v };
  } catch (e) {
    const msg = String((e as Error).message);
    let pos: number | undefined;
    const m = /at position (\d+)/.exec(msg);
    if (m) pos = Number(m[1]);
    else if (/Unexpected end of JSON input/.test(msg)) pos = text.length;
    const lc = /\(line (\d+) column (\d+)\)/.exec(msg);
    if (pos === undefined && !lc) return { ok: false, message: msg };
    const where = lc ? { line: Number(lc[1]), column: Number(lc[2]) } : lineCol(text, pos!);
    const clean = msg.replace(/\s*\(line \d+ column \d+\)/, "").replace(/\s*in JSON at position \d+/, "");
    return { ok: false, message: `line ${where.line}, column ${where.column}: ${clean}`, position: pos, ...where };
  }
}

/** Compact one-line JSON preview, cut at max characters (always text). */
export function jsonPreview(v: unknown, max = 160): string {
  if (v === undefined || v === null) return "";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

/** Has an example's content changed? (key order does not matter) */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObj(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}

/** The body of PATCH .../examples/{id}: only the parts that changed. */
export function patchBody(
  before: { input: unknown; output: unknown; metadata: unknown },
  after: { input: Record<string, unknown>; output: Record<string, unknown>; metadata: Record<string, unknown> },
): Partial<Record<"input" | "output" | "metadata", Record<string, unknown>>> {
  const out: Partial<Record<"input" | "output" | "metadata", Record<string, unknown>>> = {};
  for (const k of ["input", "output", "metadata"] as const) if (!sameJson(before[k] ?? {}, after[k])) out[k] = after[k];
  return out;
}

/** A CSS colour of a label, only when it is a plain #rrggbb. */
export function labelColor(c: unknown): string | undefined {
  return typeof c === "string" && /^#[0-9a-fA-F]{6}$/.test(c) ? c : undefined;
}

/** A readable text colour on a #rrggbb background. */
export function textOn(bg: string): string {
  const n = parseInt(bg.slice(1), 16);
  const r = (n >> 16) & 255,
    g = (n >> 8) & 255,
    b = n & 255;
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#1d2433" : "#fff";
}

/** The export downloads of a dataset version. */
export const EXPORTS: { key: string; label: string; path: string; ext: string }[] = [
  { key: "csv", label: "CSV", path: "csv", ext: "csv" },
  { key: "jsonl", label: "JSONL", path: "jsonl", ext: "jsonl" },
  { key: "openai_ft", label: "OpenAI fine-tuning JSONL", path: "jsonl/openai_ft", ext: "openai_ft.jsonl" },
  { key: "openai_evals", label: "OpenAI evals JSONL", path: "jsonl/openai_evals", ext: "openai_evals.jsonl" },
];

export function exportPath(datasetId: string, path: string, versionId: string | null): string {
  const q = versionId ? `?version_id=${encodeURIComponent(versionId)}` : "";
  return `/v1/datasets/${encodeURIComponent(datasetId)}/${path}${q}`;
}

/** A file name for a download: the dataset name made safe. */
export function downloadName(name: string, ext: string): string {
  const base = name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(0, 80) || "dataset";
  return `${base}.${ext}`;
}

/** Short form of a GlobalID (decoded "Type:N" -> "N") for display. */
export function shortId(gid: string): string {
  try {
    const d = atob(gid);
    const m = /^[A-Za-z]+:(\d+)$/.exec(d);
    if (m) return m[1];
  } catch {
    /* not base64 */
  }
  return gid.length > 12 ? gid.slice(0, 11) + "…" : gid;
}

