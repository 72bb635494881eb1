#!/usr/bin/env python3
"""agree_check.py - the agreement statistics of include/assay/agree.h against
their oracles on generated data.

    agree_check.py path/to/agree_driver [--seed S] [--scale K] [-v]
    agree_check.py - --coverage [--seed S]   (Monte Carlo coverage of the
                                             Rogan-Gladen interval; no test)

Generates datasets with fixed seeds (each dataset its own seed, so a failure
is reproducible alone), feeds them to tests/stats/agree_driver, and compares
every figure with:
  - sklearn 1.2: confusion_matrix, precision_recall_fscore_support
    (labels=range(L), zero_division=0, per label and average="macro"),
    accuracy_score, cohen_kappa_score (labels=range(L), weights=None /
    "linear" / "quadratic");
  - statsmodels 0.13: cohens_kappa(table[, wt]) (kappa, std_kappa,
    kappa_low/kappa_upp, std_kappa0), fleiss_kappa(table, method="fleiss"),
    proportion_confint(method="wilson");
  - exact rational arithmetic (fractions.Fraction) for Krippendorff's alpha
    (built pair by pair from the coincidence matrix, Krippendorff 2011), for
    Fleiss' kappa and for the Rogan-Gladen estimate; and a finite-difference
    gradient for the Rogan-Gladen delta-method variance.
Prints one line per failure and a closing "N passed, N failed" (one test per
dataset); exits 1 on any failure, 77 when numpy/sklearn/statsmodels are
missing (Debian: python3-sklearn python3-statsmodels).
"""
import json
import math
import subprocess
import sys
import warnings
from fractions import Fraction

try:
    import numpy as np
    from scipy.stats import norm
    from sklearn.metrics import (accuracy_score, cohen_kappa_score, confusion_matrix,
                                 precision_recall_fscore_support)
    from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa
    from statsmodels.stats.proportion import proportion_confint
except ImportError as e:  # pragma: no cover
    print(f"agree_check: skipped, oracle missing ({e})")
    sys.exit(77)

warnings.simplefilter("ignore")   # 0/0 in the oracles is expected and checked
np.seterr(all="ignore")

# Tolerances.  The C side evaluates kappa / alpha / pi as one division of
# exactly accumulated sums; the oracles accumulate floating point sums, so
# they differ by a few ulps.  Standard errors come from a difference of sums
# of squares (cancellation when kappa is near 1): they are compared as
# variances with an absolute floor.
REL = 1e-12
ABS = 1e-13
VAR_ABS = 1e-14
Z = norm.ppf(0.975)


class Failure(Exception):
    pass


def close(what, got, want, rel=REL, abs_=ABS):
    if want is None or (isinstance(want, float) and math.isnan(want)):
        if got is not None:
            raise Failure(f"{what}: got {got!r}, want undefined")
        return
    if got is None:
        raise Failure(f"{what}: got undefined, want {want!r}")
    want = float(want)
    if not abs(got - want) <= abs_ + rel * abs(want):
        raise Failure(f"{what}: got {got!r}, want {want!r} (diff {got - want:.3g})")


def same(what, got, want):
    if got != want:
        raise Failure(f"{what}: got {got!r}, want {want!r}")


# ---- generators -------------------------------------------------------------

def gen_cohen(rng, i):
    """Human/judge labels: sizes 1..500, 1..6 labels, several regimes."""
    L = int(rng.choice([1, 2, 2, 3, 3, 4, 5, 6])) if i % 25 else 1
    n = int(rng.choice([1, 2, 3, 5])) if i % 7 == 0 else int(rng.integers(1, 501))
    regimes = ["independent", "correlated", "correlated", "perfect", "zero", "unused",
               "single_human", "single_both", "skewed", "ordinal"]
    regime = regimes[i % len(regimes)]
    if L == 1 and regime == "zero":
        regime = "perfect"
    h = rng.integers(0, L, n)
    if regime == "independent":
        j = rng.integers(0, L, n)
    elif regime == "correlated":
        acc = rng.uniform(0.3, 0.98)
        j = np.where(rng.random(n) < acc, h, rng.integers(0, L, n))
    elif regime == "perfect":
        j = h.copy()
    elif regime == "zero":
        j = (h + 1 + rng.integers(0, L - 1, n)) % L
    elif regime == "unused":  # each side draws from its own subset of labels
        hs = rng.choice(L, size=int(rng.integers(1, L + 1)), replace=False)
        js = rng.choice(L, size=int(rng.integers(1, L + 1)), replace=False)
        h = rng.choice(hs, n)
        j = np.where(rng.random(n) < 0.6, h, rng.choice(js, n))
        j = np.where(np.isin(j, js), j, rng.choice(js, n))
    elif regime == "single_human":
        h = np.full(n, int(rng.integers(0, L)))
        j = np.where(rng.random(n) < 0.7, h, rng.integers(0, L, n))
    elif regime == "single_both":
        h = np.full(n, int(rng.integers(0, L)))
        j = h.copy() if rng.random() < 0.5 else np.full(n, int(rng.integers(0, L)))
    elif regime == "skewed":
        p = rng.dirichlet(np.full(L, 0.3))
        h = rng.choice(L, n, p=p)
        j = np.where(rng.random(n) < 0.8, h, rng.choice(L, n, p=p))
    else:  # ordinal: the judge is off by one now and then
        step = rng.choice([-1, 0, 0, 0, 1], n)
        j = np.clip(h + step, 0, L - 1)
    return L, h.astype(int), j.astype(int)


def gen_fleiss(rng, i):
    """Count tables with the same number of raters per item."""
    N = int(rng.choice([1, 2, 3])) if i % 9 == 0 else int(rng.integers(1, 501))
    L = int(rng.integers(2, 7)) if i % 31 else 1
    m = int(rng.integers(2, 11))
    regime = ["random", "consensus", "perfect", "one_label", "unused"][i % 5]
    truth = rng.integers(0, L, N)
    t = np.zeros((N, L), dtype=int)
    if regime == "one_label":
        t[:, int(rng.integers(0, L))] = m
        return t
    acc = {"random": 0.0, "consensus": rng.uniform(0.3, 0.95), "perfect": 1.0,
           "unused": 0.7}[regime]
    labels = rng.choice(L, size=max(1, L - 1), replace=False) if regime == "unused" else np.arange(L)
    if regime == "unused":
        truth = rng.choice(labels, N)
    for r in range(N):
        votes = np.where(rng.random(m) < acc, truth[r], rng.choice(labels, m))
        t[r] = np.bincount(votes, minlength=L)
    return t


def gen_kripp(rng, i):
    """Ratings matrices (units x coders) with missing values (-1)."""
    U = int(rng.choice([1, 2, 3])) if i % 9 == 0 else int(rng.integers(1, 301))
    C = int(rng.integers(2, 9))
    L = int(rng.integers(2, 7)) if i % 29 else 1
    miss = [0.0, 0.1, 0.3, 0.6, 0.9][i % 5]
    truth = rng.integers(0, L, U)
    acc = rng.uniform(0, 1)
    r = np.where(rng.random((U, C)) < acc, truth[:, None], rng.integers(0, L, (U, C)))
    if i % 13 == 0:
        r[:] = int(rng.integers(0, L))          # one value throughout
    r = np.where(rng.random((U, C)) < miss, -1, r)
    return L, r.astype(int)


def gen_rg(rng, i):
    """Labelled 2x2 table and the judge's passes on unlabelled rows."""
    regime = i % 10
    P = int(rng.integers(0, 301)) if regime != 1 else 0
    N = int(rng.integers(0, 301)) if regime != 2 else 0
    se, sp = rng.uniform(0, 1), rng.uniform(0, 1)
    if regime in (3, 4, 5):               # a good judge
        se, sp = rng.uniform(0.7, 1), rng.uniform(0.7, 1)
    tp = int(rng.binomial(P, se))
    tn = int(rng.binomial(N, sp))
    if regime == 6 and P == N:            # Se + Sp = 1 exactly
        tn = N - tp
    if regime == 6 and P > 0 and N > 0:   # Se + Sp = 1 exactly, unequal sizes
        g = math.gcd(P, N)
        k = int(rng.integers(0, g + 1))
        tp, tn = k * (P // g), N - k * (N // g)
    if regime == 7:
        tp, tn = P, N                     # a perfect judge
    m = int(rng.integers(0, 1001)) if regime != 8 else 0
    q = rng.uniform(0, 1)
    k = int(rng.binomial(m, q))
    return tp, P - tp, N - tn, tn, k, m


# ---- oracles ------------------------------------------------------------------

def nan_to_none(x):
    x = float(x)
    return None if math.isnan(x) else x


def check_cohen(L, h, j, got):
    labels = list(range(L))
    cm = confusion_matrix(h, j, labels=labels)
    same("confusion matrix", got["cm"], cm.ravel().tolist())
    same("n", got["n"], len(h))
    close("accuracy", got["accuracy"], accuracy_score(h, j))
    p, r, f, s = precision_recall_fscore_support(h, j, labels=labels, zero_division=0)
    for l in labels:
        close(f"precision[{l}]", got["precision"][l], p[l])
        close(f"recall[{l}]", got["recall"][l], r[l])
        close(f"f1[{l}]", got["f1"][l], f[l])
        same(f"support[{l}]", int(got["support"][l]), int(s[l]))
    mp, mr, mf, _ = precision_recall_fscore_support(h, j, labels=labels, average="macro",
                                                    zero_division=0)
    close("macro precision", got["macro_precision"], mp)
    close("macro recall", got["macro_recall"], mr)
    close("macro f1", got["macro_f1"], mf)
    for key, w in (("unweighted", None), ("linear", "linear"), ("quadratic", "quadratic")):
        k = got[key]
        ref = cohen_kappa_score(h, j, labels=labels, weights=w)
        close(f"{key} kappa (sklearn)", k["kappa"], nan_to_none(ref))
        same(f"{key} defined", k["defined"], not math.isnan(ref))
        if not k["defined"]:
            for f_ in ("se", "lo", "hi", "se0", "po", "pe"):
                same(f"{key} {f_} when undefined", k[f_], None)
            continue
        sm = cohens_kappa(cm, wt=w)
        close(f"{key} kappa (statsmodels)", k["kappa"], sm.kappa)
        # statsmodels takes sqrt of a rounding-negative variance (-> NaN)
        # when kappa is 1: compare variances with an absolute floor.
        # The variances are differences of O(1) sums scaled by
        # fac = 1 / ((1 - pe)^2 n): compare them to a few ulps of that scale.
        # Where the true variance is 0 (kappa = 1, a rater using one label)
        # both sides hold rounding noise and statsmodels may even take the
        # square root of -1e-17 (NaN); assay reports exactly 0 there.  The
        # standard errors inherit sqrt(tolerance) near 0.
        fac = 1 / ((1 - pe_sm(cm, w)) ** 2 * cm.sum())
        tol = 64 * 2.2e-16 * fac
        for name, se_got, var_ref in (("se", k["se"], sm.var_kappa),
                                      ("se0", k["se0"], sm.var_kappa0)):
            close(f"{key} var of {name}", se_got ** 2, var_ref, rel=1e-12, abs_=tol)
            close(f"{key} {name}", se_got, math.sqrt(max(var_ref, 0.0)), rel=1e-12,
                  abs_=math.sqrt(tol))
        if not math.isnan(sm.std_kappa):
            close(f"{key} kappa_low", k["lo"], sm.kappa_low, rel=1e-12, abs_=Z * math.sqrt(tol))
            close(f"{key} kappa_upp", k["hi"], sm.kappa_upp, rel=1e-12, abs_=Z * math.sqrt(tol))
        else:
            same(f"{key} se where statsmodels has NaN", k["se"], 0)
            same(f"{key} interval where statsmodels has NaN", (k["lo"], k["hi"]),
                 (k["kappa"], k["kappa"]))
        # po, pe: the agreement-weighted shares statsmodels uses
        wts = np.arange(L, dtype=float)
        d = np.abs(wts[:, None] - wts) if w == "linear" else (wts[:, None] - wts) ** 2
        agree_w = np.eye(L) if w is None else 1 - d / d.max()
        nobs = cm.sum()
        rows, cols = cm.sum(1) / nobs, cm.sum(0) / nobs
        close(f"{key} po", k["po"], (agree_w * cm).sum() / nobs)
        close(f"{key} pe", k["pe"], (agree_w * np.outer(rows, cols)).sum())
    want = [[i, int(a), int(b)] for i, (a, b) in enumerate(zip(h, j)) if a != b]
    same("disagreements", got["disagreements"], want)


def pe_sm(cm, w):
    """Chance agreement with agreement weights, as statsmodels' agree_wexp."""
    L = cm.shape[0]
    wts = np.arange(L, dtype=float)
    d = np.abs(wts[:, None] - wts) if w == "linear" else (wts[:, None] - wts) ** 2
    agree_w = np.eye(L) if w is None else 1 - d / d.max()
    nobs = cm.sum()
    return (agree_w * np.outer(cm.sum(1) / nobs, cm.sum(0) / nobs)).sum()


def fleiss_exact(t):
    N, L = t.shape
    m = int(t[0].sum())
    T = N * m
    pbar = Fraction(int((t * t).sum()) - T, T * (m - 1))
    pe = sum(Fraction(int(c), T) ** 2 for c in t.sum(0))
    return None if pe == 1 else (pbar - pe) / (1 - pe)


def kripp_exact(L, r):
    """Krippendorff (2011) step by step: coincidence matrix from pairable
    values, pair by pair, then alpha = 1 - D_o / D_e, in exact fractions."""
    o = [[Fraction(0)] * L for _ in range(L)]
    for row in r:
        vals = [int(v) for v in row if v >= 0]
        m = len(vals)
        if m < 2:
            continue
        for a in range(m):
            for b in range(m):
                if a != b:
                    o[vals[a]][vals[b]] += Fraction(1, m - 1)
    nc = [sum(o[c]) for c in range(L)]
    n = sum(nc)
    if n < 2:
        return None
    d_obs = sum(o[c][k] for c in range(L) for k in range(L) if c != k) / n
    d_exp = sum(nc[c] * nc[k] for c in range(L) for k in range(L) if c != k) / (n * (n - 1))
    if d_exp == 0:
        return None
    return 1 - d_obs / d_exp


def check_fleiss(t, got):
    ref = fleiss_kappa(t, method="fleiss")
    same("fleiss defined", got["defined"], not math.isnan(ref))
    close("fleiss kappa (statsmodels)", got["kappa"], nan_to_none(ref))
    ex = fleiss_exact(t)
    close("fleiss kappa (exact)", got["kappa"], None if ex is None else float(ex), rel=4e-16,
          abs_=1e-300)
    # Complete data: Krippendorff's alpha = kappa + (1 - kappa) / (N m).
    ka = kripp_exact(t.shape[1], [[l for l, c in enumerate(row) for _ in range(int(c))]
                                  for row in t])
    close("alpha on complete data (exact)", got["alpha"], None if ka is None else float(ka))
    if ex is not None:
        close("alpha = kappa + (1 - kappa)/(N m)", got["alpha"],
              float(ex + (1 - ex) / (t.sum())))


def check_kripp(L, r, got):
    counts = [[int((row == l).sum()) for l in range(L)] for row in r]
    same("aggregated counts", got["counts"], [c for row in counts for c in row])
    ex = kripp_exact(L, r)
    same("alpha defined", got["defined"], ex is not None)
    close("alpha (exact)", got["alpha"], None if ex is None else float(ex))
    pairable = [int((row >= 0).sum()) for row in r]
    same("n_pairable", got["n_pairable"], sum(m for m in pairable if m >= 2))
    same("n_units", got["n_units"], sum(1 for m in pairable if m >= 2))


def rg_value(q, se, sp):
    return (q + sp - 1) / (se + sp - 1)


def check_rg(tp, fn, fp, tn, k, m, got):
    P, N = tp + fn, tn + fp
    for name, x, n in (("se", tp, P), ("sp", tn, N)):
        same(f"{name} defined", got[f"{name}_defined"], n > 0)
        if n > 0:
            lo, hi = proportion_confint(x, n, alpha=0.05, method="wilson")
            close(name, got[name], x / n)
            close(f"{name} wilson lo", got[f"{name}_lo"], lo, rel=1e-11, abs_=1e-12)
            close(f"{name} wilson hi", got[f"{name}_hi"], hi, rel=1e-11, abs_=1e-12)
        else:
            same(f"{name} when undefined", (got[name], got[f"{name}_lo"], got[f"{name}_hi"]),
                 (None, 0, 1))
    defined = m > 0 and P > 0 and N > 0 and tp * N > fp * P
    same("rogan-gladen defined", got["defined"], defined)
    if not defined:
        same("why is set", bool(got["why"]), True)
        same("estimate when undefined", got["estimate"], None)
        return
    q, se, sp = Fraction(k, m), Fraction(tp, P), Fraction(tn, N)
    pi = (q + sp - 1) / (se + sp - 1)
    close("raw", got["raw"], float(q))
    close("unclipped", got["unclipped"], float(pi), rel=1e-14, abs_=1e-15)
    close("estimate", got["estimate"], min(max(float(pi), 0.0), 1.0), rel=1e-14, abs_=1e-15)
    J = se + sp - 1
    var = (q * (1 - q) / m + pi * pi * se * (1 - se) / P
           + (1 - pi) * (1 - pi) * sp * (1 - sp) / N) / (J * J)
    close("std_err (closed form)", got["std_err"], math.sqrt(float(var)), rel=1e-12,
          abs_=1e-15)
    # The delta method again with a numerical gradient.
    x = [float(q), float(se), float(sp)]
    v = [float(q * (1 - q) / m), float(se * (1 - se) / P), float(sp * (1 - sp) / N)]
    num = 0.0
    for i in range(3):
        hstep = 1e-6 * min(float(J), 1.0)   # well inside the pole at J = 0
        up, dn = list(x), list(x)
        up[i] += hstep
        dn[i] -= hstep
        g = (rg_value(*up) - rg_value(*dn)) / (2 * hstep)
        num += g * g * v[i]
    close("std_err (numerical gradient)", got["std_err"], math.sqrt(num), rel=1e-5, abs_=1e-12)
    s = math.sqrt(float(var))
    close("lo", got["lo"], min(max(float(pi) - Z * s, 0.0), 1.0), rel=1e-11, abs_=1e-13)
    close("hi", got["hi"], min(max(float(pi) + Z * s, 0.0), 1.0), rel=1e-11, abs_=1e-13)


# ---- coverage of the Rogan-Gladen interval (--coverage; not a test) ------------

def coverage(seed, reps=200000):
    """Monte Carlo coverage of the clipped delta-method interval, with the
    reference formula above (equal to the C code to 1e-12 per the checks)."""
    rng = np.random.default_rng(seed)
    for pi, se_t, sp_t, P, N, m in ((0.3, 0.85, 0.9, 100, 100, 1000),
                                     (0.3, 0.85, 0.9, 300, 300, 5000),
                                     (0.1, 0.8, 0.95, 50, 200, 2000),
                                     (0.5, 0.9, 0.9, 30, 30, 500),
                                     (0.05, 0.7, 0.9, 40, 40, 500)):
        tp, fp = rng.binomial(P, se_t, reps), rng.binomial(N, 1 - sp_t, reps)
        k = rng.binomial(m, pi * se_t + (1 - pi) * (1 - sp_t), reps)
        se, fpr, q = tp / P, fp / N, k / m
        J = se - fpr
        ok = J > 0
        Js = np.where(ok, J, 1)
        est = (q - fpr) / Js
        var = (q * (1 - q) / m + est ** 2 * se * (1 - se) / P
               + (1 - est) ** 2 * fpr * (1 - fpr) / N) / Js ** 2
        lo = np.clip(est - Z * np.sqrt(var), 0, 1)
        hi = np.clip(est + Z * np.sqrt(var), 0, 1)
        cov = ((lo <= pi) & (pi <= hi))[ok].mean()
        bias = np.clip(est, 0, 1)[ok].mean() - pi
        print(f"pi={pi} Se={se_t} Sp={sp_t} n+={P} n-={N} m={m}: defined {ok.mean():.4f} "
              f"coverage {cov:.4f} bias {bias:+.4f}")


# ---- main ---------------------------------------------------------------------

def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        sys.exit(2)
    driver, seed, scale, verbose = args[0], 20240601, 1, False
    i = 1
    while i < len(args):
        if args[i] == "--seed":
            seed = int(args[i + 1]); i += 1
        elif args[i] == "--scale":
            scale = int(args[i + 1]); i += 1
        elif args[i] == "-v":
            verbose = True
        elif args[i] == "--coverage":
            coverage(seed)
            return
        i += 1

    cases = []  # (name, input text, checker)
    for i in range(1500 * scale):
        rng = np.random.default_rng([seed, 1, i])
        L, h, j = gen_cohen(rng, i)
        text = f"cohen {L} {len(h)}\n{' '.join(map(str, h))}\n{' '.join(map(str, j))}\n"
        cases.append((f"cohen#{i} L={L} n={len(h)}", text,
                      lambda got, L=L, h=h, j=j: check_cohen(L, h, j, got)))
    for i in range(400 * scale):
        rng = np.random.default_rng([seed, 2, i])
        t = gen_fleiss(rng, i)
        text = f"fleiss {t.shape[0]} {t.shape[1]}\n{' '.join(map(str, t.ravel()))}\n"
        cases.append((f"fleiss#{i} N={t.shape[0]} L={t.shape[1]} m={t[0].sum()}", text,
                      lambda got, t=t: check_fleiss(t, got)))
    for i in range(400 * scale):
        rng = np.random.default_rng([seed, 3, i])
        L, r = gen_kripp(rng, i)
        text = f"kripp {r.shape[0]} {r.shape[1]} {L}\n{' '.join(map(str, r.ravel()))}\n"
        cases.append((f"kripp#{i} U={r.shape[0]} C={r.shape[1]} L={L}", text,
                      lambda got, L=L, r=r: check_kripp(L, r, got)))
    for i in range(600 * scale):
        rng = np.random.default_rng([seed, 4, i])
        c = gen_rg(rng, i)
        text = "rg " + " ".join(map(str, c)) + "\n"
        cases.append((f"rg#{i} {c}", text, lambda got, c=c: check_rg(*c, got)))

    proc = subprocess.run([driver], input="".join(c[1] for c in cases), capture_output=True,
                          text=True, check=False)
    lines = proc.stdout.splitlines()
    passed = failed = 0
    if proc.returncode != 0 or len(lines) != len(cases):
        print(f"agree_check: driver exited {proc.returncode} after {len(lines)} of "
              f"{len(cases)} datasets\n{proc.stderr[-2000:]}")
        failed += 1
    for (name, _, check), line in zip(cases, lines):
        try:
            got = json.loads(line)
            if "error" in got:
                raise Failure(f"driver error {got['error']}: {got['message']}")
            check(got)
            passed += 1
            if verbose:
                print(f"ok {name}")
        except Failure as e:
            failed += 1
            print(f"FAIL {name}: {e}")
    print(f"agree_check: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
