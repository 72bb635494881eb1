/* test_otlp.c - OTLP protobuf and JSON decoding, limits, error messages,
 * the export responses and the shared UTF-8 checker. */
#include "harness.h"

#include <math.h>

#include "assay/hex.h"
#include "assay/otlp.h"
#include "assay/timefmt.h"

#include "otlp_trace_service.pb-c.h"

#define CHECK_HAS(msg, sub) do { const char *th_m = (msg), *th_s = (sub); \
    if (!strstr(th_m, th_s)) { th_failed_checks++; \
    fprintf(stderr, "  %s:%d: %s: message \"%s\" lacks \"%s\"\n", __FILE__, \
            __LINE__, th_current, th_m, th_s); } } while (0)

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest PbRequest;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans PbResourceSpans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans PbScopeSpans;
typedef Opentelemetry__Proto__Trace__V1__Span PbSpan;
typedef Opentelemetry__Proto__Trace__V1__Span__Event PbEvent;
typedef Opentelemetry__Proto__Trace__V1__Span__Link PbLink;
typedef Opentelemetry__Proto__Trace__V1__Status PbStatus;
typedef Opentelemetry__Proto__Resource__V1__Resource PbResource;
typedef Opentelemetry__Proto__Common__V1__KeyValue PbKeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue PbAnyValue;
typedef Opentelemetry__Proto__Common__V1__ArrayValue PbArrayValue;
typedef Opentelemetry__Proto__Common__V1__KeyValueList PbKeyValueList;

#define ANY_STRING OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
#define ANY_BOOL OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE
#define ANY_INT OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE
#define ANY_DOUBLE OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE
#define ANY_ARRAY OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE
#define ANY_KVLIST OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE
#define ANY_BYTES OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE

/* ------------------------------------------------------------------ */
/* protobuf fixtures                                                   */
/* ------------------------------------------------------------------ */

#define FX_MAX 8
/* One request: nrs resources, each with nss scopes, each with nsp spans
 * (all spans share storage: spans[k] appears in every scope). */
typedef struct fx {
    PbRequest req;
    PbResourceSpans rs[FX_MAX], *rsp[FX_MAX];
    PbResource res;
    PbKeyValue res_kv, *res_kvp[1];
    PbAnyValue res_val;
    PbScopeSpans ss[FX_MAX], *ssp[FX_MAX];
    PbSpan spans[FX_MAX], *spanp[FX_MAX];
    PbStatus status;
    uint8_t tid[16], sid[FX_MAX][8], pid[8];
} fx;

static void fx_init(fx *f, size_t nrs, size_t nss, size_t nsp) {
    memset(f, 0, sizeof(*f));
    f->req = (PbRequest)OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
    for (size_t i = 0; i < 16; i++) f->tid[i] = (uint8_t)(i + 1);
    for (size_t i = 0; i < 8; i++) f->pid[i] = (uint8_t)(0xa0 + i);
    for (size_t k = 0; k < nsp; k++) {
        PbSpan *s = &f->spans[k];
        *s = (PbSpan)OPENTELEMETRY__PROTO__TRACE__V1__SPAN__INIT;
        for (size_t i = 0; i < 8; i++) f->sid[k][i] = (uint8_t)(0x10 * (k + 1) + i);
        s->trace_id.data = f->tid;
        s->trace_id.len = 16;
        s->span_id.data = f->sid[k];
        s->span_id.len = 8;
        s->name = "foo";
        f->spanp[k] = s;
    }
    for (size_t j = 0; j < nss; j++) {
        f->ss[j] = (PbScopeSpans)OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
        f->ss[j].n_spans = nsp;
        f->ss[j].spans = f->spanp;
        f->ssp[j] = &f->ss[j];
    }
    for (size_t i = 0; i < nrs; i++) {
        f->rs[i] = (PbResourceSpans)OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
        f->rs[i].n_scope_spans = nss;
        f->rs[i].scope_spans = f->ssp;
        f->rsp[i] = &f->rs[i];
    }
    f->req.n_resource_spans = nrs;
    f->req.resource_spans = f->rsp;
}

static uint8_t *pack_req(const PbRequest *r, size_t *n) {
    *n = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(r);
    uint8_t *buf = malloc(*n ? *n : 1);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(r, buf);
    return buf;
}

static as_rc fx_decode(const fx *f, as_span_batch *b, as_err *e) {
    size_t n;
    uint8_t *buf = pack_req(&f->req, &n);
    as_span_batch_init(b);
    as_err_clear(e);
    as_rc rc = as_otlp_decode_protobuf(buf, n, b, e);
    free(buf);
    return rc;
}

static void kv_init(PbKeyValue *kv, PbAnyValue *v, const char *key) {
    *kv = (PbKeyValue)OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
    *v = (PbAnyValue)OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    kv->key = (char *)key;
    kv->value = v;
}
static void kv_str(PbKeyValue *kv, PbAnyValue *v, const char *key, const char *s) {
    kv_init(kv, v, key);
    v->value_case = ANY_STRING;
    v->string_value = (char *)s;
}
static void kv_int(PbKeyValue *kv, PbAnyValue *v, const char *key, int64_t x) {
    kv_init(kv, v, key);
    v->value_case = ANY_INT;
    v->int_value = x;
}
static void kv_dbl(PbKeyValue *kv, PbAnyValue *v, const char *key, double d) {
    kv_init(kv, v, key);
    v->value_case = ANY_DOUBLE;
    v->double_value = d;
}

/* Decoded spans seen as jansson values (span.h keeps them in the arena);
 * the views are freed at exit. */
static json_t *views[1024];
static size_t nviews;
static void free_views(void) { while (nviews) json_decref(views[--nviews]); }
static json_t *view(json_t *j) {
    if (nviews == 0) atexit(free_views);
    if (nviews < AS_ARRAY_LEN(views)) views[nviews++] = j;
    return j;
}
static json_t *attrs_of(const as_span *sp) {
    return view(as_attrs_json(sp->attrs, sp->n_attrs));
}
static json_t *events_of(const as_span *sp) {
    json_t *a = json_array();
    for (size_t i = 0; i < sp->n_events; i++) {
        char iso[AS_ISO_MAX];
        as_time_iso(sp->events[i].time_ns, iso);
        json_array_append_new(a, json_pack("{s:s%, s:s, s:o}", "name", sp->events[i].name,
                                           sp->events[i].name_len, "timestamp", iso, "attributes",
                                           as_attrs_json(sp->events[i].attrs, sp->events[i].n_attrs)));
    }
    return view(a);
}
static json_t *links_of(const as_span *sp) {
    json_t *a = json_array();
    for (size_t i = 0; i < sp->n_links; i++) {
        char tid[33], sid[17];
        as_hex_encode(sp->links[i].trace_id, 16, tid);
        as_hex_encode(sp->links[i].span_id, 8, sid);
        json_array_append_new(a, json_pack("{s:s, s:s, s:o}", "trace_id", tid, "span_id", sid,
                                           "attributes", as_attrs_json(sp->links[i].attrs,
                                                                       sp->links[i].n_attrs)));
    }
    return view(a);
}

static char *dump(const json_t *j) {
    static char buf[4096];
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    snprintf(buf, sizeof(buf), "%s", s ? s : "(null)");
    free(s);
    return buf;
}

/* ------------------------------------------------------------------ */
/* protobuf: content                                                   */
/* ------------------------------------------------------------------ */

TEST(pb_full_span) {
    fx f;
    fx_init(&f, 1, 1, 1);
    PbSpan *s = &f.spans[0];
    s->parent_span_id.data = f.pid;
    s->parent_span_id.len = 8;
    s->kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
    s->start_time_unix_nano = 1714564800123456789ULL;
    s->end_time_unix_nano = 1714564801000000000ULL;
    s->flags = 0x301;
    s->dropped_attributes_count = 0;
    f.status = (PbStatus)OPENTELEMETRY__PROTO__TRACE__V1__STATUS__INIT;
    f.status.code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
    f.status.message = "boom";
    s->status = &f.status;

    /* attributes of every AnyValue type */
    PbKeyValue kv[9], *kvp[9];
    PbAnyValue v[9];
    kv_str(&kv[0], &v[0], "llm.model_name", "gpt-4o");
    kv_int(&kv[1], &v[1], "llm.token_count.prompt", 12);
    kv_dbl(&kv[2], &v[2], "llm.temperature", 0.5);
    kv_init(&kv[3], &v[3], "flag");
    v[3].value_case = ANY_BOOL;
    v[3].bool_value = 1;
    PbAnyValue elems[2];
    PbAnyValue *elemp[2] = { &elems[0], &elems[1] };
    elems[0] = (PbAnyValue)OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    elems[0].value_case = ANY_STRING;
    elems[0].string_value = "a";
    elems[1] = (PbAnyValue)OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    elems[1].value_case = ANY_INT;
    elems[1].int_value = 2;
    PbArrayValue arr = OPENTELEMETRY__PROTO__COMMON__V1__ARRAY_VALUE__INIT;
    arr.n_values = 2;
    arr.values = elemp;
    kv_init(&kv[4], &v[4], "tag.tags");
    v[4].value_case = ANY_ARRAY;
    v[4].array_value = &arr;
    PbKeyValue inner[1], *innerp[1] = { &inner[0] };
    PbAnyValue innerv[1];
    kv_str(&inner[0], &innerv[0], "x", "y");
    PbKeyValueList kvl = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE_LIST__INIT;
    kvl.n_values = 1;
    kvl.values = innerp;
    kv_init(&kv[5], &v[5], "obj");
    v[5].value_case = ANY_KVLIST;
    v[5].kvlist_value = &kvl;
    uint8_t raw[] = { 0xde, 0xad, 0xbe, 0xef };
    kv_init(&kv[6], &v[6], "blob");
    v[6].value_case = ANY_BYTES;
    v[6].bytes_value.data = raw;
    v[6].bytes_value.len = 4;
    kv_init(&kv[7], &v[7], "empty");            /* no value set -> null */
    kv_int(&kv[8], &v[8], "big", INT64_MIN);
    for (int i = 0; i < 9; i++) kvp[i] = &kv[i];
    s->n_attributes = 9;
    s->attributes = kvp;

    /* an exception event and a link */
    PbKeyValue ekv[2], *ekvp[2] = { &ekv[0], &ekv[1] };
    PbAnyValue ev_v[2];
    kv_str(&ekv[0], &ev_v[0], "exception.type", "ValueError");
    kv_str(&ekv[1], &ev_v[1], "exception.message", "bad value");
    PbEvent ev = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__EVENT__INIT, *evp = &ev;
    ev.name = "exception";
    ev.time_unix_nano = 1714564800500000000ULL;
    ev.n_attributes = 2;
    ev.attributes = ekvp;
    s->n_events = 1;
    s->events = &evp;
    PbLink link = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__LINK__INIT, *linkp = &link;
    uint8_t ltid[16], lsid[8];
    memset(ltid, 0x77, 16);
    memset(lsid, 0x88, 8);
    link.trace_id.data = ltid;
    link.trace_id.len = 16;
    link.span_id.data = lsid;
    link.span_id.len = 8;
    PbKeyValue lkv, *lkvp = &lkv;
    PbAnyValue lv;
    kv_str(&lkv, &lv, "why", "retry");
    link.n_attributes = 1;
    link.attributes = &lkvp;
    s->n_links = 1;
    s->links = &linkp;

    /* resource with the project name */
    f.res = (PbResource)OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
    kv_str(&f.res_kv, &f.res_val, "openinference.project.name", "my-project");
    f.res_kvp[0] = &f.res_kv;
    f.res.n_attributes = 1;
    f.res.attributes = f.res_kvp;
    f.rs[0].resource = &f.res;

    as_span_batch b;
    as_err e;
    CHECK_INT(fx_decode(&f, &b, &e), AS_OK);
    CHECK_INT(b.n, 1);
    if (b.n == 1) {
        as_span *sp = &b.spans[0];
        char hex[33];
        as_hex_encode(sp->trace_id, 16, hex);
        CHECK_STR(hex, "0102030405060708090a0b0c0d0e0f10");
        as_hex_encode(sp->span_id, 8, hex);
        CHECK_STR(hex, "1011121314151617");
        CHECK(sp->has_parent);
        as_hex_encode(sp->parent_id, 8, hex);
        CHECK_STR(hex, "a0a1a2a3a4a5a6a7");
        CHECK_STR(sp->name, "foo");
        CHECK_INT(sp->otel_kind, 3);
        CHECK_INT(sp->start_ns, 1714564800123456789LL);
        CHECK_INT(sp->end_ns, 1714564801000000000LL);
        CHECK_INT(sp->status_code, AS_STATUS_ERROR);
        CHECK_STR(sp->status_message, "boom");
        CHECK_STR(sp->project_name, "my-project");
        CHECK_STR(dump(attrs_of(sp)),
                  "{\"big\":-9223372036854775808,\"blob\":\"3q2+7w==\",\"empty\":null,"
                  "\"flag\":true,\"llm.model_name\":\"gpt-4o\",\"llm.temperature\":0.5,"
                  "\"llm.token_count.prompt\":12,\"obj\":{\"x\":\"y\"},\"tag.tags\":[\"a\",2]}");
        CHECK(json_is_integer(json_object_get(attrs_of(sp), "llm.token_count.prompt")));
        CHECK(json_is_real(json_object_get(attrs_of(sp), "llm.temperature")));
        CHECK_STR(dump(events_of(sp)),
                  "[{\"attributes\":{\"exception.message\":\"bad value\",\"exception.type\":"
                  "\"ValueError\"},\"name\":\"exception\",\"timestamp\":"
                  "\"2024-05-01T12:00:00.500000+00:00\"}]");
        CHECK_STR(dump(links_of(sp)),
                  "[{\"attributes\":{\"why\":\"retry\"},\"span_id\":\"8888888888888888\","
                  "\"trace_id\":\"77777777777777777777777777777777\"}]");
    }
    as_span_batch_release(&b);
}

TEST(pb_defaults_and_roots) {
    fx f;
    fx_init(&f, 1, 1, 2);
    uint8_t zero[8] = { 0 };
    f.spans[1].parent_span_id.data = zero;    /* all-zero parent = root */
    f.spans[1].parent_span_id.len = 8;
    f.spans[0].name = "";
    as_span_batch b;
    as_err e;
    CHECK_INT(fx_decode(&f, &b, &e), AS_OK);
    CHECK_INT(b.n, 2);
    if (b.n == 2) {
        CHECK(!b.spans[0].has_parent);
        CHECK(!b.spans[1].has_parent);
        CHECK_STR(b.spans[0].name, "");
        CHECK_STR(b.spans[0].status_message, "");
        CHECK_INT(b.spans[0].status_code, AS_STATUS_UNSET);
        CHECK(b.spans[0].project_name == NULL);
        CHECK_INT(json_object_size(attrs_of(&b.spans[0])), 0);
        CHECK_INT(json_array_size(events_of(&b.spans[0])), 0);
        CHECK_INT(json_array_size(links_of(&b.spans[0])), 0);
    }
    as_span_batch_release(&b);
}

TEST(pb_empty_body) {
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    CHECK_INT(as_otlp_decode_protobuf((const uint8_t *)"", 0, &b, &e), AS_OK);
    CHECK_INT(b.n, 0);
    CHECK_INT(as_otlp_decode_protobuf(NULL, 0, &b, &e), AS_OK);
    as_span_batch_release(&b);
}

TEST(pb_duplicate_keys_last_wins) {
    fx f;
    fx_init(&f, 1, 1, 1);
    PbKeyValue kv[3], *kvp[3] = { &kv[0], &kv[1], &kv[2] };
    PbAnyValue v[3];
    kv_str(&kv[0], &v[0], "k", "first");
    kv_int(&kv[1], &v[1], "other", 1);
    kv_str(&kv[2], &v[2], "k", "second");
    f.spans[0].n_attributes = 3;
    f.spans[0].attributes = kvp;
    as_span_batch b;
    as_err e;
    CHECK_INT(fx_decode(&f, &b, &e), AS_OK);
    if (b.n == 1) CHECK_STR(dump(attrs_of(&b.spans[0])), "{\"k\":\"second\",\"other\":1}");
    as_span_batch_release(&b);
}

TEST(pb_nan_infinity) {
    fx f;
    fx_init(&f, 1, 1, 1);
    PbKeyValue kv[3], *kvp[3] = { &kv[0], &kv[1], &kv[2] };
    PbAnyValue v[3];
    kv_dbl(&kv[0], &v[0], "n", NAN);
    kv_dbl(&kv[1], &v[1], "p", INFINITY);
    kv_dbl(&kv[2], &v[2], "m", -INFINITY);
    f.spans[0].n_attributes = 3;
    f.spans[0].attributes = kvp;
    as_span_batch b;
    as_err e;
    CHECK_INT(fx_decode(&f, &b, &e), AS_OK);
    if (b.n == 1)
        CHECK_STR(dump(attrs_of(&b.spans[0])), "{\"m\":\"-Infinity\",\"n\":\"NaN\",\"p\":\"Infinity\"}");
    as_span_batch_release(&b);
}

TEST(pb_utf8_roundtrip) {
    fx f;
    fx_init(&f, 1, 1, 1);
    const char *ja = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad"
                     "\xe3\x82\xb9\xe3\x83\x88";                        /* 日本語のテキスト */
    const char *emoji = "ok \xf0\x9f\x98\x80\xf0\x9f\x9a\x80";          /* ok 😀🚀 */
    f.spans[0].name = (char *)ja;
    PbKeyValue kv[2], *kvp[2] = { &kv[0], &kv[1] };
    PbAnyValue v[2];
    kv_str(&kv[0], &v[0], "input.value", ja);
    kv_str(&kv[1], &v[1], emoji, emoji);
    f.spans[0].n_attributes = 2;
    f.spans[0].attributes = kvp;
    as_span_batch b;
    as_err e;
    CHECK_INT(fx_decode(&f, &b, &e), AS_OK);
    if (b.n == 1) {
        CHECK_STR(b.spans[0].name, ja);
        CHECK_STR(json_string_value(json_object_get(attrs_of(&b.spans[0]), "input.value")), ja);
        CHECK_STR(json_string_value(json_object_get(attrs_of(&b.spans[0]), emoji)), emoji);
    }
    as_span_batch_release(&b);
}

TEST(pb_unknown_fields_skipped) {
    fx f;
    fx_init(&f, 1, 1, 1);
    size_t n;
    uint8_t *buf = pack_req(&f.req, &n);
    /* Append unknown fields at the top level: 99 varint, 100 bytes, 101 fixed32. */
    uint8_t extra[] = { 0x98, 0x06, 0x01, 0xa2, 0x06, 0x02, 'h', 'i', 0xad, 0x06, 1, 2, 3, 4 };
    uint8_t *all = malloc(n + sizeof(extra));
    memcpy(all, buf, n);
    memcpy(all + n, extra, sizeof(extra));
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    CHECK_INT(as_otlp_decode_protobuf(all, n + sizeof(extra), &b, &e), AS_OK);
    CHECK_INT(b.n, 1);
    as_span_batch_release(&b);
    free(buf);
    free(all);
}

TEST(pb_kind_status_out_of_range) {
    fx f;
    fx_init(&f, 1, 1, 1);
    f.spans[0].kind = 42;
    f.status = (PbStatus)OPENTELEMETRY__PROTO__TRACE__V1__STATUS__INIT;
    f.status.code = 7;
    f.spans[0].status = &f.status;
    as_span_batch b;
    as_err e;
    CHECK_INT(fx_decode(&f, &b, &e), AS_OK);
    if (b.n == 1) {
        CHECK_INT(b.spans[0].otel_kind, 0);
        CHECK_INT(b.spans[0].status_code, AS_STATUS_UNSET);
    }
    as_span_batch_release(&b);
}

TEST(pb_project_name_per_resource) {
    fx f;
    fx_init(&f, 2, 1, 1);
    f.res = (PbResource)OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
    kv_str(&f.res_kv, &f.res_val, "openinference.project.name", "p1");
    f.res_kvp[0] = &f.res_kv;
    f.res.n_attributes = 1;
    f.res.attributes = f.res_kvp;
    f.rs[0].resource = &f.res;
    as_span_batch b;
    as_err e;
    CHECK_INT(fx_decode(&f, &b, &e), AS_OK);
    CHECK_INT(b.n, 2);
    if (b.n == 2) {
        CHECK_STR(b.spans[0].project_name, "p1");
        CHECK(b.spans[1].project_name == NULL);
    }
    as_span_batch_release(&b);
}

/* ------------------------------------------------------------------ */
/* protobuf: rejections                                                */
/* ------------------------------------------------------------------ */

static void expect_pb_error(const fx *f, as_rc want, const char *sub) {
    as_span_batch b;
    as_err e;
    CHECK_INT(fx_decode(f, &b, &e), want);
    CHECK_HAS(e.msg, sub);
    as_span_batch_release(&b);
}

TEST(pb_bad_ids) {
    fx f;
    uint8_t seven[7] = { 1, 2, 3, 4, 5, 6, 7 }, zero16[16] = { 0 }, three[3] = { 1, 2, 3 };

    fx_init(&f, 1, 1, 1);
    f.spans[0].span_id.len = 7;
    f.spans[0].span_id.data = seven;
    expect_pb_error(&f, AS_EINVAL,
                    "resourceSpans[0].scopeSpans[0].spans[0] (name \"foo\"): spanId must be 8 bytes, got 7");

    fx_init(&f, 1, 1, 1);
    f.spans[0].trace_id.len = 15;
    expect_pb_error(&f, AS_EINVAL, "spans[0] (name \"foo\"): traceId must be 16 bytes, got 15");

    fx_init(&f, 1, 1, 1);
    f.spans[0].trace_id.len = 0;
    expect_pb_error(&f, AS_EINVAL, "traceId must be 16 bytes, got 0");

    fx_init(&f, 1, 1, 1);
    f.spans[0].trace_id.data = zero16;
    expect_pb_error(&f, AS_EINVAL, "traceId must not be all zero");

    fx_init(&f, 1, 1, 1);
    f.spans[0].span_id.data = zero16;
    expect_pb_error(&f, AS_EINVAL, "spanId must not be all zero");

    fx_init(&f, 1, 1, 1);
    f.spans[0].parent_span_id.data = three;
    f.spans[0].parent_span_id.len = 3;
    expect_pb_error(&f, AS_EINVAL, "parentSpanId must be empty or 8 bytes, got 3");
}

TEST(pb_error_names_location) {
    fx f;
    fx_init(&f, 2, 2, 5);
    /* spans are shared by every scope: make the 5th span bad, it is first
     * met at resourceSpans[0].scopeSpans[0].spans[4]. */
    f.spans[4].span_id.len = 7;
    f.spans[4].name = "llm \"call\"\n";
    as_span_batch b;
    as_err e;
    CHECK_INT(fx_decode(&f, &b, &e), AS_EINVAL);
    CHECK_HAS(e.msg, "resourceSpans[0].scopeSpans[0].spans[4] (name \"llm ?call??\"): spanId");
    as_span_batch_release(&b);

    /* only in the second resource: give it its own scope list */
    fx_init(&f, 2, 2, 5);
    PbScopeSpans ss2[2], *ss2p[2] = { &ss2[0], &ss2[1] };
    PbSpan spans2[5], *spans2p[5];
    for (int i = 0; i < 5; i++) { spans2[i] = f.spans[i]; spans2p[i] = &spans2[i]; }
    spans2[4].span_id.len = 7;
    ss2[0] = f.ss[0];
    ss2[1] = f.ss[1];
    ss2[1].spans = spans2p;
    f.rs[1].scope_spans = ss2p;
    CHECK_INT(fx_decode(&f, &b, &e), AS_EINVAL);
    CHECK_HAS(e.msg, "resourceSpans[1].scopeSpans[1].spans[4] (name \"foo\"): spanId must be 8 bytes, got 7");
    CHECK_INT(b.n, 20);   /* the spans decoded so far are left to release */
    as_span_batch_release(&b);
}

TEST(pb_long_name_is_cut) {
    fx f;
    fx_init(&f, 1, 1, 1);
    char name[300];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    f.spans[0].name = name;
    f.spans[0].trace_id.len = 3;
    as_span_batch b;
    as_err e;
    CHECK_INT(fx_decode(&f, &b, &e), AS_EINVAL);
    CHECK_HAS(e.msg, "nnnn...\"): traceId must be 16 bytes, got 3");
    CHECK(strlen(e.msg) < 200);
    as_span_batch_release(&b);
}

TEST(pb_invalid_utf8) {
    fx f;
    PbKeyValue kv, *kvp = &kv;
    PbAnyValue v;

    fx_init(&f, 1, 1, 1);
    f.spans[0].name = "bad \xff name";
    expect_pb_error(&f, AS_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0]: name is not valid UTF-8");

    fx_init(&f, 1, 1, 1);
    kv_str(&kv, &v, "key", "over\xc0\xaflong");
    f.spans[0].n_attributes = 1;
    f.spans[0].attributes = &kvp;
    expect_pb_error(&f, AS_EINVAL, "spans[0] (name \"foo\"): attribute \"key\": string value is not valid UTF-8");

    fx_init(&f, 1, 1, 1);
    kv_str(&kv, &v, "k\xed\xa0\x80", "surrogate key");
    f.spans[0].n_attributes = 1;
    f.spans[0].attributes = &kvp;
    expect_pb_error(&f, AS_EINVAL, "attributes[0]: key is not valid UTF-8");

    fx_init(&f, 1, 1, 1);
    PbEvent ev = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__EVENT__INIT, *evp = &ev;
    ev.name = "\xf5\x80\x80\x80";
    f.spans[0].n_events = 1;
    f.spans[0].events = &evp;
    expect_pb_error(&f, AS_EINVAL, "events[0]: name is not valid UTF-8");

    fx_init(&f, 1, 1, 1);
    f.status = (PbStatus)OPENTELEMETRY__PROTO__TRACE__V1__STATUS__INIT;
    f.status.message = "\xe3\x81";
    f.spans[0].status = &f.status;
    expect_pb_error(&f, AS_EINVAL, "status.message is not valid UTF-8");
}

TEST(pb_bad_links_and_times) {
    fx f;
    fx_init(&f, 1, 1, 1);
    PbLink link = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__LINK__INIT, *linkp = &link;
    uint8_t t[16], s[8];
    memset(t, 1, 16);
    memset(s, 1, 8);
    link.trace_id.data = t;
    link.trace_id.len = 16;
    link.span_id.data = s;
    link.span_id.len = 4;
    f.spans[0].n_links = 1;
    f.spans[0].links = &linkp;
    expect_pb_error(&f, AS_EINVAL, "links[0]: spanId must be 8 bytes, got 4");

    fx_init(&f, 1, 1, 1);
    f.spans[0].start_time_unix_nano = UINT64_MAX;
    expect_pb_error(&f, AS_EINVAL, "startTimeUnixNano 18446744073709551615 is out of range");
}

/* n levels of arrayValue nesting: the attribute value is at level 1. */
static void nested_array_attr(PbAnyValue *vals, PbArrayValue *arrs, PbAnyValue **ptrs, int n) {
    for (int i = 0; i < n; i++) {
        vals[i] = (PbAnyValue)OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
        if (i + 1 < n) {
            arrs[i] = (PbArrayValue)OPENTELEMETRY__PROTO__COMMON__V1__ARRAY_VALUE__INIT;
            ptrs[i] = &vals[i + 1];
            arrs[i].n_values = 1;
            arrs[i].values = &ptrs[i];
            vals[i].value_case = ANY_ARRAY;
            vals[i].array_value = &arrs[i];
        } else {
            vals[i].value_case = ANY_INT;
            vals[i].int_value = 7;
        }
    }
}

TEST(pb_depth_limit) {
    enum { N = AS_OTLP_MAX_DEPTH + 1 };
    PbAnyValue vals[N];
    PbArrayValue arrs[N];
    PbAnyValue *ptrs[N];
    PbKeyValue kv = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT, *kvp = &kv;
    kv.key = "deep";
    fx f;
    as_span_batch b;
    as_err e;

    fx_init(&f, 1, 1, 1);
    nested_array_attr(vals, arrs, ptrs, AS_OTLP_MAX_DEPTH);
    kv.value = &vals[0];
    f.spans[0].n_attributes = 1;
    f.spans[0].attributes = &kvp;
    CHECK_INT(fx_decode(&f, &b, &e), AS_OK);
    as_span_batch_release(&b);

    nested_array_attr(vals, arrs, ptrs, N);
    expect_pb_error(&f, AS_EINVAL,
                    "resourceSpans[0].scopeSpans[0].spans[0].attributes[0]: AnyValue nesting deeper than 32");
}

TEST(pb_depth_limit_kvlist) {
    enum { N = AS_OTLP_MAX_DEPTH + 1 };
    PbAnyValue vals[N];
    PbKeyValueList lists[N];
    PbKeyValue kvs[N], *kvps[N];
    for (int i = 0; i < N; i++) {
        vals[i] = (PbAnyValue)OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
        if (i + 1 < N) {
            lists[i] = (PbKeyValueList)OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE_LIST__INIT;
            kvs[i] = (PbKeyValue)OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
            kvs[i].key = "n";
            kvs[i].value = &vals[i + 1];
            kvps[i] = &kvs[i];
            lists[i].n_values = 1;
            lists[i].values = &kvps[i];
            vals[i].value_case = ANY_KVLIST;
            vals[i].kvlist_value = &lists[i];
        }
    }
    PbKeyValue top = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT, *topp[2];
    PbKeyValue first;
    PbAnyValue firstv;
    kv_str(&first, &firstv, "ok", "fine");
    top.key = "deep";
    top.value = &vals[0];
    topp[0] = &first;
    topp[1] = &top;
    fx f;
    fx_init(&f, 1, 1, 1);
    PbEvent ev = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__EVENT__INIT, *evp = &ev;
    ev.n_attributes = 2;
    ev.attributes = topp;
    f.spans[0].n_events = 1;
    f.spans[0].events = &evp;
    expect_pb_error(&f, AS_EINVAL,
                    "resourceSpans[0].scopeSpans[0].spans[0].events[0].attributes[1]: AnyValue nesting deeper than 32");
}

/* 5-byte (non-minimal) varint, so lengths can be written before content. */
static uint8_t *put_len5(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) { *p++ = (uint8_t)(0x80 | (v & 0x7f)); v >>= 7; }
    *p++ = (uint8_t)(v & 0x7f);
    return p;
}

TEST(pb_hostile_depth_no_crash) {
    /* Request{1: RS{2: SS{2: Span{9: KV{1:"k", 2: AnyValue{5: Array{1: AnyValue{...}}}}}}}}
     * 200,000 levels deep: protobuf-c alone would overflow the stack. */
    enum { LEVELS = 200000 };
    size_t total = 4 * 6 + 6 + 3 + (size_t)LEVELS * 12;
    uint8_t *buf = malloc(total), *p = buf;
    uint8_t heads[] = { 0x0a, 0x12, 0x12, 0x4a };
    for (int i = 0; i < 4; i++) {
        *p++ = heads[i];
        p = put_len5(p, (uint32_t)(total - (size_t)(p - buf) - 5));
    }
    *p++ = 0x0a; *p++ = 1; *p++ = 'k';               /* KV.key */
    *p++ = 0x12;                                      /* KV.value */
    p = put_len5(p, (uint32_t)(total - (size_t)(p - buf) - 5));
    for (int i = 0; i < LEVELS; i++) {
        *p++ = 0x2a;                                  /* AnyValue.array_value */
        p = put_len5(p, (uint32_t)(total - (size_t)(p - buf) - 5));
        *p++ = 0x0a;                                  /* ArrayValue.values */
        p = put_len5(p, (uint32_t)(total - (size_t)(p - buf) - 5));
    }
    total = (size_t)(p - buf);
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    CHECK_INT(as_otlp_decode_protobuf(buf, total, &b, &e), AS_EINVAL);
    CHECK_HAS(e.msg, "AnyValue nesting deeper than 32");
    as_span_batch_release(&b);
    free(buf);
}

TEST(pb_too_many_spans) {
    size_t n = (size_t)AS_OTLP_MAX_SPANS + 1;
    size_t total = 6 + 6 + 2 * n;
    uint8_t *buf = malloc(total), *p = buf;
    *p++ = 0x0a;
    p = put_len5(p, (uint32_t)(total - 6));
    *p++ = 0x12;
    p = put_len5(p, (uint32_t)(total - 12));
    for (size_t i = 0; i < n; i++) { *p++ = 0x12; *p++ = 0; }
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    CHECK_INT(as_otlp_decode_protobuf(buf, total, &b, &e), AS_ETOOBIG);
    CHECK_HAS(e.msg, "more than 1000000 spans");
    CHECK_INT(b.n, 0);
    as_span_batch_release(&b);
    free(buf);
}

TEST(pb_malformed) {
    fx f;
    fx_init(&f, 1, 1, 1);
    size_t n;
    uint8_t *buf = pack_req(&f.req, &n);
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    /* every truncation fails cleanly */
    for (size_t cut = 1; cut < n; cut++) {
        as_rc rc = as_otlp_decode_protobuf(buf, cut, &b, &e);
        CHECK(rc == AS_EINVAL || rc == AS_OK);
        as_span_batch_release(&b);
        as_span_batch_init(&b);
    }
    CHECK_INT(as_otlp_decode_protobuf(buf, n - 1, &b, &e), AS_EINVAL);
    CHECK_HAS(e.msg, "invalid protobuf at byte");
    CHECK_HAS(e.msg, "truncated");
    as_span_batch_release(&b);
    as_span_batch_init(&b);
    const uint8_t junk[] = { 0x0b, 0x00 };               /* wire type 3 (group) */
    CHECK_INT(as_otlp_decode_protobuf(junk, sizeof(junk), &b, &e), AS_EINVAL);
    CHECK_HAS(e.msg, "wire type");
    const uint8_t zero_field[] = { 0x00, 0x00 };
    CHECK_INT(as_otlp_decode_protobuf(zero_field, sizeof(zero_field), &b, &e), AS_EINVAL);
    /* a known message field sent as a varint: the scan skips it, protobuf-c rejects */
    const uint8_t wrong_type[] = { 0x08, 0x01 };
    CHECK_INT(as_otlp_decode_protobuf(wrong_type, sizeof(wrong_type), &b, &e), AS_EINVAL);
    CHECK_HAS(e.msg, "not an ExportTraceServiceRequest");
    as_span_batch_release(&b);
    free(buf);
}

/* ------------------------------------------------------------------ */
/* OTLP/JSON                                                           */
/* ------------------------------------------------------------------ */

#define TID "5b8efff798038103d269b633813fc60c"
#define SID "eee19b7ec3c1b174"

static as_rc jdecode(const char *s, as_span_batch *b, as_err *e) {
    as_span_batch_init(b);
    as_err_clear(e);
    return as_otlp_decode_json(s, strlen(s), b, e);
}

/* The body for one span given as a JSON fragment. */
static as_rc jdecode_span(const char *span, as_span_batch *b, as_err *e) {
    char body[8192];
    snprintf(body, sizeof(body), "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[%s]}]}]}", span);
    return jdecode(body, b, e);
}

static void expect_json_span_error(const char *span, as_rc want, const char *sub) {
    as_span_batch b;
    as_err e;
    CHECK_INT(jdecode_span(span, &b, &e), want);
    CHECK_HAS(e.msg, sub);
    as_span_batch_release(&b);
}

TEST(json_full_span) {
    const char *body =
        "{\"resourceSpans\":[{"
        "  \"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc\"}},"
        "     {\"key\":\"openinference.project.name\",\"value\":{\"stringValue\":\"proj\"}}]},"
        "  \"scopeSpans\":[{\"scope\":{\"name\":\"x\"},\"spans\":[{"
        "    \"traceId\":\"" TID "\",\"spanId\":\"" SID "\",\"parentSpanId\":\"0102030405060708\","
        "    \"name\":\"chat\",\"kind\":3,\"startTimeUnixNano\":\"1714564800123456789\","
        "    \"endTimeUnixNano\":1714564801000000000,\"flags\":257,\"droppedAttributesCount\":0,"
        "    \"status\":{\"code\":2,\"message\":\"boom\"},"
        "    \"attributes\":["
        "      {\"key\":\"s\",\"value\":{\"stringValue\":\"v\"}},"
        "      {\"key\":\"i\",\"value\":{\"intValue\":\"-42\"}},"
        "      {\"key\":\"i2\",\"value\":{\"intValue\":7}},"
        "      {\"key\":\"d\",\"value\":{\"doubleValue\":1.5}},"
        "      {\"key\":\"d2\",\"value\":{\"doubleValue\":3}},"
        "      {\"key\":\"d3\",\"value\":{\"doubleValue\":\"NaN\"}},"
        "      {\"key\":\"d4\",\"value\":{\"doubleValue\":\"-Infinity\"}},"
        "      {\"key\":\"d5\",\"value\":{\"doubleValue\":\"2.25\"}},"
        "      {\"key\":\"b\",\"value\":{\"boolValue\":false}},"
        "      {\"key\":\"a\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"x\"},{\"intValue\":1}]}}},"
        "      {\"key\":\"kv\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"n\",\"value\":{\"boolValue\":true}}]}}},"
        "      {\"key\":\"by\",\"value\":{\"bytesValue\":\"3q2-7w\"}},"
        "      {\"key\":\"e\",\"value\":{}},"
        "      {\"key\":\"nv\"}"
        "    ],"
        "    \"events\":[{\"timeUnixNano\":\"1714564800500000000\",\"name\":\"exception\","
        "       \"attributes\":[{\"key\":\"exception.message\",\"value\":{\"stringValue\":\"bad\"}}]}],"
        "    \"links\":[{\"traceId\":\"" TID "\",\"spanId\":\"0000000000000001\",\"attributes\":[]}],"
        "    \"someFutureField\":{\"x\":[1,2,3]}"
        "  }]}]}]}";
    as_span_batch b;
    as_err e;
    CHECK_INT(jdecode(body, &b, &e), AS_OK);
    CHECK_INT(b.n, 1);
    if (b.n == 1) {
        as_span *s = &b.spans[0];
        char hex[33];
        as_hex_encode(s->trace_id, 16, hex);
        CHECK_STR(hex, TID);
        as_hex_encode(s->span_id, 8, hex);
        CHECK_STR(hex, SID);
        CHECK(s->has_parent);
        as_hex_encode(s->parent_id, 8, hex);
        CHECK_STR(hex, "0102030405060708");
        CHECK_STR(s->name, "chat");
        CHECK_INT(s->otel_kind, 3);
        CHECK_INT(s->start_ns, 1714564800123456789LL);
        CHECK_INT(s->end_ns, 1714564801000000000LL);
        CHECK_INT(s->status_code, AS_STATUS_ERROR);
        CHECK_STR(s->status_message, "boom");
        CHECK_STR(s->project_name, "proj");
        CHECK_STR(dump(attrs_of(s)),
                  "{\"a\":[\"x\",1],\"b\":false,\"by\":\"3q2+7w==\",\"d\":1.5,\"d2\":3.0,"
                  "\"d3\":\"NaN\",\"d4\":\"-Infinity\",\"d5\":2.25,\"e\":null,\"i\":-42,\"i2\":7,"
                  "\"kv\":{\"n\":true},\"nv\":null,\"s\":\"v\"}");
        CHECK(json_is_real(json_object_get(attrs_of(s), "d2")));
        CHECK_STR(dump(events_of(s)),
                  "[{\"attributes\":{\"exception.message\":\"bad\"},\"name\":\"exception\","
                  "\"timestamp\":\"2024-05-01T12:00:00.500000+00:00\"}]");
        CHECK_STR(dump(links_of(s)),
                  "[{\"attributes\":{},\"span_id\":\"0000000000000001\",\"trace_id\":\"" TID "\"}]");
    }
    as_span_batch_release(&b);
}

TEST(json_snake_case_and_enum_names) {
    const char *body =
        "{\"resource_spans\":[{\"scope_spans\":[{\"spans\":[{"
        "\"trace_id\":\"" TID "\",\"span_id\":\"" SID "\",\"parent_span_id\":\"\","
        "\"kind\":\"SPAN_KIND_SERVER\",\"start_time_unix_nano\":5,\"end_time_unix_nano\":\"6\","
        "\"status\":{\"code\":\"STATUS_CODE_OK\"},"
        "\"attributes\":[{\"key\":\"x\",\"value\":{\"int_value\":\"9\"}}]}]}]}]}";
    as_span_batch b;
    as_err e;
    CHECK_INT(jdecode(body, &b, &e), AS_OK);
    if (b.n == 1) {
        CHECK(!b.spans[0].has_parent);
        CHECK_INT(b.spans[0].otel_kind, 2);
        CHECK_INT(b.spans[0].start_ns, 5);
        CHECK_INT(b.spans[0].end_ns, 6);
        CHECK_INT(b.spans[0].status_code, AS_STATUS_OK);
        CHECK_STR(dump(attrs_of(&b.spans[0])), "{\"x\":9}");
    }
    as_span_batch_release(&b);
}

TEST(json_empty_and_nulls) {
    as_span_batch b;
    as_err e;
    CHECK_INT(jdecode("{}", &b, &e), AS_OK);
    CHECK_INT(b.n, 0);
    as_span_batch_release(&b);
    CHECK_INT(jdecode("{\"resourceSpans\":null}", &b, &e), AS_OK);
    as_span_batch_release(&b);
    CHECK_INT(jdecode("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[]}]}]}", &b, &e), AS_OK);
    CHECK_INT(b.n, 0);
    as_span_batch_release(&b);
    CHECK_INT(jdecode_span("{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\",\"name\":null,"
                           "\"status\":null,\"attributes\":null,\"parentSpanId\":null}", &b, &e), AS_OK);
    if (b.n == 1) {
        CHECK_STR(b.spans[0].name, "");
        CHECK(!b.spans[0].has_parent);
    }
    as_span_batch_release(&b);
}

TEST(json_zero_parent_is_root) {
    as_span_batch b;
    as_err e;
    CHECK_INT(jdecode_span("{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\","
                           "\"parentSpanId\":\"0000000000000000\"}", &b, &e), AS_OK);
    if (b.n == 1) CHECK(!b.spans[0].has_parent);
    as_span_batch_release(&b);
}

TEST(json_bad_ids) {
    expect_json_span_error("{\"name\":\"foo\",\"traceId\":\"5b8efff798038103d269b633813fc6\",\"spanId\":\"" SID "\"}",
                           AS_EINVAL,
                           "resourceSpans[0].scopeSpans[0].spans[0] (name \"foo\"): traceId must be 32 hex characters, got 30");
    expect_json_span_error("{\"name\":\"foo\",\"traceId\":\"" TID "\",\"spanId\":\"eee19b7ec3c1b17g\"}",
                           AS_EINVAL, "(name \"foo\"): spanId must be hex");
    expect_json_span_error("{\"traceId\":\"00000000000000000000000000000000\",\"spanId\":\"" SID "\"}",
                           AS_EINVAL, "spans[0]: traceId must not be all zero");
    expect_json_span_error("{\"traceId\":\"" TID "\",\"spanId\":\"0000000000000000\"}",
                           AS_EINVAL, "spanId must not be all zero");
    expect_json_span_error("{\"traceId\":\"" TID "\"}", AS_EINVAL, "spanId is missing");
    expect_json_span_error("{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\",\"parentSpanId\":\"abc\"}",
                           AS_EINVAL, "parentSpanId must be 16 hex characters, got 3");
    expect_json_span_error("{\"traceId\":12,\"spanId\":\"" SID "\"}",
                           AS_EINVAL, "traceId must be a hex string, got number");
    expect_json_span_error("{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\","
                           "\"links\":[{\"traceId\":\"" TID "\",\"spanId\":\"12\"}]}",
                           AS_EINVAL, "links[0].spanId must be 16 hex characters, got 2");
}

TEST(json_location_in_message) {
    char body[4096];
    snprintf(body, sizeof(body),
             "{\"resourceSpans\":[{\"scopeSpans\":[]},{\"scopeSpans\":[{\"spans\":[]},{\"spans\":["
             "{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\"},"
             "{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\"},"
             "{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\"},"
             "{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\"},"
             "{\"name\":\"foo\",\"traceId\":\"" TID "\",\"spanId\":\"1234567\"}]}]}]}");
    as_span_batch b;
    as_err e;
    CHECK_INT(jdecode(body, &b, &e), AS_EINVAL);
    CHECK_HAS(e.msg, "resourceSpans[1].scopeSpans[1].spans[4] (name \"foo\"): spanId must be 16 hex characters, got 7");
    as_span_batch_release(&b);
}

TEST(json_wrong_types) {
    struct { const char *body, *msg; } cases[] = {
        { "[]", "request: expected a JSON object, got array" },
        { "{\"resourceSpans\":{}}", "request: resourceSpans must be an array, got object" },
        { "{\"resourceSpans\":[3]}", "resourceSpans[0]: expected an object, got number" },
        { "{\"resourceSpans\":[{\"scopeSpans\":\"x\"}]}", "resourceSpans[0]: scopeSpans must be an array, got string" },
        { "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":{}}]}]}",
          "resourceSpans[0].scopeSpans[0]: spans must be an array, got object" },
        { "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[true]}]}]}",
          "resourceSpans[0].scopeSpans[0].spans[0]: expected an object, got boolean" },
        { "{\"resourceSpans\":[{\"resource\":[],\"scopeSpans\":[]}]}",
          "resourceSpans[0]: resource must be an object, got array" },
        { "{\"resourceSpans\":[{\"resource\":{\"attributes\":{}}}]}",
          "resourceSpans[0]: resource.attributes must be an array, got object" },
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(cases); i++) {
        as_span_batch b;
        as_err e;
        CHECK_INT(jdecode(cases[i].body, &b, &e), AS_EINVAL);
        CHECK_HAS(e.msg, cases[i].msg);
        as_span_batch_release(&b);
    }
#define SPAN_HEAD "{\"name\":\"foo\",\"traceId\":\"" TID "\",\"spanId\":\"" SID "\","
    expect_json_span_error(SPAN_HEAD "\"attributes\":{}}", AS_EINVAL,
                           "(name \"foo\"): attributes must be an array, got object");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[1]}", AS_EINVAL, "attributes[0]: expected an object");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[{\"value\":{}}]}", AS_EINVAL,
                           "attributes[0]: key must be a string");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[{\"key\":\"k\",\"value\":\"v\"}]}", AS_EINVAL,
                           "attribute \"k\": value must be an object, got string");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":\"12x\"}}]}",
                           AS_EINVAL, "attribute \"k\": intValue must be a 64-bit integer");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":\"9223372036854775808\"}}]}",
                           AS_EINVAL, "intValue must be a 64-bit integer");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":1.5}}]}",
                           AS_EINVAL, "intValue must be");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[{\"key\":\"k\",\"value\":{\"doubleValue\":\"abc\"}}]}",
                           AS_EINVAL, "attribute \"k\": doubleValue must be a number");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[{\"key\":\"k\",\"value\":{\"doubleValue\":\"0x10\"}}]}",
                           AS_EINVAL, "doubleValue must be a number");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[{\"key\":\"k\",\"value\":{\"doubleValue\":\"-inf\"}}]}",
                           AS_EINVAL, "doubleValue must be a number");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[{\"key\":\"k\",\"value\":{\"doubleValue\":\" 1\"}}]}",
                           AS_EINVAL, "doubleValue must be a number");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[{\"key\":\"k\",\"value\":{\"stringValue\":5}}]}",
                           AS_EINVAL, "stringValue must be a string");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[{\"key\":\"k\",\"value\":{\"boolValue\":\"true\"}}]}",
                           AS_EINVAL, "boolValue must be true or false");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[{\"key\":\"k\",\"value\":{\"bytesValue\":\"***\"}}]}",
                           AS_EINVAL, "bytesValue must be a base64 string");
    expect_json_span_error(SPAN_HEAD "\"attributes\":[{\"key\":\"k\",\"value\":{\"arrayValue\":{\"values\":{}}}}]}",
                           AS_EINVAL, "arrayValue.values must be an array");
    expect_json_span_error(SPAN_HEAD "\"name\":7}", AS_EINVAL, "name must be a string, got number");
    expect_json_span_error(SPAN_HEAD "\"kind\":{}}", AS_EINVAL, "kind must be an integer, got object");
    expect_json_span_error(SPAN_HEAD "\"status\":3}", AS_EINVAL, "status must be an object");
    expect_json_span_error(SPAN_HEAD "\"status\":{\"message\":1}}", AS_EINVAL, "status.message must be a string");
    expect_json_span_error(SPAN_HEAD "\"startTimeUnixNano\":\"-1\"}", AS_EINVAL,
                           "startTimeUnixNano must be a non-negative 64-bit integer");
    expect_json_span_error(SPAN_HEAD "\"startTimeUnixNano\":\"18446744073709551615\"}", AS_EINVAL,
                           "startTimeUnixNano must be");
    expect_json_span_error(SPAN_HEAD "\"events\":[{\"timeUnixNano\":true}]}", AS_EINVAL,
                           "events[0].timeUnixNano must be");
    expect_json_span_error(SPAN_HEAD "\"events\":[\"x\"]}", AS_EINVAL, "events[0] must be an object");
    expect_json_span_error(SPAN_HEAD "\"events\":[{\"attributes\":[{\"key\":1}]}]}", AS_EINVAL,
                           "events[0].attributes[0]: key must be a string");
    expect_json_span_error(SPAN_HEAD "\"links\":{}}", AS_EINVAL, "links must be an array, got object");
#undef SPAN_HEAD
}

TEST(json_malformed) {
    as_span_batch b;
    as_err e;
    CHECK_INT(jdecode("{\"resourceSpans\":[\n  {\"scopeSpans\": [}", &b, &e), AS_EINVAL);
    CHECK_HAS(e.msg, "invalid JSON at line 2, column");
    as_span_batch_release(&b);
    CHECK_INT(jdecode("", &b, &e), AS_EINVAL);
    CHECK_HAS(e.msg, "invalid JSON");
    as_span_batch_release(&b);
    CHECK_INT(jdecode("{} trailing", &b, &e), AS_EINVAL);
    as_span_batch_release(&b);
    CHECK_INT(jdecode("{\"a\":\"\xff\"}", &b, &e), AS_EINVAL);
    CHECK_HAS(e.msg, "invalid JSON");
    as_span_batch_release(&b);
    as_span_batch_init(&b);
    CHECK_INT(as_otlp_decode_json("{}\0junk", 7, &b, &e), AS_EINVAL);
    as_span_batch_release(&b);
}

TEST(json_depth_limit) {
    char body[400];
    as_span_batch b;
    as_err e;
    size_t o = 0;
    for (int i = 0; i < 65; i++) body[o++] = '[';
    for (int i = 0; i < 65; i++) body[o++] = ']';
    body[o] = '\0';
    CHECK_INT(jdecode(body, &b, &e), AS_EINVAL);
    CHECK_STR(e.msg, "JSON nesting deeper than 64");
    as_span_batch_release(&b);
    /* 64 is fine for the scan (and then fails as not-an-object) */
    jdecode(body + 1, &b, &e);
    CHECK(strstr(e.msg, "nesting deeper") == NULL);
    as_span_batch_release(&b);
    /* brackets inside strings do not count, escaped quotes are handled */
    o = 0;
    o += (size_t)snprintf(body, sizeof(body), "{\"x\":\"\\\"");
    for (int i = 0; i < 100; i++) body[o++] = '[';
    snprintf(body + o, sizeof(body) - o, "\"}");
    CHECK_INT(jdecode(body, &b, &e), AS_OK);
    as_span_batch_release(&b);
    CHECK(as_json_depth_within("[[]]", 4, 2));
    CHECK(!as_json_depth_within("[[[]]]", 6, 2));
    CHECK(as_json_depth_within("[\"[[[[\"]", 8, 1));
}

TEST(json_anyvalue_depth_limit) {
    /* With the 64-level body limit, AnyValue nesting tops out near 18
     * levels in OTLP/JSON; a deeper one hits the body limit first. */
    char span[6000];
    size_t o = (size_t)snprintf(span, sizeof(span),
                                "{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\",\"attributes\":"
                                "[{\"key\":\"k\",\"value\":");
    for (int i = 0; i < 30; i++) o += (size_t)snprintf(span + o, sizeof(span) - o, "{\"arrayValue\":{\"values\":[");
    o += (size_t)snprintf(span + o, sizeof(span) - o, "{\"intValue\":1}");
    for (int i = 0; i < 30; i++) o += (size_t)snprintf(span + o, sizeof(span) - o, "]}}");
    snprintf(span + o, sizeof(span) - o, "}]}");
    expect_json_span_error(span, AS_EINVAL, "JSON nesting deeper than 64");
}

TEST(json_utf8_roundtrip) {
    const char *ja = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";          /* 日本語 */
    char span[1024];
    snprintf(span, sizeof(span),
             "{\"name\":\"%s \\ud83d\\ude00\",\"traceId\":\"" TID "\",\"spanId\":\"" SID "\","
             "\"attributes\":[{\"key\":\"%s\",\"value\":{\"stringValue\":\"\xf0\x9f\x9a\x80 %s\"}}]}",
             ja, ja, ja);
    as_span_batch b;
    as_err e;
    CHECK_INT(jdecode_span(span, &b, &e), AS_OK);
    if (b.n == 1) {
        CHECK_STR(b.spans[0].name, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80");
        CHECK_STR(json_string_value(json_object_get(attrs_of(&b.spans[0]), ja)),
                  "\xf0\x9f\x9a\x80 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
    }
    as_span_batch_release(&b);
}

TEST(json_duplicate_keys_last_wins) {
    as_span_batch b;
    as_err e;
    CHECK_INT(jdecode_span("{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\",\"name\":\"a\",\"name\":\"b\","
                           "\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":1}},"
                           "{\"key\":\"k\",\"value\":{\"intValue\":2}}]}", &b, &e), AS_OK);
    if (b.n == 1) {
        CHECK_STR(b.spans[0].name, "b");
        CHECK_STR(dump(attrs_of(&b.spans[0])), "{\"k\":2}");
    }
    as_span_batch_release(&b);
}

TEST(json_int_forms) {
    as_span_batch b;
    as_err e;
    CHECK_INT(jdecode_span("{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\","
                           "\"startTimeUnixNano\":1.7e18,\"attributes\":["
                           "{\"key\":\"a\",\"value\":{\"intValue\":\"-9223372036854775808\"}},"
                           "{\"key\":\"b\",\"value\":{\"intValue\":\"9223372036854775807\"}},"
                           "{\"key\":\"c\",\"value\":{\"intValue\":2.0}}]}", &b, &e), AS_OK);
    if (b.n == 1) {
        CHECK_INT(b.spans[0].start_ns, 1700000000000000000LL);
        CHECK_STR(dump(attrs_of(&b.spans[0])),
                  "{\"a\":-9223372036854775808,\"b\":9223372036854775807,\"c\":2}");
    }
    as_span_batch_release(&b);
}

/* ------------------------------------------------------------------ */
/* responses and helpers                                               */
/* ------------------------------------------------------------------ */

TEST(responses) {
    as_buf b;
    as_buf_init(&b, 1024);
    as_otlp_response_protobuf(&b);
    CHECK_INT(b.len, 0);
    CHECK(b.data != NULL);
    /* zero bytes is a valid, empty ExportTraceServiceResponse */
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *r =
        opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(
            NULL, b.len, (const uint8_t *)b.data);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->partial_success == NULL);
        opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(r, NULL);
    }
    as_buf_release(&b);
    as_otlp_response_json(&b);
    CHECK_STR(b.data, "{}");
    as_buf_release(&b);
}

TEST(utf8_validator) {
    CHECK(as_utf8_valid("", 0));
    CHECK(as_utf8_valid("plain ascii text, long enough for the fast path", 47));
    CHECK(as_utf8_valid("\xc2\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", 16));
    CHECK(!as_utf8_valid("\xc0\xaf", 2));           /* overlong '/' */
    CHECK(!as_utf8_valid("\xe0\x80\xaf", 3));       /* overlong */
    CHECK(!as_utf8_valid("\xf0\x80\x80\xaf", 4));   /* overlong */
    CHECK(!as_utf8_valid("\xed\xa0\x80", 3));       /* surrogate */
    CHECK(!as_utf8_valid("\xf4\x90\x80\x80", 4));   /* > U+10FFFF */
    CHECK(!as_utf8_valid("abcdefgh\xe2\x82", 10));  /* truncated */
    CHECK(!as_utf8_valid("\x80", 1));
    CHECK(!as_utf8_valid("\xe2\x28\xa1", 3));
    CHECK(as_utf8_valid("a\0b", 3));
}

TEST(shorten) {
    char out[AS_OTLP_SHORT_MAX];
    as_otlp_shorten("a\"b\\c\n", out);
    CHECK_STR(out, "a?b?c?");
    char big[200];
    memset(big, 'x', sizeof(big));
    memcpy(big + 63, "\xe6\x97\xa5", 3);            /* straddles the cut */
    big[199] = '\0';
    as_otlp_shorten(big, out);
    CHECK_INT(strlen(out), 66);
    CHECK(as_utf8_valid(out, strlen(out)));
}

TEST_MAIN(T(pb_full_span), T(pb_defaults_and_roots), T(pb_empty_body),
          T(pb_duplicate_keys_last_wins), T(pb_nan_infinity), T(pb_utf8_roundtrip),
          T(pb_unknown_fields_skipped), T(pb_kind_status_out_of_range),
          T(pb_project_name_per_resource), T(pb_bad_ids), T(pb_error_names_location),
          T(pb_long_name_is_cut), T(pb_invalid_utf8), T(pb_bad_links_and_times),
          T(pb_depth_limit), T(pb_depth_limit_kvlist), T(pb_hostile_depth_no_crash), T(pb_too_many_spans),
          T(pb_malformed), T(json_full_span), T(json_snake_case_and_enum_names),
          T(json_empty_and_nulls), T(json_zero_parent_is_root), T(json_bad_ids),
          T(json_location_in_message), T(json_wrong_types), T(json_malformed),
          T(json_depth_limit), T(json_anyvalue_depth_limit), T(json_utf8_roundtrip),
          T(json_duplicate_keys_last_wins), T(json_int_forms), T(responses),
          T(utf8_validator), T(shorten))
