// The datasets list (/datasets); the upload and detail pages live in
// DatasetUpload.tsx and DatasetDetail.tsx and are re-exported here (App.tsx
// routes to the three from this module).
import { useCallback, useEffect, useRef, useState } from "react";
import { datasetsApi, type Dataset, type DatasetVersion } from "../api/datasets";
import { fmtTime } from "../format";
import { Link, navigate } from "../router";
import { shortId } from "../datasets";
import { DemoBadge, LabelChips, errText, fmtInt } from "./DatasetParts";
import "./Datasets.css";

export { DatasetUploadPage } from "./DatasetUpload";
export { DatasetPage } from "./DatasetDetail";

const PAGE = 50;

function LatestVersion({ datasetId }: { datasetId: string }) {
  const [v, setV] = useState<DatasetVersion | null | undefined>(undefined);
  useEffect(() => {
    const ac = new AbortController();
    datasetsApi
      .latestVersion(datasetId, ac.signal)
      .then(setV)
      .catch(() => !ac.signal.aborted && setV(null));
    return () => ac.abort();
  }, [datasetId]);
  if (v === undefined) return <span className="muted">…</span>;
  if (v === null) return <span className="muted">none</span>;
  return (
    <span title={v.description || undefined}>
      #{shortId(v.version_id)} <span className="muted small">{fmtTime(v.created_at)}</span>
    </span>
  );
}

export function DatasetsPage() {
  const [items, setItems] = useState<Dataset[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const gen = useRef(0);

  const load = useCallback((cur: string | null) => {
    const g = ++gen.current;
    setLoading(true);
    datasetsApi
      .list(cur || undefined, PAGE)
      .then((page) => {
        if (g !== gen.current) return;
        setItems((prev) => (cur && prev ? [...prev, ...page.data] : page.data));
        setCursor(page.next_cursor);
        setError(null);
      })
      .catch((e) => g === gen.current && setError(errText(e)))
      .finally(() => g === gen.current && setLoading(false));
  }, []);
  useEffect(() => {
    load(null);
    return () => {
      gen.current++;
    };
  }, [load]);

  return (
    <div className="page ds-page">
      <div className="ds-head">
        <h1>Datasets</h1>
        <button data-testid="upload-button" onClick={() => navigate("/datasets/upload")}>
          Upload
        </button>
      </div>
      {error && <div className="error" data-testid="error">{error}</div>}
      {items === null && !error && <div className="muted" data-testid="loading">loading…</div>}
      {items && items.length === 0 && (
        <div className="coming ds-empty" data-testid="empty">
          <p>No datasets yet. A dataset is a versioned set of examples (input, output, metadata) to run experiments on. Make one:</p>
          <ul>
            <li>
              <Link to="/datasets/upload">upload a CSV or JSONL file</Link> here;
            </li>
            <li>select spans on a project's spans page and add them to a dataset;</li>
            <li>
              from the command line: <code>assay datasets upload FILE.jsonl --name qa</code>.
            </li>
          </ul>
        </div>
      )}
      {items && items.length > 0 && (
        <div className="ds-table" role="table" data-testid="datasets-table">
          <div className="ds-row thead" role="row">
            <div className="th">name</div>
            <div className="th">description</div>
            <div className="th num">examples</div>
            <div className="th">labels</div>
            <div className="th">created</div>
            <div className="th">updated</div>
            <div className="th">latest version</div>
          </div>
          {items.map((d) => (
            <div className="ds-row" role="row" key={d.id} data-testid="dataset-row" data-name={d.name}>
              <div className="td">
                <Link to={`/datasets/${encodeURIComponent(d.id)}`} className="ds-name">
                  {d.name}
                </Link>{" "}
                <DemoBadge dataset={d} />
              </div>
              <div className="td preview" title={d.description || undefined}>
                {d.description || ""}
              </div>
              <div className="td num" data-testid="example-count">
                {fmtInt(d.example_count)}
              </div>
              <div className="td">
                <LabelChips labels={d.labels} />
              </div>
              <div className="td mono small">{fmtTime(d.created_at)}</div>
              <div className="td mono small">{fmtTime(d.updated_at)}</div>
              <div className="td small">
                <LatestVersion datasetId={d.id} />
              </div>
            </div>
          ))}
        </div>
      )}
      {cursor && (
        <div className="ds-more">
          <button className="secondary" data-testid="load-more" disabled={loading} onClick={() => load(cursor)}>
            {loading ? "loading…" : "Load more"}
          </button>
        </div>
      )}
    </div>
  );
}
