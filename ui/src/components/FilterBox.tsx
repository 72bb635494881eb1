// The span filter expression box (docs/filter.md). The server parses the
// expression; on a 400 "filter: column N: ..." the box shows the message and
// a caret under column N.
import { useEffect, useState } from "react";

export const FILTER_EXAMPLES = [
  "span_kind == 'LLM' and latency_ms > 2000",
  "status_code == 'ERROR'",
  "'tokyo' in input.value",
  "llm.model_name == 'gpt-4o'",
  "metadata.variant == 'B'",
];

export function FilterBox(props: {
  value: string;
  onSubmit: (expr: string) => void;
  error: { message: string; column: number | null } | null;
}) {
  const [text, setText] = useState(props.value);
  useEffect(() => setText(props.value), [props.value]);
  const err = props.error;
  const col = err?.column != null && err.column >= 1 ? Math.min(err.column, props.value.length + 1) : null;
  return (
    <form
      className="filterbox"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(text.trim());
      }}
    >
      <div className="filterrow">
        <input
          aria-label="filter expression"
          data-testid="filter-input"
          className={err ? "invalid" : ""}
          spellCheck={false}
          placeholder={`filter, e.g. ${FILTER_EXAMPLES[0]}`}
          value={text}
          list="filter-examples"
          onChange={(e) => setText(e.target.value)}
        />
        <datalist id="filter-examples">
          {FILTER_EXAMPLES.map((x) => (
            <option key={x} value={x} />
          ))}
        </datalist>
        <button type="submit">Apply</button>
        {props.value && (
          <button type="button" className="secondary" onClick={() => props.onSubmit("")}>
            Clear
          </button>
        )}
      </div>
      {err && (
        <div className="filtererror" role="alert" data-testid="filter-error">
          {col != null && (
            <pre className="caretline" data-testid="filter-caret" data-column={col}>
              {props.value + "\n" + " ".repeat(col - 1) + "^"}
            </pre>
          )}
          <div>{err.message}</div>
        </div>
      )}
    </form>
  );
}
