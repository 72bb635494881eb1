import { afterEach, describe, expect, test } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { SpanPanel } from "./SpanPanel";
import type { Span } from "../types";

afterEach(cleanup);

const XSS = `<img src=x onerror="window.__xss=1">`;
const span: Span = {
  id: "S1", name: `<script>window.__xss=2</script>`, context: { trace_id: "t", span_id: "s" }, span_kind: "LLM", parent_id: null,
  start_time: "2026-01-01T00:00:00+00:00", end_time: "2026-01-01T00:00:01+00:00", status_code: "OK", status_message: "",
  attributes: {
    "input.value": '{"q": "<b>hi</b>"}', "output.value": XSS, [XSS]: "javascript:alert(1)", "link": "https://example.com/x",
    "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": XSS, "llm.token_count.prompt": 12, "llm.token_count.completion": 3,
  },
  events: [{ name: "exception", timestamp: "2026-01-01T00:00:00.5+00:00", attributes: { "exception.type": "ValueError", "exception.message": XSS } }],
};

describe("SpanPanel", () => {
  test("renders span content as text: pretty JSON, chat messages, tokens", () => {
    const { container } = render(<SpanPanel span={span} />);
    expect(container.querySelector("img, script, b")).toBeNull();
    expect(screen.getByTestId("value-Input").textContent).toContain('"q": "<b>hi</b>"');
    expect(screen.getByTestId("messages-input").textContent).toContain(XSS);
    expect(screen.getByTestId("tokens").textContent).toMatch(/prompt 12 · completion 3 · total 15/);
  });
  test("attribute tree: keys and values are text; only http(s) links", () => {
    const { container } = render(<SpanPanel span={span} />);
    fireEvent.click(screen.getByRole("tab", { name: "Attributes" }));
    expect(screen.getByTestId("attributes").textContent).toContain(XSS);
    const hrefs = [...container.querySelectorAll("a")].map((a) => a.getAttribute("href"));
    expect(hrefs).toEqual(["https://example.com/x"]);
    expect(container.querySelector("img")).toBeNull();
  });
  test("exceptions are listed", () => {
    render(<SpanPanel span={span} />);
    fireEvent.click(screen.getByRole("tab", { name: /Events/ }));
    expect(screen.getByTestId("events").textContent).toContain("ValueError");
    expect(screen.getByTestId("events").textContent).toContain(XSS);
  });
  test("cost next to the tokens; no annotations tab without a project", () => {
    render(<SpanPanel span={{ ...span, cost: 0.5 } as Span} />);
    expect(screen.getByTestId("tokens").textContent).toMatch(/total 15 · cost \$0\.50/);
    expect(screen.queryByRole("tab", { name: "Annotations" })).toBeNull();
  });
});
