// Browser tests of the metrics pages (/projects/{p}/metrics, /charts) and the
// project cards' cost, demo badge and links, against a real `assay serve`.
//   cd tests/ui && ASSAY_BIN=../../build/dev/assay node --test metrics.test.mjs
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startAssay, uiOrigin, launchBrowser, newPage, screenshot, scaled, clean, closeAll, restJson } from "./lib/harness.mjs";
import { buildTraceSet, sendSpans } from "../../ui/scripts/seed-traces.mjs";

const PROJECT = "trip-planner";
const TRACES = 30;
let assay, origin, browser;

const api = (method, path, body) => restJson(assay.url, method, path, body);

before(async () => {
  assay = await startAssay();
  const set = buildTraceSet({ traces: TRACES, hours: 20, seed: 42 });
  await sendSpans(assay.url, PROJECT, set.flat());
  // an evaluation of 10 root spans: 7 correct, 3 incorrect
  await api("POST", "/v1/span_annotations?sync=true", {
    data: set.slice(0, 10).map((spans, i) => ({ span_id: spans[0].spanId, name: "correctness", annotator_kind: "LLM", result: { label: i < 7 ? "correct" : "incorrect", score: i < 7 ? 1 : 0 } })),
  });
  await api("POST", "/v1/projects", { name: "recorded-demo", description: "Demo data: recorded by assay demo" });
  await api("POST", "/v1/projects", { name: "empty-project", description: "nothing sent yet" });
  origin = await uiOrigin(assay.url);
  browser = await launchBrowser();
});

after(() => closeAll(browser, origin, assay));


const summary = (page) => page.getByTestId("metrics-summary");

describe("metrics", () => {
  test("charts render; the summary matches the API; label rates are charted", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/metrics`);
    await page.locator('[data-testid="chart-labels"] canvas').waitFor({ timeout: scaled(10000) });
    for (const id of ["chart-traces", "chart-latency", "chart-tokens", "chart-cost", "chart-errors", "chart-labels"]) {
      assert.equal(await page.locator(`[data-testid="${id}"] canvas`).count(), 1, id);
    }
    assert.match(await page.getByTestId("chart-labels").locator("h2").innerText(), /correctness/);
    assert.match(await page.getByTestId("chart-labels").locator(".charthead").innerText(), /mean score 0\.70/); // 7 of 10 scored 1
    const legend = await page.getByTestId("chart-labels").locator(".u-legend").innerText();
    assert.match(legend, /correct/);
    assert.match(legend, /incorrect/);
    assert.match(await page.getByTestId("chart-latency").locator(".u-legend").innerText(), /p50[\s\S]*p95[\s\S]*p99/);

    // the same figures from the API, over the last 24 h
    const now = Date.now();
    const ts = (await api("GET", `/v1/projects/${PROJECT}/timeseries?start_time=${new Date(now - 24 * 3600e3).toISOString()}&end_time=${new Date(now).toISOString()}&interval=1800`)).data;
    const traces = ts.buckets.reduce((n, b) => n + b.traces, 0);
    const spans = ts.buckets.reduce((n, b) => n + b.spans, 0);
    assert.equal(traces, TRACES);
    const text = await summary(page).innerText();
    assert.match(text, new RegExp(`last 24 h: ${TRACES} traces · ${spans} spans`), text);
    assert.match(text, /10 annotations/);

    // hovering a chart shows the values under the cursor in its legend
    const value = page.getByTestId("chart-traces").locator(".u-legend .u-series").nth(1).locator(".u-value");
    assert.equal(await value.innerText(), "–");
    const over = page.getByTestId("chart-traces").locator(".u-over");
    const box = await over.boundingBox();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await page.waitForFunction((el) => el.textContent !== "–", await value.elementHandle());
    assert.match(await value.innerText(), /^\d+$/);
    await screenshot(page, "43-metrics");
    clean(problems, "metrics");
    await context.close();
  });

  test("the time range is in the URL and changes the figures", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/metrics`);
    await page.getByTestId("chart-traces").locator("canvas").waitFor({ timeout: scaled(10000) });
    await page.getByTestId("range").selectOption("7d");
    assert.equal(new URL(page.url()).searchParams.get("range"), "7d");
    await page.waitForFunction((n) => document.querySelector('[data-testid="metrics-summary"]')?.textContent?.startsWith(`last 7 days: ${n} traces`), TRACES, { timeout: scaled(10000) });
    await page.getByTestId("range").selectOption("1h");
    await page.waitForFunction(() => /^last hour: \d+ traces/.test(document.querySelector('[data-testid="metrics-summary"]')?.textContent || ""), null, { timeout: scaled(10000) });
    const n = Number(/^last hour: (\d+)/.exec(await summary(page).innerText())[1]);
    assert.ok(n < TRACES, `last hour ${n}`);
    // charts follow their container's width
    await page.getByTestId("range").selectOption("24h");
    await page.waitForFunction((n) => document.querySelector('[data-testid="metrics-summary"]')?.textContent?.startsWith(`last 24 h: ${n} traces`), TRACES, { timeout: scaled(10000) });
    const canvas = page.getByTestId("chart-traces").locator("canvas");
    await canvas.waitFor();
    const wide = (await canvas.boundingBox()).width;
    await page.setViewportSize({ width: 1100, height: 900 }); // two narrower columns
    await page.waitForFunction((w) => document.querySelector('[data-testid="chart-traces"] canvas').getBoundingClientRect().width < w - 100, wide);
    const section = await page.getByTestId("chart-traces").boundingBox();
    assert.ok((await canvas.boundingBox()).width <= section.width, "inside its box");
    clean(problems, "range");
    await context.close();
  });

  test("an empty project says what to do; /charts picks a project", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/empty-project/metrics`);
    const empty = page.getByTestId("metrics-empty");
    await empty.waitFor({ timeout: scaled(10000) });
    assert.match(await empty.innerText(), /send traces/);
    assert.equal(await page.locator(".chart canvas").count(), 0);

    await page.goto(`${origin.url}/charts`);
    assert.equal(await page.locator("main h1").innerText(), "Metrics");
    const picker = page.getByTestId("project-picker");
    await picker.waitFor({ timeout: scaled(10000) });
    // the application project is shown first, not the catch-all "default"
    assert.equal(await picker.inputValue(), PROJECT);
    await page.getByTestId("chart-traces").locator("canvas").waitFor({ timeout: scaled(10000) });
    await picker.selectOption("default");
    await page.waitForURL(`**/projects/default/metrics`);
    clean(problems, "charts");
    await context.close();
  });
});

describe("project cards", () => {
  test("cost over 24 h, the demo badge, links to spans / agent graph / metrics", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/`);
    const card = page.getByTestId("project-card").filter({ hasText: PROJECT });
    await card.getByText("p95 latency").waitFor({ timeout: scaled(10000) });
    assert.match(await card.innerText(), new RegExp(`\\b${TRACES}\\b\\s*traces`));

    const traces = (await api("GET", `/v1/projects/${PROJECT}/traces?limit=1000&start_time=${new Date(Date.now() - 24 * 3600e3).toISOString()}`)).data;
    const costs = traces.map((t) => t.cost).filter((c) => typeof c === "number");
    const cost = await card.getByTestId("card-cost").innerText();
    if (costs.length === 0) assert.equal(cost, "—");
    else {
      const sum = costs.reduce((a, b) => a + b, 0);
      assert.ok(sum >= 0.01 && sum < 1000, `cost ${sum}`); // the seed's models are priced
      assert.equal(cost, `$${sum.toFixed(2)}`);
    }
    assert.equal(await card.getByTestId("demo-badge").count(), 0);
    const demo = page.getByTestId("project-card").filter({ hasText: "recorded-demo" });
    assert.match(await demo.getByTestId("demo-badge").textContent(), /^demo data$/);
    assert.equal(await page.getByTestId("project-card").filter({ hasText: "empty-project" }).getByTestId("card-cost").innerText(), "—");

    const links = card.getByTestId("card-links").getByRole("link");
    assert.deepEqual(await links.allInnerTexts(), ["Spans", "Agent graph", "Metrics"]);
    await screenshot(page, "44-projects-cards");
    await links.nth(1).click();
    await page.waitForURL(`**/projects/${PROJECT}/graph`);
    await page.getByTestId("graph-node").first().waitFor({ timeout: scaled(10000) });
    await page.goBack();
    await card.getByTestId("card-links").getByRole("link", { name: "Metrics" }).click();
    await page.waitForURL(`**/projects/${PROJECT}/metrics`);
    clean(problems, "cards");
    await context.close();
  });
});
