// The mock LLM server (tests/mockllm) and `assay eval` runs for the
// evaluation-engine tests.  The mock prints
// "mockllm: listening on http://127.0.0.1:PORT" once it accepts connections;
// we synchronise on that line only.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { ASSAY_BIN, scaled } from "./server.mjs";

export const MOCK_BIN =
  process.env.ASSAY_MOCKLLM || path.join(path.dirname(ASSAY_BIN), "mockllm");

const live = new Set();
process.on("exit", () => {
  for (const p of live) {
    try {
      p.kill("SIGKILL");
    } catch {
      /* gone */
    }
  }
});

export class MockLLM {
  constructor(args = []) {
    this.args = args;
  }

  async start() {
    if (!fs.existsSync(MOCK_BIN)) throw new Error(`mock LLM not found at ${MOCK_BIN} (make builds it)`);
    this.proc = spawn(MOCK_BIN, ["--port", "0", ...this.args], { stdio: ["ignore", "pipe", "pipe"] });
    live.add(this.proc);
    let out = "";
    let err = "";
    this.proc.stderr.on("data", (d) => (err += d));
    this.url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mockllm did not start: ${err}`)), scaled(10000));
      this.proc.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/mockllm: listening on (http:\/\/127\.0\.0\.1:\d+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      this.proc.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`mockllm exited with ${code}: ${err}`));
      });
    });
    return this;
  }

  async stats() {
    return (await fetch(`${this.url}/_mock/stats`)).json();
  }

  async requests(last = 256) {
    return (await fetch(`${this.url}/_mock/requests?last=${last}`)).json();
  }

  async reset() {
    await fetch(`${this.url}/_mock/reset`, { method: "POST" });
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    const done = new Promise((r) => this.proc.on("exit", r));
    this.proc.kill("SIGTERM");
    await done;
    live.delete(this.proc);
  }
}

export function tmpdir(prefix = "assay-eval-") {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// Quote a CSV field (RFC 4180).
function csvField(v) {
  const s = String(v);
  return /[",\r\n]/.test(s) || s.startsWith(" ") ? `"${s.replace(/"/g, '""')}"` : s;
}

export function writeCsv(file, header, rows) {
  const lines = [header.map(csvField).join(",")];
  for (const r of rows) lines.push(header.map((h) => csvField(r[h] ?? "")).join(","));
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

export function readJsonl(file) {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.length)
    .map((l) => JSON.parse(l));
}

// Run `assay eval ARGS` to completion; resolves {code, stdout, stderr}.
export function runEval(args, opts = {}) {
  return runAssay(["eval", ...args], opts);
}

// Run `assay ARGV` to completion (killed after timeoutMs, scaled); resolves
// {code, signal, stdout, stderr}.  onSpawn(proc) sees the process,
// onStderr(text so far, proc) each piece of its stderr.
export function runAssay(argv, { env = {}, timeoutMs = 60000, onSpawn, onStderr } = {}) {
  const what = `assay ${argv.slice(0, argv[0] === "experiment" ? 2 : 1).join(" ")}`;
  return new Promise((resolve, reject) => {
    const p = spawn(ASSAY_BIN, argv, {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ASAN_OPTIONS: process.env.ASAN_OPTIONS || "",
        UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || "",
        ...env,
      },
    });
    live.add(p);
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => {
      stderr += d;
      if (onStderr) onStderr(stderr, p);
    });
    const timer = setTimeout(() => {
      p.kill("SIGKILL");
      reject(new Error(`${what} timed out: ${stderr}`));
    }, scaled(timeoutMs));
    if (onSpawn) onSpawn(p);
    p.on("exit", (code, signal) => {
      clearTimeout(timer);
      live.delete(p);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
