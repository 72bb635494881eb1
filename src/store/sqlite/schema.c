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
