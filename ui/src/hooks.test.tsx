import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, render } from "@testing-library/react";
import { useWindowKeydown } from "./hooks";

afterEach(cleanup);

function Keys({ tag, seen }: { tag: string; seen: string[] }) {
  useWindowKeydown((e) => seen.push(`${tag}:${e.key}`));
  return null;
}

describe("useWindowKeydown", () => {
  test("the latest render's handler gets the key; one listener for the component's life", () => {
    const add = vi.spyOn(window, "addEventListener");
    const seen: string[] = [];
    const { rerender, unmount } = render(<Keys tag="a" seen={seen} />);
    fireEvent.keyDown(window, { key: "1" });
    rerender(<Keys tag="b" seen={seen} />);
    fireEvent.keyDown(window, { key: "2" });
    expect(seen).toEqual(["a:1", "b:2"]);
    expect(add.mock.calls.filter((c) => c[0] === "keydown").length).toBe(1);
    unmount();
    fireEvent.keyDown(window, { key: "3" });
    expect(seen).toEqual(["a:1", "b:2"]);
    add.mockRestore();
  });
});
