// Start, stop, kill and restart the assay server under test, plus the small
// HTTP helpers every black-box test uses.
//
// Contract with the binary (see README.md):
//   $ASSAY_BIN serve --host 127.0.0.1 --port 0 --data DIR [flags...]
// prints "assay: listening on http://127.0.0.1:<PORT>" on stdout once it
// accepts connections.  We synchronise on that line only (never on sleeps).
// SIGTERM must make it exit with status 0.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { createClient } from "@arizeai/phoenix-client";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, "..", "..", "..");
export const ASSAY_BIN =
  process.env.ASSAY_BIN || path.join(REPO_ROOT, "build", "dev", "assay");

/** Every timeout in the suite goes through this (ASSAY_TEST_TIMEOUT_MULTIPLIER, e.g. 5 under ASan). */
export const TIMEOUT_MULTIPLIER = (() => {
  const v = Number(process.env.ASSAY_TEST_TIMEOUT_MULTIPLIER || "1");
  return Number.isFinite(v) && v > 0 ? v : 1;
})();
export const scaled = (ms) => Math.round(ms * TIMEOUT_MULTIPLIER);

const LISTEN_RE = /assay: listening on (http:\/\/127\.0\.0\.1:(\d+))/;

// Servers still alive when the test process exits are killed (by pid, only ours).
const live = new Set();
process.on("exit", () => {
  for (const s of live) {
    try {
      s.proc.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

function tail(s, n = 4000) {
  return s.length > n ? "…" + s.slice(-n) : s;
}

export function assertBinaryExists() {
  if (!fs.existsSync(ASSAY_BIN)) {
    throw new Error(
      `assay binary not found at ${ASSAY_BIN}: build it with \`make\` in ${REPO_ROOT} ` +
        `or point ASSAY_BIN at it`,
    );
  }
}

export class AssayServer {
  /**
   * @param {object} opts
   * @param {string} [opts.dataDir] data directory (default: a fresh temp dir, removed by stop())
   * @param {string[]} [opts.args] extra flags, e.g. ["--max-body", "1048576"]
   */
  constructor({ dataDir, args = [] } = {}) {
    this.ownsDataDir = !dataDir;
    this.dataDir = dataDir || fs.mkdtempSync(path.join(os.tmpdir(), "assay-bb-"));
    this.args = args;
    this.proc = null;
    this.url = null;
    this.port = null;
    this.stdoutBuf = "";
    this.stderrBuf = "";
    this.exit = null; // {code, signal} once exited
    this.exited = null; // promise
    this.generation = 0;
  }

  /** Launch and resolve once the "listening on" line appears. */
  async start() {
    assertBinaryExists();
    if (this.proc && !this.exit) throw new Error("server already running");
    this.generation += 1;
    this.stdoutBuf = "";
    this.stderrBuf = "";
    this.exit = null;
    const argv = ["serve", "--host", "127.0.0.1", "--port", "0", "--data", this.dataDir, ...this.args];
    const proc = spawn(ASSAY_BIN, argv, { stdio: ["ignore", "pipe", "pipe"] });
    this.proc = proc;
    live.add(this);
    this.exited = new Promise((resolve) => {
      proc.on("exit", (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      });
    });
    proc.stderr.setEncoding("utf8");
    proc.stderr.on("data", (d) => {
      this.stderrBuf += d;
      if (this.stderrBuf.length > 1 << 20) this.stderrBuf = this.stderrBuf.slice(-(1 << 19));
    });
    proc.stdout.setEncoding("utf8");
    const timeoutMs = scaled(15000);
    await new Promise((resolve, reject) => {
      let done = false;
      const finish = (err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        proc.stdout.off("data", onData);
        proc.off("exit", onExit);
        proc.off("error", onError);
        if (err) reject(err);
        else resolve();
      };
      const onData = (d) => {
        this.stdoutBuf += d;
        const m = LISTEN_RE.exec(this.stdoutBuf);
        if (m) {
          this.url = m[1];
          this.port = Number(m[2]);
          finish();
        }
      };
      const onExit = (code, signal) =>
        finish(
          new Error(
            `assay exited before listening (code ${code}, signal ${signal}); argv: ${argv.join(" ")}\n` +
              `stdout:\n${tail(this.stdoutBuf)}\nstderr:\n${tail(this.stderrBuf)}`,
          ),
        );
      const onError = (e) => finish(new Error(`cannot spawn ${ASSAY_BIN}: ${e.message}`));
      const timer = setTimeout(() => {
        try {
          proc.kill("SIGKILL");
        } catch {
          /* ignore */
        }
        finish(
          new Error(
            `assay did not print "assay: listening on http://127.0.0.1:<PORT>" within ${timeoutMs} ms\n` +
              `stdout:\n${tail(this.stdoutBuf)}\nstderr:\n${tail(this.stderrBuf)}`,
          ),
        );
      }, timeoutMs);
      proc.stdout.on("data", onData);
      proc.on("exit", onExit);
      proc.on("error", onError);
    });
    // keep draining stdout so the pipe never blocks the server
    proc.stdout.on("data", (d) => {
      this.stdoutBuf += d;
      if (this.stdoutBuf.length > 1 << 20) this.stdoutBuf = this.stdoutBuf.slice(-(1 << 19));
    });
    return this;
  }

  get running() {
    return !!this.proc && !this.exit;
  }

  stderr() {
    return this.stderrBuf;
  }

  /** Text to append to assertion messages: the server's recent stderr. */
  diag() {
    return `\n--- assay stderr (tail) ---\n${tail(this.stderrBuf, 3000)}`;
  }

  async _waitExit(what) {
    const ms = scaled(15000);
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`assay did not exit within ${ms} ms after ${what}${this.diag()}`)),
        ms,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM and wait; returns {code, signal}. */
  async terminate() {
    if (!this.proc || this.exit) return this.exit;
    this.proc.kill("SIGTERM");
    try {
      return await this._waitExit("SIGTERM");
    } catch (e) {
      this.proc.kill("SIGKILL");
      await this.exited;
      throw e;
    }
  }

  /** SIGKILL and wait. */
  async kill() {
    if (!this.proc || this.exit) return this.exit;
    this.proc.kill("SIGKILL");
    return this._waitExit("SIGKILL");
  }

  /** Start again on the same data directory (after terminate() or kill()). */
  async restart() {
    if (this.running) await this.terminate();
    return this.start();
  }

  /** SIGTERM, then remove the data dir if we made it.  Returns the exit status. */
  async stop() {
    let status = null;
    try {
      status = await this.terminate();
    } finally {
      if (this.ownsDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
    }
    return status;
  }

  /** A real @arizeai/phoenix-client pointed at this server (environment ignored). */
  phoenix() {
    return createClient({ options: { baseUrl: this.url }, getEnvironmentOptions: () => ({}) });
  }

  // ---- HTTP helpers bound to this server ----
  request(method, pathname, opts = {}) {
    return request(method, this.url + pathname, opts);
  }
  get(pathname, opts = {}) {
    return request("GET", this.url + pathname, opts);
  }
  postJSON(pathname, value, opts = {}) {
    return request("POST", this.url + pathname, {
      ...opts,
      headers: { "content-type": "application/json", ...(opts.headers || {}) },
      body: Buffer.from(JSON.stringify(value)),
    });
  }
  /** GET that must answer 200 (asserted); resolves the JSON body. */
  async getOk(pathname) {
    const r = await this.get(pathname);
    assert.equal(r.status, 200, `GET ${pathname}: ${show(r)}${this.diag()}`);
    return r.json();
  }
  /** POST of a JSON body that must answer 200 (asserted); resolves the JSON body. */
  async postOk(pathname, value) {
    const r = await this.postJSON(pathname, value);
    assert.equal(r.status, 200, `POST ${pathname}: ${show(r)}${this.diag()}`);
    return r.json();
  }
  /** POST /v1/traces with a raw body. */
  postTraces(body, headers = {}) {
    return request("POST", this.url + "/v1/traces", { headers, body });
  }
}

export async function startServer(opts = {}) {
  const s = new AssayServer(opts);
  await s.start();
  return s;
}

/**
 * Plain HTTP/1.1 request on a fresh TCP connection ("connection: close"; no
 * keep-alive, servers get killed under us), written by hand so that a
 * response the server sends before it has read the whole body (413) is still
 * seen: write errors (EPIPE, ECONNRESET) are ignored while a complete response
 * can be parsed from what came back.  Resolves {status, headers (lower-case
 * keys), body: Buffer, text(), json()}; rejects when no complete response
 * arrived.  A "transfer-encoding: chunked" header makes the body go out in
 * chunks with no Content-Length.
 */
export function request(method, url, { headers = {}, body, timeoutMs } = {}) {
  const ms = timeoutMs ?? scaled(30000);
  const u = new URL(url);
  const h = {};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = String(v);
  const chunked = /chunked/i.test(h["transfer-encoding"] || "");
  h.host = h.host || u.host;
  h.connection = "close";
  if (body != null && !chunked && h["content-length"] === undefined) h["content-length"] = String(body.length);
  if (body == null && !chunked && ["POST", "PUT", "PATCH"].includes(method) && h["content-length"] === undefined) {
    h["content-length"] = "0";
  }
  const head = Buffer.from(
    `${method} ${u.pathname}${u.search} HTTP/1.1\r\n` +
      Object.entries(h)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("") +
      "\r\n",
    "latin1",
  );
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: u.hostname, port: Number(u.port) });
    const chunks = [];
    let sockErr = null;
    let settled = false;
    const finish = (err, val) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(val);
    };
    const tryParse = (final) => {
      const res = parseHttpResponse(Buffer.concat(chunks), final, method);
      if (res) finish(null, res);
      else if (final) {
        const got = Buffer.concat(chunks);
        finish(
          (sockErr &&
            Object.assign(
              new Error(
                `${method} ${u.pathname}${u.search}: no HTTP response at all — the connection failed with ` +
                  `${sockErr.code || sockErr.message} before any answer arrived (${got.length} bytes received)`,
              ),
              { code: sockErr.code },
            )) ||
            new Error(
              `${method} ${u.pathname}${u.search}: connection closed without a complete response` +
                (got.length ? ` (got ${got.length} bytes: ${JSON.stringify(got.subarray(0, 200).toString("latin1"))})` : ""),
            ),
        );
      }
    };
    const timer = setTimeout(() => finish(new Error(`${method} ${url}: no response within ${ms} ms`)), ms);
    let expectContinue = /100-continue/i.test(h.expect || "");
    sock.on("data", (d) => {
      chunks.push(d);
      if (expectContinue) {
        const all = Buffer.concat(chunks);
        const end = all.indexOf("\r\n\r\n");
        if (end < 0) return;
        if (/^HTTP\/1\.[01] 100/.test(all.subarray(0, 16).toString("latin1"))) {
          chunks.length = 0;
          if (all.length > end + 4) chunks.push(all.subarray(end + 4));
          expectContinue = false;
          sendBody();
          if (!chunks.length) return;
        } else {
          expectContinue = false; // a final answer instead of 100: the body is never sent
        }
      }
      tryParse(false);
    });
    sock.on("end", () => tryParse(true));
    sock.on("close", () => tryParse(true));
    sock.on("error", (e) => {
      sockErr = sockErr || e; // EPIPE/ECONNRESET after an early answer: keep reading
    });
    const write = (b) => {
      if (!sock.destroyed && sock.writable) sock.write(b);
    };
    const sendBody = () => {
      if (body != null && chunked) {
        const step = 64 * 1024;
        for (let off = 0; off < body.length; off += step) {
          const part = body.subarray(off, off + step);
          write(Buffer.concat([Buffer.from(part.length.toString(16) + "\r\n"), part, Buffer.from("\r\n")]));
        }
        write(Buffer.from("0\r\n\r\n"));
      } else if (body != null && body.length) {
        write(body);
      } else if (chunked) {
        write(Buffer.from("0\r\n\r\n"));
      }
    };
    sock.on("connect", () => {
      write(head);
      if (expectContinue) return; // the body goes after "100 Continue"
      sendBody();
    });
  });
}

/** Parse one HTTP/1.1 response from buf; null when incomplete (unless final: then read-to-close body). */
function parseHttpResponse(buf, final, method) {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0])}`);
  const status = Number(m[1]);
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i < 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    headers[k] = headers[k] !== undefined ? `${headers[k]}, ${v}` : v;
  }
  let rest = buf.subarray(end + 4);
  let body;
  if (method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    body = Buffer.alloc(0);
  } else if (/chunked/i.test(headers["transfer-encoding"] || "")) {
    const parts = [];
    for (;;) {
      const le = rest.indexOf("\r\n");
      if (le < 0) return null;
      const size = parseInt(rest.subarray(0, le).toString("latin1"), 16);
      if (Number.isNaN(size)) throw new Error("bad chunk size in response");
      if (size === 0) break;
      if (rest.length < le + 2 + size + 2) return null;
      parts.push(rest.subarray(le + 2, le + 2 + size));
      rest = rest.subarray(le + 2 + size + 2);
    }
    body = Buffer.concat(parts);
  } else if (headers["content-length"] !== undefined) {
    const n = Number(headers["content-length"]);
    if (rest.length < n) return null;
    body = rest.subarray(0, n);
  } else {
    if (!final) return null;
    body = rest;
  }
  const path = "";
  return {
    status,
    headers,
    body,
    text: () => body.toString("utf8"),
    json: () => {
      try {
        return JSON.parse(body.toString("utf8"));
      } catch (e) {
        throw new Error(`HTTP ${status}: body is not JSON (${e.message}): ${body.toString("utf8").slice(0, 500)}${path}`);
      }
    },
  };
}

/** Describe a response for assertion messages. */
export function show(res) {
  if (!res) return "(no response)";
  const ct = res.headers["content-type"] || "";
  let b;
  if (/json|text/.test(ct) || ct === "") b = res.body.toString("utf8").slice(0, 800);
  else b = `<${res.body.length} bytes ${ct}> ${res.body.subarray(0, 64).toString("hex")}`;
  return `HTTP ${res.status} content-type=${ct} body=${b}`;
}

/** Walk every page of GET /v1/projects/{p}/spans?… (raw) and return all spans. */
export async function allSpansRaw(server, project, query = "", pageLimit = 1000) {
  const out = [];
  let cursor = null;
  for (let page = 0; page < 10000; page++) {
    const q = new URLSearchParams(query);
    q.set("limit", String(pageLimit));
    if (cursor) q.set("cursor", cursor);
    const r = await server.get(`/v1/projects/${encodeURIComponent(project)}/spans?${q}`);
    if (r.status !== 200) throw new Error(`listing spans of ${project}: ${show(r)}${server.diag()}`);
    const j = r.json();
    out.push(...j.data);
    cursor = j.next_cursor;
    if (!cursor) return out;
  }
  throw new Error("span pagination did not terminate after 10000 pages");
}

/** Number of spans in a project (0 when the project does not exist). */
export async function spanCount(server, project) {
  const r = await server.get(`/v1/projects/${encodeURIComponent(project)}`);
  if (r.status === 404) return 0;
  return (await allSpansRaw(server, project)).length;
}

/** base64("Type:rowid") → {type, rowid} or null. */
export function decodeGlobalId(id) {
  if (typeof id !== "string") return null;
  const s = Buffer.from(id, "base64").toString("utf8");
  const m = /^([A-Za-z]+):(\d+)$/.exec(s);
  return m ? { type: m[1], rowid: Number(m[2]) } : null;
}

export function globalId(type, rowid) {
  return Buffer.from(`${type}:${rowid}`).toString("base64");
}

/** Minimum Phoenix server version needed by every phoenix-client call the suite makes. */
export const MIN_PHOENIX_VERSION = [15, 5, 0];

export function parseVersion(s) {
  const parts = String(s).trim().split(".");
  if (parts.length < 3) return null;
  const v = parts.slice(0, 3).map((p) => parseInt(p, 10));
  return v.some((x) => Number.isNaN(x) || x < 0) ? null : v;
}

export function versionAtLeast(v, min) {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i] > min[i];
  return true;
}

/**
 * An attribute of a REST span: Phoenix returns attributes flattened
 * ("llm.token_count.prompt"); a nested tree is also looked through so that a
 * failure message can say which form the server used.
 */
export function attr(span, key) {
  const a = span?.attributes;
  if (!a) return undefined;
  const parts = key.split(".");
  // longest flat prefix first ("tool.parameters" → {...}), then walk the rest
  for (let i = parts.length; i >= 1; i--) {
    const head = parts.slice(0, i).join(".");
    if (!Object.prototype.hasOwnProperty.call(a, head)) continue;
    let cur = a[head];
    let ok = true;
    for (const p of parts.slice(i)) {
      if (cur == null || typeof cur !== "object") {
        ok = false;
        break;
      }
      cur = cur[p];
    }
    if (ok && cur !== undefined) return cur;
  }
  return undefined;
}

/** Parse Prometheus text exposition into [{name, labels, value}]. */
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)(\s+\d+)?$/.exec(line.trim());
    if (!m) throw new Error(`unparseable metrics line: ${JSON.stringify(line)}`);
    const labels = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let l;
      while ((l = re.exec(m[3]))) labels[l[1]] = l[2];
    }
    const v = m[4] === "+Inf" ? Infinity : m[4] === "-Inf" ? -Infinity : Number(m[4]);
    out.push({ name: m[1], labels, value: v });
  }
  return out;
}

export async function metrics(server) {
  const r = await server.get("/metrics");
  if (r.status !== 200) throw new Error(`GET /metrics: ${show(r)}`);
  return { res: r, samples: parseMetrics(r.text()) };
}

/** Sum of a metric's samples (optionally filtered by labels), or undefined if absent. */
export function metricValue(samples, name, labels = {}) {
  const hits = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (!hits.length) return undefined;
  return hits.reduce((a, s) => a + s.value, 0);
}
