import { describe, expect, test, vi, afterEach } from "vitest";
import { render, screen, fireEvent, cleanup } from "@testing-library/react";
import { FilterBox } from "./FilterBox";

afterEach(cleanup);

describe("FilterBox", () => {
  test("submits the trimmed expression", () => {
    const onSubmit = vi.fn();
    render(<FilterBox value="" error={null} onSubmit={onSubmit} />);
    fireEvent.change(screen.getByLabelText("filter expression"), { target: { value: "  span_kind == 'LLM' " } });
    fireEvent.submit(screen.getByLabelText("filter expression").closest("form")!);
    expect(onSubmit).toHaveBeenCalledWith("span_kind == 'LLM'");
  });

  test("shows the server's message and a caret under the error column", () => {
    const expr = "span_kind === 'LLM'";
    render(<FilterBox value={expr} error={{ message: "filter: column 11: unknown operator '==='", column: 11 }} onSubmit={() => {}} />);
    expect(screen.getByRole("alert").textContent).toContain("filter: column 11: unknown operator '==='");
    const caret = screen.getByTestId("filter-caret");
    const [line, marker] = caret.textContent!.split("\n");
    expect(line).toBe(expr);
    expect(marker.indexOf("^")).toBe(10);
    expect(line[10]).toBe("=");
    expect(screen.getByLabelText("filter expression").className).toContain("invalid");
  });

  test("a column past the end points just after the expression; no column, no caret", () => {
    const { rerender } = render(<FilterBox value="a ==" error={{ message: "filter: column 99: expected a value", column: 99 }} onSubmit={() => {}} />);
    expect(screen.getByTestId("filter-caret").textContent!.split("\n")[1]).toBe("    ^");
    rerender(<FilterBox value="a ==" error={{ message: "HTTP 500", column: null }} onSubmit={() => {}} />);
    expect(screen.queryByTestId("filter-caret")).toBeNull();
    expect(screen.getByRole("alert").textContent).toContain("HTTP 500");
  });

  test("markup in the expression or the message is text", () => {
    const bad = "<img src=x onerror=alert(1)>";
    const { container } = render(<FilterBox value={bad} error={{ message: `filter: column 1: ${bad}`, column: 1 }} onSubmit={() => {}} />);
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getByRole("alert").textContent).toContain(bad);
  });

  test("Clear submits an empty filter", () => {
    const onSubmit = vi.fn();
    render(<FilterBox value="x == 1" error={null} onSubmit={onSubmit} />);
    fireEvent.click(screen.getByText("Clear"));
    expect(onSubmit).toHaveBeenCalledWith("");
  });
});
