// `assay eval` end to end: the real binary against the mock LLM server
// (tests/mockllm), every provider's wire format, retries, adaptive
// concurrency, timeouts, NOT_PARSABLE, caching, resume, bad input, CI exit
// codes.  Labels are steered with the mock's inline directives
// ([[mock label=...]]) carried in the data, so every expectation is exact.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { MockLLM, readJsonl, runEval, tmpdir, writeCsv } from "./lib/mock.mjs";

const HEADER = ["input", "reference", "output"];

function rows(n, label = (i) => (i % 3 === 0 ? "hallucinated" : "factual")) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const l = label(i);
    out.push({
      input: `What is the capital of country ${i}?`,
      reference: `Country ${i} has its capital in City ${i}, a port on the coast.`,
      output: `The capital is City ${i}. ${l ? `[[mock label=${l}]]` : ""}`,
    });
  }
  return out;
}

describe("assay eval against the mock LLM", () => {
  let mock;
  let dir;
  const env = () => ({ OPENAI_API_KEY: "sk-test-secret-0000", ASSAY_DATA: path.join(dir, "data") });
  const model = () => `openai:gpt-4o-mini@${mock.url}/v1`;

  before(async () => {
    mock = await new MockLLM(["--api-key", "sk-test-secret-0000"]).start();
    dir = tmpdir();
  });
  after(async () => {
    await mock.stop();
  });

  test("hallucination judge + code evaluator: complete output and summary", async () => {
    await mock.reset();
    const data = writeCsv(path.join(dir, "basic.csv"), HEADER, rows(30));
    const out = path.join(dir, "basic.jsonl");
    const r = await runEval(
      ["--data", data, "--evaluator", "hallucination", "--evaluator", "max_length:500",
       "--model", model(), "--out", out, "--no-cache", "--concurrency", "8"],
      { env: env() },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const recs = readJsonl(out);
    assert.equal(recs.length, 30);
    const byRow = new Map(recs.map((x) => [x.row, x]));
    assert.equal(byRow.size, 30);
    for (let i = 0; i < 30; i++) {
      const rec = byRow.get(i);
      const h = rec.evals.hallucination;
      const want = i % 3 === 0 ? "hallucinated" : "factual";
      assert.equal(h.label, want, `row ${i}`);
      assert.equal(h.score, want === "factual" ? 1 : 0);
      assert.equal(h.passed, want === "factual");
      assert.match(h.explanation, /mock explanation/);
      assert.ok(h.raw.includes("tool_calls"), "raw response kept");
      assert.ok(h.prompt_tokens > 0 && h.completion_tokens > 0);
      assert.equal(h.cost_usd > 0, true);
      assert.equal(rec.evals.max_length.label, "pass");
      assert.equal(rec.data.input, `What is the capital of country ${i}?`);
    }
    assert.match(r.stdout, /hallucination \(judge/);
    assert.match(r.stdout, /factual 20 \(66\.7%\), hallucinated 10 \(33\.3%\)|hallucinated 10 \(33\.3%\), factual 20 \(66\.7%\)/);
    assert.match(r.stdout, /pass rate\s+66\.7% \[48\.8%, 80\.8%\] \(Wilson 95%/);
    assert.match(r.stdout, /max_length \(code\)/);
    const st = await mock.stats();
    assert.equal(st.requests, 30);
    // The key went in the Authorization header, nowhere else.
    const reqs = await mock.requests(30);
    for (const q of reqs) {
      assert.equal(q.headers.authorization, "Bearer sk-test-secret-0000");
      assert.ok(!JSON.stringify(q.body).includes("sk-test-secret"));
      assert.equal(q.body.model, "gpt-4o-mini");
      assert.equal(q.body.temperature, 0);
      assert.equal(q.body.tool_choice.function.name, "record_label");
      assert.deepEqual(q.body.tools[0].function.parameters.properties.label.enum, ["factual", "hallucinated"]);
    }
    assert.ok(!fs.readFileSync(out, "utf8").includes("sk-test-secret"));
    assert.ok(!r.stdout.includes("sk-test-secret") && !r.stderr.includes("sk-test-secret"));
  });

  test("CSV output, JUnit and --fail-under exit status", async () => {
    const data = writeCsv(path.join(dir, "gate.csv"), HEADER, rows(10));
    const out = path.join(dir, "gate.csv.out.csv");
    const junit = path.join(dir, "junit.xml");
    const r = await runEval(
      ["--data", data, "--evaluator", "hallucination", "--model", model(), "--out", out,
       "--fail-under", "factual=0.9", "--fail-under", "hallucination=50%", "--junit", junit],
      { env: env() },
    );
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /FAIL --fail-under factual=0\.9: 60\.0% \(needs 90\.0%\)/);
    assert.match(r.stdout, /ok   --fail-under hallucination=50%: 60\.0%/);
    const csv = fs.readFileSync(out, "utf8").split("\r\n").filter(Boolean);
    assert.equal(csv.length, 11);
    assert.match(csv[0], /^row,input,reference,output,hallucination\.label,hallucination\.score,/);
    const xml = fs.readFileSync(junit, "utf8");
    assert.match(xml, /<testcase classname="threshold" name="factual=0.9">\s*<failure message="0.6000 is below 0.9000"/);
  });

  test("every provider's wire format: anthropic, gemini, azure, openai json/text", async () => {
    const data = writeCsv(path.join(dir, "prov.csv"), HEADER, rows(3, () => "hallucinated"));
    const cases = [
      { model: "anthropic:claude-sonnet-4-5", env: { ANTHROPIC_API_KEY: "sk-test-secret-0000", ANTHROPIC_BASE_URL: mock.url },
        check: (q) => {
          assert.equal(q.path, "/v1/messages");
          assert.equal(q.headers["x-api-key"], "sk-test-secret-0000");
          assert.equal(q.headers["anthropic-version"], "2023-06-01");
          assert.equal(q.body.tool_choice.type, "tool");
          assert.ok(typeof q.body.system === "string" && q.body.system.length > 0);
          assert.ok(q.body.max_tokens > 0);
        } },
      { model: "gemini:gemini-2.0-flash", env: { GEMINI_API_KEY: "sk-test-secret-0000", GEMINI_BASE_URL: mock.url },
        check: (q) => {
          assert.equal(q.path, "/v1beta/models/gemini-2.0-flash:generateContent");
          assert.equal(q.headers["x-goog-api-key"], "sk-test-secret-0000");
          assert.equal(q.body.toolConfig.functionCallingConfig.mode, "ANY");
          assert.ok(q.body.systemInstruction.parts[0].text.length > 0);
        } },
      { model: "azure:my-judge", env: { AZURE_OPENAI_API_KEY: "sk-test-secret-0000", AZURE_OPENAI_ENDPOINT: mock.url },
        check: (q) => {
          assert.equal(q.path, "/openai/deployments/my-judge/chat/completions");
          assert.match(q.query["api-version"], /^\d{4}-\d{2}-\d{2}/);
          assert.equal(q.headers["api-key"], "sk-test-secret-0000");
        } },
      { model: model(), args: ["--answer", "json"],
        check: (q) => assert.equal(q.body.response_format.type, "json_schema") },
      { model: model(), args: ["--answer", "text"],
        check: (q) => {
          assert.equal(q.body.tools, undefined);
          assert.match(q.body.messages.at(-1).content, /LABEL:/);
        } },
    ];
    for (const c of cases) {
      await mock.reset();
      const out = path.join(dir, `prov-${cases.indexOf(c)}.jsonl`);
      const r = await runEval(
        ["--data", data, "--evaluator", "hallucination", "--model", c.model, "--out", out,
         "--no-cache", ...(c.args || [])],
        { env: { ...env(), ...(c.env || {}) } },
      );
      assert.equal(r.code, 0, `${c.model}: ${r.stderr}${r.stdout}`);
      const recs = readJsonl(out);
      assert.equal(recs.length, 3);
      for (const rec of recs) assert.equal(rec.evals.hallucination.label, "hallucinated", c.model);
      const reqs = await mock.requests(3);
      assert.equal(reqs.length, 3);
      for (const q of reqs) {
        c.check(q);
        assert.ok(!JSON.stringify(q.body).includes("sk-test-secret"), "key not in body");
      }
    }
  });

  test("NOT_PARSABLE answers are counted, never guessed", async () => {
    await mock.reset();
    const data = writeCsv(path.join(dir, "np.csv"), HEADER, [
      { input: "q", reference: "r", output: "a [[mock text=perhaps_both_factual_and_hallucinated]]" },
      { input: "q", reference: "r", output: "a [[mock text=no_idea]]" },
      { input: "q", reference: "r", output: "a [[mock label=factual]]" },
    ]);
    const out = path.join(dir, "np.jsonl");
    const r = await runEval(["--data", data, "--evaluator", "hallucination", "--model", model(),
      "--out", out, "--answer", "text", "--no-cache"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const recs = readJsonl(out).sort((a, b) => a.row - b.row);
    assert.equal(recs[0].evals.hallucination.label, "NOT_PARSABLE");
    assert.equal(recs[0].evals.hallucination.score, null);
    assert.equal(recs[1].evals.hallucination.label, "NOT_PARSABLE");
    assert.equal(recs[2].evals.hallucination.label, "factual");
    assert.match(r.stdout, /not parsable\s+2\s+errors 0/);
    assert.match(r.stdout, /pass rate\s+100\.0% .*1 of 1 scored rows/);
  });

  test("retries: 500s and 429s with Retry-After are retried; malformed bodies too", async () => {
    await mock.reset();
    const data = writeCsv(path.join(dir, "retry.csv"), HEADER, [
      { input: "q1", reference: "r", output: "a [[mock status=500 times=2 label=factual]]" },
      { input: "q2", reference: "r", output: "a [[mock status=429 retry_after_ms=50 times=1 label=factual]]" },
      { input: "q3", reference: "r", output: "a [[mock body=truncated times=1 label=factual]]" },
      { input: "q4", reference: "r", output: "a [[mock body=malformed times=2 label=factual]]" },
      { input: "q5", reference: "r", output: "a [[mock status=400 label=factual]]" },
    ]);
    const out = path.join(dir, "retry.jsonl");
    const r = await runEval(["--data", data, "--evaluator", "hallucination", "--model", model(),
      "--out", out, "--no-cache"], { env: env() });
    assert.equal(r.code, 3, "a row failed for good (HTTP 400): incomplete run");
    const recs = readJsonl(out).sort((a, b) => a.row - b.row);
    assert.equal(recs.length, 5, "nothing dropped");
    assert.equal(recs[0].evals.hallucination.label, "factual");
    assert.equal(recs[0].evals.hallucination.attempts, 3);
    assert.equal(recs[1].evals.hallucination.attempts, 2);
    assert.equal(recs[2].evals.hallucination.attempts, 2);
    assert.equal(recs[3].evals.hallucination.attempts, 3);
    assert.match(recs[4].evals.hallucination.error, /^HTTP 400 from http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(recs[4].evals.hallucination.attempts, 1, "4xx is not retried");
    assert.match(r.stdout, /errors 1/);
    assert.match(r.stderr, /1 rows failed/);
  });

  test("adaptive concurrency: 429s cut the limit and every row completes", async () => {
    const m = await new MockLLM(["--rate-429", "0.2", "--retry-after-ms", "20", "--latency-ms", "20", "--seed", "7"]).start();
    try {
      const data = writeCsv(path.join(dir, "adapt.csv"), HEADER, rows(120, () => ""));
      const out = path.join(dir, "adapt.jsonl");
      const r = await runEval(["--data", data, "--evaluator", "hallucination",
        "--model", `openai:gpt-4o-mini@${m.url}/v1`, "--out", out, "--no-cache", "--concurrency", "16",
        "--retries", "20"], { env: env() });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const recs = readJsonl(out);
      assert.equal(recs.length, 120);
      assert.ok(recs.every((x) => x.evals.hallucination.label), "zero lost rows");
      const st = await m.stats();
      assert.ok(st.by_status["429"] > 5, `429s injected: ${JSON.stringify(st)}`);
      assert.equal(st.by_status["200"], 120);
      const throttled = Number(r.stdout.match(/(\d+) throttled/)[1]);
      assert.equal(throttled, st.by_status["429"]);
      assert.ok(st.max_in_flight <= 16, `never above the limit: ${st.max_in_flight}`);
      const lowest = Number(r.stdout.match(/concurrency limit \d+ \(lowest (\d+)\)/)[1]);
      assert.ok(lowest < 16, `the limit was cut: lowest ${lowest}`);
    } finally {
      await m.stop();
    }
  });

  test("timeouts: a hung call fails with a clear error, the run does not hang", async () => {
    await mock.reset();
    const data = writeCsv(path.join(dir, "slow.csv"), HEADER, [
      { input: "q", reference: "r", output: "a [[mock delay_ms=5000]]" },
      { input: "q", reference: "r", output: "b [[mock label=factual]]" },
    ]);
    const out = path.join(dir, "slow.jsonl");
    const t0 = Date.now();
    const r = await runEval(["--data", data, "--evaluator", "hallucination", "--model", model(),
      "--out", out, "--no-cache", "--timeout", "300", "--retries", "1"], { env: env() });
    assert.ok(Date.now() - t0 < 4500, "gave up well before the mock answered");
    assert.equal(r.code, 3);
    const recs = readJsonl(out).sort((a, b) => a.row - b.row);
    assert.match(recs[0].evals.hallucination.error, /gave up after 2 attempts: .*no answer within \d+ ms/);
    assert.equal(recs[1].evals.hallucination.label, "factual");
  });

  test("--deadline bounds a call, retries included", async () => {
    await mock.reset();
    const data = writeCsv(path.join(dir, "deadline.csv"), HEADER, [
      { input: "q", reference: "r", output: "a [[mock status=503 retry_after_ms=400]]" },
    ]);
    const out = path.join(dir, "deadline.jsonl");
    const r = await runEval(["--data", data, "--evaluator", "hallucination", "--model", model(),
      "--out", out, "--no-cache", "--deadline", "1000", "--retries", "50"], { env: env() });
    assert.equal(r.code, 3);
    const [rec] = readJsonl(out);
    assert.match(rec.evals.hallucination.error, /^deadline of 1000 ms reached after [23] attempts: HTTP 503 from /);
  });

  test("a dead endpoint fails fast with a clear message", async () => {
    const data = writeCsv(path.join(dir, "dead.csv"), HEADER, rows(50));
    const out = path.join(dir, "dead.jsonl");
    const t0 = Date.now();
    const r = await runEval(["--data", data, "--evaluator", "hallucination",
      "--model", "openai:gpt-4o-mini@http://127.0.0.1:9/v1", "--out", out], { env: env() });
    assert.ok(Date.now() - t0 < 15000);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /cannot connect to http:\/\/127\.0\.0\.1:9.*rerun with --resume/s);
    assert.equal(readJsonl(out).length, 0, "no row is recorded as evaluated");
  });

  test("cache: a second identical run makes no network call", async () => {
    await mock.reset();
    const cenv = { ...env(), ASSAY_DATA: path.join(dir, "cache-data") };
    const data = writeCsv(path.join(dir, "cache.csv"), HEADER, rows(12));
    const a = path.join(dir, "cache-a.jsonl");
    const b = path.join(dir, "cache-b.jsonl");
    let r = await runEval(["--data", data, "--evaluator", "hallucination", "--model", model(), "--out", a], { env: cenv });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await mock.stats()).requests, 12);
    r = await runEval(["--data", data, "--evaluator", "hallucination", "--model", model(), "--out", b], { env: cenv });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await mock.stats()).requests, 12, "no new request");
    const ra = readJsonl(a).sort((x, y) => x.row - y.row);
    const rb = readJsonl(b).sort((x, y) => x.row - y.row);
    for (let i = 0; i < 12; i++) {
      assert.equal(rb[i].evals.hallucination.cached, true);
      assert.equal(rb[i].evals.hallucination.label, ra[i].evals.hallucination.label);
      assert.equal(rb[i].evals.hallucination.cost_usd, 0);
    }
    assert.match(r.stdout, /12 from the cache/);
    // --no-cache goes to the network again.
    r = await runEval(["--data", data, "--evaluator", "hallucination", "--model", model(), "--out", b, "--no-cache"], { env: cenv });
    assert.equal((await mock.stats()).requests, 24);
  });

  test("resume: only the missing rows are evaluated; a torn last line is cut", async () => {
    await mock.reset();
    const data = writeCsv(path.join(dir, "resume.csv"), HEADER, rows(20));
    const out = path.join(dir, "resume.jsonl");
    let r = await runEval(["--data", data, "--evaluator", "hallucination", "--model", model(), "--out", out, "--no-cache"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const lines = fs.readFileSync(out, "utf8").split("\n").filter(Boolean);
    // Keep 7 complete lines and half of the 8th, as a crash would leave it.
    fs.writeFileSync(out, lines.slice(0, 7).join("\n") + "\n" + lines[7].slice(0, 40));
    await mock.reset();
    r = await runEval(["--data", data, "--evaluator", "hallucination", "--model", model(), "--out", out, "--no-cache", "--resume"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await mock.stats()).requests, 13);
    const recs = readJsonl(out);
    assert.equal(recs.length, 20);
    assert.deepEqual([...new Set(recs.map((x) => x.row))].sort((a, b) => a - b), [...Array(20).keys()]);
    assert.match(r.stdout, /20 of 20 rows .*\(7 from the resumed output\)/);
    assert.match(r.stdout, /factual 13 \(65\.0%\)|hallucinated 7 \(35\.0%\)/);
  });

  test("^C stops the run, keeps finished rows, and --resume completes it", async () => {
    const m = await new MockLLM(["--latency-ms", "150"]).start();
    try {
      const data = writeCsv(path.join(dir, "int.csv"), HEADER, rows(40));
      const out = path.join(dir, "int.jsonl");
      const args = ["--data", data, "--evaluator", "hallucination", "--model", `openai:gpt-4o-mini@${m.url}/v1`,
        "--out", out, "--no-cache", "--concurrency", "2"];
      const r = await runEval(args, {
        env: env(),
        onSpawn: (p) => {
          let err = "";
          let sent = false;
          p.stderr.on("data", (d) => {
            err += d;
            if (!sent && /assay eval: [1-9]\d*\/40 rows/.test(err)) {
              sent = true;               // one ^C: a second one kills, as in a shell
              p.kill("SIGINT");
            }
          });
        },
      });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /interrupted after \d+ of 40 rows; continue with --resume/);
      const partial = readJsonl(out);
      assert.ok(partial.length >= 1 && partial.length < 40, `${partial.length} rows kept`);
      assert.ok(partial.every((x) => x.evals.hallucination.label), "no cancelled row was written");
      const r2 = await runEval([...args, "--resume", "--concurrency", "8"], { env: env() });
      assert.equal(r2.code, 0, r2.stderr);
      const all = readJsonl(out);
      assert.equal(all.length, 40);
      assert.equal(new Set(all.map((x) => x.row)).size, 40);
    } finally {
      await m.stop();
    }
  });

  test("--repeat records every answer, agreement and the flip rate", async () => {
    await mock.reset();
    const data = writeCsv(path.join(dir, "rep.csv"), HEADER, rows(6));
    const out = path.join(dir, "rep.jsonl");
    const r = await runEval(["--data", data, "--evaluator", "hallucination", "--model", model(),
      "--out", out, "--repeat", "3"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await mock.stats()).requests, 18, "repeats bypass the cache");
    for (const rec of readJsonl(out)) {
      const h = rec.evals.hallucination;
      assert.equal(h.repeats.length, 3);
      assert.equal(h.agreement, 1);
      assert.equal(h.flip, 0);
      assert.equal(h.unstable, false);
    }
    assert.match(r.stdout, /flip rate\s+0\.000 .* over 6 rows/);
  });

  test("bad input is refused before any call, naming the problem", async () => {
    await mock.reset();
    const good = writeCsv(path.join(dir, "good.csv"), ["question", "answer"], [{ question: "q", answer: "a" }]);
    const bad = path.join(dir, "bad.csv");
    fs.writeFileSync(bad, 'input,reference,output\n"a,b,c\nx,"y"z,w\n');
    const badUtf8 = path.join(dir, "bad-utf8.csv");
    fs.writeFileSync(badUtf8, Buffer.concat([Buffer.from("input,reference,output\nq,r,"), Buffer.from([0xff, 0xfe]), Buffer.from("\n")]));
    const cases = [
      [["--data", good, "--evaluator", "hallucination", "--model", model()],
        /variable 'input' has no column in .*good\.csv \(columns: question, answer\); map one with --map input=COLUMN/],
      [["--data", good, "--evaluator", "hallucination", "--model", model(), "--map", "input=question", "--map", "output=answer", "--map", "reference=nope"],
        /--map reference=nope names column 'nope'/],
      [["--data", good, "--evaluator", "halucination", "--model", model()], /unknown evaluator 'halucination'.*hallucination/],
      [["--data", good, "--evaluator", "hallucination", "--model", "openia:gpt-4o"], /unknown provider 'openia'/],
      [["--data", good, "--evaluator", "hallucination"], /judges need --model/],
      [["--data", bad, "--evaluator", "max_length:10"], /bad\.csv:\d+(:\d+)?: /],
      [["--data", badUtf8, "--evaluator", "max_length:10"], /bad-utf8\.csv:2(:\d+)?: .*UTF-8/],
      [["--data", path.join(dir, "missing.csv"), "--evaluator", "max_length:10"], /missing\.csv/],
      [["--data", good, "--evaluator", "max_length:-3"], /max_length/],
    ];
    for (const [args, re] of cases) {
      const r = await runEval(args, { env: { ...env(), OPENAI_API_KEY: "" } });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    assert.equal((await mock.stats()).requests, 0, "no call was made");
  });

  test("a wrong key fails at once with the provider's message (401 is not retried)", async () => {
    await mock.reset();
    const data = writeCsv(path.join(dir, "badkey.csv"), HEADER, rows(2));
    const out = path.join(dir, "badkey.jsonl");
    const r = await runEval(["--data", data, "--evaluator", "hallucination", "--model", model(), "--out", out, "--no-cache"],
      { env: { ...env(), OPENAI_API_KEY: "sk-wrong-key-99999" } });
    assert.equal(r.code, 3);
    const recs = readJsonl(out);
    assert.equal(recs.length, 2);
    for (const x of recs) {
      assert.match(x.evals.hallucination.error, /^HTTP 401 from http:\/\/127\.0\.0\.1:\d+: Incorrect API key/);
      assert.equal(x.evals.hallucination.attempts, 1);
    }
    assert.equal((await mock.stats()).requests, 2);
    assert.ok(!fs.readFileSync(out, "utf8").includes("sk-wrong-key"));
  });

  test("a hosted provider without a key names the variable to set", async () => {
    const data = writeCsv(path.join(dir, "nokey.csv"), HEADER, rows(1));
    const r = await runEval(["--data", data, "--evaluator", "hallucination", "--model", "anthropic:claude-sonnet-4-5"],
      { env: { ANTHROPIC_API_KEY: "", XDG_CONFIG_HOME: dir } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no API key: set ANTHROPIC_API_KEY/);
  });
});
