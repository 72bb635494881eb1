// End-to-end browser tests of the web UI against a real `assay serve`.
//   cd tests/ui && npm ci && npm test        (needs ui/dist built and /usr/bin/chromium)
// Screenshots of each page go to tests/ui/artifacts/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startAssay, uiOrigin, launchBrowser, newPage, screenshot, scaled, clean, closeAll } from "./lib/harness.mjs";
import { buildTraceSet, sendSpans, span } from "../../ui/scripts/seed-traces.mjs";

const PROJECT = "trip-planner";
let assay, origin, browser;
let traces; // the seeded traces (arrays of OTLP spans)

before(async () => {
  assay = await startAssay();
  traces = buildTraceSet({ traces: 30, hours: 20, seed: 42, big: 5000 });
  await sendSpans(assay.url, PROJECT, traces.flat());
  origin = await uiOrigin(assay.url);
  console.log(`# UI served ${origin.mode} at ${origin.url}`);
  browser = await launchBrowser();
});

after(() => closeAll(browser, origin, assay));


describe("pages", () => {
  test("projects page shows a card per project with figures and a sparkline", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/`);
    const card = page.getByTestId("project-card").filter({ hasText: PROJECT });
    await card.getByText("p95 latency").waitFor({ timeout: scaled(10000) });
    const text = await card.innerText();
    assert.match(text, /\b31\b\s*traces/, text); // 30 trip-planner traces + the 5,000-span one
    assert.match(text, /error rate/);
    // the sparkline is drawn after its card's figures are on screen: wait for its canvas
    await card.locator(".sparkline canvas").waitFor({ timeout: scaled(10000) });
    await screenshot(page, "01-projects");
    clean(problems, "projects");
    await context.close();
  });

  test("navigation: every main page loads cleanly, also from a deep link", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects`);
    for (const [label, path] of [["Datasets", "/datasets"], ["Experiments", "/experiments"], ["Labelling", "/labelling"], ["Judge agreement", "/agreement"], ["Metrics", "/charts"]]) {
      await page.getByRole("navigation", { name: "main" }).getByRole("link", { name: label, exact: true }).click();
      await page.locator("main h1").first().waitFor();
      assert.equal(new URL(page.url()).pathname, path);
    }
    // a deep link straight to a UI route works (SPA fallback)
    await page.goto(`${origin.url}/datasets`);
    await page.locator("main h1").first().waitFor();
    clean(problems, "navigation");
    await context.close();
  });

  test("spans table lists spans; root-only and time range change the query", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/spans`);
    await page.getByTestId("span-row").first().waitFor({ timeout: scaled(10000) });
    // virtualised: far fewer DOM rows than spans
    const domRows = await page.getByTestId("span-row").count();
    assert.ok(domRows > 10 && domRows < 120, `dom rows ${domRows}`);
    await screenshot(page, "02-spans");
    await page.getByTestId("root-only").check();
    await page.waitForFunction(() => document.querySelector('[data-testid="span-count"]')?.textContent?.startsWith("31 spans"), null, { timeout: scaled(10000) });
    const kinds = await page.locator('[data-testid="span-row"] .kind').allInnerTexts();
    assert.ok(kinds.length > 0);
    const names = await page.locator('[data-testid="span-row"] .name').allInnerTexts();
    assert.ok(names.every((n) => n === "trip-planner" || n === "big-batch"), names.join(","));
    await page.getByTestId("range").selectOption("15m");
    await page.waitForFunction(() => document.querySelector('[data-testid="span-count"]')?.textContent === "0 spans", null, { timeout: scaled(10000) });
    clean(problems, "spans");
    await context.close();
  });

  test("sorting by latency is done by the server over every span in the range", async () => {
    const { page, context, problems } = await newPage(browser);
    // the 500 newest spans are the first page; the slowest spans of the range are older ones
    const slowest = await (await fetch(`${assay.url}/v1/projects/${PROJECT}/spans?sort=latency_ms&limit=3`)).json();
    await page.goto(`${origin.url}/projects/${PROJECT}/spans?range=all`);
    await page.getByTestId("span-row").first().waitFor({ timeout: scaled(10000) });
    await page.getByTestId("sort-latency").click();
    const want = slowest.data.map((s) => s.context.span_id);
    await page.waitForFunction((w) => {
      const ids = [...document.querySelectorAll('[data-testid="span-row"]')].slice(0, 3).map((r) => r.getAttribute("data-span-id"));
      return JSON.stringify(ids) === JSON.stringify(w);
    }, want, { timeout: scaled(10000) });
    assert.match(new URL(page.url()).search, /sort=latency/);
    await page.getByTestId("sort-latency").click(); // ascending: the fastest first
    const fastest = await (await fetch(`${assay.url}/v1/projects/${PROJECT}/spans?sort=latency_ms&order=asc&limit=1`)).json();
    await page.waitForFunction((id) => document.querySelector('[data-testid="span-row"]')?.getAttribute("data-span-id") === id, fastest.data[0].context.span_id, { timeout: scaled(10000) });
    clean(problems, "sort");
    await context.close();
  });

  test("filter expression filters and a syntax error shows its position", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/spans?range=all`);
    await page.getByTestId("span-row").first().waitFor({ timeout: scaled(10000) });
    const input = page.getByTestId("filter-input");
    await input.fill("span_kind == 'LLM' and latency_ms > 1000");
    await input.press("Enter");
    await page.waitForFunction(() => {
      const k = [...document.querySelectorAll('[data-testid="span-row"] .kind')].map((e) => e.textContent);
      return k.length > 0 && k.every((x) => x === "LLM");
    }, null, { timeout: scaled(10000) });
    assert.match(new URL(page.url()).search, /filter=/);
    await screenshot(page, "03-spans-filtered");
    // syntax error: the server answers 400 "filter: column 11: ..."; the UI shows it with a caret under column 11
    await input.fill("span_kind === 'LLM'");
    await input.press("Enter");
    const err = page.getByTestId("filter-error");
    await err.waitFor({ timeout: scaled(10000) });
    assert.match(await err.innerText(), /column 11/);
    const caret = page.getByTestId("filter-caret");
    assert.equal(await caret.getAttribute("data-column"), "11");
    const lines = (await caret.innerText()).split("\n");
    assert.equal(lines[1].indexOf("^"), 10);
    await screenshot(page, "04-filter-error");
    // the 400 the browser logged for the failing request is the only console noise, and it is expected
    problems.console = problems.console.filter((m) => !/status of 400/.test(m));
    clean(problems, "filter");
    await context.close();
  });

  test("a trace opens from the table and shows its tree, waterfall and span panel", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/spans?root=1&range=all`);
    await page.getByTestId("span-row").filter({ hasText: "trip-planner" }).first().click();
    await page.getByTestId("waterfall").waitFor({ timeout: scaled(10000) });
    await page.getByTestId("wf-row").nth(11).waitFor();
    assert.equal(await page.getByTestId("wf-row").count(), 12, "12 spans in a trip-planner trace");
    const names = await page.locator('[data-testid="wf-row"] .wfspanname').allInnerTexts();
    for (const n of ["trip-planner", "research", "budget", "local-experience", "itinerary", "ChatCompletion"]) assert.ok(names.includes(n), n);
    // parallel agents: their bars overlap in time
    const bars = await page.getByTestId("wf-bar").evaluateAll((els) => els.map((e) => ({ l: parseFloat(e.style.left), w: parseFloat(e.style.width) })));
    assert.ok(bars[0].l === 0 && bars[0].w > 99, "root bar spans the trace");
    // open the itinerary LLM span: chat messages and tokens
    await page.locator('[data-testid="wf-row"]', { hasText: "itinerary" }).click();
    const itIdx = names.indexOf("itinerary");
    await page.getByTestId("wf-row").nth(itIdx + 1).click();
    await page.getByTestId("messages-input").waitFor();
    assert.match(await page.getByTestId("tokens").innerText(), /prompt \d+/);
    await screenshot(page, "05-trace");
    await page.getByRole("tab", { name: "Attributes" }).click();
    assert.match(await page.getByTestId("attributes").innerText(), /model_name/);
    clean(problems, "trace");
    await context.close();
  });

  test("a 5,000-span trace opens quickly with a virtualised waterfall", async () => {
    const big = traces[traces.length - 1];
    const traceId = big[0].traceId;
    const { page, context, problems } = await newPage(browser);
    const t0 = Date.now();
    await page.goto(`${origin.url}/projects/${PROJECT}/traces/${traceId}`);
    await page.getByTestId("wf-row").first().waitFor({ timeout: scaled(15000) });
    const ms = Date.now() - t0;
    const dom = await page.getByTestId("wf-row").count();
    assert.ok(dom < 200, `only visible rows are in the DOM (${dom})`);
    assert.match(await page.locator(".tracehead").innerText(), /5,?000 spans|5\.0k spans/);
    console.log(`# 5000-span trace: first rows after ${ms} ms (page load + 5 REST pages)`);
    await page.getByTestId("waterfall-rows").evaluate((el) => (el.scrollTop = 26 * 4000));
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="wf-row"] .wfspanname')].some((e) => /^step-\d{4}$/.test(e.textContent || "")));
    await screenshot(page, "07-trace-5000");
    clean(problems, "big trace");
    await context.close();
  });
});

describe("XSS", () => {
  const XSS_PROJECT = "xss-probe";
  const IMG = `<img src=x onerror="window.__xss='img';alert('img')">`;
  const SCRIPT = `<script>window.__xss='script';alert('script')</script>`;
  const JSURL = `javascript:window.__xss='js';alert('js')`;
  let traceId;

  before(async () => {
    traceId = "ab".repeat(16);
    const now = Date.now();
    const root = "01".repeat(8), child = "02".repeat(8);
    const spans = [
      span({
        traceId, spanId: root, name: `${SCRIPT}${IMG}`, kind: "AGENT", start: now - 5000, end: now - 1000,
        error: `${IMG} failed`,
        attrs: {
          "input.value": `${SCRIPT} ${IMG} ${JSURL}`,
          "output.value": JSON.stringify({ html: IMG, link: JSURL, script: SCRIPT }),
          [`${IMG}`]: "attribute key holds markup",
          [`x${SCRIPT}`]: JSURL,
          "link.js": JSURL,
          "link.data": `data:text/html,${SCRIPT}`,
          "link.ok": "https://example.com/docs?q=1",
        },
        events: [{ name: `${IMG}`, time: now - 2000, attrs: { "exception.message": SCRIPT } }, { name: "exception", time: now - 1500, attrs: { "exception.type": IMG, "exception.message": SCRIPT, "exception.stacktrace": JSURL } }],
      }),
      span({
        traceId, spanId: child, parentId: root, name: IMG, kind: "LLM", start: now - 4000, end: now - 2000,
        attrs: {
          "llm.model_name": SCRIPT,
          "llm.input_messages.0.message.role": IMG,
          "llm.input_messages.0.message.content": `${SCRIPT}${JSURL}`,
          "llm.output_messages.0.message.role": "assistant",
          "llm.output_messages.0.message.content": IMG,
          "input.value": IMG,
          "output.value": SCRIPT,
        },
      }),
    ];
    await sendSpans(assay.url, XSS_PROJECT, spans);
  });

  test("span names, inputs, outputs, attribute keys and events are shown as text and nothing executes", async () => {
    const { page, context, problems } = await newPage(browser);
    const check = async (where) => {
      assert.equal(await page.evaluate(() => window.__xss), undefined, `${where}: payload executed`);
      assert.deepEqual(problems.dialogs, [], `${where}: dialog opened`);
      // no element the payload would create
      assert.equal(await page.locator("main img").count(), 0, `${where}: <img> injected`);
      assert.equal(await page.locator("main script").count(), 0, `${where}: <script> injected`);
      const hrefs = await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      for (const h of hrefs) assert.ok(/^(https?:|\/)/.test(h), `${where}: unsafe link ${h}`);
    };
    await page.goto(`${origin.url}/`);
    await page.getByTestId("project-card").filter({ hasText: XSS_PROJECT }).waitFor({ timeout: scaled(10000) });
    await check("projects");

    await page.goto(`${origin.url}/projects/${XSS_PROJECT}/spans`);
    await page.getByTestId("span-row").nth(1).waitFor({ timeout: scaled(10000) });
    const rowsText = await page.getByTestId("span-rows").innerText();
    assert.ok(rowsText.includes("<script>window.__xss='script'"), "span name shown literally");
    assert.ok(rowsText.includes("<img src=x onerror="), "img markup shown literally");
    await screenshot(page, "08-xss-spans");
    await check("spans");

    await page.goto(`${origin.url}/projects/${XSS_PROJECT}/traces/${traceId}?span=${"01".repeat(8)}`);
    await page.getByTestId("span-panel").waitFor({ timeout: scaled(10000) });
    assert.ok((await page.getByTestId("value-Input").innerText()).includes(JSURL));
    assert.ok((await page.getByTestId("value-Output").innerText()).includes(IMG.replace(/"/g, '\\"')));
    await check("trace io");
    await page.getByRole("tab", { name: "Attributes" }).click();
    const attrs = await page.getByTestId("attributes").innerText();
    assert.ok(attrs.includes(IMG), "attribute key shown literally");
    assert.ok(attrs.includes(JSURL), "javascript: URL shown as text");
    const links = await page.getByTestId("attributes").locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    assert.deepEqual(links, ["https://example.com/docs?q=1"], "only the https URL is a link");
    await check("trace attributes");
    await page.getByRole("tab", { name: /Events/ }).click();
    assert.ok((await page.getByTestId("events").innerText()).includes(SCRIPT));
    await screenshot(page, "09-xss-trace-events");
    await check("trace events");

    await page.goto(`${origin.url}/projects/${XSS_PROJECT}/traces/${traceId}?span=${"02".repeat(8)}`);
    await page.getByTestId("messages-input").waitFor({ timeout: scaled(10000) });
    assert.ok((await page.getByTestId("messages-input").innerText()).includes(SCRIPT));
    await screenshot(page, "10-xss-llm");
    await check("llm messages");
    // clicking everything that looks like a link must not run anything either
    for (const a of await page.locator("main a").all()) await a.click({ modifiers: ["Control"] }).catch(() => {});
    await check("after clicks");
    clean(problems, "xss");
    await context.close();
  });
});

describe("serving", () => {
  test("UI routes answer index.html; assets are hashed and cacheable; the API is untouched", async () => {
    for (const p of ["/", "/projects", `/projects/${PROJECT}/spans`, `/projects/${PROJECT}/traces/${"ab".repeat(16)}`, "/datasets", "/charts"]) {
      const res = await fetch(`${origin.url}${p}`);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get("content-type"), /^text\/html/, p);
      assert.match(res.headers.get("content-security-policy") || "", /script-src 'self'/, p);
      const html = await res.text();
      assert.ok(html.includes('id="root"'), p);
      const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      assert.ok(assets.length >= 2, `${p}: js and css referenced`);
      for (const a of assets) {
        assert.match(a, /-[A-Za-z0-9_-]{8}\.(js|css)$/, "hashed asset name");
        const r = await fetch(`${origin.url}${a}`);
        assert.equal(r.status, 200, a);
        assert.match(r.headers.get("content-type"), a.endsWith(".js") ? /javascript/ : /text\/css/);
        if (origin.mode === "embedded") assert.match(r.headers.get("cache-control") || "", /immutable/);
        await r.arrayBuffer();
      }
      if (origin.mode === "embedded") assert.equal(res.headers.get("cache-control"), "no-cache");
    }
    const missing = await fetch(`${origin.url}/assets/nope-12345678.js`);
    assert.equal(missing.status, 404);
    const api = await fetch(`${origin.url}/v1/projects`);
    assert.equal(api.status, 200);
    assert.ok((await api.json()).data.some((p) => p.name === PROJECT));
  });
});
