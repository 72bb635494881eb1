// A sparkline drawn with uPlot (the chart library the metric pages use too).
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export function Sparkline(props: { values: number[]; width?: number; height?: number; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const { values, width = 220, height = 40 } = props;
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof HTMLCanvasElement === "undefined" || !("getContext" in HTMLCanvasElement.prototype)) return;
    const xs = values.map((_, i) => i);
    let plot: uPlot | null = null;
    try {
      plot = new uPlot(
        {
          width,
          height,
          cursor: { show: false },
          legend: { show: false },
          select: { show: false, left: 0, top: 0, width: 0, height: 0 },
          axes: [{ show: false }, { show: false }],
          scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          series: [{}, { stroke: "#4f7cff", fill: "rgba(79,124,255,0.15)", width: 1.5, points: { show: false } }],
        },
        [xs, values],
        el,
      );
    } catch {
      /* no canvas (unit tests) */
    }
    return () => plot?.destroy();
  }, [values, width, height]);
  return <div ref={ref} className="sparkline" role="img" aria-label={props.label} style={{ width, height }} />;
}
