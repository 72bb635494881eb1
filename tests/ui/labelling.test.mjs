// Browser tests of the labelling pages (/labelling, /labelling/{id}) against a
// real `assay serve`: keyboard-first annotation, checked through the REST API.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startAssay, uiOrigin, launchBrowser, newPage, screenshot, scaled, clean, closeAll, restJson } from "./lib/harness.mjs";
import { buildTraceSet, sendSpans } from "../../ui/scripts/seed-traces.mjs";

const PROJECT = "trip-planner";
let assay, origin, browser;
let queue; // the queue under test
let rootSpanIds; // its 4 items' span ids, in item order

const rest = (method, path, body) => restJson(assay.url, method, path, body);

before(async () => {
  assay = await startAssay();
  const traces = buildTraceSet({ traces: 4, hours: 2, seed: 11 });
  await sendSpans(assay.url, PROJECT, traces.flat());
  // the roots, oldest first
  rootSpanIds = traces.map((t) => t.find((s) => !s.parentSpanId).spanId);
  await rest("POST", "/v1/annotation_configs", { name: "helpful", type: "CATEGORICAL", optimization_direction: "MAXIMIZE", values: [{ label: "good", score: 1 }, { label: "bad", score: 0 }] });
  await rest("POST", "/v1/annotation_configs", { name: "comment", type: "FREEFORM" });
  queue = (await rest("POST", "/v1/annotation_queues", { name: "itinerary review", description: "Are the plans right?", instructions: "Judge the final plan.", required: 1, annotation_configs: ["helpful", "comment"] })).data;
  await rest("POST", "/v1/annotation_queues", { name: "demo queue", description: "Demo data: recorded", annotation_configs: ["helpful"] });
  await rest("POST", `/v1/annotation_queues/${encodeURIComponent(queue.id)}/items`, { items: rootSpanIds.map((id) => ({ kind: "span", id })) });
  origin = await uiOrigin(assay.url);
  browser = await launchBrowser();
});

after(() => closeAll(browser, origin, assay));


const itemId = (page) => page.getByTestId("label-item").getAttribute("data-item-id");
async function waitItemChange(page, from) {
  await page.waitForFunction((f) => {
    const el = document.querySelector('[data-testid="label-item"]');
    return el && el.getAttribute("data-item-id") !== f;
  }, from, { timeout: scaled(10000) });
  return itemId(page);
}
async function restProgressText() {
  const p = (await rest("GET", `/v1/annotation_queues/${encodeURIComponent(queue.id)}/progress`)).data;
  return `${p.complete} / ${p.total} done, ${p.in_progress} in progress`;
}
async function waitProgress(page) {
  const want = await restProgressText();
  await page.waitForFunction((w) => document.querySelector('[data-testid="progress"]')?.textContent === w, want, { timeout: scaled(10000) });
  return want;
}

describe("labelling", () => {
  test("queues page: list, demo badge, annotator name required", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/labelling`);
    await page.getByTestId("queue-card").first().waitFor({ timeout: scaled(10000) });
    const cards = page.getByTestId("queue-card");
    assert.equal(await cards.count(), 2);
    const review = cards.filter({ hasText: "itinerary review" });
    assert.match(await review.innerText(), /0 \/ 4 done, 0 in progress/);
    assert.match(await review.innerText(), /configs: helpful, comment/);
    assert.equal(await review.getByTestId("demo-badge").count(), 0);
    assert.equal(await cards.filter({ hasText: "demo queue" }).getByTestId("demo-badge").count(), 1);
    assert.match(await page.locator("main").innerText(), /set your name before labelling/);
    await page.getByTestId("annotator").fill("alice");
    await page.getByTestId("annotator-save").click();
    await page.getByTestId("annotator-current").getByText("alice").waitFor();
    await screenshot(page, "20-labelling-queues");
    clean(problems, "queues");
    await context.close();
  });

  test("keyboard flow: label + Enter, p / n, s, a note that types digits and n", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/labelling`);
    await page.evaluate(() => localStorage.setItem("assay.annotator", "alice"));
    await page.goto(`${origin.url}/labelling/${encodeURIComponent(queue.id)}`);
    await page.getByTestId("label-item").waitFor({ timeout: scaled(10000) });
    assert.equal(await page.getByTestId("hint").innerText(), "1-9 label · Enter submit · n next · p previous · s skip · / note");
    // the number keys are shown on the buttons
    assert.deepEqual(await page.getByTestId("label-btn").allInnerTexts(), ["1good", "2bad"]);
    const item1 = await itemId(page);
    await waitProgress(page);
    await screenshot(page, "21-labelling-item");

    await page.keyboard.press("2");
    assert.equal(await page.getByTestId("label-btn").nth(1).getAttribute("aria-pressed"), "true");
    await page.keyboard.press("Enter");
    const item2 = await waitItemChange(page, item1);
    assert.equal(await waitProgress(page), "1 / 4 done, 1 in progress");

    // p: back to item 1, its answer is shown; n: forward again
    await page.keyboard.press("p");
    await waitItemChange(page, item2);
    assert.equal(await itemId(page), item1);
    assert.equal(await page.getByTestId("item-status").innerText(), "submitted");
    assert.equal(await page.getByTestId("label-btn").nth(1).getAttribute("aria-pressed"), "true");
    await page.keyboard.press("n");
    assert.equal(await waitItemChange(page, item1), item2);

    // s: skip item 2
    await page.keyboard.press("s");
    const item3 = await waitItemChange(page, item2);
    assert.notEqual(item3, item1);

    // a note: "/" focuses it, typed keys are text, Esc leaves it
    await page.keyboard.press("/");
    await page.keyboard.type("call 2 me on day 1 - n p s now");
    assert.equal(await page.getByTestId("note").inputValue(), "call 2 me on day 1 - n p s now");
    assert.equal(await itemId(page), item3);
    assert.equal(await page.getByTestId("label-btn").nth(1).getAttribute("aria-pressed"), "false");
    await page.keyboard.press("Escape");
    await page.keyboard.press("1");
    assert.equal(await page.getByTestId("label-btn").nth(0).getAttribute("aria-pressed"), "true");
    await page.keyboard.press("Enter");
    const item4 = await waitItemChange(page, item3);
    assert.equal(await waitProgress(page), "2 / 4 done, 1 in progress");
    assert.match(await page.getByTestId("my-progress").innerText(), /you: 2 done, 1 skipped/);
    await screenshot(page, "22-labelling-after");

    // REST: the answers are HUMAN annotations with alice's identifier, and the note
    const items = (await rest("GET", `/v1/annotation_queues/${encodeURIComponent(queue.id)}/items?status=all`)).data;
    const spanOf = Object.fromEntries(items.map((i) => [i.id, i.target.span_id]));
    const rowid = Buffer.from(queue.id, "base64").toString().split(":")[1];
    const ident = `queue:${rowid}:alice`;
    const anns = (await rest("GET", `/v1/projects/${PROJECT}/span_annotations?identifier=${encodeURIComponent(ident)}&limit=100`)).data;
    const helpful = anns.filter((a) => a.name === "helpful");
    assert.deepEqual(
      helpful.map((a) => [a.span_id, a.result.label, a.annotator_kind, a.metadata.annotator]).sort(),
      [[spanOf[item1], "bad", "HUMAN", "alice"], [spanOf[item3], "good", "HUMAN", "alice"]].sort(),
    );
    const notes = anns.filter((a) => a.name === "note");
    assert.deepEqual(notes.map((n) => [n.span_id, n.result.explanation]), [[spanOf[item3], "call 2 me on day 1 - n p s now"]]);
    const alice2 = items.find((i) => i.id === item2).responses.find((r) => r.annotator === "alice");
    assert.equal(alice2.status, "skipped");

    // a second annotator gets a different item (not alice's answered or leased ones)
    await page.getByTestId("annotator").fill("bob");
    await page.getByTestId("annotator-save").click();
    await page.getByTestId("annotator-current").getByText("bob").waitFor();
    await page.waitForFunction((seen) => {
      const el = document.querySelector('[data-testid="label-item"]');
      return el && !seen.includes(el.getAttribute("data-item-id"));
    }, [item1, item3, item4], { timeout: scaled(10000) });
    assert.equal(await itemId(page), item2);
    await waitProgress(page);
    // bob skips it: nothing is left for bob (item 4 is leased to alice)
    await page.keyboard.press("s");
    await page.getByTestId("all-done").waitFor({ timeout: scaled(10000) });
    assert.match(await page.getByTestId("all-done").innerText(), /nothing is left for bob/);
    await screenshot(page, "23-labelling-all-done");
    clean(problems, "labelling");
    await context.close();
  });

  test("create a queue from the page: name, configs, required answers", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/labelling`);
    await page.getByTestId("show-create").click();
    const form = page.getByTestId("create-queue");
    await form.getByTestId("queue-name").fill("from the page");
    await form.getByLabel("answers required").fill("2");
    await form.getByTestId("config-pick").getByLabel(/comment/).check();
    await form.getByTestId("config-pick").getByLabel(/helpful/).check();
    await form.getByTestId("queue-create").click();
    const card = page.getByTestId("queue-card").filter({ hasText: "from the page" });
    await card.waitFor({ timeout: scaled(10000) });
    assert.match(await card.innerText(), /2 answers per item/);
    const q = (await rest("GET", `/v1/annotation_queues/${encodeURIComponent("from the page")}`)).data;
    assert.equal(q.required, 2);
    assert.deepEqual(q.annotation_configs.map((c) => c.name), ["comment", "helpful"]);
    clean(problems, "create queue");
    await context.close();
  });

  test("trace and dataset example items show the root span's / the example's input and output", async () => {
    const up = (await rest("POST", "/v1/datasets/upload?sync=true", { action: "create", name: "qa", inputs: [{ question: "2+2?" }], outputs: [{ answer: "4" }] })).data;
    const ex = (await rest("GET", `/v1/datasets/${encodeURIComponent(up.dataset_id)}/examples`)).data.examples[0];
    const traceId = (await rest("GET", `/v1/projects/${PROJECT}/spans?span_id=${rootSpanIds[0]}`)).data[0].context.trace_id;
    const q = (await rest("POST", "/v1/annotation_queues", { name: "mixed", annotation_configs: ["helpful"] })).data;
    await rest("POST", `/v1/annotation_queues/${encodeURIComponent(q.id)}/items`, { items: [{ kind: "example", id: ex.id }, { kind: "trace", id: traceId }] });
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/labelling`);
    await page.evaluate(() => localStorage.setItem("assay.annotator", "carol"));
    await page.goto(`${origin.url}/labelling/${encodeURIComponent(q.id)}`);
    await page.getByTestId("label-item").waitFor({ timeout: scaled(10000) });
    assert.equal(await page.getByTestId("item-title").innerText(), "dataset example");
    assert.deepEqual(JSON.parse(await page.getByTestId("item-input").innerText()), { question: "2+2?" });
    assert.deepEqual(JSON.parse(await page.getByTestId("item-output").innerText()), { answer: "4" });
    await page.keyboard.press("1");
    await page.keyboard.press("Enter");
    await page.getByTestId("item-title").getByText("trip-planner").waitFor({ timeout: scaled(10000) });
    assert.match(await page.getByTestId("item-input").innerText(), /^Plan a \d-day trip to /);
    assert.match(await page.getByTestId("item-output").innerText(), /^Day 1: /);
    await page.keyboard.press("2");
    await page.keyboard.press("Enter");
    await page.getByTestId("all-done").waitFor({ timeout: scaled(10000) });
    // the progress is fetched again after the last answer: wait for the new figures
    await page.waitForFunction(() => document.querySelector('[data-testid="progress"]')?.textContent === "2 / 2 done, 0 in progress", null, { timeout: scaled(10000) });
    const anns = (await rest("GET", `/v1/dataset_example_annotations?dataset_id=${encodeURIComponent(up.dataset_id)}&name=helpful`)).data;
    assert.deepEqual(anns.map((a) => [a.user_id, a.result.label]), [["carol", "good"]]);
    clean(problems, "mixed queue");
    await context.close();
  });
});
