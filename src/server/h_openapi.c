/*
 * h_openapi.c - GET /openapi.json: the OpenAPI 3.1 description of every
 * REST route the server answers (the Phoenix-compatible ones and assay's
 * extensions), the machine-readable twin of docs/api.md and the area
 * pages.  The document is hand-written in src/server/openapi.json and
 * compiled into the binary by tools/embed.c (as_embed_openapi), so the
 * answer is the file byte for byte.  tests/blackbox/openapi.test.mjs keeps
 * it honest: the set of (method, path) in the file must equal the route
 * tables, and live answers must validate against its schemas.
 */
#include "assay/embed.h"
#include "server.h"

static void h_openapi(as_req *r) {
    const as_embed_file *f = as_embed_find(as_embed_openapi, "openapi.json");
    if (!f) {
        as_reply_error(r, AS_EINTERNAL, "openapi.json is not built into this binary");
        return;
    }
    r->status = 200;
    r->content_type = "application/json";
    /* revalidate: the document changes with the binary, the URL does not */
    r->cache_control = "no-cache";
    as_buf_reset(&r->out);
    if (as_buf_append(&r->out, f->data, f->len) != AS_OK)
        as_reply_error(r, AS_EINTERNAL, "out of memory");
}

const as_route as_routes_openapi[] = {
    { "GET", "/openapi.json", h_openapi, false, false },
    { NULL, NULL, NULL, false, false },
};
