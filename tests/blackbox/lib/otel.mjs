// The trip-planner multi-agent trace, emitted two ways from ONE table:
//   - emitTripPlannerTrace(): the real OpenTelemetry JS SDK with the real
//     OTLP exporters (protobuf: @opentelemetry/exporter-trace-otlp-proto,
//     OTLP/JSON: @opentelemetry/exporter-trace-otlp-http);
//   - tripOtlpJson(): a raw OTLP/JSON request with ids and times we choose,
//     for REST tests that need deterministic values.
// Plus raw OTLP helpers: a protobuf encoder for OTLP/JSON-shaped objects (so a
// test can send the same request as protobuf, or a deliberately broken one),
// and a decoder for google.rpc.Status error bodies.

import crypto from "node:crypto";

import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter as OTLPHttpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import {
  OpenInferenceSpanKind,
  SEMRESATTRS_PROJECT_NAME,
  SemanticConventions as SC,
} from "@arizeai/openinference-semantic-conventions";

// ---------------------------------------------------------------- texts ----
// UTF-8 that must round-trip byte for byte: Japanese, emoji outside the BMP,
// a ZWJ sequence, a flag, combining marks, JSON-escaped characters.
export const TEXT = {
  userQuery: "東京で3日間の旅行を計画してください 🗼🍣✨ 予算は¥200,000です",
  itinerary:
    '1日目: 浅草寺 ⛩️ と スカイツリー 🗼\n2日目: 築地で寿司 🍣\t3日目: 富士山 🗻 家族 👨‍👩‍👧‍👦 🇯🇵 "引用" \\ café',
  researchIn: "Find the top sights in tokyo for a 3-day trip. 東京の観光地を教えて 🗼",
  researchOut: "浅草寺、明治神宮、渋谷スクランブル交差点 🚦 — must-see!",
  budgetIn: "Estimate costs in JPY for 3 days / 予算を見積もって 💴",
  budgetOut: "合計: 約¥185,000 (ホテル ¥90,000) 💰",
  localIn: "Suggest local experiences: 茶道 🍵 and 居酒屋 🏮",
  localOut: "谷中銀座で食べ歩き 🍡、ゴールデン街で一杯 🍶",
  itinIn: "Combine research, budget and local picks into a day-by-day plan 📅",
  searchIn: '{"query": "tokyo attractions"}',
  searchOut: "10 results: 浅草, 上野, 秋葉原 🎮",
  fxOut: "",
  restaurantIn: "sushi near 築地",
  restaurantOut: "すし大 🍣 (★4.5)",
};

export const TOOL_PARAMS = {
  web_search: { query: "tokyo attractions", limit: 5 },
  currency_converter: { from: "USD", to: "JPY", amount: 1500 },
  restaurant_finder: { cuisine: "寿司", area: "築地", max_results: 3 },
};

export const FX_ERROR_MESSAGE = "exchange rate service unavailable (為替サービス停止中 ⚠️)";

/**
 * One row per span.  start/end are ms offsets from the trace's base time;
 * parent is the key of the parent row.  LLM rows carry [prompt, completion]
 * tokens.  status: "OK" | "ERROR" | undefined (UNSET).
 */
export const TRIP_SPEC = [
  {
    key: "root",
    name: "trip_planner",
    kind: "AGENT",
    parent: null,
    start: 0,
    end: 9000,
    attrs: {
      [SC.INPUT_VALUE]: TEXT.userQuery,
      [SC.INPUT_MIME_TYPE]: "text/plain",
      [SC.OUTPUT_VALUE]: TEXT.itinerary,
      [SC.METADATA]: JSON.stringify({ variant: "B", tier: "gold" }),
      [SC.TAG_TAGS]: ["travel", "japan"],
      "agent.name": "trip_planner",
    },
    root: true,
  },
  {
    key: "research",
    name: "research_agent",
    kind: "AGENT",
    parent: "root",
    start: 100,
    end: 3100,
    attrs: { "agent.name": "research_agent", [SC.METADATA]: JSON.stringify({ variant: "A" }) },
  },
  {
    key: "research_llm",
    name: "research_llm",
    kind: "LLM",
    parent: "research",
    start: 200,
    end: 2800,
    model: "gpt-4o",
    provider: "openai",
    tokens: [120, 80],
    input: TEXT.researchIn,
    output: TEXT.researchOut,
    status: "OK",
  },
  {
    key: "web_search",
    name: "web_search",
    kind: "TOOL",
    parent: "research",
    start: 2850,
    end: 3050,
    tool: "web_search",
    input: TEXT.searchIn,
    output: TEXT.searchOut,
  },
  {
    key: "budget",
    name: "budget_agent",
    kind: "AGENT",
    parent: "root",
    start: 100,
    end: 2000,
    attrs: { "agent.name": "budget_agent" },
  },
  {
    key: "budget_llm",
    name: "budget_llm",
    kind: "LLM",
    parent: "budget",
    start: 150,
    end: 950,
    model: "gpt-4o-mini",
    provider: "openai",
    tokens: [90, 40],
    input: TEXT.budgetIn,
    output: TEXT.budgetOut,
    status: "OK",
  },
  {
    key: "fx",
    name: "currency_converter",
    kind: "TOOL",
    parent: "budget",
    start: 1000,
    end: 1900,
    tool: "currency_converter",
    status: "ERROR",
    error: FX_ERROR_MESSAGE,
  },
  {
    key: "local",
    name: "local_experience_agent",
    kind: "AGENT",
    parent: "root",
    start: 100,
    end: 2600,
    attrs: { "agent.name": "local_experience_agent" },
  },
  {
    key: "local_llm",
    name: "local_llm",
    kind: "LLM",
    parent: "local",
    start: 200,
    end: 1700,
    model: "claude-3-5-sonnet",
    provider: "anthropic",
    tokens: [150, 110],
    input: TEXT.localIn,
    output: TEXT.localOut,
    status: "OK",
  },
  {
    key: "restaurant",
    name: "restaurant_finder",
    kind: "TOOL",
    parent: "local",
    start: 1750,
    end: 2500,
    tool: "restaurant_finder",
    input: TEXT.restaurantIn,
    output: TEXT.restaurantOut,
  },
  {
    key: "itinerary",
    name: "itinerary_agent",
    kind: "AGENT",
    parent: "root",
    start: 3200,
    end: 8900,
    attrs: { "agent.name": "itinerary_agent" },
  },
  {
    key: "itinerary_llm",
    name: "itinerary_llm",
    kind: "LLM",
    parent: "itinerary",
    start: 3300,
    end: 8800,
    model: "gpt-4o",
    provider: "openai",
    tokens: [300, 250],
    input: TEXT.itinIn,
    output: TEXT.itinerary,
    status: "OK",
  },
];

export const TRIP_TOTALS = TRIP_SPEC.filter((s) => s.tokens).reduce(
  (a, s) => ({
    prompt: a.prompt + s.tokens[0],
    completion: a.completion + s.tokens[1],
    total: a.total + s.tokens[0] + s.tokens[1],
  }),
  { prompt: 0, completion: 0, total: 0 },
);

/** Flat OpenInference attributes of one row (what an instrumentor would set). */
export function tripAttributes(row, { sessionId, userId = "user-42" } = {}) {
  const a = { [SC.OPENINFERENCE_SPAN_KIND]: row.kind, ...(row.attrs || {}) };
  if (row.root && sessionId) a[SC.SESSION_ID] = sessionId;
  if (row.root) a[SC.USER_ID] = userId;
  if (row.input !== undefined) {
    a[SC.INPUT_VALUE] = row.input;
    a[SC.INPUT_MIME_TYPE] = row.input.startsWith("{") ? "application/json" : "text/plain";
  }
  if (row.output !== undefined) a[SC.OUTPUT_VALUE] = row.output;
  if (row.kind === "LLM") {
    a[SC.LLM_MODEL_NAME] = row.model;
    a[SC.LLM_PROVIDER] = row.provider;
    a[SC.LLM_SYSTEM] = row.provider;
    a[SC.LLM_INVOCATION_PARAMETERS] = JSON.stringify({ temperature: 0.2, max_tokens: 1024 });
    a[SC.LLM_TOKEN_COUNT_PROMPT] = row.tokens[0];
    a[SC.LLM_TOKEN_COUNT_COMPLETION] = row.tokens[1];
    a[SC.LLM_TOKEN_COUNT_TOTAL] = row.tokens[0] + row.tokens[1];
    a["llm.input_messages.0.message.role"] = "system";
    a["llm.input_messages.0.message.content"] = "You are a travel planner. 旅行プランナーです。";
    a["llm.input_messages.1.message.role"] = "user";
    a["llm.input_messages.1.message.content"] = row.input;
    a["llm.output_messages.0.message.role"] = "assistant";
    a["llm.output_messages.0.message.content"] = row.output;
  }
  if (row.kind === "TOOL") {
    a[SC.TOOL_NAME] = row.tool;
    a[SC.TOOL_DESCRIPTION] = `the ${row.tool} tool`;
    a[SC.TOOL_PARAMETERS] = JSON.stringify(TOOL_PARAMS[row.tool]);
  }
  return a;
}

// ------------------------------------------------------------ ids/times ----
export const randomTraceId = () => crypto.randomBytes(16).toString("hex");
export const randomSpanId = () => crypto.randomBytes(8).toString("hex");
export const msToNs = (ms) => (BigInt(Math.round(ms)) * 1000000n).toString();

// ------------------------------------------------------- real OTel SDK ----

/** Wraps the real exporter and records every export result (code 0 = SUCCESS). */
class RecordingExporter {
  constructor(inner) {
    this.inner = inner;
    this.results = [];
  }
  export(spans, resultCallback) {
    this.inner.export(spans, (res) => {
      this.results.push({ code: res.code, spans: spans.length, error: res.error ? String(res.error.message || res.error) : undefined });
      resultCallback(res);
    });
  }
  shutdown() {
    return this.inner.shutdown();
  }
  forceFlush() {
    return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve();
  }
}

/**
 * Emit one trip-planner trace through the OpenTelemetry JS SDK.
 * @param {object} o
 * @param {string} o.baseUrl   server base URL (exporter posts to baseUrl + "/v1/traces")
 * @param {"proto"|"json"} o.protocol
 * @param {string} o.projectName  resource attribute openinference.project.name
 * @param {string} [o.sessionId]
 * @param {"simple"|"batch"} [o.processor]  simple = one request per span (children
 *        arrive before their parents); batch = one request for the whole trace
 * @param {"gzip"|"none"} [o.compression]
 * @param {Record<string,string>} [o.headers]
 * @param {number} [o.baseMs]  wall-clock ms of the root's start
 * @returns {Promise<{traceId, spans: Map<string, object>, byName: Map<string, object>, results, baseMs}>}
 */
export async function emitTripPlannerTrace({
  baseUrl,
  protocol,
  projectName,
  sessionId,
  processor = "batch",
  compression = "none",
  headers = {},
  baseMs = Date.now() - 120000,
  timeoutMillis = 10000,
}) {
  const url = `${baseUrl}/v1/traces`;
  const Exporter = protocol === "proto" ? OTLPProtoExporter : OTLPHttpJsonExporter;
  const exporter = new RecordingExporter(new Exporter({ url, headers, compression, timeoutMillis }));
  const spanProcessor =
    processor === "simple"
      ? new SimpleSpanProcessor(exporter)
      : new BatchSpanProcessor(exporter, {
          maxExportBatchSize: 512,
          maxQueueSize: 2048,
          scheduledDelayMillis: 60000, // flushed explicitly by forceFlush()
        });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [SEMRESATTRS_PROJECT_NAME]: projectName,
      "service.name": "trip-planner",
    }),
    spanProcessors: [spanProcessor],
  });
  const tracer = provider.getTracer("assay-blackbox-trip-planner", "1.0.0");

  const live = new Map();
  for (const row of TRIP_SPEC) {
    const parent = row.parent ? live.get(row.parent) : null;
    const ctx = parent ? trace.setSpan(context.active(), parent.span) : context.active();
    const span = tracer.startSpan(
      row.name,
      {
        kind: row.kind === "LLM" ? SpanKind.CLIENT : SpanKind.INTERNAL,
        startTime: baseMs + row.start,
        attributes: tripAttributes(row, { sessionId }),
      },
      ctx,
    );
    live.set(row.key, { row, span });
  }
  // End children before parents (reverse creation order), like real code does.
  for (const row of [...TRIP_SPEC].reverse()) {
    const { span } = live.get(row.key);
    if (row.status === "ERROR") {
      const err = new Error(row.error);
      err.name = "ExchangeRateError";
      span.recordException(err, baseMs + row.end - 10);
      span.setStatus({ code: SpanStatusCode.ERROR, message: row.error });
    } else if (row.status === "OK") {
      span.setStatus({ code: SpanStatusCode.OK });
    }
    span.end(baseMs + row.end);
  }
  await provider.forceFlush();
  await provider.shutdown();

  const spans = new Map();
  const byName = new Map();
  let traceId = null;
  for (const row of TRIP_SPEC) {
    const sc = live.get(row.key).span.spanContext();
    traceId = sc.traceId;
    const parentSpanId = row.parent ? live.get(row.parent).span.spanContext().spanId : null;
    const info = { ...row, spanId: sc.spanId, traceId: sc.traceId, parentSpanId };
    spans.set(row.key, info);
    byName.set(row.name, info);
  }
  return { traceId, spans, byName, results: exporter.results, baseMs };
}

// --------------------------------------------------------- raw OTLP/JSON ----

/** JS value → OTLP/JSON AnyValue. */
export function anyValue(v) {
  if (v === null || v === undefined) return {};
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "bigint") return { intValue: v.toString() };
  if (typeof v === "number") return Number.isInteger(v) ? { intValue: v } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if (Buffer.isBuffer(v)) return { bytesValue: v.toString("base64") };
  if (typeof v === "object")
    return { kvlistValue: { values: Object.entries(v).map(([k, x]) => ({ key: k, value: anyValue(x) })) } };
  throw new Error(`cannot encode ${typeof v}`);
}

export const kvs = (obj) => Object.entries(obj).map(([key, v]) => ({ key, value: anyValue(v) }));

/**
 * One OTLP/JSON span.  ids are hex strings; times ms (numbers) or ns (strings).
 */
export function otlpSpan({
  traceId,
  spanId,
  parentSpanId,
  name,
  kind = 1,
  startMs,
  endMs,
  attributes = {},
  status,
  events = [],
}) {
  const s = {
    traceId,
    spanId,
    name,
    kind,
    startTimeUnixNano: msToNs(startMs),
    endTimeUnixNano: msToNs(endMs),
    attributes: kvs(attributes),
    droppedAttributesCount: 0,
    events: events.map((e) => ({
      timeUnixNano: msToNs(e.timeMs),
      name: e.name,
      attributes: kvs(e.attributes || {}),
      droppedAttributesCount: 0,
    })),
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: status || { code: 0 },
  };
  if (parentSpanId) s.parentSpanId = parentSpanId;
  return s;
}

/** Wrap spans in an ExportTraceServiceRequest (OTLP/JSON object). */
export function exportRequest(spans, { projectName, resource = {} } = {}) {
  const resAttrs = { "service.name": "assay-blackbox", ...resource };
  if (projectName) resAttrs[SEMRESATTRS_PROJECT_NAME] = projectName;
  return {
    resourceSpans: [
      {
        resource: { attributes: kvs(resAttrs), droppedAttributesCount: 0 },
        scopeSpans: [{ scope: { name: "assay-blackbox", version: "1.0.0" }, spans }],
      },
    ],
  };
}

/**
 * The trip-planner trace as raw OTLP/JSON spans with ids and times we pick.
 * Returns {traceId, ids: {key → spanId}, rows: [{...row, spanId, parentSpanId, span}], spans}.
 */
export function tripOtlpSpans({ traceId = randomTraceId(), baseMs, sessionId, userId } = {}) {
  const ids = Object.fromEntries(TRIP_SPEC.map((r) => [r.key, randomSpanId()]));
  const rows = TRIP_SPEC.map((row) => {
    const parentSpanId = row.parent ? ids[row.parent] : null;
    const events = [];
    let status;
    if (row.status === "ERROR") {
      status = { code: 2, message: row.error };
      events.push({
        name: "exception",
        timeMs: baseMs + row.end - 10,
        attributes: {
          "exception.type": "ExchangeRateError",
          "exception.message": row.error,
          "exception.stacktrace": `ExchangeRateError: ${row.error}\n    at convert (fx.js:1:1)`,
        },
      });
    } else if (row.status === "OK") {
      status = { code: 1 };
    }
    const span = otlpSpan({
      traceId,
      spanId: ids[row.key],
      parentSpanId,
      name: row.name,
      kind: row.kind === "LLM" ? 3 : 1,
      startMs: baseMs + row.start,
      endMs: baseMs + row.end,
      attributes: tripAttributes(row, { sessionId, userId }),
      status,
      events,
    });
    return { ...row, traceId, spanId: ids[row.key], parentSpanId, span };
  });
  return { traceId, ids, rows, spans: rows.map((r) => r.span) };
}

// ------------------------------------------------------ protobuf encoder ----
// Encodes the OTLP/JSON object shape above into ExportTraceServiceRequest
// protobuf (field numbers from opentelemetry-proto trace v1).

function varint(n) {
  let v = BigInt.asUintN(64, BigInt(n));
  const out = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}
const tag = (field, wt) => varint((field << 3) | wt);
const lenField = (field, buf) => Buffer.concat([tag(field, 2), varint(buf.length), buf]);
const strField = (field, s) => lenField(field, Buffer.from(s, "utf8"));
const varintField = (field, n) => Buffer.concat([tag(field, 0), varint(n)]);
function fixed64Field(field, n) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(n)));
  return Buffer.concat([tag(field, 1), b]);
}
function doubleField(field, d) {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(d);
  return Buffer.concat([tag(field, 1), b]);
}
const hexBytes = (h) => (Buffer.isBuffer(h) ? h : Buffer.from(h, "hex"));

export function pbAnyValue(v) {
  const parts = [];
  if (v.stringValue !== undefined) parts.push(strField(1, v.stringValue));
  if (v.boolValue !== undefined) parts.push(varintField(2, v.boolValue ? 1 : 0));
  if (v.intValue !== undefined) parts.push(varintField(3, BigInt(v.intValue)));
  if (v.doubleValue !== undefined) parts.push(doubleField(4, Number(v.doubleValue)));
  if (v.arrayValue !== undefined)
    parts.push(lenField(5, Buffer.concat((v.arrayValue.values || []).map((x) => lenField(1, pbAnyValue(x))))));
  if (v.kvlistValue !== undefined)
    parts.push(lenField(6, Buffer.concat((v.kvlistValue.values || []).map((kv) => lenField(1, pbKeyValue(kv))))));
  if (v.bytesValue !== undefined) parts.push(lenField(7, Buffer.from(v.bytesValue, "base64")));
  return Buffer.concat(parts);
}
export const pbKeyValue = (kv) => Buffer.concat([strField(1, kv.key), lenField(2, pbAnyValue(kv.value || {}))]);
const pbAttrs = (field, attrs) => Buffer.concat((attrs || []).map((kv) => lenField(field, pbKeyValue(kv))));

export function pbSpan(s) {
  const parts = [lenField(1, hexBytes(s.traceId)), lenField(2, hexBytes(s.spanId))];
  if (s.parentSpanId) parts.push(lenField(4, hexBytes(s.parentSpanId)));
  parts.push(strField(5, s.name || ""));
  parts.push(varintField(6, s.kind ?? 0));
  parts.push(fixed64Field(7, s.startTimeUnixNano));
  parts.push(fixed64Field(8, s.endTimeUnixNano));
  parts.push(pbAttrs(9, s.attributes));
  parts.push(varintField(10, 0));
  for (const e of s.events || []) {
    parts.push(
      lenField(
        11,
        Buffer.concat([fixed64Field(1, e.timeUnixNano), strField(2, e.name), pbAttrs(3, e.attributes)]),
      ),
    );
  }
  if (s.status) {
    const st = [];
    if (s.status.message) st.push(strField(2, s.status.message));
    st.push(varintField(3, s.status.code || 0));
    parts.push(lenField(15, Buffer.concat(st)));
  }
  parts.push(Buffer.concat([tag(16, 5), Buffer.from([1, 1, 0, 0])])); // flags (fixed32), like the JS SDK
  return Buffer.concat(parts);
}

/** OTLP/JSON-shaped ExportTraceServiceRequest → protobuf bytes. */
export function encodeExportRequest(req) {
  return Buffer.concat(
    (req.resourceSpans || []).map((rs) => {
      const res = lenField(1, pbAttrs(1, rs.resource?.attributes));
      const scopes = (rs.scopeSpans || []).map((ss) => {
        const scope = lenField(
          1,
          Buffer.concat([strField(1, ss.scope?.name || ""), strField(2, ss.scope?.version || "")]),
        );
        return lenField(2, Buffer.concat([scope, ...(ss.spans || []).map((sp) => lenField(2, pbSpan(sp)))]));
      });
      return lenField(1, Buffer.concat([res, ...scopes]));
    }),
  );
}

/** Decode a google.rpc.Status protobuf: {code, message}. Throws on garbage. */
export function decodeRpcStatus(buf) {
  let i = 0;
  const rd = () => {
    let shift = 0n;
    let v = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error("truncated varint in google.rpc.Status");
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
      if (shift > 63n) throw new Error("varint too long in google.rpc.Status");
    }
  };
  const out = { code: 0, message: "" };
  while (i < buf.length) {
    const key = Number(rd());
    const field = key >> 3;
    const wt = key & 7;
    if (wt === 0) {
      const v = rd();
      if (field === 1) out.code = Number(BigInt.asIntN(32, v));
    } else if (wt === 2) {
      const n = Number(rd());
      if (i + n > buf.length) throw new Error("truncated length-delimited field in google.rpc.Status");
      if (field === 2) out.message = buf.subarray(i, i + n).toString("utf8");
      i += n;
    } else if (wt === 1) i += 8;
    else if (wt === 5) i += 4;
    else throw new Error(`unexpected wire type ${wt} in google.rpc.Status`);
  }
  return out;
}

export { OpenInferenceSpanKind, SC };
