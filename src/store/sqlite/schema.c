/*
 * schema.c - versioned schema migrations of the SQLite backend.
 *
 * Migrations are append-only: never edit a released one, add the next.
 * Each runs in its own transaction together with the version bump, so a
 * crash mid-migration leaves the previous version intact.
 *
 * Index design (see docs/storage.md): ingest speed is decided by how many
 * B-trees receive random keys.  Span rows are keyed by rowid (sequential);
 * secondary indexes lead with near-sequential keys (trace rowid, project
 * + time); span ids are unique within their trace (trace rowid, span id),
 * not through a global index on the random span id, which would dirty one
 * random page per inserted span.  Trace ids are 16-byte BLOBs (one random
 * key per trace, an order of magnitude fewer than spans).
 * Times are unix nanoseconds (INTEGER).
 */
#include "sqlite_int.h"

static const char *const migrations[] = {
    /* 1: the Phoenix-shaped trace model */
    "CREATE TABLE projects ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  description TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "INSERT INTO projects(name, description, created_at, updated_at) VALUES("
    "  'default', 'Spans with no project name land here.',"
    "  CAST((julianday('now') - 2440587.5) * 86400e9 AS INTEGER),"
    "  CAST((julianday('now') - 2440587.5) * 86400e9 AS INTEGER));"
    "CREATE TABLE project_sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  session_id TEXT NOT NULL UNIQUE,"
    "  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
    "  start_time INTEGER NOT NULL,"
    "  end_time INTEGER NOT NULL);"
    "CREATE INDEX ix_sessions_project ON project_sessions(project_id, start_time);"
    "CREATE TABLE traces ("
    "  id INTEGER PRIMARY KEY,"
    "  trace_id BLOB NOT NULL UNIQUE,"
    "  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
    "  session_rowid INTEGER REFERENCES project_sessions(id) ON DELETE SET NULL,"
    "  start_time INTEGER NOT NULL,"
    "  end_time INTEGER NOT NULL);"
    "CREATE INDEX ix_traces_project_start ON traces(project_id, start_time);"
    "CREATE INDEX ix_traces_session ON traces(session_rowid) WHERE session_rowid IS NOT NULL;"
    "CREATE TABLE spans ("
    "  id INTEGER PRIMARY KEY,"
    "  trace_rowid INTEGER NOT NULL REFERENCES traces(id) ON DELETE CASCADE,"
    "  project_id INTEGER NOT NULL,"
    "  span_id INTEGER NOT NULL,"
    "  parent_id INTEGER,"
    "  name TEXT NOT NULL,"
    "  span_kind TEXT NOT NULL,"
    "  otel_kind INTEGER NOT NULL,"
    "  start_time INTEGER NOT NULL,"
    "  end_time INTEGER NOT NULL,"
    "  latency_ms REAL NOT NULL,"
    "  status_code TEXT NOT NULL,"
    "  status_message TEXT NOT NULL,"
    "  attributes TEXT NOT NULL,"
    "  events TEXT NOT NULL,"
    "  links TEXT,"
    "  model_name TEXT,"
    "  session_id TEXT,"
    "  user_id TEXT,"
    "  llm_token_count_prompt INTEGER,"
    "  llm_token_count_completion INTEGER,"
    "  llm_token_count_total INTEGER,"
    "  cumulative_error_count INTEGER NOT NULL,"
    "  cumulative_llm_token_count_prompt INTEGER NOT NULL,"
    "  cumulative_llm_token_count_completion INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX ix_spans_trace_span ON spans(trace_rowid, span_id);"
    "CREATE INDEX ix_spans_trace_parent ON spans(trace_rowid, parent_id);"
    "CREATE INDEX ix_spans_project_start ON spans(project_id, start_time);"
    "CREATE TABLE span_annotations ("
    "  id INTEGER PRIMARY KEY,"
    "  span_rowid INTEGER NOT NULL REFERENCES spans(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, label TEXT, score REAL, explanation TEXT,"
    "  metadata TEXT NOT NULL DEFAULT '{}',"
    "  annotator_kind TEXT NOT NULL, source TEXT NOT NULL DEFAULT 'API',"
    "  identifier TEXT NOT NULL DEFAULT '', user_id INTEGER,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  UNIQUE(name, span_rowid, identifier));"
    "CREATE TABLE trace_annotations ("
    "  id INTEGER PRIMARY KEY,"
    "  trace_rowid INTEGER NOT NULL REFERENCES traces(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, label TEXT, score REAL, explanation TEXT,"
    "  metadata TEXT NOT NULL DEFAULT '{}',"
    "  annotator_kind TEXT NOT NULL, source TEXT NOT NULL DEFAULT 'API',"
    "  identifier TEXT NOT NULL DEFAULT '', user_id INTEGER,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  UNIQUE(name, trace_rowid, identifier));"
    "CREATE TABLE session_annotations ("
    "  id INTEGER PRIMARY KEY,"
    "  session_rowid INTEGER NOT NULL REFERENCES project_sessions(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, label TEXT, score REAL, explanation TEXT,"
    "  metadata TEXT NOT NULL DEFAULT '{}',"
    "  annotator_kind TEXT NOT NULL, source TEXT NOT NULL DEFAULT 'API',"
    "  identifier TEXT NOT NULL DEFAULT '', user_id INTEGER,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  UNIQUE(name, session_rowid, identifier));",

    /* 2: datasets, versioned as Phoenix does it.  An example is an
     * identity (external id, source span); its content lives in one
     * revision per version that changed it (CREATE / PATCH / DELETE), so
     * the examples of version V are, per example, the latest revision with
     * version_id <= V unless that one is a DELETE (SQ_EXAMPLES_AT in
     * sqlite_int.h).  content_hash: XXH3-128 hex of the canonical
     * {input, output, metadata} text.  Splits and labels are global names
     * as in Phoenix. */
    "CREATE TABLE datasets ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  description TEXT,"
    "  metadata TEXT NOT NULL DEFAULT '{}',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE dataset_versions ("
    "  id INTEGER PRIMARY KEY,"
    "  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
    "  description TEXT,"
    "  metadata TEXT NOT NULL DEFAULT '{}',"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX ix_dataset_versions ON dataset_versions(dataset_id, id);"
    "CREATE TABLE dataset_examples ("
    "  id INTEGER PRIMARY KEY,"
    "  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
    "  external_id TEXT,"
    "  span_rowid INTEGER REFERENCES spans(id) ON DELETE SET NULL,"
    "  source_span_id TEXT,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX ix_dataset_examples ON dataset_examples(dataset_id, id);"
    "CREATE UNIQUE INDEX ix_dataset_examples_external ON "
    "  dataset_examples(dataset_id, external_id) WHERE external_id IS NOT NULL;"
    "CREATE TABLE dataset_example_revisions ("
    "  id INTEGER PRIMARY KEY,"
    "  example_id INTEGER NOT NULL REFERENCES dataset_examples(id) ON DELETE CASCADE,"
    "  version_id INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,"
    "  input TEXT NOT NULL,"
    "  output TEXT NOT NULL,"
    "  metadata TEXT NOT NULL,"
    "  content_hash TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('CREATE', 'PATCH', 'DELETE')),"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE(example_id, version_id));"
    "CREATE INDEX ix_revisions_version ON dataset_example_revisions(version_id);"
    "CREATE TABLE dataset_splits ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  description TEXT,"
    "  color TEXT,"
    "  metadata TEXT NOT NULL DEFAULT '{}',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE dataset_split_examples ("
    "  split_id INTEGER NOT NULL REFERENCES dataset_splits(id) ON DELETE CASCADE,"
    "  example_id INTEGER NOT NULL REFERENCES dataset_examples(id) ON DELETE CASCADE,"
    "  PRIMARY KEY(split_id, example_id)) WITHOUT ROWID;"
    "CREATE INDEX ix_split_examples_example ON dataset_split_examples(example_id);"
    "CREATE TABLE dataset_labels ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  description TEXT,"
    "  color TEXT,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE dataset_label_links ("
    "  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
    "  label_id INTEGER NOT NULL REFERENCES dataset_labels(id) ON DELETE CASCADE,"
    "  PRIMARY KEY(dataset_id, label_id)) WITHOUT ROWID;",

    /* 3: experiments.  One run per (example, repetition), one evaluation
     * per (run, name).  runner: NULL for client-driven experiments (the
     * Phoenix clients run tasks themselves); for the server-side runner,
     * its task as JSON ({prompt, model, evaluators[], concurrency, ...})
     * and status 'queued' | 'running' | 'done' | 'cancelled' | 'failed'
     * (a 'running' experiment is resumed when the server starts). */
    "CREATE TABLE experiments ("
    "  id INTEGER PRIMARY KEY,"
    "  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
    "  dataset_version_id INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  description TEXT,"
    "  repetitions INTEGER NOT NULL CHECK (repetitions >= 1),"
    "  metadata TEXT NOT NULL DEFAULT '{}',"
    "  splits TEXT,"
    "  project_name TEXT,"
    "  runner TEXT,"
    "  status TEXT,"
    "  status_message TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX ix_experiments_dataset ON experiments(dataset_id, id);"
    "CREATE INDEX ix_experiments_status ON experiments(status) WHERE status IS NOT NULL;"
    "CREATE TABLE experiment_runs ("
    "  id INTEGER PRIMARY KEY,"
    "  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,"
    "  dataset_example_id INTEGER NOT NULL REFERENCES dataset_examples(id) ON DELETE CASCADE,"
    "  repetition_number INTEGER NOT NULL,"
    "  trace_id TEXT,"
    "  output TEXT NOT NULL DEFAULT 'null',"
    "  start_time INTEGER NOT NULL,"
    "  end_time INTEGER NOT NULL,"
    "  prompt_token_count INTEGER,"
    "  completion_token_count INTEGER,"
    "  cost REAL,"
    "  error TEXT,"
    "  UNIQUE(experiment_id, dataset_example_id, repetition_number));"
    "CREATE INDEX ix_runs_example ON experiment_runs(dataset_example_id);"
    "CREATE INDEX ix_runs_experiment ON experiment_runs(experiment_id, id);"
    "CREATE TABLE experiment_run_annotations ("
    "  id INTEGER PRIMARY KEY,"
    "  experiment_run_id INTEGER NOT NULL REFERENCES experiment_runs(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  annotator_kind TEXT NOT NULL,"
    "  label TEXT, score REAL, explanation TEXT,"
    "  trace_id TEXT,"
    "  error TEXT,"
    "  metadata TEXT NOT NULL DEFAULT '{}',"
    "  start_time INTEGER NOT NULL,"
    "  end_time INTEGER NOT NULL,"
    "  UNIQUE(experiment_run_id, name));",

    /* 4: annotation configs, and annotations on dataset examples (human
     * ground truth from labelling queues).  Notes are annotations named
     * 'note' with a unique identifier, as in Phoenix.  user_id is the
     * annotator's name (no accounts yet). */
    "CREATE TABLE annotation_configs ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  type TEXT NOT NULL CHECK (type IN ('CATEGORICAL', 'CONTINUOUS', 'FREEFORM')),"
    "  description TEXT,"
    "  config TEXT NOT NULL DEFAULT '{}',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE dataset_example_annotations ("
    "  id INTEGER PRIMARY KEY,"
    "  example_id INTEGER NOT NULL REFERENCES dataset_examples(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, label TEXT, score REAL, explanation TEXT,"
    "  metadata TEXT NOT NULL DEFAULT '{}',"
    "  annotator_kind TEXT NOT NULL, source TEXT NOT NULL DEFAULT 'API',"
    "  identifier TEXT NOT NULL DEFAULT '', user_id TEXT,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  UNIQUE(name, example_id, identifier));"
    "CREATE INDEX ix_span_annotations_span ON span_annotations(span_rowid);"
    "CREATE INDEX ix_trace_annotations_trace ON trace_annotations(trace_rowid);"
    "CREATE INDEX ix_session_annotations_session ON session_annotations(session_rowid);",

    /* 5: labelling queues (an assay extension).  A queue holds items
     * (spans, traces or dataset examples) and the annotation configs to
     * fill; each annotator answers an item once (done or skipped); an item
     * is complete when `required` annotators have answered it done
     * (done_count, kept with the responses).  A lease (a response row in
     * status 'leased' until lease_expires) keeps an item with one
     * annotator for a while so that two people do not label the same
     * item when one answer is enough. */
    "CREATE TABLE annotation_queues ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  description TEXT,"
    "  instructions TEXT,"
    "  required INTEGER NOT NULL DEFAULT 1 CHECK (required >= 1),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE annotation_queue_configs ("
    "  queue_id INTEGER NOT NULL REFERENCES annotation_queues(id) ON DELETE CASCADE,"
    "  config_id INTEGER NOT NULL REFERENCES annotation_configs(id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  PRIMARY KEY(queue_id, config_id)) WITHOUT ROWID;"
    "CREATE TABLE annotation_queue_items ("
    "  id INTEGER PRIMARY KEY,"
    "  queue_id INTEGER NOT NULL REFERENCES annotation_queues(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('span', 'trace', 'example')),"
    "  target_id INTEGER NOT NULL,"
    "  done_count INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE(queue_id, kind, target_id));"
    "CREATE INDEX ix_queue_items_open ON annotation_queue_items(queue_id, done_count, id);"
    "CREATE TABLE annotation_queue_responses ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES annotation_queue_items(id) ON DELETE CASCADE,"
    "  annotator TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('leased', 'done', 'skipped')),"
    "  lease_expires INTEGER,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  UNIQUE(item_id, annotator));",

    /* 6: finding a span by its span id alone (annotations, datasets from
     * spans) without a random-key index on the ingest path: span_id_index
     * is brought up to date in bulk by the reader that needs it (spans
     * with rowid > watermark, see spanindex.c), so ingest never pays for
     * it.  Deleting spans lowers the watermark to the largest remaining
     * rowid, so that a reused rowid is indexed again; stale entries are
     * filtered by a join on the span row. */
    "CREATE TABLE span_id_index ("
    "  span_id INTEGER NOT NULL,"
    "  span_rowid INTEGER NOT NULL,"
    "  PRIMARY KEY(span_id, span_rowid)) WITHOUT ROWID;"
    "CREATE TABLE span_id_index_state (watermark INTEGER NOT NULL);"
    "INSERT INTO span_id_index_state VALUES(0);"
    "CREATE TRIGGER span_id_index_tail AFTER DELETE ON spans "
    "WHEN old.id <= (SELECT watermark FROM span_id_index_state) BEGIN "
    "  UPDATE span_id_index_state SET watermark = "
    "    min(watermark, coalesce((SELECT max(id) FROM spans), 0)); "
    "END;",

    /* 7: span cost in USD (NULL: unknown), set at ingest from the
     * llm.cost.* attributes or the price table (docs/observe.md).  A
     * trace's cost is the sum over its spans at read time, as its token
     * counts are: no second row to update per span. */
    "ALTER TABLE spans ADD COLUMN cost REAL;",

    /* 8: the project/time index also covers end_time and parent_id, so
     * that spans sorted by latency (end - start) in a time range, roots
     * only or not, are chosen from the index alone (src/store/sqlite/read.c,
     * sq_span_query).  Rebuilding it takes ~1 s per million spans, once. */
    "CREATE INDEX ix_spans_project_time ON spans(project_id, start_time, end_time, parent_id);"
    "DROP INDEX ix_spans_project_start;",

    /* 9: a trace's own totals, kept by the writer as its spans arrive
     * (write.c, add_trace_totals), so that trace listings and the time
     * series read one row a trace instead of every span of it.  cost is
     * NULL until a span with a cost arrives; cost_count counts those. */
    "ALTER TABLE traces ADD COLUMN span_count INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE traces ADD COLUMN error_count INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE traces ADD COLUMN prompt_tokens INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE traces ADD COLUMN completion_tokens INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE traces ADD COLUMN cost REAL;"
    "ALTER TABLE traces ADD COLUMN cost_count INTEGER NOT NULL DEFAULT 0;"
    "UPDATE traces SET (span_count, error_count, prompt_tokens, completion_tokens, "
    "  cost, cost_count) = (SELECT count(*), total(status_code = 'ERROR'), "
    "  total(llm_token_count_prompt), total(llm_token_count_completion), sum(cost), "
    "  count(cost) FROM spans WHERE trace_rowid = traces.id);",

    /* 10: document annotations (Phoenix's POST /v1/document_annotations):
     * feedback on one retrieved document of a span, by its position in
     * the span's retrieval.documents.  The span annotation columns plus
     * document_position; unique per (name, span, position, identifier). */
    "CREATE TABLE document_annotations ("
    "  id INTEGER PRIMARY KEY,"
    "  span_rowid INTEGER NOT NULL REFERENCES spans(id) ON DELETE CASCADE,"
    "  document_position INTEGER NOT NULL CHECK (document_position >= 0),"
    "  name TEXT NOT NULL, label TEXT, score REAL, explanation TEXT,"
    "  metadata TEXT NOT NULL DEFAULT '{}',"
    "  annotator_kind TEXT NOT NULL, source TEXT NOT NULL DEFAULT 'API',"
    "  identifier TEXT NOT NULL DEFAULT '', user_id INTEGER,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  UNIQUE(name, span_rowid, document_position, identifier));"
    "CREATE INDEX ix_document_annotations_span ON document_annotations(span_rowid);",

    /* 11: each dataset version keeps its example count (set when the
     * version is written: datasets.c, touch), so that listing datasets
     * does not count every example of each at every call. */
    "ALTER TABLE dataset_versions ADD COLUMN example_count INTEGER;"
    "UPDATE dataset_versions SET example_count = (SELECT count(*) FROM ("
    SQ_EXAMPLES_AT("dataset_versions.dataset_id", "dataset_versions.id") "));",
};

int sq_latest_version(void) { return (int)AS_ARRAY_LEN(migrations); }

int sq_migrate(sqlite3 *db, as_err *err) {
    if (sq_exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
                    "version INTEGER NOT NULL, applied_at INTEGER NOT NULL)",
                err) != AS_OK)
        return -1;
    sqlite3_stmt *st;
    if (sq_prepare(db, "SELECT coalesce(max(version), 0) FROM schema_version",
                   &st, err) != AS_OK)
        return -1;
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (version > sq_latest_version()) {
        as_err_set(err, AS_EDB,
                   "database schema version %d is newer than this assay "
                   "(knows up to %d): upgrade assay", version,
                   sq_latest_version());
        return -1;
    }
    while (version < sq_latest_version()) {
        if (sq_exec(db, "BEGIN IMMEDIATE", err) != AS_OK) return -1;
        if (sq_exec(db, migrations[version], err) != AS_OK) {
            as_err_prefix(err, "migration %d: ", version + 1);
            sq_exec(db, "ROLLBACK", NULL);
            return -1;
        }
        sqlite3_stmt *ins;
        if (sq_prepare(db, "INSERT INTO schema_version VALUES(?, "
                           "CAST(strftime('%s','now') AS INTEGER))",
                       &ins, err) != AS_OK) {
            sq_exec(db, "ROLLBACK", NULL);
            return -1;
        }
        sqlite3_bind_int(ins, 1, version + 1);
        int rc = sqlite3_step(ins);
        sqlite3_finalize(ins);
        if (rc != SQLITE_DONE || sq_exec(db, "COMMIT", err) != AS_OK) {
            if (rc != SQLITE_DONE) sq_error(db, err, "recording schema version");
            sq_exec(db, "ROLLBACK", NULL);
            return -1;
        }
        version++;
    }
    return version;
}
