// A time-series chart (uPlot): a title, the y-axis unit, a legend that shows
// the values under the cursor, lines or bars; its width follows the
// container (ResizeObserver).  Null values are gaps.
import { useEffect, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartLine {
  label: string;
  values: (number | null)[];
  color: string;
  dash?: boolean;
}

export interface ChartProps {
  title: string;
  unit: string; // y-axis label, e.g. "ms", "traces", "USD", "%"
  x: number[]; // seconds since the epoch
  lines: ChartLine[];
  fmt: (v: number) => string; // axis ticks and legend values
  bars?: boolean;
  yMax?: number; // fixed top (100 for shares)
  height?: number;
  testId?: string;
  note?: string;
}

const canDraw = () => typeof HTMLCanvasElement !== "undefined" && "getContext" in HTMLCanvasElement.prototype && typeof matchMedia === "function";

export function Chart(props: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [width, setWidth] = useState(0);
  const { x, lines, fmt, bars, yMax, unit, height = 190 } = props;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(200, Math.floor(el.clientWidth)));
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // a new width only resizes the plot
  const widthRef = useRef(0);
  widthRef.current = width;
  useEffect(() => {
    if (width) plot.current?.setSize({ width, height });
  }, [width, height]);

  // (re)build when the data or the look changes
  const measured = width > 0;
  useEffect(() => {
    const el = host.current;
    if (!el || !measured || !canDraw()) return;
    const width = widthRef.current;
    const barPaths = bars && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.7, 60], align: 1 }) : undefined;
    const opts: uPlot.Options = {
      width,
      height,
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      legend: { show: true, live: true },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      scales: {
        x: { time: true },
        y: { range: (_u, min, max) => [Math.min(0, min ?? 0), yMax ?? (max == null || max <= 0 ? 1 : max * 1.08)] },
      },
      axes: [
        { stroke: "#6b7385", grid: { stroke: "#f0f2f5" }, ticks: { stroke: "#e3e6ec" } },
        {
          stroke: "#6b7385",
          label: unit,
          labelSize: 18,
          size: 66,
          grid: { stroke: "#f0f2f5" },
          ticks: { stroke: "#e3e6ec" },
          values: (_u, splits) => splits.map((v) => fmt(v)),
        },
      ],
      series: [
        { label: "time" },
        ...lines.map((l) => ({
          label: l.label,
          stroke: l.color,
          width: 1.8,
          dash: l.dash ? [6, 4] : undefined,
          fill: bars ? l.color + "55" : undefined,
          paths: barPaths,
          points: { show: true, size: 5 },
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v == null ? "–" : fmt(v)),
        })),
      ],
    };
    let p: uPlot | null = null;
    try {
      p = new uPlot(opts, [x, ...lines.map((l) => l.values)] as uPlot.AlignedData, el);
      plot.current = p;
    } catch {
      /* no canvas */
    }
    return () => {
      p?.destroy();
      plot.current = null;
    };
  }, [x, lines, fmt, bars, yMax, unit, height, measured]);

  return (
    <section className="chart" data-testid={props.testId || "chart"} ref={box}>
      <div className="charthead">
        <h2>{props.title}</h2>
        {props.note && <span className="muted small">{props.note}</span>}
      </div>
      <div ref={host} className="charthost" role="img" aria-label={`${props.title} (${unit})`} style={{ minHeight: height }} />
    </section>
  );
}
