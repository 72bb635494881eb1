/*
 * test_stats_agree.c - judge-versus-human agreement statistics (agree.h).
 *
 * Three kinds of expected values: small cases checked by hand (the
 * arithmetic is in the comments), published textbook values (SAS PROC FREQ
 * via statsmodels' tests, Fleiss 1971, Krippendorff 2011, Wikipedia), and
 * figures computed once with Debian's sklearn 1.2.1 / statsmodels 0.13.5 and
 * pasted with 16-17 significant digits (each block names the call).  The
 * oracle comparison on thousands of generated datasets is
 * tests/stats/agree_check.py.
 */
#include <math.h>

#include "assay/agree.h"
#include "harness.h"

#define EXACT 1e-15    /* a single rounding from the exact value */
#define ORACLE 1e-13   /* ulps apart from numpy's summation order */

static as_classification scores_of(const uint32_t *h, const uint32_t *j, size_t n, size_t L,
                                   uint64_t *cm, as_label_scores *ls) {
    as_classification cl;
    as_err e = { 0 };
    CHECK_INT(as_confusion_matrix(h, j, n, L, cm, &e), AS_OK);
    CHECK_INT(as_classification_scores(cm, L, ls, &cl, &e), AS_OK);
    return cl;
}

static as_kappa kappa_of(const uint64_t *cm, size_t L, as_kappa_weighting w) {
    as_kappa k;
    as_err e = { 0 };
    CHECK_INT(as_cohen_kappa(cm, L, w, 0.05, &k, &e), AS_OK);
    return k;
}

/* Rows = human, columns = judge.  Hand: label 0 -> tp 1, fp 0, fn 1;
 * label 1 -> tp 1, fp 1, fn 1; label 2 -> tp 2, fp 1, fn 0. */
TEST(confusion_and_scores_by_hand) {
    uint32_t h[] = { 0, 1, 2, 2, 1, 0 }, j[] = { 0, 2, 2, 2, 1, 1 };
    uint64_t cm[9];
    as_label_scores ls[3];
    as_classification cl = scores_of(h, j, 6, 3, cm, ls);
    uint64_t want[9] = { 1, 1, 0, 0, 1, 1, 0, 0, 2 };
    for (int i = 0; i < 9; i++) CHECK_INT(cm[i], want[i]);
    CHECK_INT(cl.n, 6);
    CHECK_INT(cl.agree, 4);
    CHECK_DBL(cl.accuracy, 4.0 / 6, EXACT);
    CHECK_DBL(ls[0].precision, 1, EXACT);
    CHECK_DBL(ls[0].recall, 0.5, EXACT);
    CHECK_DBL(ls[0].f1, 2.0 / 3, EXACT);
    CHECK_DBL(ls[1].precision, 0.5, EXACT);
    CHECK_DBL(ls[1].f1, 0.5, EXACT);
    CHECK_DBL(ls[2].precision, 2.0 / 3, EXACT);
    CHECK_DBL(ls[2].recall, 1, EXACT);
    CHECK_DBL(ls[2].f1, 0.8, EXACT);
    CHECK_INT(ls[2].support, 2);
    CHECK_INT(ls[2].predicted, 3);
    CHECK_DBL(cl.macro_precision, (1 + 0.5 + 2.0 / 3) / 3, EXACT);
    CHECK_DBL(cl.macro_recall, 2.0 / 3, EXACT);
    CHECK_DBL(cl.macro_f1, (2.0 / 3 + 0.5 + 0.8) / 3, EXACT);   /* not 2PR/(P+R) */
}

/* sklearn precision_recall_fscore_support(h, j, labels=[0,1,2,3],
 * zero_division=0) (and average="macro"), accuracy_score, confusion_matrix:
 * label 3 is never used by either side and still counts in the macro mean. */
TEST(scores_with_an_unused_label_match_sklearn) {
    uint32_t h[] = { 0, 0, 0, 1, 1, 1, 1, 2, 2, 0, 1, 0 };
    uint32_t j[] = { 0, 0, 1, 1, 1, 2, 1, 2, 0, 0, 2, 2 };
    uint64_t cm[16];
    as_label_scores ls[4];
    as_classification cl = scores_of(h, j, 12, 4, cm, ls);
    uint64_t want[16] = { 3, 1, 1, 0, 0, 3, 2, 0, 1, 0, 1, 0, 0, 0, 0, 0 };
    for (int i = 0; i < 16; i++) CHECK_INT(cm[i], want[i]);
    double p[] = { 0.75, 0.75, 0.25, 0 }, r[] = { 0.6, 0.6, 0.5, 0 };
    double f[] = { 0.6666666666666665, 0.6666666666666665, 0.3333333333333333, 0 };
    uint64_t s[] = { 5, 5, 2, 0 };
    for (int l = 0; l < 4; l++) {
        CHECK_DBL(ls[l].precision, p[l], ORACLE);
        CHECK_DBL(ls[l].recall, r[l], ORACLE);
        CHECK_DBL(ls[l].f1, f[l], ORACLE);
        CHECK_INT(ls[l].support, s[l]);
    }
    CHECK_DBL(cl.accuracy, 0.5833333333333334, ORACLE);
    CHECK_DBL(cl.macro_precision, 0.4375, ORACLE);
    CHECK_DBL(cl.macro_recall, 0.425, ORACLE);
    CHECK_DBL(cl.macro_f1, 0.4166666666666666, ORACLE);
}

/* Hand: po = 4/6, pe = (2*1 + 2*2 + 2*3)/36 = 1/3 -> kappa 1/2; linear:
 * 1 - 6 * 2 / 32 = 0.625; quadratic: 1 - 6 * 2 / 48 = 0.75 (sum d O = 2;
 * sum d r_i c_j = 32 and 48 for rows (2,2,2), columns (1,2,3)).
 * se, lo, hi, se0: statsmodels cohens_kappa(cm, wt=None|"linear"|
 * "quadratic") std_kappa, kappa_low, kappa_upp, std_kappa0 - the interval
 * is not clipped at 1, as in statsmodels. */
TEST(cohen_kappa_by_hand_and_statsmodels) {
    uint32_t h[] = { 0, 1, 2, 2, 1, 0 }, j[] = { 0, 2, 2, 2, 1, 1 };
    uint64_t cm[9];
    as_err e = { 0 };
    CHECK_INT(as_confusion_matrix(h, j, 6, 3, cm, &e), AS_OK);
    as_kappa k = kappa_of(cm, 3, AS_KAPPA_UNWEIGHTED);
    CHECK(k.defined);
    CHECK_DBL(k.kappa, 0.5, EXACT);
    CHECK_DBL(k.po, 2.0 / 3, EXACT);
    CHECK_DBL(k.pe, 1.0 / 3, EXACT);
    CHECK_DBL(k.se, 0.27322660517925, ORACLE);
    CHECK_DBL(k.lo, -0.035514305769475174, ORACLE);
    CHECK_DBL(k.hi, 1.0355143057694751, ORACLE);
    CHECK_DBL(k.se0, 0.2763853991962833, ORACLE);
    k = kappa_of(cm, 3, AS_KAPPA_LINEAR);
    CHECK_DBL(k.kappa, 0.625, EXACT);
    CHECK_DBL(k.se, 0.21650635094610957, ORACLE);
    CHECK_DBL(k.lo, 0.20065534972143567, ORACLE);
    CHECK_DBL(k.hi, 1.0493446502785644, ORACLE);
    CHECK_DBL(k.se0, 0.2975595178559519, ORACLE);
    k = kappa_of(cm, 3, AS_KAPPA_QUADRATIC);
    CHECK_DBL(k.kappa, 0.75, EXACT);
    CHECK_DBL(k.se, 0.15659683727471763, ORACLE);
    CHECK_DBL(k.lo, 0.4430758388486739, ORACLE);
    CHECK_DBL(k.hi, 1.056924161151326, ORACLE);
    CHECK_DBL(k.se0, 0.3726779962499646, ORACLE);
}

/* The SAS PROC FREQ example in statsmodels' own tests (table10 of
 * statsmodels/stats/tests/test_inter_rater.py): SAS prints kappa 0.4842,
 * ASE 0.1380, 95% CI 0.2137-0.7547, ASE under H0 0.1484; weighted (linear
 * = Cicchetti-Allison) 0.4701, 0.1457, 0.1845-0.7558, 0.1426.  Full
 * digits: statsmodels cohens_kappa(table10[, wt="linear"|"quadratic"]). */
TEST(cohen_kappa_sas_example) {
    uint64_t cm[9] = { 0, 4, 1, 0, 8, 0, 0, 1, 5 };
    as_kappa k = kappa_of(cm, 3, AS_KAPPA_UNWEIGHTED);
    CHECK_DBL(k.kappa, 0.4842, 5e-5);
    CHECK_DBL(k.se, 0.1380, 5e-5);
    CHECK_DBL(k.lo, 0.2137, 5e-5);
    CHECK_DBL(k.hi, 0.7547, 5e-5);
    CHECK_DBL(k.se0, 0.1484, 5e-5);
    CHECK_DBL(k.kappa, 0.48416289592760187, ORACLE);
    CHECK_DBL(k.se, 0.1380135783058146, ORACLE);
    CHECK_DBL(k.lo, 0.21366125307070666, ORACLE);
    CHECK_DBL(k.hi, 0.754664538784497, ORACLE);
    CHECK_DBL(k.se0, 0.1483982818901329, ORACLE);
    k = kappa_of(cm, 3, AS_KAPPA_LINEAR);
    CHECK_DBL(k.kappa, 0.4701, 5e-5);
    CHECK_DBL(k.se, 0.1457, 5e-5);
    CHECK_DBL(k.lo, 0.1845, 5e-5);
    CHECK_DBL(k.hi, 0.7558, 5e-5);
    CHECK_DBL(k.se0, 0.1426, 5e-5);
    CHECK_DBL(k.kappa, 0.4701195219123506, ORACLE);
    CHECK_DBL(k.se, 0.14574604514192566, ORACLE);
    CHECK_DBL(k.lo, 0.18446252254502737, ORACLE);
    CHECK_DBL(k.hi, 0.7557765212796739, ORACLE);
    CHECK_DBL(k.se0, 0.14258507762473158, ORACLE);
    k = kappa_of(cm, 3, AS_KAPPA_QUADRATIC);
    CHECK_DBL(k.kappa, 0.4501607717041801, ORACLE);
    CHECK_DBL(k.se, 0.19223266335726072, ORACLE);
    CHECK_DBL(k.lo, 0.07339167487173648, ORACLE);
    CHECK_DBL(k.hi, 0.8269298685366238, ORACLE);
    CHECK_DBL(k.se0, 0.187919468304494, ORACLE);
}

/* Weighted kappa uses the label values 0..L-1 even for an unused label:
 * sklearn cohen_kappa_score(h, j, labels=[0,1,2,3], weights=...) and
 * statsmodels cohens_kappa(confusion_matrix(h, j, labels=[0,1,2,3]), wt=...).
 * Binary judge: cohen_kappa_score(h, j) and cohens_kappa([[6,2],[2,10]]). */
TEST(cohen_kappa_unused_label_and_binary) {
    uint32_t h[] = { 0, 0, 0, 1, 1, 1, 1, 2, 2, 0, 1, 0 };
    uint32_t j[] = { 0, 0, 1, 1, 1, 2, 1, 2, 0, 0, 2, 2 };
    uint64_t cm[16];
    as_err e = { 0 };
    CHECK_INT(as_confusion_matrix(h, j, 12, 4, cm, &e), AS_OK);
    as_kappa k = kappa_of(cm, 4, AS_KAPPA_UNWEIGHTED);
    CHECK_DBL(k.kappa, 0.375, ORACLE);
    CHECK_DBL(k.se, 0.20019928222690175, ORACLE);
    CHECK_DBL(k.lo, -0.01738338289549729, ORACLE);
    CHECK_DBL(k.hi, 0.7673833828954972, ORACLE);
    CHECK_DBL(k.se0, 0.19764235376052375, ORACLE);
    k = kappa_of(cm, 4, AS_KAPPA_LINEAR);
    CHECK_DBL(k.kappa, 0.32258064516129037, ORACLE);
    CHECK_DBL(k.se, 0.23064346531968435, ORACLE);
    CHECK_DBL(k.lo, -0.12947224013480418, ORACLE);
    CHECK_DBL(k.hi, 0.7746335304573847, ORACLE);
    CHECK_DBL(k.se0, 0.21234857696915602, ORACLE);
    k = kappa_of(cm, 4, AS_KAPPA_QUADRATIC);
    CHECK_DBL(k.kappa, 0.2666666666666667, ORACLE);
    CHECK_DBL(k.se, 0.29953049680878535, ORACLE);
    CHECK_DBL(k.lo, -0.32040231934994245, ORACLE);
    CHECK_DBL(k.hi, 0.8537356526832757, ORACLE);
    CHECK_DBL(k.se0, 0.27216552697590607, ORACLE);

    uint64_t bin[4] = { 6, 2, 2, 10 };
    k = kappa_of(bin, 2, AS_KAPPA_UNWEIGHTED);
    CHECK_DBL(k.kappa, 0.5833333333333333, ORACLE);
    CHECK_DBL(k.se, 0.18552847232489647, ORACLE);
    CHECK_DBL(k.lo, 0.21970420946980007, ORACLE);
    CHECK_DBL(k.hi, 0.9469624571968667, ORACLE);
    CHECK_DBL(k.se0, 0.22360679774997894, ORACLE);
    /* With two labels every weighting is the same kappa. */
    as_kappa kl = kappa_of(bin, 2, AS_KAPPA_LINEAR), kq = kappa_of(bin, 2, AS_KAPPA_QUADRATIC);
    CHECK_DBL(kl.kappa, k.kappa, EXACT);
    CHECK_DBL(kq.se, k.se, 1e-15);
}

TEST(cohen_kappa_degenerate_tables) {
    as_kappa k;
    as_err e = { 0 };
    /* n = 0: undefined. */
    uint64_t empty[4] = { 0 };
    k = kappa_of(empty, 2, AS_KAPPA_UNWEIGHTED);
    CHECK(!k.defined && isnan(k.kappa) && isnan(k.se) && isnan(k.lo) && isnan(k.po));
    /* Both raters used one and the same label: chance agreement 1, 0/0
     * (sklearn returns nan). */
    uint64_t one[9] = { 0, 0, 0, 0, 7, 0, 0, 0, 0 };
    for (int w = 0; w < 3; w++) {
        k = kappa_of(one, 3, (as_kappa_weighting)w);
        CHECK(!k.defined && isnan(k.kappa));
    }
    /* A single label in the scheme: never defined. */
    uint64_t single[1] = { 5 };
    CHECK(!kappa_of(single, 1, AS_KAPPA_LINEAR).defined);
    /* Perfect agreement with a label unused: kappa 1, se exactly 0 (hand:
     * the variance terms are 1 - 1); statsmodels var_kappa 0.0,
     * std_kappa0 0.3535533905932738. */
    uint64_t perfect[9] = { 5, 0, 0, 0, 3, 0, 0, 0, 0 };
    k = kappa_of(perfect, 3, AS_KAPPA_QUADRATIC);
    CHECK(k.defined);
    CHECK(k.kappa == 1 && k.se == 0 && k.lo == 1 && k.hi == 1);
    k = kappa_of(perfect, 3, AS_KAPPA_UNWEIGHTED);
    CHECK(k.kappa == 1 && k.se == 0);
    CHECK_DBL(k.se0, 0.3535533905932738, ORACLE);
    /* Zero agreement: po = 0, pe = 12/25, kappa = -12/13; the interval
     * goes below -1 as statsmodels' does (cohens_kappa([[0,3],[2,0]])). */
    uint64_t none[4] = { 0, 3, 2, 0 };
    k = kappa_of(none, 2, AS_KAPPA_UNWEIGHTED);
    CHECK_DBL(k.kappa, -12.0 / 13, EXACT);
    CHECK_DBL(k.se, 0.32409618787287964, ORACLE);
    CHECK_DBL(k.lo, -1.5582937788344942, ORACLE);
    CHECK_DBL(k.hi, -0.28786006731935176, ORACLE);
    CHECK_DBL(k.se0, 0.41281254969226877, ORACLE);
    /* The human used one label only: kappa is 0 for any such table and
     * its large-sample variance is exactly 0; statsmodels computes
     * -4.3e-17 and reports std_kappa = nan.  We report 0 (documented). */
    uint64_t flat[4] = { 0, 0, 3, 4 };
    k = kappa_of(flat, 2, AS_KAPPA_UNWEIGHTED);
    CHECK(k.defined);
    CHECK_DBL(k.kappa, 0, EXACT);
    CHECK(k.se == 0 && k.se0 == 0 && k.lo == k.kappa && k.hi == k.kappa);
    /* Bad arguments. */
    CHECK_INT(as_cohen_kappa(none, 2, AS_KAPPA_UNWEIGHTED, 0, &k, &e), AS_EINVAL);
    CHECK_INT(as_cohen_kappa(none, 2, AS_KAPPA_UNWEIGHTED, 1, &k, &e), AS_EINVAL);
    CHECK_INT(as_cohen_kappa(none, 2, AS_KAPPA_UNWEIGHTED, NAN, &k, &e), AS_EINVAL);
    CHECK_INT(as_cohen_kappa(none, 2, (as_kappa_weighting)7, 0.05, &k, &e), AS_EINVAL);
    CHECK_INT(as_cohen_kappa(none, 0, AS_KAPPA_UNWEIGHTED, 0.05, &k, &e), AS_EINVAL);
    /* A 99% interval is wider by z(0.995)/z(0.975). */
    as_kappa k99;
    CHECK_INT(as_cohen_kappa(none, 2, AS_KAPPA_UNWEIGHTED, 0.01, &k99, &e), AS_OK);
    CHECK_DBL(k99.hi - k99.kappa, 2.5758293035489004 * 0.32409618787287964, 1e-12);
}

TEST(confusion_matrix_rejects_bad_labels_and_handles_empty) {
    uint32_t h[] = { 0, 1, 3 }, j[] = { 0, 1, 1 };
    uint64_t cm[9];
    as_err e = { 0 };
    CHECK_INT(as_confusion_matrix(h, j, 3, 3, cm, &e), AS_EINVAL);
    CHECK_STR(e.msg, "pair 2: human label 3 is not below n_labels 3");
    for (int i = 0; i < 9; i++) CHECK_INT(cm[i], 0);
    CHECK_INT(as_confusion_matrix(j, h, 3, 3, cm, &e), AS_EINVAL);
    CHECK_STR(e.msg, "pair 2: judge label 3 is not below n_labels 3");
    CHECK_INT(as_confusion_matrix(h, j, 3, 0, cm, NULL), AS_EINVAL);
    CHECK_INT(as_confusion_matrix(h, j, 3, AS_AGREE_MAX_LABELS + 1, cm, &e), AS_EINVAL);

    /* n = 0: empty table, accuracy NaN, every per-label score 0 (sklearn's
     * zero_division=0), macro means 0. */
    as_label_scores ls[3];
    as_classification cl = scores_of(NULL, NULL, 0, 3, cm, ls);
    CHECK_INT(cl.n, 0);
    CHECK(isnan(cl.accuracy));
    CHECK(cl.macro_precision == 0 && cl.macro_recall == 0 && cl.macro_f1 == 0);
    CHECK(ls[1].precision == 0 && ls[1].recall == 0 && ls[1].f1 == 0 && ls[1].support == 0);
    /* per_label may be NULL. */
    uint64_t cm2[4] = { 1, 1, 0, 2 };
    CHECK_INT(as_classification_scores(cm2, 2, NULL, &cl, &e), AS_OK);
    CHECK_DBL(cl.accuracy, 0.75, EXACT);
}

/* Wikipedia's Fleiss' kappa example (10 subjects, 14 raters, 5 categories;
 * kappa 0.210) and Fleiss (1971)'s diagnoses (30 patients, 6 psychiatrists,
 * 5 diagnoses; kappa 0.430), as in statsmodels' tests.  Full digits:
 * statsmodels fleiss_kappa(table, method="fleiss"). */
TEST(fleiss_kappa_textbook) {
    static const uint32_t wiki[] = {
        0, 0, 0, 0, 14, 0, 2, 6, 4, 2, 0, 0, 3, 5, 6, 0, 3, 9, 2, 0, 2, 2, 8, 1, 1,
        7, 7, 0, 0, 0,  3, 2, 6, 3, 0, 2, 5, 3, 2, 2, 6, 5, 2, 1, 0, 0, 2, 2, 3, 7 };
    static const uint32_t diag[] = {
        0, 0, 0, 6, 0, 0, 3, 0, 0, 3, 0, 1, 4, 0, 1, 0, 0, 0, 0, 6, 0, 3, 0, 3, 0,
        2, 0, 4, 0, 0, 0, 0, 4, 0, 2, 2, 0, 3, 1, 0, 2, 0, 0, 4, 0, 0, 0, 0, 0, 6,
        1, 0, 0, 5, 0, 1, 1, 0, 4, 0, 0, 3, 3, 0, 0, 1, 0, 0, 5, 0, 0, 2, 0, 3, 1,
        0, 0, 5, 0, 1, 3, 0, 0, 1, 2, 5, 1, 0, 0, 0, 0, 2, 0, 4, 0, 1, 0, 2, 0, 3,
        0, 0, 0, 0, 6, 0, 1, 0, 5, 0, 0, 2, 0, 1, 3, 2, 0, 0, 4, 0, 1, 0, 0, 4, 1,
        0, 5, 0, 1, 0, 4, 0, 0, 0, 2, 0, 2, 0, 4, 0, 1, 0, 5, 0, 0, 0, 0, 0, 0, 6 };
    as_fleiss f;
    as_err e = { 0 };
    CHECK_INT(as_fleiss_kappa(wiki, 10, 5, &f, &e), AS_OK);
    CHECK(f.defined);
    CHECK_INT(f.n_raters, 14);
    CHECK_DBL(f.kappa, 0.210, 5e-4);
    CHECK_DBL(f.kappa, 0.20993070442195522, ORACLE);
    CHECK_DBL(f.p_obs, 0.378, 5e-4);      /* Wikipedia: P-bar 0.378, P-bar_e 0.213 */
    CHECK_DBL(f.p_exp, 0.213, 5e-4);
    CHECK_INT(as_fleiss_kappa(diag, 30, 5, &f, &e), AS_OK);
    CHECK_INT(f.n_raters, 6);
    CHECK_DBL(f.kappa, 0.430, 5e-4);
    CHECK_DBL(f.kappa, 0.43024452006014074, ORACLE);
    /* statsmodels' tests, from Randolph's online calculator: */
    uint32_t t1[] = { 7, 1, 3, 5 }, t2[] = { 6, 1, 0, 0, 7, 0 }, t3[] = { 7, 0, 0, 7 };
    CHECK_INT(as_fleiss_kappa(t1, 2, 2, &f, &e), AS_OK);
    CHECK_DBL(f.kappa, 0.161905, 6e-6);
    CHECK_INT(as_fleiss_kappa(t2, 2, 3, &f, &e), AS_OK);
    CHECK_DBL(f.kappa, 0.708333, 6e-6);
    CHECK_INT(as_fleiss_kappa(t3, 2, 2, &f, &e), AS_OK);
    CHECK(f.defined && f.kappa == 1);
}

TEST(fleiss_kappa_degenerate_and_errors) {
    as_fleiss f;
    as_err e = { 0 };
    CHECK_INT(as_fleiss_kappa(NULL, 0, 3, &f, &e), AS_OK);
    CHECK(!f.defined && isnan(f.kappa));
    uint32_t same[] = { 0, 4, 0, 0, 4, 0 };          /* every rating is label 1 */
    CHECK_INT(as_fleiss_kappa(same, 2, 3, &f, &e), AS_OK);
    CHECK(!f.defined && isnan(f.kappa) && f.p_obs == 1 && f.p_exp == 1);
    uint32_t ragged[] = { 2, 1, 1, 1 };
    CHECK_INT(as_fleiss_kappa(ragged, 2, 2, &f, &e), AS_EINVAL);
    CHECK(strstr(e.msg, "item 1 has 2 ratings, item 0 has 3") != NULL);
    uint32_t lone[] = { 1, 0, 0, 1 };
    CHECK_INT(as_fleiss_kappa(lone, 2, 2, &f, &e), AS_EINVAL);
    /* Hand: items (2,0) and (0,2) -> P-bar 1, p = (1/2, 1/2), P-bar_e 1/2,
     * kappa 1; items (1,1), (1,1) -> P-bar 0, kappa -1. */
    uint32_t agree[] = { 2, 0, 0, 2 }, split[] = { 1, 1, 1, 1 };
    CHECK_INT(as_fleiss_kappa(agree, 2, 2, &f, &e), AS_OK);
    CHECK_DBL(f.kappa, 1, EXACT);
    CHECK_INT(as_fleiss_kappa(split, 2, 2, &f, &e), AS_OK);
    CHECK_DBL(f.kappa, -1, EXACT);
}

static as_kalpha kalpha_of(const uint32_t *ratings, size_t units, size_t coders, size_t L) {
    uint32_t counts[64 * 8];
    as_kalpha a;
    as_err e = { 0 };
    CHECK(units * L <= AS_ARRAY_LEN(counts));
    CHECK_INT(as_aggregate_ratings(ratings, units, coders, L, counts, &e), AS_OK);
    CHECK_INT(as_krippendorff_alpha_nominal(counts, units, L, &a, &e), AS_OK);
    return a;
}

#define M AS_RATING_MISSING
/* Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability.
 * Annenberg School for Communication, University of Pennsylvania,
 * https://repository.upenn.edu/asc_papers/43 - section A (binary data, two
 * observers, no missing data: alpha = 0.095) and section C (nominal data,
 * four observers, twelve units, missing data: alpha = 0.743); Wikipedia,
 * "Krippendorff's alpha", computational example (three coders, fifteen
 * units: nominal alpha = 0.691).  Exact fractions from the coincidence
 * matrices (worked by hand and by tests/stats/agree_check.py's pairwise
 * implementation): 2/21, 113/152, 56/81. */
TEST(krippendorff_alpha_textbook) {
    /* units x observers; section A lists observer A then B per unit. */
    uint32_t a2011[] = { 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0 };
    as_kalpha a = kalpha_of(a2011, 10, 2, 2);
    CHECK(a.defined);
    CHECK_DBL(a.alpha, 0.095, 5e-4);
    CHECK_DBL(a.alpha, 2.0 / 21, EXACT);   /* 1 - 19 * 4 / (14 * 6) */
    CHECK_INT(a.n_pairable, 20);

    /* Section C, values 1..5 stored as labels 0..4. */
    uint32_t c2011[] = {
        0, 0, M, 0,   1, 1, 2, 1,   2, 2, 2, 2,   2, 2, 2, 2,   1, 1, 1, 1,
        0, 1, 2, 3,   3, 3, 3, 3,   0, 0, 1, 0,   1, 1, 1, 1,   M, 4, 4, 4,
        M, M, 0, 0,   M, 2, M, M };
    a = kalpha_of(c2011, 12, 4, 5);
    CHECK_DBL(a.alpha, 0.743, 5e-4);
    CHECK_DBL(a.alpha, 113.0 / 152, EXACT);
    CHECK_INT(a.n_pairable, 40);           /* unit 12 has one value: dropped */
    CHECK_INT(a.n_units, 11);

    /* Wikipedia, values 1..4 stored as 0..3; units x coders A, B, C. */
    uint32_t wiki[] = {
        M, 0, M,   M, M, M,   M, 1, 1,   M, 0, 0,   M, 2, 2,   2, 2, 3,   3, 3, 3,
        0, 2, M,   1, M, 1,   0, M, 0,   0, M, 0,   2, M, 2,   2, M, 2,   M, M, M,
        2, M, 3 };
    a = kalpha_of(wiki, 15, 3, 4);
    CHECK_DBL(a.alpha, 0.691, 5e-4);
    CHECK_DBL(a.alpha, 56.0 / 81, EXACT);
    CHECK_INT(a.n_pairable, 26);
    CHECK_INT(a.n_units, 12);
}

TEST(krippendorff_alpha_degenerate_and_fleiss_relation) {
    /* Nothing pairable, or a single value throughout: undefined. */
    uint32_t none[] = { M, M, 0, M, M, 1 };
    as_kalpha a = kalpha_of(none, 3, 2, 2);
    CHECK(!a.defined && isnan(a.alpha));
    CHECK_INT(a.n_pairable, 0);
    uint32_t flat[] = { 1, 1, 1, 1, M, 1 };
    a = kalpha_of(flat, 3, 2, 2);
    CHECK(!a.defined && isnan(a.alpha) && a.d_obs == 0 && a.d_exp == 0);
    /* Complete data: alpha = kappa_F + (1 - kappa_F) / (N m) for Fleiss'
     * kappa on the same table (Fleiss 1971 diagnoses, first 10 patients). */
    uint32_t t[] = { 0, 0, 0, 6, 0, 0, 3, 0, 0, 3, 0, 1, 4, 0, 1, 0, 0, 0, 0, 6,
                     0, 3, 0, 3, 0, 2, 0, 4, 0, 0, 0, 0, 4, 0, 2, 2, 0, 3, 1, 0,
                     2, 0, 0, 4, 0, 0, 0, 0, 0, 6 };
    as_fleiss f;
    as_err e = { 0 };
    CHECK_INT(as_fleiss_kappa(t, 10, 5, &f, &e), AS_OK);
    CHECK_INT(as_krippendorff_alpha_nominal(t, 10, 5, &a, &e), AS_OK);
    CHECK_DBL(a.alpha, f.kappa + (1 - f.kappa) / 60, 1e-14);
    /* A label outside the scheme is an error, with the cell named. */
    uint32_t bad[] = { 0, 1, 2, 5 }, counts[6];
    CHECK_INT(as_aggregate_ratings(bad, 2, 2, 3, counts, &e), AS_EINVAL);
    CHECK_STR(e.msg, "item 1, rater 1: label 5 is not below n_labels 3");
}
#undef M

/* statsmodels proportion_confint(k, n, alpha=0.05, method="wilson"). */
TEST(judge_sensitivity_specificity) {
    as_binary_counts c = { .tp = 40, .fn = 10, .fp = 5, .tn = 45 };
    as_judge_rates r;
    as_err e = { 0 };
    CHECK_INT(as_judge_rates_of(&c, 0.05, &r, &e), AS_OK);
    CHECK(r.se_defined && r.sp_defined);
    CHECK_DBL(r.se, 0.8, EXACT);
    CHECK_DBL(r.se_lo, 0.6696289406777458, 1e-13);
    CHECK_DBL(r.se_hi, 0.8875624998422389, 1e-13);
    CHECK_DBL(r.sp, 0.9, EXACT);
    CHECK_DBL(r.sp_lo, 0.7863976856252034, 1e-13);
    CHECK_DBL(r.sp_hi, 0.9565242350681095, 1e-13);
    as_binary_counts nopos = { .fp = 2, .tn = 3 };
    CHECK_INT(as_judge_rates_of(&nopos, 0.05, &r, &e), AS_OK);
    CHECK(!r.se_defined && isnan(r.se) && r.se_lo == 0 && r.se_hi == 1);
    CHECK_DBL(r.sp_lo, 0.2307242812760129, 1e-13);   /* wilson(3, 5) */
    CHECK_INT(as_judge_rates_of(&c, 2, &r, &e), AS_EINVAL);

    /* Collapsing a 3-label scheme (0 = fail, 1 = pass, 2 = unsure) to pass
     * versus the rest. */
    uint64_t cm[9] = { 5, 1, 2, 3, 7, 1, 0, 2, 4 };
    as_binary_counts b;
    CHECK_INT(as_binary_counts_from_confusion(cm, 3, 1, &b, &e), AS_OK);
    CHECK_INT(b.tp, 7);
    CHECK_INT(b.fn, 4);
    CHECK_INT(b.fp, 3);
    CHECK_INT(b.tn, 11);
    CHECK_INT(as_binary_counts_from_confusion(cm, 3, 3, &b, &e), AS_EINVAL);
}

/* Rogan-Gladen.  Hand (exact fractions): Se = 4/5, Sp = 9/10, q = 3/10:
 * pi = (3/10 - 1/10) / (7/10) = 2/7;
 * Var = [q(1-q)/100 + pi^2 Se(1-Se)/50 + (1-pi)^2 Sp(1-Sp)/50] / (7/10)^2
 *     = 1607/240100 -> se 0.08181102960337733; z = 1.959963984540054. */
TEST(rogan_gladen_corrected_rate) {
    as_binary_counts c = { .tp = 40, .fn = 10, .fp = 5, .tn = 45 };
    as_corrected_rate r;
    as_err e = { 0 };
    CHECK_INT(as_rogan_gladen(&c, 30, 100, 0.05, &r, &e), AS_OK);
    CHECK(r.defined);
    CHECK_STR(r.why, "");
    CHECK_DBL(r.raw, 0.3, EXACT);
    CHECK_DBL(r.unclipped, 2.0 / 7, 1e-15);
    CHECK_DBL(r.estimate, 2.0 / 7, 1e-15);
    CHECK_DBL(r.std_err, sqrt(1607.0 / 240100), 1e-15);
    CHECK_DBL(r.lo, 0.12536761415352596, 1e-14);
    CHECK_DBL(r.hi, 0.44606095727504547, 1e-14);

    /* q below the false-positive rate: pi = -1/14 clipped to 0; the
     * interval is the unclipped one clipped: [0, 0.0701739...]. */
    CHECK_INT(as_rogan_gladen(&c, 5, 100, 0.05, &r, &e), AS_OK);
    CHECK_DBL(r.unclipped, -1.0 / 14, 1e-15);
    CHECK(r.estimate == 0 && r.lo == 0);
    CHECK_DBL(r.std_err, sqrt(5013.0 / 960400), 1e-15);
    CHECK_DBL(r.hi, 0.07017391119923946, 1e-14);
    /* Above 1: pi = 93/88 clipped to 1. */
    as_binary_counts good = { .tp = 90, .fn = 10, .fp = 2, .tn = 98 };
    CHECK_INT(as_rogan_gladen(&good, 95, 100, 0.05, &r, &e), AS_OK);
    CHECK_DBL(r.unclipped, 93.0 / 88, 1e-15);
    CHECK(r.estimate == 1 && r.hi == 1);
    CHECK_DBL(r.lo, 0.9711113922387256, 1e-14);
    /* A perfect judge changes nothing: pi = q, se = sqrt(q(1-q)/m). */
    as_binary_counts perfect = { .tp = 10, .tn = 10 };
    CHECK_INT(as_rogan_gladen(&perfect, 30, 100, 0.05, &r, &e), AS_OK);
    CHECK_DBL(r.estimate, 0.3, EXACT);
    CHECK_DBL(r.std_err, sqrt(0.3 * 0.7 / 100), 1e-16);
}

TEST(rogan_gladen_undefined) {
    as_corrected_rate r;
    as_err e = { 0 };
    /* Se + Sp = 0.6 + 0.4 = 1 exactly. */
    as_binary_counts chance = { .tp = 30, .fn = 20, .fp = 30, .tn = 20 };
    CHECK_INT(as_rogan_gladen(&chance, 40, 100, 0.05, &r, &e), AS_OK);
    CHECK(!r.defined && isnan(r.estimate) && isnan(r.lo) && isnan(r.std_err));
    CHECK_STR(r.why, "the judge is no better than chance on the labelled rows "
                     "(Se + Sp = 1.0000 <= 1): the pass rate cannot be corrected");
    CHECK_DBL(r.raw, 0.4, EXACT);
    /* Se = 1/3, Sp = 4/6: equal in exact arithmetic, caught exactly. */
    as_binary_counts thirds = { .tp = 1, .fn = 2, .fp = 2, .tn = 4 };
    CHECK_INT(as_rogan_gladen(&thirds, 4, 10, 0.05, &r, &e), AS_OK);
    CHECK(!r.defined);
    /* Worse than chance. */
    as_binary_counts worse = { .tp = 2, .fn = 8, .fp = 7, .tn = 3 };
    CHECK_INT(as_rogan_gladen(&worse, 4, 10, 0.05, &r, &e), AS_OK);
    CHECK(!r.defined && strstr(r.why, "Se + Sp = 0.5000") != NULL);
    /* No human fail, no human pass, no unlabelled rows. */
    as_binary_counts nofail = { .tp = 8, .fn = 2 };
    CHECK_INT(as_rogan_gladen(&nofail, 4, 10, 0.05, &r, &e), AS_OK);
    CHECK(!r.defined);
    CHECK_STR(r.why, "the labelled rows have no human fail, so the judge's specificity is unknown");
    as_binary_counts nopass = { .fp = 2, .tn = 8 };
    CHECK_INT(as_rogan_gladen(&nopass, 4, 10, 0.05, &r, &e), AS_OK);
    CHECK_STR(r.why, "the labelled rows have no human pass, so the judge's sensitivity is unknown");
    as_binary_counts ok = { .tp = 8, .fn = 2, .fp = 1, .tn = 9 };
    CHECK_INT(as_rogan_gladen(&ok, 0, 0, 0.05, &r, &e), AS_OK);
    CHECK(!r.defined && isnan(r.raw));
    CHECK_STR(r.why, "no unlabelled rows to correct");
    /* Bad arguments. */
    CHECK_INT(as_rogan_gladen(&ok, 11, 10, 0.05, &r, &e), AS_EINVAL);
    CHECK_STR(e.msg, "judge passes 11 exceed the 10 unlabelled rows");
    CHECK_INT(as_rogan_gladen(&ok, 1, 10, -0.1, &r, &e), AS_EINVAL);
}

TEST(disagreement_walk) {
    uint32_t h[] = { 0, 1, 2, 2, 1, 0, 3 }, j[] = { 0, 2, 2, 2, 1, 1, 0 };
    size_t pos = 0, seen = 0;
    as_disagreement d;
    size_t idx[] = { 1, 5, 6 };
    uint32_t hh[] = { 1, 0, 3 }, jj[] = { 2, 1, 0 };
    while (as_next_disagreement(h, j, 7, &pos, &d)) {
        CHECK(seen < 3);
        if (seen >= 3) break;
        CHECK_INT(d.index, idx[seen]);
        CHECK_INT(d.human, hh[seen]);
        CHECK_INT(d.judge, jj[seen]);
        seen++;
    }
    CHECK_INT(seen, 3);
    CHECK_INT(pos, 7);
    CHECK(!as_next_disagreement(h, j, 7, &pos, &d));   /* stays finished */
    pos = 0;
    CHECK(!as_next_disagreement(h, h, 7, &pos, &d));   /* perfect agreement */
    pos = 0;
    CHECK(!as_next_disagreement(NULL, NULL, 0, &pos, &d));
}

TEST_MAIN(T(confusion_and_scores_by_hand), T(scores_with_an_unused_label_match_sklearn),
          T(cohen_kappa_by_hand_and_statsmodels), T(cohen_kappa_sas_example),
          T(cohen_kappa_unused_label_and_binary), T(cohen_kappa_degenerate_tables),
          T(confusion_matrix_rejects_bad_labels_and_handles_empty),
          T(fleiss_kappa_textbook), T(fleiss_kappa_degenerate_and_errors),
          T(krippendorff_alpha_textbook), T(krippendorff_alpha_degenerate_and_fleiss_relation),
          T(judge_sensitivity_specificity), T(rogan_gladen_corrected_rate),
          T(rogan_gladen_undefined), T(disagreement_walk))
