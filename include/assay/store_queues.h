/*
 * store_queues.h - labelling queues (an assay extension): spans, traces
 * and dataset examples waiting for human annotations on a queue's
 * annotation configs.  There are no accounts: an annotator is a name.
 *
 * An item needs `required` answers ("done" responses by different
 * annotators); an annotator answers an item once (done or skipped; a
 * new submit replaces their earlier answer).  as_store_queue_next hands
 * an item to one annotator under a lease, so that two people do not
 * label the same item while one answer is all it still needs; leases
 * that expire are reclaimed.  Submitted answers are written as HUMAN
 * annotations (source "APP") on the item's target with the identifier
 * "queue:<queue id>:<annotator>", so the answers of several annotators
 * coexist and a re-submit updates its own.
 *
 * Same conventions as store.h: new jansson references for the caller,
 * rowids, unix-ns times; each call is one transaction.
 */
#ifndef ASSAY_STORE_QUEUES_H
#define ASSAY_STORE_QUEUES_H

#include "assay/store.h"

#define AS_ANNOTATOR_MAX 128        /* bytes of an annotator name         */

/* queue object: {id, name, description, instructions, required,
 * annotation_configs[config objects (store_annotations.h), in queue
 * order], created_at, updated_at, progress{total, complete,
 * in_progress, pending}}.  An item is complete with `required` done
 * answers, in progress with fewer but at least one or under an active
 * lease, else pending. */

/* spec: {name, description?, instructions?, required? (default 1),
 * annotation_configs: [config rowid (integer) or name (string)...]
 * (at least one)}.  For update every field is optional; a given
 * annotation_configs replaces the list.  ENOTFOUND names an unknown
 * config; ECONFLICT a taken name. */
as_rc as_store_queue_create(as_store *st, const json_t *spec, json_t **row,
                            as_err *err);
as_rc as_store_queue_update(as_store *st, int64_t id, const json_t *spec,
                            json_t **row, as_err *err);
as_rc as_store_queue_get(as_store *st, int64_t id, json_t **row, as_err *err);
/* The rowid of the queue named name; ENOTFOUND naming it. */
as_rc as_store_queue_find(as_store *st, const char *name, int64_t *id, as_err *err);
as_rc as_store_queue_list(as_store *st, int64_t after_id, int limit,
                          json_t **rows, bool *has_next, as_err *err);
as_rc as_store_queue_delete(as_store *st, int64_t id, as_err *err);

typedef enum as_queue_kind {
    AS_QITEM_SPAN,
    AS_QITEM_TRACE,
    AS_QITEM_EXAMPLE
} as_queue_kind;

/* "span", "trace", "example" (the wire names). */
const char *as_queue_kind_name(as_queue_kind k);

typedef struct as_queue_target {
    as_queue_kind kind;
    int64_t rowid;              /* span / trace / dataset example rowid   */
} as_queue_target;

/* Add items; targets already in the queue are left as they are.
 * ids[i] receives the item id of targets[i]; *added the number of new
 * items.  ENOTFOUND "items[3]: example 12 not found" when a target does
 * not exist (nothing is added). */
as_rc as_store_queue_add_items(as_store *st, int64_t queue_id,
                               const as_queue_target *targets, size_t n,
                               int64_t *ids, size_t *added, as_err *err);

typedef enum as_queue_status {
    AS_QSTATUS_ALL,
    AS_QSTATUS_PENDING,         /* fewer than `required` done answers     */
    AS_QSTATUS_COMPLETE
} as_queue_status;

/* item object: {id, queue_id, kind, target_id, target_key (span id hex
 * | trace id hex | null), done_count, complete (bool), created_at,
 * responses[{annotator, status ("done" | "skipped" | "leased"),
 * lease_expires (ns or null), created_at, updated_at}]} */
as_rc as_store_queue_items(as_store *st, int64_t queue_id,
                           as_queue_status status, int64_t after_id,
                           int limit, json_t **rows, bool *has_next,
                           as_err *err);

/* The next item for `annotator`: one they have not answered, that still
 * needs answers once the active leases of others are counted (fewest
 * done answers first, then oldest); an item they already lease comes
 * first.  It is leased to them until now_ns + lease_ns.  *item is an
 * item object plus content: span {name, span_kind, span_id, trace_id,
 * attributes (nested)}, trace {trace_id, root_span (the same span
 * shape or null)}, example {dataset_id, input, output, metadata}; NULL
 * when nothing is left for them. */
as_rc as_store_queue_next(as_store *st, int64_t queue_id,
                          const char *annotator, int64_t now_ns,
                          int64_t lease_ns, json_t **item, as_err *err);

/* One answer: the config's name and the value (label/score/explanation,
 * NULL / has_score false when absent). */
typedef struct as_queue_answer {
    const char *name;
    const char *label;
    bool has_score;
    double score;
    const char *explanation;
} as_queue_answer;

/* Record annotator's answers on an item: each is checked against the
 * queue's config of that name (EUNPROCESSABLE "annotations[1]: ..."),
 * written as an annotation on the target (and the note, if any, as a
 * note), and the response becomes "done".  *item receives the item
 * object afterwards.  ENOTFOUND: queue or item (of that queue). */
as_rc as_store_queue_submit(as_store *st, int64_t queue_id, int64_t item_id,
                            const char *annotator, const as_queue_answer *a,
                            size_t n, const char *note, json_t **item,
                            as_err *err);

/* Record that annotator skips an item (their lease ends).  ECONFLICT
 * when they have already answered it done. */
as_rc as_store_queue_skip(as_store *st, int64_t queue_id, int64_t item_id,
                          const char *annotator, json_t **item, as_err *err);

/* {queue_id, required, total, complete, in_progress, pending,
 * annotators[{annotator, done, skipped}] (by name)}; now_ns decides
 * which leases are active. */
as_rc as_store_queue_progress(as_store *st, int64_t queue_id, int64_t now_ns,
                              json_t **row, as_err *err);

#endif
