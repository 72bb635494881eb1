// /datasets/upload: pick a CSV / JSONL file (optionally gzipped), map its
// columns to input / output / metadata, send it as multipart to
// POST /v1/datasets/upload (docs/datasets.md).  Only the first 64 KiB of the
// file are read in the browser.
import { useEffect, useMemo, useState } from "react";
import { datasetsApi, type Dataset } from "../api/datasets";
import { Link, navigate, useLocation } from "../router";
import {
  ROLES,
  SNIFF_BYTES,
  defaultMapping,
  formatOf,
  gunzipHead,
  isGzipBytes,
  isGzipName,
  sniffCsv,
  sniffJsonl,
  uploadFields,
  validateUpload,
  type FileFormat,
  type Mapping,
  type Role,
  type Sniffed,
} from "../datasets";
import { errText } from "./DatasetParts";
import "./Datasets.css";

/** Read and sniff the head of a file. */
async function sniffFile(file: File, format: FileFormat): Promise<Sniffed> {
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  let bytes: Uint8Array = head;
  let complete = file.size <= SNIFF_BYTES;
  if (isGzipBytes(head)) {
    if (typeof DecompressionStream === "undefined") throw new Error("this browser cannot read gzip files; the columns cannot be shown");
    const r = await gunzipHead(head, SNIFF_BYTES, file.size <= SNIFF_BYTES);
    bytes = r.data;
    complete = r.complete;
  }
  const text = new TextDecoder("utf-8").decode(bytes);
  return format === "csv" ? sniffCsv(text, complete) : sniffJsonl(text, complete);
}

const PART_TYPES: Record<FileFormat, string> = { csv: "text/csv", jsonl: "application/jsonl" };

export function DatasetUploadPage() {
  const { query } = useLocation();
  const preset = query.get("dataset");
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<FileFormat>("csv");
  const [sniffed, setSniffed] = useState<Sniffed | null>(null);
  const [sniffError, setSniffError] = useState<string | null>(null);
  const [mapping, setMapping] = useState<Mapping>({});
  const [exportShape, setExportShape] = useState(false);
  const [name, setName] = useState(preset || "");
  const [nameTouched, setNameTouched] = useState(false);
  const [description, setDescription] = useState("");
  const [action, setAction] = useState<"create" | "append">(preset ? "append" : "create");
  const [existing, setExisting] = useState<Dataset[] | null>(null);
  const [existingError, setExistingError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tried, setTried] = useState(false);

  useEffect(() => {
    const ac = new AbortController();
    datasetsApi
      .all(ac.signal)
      .then(({ items }) => setExisting(items))
      .catch((e) => !ac.signal.aborted && setExistingError(errText(e)));
    return () => ac.abort();
  }, []);

  const pick = async (f: File | null) => {
    setFile(f);
    setSniffed(null);
    setSniffError(null);
    setError(null);
    if (!f) return;
    const fmt = formatOf(f.name, f.type) || "csv";
    setFormat(fmt);
    if (!nameTouched && action === "create") {
      setName(f.name.replace(/\.gz$/i, "").replace(/\.(csv|jsonl|ndjson|json)$/i, ""));
    }
    try {
      const s = await sniffFile(f, fmt);
      setSniffed(s);
      setMapping(defaultMapping(s.columns));
      setExportShape(s.exportShape);
    } catch (e) {
      setSniffError(errText(e));
    }
  };

  const formState = useMemo(
    () => ({ format, name, description, action, exportShape: format === "jsonl" && exportShape, columns: sniffed?.columns || [], mapping }),
    [format, name, description, action, exportShape, sniffed, mapping],
  );
  const invalid = file ? validateUpload(formState) : "Choose a file.";
  const nameInvalid = !name.trim();

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (invalid || !file) return;
    const fd = new FormData();
    for (const [k, v] of uploadFields(formState)) fd.append(k, v);
    const gz = isGzipName(file.name) || file.type.includes("gzip");
    const type = gz ? "application/gzip" : PART_TYPES[format];
    fd.append("file", file.type === type ? file : new File([file], file.name, { type }), file.name);
    setBusy(true);
    setError(null);
    try {
      const r = await datasetsApi.upload(fd);
      navigate(`/datasets/${encodeURIComponent(r.dataset_id)}`);
    } catch (err) {
      setError(errText(err));
      setBusy(false);
    }
  };

  const setRole = (key: string, role: Role) => setMapping((m) => ({ ...m, [key]: role }));

  return (
    <div className="page ds-page ds-upload">
      <h1>Upload a dataset</h1>
      <p className="muted">
        A CSV file with a header row, or a JSONL file with one JSON object a line (either may be gzipped). Only the first 64 KiB are read here to show the
        columns; the whole file is sent to the server. <Link to="/datasets">Back to the datasets</Link>
      </p>
      <form onSubmit={submit} noValidate data-testid="upload-form">
        <div className="ds-field">
          <label htmlFor="ds-file">File</label>
          <input
            id="ds-file"
            type="file"
            data-testid="file-input"
            accept=".csv,.jsonl,.ndjson,.json,.gz,text/csv,application/json"
            onChange={(e) => void pick(e.target.files?.[0] || null)}
          />
          {file && (
            <span className="muted small" data-testid="file-info">
              {file.name} · {file.size.toLocaleString()} bytes · {format.toUpperCase()}
            </span>
          )}
        </div>
        {sniffError && <div className="error" data-testid="sniff-error">{sniffError}</div>}
        {sniffed?.warning && (
          <div className="ds-warning" data-testid="sniff-warning">
            {sniffed.warning}
          </div>
        )}
        {sniffed && sniffed.format === "jsonl" && sniffed.exportShape && (
          <label className="ds-check">
            <input type="checkbox" data-testid="export-shape" checked={exportShape} onChange={(e) => setExportShape(e.target.checked)} /> the lines are in
            assay's export shape (<code>input</code>, <code>output</code>, <code>metadata</code> objects): take them as they are
          </label>
        )}
        {sniffed && !(format === "jsonl" && exportShape) && (
          <div className="ds-mapping" data-testid="mapping">
            <h3>
              {format === "csv" ? "Columns" : "Keys"} ({sniffed.columns.length}) · sample of {sniffed.rows} row{sniffed.rows === 1 ? "" : "s"}
            </h3>
            {sniffed.columns.length === 0 ? (
              <div className="muted">No columns found.</div>
            ) : (
              <div className="ds-maptable" role="table">
                <div className="ds-maprow thead" role="row">
                  <div className="th">{format === "csv" ? "column" : "key"}</div>
                  <div className="th">sample value</div>
                  {ROLES.map((r) => (
                    <div key={r} className="th ds-rolehead">
                      {r}
                    </div>
                  ))}
                </div>
                {sniffed.columns.map((c) => (
                  <div className={`ds-maprow role-${mapping[c.key]}`} role="row" key={c.key} data-testid="map-row" data-key={c.key}>
                    <div className="td mono" title={c.key}>
                      {c.key}
                    </div>
                    <div className="td preview" title={c.sample}>
                      {c.sample}
                    </div>
                    {ROLES.map((r) => (
                      <div key={r} className="td ds-rolecell">
                        <input
                          type="radio"
                          name={`role-${c.key}`}
                          aria-label={`${c.key} as ${r}`}
                          data-testid={`role-${r}`}
                          checked={mapping[c.key] === r}
                          onChange={() => setRole(c.key, r)}
                        />
                      </div>
                    ))}
                  </div>
                ))}
              </div>
            )}
          </div>
        )}
        <div className="ds-field">
          <span className="ds-flabel">Action</span>
          <label>
            <input type="radio" name="action" data-testid="action-create" checked={action === "create"} onChange={() => setAction("create")} /> create a new
            dataset
          </label>
          <label>
            <input
              type="radio"
              name="action"
              data-testid="action-append"
              checked={action === "append"}
              onChange={() => {
                setAction("append");
                if (existing && !existing.some((d) => d.name === name)) setName(existing[0]?.name || "");
              }}
            />{" "}
            append to an existing dataset
          </label>
        </div>
        <div className="ds-field">
          <label htmlFor="ds-name">Name</label>
          {action === "create" ? (
            <input
              id="ds-name"
              data-testid="name-input"
              className={tried && nameInvalid ? "invalid" : ""}
              value={name}
              maxLength={256}
              onChange={(e) => {
                setName(e.target.value);
                setNameTouched(true);
              }}
            />
          ) : (
            <select id="ds-name" data-testid="name-select" value={name} onChange={(e) => setName(e.target.value)}>
              {!existing?.some((d) => d.name === name) && <option value={name}>{name || "(choose a dataset)"}</option>}
              {existing?.map((d) => (
                <option key={d.id} value={d.name}>
                  {d.name}
                </option>
              ))}
            </select>
          )}
          {existingError && action === "append" && <span className="bad small">{existingError}</span>}
        </div>
        <div className="ds-field">
          <label htmlFor="ds-desc">Description</label>
          <input id="ds-desc" data-testid="description-input" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="optional" />
        </div>
        {tried && invalid && (
          <div className="error" data-testid="form-error">
            {invalid}
          </div>
        )}
        {error && (
          <div className="error" data-testid="upload-error">
            {error}
          </div>
        )}
        <div className="ds-actions">
          <button type="submit" data-testid="upload-submit" disabled={busy}>
            {busy ? "uploading…" : "Upload"}
          </button>
        </div>
      </form>
    </div>
  );
}
