/*
 * textmetrics.h - internal: UTF-8 helpers, simple case folding and the
 * text similarity metrics behind as_levenshtein_similarity, as_bleu and
 * as_rouge_l (include/assay/eval.h).  The code evaluators (code.c) use the
 * detailed variants to explain a score; docs/code-evaluators.md describes
 * the tokenisation and the formulas.
 *
 * Invalid UTF-8 never fails here: each byte that is not part of a valid
 * sequence decodes to its own pseudo code point AS_TM_BAD_BYTE + byte, which
 * is outside Unicode, so it equals only the same invalid byte.
 */
#ifndef ASSAY_EVAL_TEXTMETRICS_H
#define ASSAY_EVAL_TEXTMETRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AS_TM_BAD_BYTE 0x110000u

/* The metrics look at most at this many code points (Levenshtein) or
 * tokens (BLEU, ROUGE-L) of each text; the rest is ignored and the
 * detail's `truncated` says so. */
#define AS_TM_MAX 20000u

/* Decode the code point at s[i] (i < n) into *cp; returns the number of
 * bytes it takes (1 for an invalid byte, *cp = AS_TM_BAD_BYTE + byte).
 * Strict: no overlong forms, no surrogates, nothing above U+10FFFF. */
size_t as_tm_utf8_next(const char *s, size_t n, size_t i, uint32_t *cp);
/* Encode a code point (< 0x110000) into out; returns 1..4. */
size_t as_tm_utf8_encode(uint32_t cp, char out[4]);
/* Number of code points (an invalid byte counts as one). */
size_t as_tm_utf8_count(const char *s, size_t n);
/* Byte offset of code point number k (or n if there are fewer). */
size_t as_tm_utf8_offset(const char *s, size_t n, size_t k);

/* Simple (one-to-one) Unicode case folding for ASCII, Latin-1 Supplement,
 * Latin Extended-A, Latin Extended Additional, Greek, Cyrillic, Armenian,
 * fullwidth Latin letters and the Kelvin / Angstrom / Ohm signs.  Other
 * code points (and AS_TM_BAD_BYTE pseudo code points) map to themselves. */
uint32_t as_tm_case_fold(uint32_t cp);
/* s[0..n) case-folded, as a heap string (free()); *out_n its length, which
 * never exceeds n.  Invalid bytes are copied unchanged. */
char *as_tm_fold(const char *s, size_t n, size_t *out_n);

typedef struct as_lev_detail {
    size_t len_a, len_b;      /* code points compared (after the cap)   */
    size_t distance;
    bool truncated;           /* a text was longer than AS_TM_MAX        */
} as_lev_detail;

typedef struct as_bleu_detail {
    size_t cand_len, ref_len; /* tokens (after the cap)                  */
    size_t matches[4];        /* clipped n-gram matches, n = 1..4        */
    size_t totals[4];         /* candidate n-grams                       */
    int order;                /* orders used: min(4, cand_len)           */
    double brevity_penalty;
    bool truncated;
} as_bleu_detail;

typedef struct as_rouge_detail {
    size_t cand_len, ref_len; /* tokens (after the cap)                  */
    size_t lcs;
    bool truncated;
} as_rouge_detail;

/* The metrics over byte ranges, with details (detail may be NULL). */
double as_tm_levenshtein(const char *a, size_t na, const char *b, size_t nb,
                         as_lev_detail *detail);
double as_tm_bleu(const char *cand, size_t nc, const char *ref, size_t nr,
                  as_bleu_detail *detail);
double as_tm_rouge_l(const char *cand, size_t nc, const char *ref, size_t nr,
                     as_rouge_detail *detail);

/* Tokenise s[0..n) as BLEU and ROUGE-L do; calls fn once per token (the
 * case-folded bytes, not NUL-terminated) up to max tokens.  Returns the
 * number of tokens passed to fn; *more (if non-NULL) tells whether there
 * were more.  Exposed for the tests. */
size_t as_tm_tokenise(const char *s, size_t n, size_t max,
                      void (*fn)(void *ud, const char *tok, size_t len),
                      void *ud, bool *more);

#endif
