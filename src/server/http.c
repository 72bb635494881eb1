/*
 * http.c - the one adapter between libmicrohttpd and assay's handlers.
 *
 * libmicrohttpd calls the access handler several times per request: once
 * with the headers, once per chunk of body, once more when the body is
 * complete (and again after a suspended connection is resumed).  This file
 * folds that contract into a single as_req per request: it routes on the
 * first call, accumulates the body (capped at max_body, then decompressed
 * under the same cap), runs the handler once, and queues its answer.
 * Handlers that must wait (OTLP ingest until it is durable) defer: the
 * connection is suspended and resumed by as_req_finish from whichever
 * thread finishes the work (a decode worker on error, the ingest syncer on
 * success).
 *
 * Threads: a pool of epoll threads (MHD_OPTION_THREAD_POOL_SIZE); the MHD
 * callbacks of a request run on one of them from start to end.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "assay/alloc.h"
#include "assay/experiment.h"
#include "assay/workpool.h"
#include "server.h"

void as_metrics_add(as_server *srv, uint64_t *counter, uint64_t n) {
    pthread_mutex_lock(&srv->metrics_mu);
    *counter += n;
    pthread_mutex_unlock(&srv->metrics_mu);
}

const char *as_req_header(as_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *as_req_query(as_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct {
    const char *name;
    size_t namelen;
    const char **out;
    size_t n, max;
} query_iter;

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind,
                                   const char *key, const char *value) {
    (void)kind;
    query_iter *it = cls;
    if (!value) return MHD_YES;
    size_t kl = strlen(key);
    bool hit = (kl == it->namelen && memcmp(key, it->name, kl) == 0) ||
               (kl == it->namelen + 2 && memcmp(key, it->name, it->namelen) == 0 &&
                strcmp(key + it->namelen, "[]") == 0);
    if (hit && it->n < it->max) it->out[it->n++] = value;
    return MHD_YES;
}

size_t as_req_query_all(as_req *r, const char *name, const char **out, size_t max) {
    query_iter it = { name, strlen(name), out, 0, max };
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &it);
    return it.n;
}

void as_req_defer(as_req *r) {
    r->deferred = true;
    MHD_suspend_connection(r->conn);
}

void as_req_finish(as_req *r) {
    atomic_thread_fence(memory_order_release);
    r->finished = true;
    MHD_resume_connection(r->conn);
}

static enum MHD_Result send_reply(as_req *r) {
    size_t len;
    char *data = as_buf_detach(&r->out, &len);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) { free(data); return MHD_NO; }
    MHD_add_response_header(resp, "Content-Type",
                            r->content_type ? r->content_type : "application/json");
    MHD_add_response_header(resp, "x-phoenix-server-version", AS_PHOENIX_COMPAT_VERSION);
    if (r->retry_after[0]) MHD_add_response_header(resp, "Retry-After", r->retry_after);
    if (r->content_disposition[0])
        MHD_add_response_header(resp, "Content-Disposition", r->content_disposition);
    if (r->cache_control) MHD_add_response_header(resp, "Cache-Control", r->cache_control);
    if (r->csp) {
        MHD_add_response_header(resp, "Content-Security-Policy", r->csp);
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    }
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)(r->status ? r->status : 500), resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Inflate gzip or zlib-wrapped deflate (raw deflate as a fallback), never
 * producing more than the body cap: a compression bomb is a 413. */
static as_rc inflate_body(as_req *r, const char *encoding, as_err *err) {
    as_buf out;
    as_buf_init(&out, as_req_body_cap(r));
    for (int attempt = 0; attempt < 2; attempt++) {
        z_stream z;
        memset(&z, 0, sizeof(z));
        int wbits = attempt == 0 ? 15 + 32 : -15;
        if (inflateInit2(&z, wbits) != Z_OK)
            return as_err_set(err, AS_EINTERNAL, "zlib initialisation failed");
        z.next_in = (Bytef *)r->body.data;
        z.avail_in = (uInt)r->body.len;
        as_buf_reset(&out);
        int zr = Z_OK;
        unsigned char chunk[65536];
        while (zr == Z_OK) {
            z.next_out = chunk;
            z.avail_out = sizeof(chunk);
            zr = inflate(&z, Z_NO_FLUSH);
            if (zr != Z_OK && zr != Z_STREAM_END) break;
            if (as_buf_append(&out, chunk, sizeof(chunk) - z.avail_out) != AS_OK) {
                inflateEnd(&z);
                as_buf_release(&out);
                return as_err_set(err, AS_ETOOBIG, "decompressed body exceeds the "
                                  "limit of %zu bytes", as_req_body_cap(r));
            }
            if (zr == Z_OK && z.avail_in == 0 && z.avail_out != 0) { zr = Z_BUF_ERROR; break; }
        }
        const char *zmsg = z.msg;
        inflateEnd(&z);
        if (zr == Z_STREAM_END) {
            as_buf_release(&r->body);
            r->body = out;
            return AS_OK;
        }
        if (attempt == 1 || strcasecmp(encoding, "deflate") != 0) {
            as_buf_release(&out);
            return as_err_set(err, AS_EINVAL, "request body is not valid %s data: %s",
                              encoding, zr == Z_BUF_ERROR ? "truncated stream"
                                        : zmsg ? zmsg : "corrupt stream");
        }
    }
    as_buf_release(&out);
    return AS_EINVAL;
}

size_t as_req_body_cap(const as_req *r) {
    return r->route && r->route->upload ? r->srv->cfg.max_upload : r->srv->cfg.max_body;
}

static void run_handler(as_req *r) {
    const char *enc = as_req_header(r, "Content-Encoding");
    if (r->body_too_large) {
        as_metrics_add(r->srv, &r->srv->metrics.rejected_too_large, 1);
        as_err e;
        as_err_set(&e, AS_ETOOBIG, "request body exceeds the limit of %zu bytes "
                   "(see %s)", as_req_body_cap(r),
                   r->route->upload ? "--max-upload" : "--max-body");
        as_reply_err(r, &e);
        return;
    }
    if (enc && *enc && strcasecmp(enc, "identity") != 0) {
        if (strcasecmp(enc, "gzip") != 0 && strcasecmp(enc, "deflate") != 0 &&
            strcasecmp(enc, "x-gzip") != 0) {
            as_metrics_add(r->srv, &r->srv->metrics.rejected_unsupported, 1);
            as_reply_error(r, AS_EUNSUPPORTED, "unsupported Content-Encoding "
                           "(use gzip, deflate or identity)");
            return;
        }
        as_err e;
        as_rc rc = inflate_body(r, enc, &e);
        if (rc != AS_OK) {
            as_metrics_add(r->srv, rc == AS_ETOOBIG ? &r->srv->metrics.rejected_too_large
                                                    : &r->srv->metrics.rejected_decode, 1);
            as_reply_err(r, &e);
            return;
        }
    }
    r->route->fn(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    (void)version;
    as_server *srv = cls;
    as_req *r = *con_cls;
    if (!r) {
        r = as_xcalloc(1, sizeof(*r));
        r->srv = srv;
        r->conn = conn;
        r->method = method;
        r->url = url;
        as_buf_init(&r->out, AS_BUF_UNLIMITED);
        *con_cls = r;
        as_metrics_add(srv, &srv->metrics.http_requests, 1);
        bool mismatch;
        r->route = as_route_match(method, url, r->path_buf, sizeof(r->path_buf),
                                  r->params, &mismatch);
        as_buf_init(&r->body, as_req_body_cap(r));
        if (!r->route) {
            if (mismatch) as_reply_error(r, AS_EUNSUPPORTED, "method not allowed");
            else as_reply_error(r, AS_ENOTFOUND, "no such endpoint");
            if (mismatch) r->status = 405;
        } else {
            /* An oversized body is read and discarded, then answered
             * 413: answering before reading makes MHD close the socket
             * while the client is still sending, and the client then sees
             * a reset instead of the 413. */
            const char *cl = as_req_header(r, "Content-Length");
            if (cl && strtoull(cl, NULL, 10) > as_req_body_cap(r)) r->body_too_large = true;
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->status && !r->body_too_large &&
            as_buf_append(&r->body, upload, *upload_size) != AS_OK) {
            r->body_too_large = true;
            as_buf_release(&r->body);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->deferred) {
        if (!r->finished) return MHD_YES;
        atomic_thread_fence(memory_order_acquire);
        return send_reply(r);
    }
    if (!r->status) {
        run_handler(r);
        if (r->deferred) return MHD_YES;
    }
    return send_reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls; (void)conn; (void)toe;
    as_req *r = *con_cls;
    if (!r) return;
    if (r->free_state) r->free_state(r->handler_state);
    as_buf_release(&r->body);
    as_buf_release(&r->out);
    free(r);
    *con_cls = NULL;
}

as_rc as_server_start(const as_server_config *cfg, as_server **out, as_err *err) {
    as_server *srv = as_xcalloc(1, sizeof(*srv));
    srv->cfg = *cfg;
    pthread_mutex_init(&srv->metrics_mu, NULL);
    as_rc rc = as_store_open(&cfg->store, &srv->store, err);
    if (rc == AS_OK) rc = as_ingest_start(srv->store, &cfg->ingest, &srv->ingest, err);
    if (rc == AS_OK) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        int n = cfg->decode_threads > 0 ? cfg->decode_threads : cores > 0 ? (int)cores : 2;
        rc = as_workpool_start(n, 64, &srv->decoders, err);
    }
    /* the experiment runner (h_runner.c); resumes 'running' experiments */
    if (rc == AS_OK)
        rc = as_runner_start(srv->store, srv->ingest, cfg->store.data_dir, &srv->runner, err);
    if (rc != AS_OK) { as_server_stop(srv); return rc; }

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, cfg->host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, cfg->host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        as_server_stop(srv);
        return as_err_set(err, AS_EINVAL, "--host %s is not an IPv4 or IPv6 address",
                          cfg->host);
    }
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->threads > 0 ? cfg->threads : 4),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
        MHD_OPTION_END);
    if (!srv->daemon) {
        as_server_stop(srv);
        return as_err_set(err, AS_EIO, "cannot listen on %s:%d (address in use, "
                          "or not permitted)", cfg->host, cfg->port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->bound_port = info ? info->port : cfg->port;
    srv->ready = 1;
    *out = srv;
    return AS_OK;
}

void as_server_stop(as_server *srv) {
    if (!srv) return;
    srv->ready = 0;
    if (srv->daemon) {
        MHD_socket lfd = MHD_quiesce_daemon(srv->daemon);
        if (lfd != MHD_INVALID_SOCKET) close(lfd);
    }
    /* Drain the decoders, then the ingest queue: that resumes every
     * suspended connection, which MHD_stop_daemon requires; later submits
     * fail cleanly. */
    as_workpool_stop(srv->decoders);
    as_ingest_stop(srv->ingest);
    if (srv->daemon) MHD_stop_daemon(srv->daemon);
    as_runner_stop(srv->runner);    /* no handler left; experiments stay 'running' */
    as_workpool_free(srv->decoders);
    as_ingest_free(srv->ingest);
    as_store_close(srv->store);
    pthread_mutex_destroy(&srv->metrics_mu);
    free(srv);
}
