import { describe, expect, test } from "vitest";
import { byPosition, chipText, clip, documentsAt, fmtScore, lookup, metaText, spanDocuments, MAX_POSITION } from "./documents";
import type { Attr } from "./types";

// the attributes as GET /v1/projects/{p}/spans returns them (flattened; a JSON metadata string exploded)
const flat: Record<string, Attr> = {
  "input.value": "q",
  "retrieval.documents.1.document.content": "world",
  "retrieval.documents.1.document.id": "d1",
  "retrieval.documents.1.document.score": 0.5,
  "retrieval.documents.0.document.content": "hello",
  "retrieval.documents.0.document.id": "d0",
  "retrieval.documents.0.document.metadata.src": "x",
  "retrieval.documents.0.document.metadata.n.x": 1,
  "retrieval.documents.0.document.metadata.tags": ["a", "b"],
  "retrieval.documents.0.document.score": 0.9,
  "retrieval.documents.10.document.id": "d10",
};

describe("documentsAt / spanDocuments", () => {
  test("flat keys: position order (numeric), fields, nested metadata rebuilt", () => {
    const docs = documentsAt(flat, "retrieval.documents");
    expect(docs.map((d) => d.position)).toEqual([0, 1, 10]);
    expect(docs[0]).toEqual({ position: 0, id: "d0", content: "hello", score: 0.9, metadata: { src: "x", n: { x: 1 }, tags: ["a", "b"] }, other: {} });
    expect(docs[1]).toMatchObject({ id: "d1", content: "world", score: 0.5, metadata: null });
    expect(docs[2]).toMatchObject({ id: "d10", content: null, score: null });
  });

  test("nested shapes: {retrieval: {documents: [{document}]}} and a dotted key holding an array", () => {
    const nested: Record<string, Attr> = { retrieval: { documents: [{ document: { id: "a", content: "A", score: 2, metadata: { k: "v" } } }, null, { document: { id: "c" } }] } };
    const docs = documentsAt(nested, "retrieval.documents");
    expect(docs.map((d) => [d.position, d.id])).toEqual([
      [0, "a"],
      [2, "c"],
    ]);
    expect(docs[0]).toMatchObject({ content: "A", score: 2, metadata: { k: "v" } });
    const dotted = { "retrieval.documents": [{ "document.id": "x", "document.content": "X" }] };
    expect(documentsAt(dotted, "retrieval.documents")).toEqual([{ position: 0, id: "x", content: "X", score: null, metadata: null, other: {} }]);
    const byKey = { retrieval: { documents: { "1": { document: { id: "one" } } } } };
    expect(documentsAt(byKey, "retrieval.documents").map((d) => [d.position, d.id])).toEqual([[1, "one"]]);
  });

  test("metadata: a JSON string is parsed, plain text kept; non-string ids and string scores", () => {
    const docs = documentsAt(
      {
        "retrieval.documents.0.document.metadata": '{"a": [1, 2]}',
        "retrieval.documents.1.document.metadata": "not json",
        "retrieval.documents.1.document.id": 42,
        "retrieval.documents.1.document.score": "0.25",
        "retrieval.documents.1.document.title": "T",
      },
      "retrieval.documents",
    );
    expect(docs[0].metadata).toEqual({ a: [1, 2] });
    expect(docs[1]).toMatchObject({ metadata: "not json", id: "42", score: 0.25, other: { title: "T" } });
  });

  test("hostile and unrelated keys are ignored; huge positions skipped", () => {
    const docs = documentsAt(
      {
        "retrieval.documents.x.document.id": "no",
        "retrieval.documentsX.0.document.id": "no",
        [`retrieval.documents.${MAX_POSITION + 1}.document.id`]: "no",
        "retrieval.documents.99999999999999.document.id": "no",
        "retrieval.documents.3.document.content": "<img src=x onerror=alert(1)>",
        "retrieval.documents.3.document.__proto__": "p",
      },
      "retrieval.documents",
    );
    expect(docs.map((d) => d.position)).toEqual([3]);
    expect(docs[0].content).toBe("<img src=x onerror=alert(1)>");
    expect(({} as Record<string, unknown>).p).toBeUndefined();
  });

  test("no prototype pollution through __proto__ keys (flat or nested)", () => {
    const docs = documentsAt(
      {
        "retrieval.documents.0.document.metadata.__proto__.polluted": "yes",
        "retrieval.documents.0.document.metadata.constructor.x": 1,
        "retrieval.documents.0.document.__proto__": { polluted: "yes" } as Attr,
      },
      "retrieval.documents",
    );
    const nested = documentsAt({ retrieval: { documents: [JSON.parse('{"document": {"metadata": {"__proto__": {"polluted": "yes"}}}}')] } }, "retrieval.documents");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(docs[0].metadata).toEqual({ constructor: { x: 1 } });
    expect(Object.getPrototypeOf(docs[0].other)).toBe(Object.prototype);
    expect(nested.length).toBe(1);
  });

  test("spanDocuments: retrieval and reranker groups, empty ones left out", () => {
    expect(spanDocuments({ "input.value": "x" })).toEqual([]);
    expect(spanDocuments(null)).toEqual([]);
    const g = spanDocuments({
      "reranker.input_documents.0.document.id": "i0",
      "reranker.output_documents.0.document.id": "o0",
      "reranker.output_documents.0.document.score": 3,
    });
    expect(g.map((x) => [x.key, x.docs.length])).toEqual([
      ["reranker.input_documents", 1],
      ["reranker.output_documents", 1],
    ]);
    expect(spanDocuments(flat).map((x) => x.key)).toEqual(["retrieval.documents"]);
  });

  test("lookup through flat, nested and mixed keys", () => {
    expect(lookup({ "a.b": { c: 1 } }, ["a", "b", "c"])).toBe(1);
    expect(lookup({ a: { "b.c": [5, 6] } }, ["a", "b", "c", "1"])).toBe(6);
    expect(lookup({ a: 1 }, ["a", "b"])).toBeUndefined();
  });
});

describe("annotations and display", () => {
  const ann = (name: string, pos: number, label: string | null, score: number | null) => ({ name, document_position: pos, result: { label, score, explanation: null } });

  test("byPosition groups by document_position, each sorted by name", () => {
    const m = byPosition([ann("relevance", 1, "yes", null), ann("accuracy", 1, "ok", 1), ann("relevance", 0, "no", 0)]);
    expect([...m.keys()].sort()).toEqual([0, 1]);
    expect(m.get(1)!.map((a) => a.name)).toEqual(["accuracy", "relevance"]);
    expect(m.get(2)).toBeUndefined();
  });

  test("chipText: name: label (score)", () => {
    expect(chipText(ann("relevance", 0, "relevant", 0.80000000000000004))).toBe("relevance: relevant (0.8)");
    expect(chipText(ann("relevance", 0, "relevant", null))).toBe("relevance: relevant");
    expect(chipText(ann("relevance", 0, null, 1))).toBe("relevance: (1)");
    expect(chipText({ name: "n", document_position: 0, result: null })).toBe("n");
  });

  test("fmtScore, metaText", () => {
    expect(fmtScore(0.123456)).toBe("0.1235");
    expect(fmtScore(12345.6)).toBe("12350");
    expect(fmtScore(null)).toBe("");
    expect(metaText(null)).toBe("");
    expect(metaText({})).toBe("");
    expect(metaText({ a: 1, b: "<i>" })).toBe('{"a":1,"b":"<i>"}');
    expect(metaText("plain")).toBe("plain");
  });

  test("clip: long text and many lines are cut; short text fits", () => {
    expect(clip("short")).toBeNull();
    expect(clip("x".repeat(400))).toBeNull();
    const c = clip("x".repeat(1000))!;
    expect(c.length).toBe(401);
    expect(c.endsWith("…")).toBe(true);
    expect(clip("1\n2\n3\n4\n5\n6\n7\n8")).toBe("1\n2\n3\n4\n5\n6…");
    expect(clip("1\n2\n3\n4\n5\n6")).toBeNull();
    // no lone surrogate at the cut
    const emoji = "a" + "😀".repeat(300);
    const e = clip(emoji, 4)!;
    expect(e).toBe("a😀…");
  });
});
