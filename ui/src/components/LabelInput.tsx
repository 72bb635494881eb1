// The label field of the add-an-annotation forms: a choice among the
// labels of a categorical annotation config, else free text.  Choosing a
// config label also hands its score (undefined when it has none).
import type { AnnotationConfig } from "../api/annotations";

export function LabelInput(props: {
  config: AnnotationConfig | undefined;
  value: string;
  testId: string;
  onChange: (label: string, score: number | undefined) => void;
}) {
  const { config, value, testId, onChange } = props;
  if (config?.type !== "CATEGORICAL")
    return <input aria-label="label" data-testid={testId} placeholder="label" value={value} onChange={(e) => onChange(e.target.value, undefined)} />;
  return (
    <select
      aria-label="label"
      data-testid={testId}
      value={value}
      onChange={(e) => {
        const v = (config.values || []).find((x) => x.label === e.target.value);
        onChange(e.target.value, v && v.score != null ? v.score : undefined);
      }}
    >
      <option value="">label…</option>
      {(config.values || []).map((v) => (
        <option key={v.label} value={v.label}>
          {v.label}
        </option>
      ))}
    </select>
  );
}
