/*
 * fuzz_http.c - libFuzzer target for the whole HTTP request path: the
 * real server (libmicrohttpd, the adapter, routing, decompression and every
 * handler, with SQLite underneath) runs in-process on an ephemeral port,
 * and each input is written as raw bytes to a fresh connection.  Whatever
 * the bytes, the server must never crash.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/server.h"

static as_server *srv;
static char data_dir[] = "/tmp/assay-fuzz-http-XXXXXX";

static void stop_server(void) {
    as_server_stop(srv);
}

static void start_server(void) {
    as_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    as_store_config_defaults(&cfg.store);
    if (!mkdtemp(data_dir)) abort();
    cfg.store.data_dir = data_dir;
    cfg.store.sync_full = false;
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.max_body = 1 << 20;
    cfg.max_upload = 1 << 20;
    cfg.threads = 2;
    as_err err;
    if (as_server_start(&cfg, &srv, &err) != AS_OK) {
        fprintf(stderr, "fuzz_http: %s\n", err.msg);
        abort();
    }
    atexit(stop_server);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!srv) start_server();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)srv->bound_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) { close(fd); return 0; }
    size_t off = 0;
    while (off < size) {
        ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    char buf[65536];
    struct pollfd p = { .fd = fd, .events = POLLIN };
    /* Read the answer.  libmicrohttpd keeps a kept-alive connection open
     * after a half-close, so "done" is EOF or a short silence after some
     * bytes; an incomplete request may get no answer at all (the server
     * waits for the rest), which is not a failure.  Crashes are what this
     * target finds; the server must also still answer the next input. */
    bool got = false;
    for (;;) {
        int pr = poll(&p, 1, got ? 30 : 1000);
        if (pr <= 0) break;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) break;
        got = true;
    }
    close(fd);
    return 0;
}
