/*
 * serve.c - `assay serve`: parse flags (with ASSAY_* environment defaults),
 * start the server, wait for SIGINT/SIGTERM, shut down cleanly (queued
 * spans are committed before exit).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../server/server.h"
#include "cli.h"

static void serve_usage(FILE *f) {
    fprintf(f,
        "usage: assay serve [options]\n\n"
        "Receives OpenTelemetry / OpenInference traces (POST /v1/traces, OTLP\n"
        "protobuf or JSON) and serves the Phoenix-compatible REST API.\n\n"
        "options:\n"
        "  --host ADDR        address to bind (default 127.0.0.1; env ASSAY_HOST).\n"
        "                     Binding to a public address exposes your traces.\n"
        "  --port N           TCP port (default 6006; env ASSAY_PORT; 0 = any free\n"
        "                     port, printed on start-up)\n"
        "  --data DIR         data directory (default ./assay-data; env ASSAY_DATA)\n"
        "  --max-body BYTES   largest request body, also after decompression\n"
        "                     (default 33554432 = 32 MiB)\n"
        "  --max-upload BYTES the same for dataset uploads (default 1073741824\n"
        "                     = 1 GiB)\n"
        "  --queue-spans N    ingest queue capacity in spans; beyond it requests\n"
        "                     get 503 + Retry-After (default 20000)\n"
        "  --batch-spans N    most spans written per transaction (default 8192)\n"
        "  --threads N        HTTP worker threads (default 4)\n"
        "  --sync full|normal fsync the WAL at every commit (full, default: an\n"
        "                     acknowledged span survives power loss) or only at\n"
        "                     checkpoints (normal: survives a process crash)\n"
        "  --prices FILE      prices for span costs (USD per million tokens), used\n"
        "                     before the built-in table (docs/observe.md)\n"
        "  -h, --help         this text\n");
}

int cmd_serve(int argc, char **argv) {
    as_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    as_store_config_defaults(&cfg.store);
    cfg.host = cli_env("ASSAY_HOST", "127.0.0.1");
    const char *port = cli_env("ASSAY_PORT", "6006");
    cfg.store.data_dir = cli_env("ASSAY_DATA", "assay-data");
    cfg.max_body = 32u << 20;
    cfg.max_upload = 1u << 30;
    cfg.threads = 4;
    unsigned long long v;
    static const struct option opts[] = {
        { "host", required_argument, NULL, 'H' },
        { "port", required_argument, NULL, 'p' },
        { "data", required_argument, NULL, 'd' },
        { "max-body", required_argument, NULL, 'b' },
        { "max-upload", required_argument, NULL, 'U' },
        { "queue-spans", required_argument, NULL, 'q' },
        { "batch-spans", required_argument, NULL, 'B' },
        { "threads", required_argument, NULL, 't' },
        { "sync", required_argument, NULL, 's' },
        { "prices", required_argument, NULL, 'P' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'H': cfg.host = optarg; break;
        case 'p': port = optarg; break;
        case 'd': cfg.store.data_dir = optarg; break;
        case 'b':
            if (!cli_parse_size("--max-body", optarg, 1024, 1ull << 32, &v)) return 2;
            cfg.max_body = v;
            break;
        case 'U':
            if (!cli_parse_size("--max-upload", optarg, 1024, 1ull << 36, &v)) return 2;
            cfg.max_upload = v;
            break;
        case 'q':
            if (!cli_parse_size("--queue-spans", optarg, 1, 10000000, &v)) return 2;
            cfg.ingest.max_queued_spans = v;
            break;
        case 'B':
            if (!cli_parse_size("--batch-spans", optarg, 1, 1000000, &v)) return 2;
            cfg.ingest.max_batch_spans = v;
            break;
        case 't':
            if (!cli_parse_size("--threads", optarg, 1, 256, &v)) return 2;
            cfg.threads = (int)v;
            break;
        case 's':
            if (strcmp(optarg, "full") == 0) cfg.store.sync_full = true;
            else if (strcmp(optarg, "normal") == 0) cfg.store.sync_full = false;
            else { fprintf(stderr, "assay: --sync must be full or normal\n"); return 2; }
            break;
        case 'P': cfg.store.prices_path = optarg; break;
        case 'h': serve_usage(stdout); return 0;
        default: serve_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "assay serve: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!cli_parse_size("--port", port, 0, 65535, &v)) return 2;
    cfg.port = (int)v;

    /* Block the stop signals in every thread; the main thread waits. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    as_server *srv;
    as_err err;
    if (as_server_start(&cfg, &srv, &err) != AS_OK) {
        fprintf(stderr, "assay: %s\n", err.msg);
        return 1;
    }
    const char *shown = strchr(cfg.host, ':') ? "[%s]" : "%s";
    char hostbuf[128];
    snprintf(hostbuf, sizeof(hostbuf), shown, cfg.host);
    printf("assay: listening on http://%s:%d (data %s, schema %d)\n", hostbuf,
           srv->bound_port, as_store_path(srv->store), as_store_schema_version(srv->store));
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    fprintf(stderr, "assay: %s received, committing queued spans and stopping\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    as_server_stop(srv);
    return 0;
}
