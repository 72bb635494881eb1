/*
 * datasets.c - `assay datasets upload|list|export|from-spans`: the same
 * dataset library calls as the REST endpoints (include/assay/dataset.h),
 * on the store of a data directory opened directly.
 *
 * Exit status: 0 ok; 1 the operation failed (bad file, unknown dataset,
 * conflict, storage error); 2 bad usage.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assay/dataset.h"
#include "assay/hex.h"
#include "assay/timefmt.h"
#include "cli.h"

static void usage(FILE *f) {
    fprintf(f,
        "usage: assay datasets COMMAND [options]\n\n"
        "  upload FILE --name N [--action create|append|update] [--description D]\n"
        "         [--input-keys a,b] [--output-keys c] [--metadata-keys m]\n"
        "         [--split-key k] [--span-id-key k] [--example-id-key k]\n"
        "        add a CSV or JSONL file (optionally .gz) as dataset examples.\n"
        "        Without --input-keys a JSONL file is read in the export shape:\n"
        "        {\"input\":{..},\"output\":{..},\"metadata\":{..}} a line.\n"
        "        --action: create (default; fails if N exists), append (N must\n"
        "        exist), update (make N match the file exactly; a no-op if equal)\n"
        "  list  datasets, newest first\n"
        "  export NAME|ID [--format csv|jsonl|openai_ft|openai_evals] [--version ID]\n"
        "        [--out FILE]   examples at a version (default: latest, jsonl, stdout)\n"
        "  from-spans --name N [--action create|append] [--description D] SPAN_ID...\n"
        "        one example per span (input.value / output.value)\n\n"
        "  --data DIR   data directory (default ./assay-data; env ASSAY_DATA)\n"
        "Exit status: 0 ok, 1 failure, 2 bad usage.\n");
}

static as_store *open_store(const char *dir) {
    as_store_config cfg;
    as_store_config_defaults(&cfg);
    cfg.data_dir = dir;
    cfg.read_connections = 2;
    as_store *st;
    as_err err;
    if (as_store_open(&cfg, &st, &err) != AS_OK) {
        fprintf(stderr, "assay: %s\n", err.msg);
        return NULL;
    }
    return st;
}

/* "a,b,c" into out (pointers into a strdup'ed copy kept in *hold). */
static bool split_list(const char *opt, char *s, const char **out, size_t *n) {
    *n = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
        while (*tok == ' ') tok++;
        if (!*tok) continue;
        if (*n == AS_DS_MAX_KEYS) {
            fprintf(stderr, "assay datasets: %s: more than %d keys\n", opt, AS_DS_MAX_KEYS);
            return false;
        }
        out[(*n)++] = tok;
    }
    return true;
}

static void print_result(const char *name, const as_upload_result *res) {
    printf("dataset %s (id %lld): %lld created, %lld updated, %lld deleted; ", name,
           (long long)res->dataset_id, (long long)res->created, (long long)res->updated,
           (long long)res->deleted);
    if (res->new_version) printf("new version %lld\n", (long long)res->version_id);
    else if (res->version_id) printf("no change (version %lld)\n", (long long)res->version_id);
    else printf("no versions yet\n");
}

static bool parse_action(const char *s, as_upload_action *a) {
    if (as_ds_action_parse(s, a)) return true;
    fprintf(stderr, "assay datasets: --action must be create, append or update, got '%s'\n", s);
    return false;
}

enum { O_DATA = 1, O_NAME, O_ACTION, O_DESC, O_IN, O_OUT_KEYS, O_META, O_SPLIT, O_SPAN,
       O_EXID, O_FORMAT, O_VERSION, O_OUT, O_HELP };

static const struct option opts[] = {
    { "data", required_argument, NULL, O_DATA },
    { "name", required_argument, NULL, O_NAME },
    { "action", required_argument, NULL, O_ACTION },
    { "description", required_argument, NULL, O_DESC },
    { "input-keys", required_argument, NULL, O_IN },
    { "output-keys", required_argument, NULL, O_OUT_KEYS },
    { "metadata-keys", required_argument, NULL, O_META },
    { "split-key", required_argument, NULL, O_SPLIT },
    { "span-id-key", required_argument, NULL, O_SPAN },
    { "example-id-key", required_argument, NULL, O_EXID },
    { "format", required_argument, NULL, O_FORMAT },
    { "version", required_argument, NULL, O_VERSION },
    { "out", required_argument, NULL, O_OUT },
    { "help", no_argument, NULL, O_HELP },
    { NULL, 0, NULL, 0 },
};

typedef struct cli_opts {
    const char *data, *name, *action, *desc, *format, *version, *out;
    char *lists[3];
    const char *split_key, *span_key, *exid_key;
    bool help;
} cli_opts;

/* Parse options of the subcommand argv[0]; positional arguments are left
 * in argv[optind..argc). */
static bool parse_opts(int argc, char **argv, cli_opts *o) {
    int c;
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_DATA: o->data = optarg; break;
        case O_NAME: o->name = optarg; break;
        case O_ACTION: o->action = optarg; break;
        case O_DESC: o->desc = optarg; break;
        case O_IN: o->lists[0] = optarg; break;
        case O_OUT_KEYS: o->lists[1] = optarg; break;
        case O_META: o->lists[2] = optarg; break;
        case O_SPLIT: o->split_key = optarg; break;
        case O_SPAN: o->span_key = optarg; break;
        case O_EXID: o->exid_key = optarg; break;
        case O_FORMAT: o->format = optarg; break;
        case O_VERSION: o->version = optarg; break;
        case O_OUT: o->out = optarg; break;
        case 'h': case O_HELP: o->help = true; break;
        default: return false;
        }
    }
    return true;
}

static int cmd_upload(int argc, char **argv, cli_opts *o) {
    if (optind + 1 != argc || !o->name) {
        fprintf(stderr, "assay datasets upload: give one FILE and --name (see --help)\n");
        return 2;
    }
    as_ds_file f;
    memset(&f, 0, sizeof(f));
    if (o->action && !parse_action(o->action, &f.action)) return 2;
    const char **lists[3] = { f.keys.input, f.keys.output, f.keys.metadata };
    size_t *ns[3] = { &f.keys.n_input, &f.keys.n_output, &f.keys.n_metadata };
    static const char *const names[3] = { "--input-keys", "--output-keys", "--metadata-keys" };
    for (int k = 0; k < 3; k++)
        if (o->lists[k] && !split_list(names[k], o->lists[k], lists[k], ns[k])) return 2;
    f.keys.split_key = o->split_key;
    f.keys.span_id_key = o->span_key;
    f.keys.example_id_key = o->exid_key;
    f.name = o->name;
    f.description = o->desc;
    const char *path = argv[optind];
    f.origin = path;
    f.filename = path;
    int fd = open(path, O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        perror(path);
        if (fd >= 0) close(fd);
        return 1;
    }
    void *map = sb.st_size ? mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (map == MAP_FAILED) {
        perror(path);
        return 1;
    }
    f.data = map ? map : "";
    f.len = (size_t)sb.st_size;
    as_store *st = open_store(o->data);
    int status = 1;
    if (st) {
        as_upload_result res;
        as_err err;
        if (as_ds_upload_file(st, &f, &res, &err) != AS_OK) {
            fprintf(stderr, "assay datasets upload: %s\n", err.msg);
        } else {
            print_result(o->name, &res);
            status = 0;
        }
        as_store_close(st);
    }
    if (map) munmap(map, (size_t)sb.st_size);
    return status;
}

static int cmd_list(cli_opts *o) {
    as_store *st = open_store(o->data);
    if (!st) return 1;
    int64_t before = 0;
    int status = 0;
    printf("%-6s %-32s %9s  %s\n", "ID", "NAME", "EXAMPLES", "UPDATED");
    do {
        json_t *rows, *row;
        int64_t next;
        as_err err;
        if (as_store_dataset_list(st, NULL, before, 500, &rows, &next, &err) != AS_OK) {
            fprintf(stderr, "assay datasets list: %s\n", err.msg);
            status = 1;
            break;
        }
        size_t i;
        json_array_foreach(rows, i, row) {
            char iso[AS_ISO_MAX];
            as_time_iso(json_integer_value(json_object_get(row, "updated_at")), iso);
            printf("%-6lld %-32s %9lld  %s\n",
                   (long long)json_integer_value(json_object_get(row, "id")),
                   json_string_value(json_object_get(row, "name")),
                   (long long)json_integer_value(json_object_get(row, "example_count")), iso);
        }
        json_decref(rows);
        before = next ? next + 1 : 0;
    } while (before);
    as_store_close(st);
    return status;
}

static int cmd_export(int argc, char **argv, cli_opts *o) {
    if (optind + 1 != argc) {
        fprintf(stderr, "assay datasets export: give one dataset NAME or ID (see --help)\n");
        return 2;
    }
    as_ds_export_format fmt = AS_DS_EXPORT_JSONL;
    if (o->format && !as_ds_export_format_parse(o->format, &fmt)) {
        fprintf(stderr, "assay datasets export: --format must be csv, jsonl, openai_ft or "
                        "openai_evals, got '%s'\n", o->format);
        return 2;
    }
    int64_t ver = 0;
    if (o->version) {
        char *end;
        long long v = strtoll(o->version, &end, 10);
        if (as_globalid_decode(o->version, "DatasetVersion", &ver) && ver > 0) {
        } else if (*end == '\0' && v > 0) {
            ver = v;
        } else {
            fprintf(stderr, "assay datasets export: --version must be a version id, got '%s'\n",
                    o->version);
            return 2;
        }
    }
    as_store *st = open_store(o->data);
    if (!st) return 1;
    as_err err;
    int64_t id;
    as_buf out;
    as_buf_init(&out, AS_BUF_UNLIMITED);
    int status = 1;
    if (as_ds_resolve(st, argv[optind], &id, NULL, &err) != AS_OK ||
        as_ds_export(st, id, ver, fmt, &out, &err) != AS_OK) {
        fprintf(stderr, "assay datasets export: %s\n", err.msg);
    } else {
        FILE *f = o->out ? fopen(o->out, "wb") : stdout;
        if (!f) {
            perror(o->out);
        } else {
            bool ok = fwrite(out.data ? out.data : "", 1, out.len, f) == out.len;
            ok = (f == stdout ? fflush(f) == 0 : fclose(f) == 0) && ok;
            if (!ok) perror(o->out ? o->out : "stdout");
            else status = 0;
        }
    }
    as_buf_release(&out);
    as_store_close(st);
    return status;
}

static int cmd_from_spans(int argc, char **argv, cli_opts *o) {
    if (!o->name || optind >= argc) {
        fprintf(stderr, "assay datasets from-spans: give --name and at least one SPAN_ID\n");
        return 2;
    }
    as_upload_action action = AS_UPLOAD_APPEND;
    if (o->action && (!parse_action(o->action, &action) || action == AS_UPLOAD_UPDATE)) {
        if (action == AS_UPLOAD_UPDATE)
            fprintf(stderr, "assay datasets from-spans: --action is create or append\n");
        return 2;
    }
    as_store *st = open_store(o->data);
    if (!st) return 1;
    json_t *row = NULL;
    if (action == AS_UPLOAD_APPEND && as_store_dataset_get(st, 0, o->name, &row, NULL) != AS_OK)
        action = AS_UPLOAD_CREATE;
    json_decref(row);
    as_upload_result res;
    as_err err;
    int status = 0;
    if (as_ds_from_spans(st, o->name, o->desc, action, (const char *const *)argv + optind,
                         (size_t)(argc - optind), &res, &err) != AS_OK) {
        fprintf(stderr, "assay datasets from-spans: %s\n", err.msg);
        status = 1;
    } else {
        print_result(o->name, &res);
    }
    as_store_close(st);
    return status;
}

int cmd_datasets(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    cli_opts o = { .data = cli_env("ASSAY_DATA", "assay-data") };
    if (!parse_opts(argc - 1, argv + 1, &o)) return 2;
    if (o.help) { usage(stdout); return 0; }
    int n = argc - 1;
    char **v = argv + 1;
    if (strcmp(sub, "upload") == 0) return cmd_upload(n, v, &o);
    if (strcmp(sub, "list") == 0) {
        if (optind != n) { fprintf(stderr, "assay datasets list: takes no arguments\n"); return 2; }
        return cmd_list(&o);
    }
    if (strcmp(sub, "export") == 0) return cmd_export(n, v, &o);
    if (strcmp(sub, "from-spans") == 0) return cmd_from_spans(n, v, &o);
    fprintf(stderr, "assay datasets: unknown command '%s' (try: upload, list, export, "
                    "from-spans)\n", sub);
    return 2;
}
