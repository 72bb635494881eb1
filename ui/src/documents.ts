// Retrieved documents of a span (OpenInference retrieval.documents and the
// reranker's input / output documents) and their document annotations
// grouped by position (docs/annotations.md, "Document annotations").
//
// The span API gives the attributes with flattened keys
// ("retrieval.documents.0.document.content", a JSON metadata string
// exploded into "...document.metadata.<key>"); nested shapes
// ({retrieval: {documents: [{document: {...}}]}}) are read too.
import type { Attr } from "./types";

export interface RetrievedDoc {
  position: number; // the N of <prefix>.N: what document annotations name as document_position
  id: string | null;
  content: string | null;
  score: number | null;
  metadata: Attr | null;
  other: Record<string, Attr>; // any further document.* fields
}

export interface DocGroup {
  key: string; // the attribute prefix
  label: string;
  docs: RetrievedDoc[]; // in position order
}

export const DOC_GROUPS: { key: string; label: string }[] = [
  { key: "retrieval.documents", label: "Retrieved documents" },
  { key: "reranker.input_documents", label: "Reranker input documents" },
  { key: "reranker.output_documents", label: "Reranker output documents" },
];

/** The largest position read (a hostile "retrieval.documents.99999999..." key is skipped). */
export const MAX_POSITION = 100000;

type Obj = { [k: string]: Attr };
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const own = (o: Obj, k: string): Attr | undefined => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);
/** A key that must not be assigned as a plain property (prototype pollution). */
const UNSAFE = "__proto__";

/** The value at a dotted path in a tree whose keys may themselves be dotted (flat, nested or mixed). */
export function lookup(node: Attr | undefined, path: string[]): Attr | undefined {
  if (path.length === 0) return node;
  if (!isObj(node)) {
    if (Array.isArray(node) && /^\d+$/.test(path[0])) return lookup(node[Number(path[0])], path.slice(1));
    return undefined;
  }
  for (let n = path.length; n >= 1; n--) {
    const k = path.slice(0, n).join(".");
    if (Object.prototype.hasOwnProperty.call(node, k)) {
      const r = lookup(node[k], path.slice(n));
      if (r !== undefined) return r;
    }
  }
  return undefined;
}

function str(v: Attr | undefined): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === "string" ? v : JSON.stringify(v);
}

function num(v: Attr | undefined): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** A metadata string that holds a JSON object / array is shown parsed. */
function parseMeta(v: Attr): Attr {
  if (typeof v === "string") {
    const t = v.trim();
    if (t.startsWith("{") || t.startsWith("[")) {
      try {
        return JSON.parse(t) as Attr;
      } catch {
        /* plain text */
      }
    }
  }
  return v;
}

/** Set path (dotted segments) in an object, creating objects on the way; a value that is also a prefix keeps it under "". */
function setPath(root: Obj, path: string[], v: Attr) {
  let node = root;
  if (path.includes(UNSAFE)) return;
  for (let i = 0; i < path.length - 1; i++) {
    const p = path[i];
    const cur = own(node, p);
    if (!isObj(cur)) {
      const next: Obj = {};
      if (cur !== undefined) next[""] = cur;
      node[p] = next;
    }
    node = node[p] as Obj;
  }
  const last = path[path.length - 1];
  if (isObj(own(node, last))) (node[last] as Obj)[""] = v;
  else node[last] = v;
}

function blank(position: number): RetrievedDoc {
  return { position, id: null, content: null, score: null, metadata: null, other: {} };
}

/** One document.<field...> value into the document. */
function put(doc: RetrievedDoc, field: string[], v: Attr) {
  const [f, ...rest] = field;
  if (field.includes(UNSAFE)) return;
  if (rest.length === 0) {
    if (f === "id") doc.id = str(v);
    else if (f === "content") doc.content = str(v);
    else if (f === "score") doc.score = num(v);
    else if (f === "metadata") {
      const m = parseMeta(v);
      doc.metadata = isObj(doc.metadata) && isObj(m) ? { ...doc.metadata, ...m } : isObj(doc.metadata) ? { ...doc.metadata, "": m } : m;
    } else doc.other[f] = v;
    return;
  }
  if (f === "metadata") {
    const meta: Obj = isObj(doc.metadata) ? doc.metadata : doc.metadata === null ? {} : { "": doc.metadata };
    setPath(meta, rest, v);
    doc.metadata = meta;
  } else doc.other[field.join(".")] = v;
}

/** Flatten a nested document object into dotted field paths (arrays are values). */
function walk(node: Attr, path: string[], out: [string[], Attr][]) {
  if (isObj(node) && Object.keys(node).length) {
    for (const [k, v] of Object.entries(node)) walk(v, [...path, ...k.split(".")], out);
  } else out.push([path, node]);
}

/** The documents under one prefix ("retrieval.documents"), in position order. */
export function documentsAt(attrs: Record<string, Attr> | null | undefined, prefix: string): RetrievedDoc[] {
  const byPos = new Map<number, RetrievedDoc>();
  const at = (p: number) => {
    let d = byPos.get(p);
    if (!d) byPos.set(p, (d = blank(p)));
    return d;
  };
  const addEntry = (p: number, entry: Attr) => {
    if (!Number.isInteger(p) || p < 0 || p > MAX_POSITION || entry === null || entry === undefined) return;
    const fields: [string[], Attr][] = [];
    walk(entry, [], fields);
    for (const [path, v] of fields) {
      // {document: {...}} (OpenInference) or the document's fields directly
      const f = path[0] === "document" ? path.slice(1) : path;
      if (f.length) put(at(p), f, v);
    }
  };
  const a = attrs || {};
  // flat keys: <prefix>.N.document.<field...>
  const pre = `${prefix}.`;
  for (const [k, v] of Object.entries(a)) {
    if (!k.startsWith(pre)) continue;
    const m = /^(\d{1,9})\.(.+)$/.exec(k.slice(pre.length));
    if (m) addEntry(Number(m[1]), { [m[2]]: v });
  }
  // nested: an array (or an object keyed by position) at the prefix
  const nested = lookup(a, prefix.split("."));
  if (Array.isArray(nested)) nested.forEach((e, i) => addEntry(i, e));
  else if (isObj(nested) && !Object.keys(a).some((k) => k.startsWith(pre))) {
    // an object keyed by position (when the flat keys above did not give them)
    for (const [k, e] of Object.entries(nested)) if (/^\d{1,9}$/.test(k)) addEntry(Number(k), e);
  }
  return [...byPos.values()].sort((x, y) => x.position - y.position);
}

/** Every non-empty document list of a span. */
export function spanDocuments(attrs: Record<string, Attr> | null | undefined): DocGroup[] {
  return DOC_GROUPS.map((g) => ({ ...g, docs: documentsAt(attrs, g.key) })).filter((g) => g.docs.length > 0);
}

export interface DocAnnotationLike {
  name: string;
  document_position: number;
  updated_at?: string;
  result: { label: string | null; score: number | null; explanation: string | null } | null;
}

/** Annotations by document position, each list sorted by name. */
export function byPosition<T extends DocAnnotationLike>(anns: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const a of anns) {
    const l = out.get(a.document_position);
    if (l) l.push(a);
    else out.set(a.document_position, [a]);
  }
  for (const l of out.values()) l.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return out;
}

/** A score for display: at most 4 significant digits (0.80000000000000004 -> "0.8"). */
export function fmtScore(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return "";
  return String(Number(s.toPrecision(4)));
}

/** The chip text of an annotation: "name: label (score)". */
export function chipText(a: DocAnnotationLike): string {
  const label = a.result?.label ?? null;
  const score = a.result?.score ?? null;
  const parts = [label, score !== null ? `(${fmtScore(score)})` : null].filter((x) => x !== null && x !== "");
  return parts.length ? `${a.name}: ${parts.join(" ")}` : a.name;
}

/** Metadata as compact JSON text ("" when there is none). */
export function metaText(m: Attr | null): string {
  if (m === null || m === undefined) return "";
  if (typeof m === "string") return m;
  if (isObj(m) && Object.keys(m).length === 0) return "";
  return JSON.stringify(m);
}

/** Long content cut for the collapsed view: at most maxChars characters and maxLines lines; null when it fits. */
export function clip(text: string, maxChars = 400, maxLines = 6): string | null {
  let cut = text.length > maxChars ? maxChars : text.length;
  let lines = 0;
  for (let i = 0; i < cut; i++) {
    if (text.charCodeAt(i) === 10 && ++lines >= maxLines) {
      cut = i;
      break;
    }
  }
  if (cut >= text.length) return null;
  // do not split a surrogate pair
  const c = text.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return text.slice(0, cut).trimEnd() + "…";
}
