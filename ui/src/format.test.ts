import { describe, expect, test } from "vitest";
import { fmtCount, fmtDuration, fmtPercent, fmtTime, percentile, preview, previewValue, safeHref, tryJson } from "./format";

describe("fmtDuration", () => {
  test.each([
    [null, "–"], [NaN, "–"], [0.42, "0.4 ms"], [12.4, "12 ms"], [999, "999 ms"], [1234, "1.23 s"],
    [12_345, "12.3 s"], [125_000, "2m 05s"], [3_720_000, "1h 02m"], [-5, "0.0 ms"],
  ])("%s -> %s", (ms, out) => expect(fmtDuration(ms as number)).toBe(out));
});

describe("fmtCount / fmtPercent", () => {
  test("counts", () => {
    expect([0, 950, 1234, 34_000, 1_500_000, 25_000_000].map(fmtCount)).toEqual(["0", "950", "1.2k", "34k", "1.5M", "25M"]);
    expect(fmtCount(undefined)).toBe("–");
  });
  test("percent", () => {
    expect([0, 0.001, 0.125, 0.5, 1].map(fmtPercent)).toEqual(["0%", "0.1%", "13%", "50%", "100%"]);
  });
});

describe("fmtTime", () => {
  test("formats an ISO time in local time, passes junk through", () => {
    const iso = "2026-12-04T11:20:01.273680+00:00";
    const d = new Date(iso);
    expect(fmtTime(iso)).toBe(`${d.getFullYear()}-12-0${d.getDate()} ${String(d.getHours()).padStart(2, "0")}:20:01`);
    expect(fmtTime("not a time")).toBe("not a time");
    expect(fmtTime(null)).toBe("–");
  });
});

describe("preview / tryJson", () => {
  test("collapses whitespace and cuts", () => {
    expect(preview("a\n\n  b\tc")).toBe("a b c");
    expect(preview("x".repeat(200), 10)).toBe("xxxxxxxxx…");
    expect(preview(undefined)).toBe("");
    expect(preview({ a: 1 })).toBe('{"a":1}');
    expect(previewValue({ question: "Plan\n 3 days" })).toBe("Plan 3 days");
    expect(previewValue({ question: "<b>x</b>" }, 5)).toBe("<b>x…");
    expect(previewValue({ a: 1 })).toBe('{"a":1}');
    expect(previewValue({ a: "x", b: "y" })).toBe('{"a":"x","b":"y"}');
    expect(previewValue(["x"])).toBe('["x"]');
    expect(previewValue("plain")).toBe("plain");
  });
  test("parses only objects and arrays", () => {
    expect(tryJson('{"a": [1]}')).toEqual({ a: [1] });
    expect(tryJson("[1,2]")).toEqual([1, 2]);
    expect(tryJson("42")).toBeUndefined();
    expect(tryJson("{broken")).toBeUndefined();
    expect(tryJson(3)).toBeUndefined();
  });
});

describe("safeHref: only http(s) URLs become links", () => {
  test.each([
    ["https://example.com/a?b=1", "https://example.com/a?b=1"],
    ["http://localhost:6006/", "http://localhost:6006/"],
    ["  HTTPS://EXAMPLE.com", "https://example.com/"],
    ["javascript:alert(1)", null],
    ["JaVaScRiPt:alert(1)", null],
    [" javascript:alert(1)", null],
    ["data:text/html,<script>alert(1)</script>", null],
    ["vbscript:msgbox", null],
    ["//evil.example/x", null],
    ["/relative", null],
    ["https://x.com/ <img src=x onerror=alert(1)>", null],
    ["https://", null],
    [42, null],
  ])("%s", (v, out) => expect(safeHref(v)).toBe(out));
});

describe("percentile", () => {
  test("nearest rank", () => {
    const xs = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 95)).toBe(10);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});
