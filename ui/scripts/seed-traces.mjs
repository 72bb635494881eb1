#!/usr/bin/env node
// Send a realistic trip-planner agent trace set to a running `assay serve`
// as OTLP/JSON (POST /v1/traces), for development and the browser tests.
//
//   node ui/scripts/seed-traces.mjs [--url http://127.0.0.1:6006] [--project trip-planner]
//                                   [--traces 40] [--hours 24] [--seed 1] [--big 0]
//
// Each trace: AGENT "trip-planner" (root) -> research / budget / local-experience
// agents running in parallel, each with an LLM and a TOOL child, then an
// itinerary agent (LLM) that starts after the three finish. About one trace in
// eight has a failing tool (status ERROR with an exception event).
// --big N adds one extra trace with N spans (for the virtualised waterfall).
// The module also exports buildTraceSet()/sendSpans() for the tests.

import crypto from "node:crypto";

const CITIES = ["Tokyo", "Lisbon", "Mexico City", "Kyoto", "Reykjavik", "Cape Town", "Hanoi", "Montreal"];
const MODELS = ["gpt-4o-mini", "gpt-4o", "claude-3-5-haiku"];

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

const hex = (rand, bytes) => {
  let out = "";
  for (let i = 0; i < bytes; i++) out += Math.floor(rand() * 256).toString(16).padStart(2, "0");
  return out;
};

function attr(key, v) {
  if (typeof v === "string") return { key, value: { stringValue: v } };
  if (typeof v === "boolean") return { key, value: { boolValue: v } };
  if (Number.isInteger(v)) return { key, value: { intValue: String(v) } };
  return { key, value: { doubleValue: v } };
}

function msgAttrs(prefix, msgs) {
  const out = [];
  msgs.forEach((m, i) => {
    out.push(attr(`${prefix}.${i}.message.role`, m.role));
    out.push(attr(`${prefix}.${i}.message.content`, m.content));
  });
  return out;
}

/** One span in OTLP/JSON; times in ms since the epoch. */
export function span({ traceId, spanId, parentId, name, kind, start, end, attrs = {}, error = null, events = [] }) {
  const attributes = [attr("openinference.span.kind", kind)];
  for (const [k, v] of Object.entries(attrs)) {
    if (Array.isArray(v)) attributes.push(...v);
    else if (v !== undefined && v !== null) attributes.push(attr(k, v));
  }
  const ns = (ms) => String(BigInt(Math.round(ms * 1000)) * 1000n);
  const s = {
    traceId, spanId, name, kind: 1,
    startTimeUnixNano: ns(start), endTimeUnixNano: ns(end),
    attributes,
    status: error ? { code: 2, message: error } : { code: 1 },
    events: events.map((e) => ({ name: e.name, timeUnixNano: ns(e.time), attributes: Object.entries(e.attrs || {}).map(([k, v]) => attr(k, v)) })),
  };
  if (parentId) s.parentSpanId = parentId;
  return s;
}

function llmSpan(rand, ctx, parentId, name, start, dur, system, user, answer) {
  const model = MODELS[Math.floor(rand() * MODELS.length)];
  const prompt = 200 + Math.floor(rand() * 1800);
  const completion = 50 + Math.floor(rand() * 600);
  return span({
    traceId: ctx.traceId, spanId: hex(rand, 8), parentId, name, kind: "LLM", start, end: start + dur,
    attrs: {
      "llm.model_name": model,
      "llm.provider": model.startsWith("claude") ? "anthropic" : "openai",
      "llm.token_count.prompt": prompt,
      "llm.token_count.completion": completion,
      "llm.token_count.total": prompt + completion,
      "input.value": JSON.stringify({ messages: [{ role: "system", content: system }, { role: "user", content: user }] }),
      "input.mime_type": "application/json",
      "output.value": answer,
      "output.mime_type": "text/plain",
      "llm.input_messages": msgAttrs("llm.input_messages", [{ role: "system", content: system }, { role: "user", content: user }]),
      "llm.output_messages": msgAttrs("llm.output_messages", [{ role: "assistant", content: answer }]),
      "llm.invocation_parameters": JSON.stringify({ temperature: 0.2, max_tokens: 1024 }),
    },
  });
}

function toolSpan(rand, ctx, parentId, name, start, dur, args, result, fail) {
  const events = fail ? [{ name: "exception", time: start + dur, attrs: { "exception.type": "TimeoutError", "exception.message": `${name} timed out after ${Math.round(dur)} ms`, "exception.stacktrace": `TimeoutError: ${name} timed out\n    at callTool (tools.py:88)\n    at run (agent.py:41)` } }] : [];
  return span({
    traceId: ctx.traceId, spanId: hex(rand, 8), parentId, name, kind: "TOOL", start, end: start + dur,
    error: fail ? `${name} timed out` : null, events,
    attrs: {
      "tool.name": name,
      "tool.parameters": JSON.stringify(args),
      "input.value": JSON.stringify(args),
      "input.mime_type": "application/json",
      "output.value": fail ? undefined : JSON.stringify(result),
      "output.mime_type": fail ? undefined : "application/json",
    },
  });
}

/** One trip-planner trace starting at t0 (ms). Returns OTLP spans. */
export function tripTrace(rand, t0, { session } = {}) {
  const city = CITIES[Math.floor(rand() * CITIES.length)];
  const days = 2 + Math.floor(rand() * 6);
  const budget = 500 + Math.floor(rand() * 40) * 50;
  const question = `Plan a ${days}-day trip to ${city} for two, budget ${budget} EUR, we like food and walking.`;
  const ctx = { traceId: hex(rand, 16) };
  const rootId = hex(rand, 8);
  const spans = [];
  const fail = rand() < 0.125;
  let branchEnd = t0 + 20;
  const branches = [
    { name: "research", tool: "web_search", args: { query: `${city} neighbourhoods food markets` }, res: { results: [`${city} old town`, `${city} central market`] }, sys: "You research destinations." },
    { name: "budget", tool: "currency_convert", args: { amount: budget, from: "EUR", to: "local" }, res: { amount: budget * 1.1, rate: 1.1 }, sys: "You plan budgets." },
    { name: "local-experience", tool: "events_lookup", args: { city, days }, res: { events: [`${city} night market`, "walking tour"] }, sys: "You suggest local experiences." },
  ];
  branches.forEach((b, i) => {
    const aId = hex(rand, 8);
    const start = t0 + 15 + rand() * 20;
    const toolDur = 150 + rand() * 900;
    const llmDur = 400 + rand() * 2500;
    const toolFail = fail && i === 0;
    const tool = toolSpan(rand, ctx, aId, b.tool, start + 5, toolDur, b.args, b.res, toolFail);
    const llm = llmSpan(rand, ctx, aId, "ChatCompletion", start + toolDur + 10, llmDur, b.sys, question, `${b.name} notes for ${city}: ${b.res && JSON.stringify(b.res)}`);
    const end = start + toolDur + llmDur + 20;
    branchEnd = Math.max(branchEnd, end);
    spans.push(span({
      traceId: ctx.traceId, spanId: aId, parentId: rootId, name: b.name, kind: "AGENT", start, end,
      error: toolFail ? "research failed: web_search timed out" : null,
      attrs: { "input.value": question, "output.value": `${b.name} done for ${city}`, "agent.name": b.name },
    }), tool, llm);
  });
  const itId = hex(rand, 8);
  const itStart = branchEnd + 5;
  const itLlmDur = 1500 + rand() * 4000;
  const plan = Array.from({ length: days }, (_, d) => `Day ${d + 1}: explore ${city}, lunch at a local market, evening walk.`).join("\n");
  spans.push(
    span({ traceId: ctx.traceId, spanId: itId, parentId: rootId, name: "itinerary", kind: "AGENT", start: itStart, end: itStart + itLlmDur + 30, attrs: { "input.value": question, "output.value": plan, "agent.name": "itinerary" } }),
    llmSpan(rand, ctx, itId, "ChatCompletion", itStart + 10, itLlmDur, "You write day-by-day itineraries.", question, plan),
  );
  const rootEnd = itStart + itLlmDur + 50;
  spans.unshift(span({
    traceId: ctx.traceId, spanId: rootId, name: "trip-planner", kind: "AGENT", start: t0, end: rootEnd,
    error: fail ? "one or more agents failed" : null,
    attrs: {
      "input.value": question, "output.value": plan, "input.mime_type": "text/plain",
      "session.id": session, "user.id": `user-${Math.floor(rand() * 5)}`,
      "metadata": JSON.stringify({ variant: rand() < 0.5 ? "A" : "B", city }),
    },
  }));
  return spans;
}

/** A trace with n spans (a root with nested chains), for the virtualised waterfall. */
export function bigTrace(rand, t0, n) {
  const traceId = hex(rand, 16);
  const ids = [hex(rand, 8)];
  const spans = [span({ traceId, spanId: ids[0], name: "big-batch", kind: "CHAIN", start: t0, end: t0 + n * 2 + 100, attrs: { "input.value": `batch of ${n}` } })];
  for (let i = 1; i < n; i++) {
    const id = hex(rand, 8);
    const parent = ids[Math.max(0, i - 1 - Math.floor(rand() * Math.min(i, 20)))];
    ids.push(id);
    const start = t0 + i * 2;
    spans.push(span({ traceId, spanId: id, parentId: parent, name: `step-${i}`, kind: i % 3 ? "TOOL" : "LLM", start, end: start + 1 + rand() * 50, attrs: { "input.value": `step ${i}` } }));
  }
  return spans;
}

export function buildTraceSet({ traces = 40, hours = 24, seed = 1, now = Date.now(), big = 0 } = {}) {
  const rand = rng(seed);
  const all = [];
  for (let i = 0; i < traces; i++) {
    const t0 = now - hours * 3600e3 + (i + rand() * 0.8) * (hours * 3600e3 / traces) - 60e3;
    all.push(tripTrace(rand, t0, { session: `session-${Math.floor(i / 3)}` }));
  }
  if (big > 0) all.push(bigTrace(rand, now - 30 * 60e3, big));
  return all;
}

export async function sendSpans(url, project, spans) {
  for (let i = 0; i < spans.length; i += 2000) {
    const body = { resourceSpans: [{ resource: { attributes: [attr("service.name", "trip-planner")] }, scopeSpans: [{ scope: { name: "seed-traces" }, spans: spans.slice(i, i + 2000) }] }] };
    const res = await fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/json", "x-project-name": project }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST /v1/traces: ${res.status} ${await res.text()}`);
  }
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, def) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : def;
  };
  const url = opt("url", "http://127.0.0.1:6006").replace(/\/$/, "");
  const project = opt("project", "trip-planner");
  const set = buildTraceSet({ traces: Number(opt("traces", 40)), hours: Number(opt("hours", 24)), seed: Number(opt("seed", crypto.randomInt(1, 1e9))), big: Number(opt("big", 0)) });
  await sendSpans(url, project, set.flat());
  console.log(`sent ${set.length} traces (${set.flat().length} spans) to ${url} project ${project}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => { console.error(e.message); process.exit(1); });
}
