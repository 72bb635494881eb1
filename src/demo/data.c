/*
 * data.c - the demo's recorded data: the JSON files of data/demo/ as
 * compiled into the binary (as_embed_demo), the fixed-seed generator and
 * the {placeholder} templates the recorded texts use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/buf.h"
#include "assay/embed.h"
#include "demo_int.h"

uint64_t demo_rng_next(demo_rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int64_t demo_rng_range(demo_rng *r, int64_t lo, int64_t hi) {
    return lo + (int64_t)(demo_rng_next(r) % (uint64_t)(hi - lo + 1));
}

const char *demo_str(const json_t *o, const char *key) {
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static as_rc load(const char *name, json_t **out, as_err *err) {
    const as_embed_file *f = as_embed_find(as_embed_demo, name);
    if (!f) return as_err_set(err, AS_EINTERNAL, "demo data %s is not in the binary", name);
    json_error_t je;
    *out = json_loadb((const char *)f->data, f->len, 0, &je);
    if (!*out)
        return as_err_set(err, AS_EINTERNAL, "demo data %s: line %d: %s", name, je.line,
                          je.text);
    return AS_OK;
}

as_rc demo_scenario_parse(const json_t *o, demo_scenario *s, const char *where,
                          as_err *err) {
    static const char *const keys[] = { "city", "country", "currency", "who", "request",
                                        "highlight", "events", "answer" };
    const char **dst[] = { &s->city, &s->country, &s->currency, &s->who, &s->request,
                           &s->highlight, &s->events, &s->answer };
    for (size_t i = 0; i < AS_ARRAY_LEN(keys); i++) {
        *dst[i] = json_string_value(json_object_get(o, keys[i]));
        if (!*dst[i])
            return as_err_set(err, AS_EINTERNAL, "demo data %s: '%s' is missing", where,
                              keys[i]);
    }
    json_t *rate = json_object_get(o, "rate"), *days = json_object_get(o, "days"),
           *budget = json_object_get(o, "budget");
    if (!json_is_number(rate) || !json_is_integer(days) || !json_is_integer(budget))
        return as_err_set(err, AS_EINTERNAL, "demo data %s: rate, days and budget must be "
                          "numbers", where);
    s->rate = json_number_value(rate);
    s->days = (int)json_integer_value(days);
    s->budget = (int)json_integer_value(budget);
    return AS_OK;
}

as_rc demo_data_load(demo_data *d, as_err *err) {
    memset(d, 0, sizeof(*d));
    as_rc rc = load("trips.json", &d->trips, err);
    if (rc == AS_OK) rc = load("experiments.json", &d->exps, err);
    if (rc != AS_OK) { demo_data_release(d); return rc; }
    json_t *sc = json_object_get(d->trips, "scenarios");
    d->followups = json_object_get(d->trips, "followups");
    d->errors = json_object_get(d->trips, "errors");
    if (!json_is_array(sc) || json_array_size(sc) < 30 ||
        json_array_size(sc) > DEMO_MAX_SCENARIOS || json_array_size(d->followups) < 4 ||
        json_array_size(d->errors) != 3) {
        demo_data_release(d);
        return as_err_set(err, AS_EINTERNAL, "demo data trips.json: expected 30..%d "
                          "scenarios, 4+ follow-ups and 3 errors", DEMO_MAX_SCENARIOS);
    }
    size_t i;
    json_t *o;
    json_array_foreach(sc, i, o) {
        char where[48];
        snprintf(where, sizeof(where), "trips.json scenarios[%zu]", i);
        if ((rc = demo_scenario_parse(o, &d->sc[i], where, err)) != AS_OK) break;
    }
    d->n_sc = json_array_size(sc);
    if (rc == AS_OK)
        rc = demo_scenario_parse(json_object_get(d->exps, "extra_example"), &d->extra,
                                 "experiments.json extra_example", err);
    if (rc != AS_OK) demo_data_release(d);
    return rc;
}

void demo_data_release(demo_data *d) {
    json_decref(d->trips);
    json_decref(d->exps);
    d->trips = d->exps = NULL;
}

/* The answer up to (not including) " marker", or all of it. */
static void put_until(as_buf *b, const char *s, const char *marker) {
    const char *e = strstr(s, marker);
    as_buf_append(b, s, e ? (size_t)(e - s) : strlen(s));
}

static int round_to(double v, int step) { return (int)((v + step / 2.0) / step) * step; }

static void put_var(as_buf *b, const char *name, size_t n, const demo_scenario *s,
                    const char *question) {
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(name, lit, n) == 0)
    if (IS("city")) as_buf_puts(b, s->city);
    else if (IS("country")) as_buf_puts(b, s->country);
    else if (IS("currency")) as_buf_puts(b, s->currency);
    else if (IS("who")) as_buf_puts(b, s->who);
    else if (IS("highlight")) as_buf_puts(b, s->highlight);
    else if (IS("events")) as_buf_puts(b, s->events);
    else if (IS("answer")) as_buf_puts(b, s->answer);
    else if (IS("question")) as_buf_puts(b, question ? question : s->request);
    else if (IS("days")) as_buf_printf(b, "%d", s->days);
    else if (IS("budget")) as_buf_printf(b, "%d", s->budget);
    else if (IS("cheaper_budget")) as_buf_printf(b, "%d", round_to(s->budget * 0.75, 50));
    else if (IS("budget_est")) as_buf_printf(b, "%d", round_to(s->budget * 0.9, 10));
    else if (IS("budget_local")) as_buf_printf(b, "%.0f", s->budget * s->rate);
    else if (IS("answer_days")) put_until(b, s->answer, " Stay:");
    else if (IS("answer_no_total")) put_until(b, s->answer, " Estimated total");
    else if (IS("answer_first")) {
        const char *e = strstr(s->answer, ". ");
        as_buf_append(b, s->answer, e ? (size_t)(e - s->answer) + 1 : strlen(s->answer));
    } else {
        as_buf_putc(b, '{');
        as_buf_append(b, name, n);
        as_buf_putc(b, '}');
    }
#undef IS
}

char *demo_fill(const char *tmpl, const demo_scenario *s, const char *question) {
    as_buf b;
    as_buf_init(&b, 1u << 20);
    for (const char *p = tmpl; *p;) {
        const char *o = strchr(p, '{');
        const char *c = o ? strchr(o, '}') : NULL;
        if (!o || !c) { as_buf_puts(&b, p); break; }
        as_buf_append(&b, p, (size_t)(o - p));
        size_t n = (size_t)(c - o - 1);
        if (n == 0 || strspn(o + 1, "abcdefghijklmnopqrstuvwxyz_") != n) {
            as_buf_putc(&b, '{');         /* not a placeholder: JSON, say */
            p = o + 1;
            continue;
        }
        put_var(&b, o + 1, n, s, question);
        p = c + 1;
    }
    if (!b.data) return as_xstrdup("");
    return as_buf_detach(&b, NULL);
}
