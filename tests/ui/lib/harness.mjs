// Harness for the browser tests: start a real `assay serve`, serve the built
// UI, launch Debian's chromium through playwright-core.
//
// The UI is taken from the assay binary itself when it embeds it (GET /
// returns the UI's index.html). Until then a tiny static server serves
// ui/dist (SPA fallback to index.html) and proxies every other path
// (/v1/..., /healthz) to assay - the same origin layout the embedded UI has.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, "..", "..", "..");
export const ASSAY_BIN = process.env.ASSAY_BIN || path.join(REPO_ROOT, "build", "dev", "assay");
export const UI_DIST = process.env.ASSAY_UI_DIST || path.join(REPO_ROOT, "ui", "dist");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const ARTIFACTS = path.join(HERE, "..", "artifacts");
const MULT = Number(process.env.ASSAY_TEST_TIMEOUT_MULTIPLIER || "1") || 1;
export const scaled = (ms) => Math.round(ms * MULT);

const LISTEN_RE = /assay: listening on (http:\/\/127\.0\.0\.1:(\d+))/;

/**
 * Start `assay serve` on a fresh data directory and a free port.
 * opts.demo: first fill the directory with `assay demo --data DIR` (the
 * recorded demo workspace a new user sees).
 */
export async function startAssay(opts = {}) {
  if (!fs.existsSync(ASSAY_BIN)) throw new Error(`assay binary not found at ${ASSAY_BIN} (build it, or set ASSAY_BIN)`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "assay-ui-"));
  if (opts.demo) {
    const r = spawnSync(ASSAY_BIN, ["demo", "--data", dataDir], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`assay demo failed (${r.status}): ${r.stdout}${r.stderr}`);
  }
  const proc = spawn(ASSAY_BIN, ["serve", "--host", "127.0.0.1", "--port", "0", "--data", dataDir], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  proc.stderr.on("data", (d) => (err += d));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`assay did not start: ${out}${err}`)), scaled(15000));
    proc.stdout.on("data", (d) => {
      out += d;
      const m = LISTEN_RE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on("exit", (code) => reject(new Error(`assay exited ${code}: ${out}${err}`)));
  });
  const stop = async () => {
    if (proc.exitCode === null) {
      const gone = new Promise((r) => proc.on("exit", r));
      proc.kill("SIGTERM");
      await gone;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, stop, stderr: () => err };
}

// The policy the embedded UI is served with (ui/server/h_ui.c): the static server uses it too,
// so a CSP violation (an inline script, say) shows up as a console error in the tests.
export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".json": "application/json" };

/** Does assay serve the UI itself? */
async function embedsUi(assayUrl) {
  try {
    const res = await fetch(`${assayUrl}/`);
    return res.ok && (res.headers.get("content-type") || "").startsWith("text/html") && (await res.text()).includes('id="root"');
  } catch {
    return false;
  }
}

/** The URL the browser opens: assay itself if it embeds the UI, else a static server over ui/dist proxying to assay. */
export async function uiOrigin(assayUrl) {
  if (process.env.ASSAY_UI_STATIC !== "1" && (await embedsUi(assayUrl))) return { url: assayUrl, mode: "embedded", stop: async () => {} };
  const index = path.join(UI_DIST, "index.html");
  if (!fs.existsSync(index)) throw new Error(`${index} missing: run \`npm ci && npm run build\` in ui/`);
  const target = new URL(assayUrl);
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, "http://x");
    const isApi = u.pathname.startsWith("/v1/") || ["/healthz", "/readyz", "/metrics", "/arize_phoenix_version", "/openapi.json"].includes(u.pathname);
    if (isApi) {
      const p = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (pr) => {
        res.writeHead(pr.statusCode, pr.headers);
        pr.pipe(res);
      });
      p.on("error", (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      req.pipe(p);
      return;
    }
    let file = path.join(UI_DIST, path.normalize(u.pathname).replace(/^(\.\.[/\\])+/, ""));
    if (!file.startsWith(UI_DIST) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      if (u.pathname.startsWith("/assets/")) {
        res.writeHead(404);
        res.end("not found");
        return;
      }
      file = index; // SPA fallback
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream", "content-security-policy": UI_CSP, "x-content-type-options": "nosniff" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, mode: "static+proxy", stop: () => new Promise((r) => server.close(r)) };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}

/** A page that records console errors, page errors and dialogs. */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const problems = { console: [], pageErrors: [], dialogs: [] };
  page.on("console", (m) => {
    if (m.type() === "error") problems.console.push(m.text());
  });
  page.on("pageerror", (e) => problems.pageErrors.push(String(e)));
  page.on("dialog", async (d) => {
    problems.dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss();
  });
  return { page, context, problems };
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/**
 * Assert that a page had no page error, console error or dialog.  allow:
 * console messages to ignore - a RegExp, or a list of HTTP statuses whose
 * "status of N" messages a test provoked on purpose.
 */
export function clean(problems, what, allow = null) {
  const re = Array.isArray(allow) ? (allow.length ? new RegExp(`status of (${allow.join("|")})`) : null) : allow;
  const consoleErrors = re ? problems.console.filter((m) => !re.test(m)) : problems.console;
  assert.deepEqual(problems.pageErrors, [], `${what}: page errors`);
  assert.deepEqual(consoleErrors, [], `${what}: console errors`);
  assert.deepEqual(problems.dialogs, [], `${what}: dialogs`);
}

/** Close what a suite opened (browser, static origin, server), skipping what was never opened. */
export async function closeAll(browser, origin, assay) {
  await browser?.close();
  await origin?.stop();
  await assay?.stop();
}

/** A JSON REST call to assay: the parsed answer (null when empty); throws naming the call on a non-2xx status. */
export async function restJson(baseUrl, method, path, body) {
  const res = await fetch(`${baseUrl}${path}`, { method, headers: body ? { "content-type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
