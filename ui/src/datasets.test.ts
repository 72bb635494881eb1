import { isDemo } from "./format";
import { describe, expect, test } from "vitest";
import { gzipSync } from "node:zlib";
import { checkJsonObject, defaultMapping, defaultRole, downloadName, exportPath, formatOf, gunzipHead, isGzipBytes, labelColor, lineCol, parseCsv, patchBody, shortId, sniffCsv, sniffJsonl, uploadFields, validateUpload, type UploadForm } from "./datasets";

describe("formatOf", () => {
  test("by extension, also .gz, else by type", () => {
    expect(formatOf("a.csv")).toBe("csv");
    expect(formatOf("A.CSV.GZ")).toBe("csv");
    expect(formatOf("x.jsonl")).toBe("jsonl");
    expect(formatOf("x.ndjson.gz")).toBe("jsonl");
    expect(formatOf("x.json")).toBe("jsonl");
    expect(formatOf("data", "text/csv")).toBe("csv");
    expect(formatOf("data", "application/x-ndjson")).toBe("jsonl");
    expect(formatOf("data.txt", "text/plain")).toBeNull();
  });
  test("gzip magic", () => {
    expect(isGzipBytes(new Uint8Array([0x1f, 0x8b, 8]))).toBe(true);
    expect(isGzipBytes(new Uint8Array([0x1f]))).toBe(false);
  });
});

describe("gunzipHead", () => {
  const text = "q,a\n" + Array.from({ length: 5000 }, (_, i) => `question ${i},answer ${i}`).join("\n") + "\n";
  const gz = new Uint8Array(gzipSync(Buffer.from(text)));
  test("a whole small file inflates completely", async () => {
    const r = await gunzipHead(gz, 1 << 20, true);
    expect(r.complete).toBe(true);
    expect(new TextDecoder().decode(r.data)).toBe(text);
  });
  test("a cut prefix gives the inflated head, not an error", async () => {
    const r = await gunzipHead(gz.slice(0, 4000), 1 << 20, false);
    expect(r.complete).toBe(false);
    const head = new TextDecoder().decode(r.data);
    expect(head.length).toBeGreaterThan(1000);
    expect(text.startsWith(head)).toBe(true);
    expect(sniffCsv(head, r.complete).columns.map((c) => c.key)).toEqual(["q", "a"]);
  });
  test("the limit caps the output", async () => {
    const r = await gunzipHead(gz, 100, true);
    expect(r.data.length).toBe(100);
    expect(r.complete).toBe(false);
  });
});

describe("parseCsv", () => {
  test("quotes, doubled quotes, embedded newlines and commas, CRLF, BOM", () => {
    const t = '\ufeffq,a\r\n"hello, ""you""","multi\nline"\r\nx,\n';
    expect(parseCsv(t, true)).toEqual([
      ["q", "a"],
      ['hello, "you"', "multi\nline"],
      ["x", ""],
    ]);
  });
  test("last record without newline is kept when complete, dropped when cut", () => {
    expect(parseCsv("a,b\n1,2", true)).toEqual([["a", "b"], ["1", "2"]]);
    expect(parseCsv("a,b\n1,2", false)).toEqual([["a", "b"]]);
    expect(parseCsv('a,b\n1,"cut in the mid', false)).toEqual([["a", "b"]]);
  });
  test("unterminated quote in a whole file is an error", () => {
    expect(() => parseCsv('a\n"oops', true)).toThrow(/unterminated/);
  });
  test("blank lines are skipped", () => {
    expect(parseCsv("a\n\n1\n", true)).toEqual([["a"], ["1"]]);
  });
});

describe("sniffCsv", () => {
  test("header with a sample value each (first non-empty)", () => {
    const s = sniffCsv("question,answer,source\n,,\nWhat?,42,wiki\n", true);
    expect(s.format).toBe("csv");
    expect(s.columns).toEqual([
      { key: "question", sample: "What?" },
      { key: "answer", sample: "42" },
      { key: "source", sample: "wiki" },
    ]);
    expect(s.rows).toBe(2);
    expect(s.warning).toBeNull();
  });
  test("duplicate header and empty file are reported", () => {
    expect(sniffCsv("a,a\n1,2\n", true).warning).toMatch(/twice/);
    expect(sniffCsv("", true).warning).toMatch(/no header/);
  });
  test("a cut head still shows the header", () => {
    const big = "q,a\n" + "x,y\n".repeat(10) + "partial,ro";
    const s = sniffCsv(big, false);
    expect(s.columns.map((c) => c.key)).toEqual(["q", "a"]);
    expect(s.rows).toBe(10);
  });
});

describe("sniffJsonl", () => {
  test("union of keys in first-seen order, JSON samples", () => {
    const t = '{"q":"hi","n":1}\n{"q":"yo","ctx":{"a":[1,2]},"n":null}\n';
    const s = sniffJsonl(t, true);
    expect(s.columns).toEqual([
      { key: "q", sample: "hi" },
      { key: "n", sample: "1" },
      { key: "ctx", sample: '{"a":[1,2]}' },
    ]);
    expect(s.rows).toBe(2);
    expect(s.exportShape).toBe(false);
  });
  test("export shape detected", () => {
    const s = sniffJsonl('{"input":{"q":1},"output":{"a":2},"metadata":{}}\n{"input":{"q":2},"id":"x"}', true);
    expect(s.exportShape).toBe(true);
  });
  test("input that is not an object is no export shape", () => {
    expect(sniffJsonl('{"input":"text","output":"x"}\n', true).exportShape).toBe(false);
  });
  test("a cut last line is ignored; a bad line is a warning", () => {
    const s = sniffJsonl('{"a":1}\n{"a":', false);
    expect(s.rows).toBe(1);
    expect(s.warning).toBeNull();
    const b = sniffJsonl('{"a":1}\nnot json\n', true);
    expect(b.warning).toMatch(/^line 2:/);
    expect(sniffJsonl("[1]\n", true).warning).toMatch(/not a JSON object/);
  });
});

describe("column roles", () => {
  test("defaults by name", () => {
    expect(defaultRole("input")).toBe("input");
    expect(defaultRole("Question")).toBe("input");
    expect(defaultRole("user_query")).toBe("input");
    expect(defaultRole("systemPrompt")).toBe("input");
    expect(defaultRole("answer")).toBe("output");
    expect(defaultRole("expected_output")).toBe("output");
    expect(defaultRole("response")).toBe("output");
    expect(defaultRole("label")).toBe("output");
    expect(defaultRole("source")).toBe("metadata");
    expect(defaultRole("inputness")).toBe("metadata");
    expect(defaultMapping([{ key: "q", sample: "" }, { key: "prompt", sample: "" }])).toEqual({ q: "metadata", prompt: "input" });
  });
});

const form = (over: Partial<UploadForm> = {}): UploadForm => ({
  format: "csv",
  name: "qa",
  description: "",
  action: "create",
  exportShape: false,
  columns: [
    { key: "question", sample: "" },
    { key: "answer", sample: "" },
    { key: "source", sample: "" },
    { key: "junk", sample: "" },
  ],
  mapping: { question: "input", answer: "output", source: "metadata", junk: "ignore" },
  ...over,
});

describe("upload form", () => {
  test("fields follow the mapping; ignored columns are not sent", () => {
    expect(uploadFields(form({ description: " d " }))).toEqual([
      ["name", "qa"],
      ["action", "create"],
      ["description", "d"],
      ["input_keys[]", "question"],
      ["output_keys[]", "answer"],
      ["metadata_keys[]", "source"],
    ]);
  });
  test("export-shape JSONL sends no keys", () => {
    expect(uploadFields(form({ format: "jsonl", exportShape: true, action: "append" }))).toEqual([
      ["name", "qa"],
      ["action", "append"],
    ]);
  });
  test("validation", () => {
    expect(validateUpload(form())).toBeNull();
    expect(validateUpload(form({ name: "  " }))).toMatch(/name/);
    expect(validateUpload(form({ mapping: { question: "metadata" } }))).toMatch(/input/);
    expect(validateUpload(form({ columns: [] }))).toMatch(/No columns/);
    expect(validateUpload(form({ format: "jsonl", exportShape: true, columns: [] }))).toBeNull();
  });
});

describe("JSON editor checks", () => {
  test("objects pass, empty is {}", () => {
    expect(checkJsonObject('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(checkJsonObject("  ")).toEqual({ ok: true, value: {} });
  });
  test("non-objects are refused", () => {
    expect(checkJsonObject("[1]").message).toMatch(/array/);
    expect(checkJsonObject("null").message).toMatch(/null/);
    expect(checkJsonObject('"s"').message).toMatch(/string/);
  });
  test("syntax errors give line and column", () => {
    const r = checkJsonObject('{\n  "a": 1,\n  "b" 2\n}');
    expect(r.ok).toBe(false);
    expect(r.line).toBe(3);
    expect(r.column).toBe(7);
    expect(r.message).toMatch(/^line 3, column 7: /);
    const end = checkJsonObject('{"a": ');
    expect(end.ok).toBe(false);
    expect(end.message).toMatch(/^line 1, column \d+/);
  });
  test("lineCol", () => {
    expect(lineCol("ab\ncd", 0)).toEqual({ line: 1, column: 1 });
    expect(lineCol("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
  });
  test("patch body has only what changed (key order ignored)", () => {
    const before = { input: { a: 1, b: 2 }, output: { x: 1 }, metadata: null };
    expect(patchBody(before, { input: { b: 2, a: 1 }, output: { x: 2 }, metadata: {} })).toEqual({ output: { x: 2 } });
  });
});

describe("misc", () => {
  test("label colours only when #rrggbb", () => {
    expect(labelColor("#aabbcc")).toBe("#aabbcc");
    expect(labelColor("red;background:url(x)")).toBeUndefined();
    expect(labelColor(null)).toBeUndefined();
  });
  test("export paths and names", () => {
    expect(exportPath("RGF0YXNldDox", "jsonl/openai_ft", "RGF0YXNldFZlcnNpb246Mw==")).toBe(
      "/v1/datasets/RGF0YXNldDox/jsonl/openai_ft?version_id=RGF0YXNldFZlcnNpb246Mw%3D%3D",
    );
    expect(exportPath("a b", "csv", null)).toBe("/v1/datasets/a%20b/csv");
    expect(downloadName("../my data/set", "csv")).toBe("my_data_set.csv");
    expect(downloadName("", "csv")).toBe("dataset.csv");
  });
  test("demo datasets: metadata flag or the description prefix", () => {
    expect(isDemo({ metadata: { assay_demo: true }, description: null })).toBe(true);
    expect(isDemo({ metadata: {}, description: "Demo data: trip-planner requests" })).toBe(true);
    expect(isDemo({ metadata: { assay_demo: "yes" }, description: "my data" })).toBe(false);
    expect(isDemo({})).toBe(false);
  });
  test("shortId decodes GlobalIDs", () => {
    expect(shortId(btoa("DatasetVersion:12"))).toBe("12");
    expect(shortId("not-base64!!")).toBe("not-base64!!");
  });
});
