// The first-run walkthrough: `assay demo` fills a fresh data directory, the
// server starts on it, and a new user walks through every page of the UI.
// Each page must show the demo data (not an empty state), with no console
// error, page error or dialog.  Screenshots: tests/ui/artifacts/demo-*.png.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startAssay, uiOrigin, launchBrowser, newPage, screenshot, scaled, closeAll } from "./lib/harness.mjs";

const P = "trip-planner";
let assay, origin, browser;
const wait = { timeout: scaled(15000) };

async function api(path) {
  const res = await fetch(assay.url + path);
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${res.status} ${text}`);
  return JSON.parse(text).data;
}

before(async () => {
  assay = await startAssay({ demo: true });
  origin = await uiOrigin(assay.url);
  browser = await launchBrowser();
});

after(() => closeAll(browser, origin, assay));

/** Open a page, run the checks, take a screenshot, assert a clean console. */
async function visit(path, shot, checks) {
  const { page, context, problems } = await newPage(browser);
  try {
    await page.goto(origin.url + path);
    await checks(page);
    await screenshot(page, `demo-${shot}`);
    assert.deepEqual(problems.pageErrors, [], `${path}: page errors`);
    assert.deepEqual(problems.console, [], `${path}: console errors`);
    assert.deepEqual(problems.dialogs, [], `${path}: dialogs`);
  } finally {
    await context.close();
  }
}

describe("assay demo: every page is populated", () => {
  test("projects: the demo project's card, marked as demo data", async () => {
    await visit("/", "01-projects", async (page) => {
      const card = page.getByTestId("project-card").filter({ hasText: P });
      await card.getByText("p95 latency").waitFor(wait);
      await card.getByTestId("demo-badge").waitFor(wait);
      const text = await card.innerText();
      const traces = Number((/(\d+)\s*traces/.exec(text) || [])[1]);
      assert.ok(traces >= 50 && traces <= 120, text);
    });
  });

  test("spans, then a trace with its waterfall", async () => {
    await visit(`/projects/${P}/spans?root=1&range=all`, "02-trace", async (page) => {
      await page.getByTestId("span-row").first().waitFor(wait);
      await page.waitForFunction(() => document.querySelector('[data-testid="span-count"]')?.textContent?.startsWith("120 spans"), null, wait);
      await page.getByTestId("span-row").first().click();
      await page.getByTestId("waterfall").waitFor(wait);
      const rows = await page.getByTestId("wf-row").count();
      assert.ok(rows >= 9, `waterfall rows ${rows}`);
    });
  });

  test("agent graph: the planner, four agents, three parallel branches", async () => {
    await visit(`/projects/${P}/graph?range=all`, "03-graph", async (page) => {
      await page.getByTestId("graph-node").first().waitFor(wait);
      const agents = await page.locator('[data-testid="graph-node"][data-kind="AGENT"]').count();
      assert.equal(agents, 5);
      const parallel = await page.locator('[data-testid="graph-edge"][data-parallel="true"]').count();
      assert.equal(parallel, 3);
    });
  });

  test("sessions and a conversation", async () => {
    await visit(`/projects/${P}/sessions`, "04-sessions", async (page) => {
      await page.getByTestId("session-row").first().waitFor(wait);
      assert.equal(await page.getByTestId("session-row").count(), 15);
      await page.getByTestId("session-row").first().getByRole("link").first().click();
      await page.getByTestId("turn").first().waitFor(wait);
      assert.ok((await page.getByTestId("turn").count()) >= 2);
      assert.ok((await page.getByTestId("bubble-user").first().innerText()).length > 10);
    });
  });

  test("metrics: charts over the demo traffic", async () => {
    await visit(`/projects/${P}/metrics?range=7d`, "05-metrics", async (page) => {
      await page.getByTestId("charts").waitFor(wait);
      await page.locator('[data-testid="charts"] canvas').first().waitFor(wait);
      assert.ok((await page.locator('[data-testid="charts"] canvas').count()) >= 5);
      assert.match(await page.getByTestId("metrics-summary").innerText(), /\d+ traces/);
    });
  });

  test("datasets: the demo dataset with two versions", async () => {
    await visit("/datasets", "06-datasets", async (page) => {
      const row = page.getByTestId("dataset-row").filter({ hasText: "trip-planner-requests" });
      await row.waitFor(wait);
      await row.getByRole("link").first().click();
      await page.getByTestId("example-row").first().waitFor(wait);
      // the versions are a request of their own: wait for the second, then count
      await page.getByTestId("version-item").nth(1).waitFor(wait);
      assert.equal(await page.getByTestId("version-item").count(), 2);
    });
  });

  test("experiments: prompt A and prompt B, and the compare verdicts", async () => {
    const ds = (await api("/v1/datasets?name=trip-planner-requests"))[0];
    const exps = await api(`/v1/datasets/${ds.id}/experiments`);
    const id = (n) => exps.find((e) => e.name === n).id;
    await visit(`/experiments?dataset=${ds.id}`, "07-experiments", async (page) => {
      await page.getByTestId("experiment-row").first().waitFor(wait);
      assert.equal(await page.getByTestId("experiment-row").count(), 2);
      await page.getByTestId("eval-figure").first().waitFor(wait);
    });
    await visit(`/experiments/compare?baseline=${id("prompt A")}&candidate=${id("prompt B")}`, "08-compare", async (page) => {
      const v = (name) => page.locator(`[data-testid="verdict"][data-evaluator="${name}"] [data-testid="verdict-word"]`);
      await v("correctness").waitFor(wait);
      assert.match(await v("correctness").innerText(), /better/i);
      assert.match(await v("mentions_budget").innerText(), /not yet distinguishable/i);
      await page.getByTestId("sbs-row").first().waitFor(wait);
    });
  });

  test("labelling: the demo queue, one label by key press", async () => {
    const queue = (await api("/v1/annotation_queues")).find((q) => q.name === "Review itineraries");
    assert.ok(queue, "demo queue");
    await visit("/labelling", "09-queues", async (page) => {
      await page.getByTestId("queue-card").filter({ hasText: "Review itineraries" }).waitFor(wait);
    });
    await visit(`/labelling/${queue.id}`, "10-labelling", async (page) => {
      const name = page.getByTestId("annotator");
      await name.waitFor(wait);
      await name.fill("carol");
      await page.getByTestId("annotator-save").click();
      await page.getByTestId("label-btn").first().waitFor(wait);
      await page.keyboard.press("1");
      await page.keyboard.press("Enter");
      // the answer is stored once carol's own progress counts it (the page has shown "carol" since the name was saved)
      await page.waitForFunction(() => document.querySelector('[data-testid="my-progress"]')?.textContent === "you: 1 done, 0 skipped", null, wait);
    });
    const items = await api(`/v1/annotation_queues/${queue.id}/items?status=all&limit=100`);
    const carol = items.flatMap((i) => i.responses || []).filter((r) => r.annotator === "carol");
    // one answer stored; the next item is leased to carol
    assert.deepEqual(carol.map((r) => r.status).sort(), ["done", "leased"], "carol's one answer is stored");
  });

  test("judge agreement for prompt B's correctness judge", async () => {
    const ds = (await api("/v1/datasets?name=trip-planner-requests"))[0];
    const b = (await api(`/v1/datasets/${ds.id}/experiments`)).find((e) => e.name === "prompt B").id;
    const want = await api(`/v1/evaluators/agreement?experiment_id=${b}&name=correctness`);
    await visit(`/agreement?experiment=${b}&name=correctness`, "11-agreement", async (page) => {
      await page.getByTestId("confusion-matrix").waitFor(wait);
      assert.equal(await page.getByTestId("matrix-total").innerText(), String(want.counts.paired));
      assert.ok((await page.getByTestId("disagreement").count()) >= 1);
    });
  });
});
