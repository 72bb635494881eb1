"""compare_data.py - writes experiments, evaluations and labels into an
assay data directory (the real schema, after `compare_driver DIR migrate`)
for tests/stats/compare_check.py and bench/compare.sh.

Everything is generated from a seeded numpy Generator, and the same
generator's values are returned so that the check can recompute every
figure with scipy / statsmodels / sklearn.
"""
import sqlite3

import numpy as np

T0 = 1_700_000_000_000_000_000


def connect(data_dir):
    db = sqlite3.connect(f"{data_dir}/assay.db")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def dataset(db, name, n_examples, external_prefix="ex"):
    """A dataset with one version holding n examples; returns (dataset id,
    version id, [example ids])."""
    cur = db.cursor()
    cur.execute("INSERT INTO datasets(name, created_at, updated_at) VALUES(?, ?, ?)",
                (name, T0, T0))
    ds = cur.lastrowid
    cur.execute("INSERT INTO dataset_versions(dataset_id, created_at) VALUES(?, ?)", (ds, T0))
    ver = cur.lastrowid
    first = (cur.execute("SELECT coalesce(max(id), 0) FROM dataset_examples").fetchone()[0]) + 1
    ids = list(range(first, first + n_examples))
    cur.executemany(
        "INSERT INTO dataset_examples(id, dataset_id, external_id, created_at) VALUES(?, ?, ?, ?)",
        [(i, ds, f"{external_prefix}{i}", T0) for i in ids])
    cur.executemany(
        "INSERT INTO dataset_example_revisions(example_id, version_id, input, output, "
        "metadata, content_hash, kind, created_at) VALUES(?, ?, '{}', '{}', '{}', ?, "
        "'CREATE', ?)", [(i, ver, f"h{i}", T0) for i in ids])
    return ds, ver, ids


def experiment(db, ds, ver, name, repetitions=1):
    cur = db.cursor()
    cur.execute("INSERT INTO experiments(dataset_id, dataset_version_id, name, repetitions, "
                "created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?)",
                (ds, ver, name, repetitions, T0, T0))
    return cur.lastrowid


def runs(db, exp, rows):
    """rows: (example_id, repetition, failed, prompt_tokens, completion_tokens, cost,
    latency_ns) -> {(example, repetition): run id}."""
    cur = db.cursor()
    first = (cur.execute("SELECT coalesce(max(id), 0) FROM experiment_runs").fetchone()[0]) + 1
    out = {}
    batch = []
    for k, (ex, rep, failed, pt, ct, cost, lat) in enumerate(rows):
        rid = first + k
        out[(ex, rep)] = rid
        batch.append((rid, exp, ex, rep, T0, T0 + lat, pt, ct, cost,
                      "boom" if failed else None))
    cur.executemany(
        "INSERT INTO experiment_runs(id, experiment_id, dataset_example_id, repetition_number, "
        "start_time, end_time, prompt_token_count, completion_token_count, cost, error) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
    return out


def evaluations(db, rows):
    """rows: (run id, name, label, score, explanation, failed)."""
    db.executemany(
        "INSERT INTO experiment_run_annotations(experiment_run_id, name, annotator_kind, "
        "label, score, explanation, error, start_time, end_time) "
        "VALUES(?, ?, 'LLM', ?, ?, ?, ?, ?, ?)",
        [(r, n, l, s, x, "judge failed" if f else None, T0, T0) for r, n, l, s, x, f in rows])


def human_labels(db, rows):
    """rows: (example id, name, label, annotator)."""
    db.executemany(
        "INSERT INTO dataset_example_annotations(example_id, name, label, annotator_kind, "
        "identifier, user_id, created_at, updated_at) VALUES(?, ?, ?, 'HUMAN', ?, ?, ?, ?)",
        [(e, n, l, a, a, T0, T0) for e, n, l, a in rows])


def label_config(db, name, values):
    import json
    db.execute("INSERT INTO annotation_configs(name, type, config, created_at, updated_at) "
               "VALUES(?, 'CATEGORICAL', ?, ?, ?)",
               (name, json.dumps({"values": [{"label": l, "score": s} for l, s in values]}),
                T0, T0))


def project_spans(db, project_name, n_spans):
    """A project with one trace of n spans; returns (project id, [(span rowid,
    span id)])."""
    cur = db.cursor()
    cur.execute("INSERT INTO projects(name, created_at, updated_at) VALUES(?, ?, ?)",
                (project_name, T0, T0))
    pid = cur.lastrowid
    cur.execute("INSERT INTO traces(trace_id, project_id, start_time, end_time) "
                "VALUES(?, ?, ?, ?)", (bytes(range(16)), pid, T0, T0 + 1))
    tid = cur.lastrowid
    out = []
    for k in range(n_spans):
        sid = 0x1000 + k * 7919
        cur.execute(
            "INSERT INTO spans(trace_rowid, project_id, span_id, name, span_kind, otel_kind, "
            "start_time, end_time, latency_ms, status_code, status_message, attributes, "
            "events, cumulative_error_count, cumulative_llm_token_count_prompt, "
            "cumulative_llm_token_count_completion) VALUES(?, ?, ?, 'llm', 'LLM', 1, ?, ?, "
            "0, 'OK', '', '{}', '[]', 0, 0, 0)", (tid, pid, sid, T0, T0 + 1))
        out.append((cur.lastrowid, sid))
    return pid, out


def span_labels(db, rows):
    """rows: (span rowid, name, label, kind, identifier, explanation)."""
    db.executemany(
        "INSERT INTO span_annotations(span_rowid, name, label, explanation, annotator_kind, "
        "identifier, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
        [(s, n, l, x, k, i, T0, T0) for s, n, l, k, i, x in rows])
