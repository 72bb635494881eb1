// Browser tests of the spans table's selection actions (add to dataset, add to
// a labelling queue), its cost / annotation columns, and the trace panel's
// annotations and notes - each checked through the REST API.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startAssay, uiOrigin, launchBrowser, newPage, screenshot, scaled, clean, closeAll, restJson } from "./lib/harness.mjs";
import { buildTraceSet, sendSpans } from "../../ui/scripts/seed-traces.mjs";

const PROJECT = "trip-planner";
let assay, origin, browser, queue;

const rest = (method, path, body) => restJson(assay.url, method, path, body);

before(async () => {
  assay = await startAssay();
  await sendSpans(assay.url, PROJECT, buildTraceSet({ traces: 5, hours: 3, seed: 21 }).flat());
  await rest("POST", "/v1/annotation_configs", { name: "helpful", type: "CATEGORICAL", optimization_direction: "MAXIMIZE", values: [{ label: "good", score: 1 }, { label: "bad", score: 0 }] });
  queue = (await rest("POST", "/v1/annotation_queues", { name: "span review", annotation_configs: ["helpful"] })).data;
  origin = await uiOrigin(assay.url);
  browser = await launchBrowser();
});

after(() => closeAll(browser, origin, assay));


async function openRoots(page) {
  await page.goto(`${origin.url}/projects/${PROJECT}/spans?root=1`);
  await page.waitForFunction(() => document.querySelector('[data-testid="span-count"]')?.textContent === "5 spans", null, { timeout: scaled(10000) });
}

describe("spans actions", () => {
  let picked; // the 3 selected span ids

  test("select 3 rows (click, shift-click) -> add to a new dataset and to a queue", async () => {
    const { page, context, problems } = await newPage(browser);
    await openRoots(page);
    const rows = page.getByTestId("span-row");
    const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-span-id")));
    assert.equal(ids.length, 5);
    // the cost column: a price or "—"
    for (const c of await page.getByTestId("span-cost").allInnerTexts()) assert.match(c, /^(—|\$[0-9.e+-]+)$/);

    await rows.nth(1).getByTestId("span-select").click();
    await rows.nth(3).getByTestId("span-select").click({ modifiers: ["Shift"] });
    assert.equal(await page.getByTestId("selection-count").innerText(), "3 selected");
    picked = ids.slice(1, 4);
    assert.equal(new URL(page.url()).pathname, `/projects/${PROJECT}/spans`, "a checkbox click does not open the trace");

    // add to dataset: a dialog inside the page
    await page.getByTestId("add-to-dataset").click();
    const dlg = page.getByTestId("add-dataset-dialog");
    await dlg.getByTestId("dataset-name").fill("picked spans");
    await screenshot(page, "40-add-to-dataset");
    await dlg.getByTestId("dataset-go").click();
    const result = dlg.getByTestId("dataset-result");
    await result.waitFor({ timeout: scaled(10000) });
    assert.match(await result.innerText(), /3 examples added to picked spans/);
    const ds = (await rest("GET", "/v1/datasets?name=picked%20spans")).data;
    assert.equal(ds.length, 1);
    assert.equal(await result.getByRole("link", { name: "picked spans" }).getAttribute("href"), `/datasets/${encodeURIComponent(ds[0].id)}`);
    const ex = (await rest("GET", `/v1/datasets/${encodeURIComponent(ds[0].id)}/examples`)).data.examples;
    assert.deepEqual(ex.map((e) => e.source_span_id).sort(), [...picked].sort());
    await result.getByRole("button", { name: "Close" }).click();
    await dlg.waitFor({ state: "detached" });

    // add to queue
    await page.getByTestId("add-to-queue").click();
    const qd = page.getByTestId("add-queue-dialog");
    await qd.getByTestId("queue-pick").waitFor({ timeout: scaled(10000) });
    await qd.getByTestId("queue-go").click();
    await qd.getByTestId("queue-result").waitFor({ timeout: scaled(10000) });
    assert.match(await qd.getByTestId("queue-result").innerText(), /3 items added to span review/);
    const items = (await rest("GET", `/v1/annotation_queues/${encodeURIComponent(queue.id)}/items?status=all`)).data;
    assert.deepEqual(items.map((i) => i.target.span_id).sort(), [...picked].sort());
    await screenshot(page, "41-add-to-queue");

    // select all loaded, clear
    await qd.getByTestId("queue-result").getByRole("button", { name: "Close" }).click();
    await page.getByTestId("select-all").check();
    assert.equal(await page.getByTestId("selection-count").innerText(), "5 selected");
    await page.getByRole("button", { name: "clear" }).click();
    assert.equal(await page.getByTestId("selection-bar").count(), 0);
    clean(problems, "spans actions");
    await context.close();
  });

  test("trace panel: add an annotation and a note; the chip shows in the spans table", async () => {
    const { page, context, problems } = await newPage(browser);
    await openRoots(page);
    const row = page.getByTestId("span-row").nth(0);
    const spanId = await row.getAttribute("data-span-id");
    assert.equal(await row.getByTestId("span-annotations").innerText(), "");
    await row.locator(".name").click();
    await page.getByTestId("span-panel").waitFor({ timeout: scaled(10000) });
    await page.getByRole("tab", { name: "Annotations" }).click();
    const panel = page.getByTestId("annotations");
    await panel.getByText("No annotations yet").waitFor({ timeout: scaled(10000) });

    await panel.getByTestId("ann-name").fill("helpful");
    await panel.getByTestId("ann-label").selectOption("good"); // a config's name gives its labels
    await panel.getByTestId("ann-explanation").fill("clear plan <b>ok</b>");
    await panel.getByTestId("ann-add").click();
    await panel.getByTestId("annotation").first().waitFor({ timeout: scaled(10000) });
    const shown = await panel.getByTestId("annotation").innerText();
    assert.match(shown, /helpful/);
    assert.match(shown, /good/);
    assert.match(shown, /HUMAN/);
    assert.match(shown, /clear plan <b>ok<\/b>/);

    await panel.getByTestId("note-text").fill("check the budget 123");
    await panel.getByTestId("note-add").click();
    await panel.getByTestId("note").first().waitFor({ timeout: scaled(10000) });
    assert.match(await panel.getByTestId("note").innerText(), /check the budget 123/);
    await screenshot(page, "42-span-annotations");

    const anns = (await rest("GET", `/v1/projects/${PROJECT}/span_annotations?span_ids=${spanId}`)).data;
    const a = anns.find((x) => x.name === "helpful");
    assert.equal(a.result.label, "good");
    assert.equal(a.result.score, 1);
    assert.equal(a.result.explanation, "clear plan <b>ok</b>");
    assert.equal(a.annotator_kind, "HUMAN");
    assert.equal(anns.find((x) => x.name === "note").result.explanation, "check the budget 123");

    await openRoots(page);
    const chip = page.locator(`[data-span-id="${spanId}"]`).getByTestId("span-annotations");
    await chip.getByText("helpful: good").waitFor({ timeout: scaled(10000) });
    assert.equal(await chip.innerText(), "helpful: good", "notes are not chips");
    await screenshot(page, "43-spans-chips");
    clean(problems, "span annotations");
    await context.close();
  });
});
