/*
 * eval.h - the evaluation engine: rows in, verdicts out.
 *
 *   rows       streaming CSV / JSONL reader (as_rows_*): one row at a time,
 *              constant memory; errors name file, line and column.
 *   judges     LLM-as-a-judge templates (as_judge_*): a role, a task, the
 *              context with {variables} or {{variables}}, and labels
 *              (rails) that map to scores in code.  YAML or JSON files, or
 *              built-ins (docs/evaluators.md).
 *   code       deterministic evaluators (as_code_eval_*): exact_match,
 *              contains, regex, json_schema, max_length, bleu, rouge_l...
 *   evaluator  one name over both (as_evaluator_*), what `assay eval
 *              --evaluator` takes.
 *
 * Variables are looked up through a callback so that the same evaluators
 * run over CSV rows, dataset examples and spans.
 */
#ifndef ASSAY_EVAL_H
#define ASSAY_EVAL_H
#include <math.h>
#include "assay/common.h"
#include "assay/llm.h"

/* ---- rows -------------------------------------------------------------- */

#define AS_ROWS_MAX_FIELD (16u << 20)   /* one value; one JSONL line  */
#define AS_ROWS_MAX_COLUMNS 4096
#define AS_ROWS_MAX_DEPTH 64            /* JSONL nesting              */
#define AS_ROWS_MAX_ROW (64u << 20)     /* all values of a CSV row    */

/* One data row.  Heap-owned (as_row_free); independent of the reader, so
 * rows can be held while later rows are read.  A row from as_rows_next is
 * one allocation (struct, arrays and strings): as_row_free is free(), so
 * it must not be given a row assembled by hand. */
typedef struct as_row {
    uint64_t index;       /* 0-based data row number (header excluded)      */
    uint64_t line;        /* 1-based line of the file where the row starts  */
    size_t n;             /* number of fields                               */
    char **names;         /* column names (UTF-8, NUL-terminated)           */
    char **values;        /* values: strings as they are; for JSONL, other
                             JSON values as compact JSON text, null as ""   */
} as_row;

void as_row_free(as_row *row);
/* Value of a column, or NULL. */
const char *as_row_get(const as_row *row, const char *name);

typedef struct as_rows as_rows;

/* Open a CSV (RFC 4180: header line, quoted fields with "" escapes and
 * embedded newlines, CRLF or LF) or JSONL (one JSON object per line, blank
 * lines skipped) file; the format comes from the extension (.csv, .jsonl,
 * .ndjson, .json for JSONL, each optionally + .gz).  Reads lazily, in
 * constant memory.  Unknown extension -> AS_EUNSUPPORTED; a file that
 * cannot be opened -> AS_EIO "data.csv: No such file or directory".
 * Both: UTF-8 only (a leading BOM is skipped), no NUL bytes.  CSV: header
 * names are trimmed of spaces and tabs and must be non-empty and unique;
 * blank lines are skipped (write "" for an empty value in a one-column
 * file); CR, LF and CRLF end lines; values are kept byte for byte.  JSONL:
 * duplicate keys are refused; numbers, booleans, objects and arrays keep
 * their text from the file minus whitespace (1.50 stays "1.50"). */
as_rc as_rows_open(const char *path, as_rows **out, as_err *err);
/* The same over bytes in memory (no gzip); origin names them in errors.
 * The bytes must outlive the reader. */
as_rc as_rows_open_mem(const char *data, size_t n, bool jsonl, const char *origin,
                       as_rows **out, as_err *err);
/* Next row into *row (NULL at the end).  Errors name the place, columns
 * counted in characters:
 * "data.csv:12:7: unterminated quoted field",
 * "data.jsonl:3:17: invalid UTF-8 (byte 0xff)",
 * "data.csv:5: 4 fields, the header has 3".
 * After an error every later call returns the same error. */
as_rc as_rows_next(as_rows *r, as_row **row, as_err *err);
/* Columns: the CSV header, or the keys of the first JSONL object (later
 * objects may have other keys, in their own row->names).  Valid after
 * open (reads the first row). */
size_t as_rows_columns(as_rows *r, const char *const **names);
void as_rows_close(as_rows *r);
/* Read the remaining rows of r, counting and checking them without
 * building them; *n_rows is the number of good rows (up to the error). */
as_rc as_rows_count(as_rows *r, uint64_t *n_rows, as_err *err);
/* Read the whole file once: count the data rows and check every one
 * (syntax, UTF-8, field counts) without keeping them. */
as_rc as_rows_scan(const char *path, uint64_t *n_rows, as_err *err);

/* ---- verdicts ---------------------------------------------------------- */

#define AS_LABEL_MAX 128
#define AS_NOT_PARSABLE "NOT_PARSABLE"

typedef struct as_verdict {
    char label[AS_LABEL_MAX];   /* a rail, "pass"/"fail", or NOT_PARSABLE */
    double score;               /* NAN when none                          */
    char *explanation;          /* heap, or NULL                          */
} as_verdict;

void as_verdict_clear(as_verdict *v);

/* Variable lookup: the value of variable `name`, or NULL if there is none. */
typedef const char *(*as_var_fn)(void *ud, const char *name);

/* ---- judges (LLM-as-a-judge templates) --------------------------------- */

typedef struct as_rail {
    char *label;          /* what the model must answer, e.g. "factual"   */
    char *description;    /* what it means (shown to the model), or NULL  */
    double score;         /* the score this label maps to                 */
} as_rail;

typedef enum as_tmpl_format {
    AS_TMPL_FSTRING = 0,  /* {var}; {{ and }} are literal braces          */
    AS_TMPL_MUSTACHE      /* {{var}}                                      */
} as_tmpl_format;

typedef struct as_judge as_judge;

/* A template file (YAML or JSON, by extension .yaml/.yml/.json):
 *   name: tone                       # defaults to the file's base name
 *   description: ...
 *   role: You are a careful reviewer ...
 *   task: Decide whether the response is friendly or robotic.
 *   context: |
 *     [Question]: {input}
 *     [Response]: {output}
 *   format: fstring | mustache       # default: mustache if "{{" appears
 *   labels:                          # rails, at least two
 *     - {label: friendly, score: 1, description: "warm, natural"}
 *     - {label: robotic,  score: 0, description: "stiff, formulaic"}
 *   explanation: true                # ask for an explanation (default true)
 *   pass: [friendly]                 # labels that count as a pass
 *                                    # (default: labels with score >= 0.5)
 *   examples:                        # optional few-shot examples
 *     - {input: ..., output: ..., label: robotic, explanation: ...}
 * Errors name the file and the field: "tone.yaml: labels[1]: score must
 * be a number". */
as_rc as_judge_load(const char *path, as_judge **out, as_err *err);
/* The same from text already in memory; origin names it in errors. */
as_rc as_judge_parse_text(const char *text, size_t n, bool yaml,
                          const char *origin, as_judge **out, as_err *err);
/* A built-in judge by name; AS_ENOTFOUND (message lists the built-ins). */
as_rc as_judge_builtin(const char *name, as_judge **out, as_err *err);
/* Names of the built-in judges, NULL-terminated. */
const char *const *as_judge_builtin_names(void);
void as_judge_free(as_judge *j);

const char *as_judge_name(const as_judge *j);
const char *as_judge_description(const as_judge *j);
/* The variables the template uses, in order of first use. */
size_t as_judge_vars(const as_judge *j, const char *const **names);
size_t as_judge_rails(const as_judge *j, const as_rail **rails);
bool as_judge_is_pass(const as_judge *j, const char *label);

/* A rendered prompt: messages and the answer format, ready to become an
 * as_llm_request (add the model).  Owns its strings; as_prompt_clear. */
typedef struct as_prompt {
    as_llm_msg msgs[2];          /* system (role), user (task + context)  */
    size_t n_msgs;
    as_llm_answer answer;
    char *tool_name;             /* "record_label"                         */
    char *tool_description;
    char *schema_json;           /* {"type":"object","properties":
                                    {"explanation":{"type":"string"},
                                     "label":{"type":"string","enum":[rails]}},
                                    "required":[...]}                       */
    char *owned[4];              /* backing storage */
} as_prompt;

/* Render the prompt for one row.  answer: TOOL or JSON ask for the
 * structured answer; TEXT asks for a plain-text answer with the rails
 * listed (and "EXPLANATION: ... LABEL: ..." when explanations are on).
 * A variable without a value -> AS_EINVAL "variable 'reference' has no
 * value". */
as_rc as_judge_render(const as_judge *j, as_llm_answer answer, as_var_fn var,
                      void *ud, as_prompt *out, as_err *err);
void as_prompt_clear(as_prompt *p);

/* Turn a response into a verdict: from resp->structured when present
 * (the label must be a rail, exactly; else it is snapped like text),
 * else from resp->text snapped to a rail.  Never fails: an answer that is
 * not exactly one rail gives label NOT_PARSABLE and score NAN.  *out is
 * overwritten (clear it first if it holds an explanation). */
void as_judge_verdict(const as_judge *j, const as_llm_response *resp,
                      as_verdict *out);

/* Snap free text to one of the labels: case-insensitive, longest label
 * first, each match removed from the text before the next label is
 * tried; exactly one label must match.  Returns its index, or -1. */
int as_snap_to_rail(const char *text, const char *const *labels, size_t n);

/* Substitute variables into a template string (into a heap string). */
as_rc as_tmpl_render(const char *tmpl, as_tmpl_format fmt, as_var_fn var,
                     void *ud, char **out, as_err *err);
/* List the variables a template string uses (heap array of heap strings,
 * free with as_tmpl_vars_free).  Unbalanced braces -> AS_EINVAL naming
 * the column. */
as_rc as_tmpl_vars(const char *tmpl, as_tmpl_format fmt, char ***names,
                   size_t *n, as_err *err);
void as_tmpl_vars_free(char **names, size_t n);

/* ---- code evaluators --------------------------------------------------- */

typedef struct as_code_eval as_code_eval;

/* Create a code evaluator of a given kind from its parameters.
 * params is NULL, a plain argument, or a JSON object with named fields:
 *   exact_match                      output == expected (opts: trim, ignore_case)
 *   contains / icontains / starts_with   value: "refund"
 *   contains_any / contains_all      values: ["a", "b"]   (opts: ignore_case)
 *   regex                            pattern: "^\\d+$"    (POSIX ERE)
 *   json_valid
 *   json_schema                      schema: {...}  (type, properties,
 *                                    required, enum, items subset)
 *   max_length / min_length          chars: 500  (Unicode code points)
 *   levenshtein                      threshold: 0.8 (similarity to expected)
 *   bleu / rouge_l                   threshold: 0.5 (vs expected)
 *   numeric                          tolerance: 0.01 (|output-expected|, opt
 *                                    relative: true)
 *   latency                          max_ms: 2000     (variable latency_ms)
 *   cost                             max_usd: 0.01    (variable cost_usd)
 * Every evaluator reads `output` (or `column` when given), and `expected`
 * where it compares.  A plain argument fills the main field: "contains:refund",
 * "max_length:500", "contains_any:[\"a\",\"b\"]".  Unknown kind or bad
 * parameter -> AS_EINVAL naming it. */
as_rc as_code_eval_new(const char *kind, const char *params, as_code_eval **out,
                       as_err *err);
void as_code_eval_free(as_code_eval *c);
/* Kinds that exist, NULL-terminated. */
const char *const *as_code_eval_kinds(void);
const char *as_code_eval_kind(const as_code_eval *c);
/* Variables read (e.g. {"output", "expected"}). */
size_t as_code_eval_vars(const as_code_eval *c, const char *const **names);
/* Judge one row.  Labels are "pass" / "fail" with score 1 / 0 (similarity
 * evaluators score the similarity itself, label by threshold); an
 * explanation says why ("412 characters, limit 500").  A missing or
 * unusable variable gives rc AS_EINVAL and a message; no verdict. */
as_rc as_code_eval_run(const as_code_eval *c, as_var_fn var, void *ud,
                       as_verdict *out, as_err *err);

/* Text metrics (exposed for tests and reuse).  Similarities in [0, 1]. */
double as_levenshtein_similarity(const char *a, const char *b);
double as_bleu(const char *candidate, const char *reference);   /* BLEU-4, smoothed */
double as_rouge_l(const char *candidate, const char *reference); /* F-measure */

/* ---- evaluators: judges and code behind one name ----------------------- */

typedef enum as_evaluator_kind { AS_EVAL_JUDGE, AS_EVAL_CODE } as_evaluator_kind;

typedef struct as_evaluator {
    char name[64];             /* as it appears in outputs and summaries */
    as_evaluator_kind kind;
    as_judge *judge;           /* AS_EVAL_JUDGE */
    as_code_eval *code;        /* AS_EVAL_CODE  */
} as_evaluator;

/* Resolve an --evaluator argument: a built-in judge name, a code
 * evaluator "kind[:params]", or a file (.yaml/.yml/.json) holding a judge
 * template or a code evaluator ({"type": "code", "kind": "regex",
 * "name": "digits", "params": {...}}), optionally prefixed "NAME=" to name
 * it (`paris=contains:Paris`; NAME is letters, digits, '_', '-', '.').
 * Unknown -> AS_EINVAL listing the built-ins and kinds. */
as_rc as_evaluator_open(const char *spec, as_evaluator **out, as_err *err);
void as_evaluator_free(as_evaluator *e);
size_t as_evaluator_vars(const as_evaluator *e, const char *const **names);
bool as_evaluator_is_pass(const as_evaluator *e, const char *label, double score);

#endif
