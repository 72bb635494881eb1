/*
 * h_ui.c - the web UI, embedded in the binary (ui/dist, built by vite and
 * compiled into the table as_embed_ui by tools/embed.c).
 *
 *   GET /                     index.html
 *   GET /assets/{name}        a hashed asset (JS, CSS): cached for a year
 *   GET /projects/...         the UI's own routes (history-API paths): index.html
 *
 * index.html is never cached (it names the current hashed assets); the
 * assets are immutable.  Every UI response carries a Content-Security-Policy
 * that allows only the server's own scripts and styles, so that even a
 * rendering bug cannot run span content (defence in depth: the UI renders
 * span content as text).
 *
 * Needs in server.h's as_req:   const char *cache_control; const char *csp;
 * and in http.c's send_reply:   if (r->cache_control) MHD_add_response_header(resp, "Cache-Control", r->cache_control);
 *                               if (r->csp) { MHD_add_response_header(resp, "Content-Security-Policy", r->csp);
 *                                             MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff"); }
 */
#include <string.h>

#include "assay/embed.h"
#include "server.h"

extern const as_embed_file as_embed_ui[];   /* generated: $(GEN)/embed_ui.c */

static const char UI_CSP[] =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static const char *content_type(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot) return "application/octet-stream";
    static const struct { const char *ext, *type; } types[] = {
        { ".html", "text/html; charset=utf-8" },
        { ".js", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" },
        { ".svg", "image/svg+xml" },
        { ".png", "image/png" },
        { ".woff2", "font/woff2" },
        { ".json", "application/json" },
        { ".map", "application/json" },
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0) return types[i].type;
    return "application/octet-stream";
}

static void send_file(as_req *r, const as_embed_file *f, const char *cache) {
    r->status = 200;
    r->content_type = content_type(f->name);
    r->cache_control = cache;
    r->csp = UI_CSP;
    as_buf_reset(&r->out);
    if (as_buf_append(&r->out, f->data, f->len) != AS_OK)
        as_reply_error(r, AS_EINTERNAL, "out of memory");
}

/* GET / and every UI route: the single page. */
static void h_ui_index(as_req *r) {
    const as_embed_file *f = as_embed_find(as_embed_ui, "index.html");
    if (!f) {
        as_reply_text(r, 200, "text/plain; charset=utf-8",
                      "assay " ASSAY_VERSION " - built without the web UI.\n"
                      "OTLP: POST /v1/traces   REST: /v1/projects   health: /healthz\n");
        return;
    }
    send_file(r, f, "no-cache");
}

/* GET /assets/{name}: names are content-hashed, so they never change. */
static void h_ui_asset(as_req *r) {
    const char *name = r->params[0];
    const as_embed_file *f = NULL;
    if (name && strcmp(name, "index.html") != 0) f = as_embed_find(as_embed_ui, name);
    if (!f) {
        as_reply_error(r, AS_ENOTFOUND, "asset not found");
        r->cache_control = "no-store";
        return;
    }
    send_file(r, f, "public, max-age=31536000, immutable");
}

/* The UI's routes (ui/src/App.tsx) are answered with index.html so that a
 * reload or a shared link of any page works.  /v1/... is never here. */
const as_route as_routes_ui[] = {
    { "GET", "/", h_ui_index, false, false },
    { "GET", "/index.html", h_ui_index, false, false },
    { "GET", "/assets/{}", h_ui_asset, false, false },
    { "GET", "/projects", h_ui_index, false, false },
    { "GET", "/projects/{}", h_ui_index, false, false },
    { "GET", "/projects/{}/spans", h_ui_index, false, false },
    { "GET", "/projects/{}/traces/{}", h_ui_index, false, false },
    { "GET", "/projects/{}/sessions", h_ui_index, false, false },
    { "GET", "/projects/{}/sessions/{}", h_ui_index, false, false },
    { "GET", "/projects/{}/graph", h_ui_index, false, false },
    { "GET", "/projects/{}/metrics", h_ui_index, false, false },
    { "GET", "/datasets", h_ui_index, false, false },
    { "GET", "/datasets/{}", h_ui_index, false, false },
    { "GET", "/experiments", h_ui_index, false, false },
    { "GET", "/experiments/{}", h_ui_index, false, false },
    { "GET", "/labelling", h_ui_index, false, false },
    { "GET", "/labelling/{}", h_ui_index, false, false },
    { "GET", "/agreement", h_ui_index, false, false },
    { "GET", "/charts", h_ui_index, false, false },   /* not /metrics: Prometheus */
    { NULL, NULL, NULL, false, false },
};
