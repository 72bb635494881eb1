// Durability: assay answers 200 to POST /v1/traces only after the spans are
// committed.  We SIGKILL the server in the middle of a load (triggered by the
// K-th acknowledgement, while other requests are in flight), restart it on
// the same data directory, and check that every acknowledged span is there,
// exactly once, and that unacknowledged requests are all-or-nothing.
// Also: SIGTERM is a clean shutdown (exit 0) that keeps the data.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { encodeExportRequest, exportRequest, otlpSpan, randomSpanId, randomTraceId } from "./lib/otel.mjs";
import { allSpansRaw, AssayServer, request, scaled, show } from "./lib/server.mjs";

const RUN = Date.now().toString(36);
const T0 = Date.now() - 60000;

/** One request = one trace: a root, then a chain of LLM children with tokens. */
function makeRequest(project, spansPerRequest, protobuf) {
  const traceId = randomTraceId();
  const ids = Array.from({ length: spansPerRequest }, () => randomSpanId());
  const spans = ids.map((spanId, i) =>
    otlpSpan({
      traceId,
      spanId,
      parentSpanId: i === 0 ? undefined : ids[i - 1],
      name: i === 0 ? "load-root" : `load-${i}`,
      startMs: T0 + i,
      endMs: T0 + 1000 - i,
      attributes:
        i === 0
          ? { "openinference.span.kind": "AGENT", "session.id": `load-session-${traceId.slice(0, 6)}` }
          : { "openinference.span.kind": "LLM", "llm.token_count.prompt": 3, "llm.token_count.completion": 2, "input.value": `ステップ ${i} 🚀` },
    }),
  );
  const req = exportRequest(spans, { projectName: project });
  return {
    traceId,
    ids,
    protobuf,
    body: protobuf ? encodeExportRequest(req) : Buffer.from(JSON.stringify(req)),
    headers: { "content-type": protobuf ? "application/x-protobuf" : "application/json" },
    status: "pending",
  };
}

describe("durability", () => {
  it("every acknowledged span survives SIGKILL in the middle of a load", { timeout: scaled(120000) }, async (t) => {
    const SENDERS = 4;
    const SPANS_PER_REQUEST = 40;
    const KILL_AFTER_ACKS = 60; // kill when this many requests have been acknowledged
    const MAX_REQUESTS = 600; // hard bound on the load
    const project = `durable-${RUN}`;

    const server = new AssayServer();
    await server.start();
    const url = server.url;
    const sent = [];
    let acks = 0;
    let killPromise = null;
    let inFlight = 0;
    let inFlightAtKill = -1;

    async function sender(i) {
      while (!killPromise && sent.length < MAX_REQUESTS) {
        const rq = makeRequest(project, SPANS_PER_REQUEST, i % 2 === 1);
        sent.push(rq);
        inFlight += 1;
        try {
          const res = await request("POST", `${url}/v1/traces`, { headers: rq.headers, body: rq.body, timeoutMs: scaled(30000) });
          rq.status = res.status;
          if (res.status === 200) {
            acks += 1;
            if (acks === KILL_AFTER_ACKS && !killPromise) {
              inFlightAtKill = inFlight - 1; // the other senders' requests
              killPromise = server.kill();
            }
          } else if (res.status !== 503) {
            rq.error = show(res);
          }
        } catch (e) {
          rq.status = "no-response";
          rq.error = e.code || e.message;
        } finally {
          inFlight -= 1;
        }
      }
    }

    try {
      await Promise.all(Array.from({ length: SENDERS }, (_, i) => sender(i)));
      assert.ok(killPromise, `the load ended (${sent.length} requests, ${acks} acks) before ${KILL_AFTER_ACKS} acknowledgements${server.diag()}`);
      const exit = await killPromise;
      assert.equal(exit.signal, "SIGKILL", `server died of SIGKILL, got ${JSON.stringify(exit)}`);

      const byStatus = {};
      for (const r of sent) byStatus[r.status] = (byStatus[r.status] || 0) + 1;
      t.diagnostic(`requests: ${sent.length}, statuses: ${JSON.stringify(byStatus)}, in flight at kill: ${inFlightAtKill}`);
      const unexpected = sent.filter((r) => r.error && r.status !== "no-response");
      assert.deepEqual(unexpected.map((r) => r.error), [], "before the kill every answer is 200 or 503");
      assert.ok(inFlightAtKill >= 1, "the kill must happen while other requests are in flight");
      const acked = sent.filter((r) => r.status === 200);
      assert.ok(acked.length >= KILL_AFTER_ACKS);

      await server.restart();
      const spans = await allSpansRaw(server, project, "", 1000);
      const bySpanId = new Map();
      const dupes = [];
      for (const s of spans) {
        if (bySpanId.has(s.context.span_id)) dupes.push(s.context.span_id);
        bySpanId.set(s.context.span_id, s);
      }
      assert.deepEqual(dupes, [], "no span may be stored twice");
      const perTrace = new Map();
      for (const s of spans) perTrace.set(s.context.trace_id, (perTrace.get(s.context.trace_id) || 0) + 1);

      const missing = [];
      for (const rq of acked) {
        const have = rq.ids.filter((id) => bySpanId.has(id)).length;
        if (have !== SPANS_PER_REQUEST) missing.push(`${rq.traceId} (${rq.protobuf ? "protobuf" : "json"}): ${have}/${SPANS_PER_REQUEST}`);
      }
      assert.deepEqual(missing, [], `acknowledged requests with missing spans after SIGKILL + restart${server.diag()}`);

      const partial = [];
      for (const rq of sent.filter((r) => r.status !== 200)) {
        const have = perTrace.get(rq.traceId) || 0;
        if (have !== 0 && have !== SPANS_PER_REQUEST) partial.push(`${rq.traceId}: ${have}/${SPANS_PER_REQUEST}`);
      }
      assert.deepEqual(partial, [], "an unacknowledged request is stored completely or not at all");

      const known = new Set(sent.map((r) => r.traceId));
      const strangers = [...perTrace.keys()].filter((tid) => !known.has(tid));
      assert.deepEqual(strangers, [], "no spans from traces we never sent");

      // parent links and trace rows survived too
      const rq = acked[0];
      const chain = rq.ids.map((id) => bySpanId.get(id));
      for (let i = 1; i < chain.length; i++) assert.equal(chain[i].parent_id, rq.ids[i - 1], "parent link after restart");
      const tr = await server.get(`/v1/projects/${project}/traces?limit=1000`);
      assert.equal(tr.status, 200, show(tr));
      const traceIds = new Set(tr.json().data.map((x) => x.trace_id));
      for (const a of acked) assert.ok(traceIds.has(a.traceId), `trace row of acknowledged ${a.traceId}`);
      const one = tr.json().data.find((x) => x.trace_id === rq.traceId);
      assert.equal(one.token_count_total, (SPANS_PER_REQUEST - 1) * 5, "token totals after restart");

      // and the restarted server takes new data
      const more = makeRequest(project, 3, false);
      const r2 = await server.postTraces(more.body, more.headers);
      assert.equal(r2.status, 200, show(r2));
    } finally {
      await server.stop();
    }
  });

  it("SIGTERM exits 0 and keeps the data for the next start", { timeout: scaled(60000) }, async () => {
    const server = new AssayServer();
    await server.start();
    try {
      const project = `term-${RUN}`;
      const rq = makeRequest(project, 10, true);
      const r = await server.postTraces(rq.body, rq.headers);
      assert.equal(r.status, 200, show(r));
      const exit = await server.terminate();
      assert.deepEqual(exit, { code: 0, signal: null }, `SIGTERM must be a clean exit 0${server.diag()}`);
      await server.start();
      const spans = await allSpansRaw(server, project);
      assert.deepEqual(spans.map((s) => s.context.span_id).sort(), [...rq.ids].sort());
    } finally {
      await server.stop();
    }
  });
});
