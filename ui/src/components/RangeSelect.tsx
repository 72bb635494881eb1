// The time-range picker of the spans and agent-graph pages; the range is
// kept in the URL (?range=, absent = 24h).
import { setQuery } from "../router";

export const RANGES: { key: string; label: string; ms: number | null }[] = [
  { key: "15m", label: "last 15 min", ms: 15 * 60e3 },
  { key: "1h", label: "last hour", ms: 3600e3 },
  { key: "24h", label: "last 24 h", ms: 24 * 3600e3 },
  { key: "7d", label: "last 7 days", ms: 7 * 24 * 3600e3 },
  { key: "all", label: "all time", ms: null },
];

export function RangeSelect({ range }: { range: string }) {
  return (
    <label>
      time{" "}
      <select aria-label="time range" data-testid="range" value={range} onChange={(e) => setQuery({ range: e.target.value === "24h" ? null : e.target.value })}>
        {RANGES.map((r) => (
          <option key={r.key} value={r.key}>
            {r.label}
          </option>
        ))}
      </select>
    </label>
  );
}
