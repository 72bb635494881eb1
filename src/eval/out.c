/*
 * out.c - the output file of an evaluation run (see evalout.h).
 *
 * JSONL, one object per row:
 *   {"row": 0, "line": 2, "data": {...the row...},
 *    "evals": {"hallucination": {"label": "factual", "score": 1, "passed": true,
 *              "explanation": "...", "raw": "...", "prompt_tokens": 310,
 *              "completion_tokens": 41, "cost_usd": 7.1e-05, "latency_ms": 812.4,
 *              "attempts": 1, "cached": false}}}
 * with "error" instead of a label when the row failed, and "repeats",
 * "agreement", "flip" and "unstable" with --repeat.  CSV: one line per
 * row, columns row, the data columns, then NAME.label, NAME.score, ... per
 * evaluator (see csv_fields).
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay/alloc.h"
#include "evalout.h"

#define LINE_MAX_BYTES (256u << 20)
#define OUT_BUF_BYTES (64u << 10)

static const char *const csv_fields[] = {
    "label", "score", "passed", "explanation", "error", "prompt_tokens",
    "completion_tokens", "cost_usd", "latency_ms", "attempts", "cached", "raw",
};
static const char *const csv_repeat_fields[] = { "labels", "agreement", "flip", "unstable" };

static bool has_suffix(const char *s, const char *suf) {
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* ---- writing ------------------------------------------------------------ */

static void num(as_buf *b, double v) {
    if (isnan(v) || isinf(v)) as_buf_puts(b, "null");
    else as_buf_printf(b, "%.10g", v);
}

static void jstr(as_buf *b, const char *s) {
    if (s) as_buf_json_str(b, s, strlen(s));
    else as_buf_puts(b, "null");
}

static void json_record(as_buf *b, const eval_rec *r) {
    as_buf_putc(b, '{');
    if (r->error) {
        as_buf_puts(b, "\"error\":");
        jstr(b, r->error);
    } else {
        as_buf_puts(b, "\"label\":");
        jstr(b, r->label);
        as_buf_puts(b, ",\"score\":");
        num(b, r->score);
        as_buf_printf(b, ",\"passed\":%s", r->passed == 1 ? "true" : r->passed == 0 ? "false" : "null");
        as_buf_puts(b, ",\"explanation\":");
        jstr(b, r->explanation);
    }
    if (r->calls > 0) {
        as_buf_puts(b, ",\"raw\":");
        jstr(b, r->raw);
        if (r->prompt_tokens >= 0) as_buf_printf(b, ",\"prompt_tokens\":%lld", (long long)r->prompt_tokens);
        if (r->completion_tokens >= 0)
            as_buf_printf(b, ",\"completion_tokens\":%lld", (long long)r->completion_tokens);
        as_buf_puts(b, ",\"cost_usd\":");
        if (r->cost_unknown) as_buf_puts(b, "null");
        else num(b, r->cost_usd);
        as_buf_puts(b, ",\"latency_ms\":");
        num(b, r->latency_ms);
        as_buf_printf(b, ",\"attempts\":%d,\"cached\":%s", r->attempts,
                      r->cached == r->calls ? "true" : "false");
    }
    if (r->n_reps > 0) {
        as_buf_puts(b, ",\"agreement\":");
        num(b, r->agreement);
        as_buf_puts(b, ",\"flip\":");
        num(b, r->flip);
        as_buf_printf(b, ",\"unstable\":%s", r->unstable ? "true" : "false");
        if (r->partial_error) {
            as_buf_puts(b, ",\"partial_error\":");
            jstr(b, r->partial_error);
        }
        as_buf_puts(b, ",\"repeats\":[");
        for (int i = 0; i < r->n_reps; i++) {
            const eval_rep_view *v = &r->reps[i];
            as_buf_puts(b, i ? ",{" : "{");
            if (v->error) { as_buf_puts(b, "\"error\":"); jstr(b, v->error); }
            else {
                as_buf_puts(b, "\"label\":");
                jstr(b, v->label);
                as_buf_puts(b, ",\"explanation\":");
                jstr(b, v->explanation);
            }
            as_buf_puts(b, ",\"raw\":");
            jstr(b, v->raw);
            as_buf_putc(b, '}');
        }
        as_buf_putc(b, ']');
    }
    as_buf_putc(b, '}');
}

static void csv_field(as_buf *b, const char *s, bool first) {
    if (!first) as_buf_putc(b, ',');
    if (!s) return;
    if (!strpbrk(s, ",\"\r\n") && s[0] != ' ') { as_buf_puts(b, s); return; }
    as_buf_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"') as_buf_putc(b, '"');
        as_buf_putc(b, *p);
    }
    as_buf_putc(b, '"');
}

static void csv_num(as_buf *b, double v) {
    char t[64] = "";
    if (!isnan(v) && !isinf(v)) snprintf(t, sizeof t, "%.10g", v);
    csv_field(b, t, false);
}

static void csv_int(as_buf *b, long long v, bool known) {
    char t[32] = "";
    if (known) snprintf(t, sizeof t, "%lld", v);
    csv_field(b, t, false);
}

static void csv_record(as_buf *b, const eval_rec *r, int repeat) {
    csv_field(b, r->label, false);
    csv_num(b, r->score);
    csv_field(b, r->passed == 1 ? "true" : r->passed == 0 ? "false" : "", false);
    csv_field(b, r->explanation, false);
    csv_field(b, r->error, false);
    bool judge = r->calls > 0;
    csv_int(b, r->prompt_tokens, judge && r->prompt_tokens >= 0);
    csv_int(b, r->completion_tokens, judge && r->completion_tokens >= 0);
    if (judge && !r->cost_unknown) csv_num(b, r->cost_usd);
    else csv_field(b, "", false);
    if (judge) csv_num(b, r->latency_ms);
    else csv_field(b, "", false);
    csv_int(b, r->attempts, judge);
    csv_field(b, judge ? (r->cached == r->calls ? "true" : "false") : "", false);
    csv_field(b, r->raw, false);
    if (repeat > 1) {
        as_buf labels;
        as_buf_init(&labels, AS_BUF_UNLIMITED);
        for (int i = 0; i < r->n_reps; i++)
            as_buf_printf(&labels, "%s%s", i ? "|" : "",
                          r->reps[i].error ? "ERROR" : r->reps[i].label);
        csv_field(b, labels.data ? labels.data : "", false);
        as_buf_release(&labels);
        csv_num(b, r->agreement);
        csv_num(b, r->flip);
        csv_field(b, r->n_reps ? (r->unstable ? "true" : "false") : "", false);
    }
}

static void write_line(eval_out *w) {
    if (w->err.code) return;
    if (w->line.len == 0 && w->line.data == NULL) return;
    if (fwrite(w->line.data, 1, w->line.len, w->f) != w->line.len)
        as_err_set(&w->err, AS_EIO, "%s: write failed: %s", w->path, strerror(errno));
}

void eval_out_flush(eval_out *w) {
    if (w->f && !w->err.code && fflush(w->f) != 0)
        as_err_set(&w->err, AS_EIO, "%s: write failed: %s", w->path, strerror(errno));
}

void eval_out_write(eval_out *w, const as_row *row, const eval_rec *recs) {
    as_buf *b = &w->line;
    as_buf_reset(b);
    if (w->csv) {
        as_buf_printf(b, "%llu", (unsigned long long)row->index);
        for (size_t c = 0; c < w->ncols; c++) csv_field(b, as_row_get(row, w->cols[c]), false);
        for (size_t e = 0; e < w->nev; e++) csv_record(b, &recs[e], w->repeat);
        as_buf_puts(b, "\r\n");
    } else {
        as_buf_printf(b, "{\"row\":%llu,\"line\":%llu,\"data\":{", (unsigned long long)row->index,
                      (unsigned long long)row->line);
        for (size_t i = 0; i < row->n; i++) {
            if (i) as_buf_putc(b, ',');
            jstr(b, row->names[i]);
            as_buf_putc(b, ':');
            jstr(b, row->values[i]);
        }
        as_buf_puts(b, "},\"evals\":{");
        for (size_t e = 0; e < w->nev; e++) {
            if (e) as_buf_putc(b, ',');
            jstr(b, w->evs[e]->name);
            as_buf_putc(b, ':');
            json_record(b, &recs[e]);
        }
        as_buf_puts(b, "}}\n");
    }
    write_line(w);
}

/* ---- resuming ----------------------------------------------------------- */

static double jnum(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static as_rc resume_jsonl(eval_out *w, eval_mark_fn mark, void *ud, as_eval_result *res,
                          as_err *err) {
    FILE *f = fopen(w->path, "rb");
    if (!f) return errno == ENOENT ? AS_OK : as_err_set(err, AS_EIO, "%s: %s", w->path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long good_end = 0;
    uint64_t lineno = 0;
    as_rc rc = AS_OK;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[n - 1] != '\n') break;             /* torn last line: cut */
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)n, 0, &je);
        json_t *row = json_object_get(o, "row"), *evals = json_object_get(o, "evals");
        if (!json_is_integer(row) || json_integer_value(row) < 0 || !json_is_object(evals)) {
            json_decref(o);
            rc = as_err_set(err, AS_EINVAL, "cannot resume from %s:%llu: not a line of an "
                            "`assay eval` output", w->path, (unsigned long long)lineno);
            break;
        }
        uint64_t row_index = (uint64_t)json_integer_value(row);
        bool failed = false;
        for (size_t e = 0; e < w->nev && rc == AS_OK; e++) {
            json_t *r = json_object_get(evals, w->evs[e]->name);
            if (!json_is_object(r)) {
                rc = as_err_set(err, AS_EINVAL, "cannot resume from %s:%llu: it has no result "
                                "for evaluator '%s' (was it written with other evaluators?)",
                                w->path, (unsigned long long)lineno, w->evs[e]->name);
                break;
            }
            eval_rec rec;
            memset(&rec, 0, sizeof rec);
            rec.error = json_string_value(json_object_get(r, "error"));
            rec.label = json_string_value(json_object_get(r, "label"));
            if (!rec.error && !rec.label) rec.error = "(no label)";
            rec.score = jnum(r, "score");
            json_t *p = json_object_get(r, "passed");
            rec.passed = json_is_true(p) ? 1 : json_is_false(p) ? 0 : -1;
            double pt = jnum(r, "prompt_tokens"), ct = jnum(r, "completion_tokens");
            rec.prompt_tokens = isnan(pt) ? -1 : (int64_t)pt;
            rec.completion_tokens = isnan(ct) ? -1 : (int64_t)ct;
            json_t *cost = json_object_get(r, "cost_usd");
            rec.cost_usd = json_is_number(cost) ? json_number_value(cost) : 0;
            json_t *reps = json_object_get(r, "repeats");
            rec.calls = json_object_get(r, "raw") ? (json_is_array(reps) ? (int)json_array_size(reps) : 1) : 0;
            rec.cost_unknown = rec.calls && json_is_null(cost) ? 1 : 0;
            rec.cached = json_is_true(json_object_get(r, "cached")) ? rec.calls : 0;
            rec.flip = jnum(r, "flip");
            rec.unstable = json_is_true(json_object_get(r, "unstable"));
            eval_summary_add(&res->ev[e], &rec);
            failed |= rec.error != NULL;
        }
        json_decref(o);
        if (rc) break;
        mark(ud, row_index);
        res->rows_done++;
        res->rows_failed += failed;
        good_end = ftell(f);
    }
    free(line);
    fclose(f);
    if (rc == AS_OK && truncate(w->path, good_end) != 0)
        rc = as_err_set(err, AS_EIO, "%s: %s", w->path, strerror(errno));
    return rc;
}

/* The value of column "EVALUATOR.field" of a row of our own CSV. */
static const char *col(const as_row *row, const char *ev, const char *field) {
    char key[160];
    snprintf(key, sizeof key, "%s.%s", ev, field);
    return as_row_get(row, key);
}

static as_rc resume_csv(eval_out *w, eval_mark_fn mark, void *ud, as_eval_result *res,
                        as_err *err) {
    FILE *probe = fopen(w->path, "rb");
    if (!probe) return AS_OK;
    bool empty = fgetc(probe) == EOF;
    fclose(probe);
    if (empty) return AS_OK;
    as_rows *rows;
    as_rc rc = as_rows_open(w->path, &rows, err);
    if (rc) {
        as_err_prefix(err, "cannot resume: ");
        return rc;
    }
    as_row *row;
    while ((rc = as_rows_next(rows, &row, err)) == AS_OK && row) {
        const char *idx = as_row_get(row, "row");
        char *end;
        unsigned long long ri = idx ? strtoull(idx, &end, 10) : 0;
        if (!idx || *end) {
            rc = as_err_set(err, AS_EINVAL, "%s: line %llu has no row number",
                            w->path, (unsigned long long)row->line);
            as_row_free(row);
            break;
        }
        bool failed = false;
        for (size_t e = 0; e < w->nev; e++) {
            eval_rec rec;
            memset(&rec, 0, sizeof rec);
            const char *label = col(row, w->evs[e]->name, "label"), *error = col(row, w->evs[e]->name, "error"), *score = col(row, w->evs[e]->name, "score");
            if (!label && !error) {
                as_row_free(row);
                as_rows_close(rows);
                return as_err_set(err, AS_EINVAL, "cannot resume from %s: no column %s.label "
                                  "(was it written with other evaluators?)", w->path,
                                  w->evs[e]->name);
            }
            rec.error = error && *error ? error : NULL;
            rec.label = label && *label ? label : NULL;
            if (!rec.error && !rec.label) rec.error = "(no label)";
            rec.score = score && *score ? strtod(score, NULL) : NAN;
            const char *passed = col(row, w->evs[e]->name, "passed");
            rec.passed = passed && strcmp(passed, "true") == 0 ? 1
                         : passed && strcmp(passed, "false") == 0 ? 0 : -1;
            const char *pt = col(row, w->evs[e]->name, "prompt_tokens"), *ct = col(row, w->evs[e]->name, "completion_tokens");
            rec.prompt_tokens = pt && *pt ? strtoll(pt, NULL, 10) : -1;
            rec.completion_tokens = ct && *ct ? strtoll(ct, NULL, 10) : -1;
            const char *cost = col(row, w->evs[e]->name, "cost_usd"), *att = col(row, w->evs[e]->name, "attempts"), *cached = col(row, w->evs[e]->name, "cached");
            rec.calls = att && *att ? (w->repeat > 1 ? w->repeat : 1) : 0;
            rec.cost_usd = cost && *cost ? strtod(cost, NULL) : 0;
            rec.cost_unknown = rec.calls && !(cost && *cost);
            rec.cached = cached && strcmp(cached, "true") == 0 ? rec.calls : 0;
            const char *flip = col(row, w->evs[e]->name, "flip"), *unstable = col(row, w->evs[e]->name, "unstable");
            rec.flip = flip && *flip ? strtod(flip, NULL) : NAN;
            rec.unstable = unstable && strcmp(unstable, "true") == 0;
            eval_summary_add(&res->ev[e], &rec);
            failed |= rec.error != NULL;
        }
        mark(ud, ri);
        res->rows_done++;
        res->rows_failed += failed;
        as_row_free(row);
    }
    as_rows_close(rows);
    if (rc) as_err_prefix(err, "cannot resume: ");
    return rc;
}

static void csv_header(eval_out *w) {
    as_buf *b = &w->line;
    as_buf_reset(b);
    csv_field(b, "row", true);
    for (size_t c = 0; c < w->ncols; c++) csv_field(b, w->cols[c], false);
    char name[160];
    for (size_t e = 0; e < w->nev; e++) {
        for (size_t i = 0; i < AS_ARRAY_LEN(csv_fields); i++) {
            snprintf(name, sizeof name, "%s.%s", w->evs[e]->name, csv_fields[i]);
            csv_field(b, name, false);
        }
        for (size_t i = 0; w->repeat > 1 && i < AS_ARRAY_LEN(csv_repeat_fields); i++) {
            snprintf(name, sizeof name, "%s.%s", w->evs[e]->name, csv_repeat_fields[i]);
            csv_field(b, name, false);
        }
    }
    as_buf_puts(b, "\r\n");
    write_line(w);
}

as_rc eval_out_open(eval_out *w, const char *path, bool resume,
                    const char *const *cols, size_t ncols,
                    as_evaluator *const *evs, size_t nev, int repeat,
                    eval_mark_fn mark, void *ud, as_eval_result *res, as_err *err) {
    memset(w, 0, sizeof *w);
    if (has_suffix(path, ".csv")) w->csv = true;
    else if (!has_suffix(path, ".jsonl") && !has_suffix(path, ".ndjson"))
        return as_err_set(err, AS_EUNSUPPORTED, "--out %s: the name must end in .jsonl or .csv",
                          path);
    w->path = as_xstrdup(path);
    w->evs = evs;
    w->nev = nev;
    w->repeat = repeat;
    w->ncols = ncols;
    w->cols = as_xcalloc(ncols + 1, sizeof *w->cols);
    for (size_t i = 0; i < ncols; i++) w->cols[i] = as_xstrdup(cols[i]);
    as_buf_init(&w->line, LINE_MAX_BYTES);
    as_rc rc = AS_OK;
    bool append = false;
    if (resume) {
        rc = w->csv ? resume_csv(w, mark, ud, res, err) : resume_jsonl(w, mark, ud, res, err);
        append = res->rows_done > 0;
    }
    if (rc == AS_OK) {
        w->f = fopen(path, append ? "ab" : "wb");
        if (!w->f) rc = as_err_set(err, AS_EIO, "--out %s: %s", path, strerror(errno));
        else {
            /* glibc ignores the size when it is given no buffer (it keeps
             * st_blksize, 4 KB): one write(2) per 4 KB of output */
            w->fbuf = as_xmalloc(OUT_BUF_BYTES);
            setvbuf(w->f, w->fbuf, _IOFBF, OUT_BUF_BYTES);
        }
    }
    if (rc == AS_OK && w->csv && !append) csv_header(w);
    if (rc == AS_OK && w->err.code) { *err = w->err; rc = w->err.code; }
    if (rc) eval_out_close(w, NULL);
    return rc;
}

as_rc eval_out_close(eval_out *w, as_err *err) {
    as_rc rc = w->err.code;
    if (rc && err) *err = w->err;
    if (w->f && fclose(w->f) != 0 && rc == AS_OK)
        rc = as_err_set(err, AS_EIO, "%s: %s", w->path, strerror(errno));
    w->f = NULL;
    free(w->fbuf);
    w->fbuf = NULL;
    for (size_t i = 0; i < w->ncols; i++) free(w->cols[i]);
    free(w->cols);
    w->cols = NULL;
    free(w->path);
    w->path = NULL;
    as_buf_release(&w->line);
    return rc;
}
