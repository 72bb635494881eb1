/*
 * test_llm.c - model names, configuration precedence, prices, the cache
 * key, and the statistics the eval summary prints.
 */
#include <math.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

#include "assay/llm.h"
#include "assay/stats.h"
#include "harness.h"
#include "../../src/llm/cache.h"

static void clear_env(void) {
    const char *vars[] = { "OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY",
                           "ANTHROPIC_BASE_URL", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT",
                           "AZURE_OPENAI_API_VERSION", "GEMINI_API_KEY", "GOOGLE_API_KEY",
                           "GEMINI_BASE_URL", "ASSAY_CONFIG" };
    for (size_t i = 0; i < AS_ARRAY_LEN(vars); i++) unsetenv(vars[i]);
    setenv("XDG_CONFIG_HOME", "/nonexistent-assay-test", 1);
}

TEST(model_spec_parsing) {
    clear_env();
    as_llm_model m;
    as_err err;
    setenv("OPENAI_API_KEY", "sk-1", 1);
    CHECK_INT(as_llm_model_resolve("openai:gpt-4o-mini", NULL, &m, &err), AS_OK);
    CHECK_INT(m.kind, AS_LLM_OPENAI);
    CHECK_STR(m.model, "gpt-4o-mini");
    CHECK_STR(m.base_url, "https://api.openai.com/v1");
    CHECK_STR(m.api_key, "sk-1");
    /* a model name with ':' and an explicit URL with a trailing slash */
    CHECK_INT(as_llm_model_resolve("openai:llama3:8b@http://127.0.0.1:11434/v1/", NULL, &m, &err), AS_OK);
    CHECK_STR(m.model, "llama3:8b");
    CHECK_STR(m.base_url, "http://127.0.0.1:11434/v1");
    /* the environment's base URL */
    setenv("OPENAI_BASE_URL", "http://10.0.0.1:8000/v1", 1);
    CHECK_INT(as_llm_model_resolve("openai:m", NULL, &m, &err), AS_OK);
    CHECK_STR(m.base_url, "http://10.0.0.1:8000/v1");
    unsetenv("OPENAI_BASE_URL");
    /* errors name the problem */
    CHECK_INT(as_llm_model_resolve("gpt-4o", NULL, &m, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "expected provider:model") != NULL);
    CHECK_INT(as_llm_model_resolve("openia:gpt-4o", NULL, &m, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "unknown provider 'openia'") != NULL);
    CHECK_INT(as_llm_model_resolve("openai:", NULL, &m, &err), AS_EINVAL);
    CHECK_INT(as_llm_model_resolve("openai:m@ftp://x", NULL, &m, &err), AS_OK); /* '@' is part of the name */
    CHECK_STR(m.model, "m@ftp://x");
    unsetenv("OPENAI_API_KEY");
    CHECK_INT(as_llm_model_resolve("openai:gpt-4o", NULL, &m, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "set OPENAI_API_KEY") != NULL);
    /* a local server needs no key */
    CHECK_INT(as_llm_model_resolve("openai:m@http://127.0.0.1:1234/v1", NULL, &m, &err), AS_OK);
    CHECK_STR(m.api_key, "");
}

TEST(model_providers_and_config) {
    clear_env();
    as_llm_model m;
    as_err err;
    CHECK_INT(as_llm_model_resolve("azure:dep", NULL, &m, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "AZURE_OPENAI_ENDPOINT") != NULL);
    setenv("AZURE_OPENAI_ENDPOINT", "https://r.openai.azure.com/", 1);
    setenv("AZURE_OPENAI_API_KEY", "az", 1);
    CHECK_INT(as_llm_model_resolve("azure:dep", NULL, &m, &err), AS_OK);
    CHECK_STR(m.base_url, "https://r.openai.azure.com");
    CHECK_STR(m.api_version, "2024-10-21");
    setenv("GOOGLE_API_KEY", "g", 1);
    CHECK_INT(as_llm_model_resolve("gemini:gemini-2.0-flash", NULL, &m, &err), AS_OK);
    CHECK_STR(m.api_key, "g");
    CHECK_STR(m.base_url, "https://generativelanguage.googleapis.com");

    /* config file: used when the environment says nothing */
    char path[] = "/tmp/assay-test-config-XXXXXX";
    int fd = mkstemp(path);
    const char *cfgtext = "{\"providers\": {\"anthropic\": {\"api_key\": \"from-file\", "
                          "\"base_url\": \"http://127.0.0.1:9999\"}}, \"prices\": \"p.json\"}";
    CHECK(write(fd, cfgtext, strlen(cfgtext)) == (ssize_t)strlen(cfgtext));
    close(fd);
    as_llm_config *cfg = NULL;
    CHECK_INT(as_llm_config_load(path, &cfg, &err), AS_OK);
    CHECK_STR(as_llm_config_prices(cfg), "p.json");
    CHECK_INT(as_llm_model_resolve("anthropic:claude-sonnet-4-5", cfg, &m, &err), AS_OK);
    CHECK_STR(m.api_key, "from-file");
    CHECK_STR(m.base_url, "http://127.0.0.1:9999");
    setenv("ANTHROPIC_API_KEY", "from-env", 1);
    CHECK_INT(as_llm_model_resolve("anthropic:claude-sonnet-4-5", cfg, &m, &err), AS_OK);
    CHECK_STR(m.api_key, "from-env");
    as_llm_config_free(cfg);
    /* a broken config file is named with its line */
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(write(fd, "{\n\"providers\": [}", 17) == 17);
    close(fd);
    CHECK_INT(as_llm_config_load(path, &cfg, &err), AS_EINVAL);
    CHECK(strstr(err.msg, path) != NULL && strstr(err.msg, ":2") != NULL);
    unlink(path);
    /* an explicit file that does not exist is an error; the default is not */
    CHECK_INT(as_llm_config_load("/nonexistent/assay.json", &cfg, &err), AS_EIO);
    CHECK_INT(as_llm_config_load(NULL, &cfg, &err), AS_OK);
    as_llm_config_free(cfg);
    clear_env();
}

TEST(prices) {
    as_llm_prices *p = NULL;
    as_err err;
    CHECK_INT(as_llm_prices_load(NULL, &p, &err), AS_OK);
    double usd = -1;
    CHECK(as_llm_prices_cost(p, "openai", "gpt-4o-mini-2024-07-18", 1000000, 1000000, &usd));
    CHECK_DBL(usd, 0.75, 1e-12);                 /* mini, not the gpt-4o* prefix */
    CHECK(as_llm_prices_cost(p, "openai", "gpt-4o", 1000, 500, &usd));
    CHECK_DBL(usd, 0.0025 + 0.005, 1e-12);
    CHECK(!as_llm_prices_cost(p, "openai", "llama3", 10, 10, &usd));   /* unknown */
    CHECK(!as_llm_prices_cost(p, "anthropic", "gpt-4o", 10, 10, &usd)); /* provider matters */
    CHECK(!as_llm_prices_cost(p, "openai", "gpt-4o", -1, 10, &usd));    /* tokens unknown */
    as_llm_prices_free(p);

    char path[] = "/tmp/assay-test-prices-XXXXXX";
    int fd = mkstemp(path);
    const char *t = "{\"prices\": [{\"provider\": \"openai\", \"model\": \"gpt-4o\", "
                    "\"input\": 1, \"output\": 2}, {\"provider\": \"openai\", \"model\": "
                    "\"llama3*\", \"input\": 0, \"output\": 0}]}";
    CHECK(write(fd, t, strlen(t)) == (ssize_t)strlen(t));
    close(fd);
    CHECK_INT(as_llm_prices_load(path, &p, &err), AS_OK);
    CHECK(as_llm_prices_cost(p, "openai", "gpt-4o", 1000000, 1000000, &usd));
    CHECK_DBL(usd, 3.0, 1e-12);                  /* the user's entry wins */
    CHECK(as_llm_prices_cost(p, "openai", "llama3:8b", 5, 5, &usd));
    CHECK_DBL(usd, 0, 0);
    as_llm_prices_free(p);
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(write(fd, "{\"prices\": [{\"provider\": \"openai\"}]}", 36) == 36);
    close(fd);
    CHECK_INT(as_llm_prices_load(path, &p, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "entry 0") != NULL);
    unlink(path);
}

TEST(cache_key_ignores_the_secret) {
    llm_http a, b;
    llm_http_init(&a);
    llm_http_init(&b);
    a.url = strdup("http://x/v1/chat/completions");
    b.url = strdup("http://x/v1/chat/completions");
    CHECK_INT(llm_http_header(&a, "Authorization: Bearer one"), AS_OK);
    a.secret_header = 0;
    CHECK_INT(llm_http_header(&b, "Authorization: Bearer two"), AS_OK);
    b.secret_header = 0;
    as_buf_puts(&a.body, "{\"model\":\"m\"}");
    as_buf_puts(&b.body, "{\"model\":\"m\"}");
    uint8_t ka[16], kb[16];
    llm_cache_key("openai", &a, ka);
    llm_cache_key("openai", &b, kb);
    CHECK(memcmp(ka, kb, 16) == 0);
    as_buf_puts(&b.body, " ");
    llm_cache_key("openai", &b, kb);
    CHECK(memcmp(ka, kb, 16) != 0);
    llm_cache_key("azure", &a, kb);
    CHECK(memcmp(ka, kb, 16) != 0);
    llm_http_clear(&a);
    llm_http_clear(&b);

    /* put, flush, get back from a second connection */
    char dir[] = "/tmp/assay-test-cache-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/c.db", dir);
    llm_cache *c = NULL;
    as_err err;
    CHECK_INT(llm_cache_open(path, &c, &err), AS_OK);
    llm_cache_put(c, ka, "openai", "m", "{\"ok\":1}", 8);
    llm_cache_close(c);
    CHECK_INT(llm_cache_open(path, &c, &err), AS_OK);
    char *body = NULL;
    size_t n = 0;
    CHECK(llm_cache_get(c, ka, &body, &n));
    CHECK_INT(n, 8);
    CHECK_STR(body, "{\"ok\":1}");
    free(body);
    CHECK(!llm_cache_get(c, kb, &body, &n));
    llm_cache_close(c);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* Reference values: scipy.stats.norm.ppf / t.ppf, statsmodels
 * proportion_confint(method="wilson"). */
TEST(stats_quantiles) {
    CHECK_DBL(as_norm_ppf(0.975), 1.959963984540054, 1e-12);
    CHECK_DBL(as_norm_ppf(0.995), 2.5758293035489004, 1e-12);
    CHECK_DBL(as_norm_ppf(0.001), -3.090232306167813, 1e-12);
    CHECK_DBL(as_norm_ppf(0.5), 0, 1e-15);
    CHECK_DBL(as_t_ppf(0.975, 1), 12.706204736174698, 1e-9);
    CHECK_DBL(as_t_ppf(0.975, 2), 4.302652729749464, 1e-10);
    CHECK_DBL(as_t_ppf(0.975, 10), 2.228138851986274, 1e-10);
    CHECK_DBL(as_t_ppf(0.975, 30), 2.0422724563012373, 1e-10);
    CHECK_DBL(as_t_ppf(0.95, 5), 2.0150483733330, 1e-11);  /* closed-form CDF for df 5 */
    CHECK_DBL(as_t_ppf(0.025, 10), -2.228138851986274, 1e-10);
}

TEST(stats_wilson_and_means) {
    double lo, hi;
    as_wilson(5, 10, 0.05, &lo, &hi);
    CHECK_DBL(lo, 0.23659309051256, 1e-10);
    CHECK_DBL(hi, 0.76340690948744, 1e-10);
    as_wilson(0, 10, 0.05, &lo, &hi);
    CHECK_DBL(lo, 0, 1e-15);
    CHECK_DBL(hi, 0.2775327998628892, 1e-10);
    as_wilson(10, 10, 0.05, &lo, &hi);
    CHECK_DBL(lo, 1 - 0.2775327998628892, 1e-10);
    CHECK_DBL(hi, 1, 1e-15);
    as_wilson(0, 0, 0.05, &lo, &hi);
    CHECK(lo == 0 && hi == 1);

    as_moments m = { 0 };
    double xs[] = { 1, 2, 3, 4, 5 };
    for (size_t i = 0; i < 5; i++) as_moments_add(&m, xs[i]);
    CHECK_DBL(m.mean, 3, 1e-15);
    CHECK_DBL(as_moments_sd(&m), sqrt(2.5), 1e-14);
    as_mean_ci(&m, 0.05, &lo, &hi);
    /* scipy.stats.t.interval(0.95, 4, loc=3, scale=sem) */
    CHECK_DBL(lo, 3 - 2.7764451051977987 * sqrt(2.5) / sqrt(5), 1e-9);
    CHECK_DBL(hi, 3 + 2.7764451051977987 * sqrt(2.5) / sqrt(5), 1e-9);

    uint32_t c1[] = { 3, 0 }, c2[] = { 2, 1 }, c3[] = { 1, 1, 1 }, c4[] = { 2, 2 };
    CHECK_DBL(as_flip_probability(c1, 2), 0, 1e-15);
    CHECK_DBL(as_flip_probability(c2, 2), 1 - (4.0 / 9 + 1.0 / 9), 1e-15);
    CHECK_DBL(as_flip_probability(c3, 3), 2.0 / 3, 1e-15);
    size_t maj;
    int strict;
    CHECK_DBL(as_majority_share(c2, 2, &maj, &strict), 2.0 / 3, 1e-15);
    CHECK(maj == 0 && strict);
    as_majority_share(c4, 2, &maj, &strict);
    CHECK(!strict);
}

TEST_MAIN(T(model_spec_parsing), T(model_providers_and_config), T(prices),
          T(cache_key_ignores_the_secret), T(stats_quantiles), T(stats_wilson_and_means))
