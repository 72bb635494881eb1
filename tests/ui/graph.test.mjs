// Browser tests of the agent graph page (/projects/{p}/graph) against a real
// `assay serve` fed over OTLP/JSON.
//   cd tests/ui && ASSAY_BIN=../../build/dev/assay node --test graph.test.mjs
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, describe, test } from "node:test";
import { startAssay, uiOrigin, launchBrowser, newPage, screenshot, scaled, clean, closeAll } from "./lib/harness.mjs";
import { sendSpans, span } from "../../ui/scripts/seed-traces.mjs";

const PROJECT = "planner";
const QUOTES = "quoting";
const WIDE = "wide";
const N = 6; // traces
const PARALLEL = ["research_agent", "budget_agent", "local_experience_agent"];
const ODD = `it's a "quoted" \\ agent`; // a name the filter must escape
const XSS = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
let assay, origin, browser;
let traceIds = [];

const id = (bytes) => crypto.randomBytes(bytes).toString("hex");

/** trip_planner -> three agents in parallel (each a TOOL then an LLM) -> itinerary_agent (an LLM). */
function plannerTrace(t0) {
  const traceId = id(16), root = id(8);
  const spans = [span({ traceId, spanId: root, name: "trip_planner", kind: "AGENT", start: t0, end: t0 + 9000 })];
  PARALLEL.forEach((name, i) => {
    const a = id(8), s = t0 + 20 + i * 15; // overlapping: each runs ~4 s
    spans.push(
      span({ traceId, spanId: a, parentId: root, name, kind: "AGENT", start: s, end: s + 4000 }),
      span({ traceId, spanId: id(8), parentId: a, name: `${name.replace("_agent", "")}_tool`, kind: "TOOL", start: s + 10, end: s + 900 }),
      span({ traceId, spanId: id(8), parentId: a, name: "ChatCompletion", kind: "LLM", start: s + 1000, end: s + 3900, attrs: { "llm.model_name": "gpt-4o-mini", "llm.token_count.prompt": 300, "llm.token_count.completion": 80 } }),
    );
  });
  const it = id(8);
  spans.push(
    span({ traceId, spanId: it, parentId: root, name: "itinerary_agent", kind: "AGENT", start: t0 + 4200, end: t0 + 8900 }),
    span({ traceId, spanId: id(8), parentId: it, name: "ChatCompletion", kind: "LLM", start: t0 + 4300, end: t0 + 8800 }),
  );
  return { traceId, spans };
}

before(async () => {
  assay = await startAssay();
  const now = Date.now();
  const all = [];
  for (let i = 0; i < N; i++) {
    const t = plannerTrace(now - (60 + i * 40) * 60e3); // 1 h .. 4 h 20 ago
    traceIds.push(t.traceId);
    all.push(...t.spans);
  }
  await sendSpans(assay.url, PROJECT, all);
  const q = id(16), r = id(8);
  await sendSpans(assay.url, QUOTES, [
    span({ traceId: q, spanId: r, name: "root", kind: "CHAIN", start: now - 3600e3, end: now - 3590e3 }),
    span({ traceId: q, spanId: id(8), parentId: r, name: ODD, kind: "AGENT", start: now - 3599e3, end: now - 3595e3 }),
    span({ traceId: q, spanId: id(8), parentId: r, name: "it's a", kind: "AGENT", start: now - 3594e3, end: now - 3593e3 }),
    span({ traceId: q, spanId: id(8), parentId: r, name: XSS, kind: "<b>KIND</b>", start: now - 3592e3, end: now - 3591e3 }),
  ]);
  // 60 tools under one chain, 20 of them calling an LLM: a 81-node graph
  const w = id(16), wr = id(8), wide = [span({ traceId: w, spanId: wr, name: "fan_out", kind: "CHAIN", start: now - 7200e3, end: now - 7100e3 })];
  for (let i = 0; i < 60; i++) {
    const t = id(8);
    wide.push(span({ traceId: w, spanId: t, parentId: wr, name: `tool_${String(i).padStart(2, "0")}`, kind: "TOOL", start: now - 7199e3 + i * 1000, end: now - 7199e3 + i * 1000 + 500 }));
    if (i < 20) wide.push(span({ traceId: w, spanId: id(8), parentId: t, name: `llm_${i}`, kind: "LLM", start: now - 7199e3 + i * 1000 + 10, end: now - 7199e3 + i * 1000 + 400 }));
  }
  await sendSpans(assay.url, WIDE, wide);
  origin = await uiOrigin(assay.url);
  browser = await launchBrowser();
});

after(() => closeAll(browser, origin, assay));


const edgeSel = (s, t) => `[data-testid="graph-edge"][data-source="${s}"][data-target="${t}"]`;

describe("agent graph", () => {
  test("the planner, four agents, parallel edges marked parallel, the sequential one not, call counts", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/graph`);
    await page.getByTestId("graph-node").first().waitFor({ timeout: scaled(10000) });
    assert.match(await page.getByTestId("graph-info").innerText(), new RegExp(`^${N} traces · ${N * 12} spans`));

    const agents = await page.locator('[data-testid="graph-node"][data-kind="AGENT"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-name")).sort());
    assert.deepEqual(agents, ["budget_agent", "itinerary_agent", "local_experience_agent", "research_agent", "trip_planner"]);
    const names = await page.locator('[data-testid="graph-node"] [data-testid="node-name"]').allTextContents();
    assert.ok(names.includes("research_agent") && names.includes("ChatCompletion"), names.join());
    const llm = page.locator('[data-testid="graph-node"][data-node-id="LLM:ChatCompletion"]');
    assert.equal(await llm.getAttribute("data-calls"), String(N * 4));
    assert.equal(await llm.getByTestId("node-calls").textContent(), `${N * 4} calls`);

    for (const a of PARALLEL) {
      const e = page.locator(edgeSel("AGENT:trip_planner", `AGENT:${a}`));
      assert.equal(await e.getAttribute("data-parallel"), "true", a);
      assert.equal(await e.getAttribute("data-calls"), String(N));
      assert.equal(await e.getByTestId("edge-label").textContent(), `${N} calls`);
      assert.equal(await e.getByTestId("parallel-badge").count(), 1);
      assert.match(await e.locator("path").evaluate((p) => getComputedStyle(p).strokeDasharray), /\d/, "dashed");
    }
    const seq = page.locator(edgeSel("AGENT:trip_planner", "AGENT:itinerary_agent"));
    assert.equal(await seq.getAttribute("data-parallel"), "false");
    assert.equal(await seq.getByTestId("edge-label").textContent(), `${N} calls`);
    assert.equal(await seq.getByTestId("parallel-badge").count(), 0);
    assert.equal(await seq.locator("path").evaluate((p) => getComputedStyle(p).strokeDasharray), "none");
    // the tool and LLM under one agent run one after the other
    assert.equal(await page.locator(edgeSel("AGENT:research_agent", "LLM:ChatCompletion")).getAttribute("data-parallel"), "false");

    // the shaded "runs in parallel" band holds exactly the three parallel agents
    const band = page.getByTestId("parallel-band");
    assert.equal(await band.count(), 1);
    assert.deepEqual((await band.getAttribute("data-targets")).split(" ").sort(), PARALLEL.map((a) => `AGENT:${a}`).sort());
    assert.match(await page.getByTestId("graph-legend").innerText(), /parallel/);
    await screenshot(page, "40-agent-graph");

    // zoom buttons and fit
    const level = async () => parseInt(await page.getByTestId("zoom-level").innerText(), 10);
    const z0 = await level();
    await page.getByTestId("zoom-in").click();
    await page.waitForFunction((z) => parseInt(document.querySelector('[data-testid="zoom-level"]').textContent, 10) > z, z0);
    await page.getByTestId("zoom-fit").click();
    await page.waitForFunction((z) => parseInt(document.querySelector('[data-testid="zoom-level"]').textContent, 10) === z, z0);
    // the layout can be turned left to right (state in the URL)
    await page.getByTestId("direction").selectOption("LR");
    assert.match(new URL(page.url()).search, /dir=LR/);
    const [px, rx] = await Promise.all(["AGENT:trip_planner", "AGENT:research_agent"].map((n) => page.locator(`[data-node-id="${n}"]`).evaluate((g) => g.getBoundingClientRect().x)));
    assert.ok(rx > px, "left to right");
    clean(problems, "graph");
    await context.close();
  });

  test("clicking a node opens the spans page filtered to that node", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/graph?range=7d`);
    await page.locator('[data-testid="graph-node"][data-name="research_agent"]').click();
    await page.waitForURL(/\/spans\?/);
    const u = new URL(page.url());
    assert.equal(u.pathname, `/projects/${PROJECT}/spans`);
    assert.equal(u.searchParams.get("filter"), "span_kind == 'AGENT' and name == 'research_agent'");
    assert.equal(u.searchParams.get("range"), "7d");
    await page.waitForFunction((n) => document.querySelector('[data-testid="span-count"]')?.textContent === `${n} spans`, N, { timeout: scaled(10000) });
    const names = await page.locator('[data-testid="span-row"] .name').allInnerTexts();
    assert.equal(names.length, N);
    assert.ok(names.every((n) => n === "research_agent"), names.join());
    clean(problems, "node click");
    await context.close();
  });

  test("a name with quotes and a backslash is escaped in the filter", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${QUOTES}/graph`);
    const node = page.locator('[data-testid="graph-node"][data-kind="AGENT"]').filter({ has: page.getByText(ODD, { exact: true }) });
    await node.waitFor({ timeout: scaled(10000) });
    await node.click();
    await page.waitForURL(/\/spans\?/);
    await page.waitForFunction(() => document.querySelector('[data-testid="span-count"]')?.textContent === "1 spans", null, { timeout: scaled(10000) });
    assert.deepEqual(await page.locator('[data-testid="span-row"] .name').allInnerTexts(), [ODD]);
    assert.equal(await page.getByTestId("filter-error").count(), 0);
    clean(problems, "quoted name");
    await context.close();
  });

  test("span names and kinds holding markup are shown as text", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${QUOTES}/graph`);
    const node = page.getByTestId("graph-node").filter({ has: page.getByText(XSS.slice(0, 25) + "…", { exact: true }) });
    await node.waitFor({ timeout: scaled(10000) });
    assert.equal(await node.getAttribute("data-name"), XSS);
    assert.ok(["<b>KIND</b>", "UNKNOWN"].includes(await node.getAttribute("data-kind")));
    assert.equal(await node.getByTestId("node-name").textContent(), XSS.slice(0, 25) + "…");
    assert.equal(await page.locator("main img, main script, main b").count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await page.getByTestId("graph-table").locator("summary").click();
    assert.equal(await page.getByTestId("graph-table").getByRole("link", { name: XSS }).count(), 1);
    assert.equal(await page.locator("main img, main script, main b").count(), 0);
    clean(problems, "markup");
    await context.close();
  });

  test("an 81-node graph: fitted, wheel zoom, drag pan; a drag does not open a node", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${WIDE}/graph`);
    await page.getByTestId("graph-node").nth(80).waitFor({ state: "attached", timeout: scaled(10000) });
    assert.equal(await page.getByTestId("graph-node").count(), 81);
    assert.equal(await page.getByTestId("graph-edge").count(), 80);
    const level = async () => parseInt(await page.getByTestId("zoom-level").innerText(), 10);
    // too wide to fit readably: it opens at 70% on the entry node, which is in view
    assert.equal(await level(), 70);
    const canvas = await page.getByTestId("graph-canvas").boundingBox();
    const root = await page.locator('[data-node-id="CHAIN:fan_out"]').boundingBox();
    assert.ok(root.x > canvas.x && root.x + root.width < canvas.x + canvas.width && root.y > canvas.y && root.y + root.height < canvas.y + canvas.height, "entry node in view");
    await screenshot(page, "42-agent-graph-81-nodes");
    // "fit" shows all of it
    await page.getByTestId("zoom-fit").click();
    await page.waitForFunction(() => parseInt(document.querySelector('[data-testid="zoom-level"]').textContent, 10) < 45);
    const fitted = await level();
    const drawing = await page.locator('[data-testid="graph-svg"] > g').boundingBox();
    assert.ok(drawing.x >= canvas.x - 1 && drawing.x + drawing.width <= canvas.x + canvas.width + 1, "fits horizontally");
    // wheel zoom in about the cursor
    const node = page.locator('[data-node-id="TOOL:tool_07"]');
    const nb = await node.boundingBox();
    await page.mouse.move(nb.x + nb.width / 2, nb.y + nb.height / 2);
    await page.mouse.wheel(0, -600);
    await page.waitForFunction((z) => parseInt(document.querySelector('[data-testid="zoom-level"]').textContent, 10) > z, fitted);
    // drag the node: the view pans and the page stays
    const before = await node.boundingBox();
    await page.mouse.move(before.x + 20, before.y + 20);
    await page.mouse.down();
    await page.mouse.move(before.x + 80, before.y + 60, { steps: 5 });
    await page.mouse.up();
    const after = await node.boundingBox();
    assert.ok(Math.abs(after.x - before.x - 60) < 2 && Math.abs(after.y - before.y - 40) < 2, `panned ${after.x - before.x},${after.y - before.y}`);
    assert.equal(new URL(page.url()).pathname, `/projects/${WIDE}/graph`);
    // a plain click still opens it
    await node.click();
    await page.waitForURL(/\/spans\?/);
    assert.equal(new URL(page.url()).searchParams.get("filter"), "span_kind == 'TOOL' and name == 'tool_07'");
    clean(problems, "wide graph");
    await context.close();
  });

  test("the graph of one trace", async () => {
    const { page, context, problems } = await newPage(browser);
    const tid = traceIds[0];
    await page.goto(`${origin.url}/projects/${PROJECT}/graph?trace=${tid}`);
    await page.getByTestId("graph-node").first().waitFor({ timeout: scaled(10000) });
    assert.match(await page.locator("main h1").innerText(), /one trace/);
    assert.match(await page.getByTestId("graph-info").innerText(), /^1 trace · 12 spans/);
    const back = page.getByTestId("graph-trace").getByRole("link", { name: tid });
    assert.equal(await back.getAttribute("href"), `/projects/${PROJECT}/traces/${tid}`);
    assert.equal(await page.locator('[data-node-id="AGENT:research_agent"]').getAttribute("data-calls"), "1");
    assert.equal(await page.locator(edgeSel("AGENT:trip_planner", "AGENT:budget_agent")).getAttribute("data-parallel"), "true");
    assert.equal(await page.getByTestId("range").count(), 0, "no time range for one trace");
    await screenshot(page, "41-agent-graph-trace");
    // a node of a one-trace graph opens that trace's spans only
    await page.locator('[data-node-id="LLM:ChatCompletion"]').click();
    await page.waitForURL(/\/spans\?/);
    assert.equal(new URL(page.url()).searchParams.get("filter"), `span_kind == 'LLM' and name == 'ChatCompletion' and trace_id == '${tid}'`);
    await page.waitForFunction(() => document.querySelector('[data-testid="span-count"]')?.textContent === "4 spans", null, { timeout: scaled(10000) });
    clean(problems, "trace graph");
    await context.close();
  });

  test("empty range and unknown project", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/graph?range=15m`);
    const empty = page.getByTestId("graph-empty");
    await empty.waitFor({ timeout: scaled(10000) });
    assert.match(await empty.innerText(), /No spans in this time range/);
    assert.equal(await page.getByTestId("graph-node").count(), 0);
    await page.goto(`${origin.url}/projects/no-such-project/graph`);
    const err = page.getByTestId("graph-error");
    await err.waitFor({ timeout: scaled(10000) });
    assert.match(await err.innerText(), /no-such-project/);
    clean(problems, "empty/error", /status of 404/);
    await context.close();
  });
});
