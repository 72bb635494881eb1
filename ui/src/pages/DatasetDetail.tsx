// /datasets/{id}: header with exports, version history, the examples of the
// selected version (?version=), an example panel (?example=) with an editor
// that PATCHes / DELETEs examples (each makes a new version).
import { useCallback, useEffect, useMemo, useState } from "react";
import { api } from "../api";
import { useWindowKeydown } from "../hooks";
import { datasetsApi, type Dataset, type DatasetVersion, type Example, type ExamplesAnswer } from "../api/datasets";
import { VirtualList } from "../components/VirtualList";
import { fmtTime, safeHref } from "../format";
import { Link, setQuery, useLocation } from "../router";
import { EXPORTS, checkJsonObject, downloadName, exportPath, jsonPreview, patchBody, shortId } from "../datasets";
import { DemoBadge, LabelChips, errText, fmtInt } from "./DatasetParts";
import "./Datasets.css";

const pretty = (v: unknown) => JSON.stringify(v ?? {}, null, 2);

/** Find the project and trace of a span id (few projects: one small query each), for a link to its trace. */
function SourceSpan({ spanId }: { spanId: string }) {
  const [where, setWhere] = useState<{ project: string; trace: string } | null | undefined>(undefined);
  useEffect(() => {
    const ac = new AbortController();
    (async () => {
      const projects = await api.projects(undefined, ac.signal);
      for (const p of projects.data.slice(0, 50)) {
        const r = await api.spans(p.name, { span_id: [spanId], limit: "1" }, ac.signal);
        if (r.data.length) return { project: p.name, trace: r.data[0].context.trace_id };
      }
      return null;
    })()
      .then((w) => !ac.signal.aborted && setWhere(w))
      .catch(() => !ac.signal.aborted && setWhere(null));
    return () => ac.abort();
  }, [spanId]);
  return (
    <span data-testid="source-span">
      {where ? (
        <Link to={`/projects/${encodeURIComponent(where.project)}/traces/${encodeURIComponent(where.trace)}?span=${encodeURIComponent(spanId)}`}>
          span {spanId}
        </Link>
      ) : (
        <span className="mono">span {spanId}</span>
      )}
      {where === undefined && <span className="muted small"> (looking up…)</span>}
      {where === null && <span className="muted small"> (not stored)</span>}
    </span>
  );
}

function JsonEditor(props: { label: string; value: string; onChange: (s: string) => void; disabled: boolean }) {
  const check = useMemo(() => checkJsonObject(props.value), [props.value]);
  return (
    <div className="ds-editor">
      <h3>{props.label}</h3>
      <textarea
        data-testid={`edit-${props.label}`}
        aria-label={`${props.label} JSON`}
        className={check.ok ? "" : "invalid"}
        spellCheck={false}
        value={props.value}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.value)}
        rows={Math.min(14, Math.max(4, props.value.split("\n").length + 1))}
      />
      {!check.ok && (
        <div className="ds-jsonerror" data-testid={`json-error-${props.label}`} data-line={check.line} data-column={check.column}>
          {check.message}
        </div>
      )}
    </div>
  );
}

function ExamplePanel(props: {
  datasetId: string;
  example: Example;
  readOnly: boolean;
  onClose: () => void;
  onChanged: (what: string, newVersion: string, exampleId: string | null) => void;
}) {
  const ex = props.example;
  const [editing, setEditing] = useState(false);
  const [drafts, setDrafts] = useState({ input: "", output: "", metadata: "" });
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setEditing(false);
    setConfirmDelete(false);
    setError(null);
  }, [ex.id, props.readOnly]);

  const startEdit = () => {
    setDrafts({ input: pretty(ex.input), output: pretty(ex.output), metadata: pretty(ex.metadata) });
    setEditing(true);
    setConfirmDelete(false);
    setError(null);
  };
  const checks = {
    input: checkJsonObject(drafts.input),
    output: checkJsonObject(drafts.output),
    metadata: checkJsonObject(drafts.metadata),
  };
  const valid = checks.input.ok && checks.output.ok && checks.metadata.ok;
  const body = valid ? patchBody(ex, { input: checks.input.value!, output: checks.output.value!, metadata: checks.metadata.value! }) : {};
  const changed = Object.keys(body).length > 0;

  const save = async () => {
    if (!valid || !changed) return;
    setBusy(true);
    setError(null);
    try {
      const r = await datasetsApi.patchExample(props.datasetId, ex.id, body);
      setEditing(false);
      props.onChanged("Saved", r.version_id, r.example?.id || ex.id);
    } catch (e) {
      setError(errText(e));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await datasetsApi.deleteExample(props.datasetId, ex.id);
      props.onChanged("Deleted", r.version_id, null);
    } catch (e) {
      setError(errText(e));
      setBusy(false);
    }
  };

  useWindowKeydown((e) => {
    if (e.key === "Escape" && !editing && !confirmDelete) props.onClose();
  });

  return (
    <aside className="panel ds-panel" data-testid="example-panel" aria-label="example">
      <div className="sectionhead">
        <h2 className="ds-extitle">Example #{shortId(ex.id)}</h2>
        <button className="link" data-testid="panel-close" onClick={props.onClose} aria-label="close">
          ✕
        </button>
      </div>
      <div className="muted small ds-exmeta">
        {ex.external_id && (
          <div>
            external id <span className="mono">{ex.external_id}</span>
          </div>
        )}
        <div>updated {fmtTime(ex.updated_at)}</div>
        {ex.splits && ex.splits.length > 0 && <div>splits: {ex.splits.join(", ")}</div>}
        {ex.source_span_id && (
          <div>
            from <SourceSpan spanId={ex.source_span_id} />
          </div>
        )}
      </div>
      {props.readOnly && (
        <div className="ds-readonly small" data-testid="panel-readonly">
          An older version is shown: examples can only be changed at the latest version.
        </div>
      )}
      {!props.readOnly && !editing && !confirmDelete && (
        <div className="ds-panelactions">
          <button data-testid="edit-button" onClick={startEdit}>
            Edit
          </button>
          <button className="secondary" data-testid="delete-button" onClick={() => setConfirmDelete(true)}>
            Delete example
          </button>
        </div>
      )}
      {confirmDelete && (
        <div className="ds-confirm" data-testid="delete-confirm" role="alertdialog" aria-label="confirm delete">
          <span>Delete this example? A new version without it is made; older versions keep it.</span>
          <button className="ds-danger" data-testid="delete-confirm-yes" disabled={busy} onClick={() => void remove()}>
            {busy ? "deleting…" : "Delete"}
          </button>
          <button className="secondary" data-testid="delete-confirm-no" disabled={busy} onClick={() => setConfirmDelete(false)}>
            Cancel
          </button>
        </div>
      )}
      {error && (
        <div className="error" data-testid="panel-error">
          {error}
        </div>
      )}
      {editing ? (
        <div data-testid="example-editor">
          {(["input", "output", "metadata"] as const).map((k) => (
            <JsonEditor key={k} label={k} value={drafts[k]} disabled={busy} onChange={(s) => setDrafts((d) => ({ ...d, [k]: s }))} />
          ))}
          <div className="ds-panelactions">
            <button data-testid="save-button" disabled={busy || !valid || !changed} onClick={() => void save()}>
              {busy ? "saving…" : "Save"}
            </button>
            <button className="secondary" data-testid="cancel-button" disabled={busy} onClick={() => setEditing(false)}>
              Cancel
            </button>
            {valid && !changed && <span className="muted small">no changes</span>}
          </div>
        </div>
      ) : (
        <div data-testid="example-view">
          {(["input", "output", "metadata"] as const).map((k) => (
            <div key={k}>
              <h3>{k}</h3>
              <pre className="ds-json" data-testid={`view-${k}`}>
                {pretty(ex[k])}
              </pre>
            </div>
          ))}
        </div>
      )}
    </aside>
  );
}

export function DatasetPage({ datasetId }: { datasetId: string }) {
  const { query } = useLocation();
  const versionParam = query.get("version");
  const exampleParam = query.get("example");
  const [reload, setReload] = useState(0);
  const [dataset, setDataset] = useState<Dataset | null>(null);
  const [versions, setVersions] = useState<DatasetVersion[] | null>(null);
  const [examples, setExamples] = useState<ExamplesAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [exError, setExError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    const ac = new AbortController();
    Promise.all([datasetsApi.get(datasetId, ac.signal), datasetsApi.versions(datasetId, ac.signal)])
      .then(([d, v]) => {
        setDataset(d);
        setVersions(v.items);
        setError(null);
      })
      .catch((e) => !ac.signal.aborted && setError(errText(e)));
    return () => ac.abort();
  }, [datasetId, reload]);

  useEffect(() => {
    const ac = new AbortController();
    setExamples(null);
    setExError(null);
    datasetsApi
      .examples(datasetId, versionParam, ac.signal)
      .then(setExamples)
      .catch((e) => !ac.signal.aborted && setExError(errText(e)));
    return () => ac.abort();
  }, [datasetId, versionParam, reload]);

  const latest = versions && versions.length ? versions[0].version_id : null;
  const shownVersion = examples?.version_id ?? versionParam ?? latest;
  const readOnly = !!versionParam && !!latest && versionParam !== latest;
  const rows = examples?.examples || [];
  const selected = exampleParam ? rows.find((e) => e.id === exampleParam) || null : null;
  const selectedIndex = selected ? rows.indexOf(selected) : null;
  const dsKey = dataset?.id || datasetId;

  const onChanged = useCallback(
    (what: string, newVersion: string, exampleId: string | null) => {
      setNotice(`${what}: new version #${shortId(newVersion)}.`);
      setQuery({ version: null, example: exampleId });
      setReload((n) => n + 1);
    },
    [],
  );

  if (error) {
    return (
      <div className="page ds-page">
        <h1>Dataset</h1>
        <div className="error" data-testid="error">
          {error}
        </div>
        <Link to="/datasets">Back to the datasets</Link>
      </div>
    );
  }
  if (!dataset || !versions) {
    return (
      <div className="page ds-page">
        <h1>Dataset</h1>
        <div className="muted" data-testid="loading">
          loading…
        </div>
      </div>
    );
  }

  const shownIndex = versions.findIndex((v) => v.version_id === shownVersion);
  return (
    <div className="page ds-page ds-detail">
      <div className="ds-head">
        <h1 data-testid="dataset-name">
          <Link to="/datasets" className="muted">
            Datasets
          </Link>{" "}
          / {dataset.name}
        </h1>
        <DemoBadge dataset={dataset} />
        <LabelChips labels={dataset.labels} />
        <span className="ds-spacer" />
        <Link to={`/experiments?dataset=${encodeURIComponent(dsKey)}`} className="ds-headlink">
          Experiments on this dataset
        </Link>
        <Link to={`/datasets/upload?dataset=${encodeURIComponent(dataset.name)}`} className="ds-headlink">
          Append a file
        </Link>
        <details className="ds-export" data-testid="export-menu">
          <summary>Export{shownVersion && shownIndex > 0 ? ` #${shortId(shownVersion)}` : ""} ▾</summary>
          <div className="ds-exportlist">
            {EXPORTS.map((x) => {
              const href = safeHref(new URL(exportPath(dsKey, x.path, shownVersion), location.origin).href);
              return href ? (
                <a key={x.key} href={href} download={downloadName(dataset.name, x.ext)} data-testid={`export-${x.key}`} data-format={x.key}>
                  {x.label}
                </a>
              ) : null;
            })}
          </div>
        </details>
      </div>
      {dataset.description && <div className="ds-desc">{dataset.description}</div>}
      <div className="chips muted small" data-testid="dataset-counts">
        <span>
          <b data-testid="latest-count">{fmtInt(dataset.example_count)}</b> examples at the latest version
        </span>
        <span>
          <b data-testid="version-count">{versions.length}</b> version{versions.length === 1 ? "" : "s"}
        </span>
        <span>created {fmtTime(dataset.created_at)}</span>
        <span>updated {fmtTime(dataset.updated_at)}</span>
      </div>
      {notice && (
        <div className="ds-notice small" data-testid="notice">
          {notice}
        </div>
      )}
      <div className="split ds-split">
        <nav className="panel ds-versions" aria-label="versions" data-testid="versions">
          <h3>Versions</h3>
          {versions.length === 0 && <div className="muted small">No versions yet: the dataset has no examples. Upload a file to add some.</div>}
          {versions.map((v, i) => (
            <button
              key={v.version_id}
              className={`ds-version ${v.version_id === shownVersion ? "selected" : ""}`}
              data-testid="version-item"
              data-version={v.version_id}
              aria-current={v.version_id === shownVersion ? "true" : undefined}
              onClick={() => setQuery({ version: i === 0 ? null : v.version_id, example: null })}
            >
              <span className="ds-vid">
                #{shortId(v.version_id)} {i === 0 && <span className="badge">latest</span>}
              </span>
              <span className="muted small">{fmtTime(v.created_at)}</span>
              {v.description && <span className="small ds-vdesc">{v.description}</span>}
            </button>
          ))}
        </nav>
        <section className="table ds-examples" aria-label="examples">
          <div className="ds-exhead">
            <span data-testid="examples-count">
              {examples ? `${fmtInt(rows.length)} example${rows.length === 1 ? "" : "s"}` : "loading…"}
            </span>
            {shownVersion && <span className="muted">at version #{shortId(shownVersion)}</span>}
            {readOnly && (
              <span className="ds-readonly" data-testid="readonly">
                read-only: an older version ·{" "}
                <button className="link" onClick={() => setQuery({ version: null, example: null })}>
                  go to the latest
                </button>
              </span>
            )}
          </div>
          {exError && <div className="error" data-testid="examples-error">{exError}</div>}
          <div className="ds-exrow thead" role="row">
            <div className="th">id</div>
            <div className="th">input</div>
            <div className="th">output</div>
            <div className="th">metadata</div>
            <div className="th">splits</div>
            <div className="th">source</div>
          </div>
          {examples && rows.length === 0 && (
            <div className="muted empty" data-testid="examples-empty">
              No examples at this version. Upload a file (append) or add spans from a project's spans page.
            </div>
          )}
          <VirtualList
            items={rows}
            rowHeight={32}
            testId="example-rows"
            scrollToIndex={selectedIndex}
            renderRow={(ex) => (
              <div
                className={`ds-exrow clickable ${ex.id === exampleParam ? "selected" : ""}`}
                role="row"
                data-testid="example-row"
                data-id={ex.id}
                tabIndex={0}
                onClick={() => setQuery({ example: ex.id })}
                onKeyDown={(e) => {
                  if (e.key === "Enter" || e.key === " ") {
                    e.preventDefault();
                    setQuery({ example: ex.id });
                  }
                }}
              >
                <div className="td mono small" title={ex.external_id || ex.id}>
                  {ex.external_id || shortId(ex.id)}
                </div>
                <div className="td preview">{jsonPreview(ex.input)}</div>
                <div className="td preview">{jsonPreview(ex.output)}</div>
                <div className="td preview">{jsonPreview(ex.metadata)}</div>
                <div className="td small">{(ex.splits || []).join(", ")}</div>
                <div className="td mono small" title={ex.source_span_id || undefined}>
                  {ex.source_span_id ? `span ${ex.source_span_id.slice(0, 8)}…` : ""}
                </div>
              </div>
            )}
          />
        </section>
        {selected && (
          <ExamplePanel
            key={selected.id}
            datasetId={dsKey}
            example={selected}
            readOnly={readOnly}
            onClose={() => setQuery({ example: null })}
            onChanged={onChanged}
          />
        )}
      </div>
    </div>
  );
}
