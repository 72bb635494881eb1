/*
 * queues.c - the public labelling-queue API (store_queues.h): one-line
 * dispatch to the backend's queue vtable (queues_ops.h).
 */
#include "queues_ops.h"

#define Q(st) ((st)->ops->queues)

const char *as_queue_kind_name(as_queue_kind k) {
    switch (k) {
    case AS_QITEM_SPAN: return "span";
    case AS_QITEM_TRACE: return "trace";
    case AS_QITEM_EXAMPLE: return "example";
    }
    return "?";
}

as_rc as_store_queue_create(as_store *st, const json_t *spec, json_t **row,
                            as_err *err) {
    return Q(st)->create(st, spec, row, err);
}
as_rc as_store_queue_update(as_store *st, int64_t id, const json_t *spec,
                            json_t **row, as_err *err) {
    return Q(st)->update(st, id, spec, row, err);
}
as_rc as_store_queue_get(as_store *st, int64_t id, json_t **row, as_err *err) {
    return Q(st)->get(st, id, row, err);
}
as_rc as_store_queue_find(as_store *st, const char *name, int64_t *id, as_err *err) {
    return Q(st)->find(st, name, id, err);
}
as_rc as_store_queue_list(as_store *st, int64_t after_id, int limit,
                          json_t **rows, bool *has_next, as_err *err) {
    return Q(st)->list(st, after_id, limit, rows, has_next, err);
}
as_rc as_store_queue_delete(as_store *st, int64_t id, as_err *err) {
    return Q(st)->remove(st, id, err);
}
as_rc as_store_queue_add_items(as_store *st, int64_t queue_id,
                               const as_queue_target *t, size_t n,
                               int64_t *ids, size_t *added, as_err *err) {
    return Q(st)->add_items(st, queue_id, t, n, ids, added, err);
}
as_rc as_store_queue_items(as_store *st, int64_t queue_id,
                           as_queue_status status, int64_t after_id,
                           int limit, json_t **rows, bool *has_next,
                           as_err *err) {
    return Q(st)->items(st, queue_id, status, after_id, limit, rows, has_next, err);
}
as_rc as_store_queue_next(as_store *st, int64_t queue_id,
                          const char *annotator, int64_t now_ns,
                          int64_t lease_ns, json_t **item, as_err *err) {
    return Q(st)->next(st, queue_id, annotator, now_ns, lease_ns, item, err);
}
as_rc as_store_queue_submit(as_store *st, int64_t queue_id, int64_t item_id,
                            const char *annotator, const as_queue_answer *a,
                            size_t n, const char *note, json_t **item,
                            as_err *err) {
    return Q(st)->submit(st, queue_id, item_id, annotator, a, n, note, item, err);
}
as_rc as_store_queue_skip(as_store *st, int64_t queue_id, int64_t item_id,
                          const char *annotator, json_t **item, as_err *err) {
    return Q(st)->skip(st, queue_id, item_id, annotator, item, err);
}
as_rc as_store_queue_progress(as_store *st, int64_t queue_id, int64_t now_ns,
                              json_t **row, as_err *err) {
    return Q(st)->progress(st, queue_id, now_ns, row, err);
}
