/*
 * prices.c - the price table: USD per million tokens by provider and model.
 *
 * Built-in entries come from src/llm/prices.json (embedded in the binary);
 * a user file of the same shape is searched first.  Within a table the
 * first matching entry wins, so specific names go before prefixes.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/embed.h"
#include "assay/llm.h"

#define PRICES_MAX_ENTRIES 10000

typedef struct price {
    char provider[16];
    char *model;         /* exact, or a prefix when prefix is set */
    bool prefix;
    double input, output;
} price;

struct as_llm_prices {
    price *v;
    size_t n;
};

static as_rc load_table(as_llm_prices *p, const char *text, size_t len,
                        const char *origin, as_err *err) {
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return as_err_set(err, AS_EINVAL, "prices %s:%d:%d: %s", origin, je.line,
                          je.column, je.text);
    json_t *arr = json_is_array(root) ? root : json_object_get(root, "prices");
    as_rc rc = AS_OK;
    if (!json_is_array(arr)) {
        rc = as_err_set(err, AS_EINVAL, "prices %s: expected {\"prices\": [...]}", origin);
        goto out;
    }
    if (p->n + json_array_size(arr) > PRICES_MAX_ENTRIES) {
        rc = as_err_set(err, AS_ETOOBIG, "prices %s: more than %d entries", origin,
                        PRICES_MAX_ENTRIES);
        goto out;
    }
    p->v = as_xrealloc(p->v, (p->n + json_array_size(arr)) * sizeof *p->v);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *prov = json_string_value(json_object_get(e, "provider"));
        const char *model = json_string_value(json_object_get(e, "model"));
        json_t *in = json_object_get(e, "input"), *outp = json_object_get(e, "output");
        if (!prov || !model || !*model || strlen(prov) >= sizeof p->v[0].provider ||
            !json_is_number(in) || !json_is_number(outp) ||
            json_number_value(in) < 0 || json_number_value(outp) < 0) {
            rc = as_err_set(err, AS_EINVAL, "prices %s: entry %zu needs provider, model "
                            "and non-negative numbers input and output", origin, i);
            goto out;
        }
        price *pr = &p->v[p->n++];
        snprintf(pr->provider, sizeof pr->provider, "%s", prov);
        size_t ml = strlen(model);
        pr->prefix = model[ml - 1] == '*';
        pr->model = as_xstrndup(model, pr->prefix ? ml - 1 : ml);
        pr->input = json_number_value(in);
        pr->output = json_number_value(outp);
    }
out:
    json_decref(root);
    return rc;
}

as_rc as_llm_prices_load(const char *user_path, as_llm_prices **out, as_err *err) {
    as_llm_prices *p = as_xcalloc(1, sizeof *p);
    as_rc rc = AS_OK;
    if (user_path) {
        FILE *f = fopen(user_path, "rb");
        if (!f) {
            rc = as_err_set(err, AS_EIO, "prices %s: cannot open", user_path);
            goto fail;
        }
        char *text = as_xmalloc(1u << 20);
        size_t n = fread(text, 1, 1u << 20, f);
        bool more = fgetc(f) != EOF;
        fclose(f);
        if (more) rc = as_err_set(err, AS_ETOOBIG, "prices %s: larger than 1 MiB", user_path);
        else rc = load_table(p, text, n, user_path, err);
        free(text);
        if (rc) goto fail;
    }
    const as_embed_file *b = as_embed_find(as_embed_prices, "prices.json");
    if (b) {
        rc = load_table(p, (const char *)b->data, b->len, "(built-in)", err);
        if (rc) goto fail;
    }
    *out = p;
    return AS_OK;
fail:
    as_llm_prices_free(p);
    *out = NULL;
    return rc;
}

void as_llm_prices_free(as_llm_prices *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) free(p->v[i].model);
    free(p->v);
    free(p);
}

bool as_llm_prices_cost(const as_llm_prices *p, const char *provider,
                        const char *model, int64_t prompt_tokens,
                        int64_t completion_tokens, double *usd) {
    if (!p || prompt_tokens < 0 || completion_tokens < 0) return false;
    for (size_t i = 0; i < p->n; i++) {
        const price *pr = &p->v[i];
        if (strcmp(pr->provider, provider) != 0) continue;
        size_t ml = strlen(pr->model);
        if (pr->prefix ? strncmp(model, pr->model, ml) != 0 : strcmp(model, pr->model) != 0)
            continue;
        *usd = ((double)prompt_tokens * pr->input + (double)completion_tokens * pr->output) / 1e6;
        return true;
    }
    return false;
}
