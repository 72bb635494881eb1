/*
 * prepare.c - the work done for an ingest request on a decode worker,
 * before it is queued: OpenInference normalisation (which also writes the
 * attributes, events and links as JSON text into the batch's arena, see
 * normalize.c), and linking each span to its parent within the same
 * request (an open-addressing map of span ids).  Keeping this off the
 * single writer thread lets decode scale with cores.
 */
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/ingest.h"
#include "assay/normalize.h"

as_ingest_job *as_ingest_job_new(as_span_batch *batch, const char *project) {
    as_ingest_job *j = as_xcalloc(1, sizeof(*j));
    j->req.batch = *batch;
    as_span_batch_init(batch);
    if (project) j->req.project_override = as_arena_strdup(&j->req.batch.arena, project);
    return j;
}

void as_ingest_job_free(as_ingest_job *j) {
    if (!j) return;
    free(j->req.items);                 /* the JSON texts are in the arena */
    as_span_batch_release(&j->req.batch);
    free(j);
}

static uint64_t key64(const uint8_t b[8]) {
    uint64_t v;
    memcpy(&v, b, 8);
    return v ? v : 1;
}

static void link_parents(as_ingest_request *r) {
    size_t n = r->batch.n, cap = 16;
    while (cap < 2 * n) cap *= 2;
    int *slot = as_xmalloc(cap * sizeof(*slot));
    memset(slot, 0xff, cap * sizeof(*slot));
    for (size_t i = 0; i < n; i++) {
        size_t h = (size_t)(key64(r->batch.spans[i].span_id) * 0x9E3779B97F4A7C15ULL) & (cap - 1);
        while (slot[h] >= 0) h = (h + 1) & (cap - 1);
        slot[h] = (int)i;
    }
    for (size_t i = 0; i < n; i++) {
        const as_span *s = &r->batch.spans[i];
        r->items[i].parent_index = -1;
        if (!s->has_parent) continue;
        size_t h = (size_t)(key64(s->parent_id) * 0x9E3779B97F4A7C15ULL) & (cap - 1);
        for (; slot[h] >= 0; h = (h + 1) & (cap - 1)) {
            const as_span *p = &r->batch.spans[slot[h]];
            if (memcmp(p->span_id, s->parent_id, 8) == 0 &&
                memcmp(p->trace_id, s->trace_id, 16) == 0 && (size_t)slot[h] != i) {
                r->items[i].parent_index = slot[h];
                break;
            }
        }
    }
    free(slot);
}

as_rc as_ingest_prepare(as_ingest_job *j, as_err *err) {
    as_ingest_request *r = &j->req;
    as_rc rc = as_normalize_batch(&r->batch, err);
    if (rc != AS_OK) return rc;
    r->items = as_xcalloc(r->batch.n ? r->batch.n : 1, sizeof(*r->items));
    for (size_t i = 0; i < r->batch.n; i++) {
        as_span *s = &r->batch.spans[i];
        as_ingest_span *it = &r->items[i];
        it->span = s;
        it->attributes_json = (char *)s->attributes_json;
        it->events_json = (char *)s->events_json;
        it->links_json = (char *)s->links_json;
    }
    link_parents(r);
    return AS_OK;
}
