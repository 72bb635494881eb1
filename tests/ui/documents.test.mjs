// Browser tests of the span panel's Documents tab: the documents a RETRIEVER
// span retrieved (and a reranker's documents), their document annotations
// (docs/annotations.md, "Document annotations") and the form that adds one,
// checked through the REST API; document content is attacker-controlled text.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startAssay, uiOrigin, launchBrowser, newPage, screenshot, scaled, clean, closeAll, restJson } from "./lib/harness.mjs";
import { span, sendSpans } from "../../ui/scripts/seed-traces.mjs";

const PROJECT = "rag-docs";
const TRACE = "7".repeat(32);
const ROOT = "1".repeat(16), RETRIEVER = "2".repeat(16), RERANKER = "3".repeat(16), LLM = "4".repeat(16);
const XSS = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
const LONG = "Kyoto has many temples. ".repeat(40).trim(); // > 400 characters: collapsed

let assay, origin, browser;
const rest = (method, path, body) => restJson(assay.url, method, path, body);

function docAttrs(prefix, docs) {
  const out = {};
  docs.forEach((d, i) => {
    for (const [k, v] of Object.entries(d)) out[`${prefix}.${i}.document.${k}`] = v;
  });
  return out;
}

before(async () => {
  assay = await startAssay();
  const t = Date.now() - 60000;
  const spans = [
    span({ traceId: TRACE, spanId: ROOT, name: "rag", kind: "CHAIN", start: t, end: t + 900, attrs: { "input.value": "temples in kyoto?", "output.value": "See the documents." } }),
    span({
      traceId: TRACE, spanId: RETRIEVER, parentId: ROOT, name: "retrieve", kind: "RETRIEVER", start: t + 10, end: t + 200,
      attrs: {
        "input.value": "temples in kyoto?",
        ...docAttrs("retrieval.documents", [
          { id: "doc-kyoto", content: LONG, score: 0.92, metadata: JSON.stringify({ source: "wiki", page: 3 }) },
          { id: "javascript:alert(1)", content: XSS, score: 0.5, metadata: JSON.stringify({ source: XSS }) },
          { id: "doc-osaka", content: "Osaka is known for food.", score: 0.125 },
        ]),
      },
    }),
    span({
      traceId: TRACE, spanId: RERANKER, parentId: ROOT, name: "rerank", kind: "RERANKER", start: t + 210, end: t + 300,
      attrs: {
        ...docAttrs("reranker.input_documents", [{ id: "doc-kyoto", content: "in a" }, { id: "doc-osaka", content: "in b" }]),
        ...docAttrs("reranker.output_documents", [{ id: "doc-kyoto", content: "out a", score: 7 }]),
      },
    }),
    span({ traceId: TRACE, spanId: LLM, parentId: ROOT, name: "answer", kind: "LLM", start: t + 310, end: t + 890, attrs: { "input.value": "prompt", "output.value": "answer", "llm.model_name": "gpt-4o-mini" } }),
  ];
  await sendSpans(assay.url, PROJECT, spans);
  await rest("POST", "/v1/annotation_configs", { name: "relevance", type: "CATEGORICAL", optimization_direction: "MAXIMIZE", values: [{ label: "relevant", score: 1 }, { label: "irrelevant", score: 0 }] });
  await rest("POST", "/v1/document_annotations?sync=true", {
    data: [{ span_id: RETRIEVER, document_position: 1, name: "relevance", annotator_kind: "LLM", result: { label: "relevant", score: 0.9, explanation: "mentions <b>temples</b>" } }],
  });
  origin = await uiOrigin(assay.url);
  browser = await launchBrowser();
});

after(() => closeAll(browser, origin, assay));

const docAnns = async () => (await rest("GET", `/v1/projects/${PROJECT}/document_annotations?span_ids=${RETRIEVER}`)).data;

describe("span panel: Documents tab", () => {
  test("retrieved documents in order, annotation chips, add an annotation, content as text", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/traces/${TRACE}?span=${RETRIEVER}`);
    const tab = page.getByTestId("documents-tab");
    await tab.waitFor({ timeout: scaled(10000) });
    assert.equal(await tab.innerText(), "Documents (3)");
    await tab.click();
    const panel = page.getByTestId("documents");
    const docs = panel.getByTestId("document");
    // the chip of the REST annotation shows once the annotations are loaded
    await docs.nth(1).getByTestId("doc-annotation").waitFor({ timeout: scaled(10000) });
    assert.equal(await docs.count(), 3);
    assert.deepEqual(await panel.getByTestId("doc-position").allInnerTexts(), ["#0", "#1", "#2"]);
    assert.deepEqual(await panel.getByTestId("doc-id").allInnerTexts(), ["doc-kyoto", "javascript:alert(1)", "doc-osaka"]);
    assert.deepEqual(await panel.getByTestId("doc-score").allInnerTexts(), ["score 0.92", "score 0.5", "score 0.125"]);
    const contents = await panel.getByTestId("doc-content").allInnerTexts();
    assert.equal(contents[1], XSS);
    assert.equal(contents[2], "Osaka is known for food.");
    assert.deepEqual(JSON.parse((await docs.nth(0).getByTestId("doc-metadata").innerText()).replace(/^metadata /, "")), { source: "wiki", page: 3 });
    assert.deepEqual(JSON.parse((await docs.nth(1).getByTestId("doc-metadata").innerText()).replace(/^metadata /, "")), { source: XSS });

    // long content: collapsed, "show more" gives all of it
    assert.ok(contents[0].length < LONG.length && contents[0].endsWith("…"), `collapsed: ${contents[0].length}`);
    await docs.nth(0).getByTestId("doc-more").click();
    assert.equal(await docs.nth(0).getByTestId("doc-content").innerText(), LONG);

    // position 1: the annotation posted over REST, explanation on hover
    const chip = docs.nth(1).getByTestId("doc-annotation");
    assert.equal(await chip.innerText(), "relevance: relevant (0.9)");
    assert.match(await chip.getAttribute("title"), /mentions <b>temples<\/b>/);
    assert.equal(await docs.nth(0).getByTestId("doc-annotation").count(), 0);
    assert.equal(await docs.nth(2).getByTestId("doc-annotation").count(), 0);

    // add one to position 2 through its form (the config's name gives its labels)
    await docs.nth(2).getByTestId("doc-annotate").click();
    const form = docs.nth(2).getByTestId("doc-ann-form");
    await form.getByTestId("doc-ann-name").fill("relevance");
    await form.getByTestId("doc-ann-label").selectOption("irrelevant");
    assert.equal(await form.getByTestId("doc-ann-score").inputValue(), "0");
    await form.getByTestId("doc-ann-explanation").fill("about <i>osaka</i>, not kyoto");
    await form.getByTestId("doc-ann-add").click();
    await docs.nth(2).getByTestId("doc-annotation").waitFor({ timeout: scaled(10000) });
    assert.equal(await docs.nth(2).getByTestId("doc-annotation").innerText(), "relevance: irrelevant (0)");
    assert.equal(await docs.nth(2).getByTestId("doc-ann-form").count(), 0, "the form closes after adding");
    const stored = (await docAnns()).find((a) => a.document_position === 2);
    assert.ok(stored, "the annotation of position 2 is stored");
    assert.equal(stored.name, "relevance");
    assert.equal(stored.annotator_kind, "HUMAN");
    assert.equal(stored.span_id, RETRIEVER);
    assert.deepEqual(stored.result, { label: "irrelevant", score: 0, explanation: "about <i>osaka</i>, not kyoto" });
    assert.equal((await docAnns()).length, 2);

    // hostile content and ids are text: no element made of them, no script ran, no javascript: link
    assert.equal(await page.locator("main img, main script:not([src]), main b, main i").count(), 0);
    assert.equal(await page.locator('a[href^="javascript"]').count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await docs.nth(0).getByTestId("doc-more").click(); // "show less"
    assert.equal(await docs.nth(0).getByTestId("doc-content").innerText(), contents[0]);
    await screenshot(page, "50-documents");
    clean(problems, "documents tab");
    await context.close();
  });

  test("form errors: client check and the server's message", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/traces/${TRACE}?span=${RETRIEVER}`);
    await page.getByTestId("documents-tab").click();
    const doc = page.getByTestId("document").nth(0);
    await doc.getByTestId("doc-annotate").click();
    const form = doc.getByTestId("doc-ann-form");
    await form.getByTestId("doc-ann-add").click();
    assert.equal(await form.getByTestId("doc-ann-error").innerText(), "The annotation needs a name.");
    await form.getByTestId("doc-ann-name").fill("note"); // reserved for notes: the server says so
    await form.getByTestId("doc-ann-label").fill("ok");
    await form.getByTestId("doc-ann-add").click();
    await form.getByTestId("doc-ann-error").filter({ hasText: "reserved for notes" }).waitFor({ timeout: scaled(10000) });
    assert.match(await form.getByTestId("doc-ann-error").innerText(), /^data\[0\]\.name: 'note' is reserved for notes/);
    assert.equal(await form.getByTestId("doc-ann-name").inputValue(), "note", "the form keeps what was typed");
    assert.equal((await docAnns()).filter((a) => a.document_position === 0).length, 0);
    clean(problems, "documents form errors", [422]);
    await context.close();
  });

  test("reranker documents; a span without documents has no Documents tab", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/traces/${TRACE}?span=${RERANKER}`);
    const tab = page.getByTestId("documents-tab");
    await tab.waitFor({ timeout: scaled(10000) });
    assert.equal(await tab.innerText(), "Documents (3)");
    await tab.click();
    const inGroup = page.getByTestId("docgroup-reranker.input_documents");
    const outGroup = page.getByTestId("docgroup-reranker.output_documents");
    assert.deepEqual(await inGroup.getByTestId("doc-id").allInnerTexts(), ["doc-kyoto", "doc-osaka"]);
    assert.deepEqual(await outGroup.getByTestId("doc-content").allInnerTexts(), ["out a"]);
    assert.deepEqual(await outGroup.getByTestId("doc-score").allInnerTexts(), ["score 7"]);
    assert.equal(await page.getByTestId("doc-annotate").count(), 0, "reranker documents are not annotation targets");

    // another span while on the Documents tab: none there, the panel shows input / output
    await page.getByTestId("wf-row").filter({ hasText: "answer" }).click();
    await page.getByTestId("value-Output").waitFor({ timeout: scaled(10000) });
    assert.equal(await page.getByTestId("documents-tab").count(), 0);
    assert.equal(await page.getByTestId("documents").count(), 0);
    await page.getByTestId("wf-row").filter({ hasText: "rag" }).click();
    await page.getByTestId("value-Input").filter({ hasText: "temples in kyoto?" }).waitFor({ timeout: scaled(10000) });
    assert.equal(await page.getByTestId("documents-tab").count(), 0);
    clean(problems, "reranker / no documents");
    await context.close();
  });
});
