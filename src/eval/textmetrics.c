/*
 * textmetrics.c - UTF-8 decoding, simple case folding, the tokeniser and
 * the three text similarities of the code evaluators: Levenshtein over code
 * points, BLEU-4 and ROUGE-L over tokens (src/eval/textmetrics.h;
 * formulas and choices in docs/code-evaluators.md).
 *
 * Everything here is a pure function of its arguments (no static mutable
 * state), so the evaluators that call it are reentrant.  Work is bounded:
 * each text contributes at most AS_TM_MAX code points or tokens, so the
 * quadratic dynamic programs (edit distance, longest common subsequence)
 * stay under 4e8 cell updates, and they keep one row (O(min(n, m)) memory)
 * after stripping the common prefix and suffix, which makes the frequent
 * "almost identical" case linear.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/buf.h"
#include "assay/eval.h"
#include "textmetrics.h"

/* ---- UTF-8 --------------------------------------------------------------- */

size_t as_tm_utf8_next(const char *str, size_t n, size_t i, uint32_t *cp) {
    const unsigned char *s = (const unsigned char *)str;
    unsigned c = s[i];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
    else goto bad;
    if (n - i < len) goto bad;
    for (size_t k = 1; k < len; k++) {
        unsigned d = s[i + k];
        if ((d & 0xC0) != 0x80) goto bad;
        v = v << 6 | (d & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) goto bad;
    *cp = v;
    return len;
bad:
    *cp = AS_TM_BAD_BYTE + c;
    return 1;
}

size_t as_tm_utf8_encode(uint32_t cp, char out[4]) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t as_tm_utf8_count(const char *s, size_t n) {
    size_t count = 0;
    for (size_t i = 0; i < n; count++) {
        uint32_t cp;
        i += as_tm_utf8_next(s, n, i, &cp);
    }
    return count;
}

size_t as_tm_utf8_offset(const char *s, size_t n, size_t k) {
    size_t i = 0;
    for (; i < n && k > 0; k--) {
        uint32_t cp;
        i += as_tm_utf8_next(s, n, i, &cp);
    }
    return i;
}

/* ---- case folding ---------------------------------------------------------
 * The one-to-one ("simple", status C and S) mappings of Unicode's
 * CaseFolding.txt for the blocks listed in textmetrics.h.  Full foldings
 * that change the length (ß -> ss) and the Turkic dotted I are not done.
 * Every mapping here encodes to at most as many UTF-8 bytes as its source,
 * which as_tm_fold relies on. */
uint32_t as_tm_case_fold(uint32_t c) {
    if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c < 0x100) {
        if (c == 0xB5) return 0x3BC;                       /* micro sign */
        return c >= 0xC0 && c <= 0xDE && c != 0xD7 ? c + 32 : c;
    }
    if (c < 0x180) {                                      /* Latin Extended-A */
        if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149) return c;
        if (c == 0x178) return 0xFF;
        if (c == 0x17F) return 's';
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return c & 1 ? c + 1 : c;
        return c & 1 ? c : c + 1;                         /* 100-137, 14A-177 */
    }
    if (c >= 0x370 && c < 0x400) {                        /* Greek */
        if (c == 0x386) return 0x3AC;
        if (c >= 0x388 && c <= 0x38A) return c + 37;
        if (c == 0x38C) return 0x3CC;
        if (c == 0x38E || c == 0x38F) return c + 63;
        if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
        if (c == 0x3C2) return 0x3C3;                     /* final sigma */
        return c;
    }
    if (c >= 0x400 && c < 0x530) {                        /* Cyrillic */
        if (c < 0x410) return c + 80;
        if (c < 0x430) return c + 32;
        if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) ||
            (c >= 0x4D0 && c <= 0x52F))
            return c & 1 ? c : c + 1;
        if (c == 0x4C0) return 0x4CF;
        if (c >= 0x4C1 && c <= 0x4CE) return c & 1 ? c + 1 : c;
        return c;
    }
    if (c >= 0x531 && c <= 0x556) return c + 48;          /* Armenian */
    if (c >= 0x1E00 && c <= 0x1EFF) {                     /* Latin Ext. Additional */
        if (c == 0x1E9E) return 0xDF;
        if (c >= 0x1E96 && c <= 0x1E9F) return c;
        return c & 1 ? c : c + 1;
    }
    if (c == 0x2126) return 0x3C9;                        /* ohm */
    if (c == 0x212A) return 'k';                          /* kelvin */
    if (c == 0x212B) return 0xE5;                         /* angstrom */
    if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;        /* fullwidth A-Z */
    return c;
}

char *as_tm_fold(const char *s, size_t n, size_t *out_n) {
    char *out = as_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = as_tm_utf8_next(s, n, i, &cp);
        if (cp >= AS_TM_BAD_BYTE) {
            out[o++] = s[i];
        } else {
            char enc[4];
            size_t e = as_tm_utf8_encode(as_tm_case_fold(cp), enc);
            memcpy(out + o, enc, e);    /* e <= k: see as_tm_case_fold */
            o += e;
        }
        i += k;
    }
    out[o] = '\0';
    if (out_n) *out_n = o;
    return out;
}

/* ---- tokeniser ------------------------------------------------------------ */

enum cp_class { CL_WORD, CL_SEP, CL_SOLO };

/* Whitespace, controls and punctuation separate tokens and are dropped. */
static bool is_separator(uint32_t c) {
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                 (c >= 'A' && c <= 'Z'));
    if (c >= AS_TM_BAD_BYTE) return false;
    if (c <= 0x9F) return true;                           /* C1 controls */
    if (c <= 0xBF)                                        /* NBSP, ¡ ... ¿ */
        return !(c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 ||
                 c == 0xB9 || c == 0xBA || (c >= 0xBC && c <= 0xBE));
    if (c == 0xD7 || c == 0xF7) return true;              /* × ÷ */
    if (c == 0x37E || c == 0x387) return true;            /* Greek ; · */
    if (c == 0x1680) return true;                         /* Ogham space */
    if (c >= 0x2000 && c <= 0x206F) return true;          /* General Punct. */
    if (c >= 0x2E00 && c <= 0x2E7F) return true;          /* Suppl. Punct. */
    if (c >= 0x3000 && c <= 0x3003) return true;          /* CJK space 、。 */
    if (c >= 0x3008 && c <= 0x3011) return true;          /* CJK brackets */
    if (c >= 0x3014 && c <= 0x301F) return true;
    if (c == 0x30FB) return true;                         /* katakana dot */
    if (c >= 0xFE30 && c <= 0xFE6B) return true;          /* CJK compat forms */
    if (c == 0xFEFF) return true;                         /* BOM */
    if ((c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
        (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65))
        return true;                                      /* fullwidth punct. */
    return false;
}

/* Scripts written without spaces: each character is a token of its own. */
static bool is_solo(uint32_t c) {
    return (c >= 0x3040 && c <= 0x30FF) ||                /* kana */
           (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}

static enum cp_class classify(uint32_t c) {
    if (is_separator(c)) return CL_SEP;
    if (is_solo(c)) return CL_SOLO;
    return CL_WORD;
}

static void put_folded(as_buf *b, const char *s, size_t i, uint32_t cp) {
    if (cp >= AS_TM_BAD_BYTE) {
        as_buf_putc(b, s[i]);
        return;
    }
    char enc[4];
    as_buf_append(b, enc, as_tm_utf8_encode(as_tm_case_fold(cp), enc));
}

size_t as_tm_tokenise(const char *s, size_t n, size_t max,
                      void (*fn)(void *ud, const char *tok, size_t len),
                      void *ud, bool *more) {
    as_buf tok;
    as_buf_init(&tok, AS_BUF_UNLIMITED);
    size_t count = 0;
    bool in_tok = false;
    uint32_t prev = 0;
    if (more) *more = false;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = as_tm_utf8_next(s, n, i, &cp);
        enum cp_class cl = classify(cp);
        /* "3.14" and "1,000" stay one token: a point or comma between
         * two ASCII digits belongs to the number. */
        if ((cp == '.' || cp == ',') && in_tok && prev >= '0' && prev <= '9' &&
            i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
            cl = CL_WORD;
        if (in_tok && cl != CL_WORD) {
            fn(ud, tok.data, tok.len);
            as_buf_reset(&tok);
            in_tok = false;
        }
        if (cl != CL_SEP && !in_tok) {
            if (count == max) {
                if (more) *more = true;
                break;
            }
            count++;
            in_tok = true;
        }
        if (cl != CL_SEP) put_folded(&tok, s, i, cp);
        if (cl == CL_SOLO) {
            fn(ud, tok.data, tok.len);
            as_buf_reset(&tok);
            in_tok = false;
        }
        prev = cp;
        i += k;
    }
    if (in_tok) fn(ud, tok.data, tok.len);
    as_buf_release(&tok);
    return count;
}

/* Tokens of one text: their bytes end to end, and where each one is. */
typedef struct tok_list {
    as_buf bytes;
    size_t *off, *len;
    size_t n, cap;
    bool truncated;
} tok_list;

static void tok_add(void *ud, const char *t, size_t len) {
    tok_list *l = ud;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->off = as_xrealloc(l->off, l->cap * sizeof(*l->off));
        l->len = as_xrealloc(l->len, l->cap * sizeof(*l->len));
    }
    l->off[l->n] = l->bytes.len;
    l->len[l->n] = len;
    l->n++;
    as_buf_append(&l->bytes, t, len);
}

static void tok_list_build(tok_list *l, const char *s, size_t n) {
    memset(l, 0, sizeof(*l));
    as_buf_init(&l->bytes, AS_BUF_UNLIMITED);
    as_tm_tokenise(s, n, AS_TM_MAX, tok_add, l, &l->truncated);
}

static void tok_list_release(tok_list *l) {
    as_buf_release(&l->bytes);
    free(l->off);
    free(l->len);
}

static uint64_t hash_bytes(const char *p, size_t n) {
    uint64_t h = 1469598103934665603ULL;                  /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Give equal tokens of both texts the same id (from 1): the n-gram and LCS
 * code then compares integers. */
static void intern(const tok_list *a, const tok_list *b, uint32_t *ida,
                   uint32_t *idb) {
    struct slot { const char *p; size_t len; uint32_t id; } *tab;
    size_t size = 16;
    while (size < 2 * (a->n + b->n)) size *= 2;
    tab = as_xcalloc(size, sizeof(*tab));
    uint32_t next = 1;
    const tok_list *lists[2] = { a, b };
    uint32_t *ids[2] = { ida, idb };
    for (int w = 0; w < 2; w++) {
        const tok_list *l = lists[w];
        for (size_t j = 0; j < l->n; j++) {
            const char *p = l->bytes.data + l->off[j];
            size_t len = l->len[j];
            size_t h = (size_t)hash_bytes(p, len) & (size - 1);
            while (tab[h].id &&
                   !(tab[h].len == len && memcmp(tab[h].p, p, len) == 0))
                h = (h + 1) & (size - 1);
            if (!tab[h].id) {
                tab[h].p = p;
                tab[h].len = len;
                tab[h].id = next++;
            }
            ids[w][j] = tab[h].id;
        }
    }
    free(tab);
}

/* Tokenise both texts and intern them; the arrays are heap (free()). */
static void tokens_of(const char *a, size_t na, const char *b, size_t nb,
                      uint32_t **ida, size_t *la, uint32_t **idb, size_t *lb,
                      bool *truncated) {
    tok_list ta, tb;
    tok_list_build(&ta, a, na);
    tok_list_build(&tb, b, nb);
    *ida = as_xmalloc((ta.n + 1) * sizeof(**ida));
    *idb = as_xmalloc((tb.n + 1) * sizeof(**idb));
    intern(&ta, &tb, *ida, *idb);
    *la = ta.n;
    *lb = tb.n;
    *truncated = ta.truncated || tb.truncated;
    tok_list_release(&ta);
    tok_list_release(&tb);
}

/* ---- Levenshtein ----------------------------------------------------------- */

static uint32_t *decode_capped(const char *s, size_t n, size_t *len,
                               bool *truncated) {
    size_t cap = n < AS_TM_MAX ? n : AS_TM_MAX;
    uint32_t *cps = as_xmalloc((cap + 1) * sizeof(*cps));
    size_t k = 0, i = 0;
    while (i < n && k < AS_TM_MAX) i += as_tm_utf8_next(s, n, i, &cps[k++]);
    if (i < n) *truncated = true;
    *len = k;
    return cps;
}

/* Edit distance (insert, delete, substitute: cost 1) with one row over
 * the shorter text. */
static size_t edit_distance(const uint32_t *a, size_t la, const uint32_t *b,
                            size_t lb) {
    while (la && lb && a[0] == b[0]) { a++; b++; la--; lb--; }
    while (la && lb && a[la - 1] == b[lb - 1]) { la--; lb--; }
    if (la > lb) {
        const uint32_t *t = a; a = b; b = t;
        size_t tl = la; la = lb; lb = tl;
    }
    if (la == 0) return lb;
    uint32_t *row = as_xmalloc((la + 1) * sizeof(*row));
    for (size_t i = 0; i <= la; i++) row[i] = (uint32_t)i;
    for (size_t j = 1; j <= lb; j++) {
        uint32_t diag = row[0];
        row[0] = (uint32_t)j;
        for (size_t i = 1; i <= la; i++) {
            uint32_t up = row[i];
            uint32_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[i - 1] + 1 < best) best = row[i - 1] + 1;
            row[i] = best;
            diag = up;
        }
    }
    size_t d = row[la];
    free(row);
    return d;
}

double as_tm_levenshtein(const char *a, size_t na, const char *b, size_t nb,
                         as_lev_detail *detail) {
    bool truncated = false;
    size_t la, lb;
    uint32_t *ca = decode_capped(a, na, &la, &truncated);
    uint32_t *cb = decode_capped(b, nb, &lb, &truncated);
    size_t d = edit_distance(ca, la, cb, lb);
    free(ca);
    free(cb);
    size_t m = la > lb ? la : lb;
    if (detail) {
        detail->len_a = la;
        detail->len_b = lb;
        detail->distance = d;
        detail->truncated = truncated;
    }
    /* (m - d) / m rather than 1 - d / m: one correctly rounded division,
     * so 4 of 5 characters is exactly the double 0.8. */
    return m == 0 ? 1.0 : (double)(m - d) / (double)m;
}

double as_levenshtein_similarity(const char *a, const char *b) {
    if (!a) a = "";
    if (!b) b = "";
    return as_tm_levenshtein(a, strlen(a), b, strlen(b), NULL);
}

/* ---- BLEU -------------------------------------------------------------------- */

typedef struct gram { uint32_t w[4]; } gram;   /* unused slots are 0 */

static int gram_cmp(const void *x, const void *y) {
    return memcmp(x, y, sizeof(gram));  /* any total order will do */
}

static size_t grams_of(const uint32_t *ids, size_t n, size_t order, gram *g) {
    if (n < order) return 0;
    size_t m = n - order + 1;
    for (size_t i = 0; i < m; i++) {
        memset(&g[i], 0, sizeof(g[i]));
        for (size_t k = 0; k < order; k++) g[i].w[k] = ids[i + k];
    }
    qsort(g, m, sizeof(*g), gram_cmp);
    return m;
}

/* Sum over distinct n-grams of min(count in candidate, count in reference):
 * the "modified" (clipped) match count of Papineni et al. */
static size_t clipped_matches(const gram *c, size_t nc, const gram *r,
                              size_t nr) {
    size_t i = 0, j = 0, m = 0;
    while (i < nc && j < nr) {
        int d = gram_cmp(&c[i], &r[j]);
        if (d < 0) { i++; continue; }
        if (d > 0) { j++; continue; }
        size_t ci = 1, cj = 1;
        while (i + ci < nc && gram_cmp(&c[i + ci], &c[i]) == 0) ci++;
        while (j + cj < nr && gram_cmp(&r[j + cj], &r[j]) == 0) cj++;
        m += ci < cj ? ci : cj;
        i += ci;
        j += cj;
    }
    return m;
}

double as_tm_bleu(const char *cand, size_t nc, const char *ref, size_t nr,
                  as_bleu_detail *detail) {
    as_bleu_detail dd;
    if (!detail) detail = &dd;
    memset(detail, 0, sizeof(*detail));
    uint32_t *ic, *ir;
    size_t c, r;
    tokens_of(cand, nc, ref, nr, &ic, &c, &ir, &r, &detail->truncated);
    detail->cand_len = c;
    detail->ref_len = r;
    double score;
    if (c == 0 || r == 0) {
        detail->brevity_penalty = c == 0 && r == 0 ? 1.0 : 0.0;
        score = c == 0 && r == 0 ? 1.0 : 0.0;
        goto out;
    }
    gram *gc = as_xmalloc(c * sizeof(*gc));
    gram *gr = as_xmalloc(r * sizeof(*gr));
    detail->order = c < 4 ? (int)c : 4;
    double logsum = 0;
    for (int n = 1; n <= detail->order; n++) {
        size_t lc = grams_of(ic, c, (size_t)n, gc);
        size_t lr = grams_of(ir, r, (size_t)n, gr);
        size_t m = clipped_matches(gc, lc, gr, lr);
        detail->matches[n - 1] = m;
        detail->totals[n - 1] = lc;
        /* Smoothing method 1 of Chen & Cherry (2014): a zero match count
         * becomes epsilon = 0.1.  lc >= 1 because n <= c. */
        logsum += log((m ? (double)m : 0.1) / (double)lc);
    }
    free(gc);
    free(gr);
    detail->brevity_penalty = c > r ? 1.0 : exp(1.0 - (double)r / (double)c);
    score = detail->brevity_penalty * exp(logsum / detail->order);
out:
    free(ic);
    free(ir);
    return score;
}

double as_bleu(const char *candidate, const char *reference) {
    if (!candidate) candidate = "";
    if (!reference) reference = "";
    return as_tm_bleu(candidate, strlen(candidate), reference,
                      strlen(reference), NULL);
}

/* ---- ROUGE-L ------------------------------------------------------------------ */

static size_t lcs_length(const uint32_t *a, size_t la, const uint32_t *b,
                         size_t lb) {
    size_t common = 0;
    while (la && lb && a[0] == b[0]) { a++; b++; la--; lb--; common++; }
    while (la && lb && a[la - 1] == b[lb - 1]) { la--; lb--; common++; }
    if (la > lb) {
        const uint32_t *t = a; a = b; b = t;
        size_t tl = la; la = lb; lb = tl;
    }
    if (la == 0) return common;
    uint32_t *row = as_xcalloc(la + 1, sizeof(*row));
    for (size_t j = 1; j <= lb; j++) {
        uint32_t diag = 0;
        for (size_t i = 1; i <= la; i++) {
            uint32_t up = row[i];
            if (a[i - 1] == b[j - 1]) row[i] = diag + 1;
            else if (row[i - 1] > up) row[i] = row[i - 1];
            diag = up;
        }
    }
    size_t l = row[la];
    free(row);
    return common + l;
}

double as_tm_rouge_l(const char *cand, size_t nc, const char *ref, size_t nr,
                     as_rouge_detail *detail) {
    as_rouge_detail dd;
    if (!detail) detail = &dd;
    memset(detail, 0, sizeof(*detail));
    uint32_t *ic, *ir;
    size_t c, r;
    tokens_of(cand, nc, ref, nr, &ic, &c, &ir, &r, &detail->truncated);
    detail->cand_len = c;
    detail->ref_len = r;
    detail->lcs = lcs_length(ic, c, ir, r);
    free(ic);
    free(ir);
    if (c == 0 && r == 0) return 1.0;
    /* P = lcs/c, R = lcs/r, F1 = 2PR/(P+R) = 2 lcs / (c + r). */
    return detail->lcs == 0 ? 0.0 : 2.0 * (double)detail->lcs / (double)(c + r);
}

double as_rouge_l(const char *candidate, const char *reference) {
    if (!candidate) candidate = "";
    if (!reference) reference = "";
    return as_tm_rouge_l(candidate, strlen(candidate), reference,
                         strlen(reference), NULL);
}
