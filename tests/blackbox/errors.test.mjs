// Bad input and operational surface, with raw HTTP: every rejection has the
// right status and a useful message, nothing from a rejected request is
// stored, and the server keeps answering.  Also: version header, health,
// metrics, backpressure.

import assert from "node:assert/strict";
import zlib from "node:zlib";
import { after, before, describe, it } from "node:test";

import {
  decodeRpcStatus,
  encodeExportRequest,
  exportRequest,
  otlpSpan,
  randomSpanId,
  randomTraceId,
  tripOtlpSpans,
} from "./lib/otel.mjs";
import {
  MIN_PHOENIX_VERSION,
  metrics,
  metricValue,
  parseVersion,
  scaled,
  show,
  spanCount,
  startServer,
  versionAtLeast,
} from "./lib/server.mjs";

const RUN = Date.now().toString(36);
const MAX_BODY = 1 << 20; // --max-body for this file's server
const T0 = Date.now() - 60000;

let server;
let rejectedSoFar = 0;

before(async () => {
  server = await startServer({ args: ["--max-body", String(MAX_BODY)] });
});

after(async () => {
  if (server) await server.stop();
});

let seq = 0;
/** A fresh project name and a valid OTLP/JSON request for it (2 spans). */
function fresh(label) {
  seq += 1;
  const project = `err-${label}-${RUN}-${seq}`;
  const traceId = randomTraceId();
  const rootId = randomSpanId();
  const spans = [
    otlpSpan({ traceId, spanId: rootId, name: `${label}-root`, startMs: T0, endMs: T0 + 10 }),
    otlpSpan({ traceId, spanId: randomSpanId(), parentSpanId: rootId, name: `${label}-child`, startMs: T0 + 1, endMs: T0 + 5 }),
  ];
  return { project, traceId, spans, req: exportRequest(spans, { projectName: project }) };
}

async function storedTotal() {
  try {
    const { samples } = await metrics(server);
    return metricValue(samples, "assay_spans_stored_total");
  } catch {
    return undefined; // /metrics is checked by its own test
  }
}

/**
 * Send a request that must be rejected; check status, that the server still
 * answers /healthz, and that nothing was stored (the project has no spans and
 * assay_spans_stored_total did not move).
 */
async function expectRejected(project, send, statuses, what) {
  const before = await storedTotal();
  const r = await send();
  rejectedSoFar += 1;
  const want = Array.isArray(statuses) ? statuses : [statuses];
  assert.ok(want.includes(r.status), `${what}: expected ${want.join(" or ")}, ${show(r)}${server.diag()}`);
  const h = await server.get("/healthz");
  assert.equal(h.status, 200, `server must keep answering after ${what}: ${show(h)}${server.diag()}`);
  assert.equal(await spanCount(server, project), 0, `${what}: nothing from a rejected request may be stored`);
  const after = await storedTotal();
  if (before !== undefined && after !== undefined) {
    assert.equal(after, before, `${what}: assay_spans_stored_total moved from ${before} to ${after}`);
  }
  return r;
}

function jsonError(r, what) {
  assert.match(String(r.headers["content-type"]), /application\/json/, `${what}: JSON error body, ${show(r)}`);
  const j = r.json();
  const msg = j.detail ?? j.message;
  assert.equal(typeof msg, "string", `${what}: error body {"detail": "...", "code": "..."}, got ${show(r)}`);
  assert.ok(msg.length > 0, `${what}: empty error message`);
  return { ...j, msg };
}

function rpcError(r, what) {
  assert.match(String(r.headers["content-type"]), /application\/x-protobuf/, `${what}: protobuf OTLP errors carry a google.rpc.Status, ${show(r)}`);
  let st;
  try {
    st = decodeRpcStatus(r.body);
  } catch (e) {
    assert.fail(`${what}: body is not a google.rpc.Status (${e.message}): ${show(r)}`);
  }
  assert.ok(st.message.length > 0, `${what}: google.rpc.Status.message is empty`);
  assert.notEqual(st.code, 0, `${what}: google.rpc.Status.code must not be OK(0)`);
  return st;
}

const json = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v));
const JSON_CT = { "content-type": "application/json" };
const PB_CT = { "content-type": "application/x-protobuf" };

// ---------------------------------------------------------------------------
describe("version, health", () => {
  it("x-phoenix-server-version on every response, equal to GET /arize_phoenix_version, and new enough for phoenix-client", async () => {
    const vr = await server.get("/arize_phoenix_version");
    assert.equal(vr.status, 200, show(vr));
    const text = vr.text().trim();
    const v = parseVersion(text);
    assert.ok(v, `/arize_phoenix_version must be "major.minor.patch", got ${JSON.stringify(text)}`);
    assert.ok(
      versionAtLeast(v, MIN_PHOENIX_VERSION),
      `version ${text} is below ${MIN_PHOENIX_VERSION.join(".")}: @arizeai/phoenix-client refuses calls gated above it (attribute filters 14.9.0, notes 14.13–15.5, example ids 15.0), ` +
        `span_kind/name/status filters and getTraces (13.15.0)`,
    );
    const probes = [
      ["GET", "/healthz"],
      ["GET", "/readyz"],
      ["GET", "/metrics"],
      ["GET", "/arize_phoenix_version"],
      ["GET", "/v1/projects"],
      ["GET", `/v1/projects/nope-${RUN}`],
      ["GET", `/v1/projects/nope-${RUN}/spans`],
      ["GET", `/no/such/route-${RUN}`],
      ["POST", "/v1/traces", PB_CT, Buffer.from([0x0a, 0x05, 0x01])],
      ["POST", "/v1/traces", { "content-type": "text/plain" }, Buffer.from("hi")],
      ["POST", "/v1/traces", JSON_CT, json("{}")],
      ["DELETE", `/v1/traces/${randomTraceId()}`],
    ];
    for (const [method, path, headers, body] of probes) {
      const r = await server.request(method, path, { headers, body });
      assert.equal(r.headers["x-phoenix-server-version"], text, `${method} ${path} (${r.status}) must carry x-phoenix-server-version: ${text}`);
    }
  });

  it("/healthz and /readyz answer 200", async () => {
    assert.equal((await server.get("/healthz")).status, 200);
    assert.equal((await server.get("/readyz")).status, 200);
  });

  it("unknown project → 404 with a JSON error", async () => {
    for (const [m, p] of [
      ["GET", `/v1/projects/nope-${RUN}`],
      ["GET", `/v1/projects/nope-${RUN}/spans`],
      ["GET", `/v1/projects/nope-${RUN}/traces`],
      ["PUT", `/v1/projects/nope-${RUN}`],
      ["DELETE", `/v1/projects/nope-${RUN}`],
      ["GET", `/v1/sessions/nope-${RUN}`],
      ["DELETE", `/v1/traces/${randomTraceId()}`],
    ]) {
      const r = await server.request(m, p, m === "PUT" ? { headers: JSON_CT, body: json({ description: "x" }) } : {});
      assert.equal(r.status, 404, `${m} ${p}: ${show(r)}`);
      jsonError(r, `${m} ${p}`);
    }
  });
});

// ---------------------------------------------------------------------------
describe("OTLP accepted forms", () => {
  it("empty export requests: protobuf (0 bytes) and JSON {} → 200 in the request's encoding", async () => {
    const p = await server.postTraces(Buffer.alloc(0), PB_CT);
    assert.equal(p.status, 200, show(p));
    assert.match(String(p.headers["content-type"]), /application\/x-protobuf/, "protobuf in, protobuf out");
    const j = await server.postTraces(json("{}"), JSON_CT);
    assert.equal(j.status, 200, show(j));
    assert.match(String(j.headers["content-type"]), /application\/json/, "JSON in, JSON out");
    assert.equal(typeof j.json(), "object");
  });

  it("content-type parameters are fine (application/json; charset=utf-8)", async () => {
    const f = fresh("charset");
    const r = await server.postTraces(json(f.req), { "content-type": "application/json; charset=utf-8" });
    assert.equal(r.status, 200, show(r));
    assert.equal(await spanCount(server, f.project), 2);
  });

  it("gzip (JSON) and deflate (protobuf) bodies are accepted and stored", async () => {
    const g = fresh("gzip");
    const r1 = await server.postTraces(zlib.gzipSync(json(g.req)), { ...JSON_CT, "content-encoding": "gzip" });
    assert.equal(r1.status, 200, show(r1));
    assert.equal(await spanCount(server, g.project), 2);
    const d = fresh("deflate");
    const r2 = await server.postTraces(zlib.deflateSync(encodeExportRequest(d.req)), { ...PB_CT, "content-encoding": "deflate" });
    assert.equal(r2.status, 200, show(r2));
    assert.equal(await spanCount(server, d.project), 2);
    const gp = fresh("gzip-pb");
    const r3 = await server.postTraces(zlib.gzipSync(encodeExportRequest(gp.req)), { ...PB_CT, "content-encoding": "gzip" });
    assert.equal(r3.status, 200, show(r3));
    assert.equal(await spanCount(server, gp.project), 2);
  });

  it("moderate AnyValue nesting (5 levels) is accepted", async () => {
    const f = fresh("nest-ok");
    let v = { stringValue: "leaf" };
    for (let i = 0; i < 5; i++) v = { arrayValue: { values: [v] } };
    f.req.resourceSpans[0].scopeSpans[0].spans[0].attributes.push({ key: "nested", value: v });
    const r = await server.postTraces(json(f.req), JSON_CT);
    assert.equal(r.status, 200, show(r));
    assert.equal(await spanCount(server, f.project), 2);
  });
});

// ---------------------------------------------------------------------------
describe("OTLP rejected forms — right status, message, nothing stored, server up", () => {
  it("malformed protobuf → 400 with a google.rpc.Status body", async () => {
    const f = fresh("badpb");
    const valid = encodeExportRequest(f.req);
    const bodies = {
      "valid spans followed by a truncated field": Buffer.concat([valid, Buffer.from([0x0a, 0x7f, 0x0a])]),
      "length prefix beyond the body": Buffer.from([0x0a, 0xff, 0xff, 0x03, 0x0a]),
      "wire type 7": Buffer.concat([valid, Buffer.from([0x0f])]),
      "unterminated varint": Buffer.concat([valid, Buffer.from([0x08, 0xff, 0xff, 0xff])]),
    };
    for (const [what, body] of Object.entries(bodies)) {
      const r = await expectRejected(f.project, () => server.postTraces(body, { ...PB_CT, "x-project-name": f.project }), 400, `protobuf: ${what}`);
      rpcError(r, `protobuf: ${what}`);
    }
  });

  it("invalid UTF-8 in a protobuf string → 400", async () => {
    const f = fresh("utf8");
    const pb = encodeExportRequest(f.req);
    const i = pb.indexOf(Buffer.from("utf8-child"));
    assert.ok(i > 0);
    pb[i] = 0xff;
    pb[i + 1] = 0xfe;
    const r = await expectRejected(f.project, () => server.postTraces(pb, PB_CT), 400, "protobuf with invalid UTF-8 in a span name");
    rpcError(r, "invalid UTF-8");
  });

  it("malformed JSON → 400 whose message says JSON and where", async () => {
    const f = fresh("badjson");
    const good = JSON.stringify(f.req);
    const bodies = {
      "truncated": good.slice(0, good.length - 7),
      "trailing garbage after a valid request": `${good} x`,
      "a missing value": `{"resourceSpans": [ ${JSON.stringify(f.req.resourceSpans[0])}, ]}`,
      "not JSON at all": "<xml/>",
      "invalid UTF-8": Buffer.concat([Buffer.from(good.slice(0, 40)), Buffer.from([0xc3, 0x28]), Buffer.from(good.slice(40))]),
    };
    for (const [what, body] of Object.entries(bodies)) {
      const r = await expectRejected(f.project, () => server.postTraces(Buffer.isBuffer(body) ? body : json(body), JSON_CT), 400, `JSON: ${what}`);
      const e = jsonError(r, `JSON: ${what}`);
      assert.match(e.msg, /json/i, `JSON: ${what}: message should say it is about JSON: ${e.msg}`);
      if (what !== "invalid UTF-8") {
        assert.match(e.msg, /line|column|position|offset|byte|char/i, `JSON: ${what}: message should say where: ${e.msg}`);
      }
    }
  });

  it("structurally wrong OTLP/JSON → 400", async () => {
    const f = fresh("shape");
    const bad = {
      "resourceSpans is a string": { resourceSpans: "nope" },
      "spans is an object": { resourceSpans: [{ resource: {}, scopeSpans: [{ spans: { a: 1 } }] }] },
      "startTimeUnixNano is not a number": (() => {
        const r = structuredClone(f.req);
        r.resourceSpans[0].scopeSpans[0].spans[1].startTimeUnixNano = "soon";
        return r;
      })(),
      "kind is an object": (() => {
        const r = structuredClone(f.req);
        r.resourceSpans[0].scopeSpans[0].spans[1].kind = { x: 1 };
        return r;
      })(),
    };
    for (const [what, body] of Object.entries(bad)) {
      const r = await expectRejected(f.project, () => server.postTraces(json(body), JSON_CT), 400, `OTLP/JSON: ${what}`);
      jsonError(r, what);
    }
  });

  it("bad ids → 400 naming the span (name or index), valid sibling spans not stored", async () => {
    const cases = [
      ["traceId of 30 hex chars", (s) => (s.traceId = s.traceId.slice(0, 30))],
      ["traceId of 34 hex chars", (s) => (s.traceId = s.traceId + "ab")],
      ["spanId of 15 hex chars", (s) => (s.spanId = s.spanId.slice(0, 15))],
      ["parentSpanId of 12 hex chars", (s) => (s.parentSpanId = s.parentSpanId.slice(0, 12))],
      ["all-zero traceId", (s) => (s.traceId = "0".repeat(32))],
      ["all-zero spanId", (s) => (s.spanId = "0".repeat(16))],
      ["non-hex traceId", (s) => (s.traceId = "zz" + s.traceId.slice(2))],
    ];
    for (const [what, mutate] of cases) {
      const f = fresh("ids");
      const bad = f.req.resourceSpans[0].scopeSpans[0].spans[1]; // index 1, named "ids-child"
      bad.name = `bad-span-${seq}`;
      mutate(bad);
      const r = await expectRejected(f.project, () => server.postTraces(json(f.req), JSON_CT), 400, `OTLP/JSON ${what}`);
      const e = jsonError(r, what);
      assert.ok(
        e.msg.includes(bad.name) || /spans\[1\]/.test(e.msg),
        `OTLP/JSON ${what}: message must name the span ("${bad.name}" or "spans[1]"): ${e.msg}`,
      );
    }
    // the same in protobuf: a 7-byte span id
    const f = fresh("pbids");
    const bad = f.req.resourceSpans[0].scopeSpans[0].spans[1];
    bad.name = "bad-pb-span";
    bad.spanId = bad.spanId.slice(0, 14);
    const r = await expectRejected(f.project, () => server.postTraces(encodeExportRequest(f.req), PB_CT), 400, "protobuf 7-byte span id");
    const st = rpcError(r, "protobuf 7-byte span id");
    assert.ok(st.message.includes("bad-pb-span") || /spans\[1\]/.test(st.message), `protobuf bad id: message must name the span: ${st.message}`);
  });

  it("unsupported content type → 415, unsupported content encoding → 415", async () => {
    const f = fresh("ctype");
    for (const ct of ["text/plain", "application/xml", "application/x-www-form-urlencoded", "application/grpc"]) {
      await expectRejected(f.project, () => server.postTraces(json(f.req), { "content-type": ct }), 415, `content-type ${ct}`);
    }
    await expectRejected(f.project, () => server.postTraces(json(f.req), {}), 415, "no content-type");
    await expectRejected(f.project, () => server.postTraces(json(f.req), { ...JSON_CT, "content-encoding": "br" }), 415, "content-encoding br");
  });

  const bigRequest = (extra = 512 * 1024) => {
    const f = fresh("big");
    f.req.resourceSpans[0].scopeSpans[0].spans[0].attributes.push({ key: "blob", value: { stringValue: "x".repeat(MAX_BODY + extra) } });
    return f;
  };

  it("body over --max-body → 413 (Expect: 100-continue, chunked, inflated gzip); just under is fine", async () => {
    const b = bigRequest();
    await expectRejected(b.project, () => server.postTraces(json(b.req), { ...JSON_CT, expect: "100-continue" }), 413, "body over --max-body (Content-Length + Expect: 100-continue)");
    const c = bigRequest();
    await expectRejected(c.project, () => server.postTraces(json(c.req), { ...JSON_CT, "transfer-encoding": "chunked" }), 413, "body over --max-body (chunked)");
    const d = bigRequest();
    const gz = zlib.gzipSync(json(d.req));
    assert.ok(gz.length < MAX_BODY / 4, "the compressed body itself is small");
    await expectRejected(d.project, () => server.postTraces(gz, { ...JSON_CT, "content-encoding": "gzip" }), 413, "gzip body inflating beyond --max-body");
    const u = fresh("under");
    u.req.resourceSpans[0].scopeSpans[0].spans[0].attributes.push({ key: "blob", value: { stringValue: "y".repeat(MAX_BODY - 64 * 1024) } });
    const ok = await server.postTraces(json(u.req), JSON_CT);
    assert.equal(ok.status, 200, `a body under --max-body: ${show(ok)}`);
    assert.equal(await spanCount(server, u.project), 2);
  });

  it("body over --max-body sent whole with Content-Length and no Expect (as the OTel exporters do) → the client receives 413", async () => {
    // A server that answers early and closes while the request body is still
    // arriving makes the kernel reset the connection; the client then sees
    // EPIPE/ECONNRESET instead of the 413.  The exporters would retry that as a
    // network error.  The answer must reach the client (drain, or lingering close).
    const a = bigRequest();
    await expectRejected(a.project, () => server.postTraces(json(a.req), JSON_CT), 413, "body over --max-body (Content-Length, body sent at once)");
  });

  it("bad compressed bodies → 400", async () => {
    const f = fresh("badgz");
    const gz = zlib.gzipSync(json(f.req));
    await expectRejected(f.project, () => server.postTraces(Buffer.from("definitely not gzip"), { ...JSON_CT, "content-encoding": "gzip" }), 400, "garbage declared gzip");
    await expectRejected(f.project, () => server.postTraces(gz.subarray(0, gz.length - 12), { ...JSON_CT, "content-encoding": "gzip" }), 400, "truncated gzip");
    const corrupt = Buffer.from(gz);
    corrupt[Math.floor(corrupt.length / 2)] ^= 0xff;
    await expectRejected(f.project, () => server.postTraces(corrupt, { ...JSON_CT, "content-encoding": "gzip" }), 400, "corrupted gzip");
    await expectRejected(f.project, () => server.postTraces(Buffer.from([0x78, 0x9c, 0x01, 0x02]), { ...PB_CT, "content-encoding": "deflate" }), 400, "garbage declared deflate");
  });

  const DEPTH = 10000;

  it("JSON nested too deep → 400: 10,000 nested JSON arrays in an attribute", async () => {
    const f = fresh("deep");
    const rawDeep = JSON.stringify(f.req).replace(
      '"attributes":[]',
      `"attributes":[{"key":"deep","value":{"stringValue":"x"},"junk":${"[".repeat(DEPTH)}${"]".repeat(DEPTH)}}]`,
    );
    assert.ok(rawDeep.includes("[[[["), "the nesting was inserted");
    const r = await expectRejected(f.project, () => server.postTraces(json(rawDeep), JSON_CT), 400, "10,000 nested JSON arrays");
    jsonError(r, "deep raw arrays");
  });

  it("JSON nested too deep → 400: 10,000 nested OTLP arrayValues", async () => {
    const f = fresh("deep");
    // built as text: JSON.stringify itself overflows the stack at this depth
    const deepValue = '{"arrayValue":{"values":['.repeat(DEPTH) + '{"stringValue":"leaf"}' + "]}}".repeat(DEPTH);
    const deepOtlp = JSON.stringify(f.req).replace('"attributes":[]', `"attributes":[{"key":"deep","value":${deepValue}}]`);
    assert.ok(deepOtlp.length > DEPTH * 20, "the nesting was inserted");
    const r = await expectRejected(f.project, () => server.postTraces(json(deepOtlp), JSON_CT), 400, "10,000 nested OTLP arrayValues (JSON)");
    jsonError(r, "deep OTLP/JSON");
  });

  it("protobuf nested too deep → 400: 10,000 nested AnyValues", async () => {
    const f = fresh("deep");
    const varint = (n) => {
      const out = [];
      do {
        let b = n & 0x7f;
        n >>>= 7;
        if (n) b |= 0x80;
        out.push(b);
      } while (n);
      return Buffer.from(out);
    };
    // AnyValue{5: ArrayValue{1: AnyValue{...{1: "leaf"}}}}: only headers, then the leaf
    const leaf = Buffer.from([0x0a, 0x04, ...Buffer.from("leaf")]);
    const headers = [];
    let size = leaf.length;
    for (let i = 0; i < DEPTH; i++) {
      const arr = Buffer.concat([Buffer.from([0x0a]), varint(size)]); // ArrayValue.values
      size += arr.length;
      const any = Buffer.concat([Buffer.from([0x2a]), varint(size)]); // AnyValue.array_value
      size += any.length;
      headers.push(arr, any);
    }
    const anyValue = Buffer.concat([...headers.reverse(), leaf]);
    const kv = Buffer.concat([Buffer.from([0x0a, 0x04]), Buffer.from("deep"), Buffer.from([0x12]), varint(anyValue.length), anyValue]);
    const spanBytes = Buffer.concat([
      Buffer.from([0x0a, 0x10]), Buffer.from(f.traceId, "hex"),
      Buffer.from([0x12, 0x08]), Buffer.from(randomSpanId(), "hex"),
      Buffer.from([0x2a, 0x04]), Buffer.from("deep"),
      Buffer.from([0x4a]), varint(kv.length), kv,
    ]);
    const scope = Buffer.concat([Buffer.from([0x12]), varint(spanBytes.length), spanBytes]); // ScopeSpans.spans
    const rs = Buffer.concat([Buffer.from([0x12]), varint(scope.length), scope]); // ResourceSpans.scope_spans
    const pb = Buffer.concat([Buffer.from([0x0a]), varint(rs.length), rs]); // request.resource_spans
    const r = await expectRejected(f.project, () => server.postTraces(pb, { ...PB_CT, "x-project-name": f.project }), 400, "10,000 nested AnyValues (protobuf)");
    rpcError(r, "deep protobuf");
  });

  it("a rejected request in the middle of good ones leaves the good ones intact", async () => {
    const good1 = fresh("mix");
    const bad = fresh("mix");
    const good2 = fresh("mix");
    bad.req.resourceSpans[0].scopeSpans[0].spans[1].traceId = "abc";
    assert.equal((await server.postTraces(json(good1.req), JSON_CT)).status, 200);
    await expectRejected(bad.project, () => server.postTraces(json(bad.req), JSON_CT), 400, "bad between good");
    assert.equal((await server.postTraces(json(good2.req), JSON_CT)).status, 200);
    assert.equal(await spanCount(server, good1.project), 2);
    assert.equal(await spanCount(server, good2.project), 2);
  });
});

// ---------------------------------------------------------------------------
describe("filter expressions", () => {
  it("a syntax error → 400 whose message contains 'column N'", async () => {
    const f = fresh("filt");
    assert.equal((await server.postTraces(json(f.req), JSON_CT)).status, 200);
    for (const expr of ["span_kind == ", "name == 'x' and and", "(span_kind == 'LLM'", "span_kind === 'LLM'", "'unterminated", "latency_ms > > 3", "@"]) {
      const r = await server.get(`/v1/projects/${encodeURIComponent(f.project)}/spans?filter=${encodeURIComponent(expr)}`);
      assert.equal(r.status, 400, `filter ${JSON.stringify(expr)}: ${show(r)}`);
      const e = jsonError(r, `filter ${expr}`);
      assert.match(e.msg, /column \d+/, `filter ${JSON.stringify(expr)}: message must contain "column N": ${e.msg}`);
    }
    const h = await server.get("/healthz");
    assert.equal(h.status, 200);
  });

  it("an over-long or over-deep filter is refused with 400, not a crash", async () => {
    const f = fresh("filt2");
    assert.equal((await server.postTraces(json(f.req), JSON_CT)).status, 200);
    const deep = "(".repeat(1000) + "span_kind == 'LLM'" + ")".repeat(1000);
    const long = Array.from({ length: 400 }, (_, i) => `name == 'n${i}'`).join(" or ");
    for (const [what, expr] of [["1,000 nested parentheses", deep], ["a 7 KB expression", long]]) {
      const r = await server.get(`/v1/projects/${encodeURIComponent(f.project)}/spans?filter=${encodeURIComponent(expr)}`);
      // 400 expected (a filter the parser refuses); 413/414/431 tolerated for sheer size
      assert.ok([400, 413, 414, 431].includes(r.status), `${what}: ${show(r)}`);
    }
    assert.equal((await server.get("/healthz")).status, 200, "server alive after huge filters");
  });
});

// ---------------------------------------------------------------------------
describe("/metrics", () => {
  it("Prometheus text with the assay metrics and sane values after ingesting", async () => {
    const t = tripOtlpSpans({ baseMs: T0 });
    const project = `metrics-${RUN}`;
    const before = await metrics(server);
    const r = await server.postTraces(json(exportRequest(t.spans, { projectName: project })), JSON_CT);
    assert.equal(r.status, 200, show(r));
    const { res, samples } = await metrics(server);
    assert.match(String(res.headers["content-type"]), /^text\/plain/, "Prometheus text format");
    const text = res.text();
    for (const name of ["assay_spans_received_total", "assay_spans_stored_total", "assay_requests_rejected_total", "assay_ingest_queue_depth", "assay_batch_commit_seconds"]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), `missing "# TYPE ${name}"`);
    }
    assert.match(text, /^# TYPE assay_batch_commit_seconds histogram$/m);
    assert.match(text, /^# TYPE assay_spans_received_total counter$/m);
    assert.match(text, /^# TYPE assay_ingest_queue_depth gauge$/m);
    const received = metricValue(samples, "assay_spans_received_total");
    const stored = metricValue(samples, "assay_spans_stored_total");
    const storedBefore = metricValue(before.samples, "assay_spans_stored_total") ?? 0;
    assert.ok(stored >= storedBefore + t.spans.length, `spans_stored_total ${stored} must have grown by ≥ ${t.spans.length} from ${storedBefore}`);
    assert.ok(received >= stored, `spans_received_total ${received} ≥ spans_stored_total ${stored}`);
    const rejected = samples.filter((s) => s.name === "assay_requests_rejected_total");
    assert.ok(rejected.length > 0 && rejected.every((s) => typeof s.labels.reason === "string" && s.labels.reason.length > 0), "assay_requests_rejected_total{reason=\"...\"}");
    const rejSum = rejected.reduce((a, s) => a + s.value, 0);
    assert.ok(rejSum >= Math.min(rejectedSoFar, 1), `rejections counted: ${rejSum} (this file made ${rejectedSoFar})`);
    const depth = metricValue(samples, "assay_ingest_queue_depth");
    assert.ok(depth >= 0, `queue depth ${depth}`);
    const buckets = samples.filter((s) => s.name === "assay_batch_commit_seconds_bucket");
    assert.ok(buckets.length >= 2, "histogram buckets");
    const les = buckets.map((b) => (b.labels.le === "+Inf" ? Infinity : Number(b.labels.le)));
    assert.deepEqual(les, [...les].sort((a, b) => a - b), "buckets in increasing le order");
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, "cumulative buckets never decrease");
    const inf = buckets.find((b) => b.labels.le === "+Inf");
    const count = metricValue(samples, "assay_batch_commit_seconds_count");
    const sum = metricValue(samples, "assay_batch_commit_seconds_sum");
    assert.ok(inf, 'a le="+Inf" bucket');
    assert.equal(inf.value, count, "+Inf bucket == _count");
    assert.ok(count >= 1, "at least one commit observed");
    assert.ok(sum >= 0 && Number.isFinite(sum), `_sum ${sum}`);
  });
});

// ---------------------------------------------------------------------------
describe("backpressure", () => {
  it("a small ingest queue answers 200 or 503 + Retry-After; exactly the 200s are stored", { timeout: scaled(90000) }, async (t) => {
    const small = await startServer({ args: ["--queue-spans", "16"] });
    try {
      const project = `bp-${RUN}`;
      const reqs = Array.from({ length: 48 }, () => {
        const traceId = randomTraceId();
        const spans = Array.from({ length: 12 }, (_, i) => otlpSpan({ traceId, spanId: randomSpanId(), name: `bp-${i}`, startMs: T0, endMs: T0 + 1 }));
        return { traceId, body: json(exportRequest(spans, { projectName: project })) };
      });
      const results = await Promise.all(reqs.map((q) => small.postTraces(q.body, JSON_CT).then((r) => ({ q, r }))));
      const counts = {};
      for (const { r } of results) counts[r.status] = (counts[r.status] || 0) + 1;
      t.diagnostic(`statuses: ${JSON.stringify(counts)}`);
      for (const { r } of results) {
        assert.ok([200, 503].includes(r.status), `under load: 200 or 503 only, ${show(r)}${small.diag()}`);
        if (r.status === 503) {
          assert.match(String(r.headers["retry-after"]), /^\d+$/, `503 must carry Retry-After (seconds): ${JSON.stringify(r.headers)}`);
        }
      }
      const ok = results.filter(({ r }) => r.status === 200).map(({ q }) => q.traceId);
      const rsp = await small.get(`/v1/projects/${project}/spans?limit=1000`);
      const stored = rsp.status === 404 ? [] : rsp.json().data;
      const byTrace = new Map();
      for (const s of stored) byTrace.set(s.context.trace_id, (byTrace.get(s.context.trace_id) || 0) + 1);
      for (const tid of ok) assert.equal(byTrace.get(tid), 12, `acknowledged trace ${tid} must be complete`);
      assert.equal(stored.length, ok.length * 12, "nothing from the 503s is stored");
      assert.equal((await small.get("/healthz")).status, 200);
    } finally {
      await small.stop();
    }
  });
});
