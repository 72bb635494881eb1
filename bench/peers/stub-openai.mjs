#!/usr/bin/env node
// Tiny stand-in for tests/mockllm (the C mock LLM server), for developing the
// peer harness without it.  Same interface, same shapes, not the same speed:
//
//   node stub-openai.mjs [--port 0] [--latency-ms 50] [--rate-429 0.0]
//   -> prints "mockllm: listening on http://127.0.0.1:PORT"
//
//   POST /v1/chat/completions  OpenAI chat completions (non-streaming):
//     - forced tool call when `tools` is given: arguments are
//       {"explanation": "...", "label": X}, X picked deterministically from the
//       tool schema's properties.label.enum;
//     - response_format json_schema: the same JSON object as message content;
//     - otherwise text "mock reply <hex>".
//     Always with `usage`.
//   --dump-first FILE writes the first chat request body to FILE.
//   GET /_mock/stats           {"requests": n, "chat": n, "rate_limited": n}
import fs from "node:fs";
import http from "node:http";

const args = process.argv.slice(2);
function opt(name, dflt) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const port = Number(opt("--port", "0"));
const latencyMs = Number(opt("--latency-ms", "50"));
const rate429 = Number(opt("--rate-429", "0"));
const dumpFile = opt("--dump-first", null); // write the first chat request body here

const stats = { requests: 0, chat: 0, rate_limited: 0 };

function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function pickLabel(schema, h) {
  const e = schema?.properties?.label?.enum;
  if (Array.isArray(e) && e.length > 0) return e[h % e.length];
  return "unknown";
}

function promptText(body) {
  return (body.messages || [])
    .map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)))
    .join("\n");
}

function reply(res, code, obj) {
  const s = JSON.stringify(obj);
  res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(s) });
  res.end(s);
}

const server = http.createServer((req, res) => {
  let chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    stats.requests++;
    if (req.method === "GET" && req.url === "/_mock/stats") return reply(res, 200, stats);
    if (req.method !== "POST" || !req.url.endsWith("/chat/completions"))
      return reply(res, 404, { error: { message: "not found", type: "invalid_request_error" } });
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return reply(res, 400, { error: { message: "bad json", type: "invalid_request_error" } });
    }
    stats.chat++;
    if (dumpFile && stats.chat === 1) fs.writeFileSync(dumpFile, JSON.stringify(body, null, 2));
    const text = promptText(body);
    const h = fnv1a(text);
    if (rate429 > 0 && (h % 10000) / 10000 < rate429 && Math.random() < 0.5) {
      stats.rate_limited++;
      return setTimeout(() => reply(res, 429, { error: { message: "rate limited", type: "rate_limit_error" } }), latencyMs);
    }
    let message;
    let finish = "stop";
    if (Array.isArray(body.tools) && body.tools.length > 0) {
      const fn = body.tools[0].function || {};
      const a = { explanation: `mock explanation ${h.toString(16)}`, label: pickLabel(fn.parameters, h) };
      message = {
        role: "assistant",
        content: null,
        tool_calls: [{ id: `call_${h.toString(16)}`, type: "function", function: { name: fn.name, arguments: JSON.stringify(a) } }],
      };
      finish = "tool_calls";
    } else if (body.response_format?.type === "json_schema") {
      const a = { explanation: `mock explanation ${h.toString(16)}`, label: pickLabel(body.response_format.json_schema?.schema, h) };
      message = { role: "assistant", content: JSON.stringify(a) };
    } else {
      message = { role: "assistant", content: `mock reply ${h.toString(16)}` };
    }
    const promptTokens = Math.ceil(text.length / 4);
    const out = {
      id: `chatcmpl-${stats.chat}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model || "mock",
      choices: [{ index: 0, message, finish_reason: finish }],
      usage: { prompt_tokens: promptTokens, completion_tokens: 12, total_tokens: promptTokens + 12 },
    };
    setTimeout(() => reply(res, 200, out), latencyMs);
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, "127.0.0.1", () => {
  console.log(`mockllm: listening on http://127.0.0.1:${server.address().port}`);
});
