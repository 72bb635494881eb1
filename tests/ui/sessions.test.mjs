// Browser tests of the sessions pages: the list and the conversation view.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startAssay, uiOrigin, launchBrowser, newPage, screenshot, scaled, clean, closeAll } from "./lib/harness.mjs";
import { buildTraceSet, sendSpans, span } from "../../ui/scripts/seed-traces.mjs";

const PROJECT = "trip-planner";
let assay, origin, browser, traces;

const attrOf = (s, key) => s.attributes.find((a) => a.key === key)?.value.stringValue;
const root = (t) => t.find((s) => !s.parentSpanId);

before(async () => {
  assay = await startAssay();
  traces = buildTraceSet({ traces: 9, hours: 6, seed: 5 }); // sessions session-0..2, 3 traces each
  // a chat session: the root's input is chat-message JSON, its output an assistant message
  const now = Date.now();
  const chat = [0, 1].map((i) => [
    span({
      traceId: `c0ffee${i}`.padEnd(32, "0"), spanId: `beef${i}`.padEnd(16, "0"), name: "chat", kind: "LLM", start: now - 60e3 + i * 10e3, end: now - 59e3 + i * 10e3,
      attrs: {
        "session.id": "chat-1",
        "input.value": JSON.stringify({ messages: [{ role: "system", content: "be brief" }, { role: "user", content: `question ${i} <b>bold</b>` }] }),
        "output.value": JSON.stringify({ role: "assistant", content: `answer ${i}` }),
        "llm.token_count.prompt": 10, "llm.token_count.completion": 5,
      },
    }),
  ]);
  await sendSpans(assay.url, PROJECT, [...traces.flat(), ...chat.flat()]);
  origin = await uiOrigin(assay.url);
  browser = await launchBrowser();
});

after(() => closeAll(browser, origin, assay));


describe("sessions", () => {
  test("list: one row per session, newest first, trace counts and first input", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/sessions`);
    await page.getByTestId("session-row").first().waitFor({ timeout: scaled(10000) });
    assert.equal(await page.getByTestId("session-count").innerText(), "4 sessions");
    const rows = page.getByTestId("session-row");
    assert.equal(await rows.count(), 4);
    const ids = await rows.locator(".td.mono a").allInnerTexts();
    assert.deepEqual(ids, ["chat-1", "session-2", "session-1", "session-0"]);
    assert.deepEqual(await page.getByTestId("session-traces").allInnerTexts(), ["2", "3", "3", "3"]);
    // first input preview: the first trace's root input (chat JSON -> the user's message)
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="session-row"] .preview')[3]?.textContent !== "", null, { timeout: scaled(10000) });
    const previews = await rows.locator(".preview").allInnerTexts();
    assert.equal(previews[0], "question 0 <b>bold</b>");
    assert.equal(previews[3], attrOf(root(traces[0]), "input.value"));
    assert.equal(await page.getByTestId("project-tabs").locator(".tab.active").innerText(), "Sessions");
    await screenshot(page, "30-sessions");
    clean(problems, "sessions list");
    await context.close();
  });

  test("conversation: each trace a turn, user and assistant text in time order", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/sessions`);
    await page.getByRole("link", { name: "session-1", exact: true }).click();
    await page.getByTestId("turn").first().waitFor({ timeout: scaled(10000) });
    assert.equal(new URL(page.url()).pathname, `/projects/${PROJECT}/sessions/session-1`);
    assert.equal(await page.getByTestId("turn").count(), 3);
    const mine = traces.slice(3, 6).map(root); // session-1, oldest first
    const users = await page.getByTestId("bubble-user").locator(".text").allInnerTexts();
    const bots = await page.getByTestId("bubble-assistant").locator(".text").allInnerTexts();
    assert.deepEqual(users, mine.map((s) => attrOf(s, "input.value")));
    assert.deepEqual(bots, mine.map((s) => attrOf(s, "output.value")));
    assert.equal(await page.getByTestId("turn-count").innerText(), "3 turns");
    await screenshot(page, "31-session");
    // "open trace" goes to the trace at its root span
    await page.getByTestId("turn").nth(1).getByRole("link", { name: "open trace" }).click();
    await page.getByTestId("span-panel").waitFor({ timeout: scaled(10000) });
    assert.equal(new URL(page.url()).pathname, `/projects/${PROJECT}/traces/${mine[1].traceId}`);
    clean(problems, "session");
    await context.close();
  });

  test("conversation of chat-message JSON shows the message texts, not the JSON", async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${origin.url}/projects/${PROJECT}/sessions/chat-1`);
    await page.getByTestId("turn").first().waitFor({ timeout: scaled(10000) });
    assert.deepEqual(await page.getByTestId("bubble-user").locator(".text").allInnerTexts(), ["question 0 <b>bold</b>", "question 1 <b>bold</b>"]);
    assert.deepEqual(await page.getByTestId("bubble-assistant").locator(".text").allInnerTexts(), ["answer 0", "answer 1"]);
    assert.equal(await page.locator("main b").filter({ hasText: "bold" }).count(), 0, "content rendered as text");
    assert.match(await page.getByTestId("turn").first().innerText(), /15 tokens/);
    clean(problems, "chat session");
    await context.close();
  });
});
