/*
 * model.c - "provider:model[@base_url]" to an endpoint, and the config file.
 *
 * Precedence for each setting: the model spec (@url), then the environment,
 * then the config file, then the provider's default.  Keys never leave the
 * as_llm_model they are copied into (see llm.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/llm.h"

#define CONFIG_MAX_BYTES (1u << 20)

struct as_llm_config {
    json_t *root;            /* the parsed file, or NULL when there is none */
};

static const struct provider_info {
    const char *name;
    as_llm_kind kind;
    const char *key_env;      /* primary key variable              */
    const char *key_env2;     /* an alternative, or NULL           */
    const char *url_env;      /* base URL / endpoint variable      */
    const char *default_url;  /* NULL: must be configured (Azure)  */
} providers[] = {
    { "openai", AS_LLM_OPENAI, "OPENAI_API_KEY", NULL, "OPENAI_BASE_URL",
      "https://api.openai.com/v1" },
    { "azure", AS_LLM_AZURE, "AZURE_OPENAI_API_KEY", NULL, "AZURE_OPENAI_ENDPOINT",
      NULL },
    { "anthropic", AS_LLM_ANTHROPIC, "ANTHROPIC_API_KEY", NULL, "ANTHROPIC_BASE_URL",
      "https://api.anthropic.com" },
    { "gemini", AS_LLM_GEMINI, "GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMINI_BASE_URL",
      "https://generativelanguage.googleapis.com" },
};

#define AZURE_DEFAULT_API_VERSION "2024-10-21"

static const char *env(const char *name) {
    const char *v = name ? getenv(name) : NULL;
    return v && *v ? v : NULL;
}

static const char *default_config_path(char *buf, size_t cap) {
    const char *p = env("ASSAY_CONFIG");
    if (p) return p;
    const char *xdg = env("XDG_CONFIG_HOME");
    if (xdg) {
        snprintf(buf, cap, "%s/assay/config.json", xdg);
        return buf;
    }
    const char *home = env("HOME");
    if (!home) return NULL;
    snprintf(buf, cap, "%s/.config/assay/config.json", home);
    return buf;
}

as_rc as_llm_config_load(const char *path, as_llm_config **out, as_err *err) {
    char tmp[1024];
    bool explicit_path = path != NULL || env("ASSAY_CONFIG") != NULL;
    if (!path) path = default_config_path(tmp, sizeof tmp);
    as_llm_config *cfg = as_xcalloc(1, sizeof *cfg);
    *out = cfg;
    if (!path) return AS_OK;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (!explicit_path) return AS_OK;         /* no default file: fine */
        as_llm_config_free(cfg);
        *out = NULL;
        return as_err_set(err, AS_EIO, "config %s: cannot open", path);
    }
    json_error_t je;
    cfg->root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    long size = ftell(f);
    fclose(f);
    const char *problem = NULL;
    if (!cfg->root) problem = je.text;
    else if (size > (long)CONFIG_MAX_BYTES) problem = "larger than 1 MiB";
    else if (!json_is_object(cfg->root)) problem = "not a JSON object";
    else {
        json_t *pv = json_object_get(cfg->root, "providers");
        if (pv && !json_is_object(pv)) problem = "\"providers\" must be an object";
        json_t *pr = json_object_get(cfg->root, "prices");
        if (pr && !json_is_string(pr)) problem = "\"prices\" must be a file name";
    }
    if (problem) {
        int line = cfg->root ? 0 : je.line;
        as_llm_config_free(cfg);
        *out = NULL;
        if (line > 0)
            return as_err_set(err, AS_EINVAL, "config %s:%d: %s", path, line, problem);
        return as_err_set(err, AS_EINVAL, "config %s: %s", path, problem);
    }
    return AS_OK;
}

void as_llm_config_free(as_llm_config *cfg) {
    if (!cfg) return;
    json_decref(cfg->root);
    free(cfg);
}

const char *as_llm_config_prices(const as_llm_config *cfg) {
    if (!cfg || !cfg->root) return NULL;
    return json_string_value(json_object_get(cfg->root, "prices"));
}

/* providers.<name>.<field> from the config, or NULL. */
static const char *config_get(const as_llm_config *cfg, const char *provider,
                              const char *field) {
    if (!cfg || !cfg->root) return NULL;
    json_t *p = json_object_get(json_object_get(cfg->root, "providers"), provider);
    const char *v = json_string_value(json_object_get(p, field));
    return v && *v ? v : NULL;
}

static as_rc copy_field(char *dst, size_t cap, const char *src, const char *what,
                        as_err *err) {
    size_t n = strlen(src);
    if (n >= cap) return as_err_set(err, AS_ETOOBIG, "%s is longer than %zu bytes", what, cap - 1);
    memcpy(dst, src, n + 1);
    return AS_OK;
}

static bool is_http_url(const char *s) {
    return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

as_rc as_llm_model_resolve(const char *spec, const as_llm_config *cfg,
                           as_llm_model *out, as_err *err) {
    memset(out, 0, sizeof *out);
    const char *colon = strchr(spec, ':');
    if (!colon || colon == spec)
        return as_err_set(err, AS_EINVAL,
                          "model '%s': expected provider:model, e.g. openai:gpt-4o-mini", spec);
    size_t plen = (size_t)(colon - spec);
    const struct provider_info *pi = NULL;
    for (size_t i = 0; i < AS_ARRAY_LEN(providers); i++)
        if (strlen(providers[i].name) == plen && memcmp(providers[i].name, spec, plen) == 0)
            pi = &providers[i];
    if (!pi)
        return as_err_set(err, AS_EINVAL,
                          "model '%s': unknown provider '%.*s' (known: openai, azure, "
                          "anthropic, gemini; any OpenAI-compatible server is "
                          "openai:MODEL@BASE_URL)", spec, (int)plen, spec);
    out->kind = pi->kind;
    snprintf(out->provider, sizeof out->provider, "%s", pi->name);

    /* model[@url]: the URL starts at the last '@' followed by http(s)://,
     * so that model names may hold ':' (llama3:8b) and '@'. */
    const char *model = colon + 1;
    const char *at = NULL;
    for (const char *p = strchr(model, '@'); p; p = strchr(p + 1, '@'))
        if (is_http_url(p + 1)) at = p;
    size_t mlen = at ? (size_t)(at - model) : strlen(model);
    if (mlen == 0)
        return as_err_set(err, AS_EINVAL, "model '%s': the model name is empty", spec);
    if (mlen >= sizeof out->model)
        return as_err_set(err, AS_ETOOBIG, "model '%s': name too long", spec);
    memcpy(out->model, model, mlen);

    const char *url = at ? at + 1 : NULL;
    if (!url) url = env(pi->url_env);
    if (!url) url = config_get(cfg, pi->name, pi->kind == AS_LLM_AZURE ? "endpoint" : "base_url");
    if (!url) url = pi->default_url;
    if (!url)
        return as_err_set(err, AS_EINVAL,
                          "model '%s': set %s (https://RESOURCE.openai.azure.com) or "
                          "azure.endpoint in the config file", spec, pi->url_env);
    if (!is_http_url(url))
        return as_err_set(err, AS_EINVAL, "model '%s': base URL must start with http:// "
                          "or https://", spec);
    as_rc rc = copy_field(out->base_url, sizeof out->base_url, url, "base URL", err);
    if (rc) return rc;
    size_t ul = strlen(out->base_url);
    while (ul > 0 && out->base_url[ul - 1] == '/') out->base_url[--ul] = '\0';

    const char *key = env(pi->key_env);
    if (!key) key = env(pi->key_env2);
    if (!key) key = config_get(cfg, pi->name, "api_key");
    if (key) {
        rc = copy_field(out->api_key, sizeof out->api_key, key, "API key", err);
        if (rc) return rc;
        if (strpbrk(out->api_key, "\r\n"))
            return as_err_set(err, AS_EINVAL, "%s holds a line break", pi->key_env);
    } else if (!at && pi->default_url && strcmp(url, pi->default_url) == 0) {
        /* A hosted API without a key: say which variable to set. */
        return as_err_set(err, AS_EINVAL, "model '%s': no API key: set %s (or "
                          "providers.%s.api_key in the config file)",
                          spec, pi->key_env, pi->name);
    } else if (pi->kind == AS_LLM_AZURE) {
        return as_err_set(err, AS_EINVAL, "model '%s': no API key: set %s", spec,
                          pi->key_env);
    }
    if (pi->kind == AS_LLM_AZURE) {
        const char *v = env("AZURE_OPENAI_API_VERSION");
        if (!v) v = config_get(cfg, "azure", "api_version");
        if (!v) v = AZURE_DEFAULT_API_VERSION;
        rc = copy_field(out->api_version, sizeof out->api_version, v, "api-version", err);
        if (rc) return rc;
    }
    return AS_OK;
}
