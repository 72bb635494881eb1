// In-page dialogs of the spans table's selection: add the selected spans to a
// dataset (POST /v1/datasets/from_spans) or to a labelling queue.
import { useAction, useWindowKeydown } from "../hooks";
import { useEffect, useState } from "react";
import "./AddToDialogs.css";
import { Link } from "../router";
import { datasetFromSpans, datasetList, type DatasetSummary } from "../api/annotations";
import { listQueues, queueApi, type Queue } from "../api/labelling";

function Dialog(props: { title: string; onClose: () => void; children: React.ReactNode; testId: string }) {
  useWindowKeydown((e) => e.key === "Escape" && props.onClose());
  return (
    <div className="dialogbackdrop" onClick={props.onClose}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={props.title} data-testid={props.testId} onClick={(e) => e.stopPropagation()}>
        <div className="dialoghead">
          <h2>{props.title}</h2>
          <button className="link" aria-label="close" onClick={props.onClose}>
            ✕
          </button>
        </div>
        {props.children}
      </div>
    </div>
  );
}

export function AddToDatasetDialog({ spanIds, onClose }: { spanIds: string[]; onClose: () => void }) {
  const [datasets, setDatasets] = useState<DatasetSummary[] | null>(null);
  const [mode, setMode] = useState<"new" | "existing">("new");
  const [name, setName] = useState("");
  const [existing, setExisting] = useState("");
  const act = useAction();
  const [result, setResult] = useState<{ id: string; name: string; created: number; updated: number } | null>(null);

  useEffect(() => {
    datasetList()
      .then((d) => {
        setDatasets(d);
        if (d.length) setExisting(d[0].name);
      })
      .catch((e) => act.fail(String(e.message || e)));
  }, []);

  const go = async () => {
    const target = mode === "new" ? name.trim() : existing;
    if (!target) return act.fail("Give the dataset a name.");
    await act.run(async () => {
      const r = await datasetFromSpans({ name: target, action: mode === "new" ? "create" : "append", span_ids: spanIds });
      const d = r.data;
      setResult({ id: d.dataset_id, name: target, created: Number(d.num_created_examples ?? spanIds.length), updated: Number(d.num_updated_examples ?? 0) });
    });
  };

  return (
    <Dialog title="Add to dataset" onClose={onClose} testId="add-dataset-dialog">
      <p className="muted small">
        {spanIds.length} {spanIds.length === 1 ? "span" : "spans"}: each becomes an example (input / output from the span's input.value / output.value).
      </p>
      {!result && (
        <>
          <div className="dialogrow">
            <label>
              <input type="radio" name="dsmode" checked={mode === "new"} onChange={() => setMode("new")} /> new dataset
            </label>
            <input data-testid="dataset-name" placeholder="dataset name" value={name} onFocus={() => setMode("new")} onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="dialogrow">
            <label>
              <input type="radio" name="dsmode" checked={mode === "existing"} disabled={!datasets?.length} onChange={() => setMode("existing")} /> existing
            </label>
            {datasets === null ? (
              <span className="muted">loading…</span>
            ) : datasets.length === 0 ? (
              <span className="muted">no datasets yet</span>
            ) : (
              <select data-testid="dataset-existing" value={existing} onFocus={() => setMode("existing")} onChange={(e) => setExisting(e.target.value)}>
                {datasets.map((d) => (
                  <option key={d.id} value={d.name}>
                    {d.name}
                    {d.example_count != null ? ` (${d.example_count})` : ""}
                  </option>
                ))}
              </select>
            )}
          </div>
          <div className="dialogrow">
            <button data-testid="dataset-go" disabled={act.busy} onClick={go}>
              {act.busy ? "adding…" : mode === "new" ? "Create dataset" : "Append"}
            </button>
            <button className="secondary" onClick={onClose}>
              Cancel
            </button>
          </div>
        </>
      )}
      {act.error && <div className="error">{act.error}</div>}
      {result && (
        <div data-testid="dataset-result">
          <p>
            {result.created} {result.created === 1 ? "example" : "examples"} added{result.updated ? `, ${result.updated} updated` : ""} to{" "}
            <Link to={`/datasets/${encodeURIComponent(result.id)}`}>{result.name}</Link>.
          </p>
          <button onClick={onClose}>Close</button>
        </div>
      )}
    </Dialog>
  );
}

export function AddToQueueDialog({ spanIds, onClose }: { spanIds: string[]; onClose: () => void }) {
  const [queues, setQueues] = useState<Queue[] | null>(null);
  const [queue, setQueue] = useState("");
  const act = useAction();
  const [result, setResult] = useState<{ id: string; name: string; added: number; total: number } | null>(null);

  useEffect(() => {
    listQueues()
      .then((q) => {
        setQueues(q);
        if (q.length) setQueue(q[0].id);
      })
      .catch((e) => act.fail(String(e.message || e)));
  }, []);

  const go = () =>
    act.run(async () => {
      const r = await queueApi.addItems(queue, spanIds.map((id) => ({ kind: "span" as const, id })));
      setResult({ id: queue, name: queues?.find((q) => q.id === queue)?.name ?? queue, added: r.added, total: r.item_ids.length });
    });

  return (
    <Dialog title="Add to labelling queue" onClose={onClose} testId="add-queue-dialog">
      <p className="muted small">
        {spanIds.length} {spanIds.length === 1 ? "span" : "spans"} to annotate.
      </p>
      {!result && (
        <>
          {queues === null && !act.error && <div className="muted">loading…</div>}
          {queues?.length === 0 && (
            <div className="muted">
              No labelling queues yet: <Link to="/labelling">create one on the Labelling page</Link>.
            </div>
          )}
          {queues && queues.length > 0 && (
            <div className="dialogrow">
              <label htmlFor="queuepick">queue</label>
              <select id="queuepick" data-testid="queue-pick" value={queue} onChange={(e) => setQueue(e.target.value)}>
                {queues.map((q) => (
                  <option key={q.id} value={q.id}>
                    {q.name} ({q.progress.total} items)
                  </option>
                ))}
              </select>
            </div>
          )}
          <div className="dialogrow">
            <button data-testid="queue-go" disabled={act.busy || !queue} onClick={go}>
              {act.busy ? "adding…" : "Add"}
            </button>
            <button className="secondary" onClick={onClose}>
              Cancel
            </button>
          </div>
        </>
      )}
      {act.error && <div className="error">{act.error}</div>}
      {result && (
        <div data-testid="queue-result">
          <p>
            {result.added} {result.added === 1 ? "item" : "items"} added to <Link to={`/labelling/${encodeURIComponent(result.id)}`}>{result.name}</Link>
            {result.total > result.added ? ` (${result.total - result.added} already there)` : ""}.
          </p>
          <button onClick={onClose}>Close</button>
        </div>
      )}
    </Dialog>
  );
}
