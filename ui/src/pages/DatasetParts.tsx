// Small pieces shared by the datasets pages.
import { isDemo } from "../format";
import type { LabelRef } from "../api/datasets";
import { labelColor, textOn } from "../datasets";

export function LabelChips({ labels }: { labels?: LabelRef[] }) {
  if (!labels || !labels.length) return null;
  return (
    <span className="ds-labels" data-testid="dataset-labels">
      {labels.map((l) => {
        const bg = labelColor(l.color);
        return (
          <span key={l.id} className="ds-label" style={bg ? { background: bg, color: textOn(bg), borderColor: bg } : undefined}>
            {l.name}
          </span>
        );
      })}
    </span>
  );
}

export function DemoBadge({ dataset }: { dataset: { metadata?: Record<string, unknown> | null; description?: string | null } }) {
  if (!isDemo(dataset)) return null;
  return (
    <span className="badge ds-demo" data-testid="demo-badge" title="made by `assay demo`">
      demo data
    </span>
  );
}

export const errText = (e: unknown) => String((e as Error)?.message || e);

/** An exact count with thousands separators (4,000). */
export const fmtInt = (n: number | null | undefined) => (n == null || !Number.isFinite(n) ? "–" : Math.round(n).toLocaleString("en-US"));
