#!/usr/bin/python3
"""paired_check.py - hold assay's paired statistics to their reference implementations.

Usage: tests/stats/paired_check.py build/$BUILD/tests/paired_driver

Generates datasets with fixed seeds (sizes 1..500; ties, zeros, all-equal,
one-sided and extreme imbalance), sends each to the C driver
(tests/stats/paired_driver.c) and compares every number it prints with what
scipy 1.10 / statsmodels 0.13 compute for the same input:

  normal CDF            scipy.special.ndtr                       rel 1e-13
  binomial pmf/cdf/sf   scipy.stats.binom                        rel 1e-11
  exact McNemar p       statsmodels mcnemar(table, exact=True)   rel 1e-12
  Wilcoxon              scipy.stats.wilcoxon(method="auto", ...) statistic exact,
                        p rel 1e-12, method, z (vs method="approx") rel 1e-12
  Holm                  statsmodels multipletests(method="holm") rel 1e-15
  bootstrap, deterministic parts: scipy's own bootstrap distribution is fed to
                        as_bootstrap_interval; interval, z0, se must match
                        (tight), and as_jackknife_accel_mean must match the
                        a_hat of scipy's _bca_interval
  bootstrap, end to end (different random streams): the C interval's ends
                        must sit at the right quantile of scipy's bootstrap
                        distribution, within Monte Carlo error
  binomial variates     chi-square goodness of fit to scipy.stats.binom
  Newcombe / Wald / Connor / paired-t examples needed: no scipy function;
                        checked against independent implementations written
                        here from the papers' formulas (Wilson parts from
                        statsmodels proportion_confint), and the sample sizes
                        by inverting them through the normal power function.

Prints one line per failure and a closing "N passed, N failed"; exits 1 on
any failure.  Without scipy/statsmodels it prints a note, "0 passed, 0 failed"
and exits 0 (the unit tests still hold the hard-coded oracle values).
"""
import math
import subprocess
import sys
import warnings

try:
    import numpy as np
    from scipy import special, stats
    from scipy.stats import _resampling
    from statsmodels.stats.contingency_tables import mcnemar
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import proportion_confint
    from statsmodels.stats.power import NormalIndPower
except ImportError as e:  # pragma: no cover
    print(f"stats oracle check skipped: {e} (install python3-scipy python3-statsmodels)")
    print("0 passed, 0 failed")
    sys.exit(0)
try:
    import mpmath as mp  # a dependency of python3-sympy; the referee when scipy is inexact
except ImportError:  # pragma: no cover
    mp = None

warnings.simplefilter("ignore")

PASSED = 0
FAILED = 0
REFEREED = []   # cases where scipy itself was inexact and mpmath decided


def mp_binom(k, n, p):
    """pmf, cdf, sf of Binomial(n, p) at k, to 40 digits (summing the smaller tail)."""
    mp.mp.dps = 40
    P = mp.mpf(p)
    Q = 1 - P

    def pmf(i):
        if i < 0 or i > n:
            return mp.mpf(0)
        return mp.exp(mp.loggamma(n + 1) - mp.loggamma(i + 1) - mp.loggamma(n - i + 1) +
                      (i * mp.log(P) if i else 0) + ((n - i) * mp.log(Q) if n - i else 0))

    def tail(start, step):
        t = pmf(start)
        s_ = t
        i = start
        while t > s_ * mp.mpf(10) ** -30 and 0 <= i + step <= n:
            i += step
            t = pmf(i) if abs(i - start) % 512 == 0 else (
                t * (i + 1) / (n - i) * Q / P if step < 0 else t * (n - i + 1) / i * P / Q)
            s_ += t
        return s_
    if p in (0.0, 1.0) or k >= n:
        return None
    mode = math.floor((n + 1) * p)
    if k < mode:
        lo = tail(k, -1)
        return float(pmf(k)), float(lo), float(1 - lo)
    hi = tail(k + 1, +1)
    return float(pmf(k)), float(1 - hi), float(hi)


def report(ok, what):
    global PASSED, FAILED
    if ok:
        PASSED += 1
    else:
        FAILED += 1
        print("FAIL", what)


def close(x, y, rel, abs_=0.0):
    """x ~ y: both NaN, equal infinities, or within rel/abs tolerance."""
    x, y = float(x), float(y)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= max(abs_, rel * max(abs(x), abs(y)))


def fmt(v):
    return repr(float(v))


class Driver:
    """Batches commands: queue them all, run the driver once, hand back answers."""

    def __init__(self, path):
        self.path = path
        self.lines = []
        self.checks = []

    def ask(self, line, check):
        self.lines.append(line)
        self.checks.append(check)

    def run(self):
        try:
            out = subprocess.run([self.path], input="\n".join(self.lines) + "\n",
                                 capture_output=True, text=True, check=False)
        except OSError as e:
            report(False, f"cannot run the driver {self.path}: {e}")
            return
        answers = out.stdout.splitlines()
        if out.returncode != 0 or len(answers) != len(self.lines):
            report(False, f"driver exited {out.returncode} with {len(answers)} answers "
                          f"for {len(self.lines)} commands; stderr: {out.stderr[-2000:]}")
            return
        for line, ans, check in zip(self.lines, answers, self.checks):
            try:
                ok, what = check(ans.split())
            except Exception as e:  # a malformed answer is a failure, not a crash
                ok, what = False, f"exception {e!r}"
            report(ok, f"{what} | command: {line[:200]} | answer: {ans[:300]}")


def vals(ans):
    assert ans[0] == "ok", ans
    return [float(v) for v in ans[1:]]


# ---------------------------------------------------------------- datasets

def score_datasets(rng, sizes):
    """(name, a, b) pairs of score vectors covering the shapes that matter."""
    out = []
    for n in sizes:
        a = rng.normal(0.6, 0.2, n)
        out.append((f"normal n={n}", a, a + rng.normal(0.03, 0.1, n)))
        out.append((f"int scores n={n}", rng.integers(0, 6, n).astype(float),
                    rng.integers(0, 6, n).astype(float)))
        out.append((f"binary n={n}", rng.integers(0, 2, n).astype(float),
                    (rng.random(n) < 0.65).astype(float)))
        x = rng.integers(0, 3, n) * 0.5
        out.append((f"halves, ties n={n}", x, x + rng.choice([-1.0, -0.5, 0.5, 1.0, 1.5], n)))
        d = rng.exponential(1.0, n)
        out.append((f"one-sided n={n}", np.zeros(n), d))
        out.append((f"imbalanced n={n}", np.zeros(n),
                    np.where(rng.random(n) < 0.9, d, -d)))
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    drv = Driver(sys.argv[1])
    rng = np.random.default_rng(20240501)

    # ---- normal CDF (scipy.special.ndtr) ----
    for x in np.concatenate([np.linspace(-38, 9, 301), rng.normal(0, 3, 200),
                             [0.0, -0.0, 0.7071067811865475, -0.7071067811865476, 1e-300]]):
        want = (special.ndtr(x), special.ndtr(-x))
        drv.ask(f"norm_cdf {fmt(x)}",
                lambda a, x=x, w=want: (all(close(g, e, 1e-13, 1e-307)
                                            for g, e in zip(vals(a), w)), f"ndtr({x})"))

    # ---- binomial pmf / cdf / sf (scipy.stats.binom) ----
    cases = []
    for n in list(range(0, 64)) + [100, 1000, 10**4, 10**5, 10**6, 10**7]:
        for p in (0.5, 0.01, 0.3, 0.9, 1e-4, 0.999):
            mean, sd = n * p, math.sqrt(n * p * (1 - p))
            ks = {0, n, max(0, n - 1), int(mean), int(mean + 3 * sd), max(0, int(mean - 3 * sd)),
                  int(mean + 8 * sd), max(0, int(mean - 8 * sd)), int(rng.integers(0, n + 1))}
            cases += [(k, n, p) for k in ks if 0 <= k <= n]
    for k, n, p in cases:
        want = (stats.binom.pmf(k, n, p), stats.binom.cdf(k, n, p), stats.binom.sf(k, n, p))

        def chk(a, k=k, n=n, p=p, w=want):
            g = vals(a)
            # scipy (boost) and assay both aim at full precision; values that
            # underflow to the subnormal range are compared absolutely
            if all(close(gi, wi, 1e-11, 1e-300) for gi, wi in zip(g, w)):
                return True, ""
            # boost's binomial loses digits for n >~ 1e5 (relative errors
            # ~1e-11 .. 1e-9) and underflows cdf < ~1e-270 to 0: referee
            ref = mp_binom(k, n, p) if mp else None
            ok = ref is not None and all(close(gi, ri, 1e-12, 1e-300) for gi, ri in zip(g, ref))
            if ok:
                REFEREED.append(f"binom({k},{n},{p}): scipy {w}, mpmath {ref}")
            return ok, f"binom({k},{n},{p}): scipy {w}, mpmath {ref}"
        drv.ask(f"binom {k} {n} {fmt(p)}", chk)

    # ---- exact McNemar (statsmodels) ----
    tables = [(0, 0, 0, 0), (5, 0, 0, 7), (1, 0, 1, 0), (0, 1, 0, 0), (3, 3, 3, 3)]
    for _ in range(300):
        m = int(rng.choice([5, 20, 60, 200, 2000, 50000]))
        b = int(rng.integers(0, m + 1))
        c = int(rng.integers(0, m + 1)) if rng.random() < 0.5 else int(rng.binomial(m, 0.5))
        tables.append((int(rng.integers(0, 50)), b, c, int(rng.integers(0, 50))))
    for t in tables:
        a_, b, c, d = t
        want = mcnemar([[a_, b], [c, d]], exact=True).pvalue
        def chk(ans, t=t, w=want):
            g = vals(ans)[0]
            if close(g, w, 1e-12, 1e-300):
                return True, ""
            ref = mp_binom(min(t[1], t[2]), t[1] + t[2], 0.5) if mp else None
            ok = ref is not None and close(g, min(1.0, 2 * ref[1]), 1e-12, 1e-300)
            if ok:
                REFEREED.append(f"mcnemar {t}: statsmodels {w}, mpmath {2 * ref[1]}")
            return ok, f"mcnemar {t}: statsmodels {w}, mpmath {ref and 2 * ref[1]}"
        drv.ask(f"mcnemar {b} {c}", chk)

    # ---- Newcombe (method 10) and Wald intervals: independent implementation ----
    def newcombe_ref(a, b, c, d, alpha):
        n = a + b + c + d
        if n == 0:
            return 0.0, -1.0, 1.0
        p1, p2 = (a + c) / n, (a + b) / n          # B's and A's pass rates
        l1, u1 = proportion_confint(a + c, n, alpha=alpha, method="wilson")
        l2, u2 = proportion_confint(a + b, n, alpha=alpha, method="wilson")
        den = (a + b) * (c + d) * (a + c) * (b + d)
        phi = (a * d - b * c) / math.sqrt(den) if den > 0 else 0.0
        dlo = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
        dhi = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
        est = (c - b) / n
        return est, max(-1.0, est - dlo), min(1.0, est + dhi)

    def wald_ref(a, b, c, d, alpha):
        n = a + b + c + d
        if n == 0:
            return 0.0, -1.0, 1.0
        z = stats.norm.ppf(1 - alpha / 2)
        est = (c - b) / n
        half = z * math.sqrt(max(0.0, (b + c) - (c - b) ** 2 / n)) / n
        return est, max(-1.0, est - half), min(1.0, est + half)

    ptables = [(0, 0, 0, 0), (10, 0, 0, 10), (0, 5, 0, 0), (0, 0, 7, 0), (12, 0, 0, 0),
               (36, 12, 2, 0), (1, 1, 7, 12), (59, 6, 16, 80)]
    for _ in range(200):
        n = int(rng.choice([3, 10, 50, 300, 5000]))
        probs = rng.dirichlet([1, 0.3, 0.3, 1])
        ptables.append(tuple(int(v) for v in rng.multinomial(n, probs)))
    for t in ptables:
        for alpha in (0.05, 0.1):
            for name, ref in (("newcombe", newcombe_ref), ("wald", wald_ref)):
                want = ref(*t, alpha)
                drv.ask(f"{name} {t[0]} {t[1]} {t[2]} {t[3]} {alpha}",
                        lambda a, t=t, w=want, nm=name:
                        (all(close(g, e, 1e-12, 1e-14) for g, e in zip(vals(a), w)), f"{nm} {t}"))

    # ---- Wilcoxon signed-rank (scipy.stats.wilcoxon) ----
    wsets = score_datasets(rng, list(range(1, 61)) + [75, 100, 200, 500])
    wsets += [("all equal", np.ones(10), np.ones(10)), ("all zero diff n=60", np.zeros(60), np.zeros(60)),
              ("empty", np.zeros(0), np.zeros(0)), ("single", np.array([1.0]), np.array([0.0])),
              ("scipy doc", np.array([6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75.0]),
               np.zeros(15)),
              ("one zero n=10", np.arange(10.0), np.array([0.0] + list(np.arange(1.0, 10.0) - 0.5))),
              ("n=50 exact", np.arange(50.0), np.zeros(50)), ("n=51 approx", np.arange(1.0, 52.0), np.zeros(51)),
              ("centre", np.array([1.0, -2, 3, -4, -5, 6, 7, -8]), np.zeros(8)),
              ("tied centre", np.array([1.0, -1, 2, -2]), np.zeros(4))]
    for name, a_, b_ in wsets:
        n = len(a_)
        d = a_ - b_
        try:
            res = stats.wilcoxon(a_, b_, zero_method="wilcox", correction=False,
                                 alternative="two-sided", method="auto")
            want = (float(res.statistic), float(res.pvalue))
            raised = False
        except ValueError:
            want, raised = None, True
        nz = int(np.sum(d == 0))
        method = "none" if raised or n == 0 else ("exact" if n <= 50 and nz == 0 else "approx")
        zwant = float("nan")
        if method == "approx":
            zwant = float(stats.wilcoxon(a_, b_, zero_method="wilcox", correction=False,
                                         alternative="two-sided", method="approx").zstatistic)

        def chk(ans, name=name, want=want, method=method, zwant=zwant):
            stat, p, z = (float(v) for v in ans[1:4])
            if ans[0] != "ok" or ans[4] != method:
                return False, f"wilcoxon {name}: method {ans[4:5]} want {method}"
            if method == "none":
                return math.isnan(p), f"wilcoxon {name}: p should be NaN"
            ok = stat == want[0] and close(p, want[1], 1e-12, 1e-300)
            if method == "approx":
                ok = ok and close(z, zwant, 1e-12, 1e-15)
            return ok, f"wilcoxon {name}: want stat {want[0]!r} p {want[1]!r} z {zwant!r}"
        drv.ask(f"wilcoxon {n} " + " ".join(map(fmt, a_)) + " " + " ".join(map(fmt, b_)), chk)

    # ---- Holm (statsmodels multipletests) ----
    plists = [[0.01], [0.0], [1.0], [0.5, 0.5], [0.01, 0.04, 0.03], [0.2, 0.2, 0.2, 0.01],
              [1e-300, 0.9, 0.01, 0.01]]
    for _ in range(150):
        m = int(rng.integers(1, 40))
        p = rng.random(m) ** rng.choice([1, 3, 8])
        if rng.random() < 0.3:
            p[rng.integers(0, m, max(1, m // 3))] = p[0]          # ties
        if rng.random() < 0.2:
            p[rng.integers(0, m)] = rng.choice([0.0, 1.0])
        plists.append(list(p))
    for p in plists:
        want = multipletests(np.array(p), alpha=0.05, method="holm")[1]
        drv.ask(f"holm {len(p)} " + " ".join(map(fmt, p)),
                lambda a, w=want, m=len(p): (len(vals(a)) == m and
                                             all(close(g, e, 1e-15) for g, e in zip(vals(a), w)),
                                             f"holm m={m}"))

    # ---- bootstrap: deterministic parts, fed scipy's own distribution ----
    def scipy_boot(samples, stat, method, seed, B, conf, paired=False):
        return stats.bootstrap(samples, stat, method=method, n_resamples=B, random_state=seed,
                               confidence_level=conf, paired=paired, vectorized=True)

    def scipy_ahat(samples, stat, dist, conf, paired=False):
        """a_hat exactly as scipy's _bca_interval computes it (paired: over indices)."""
        if paired:
            n = len(samples[0])
            data = [np.arange(n)]

            def st(i, axis=-1):
                return stat(*[s[..., i] for s in samples], axis=axis)
        else:
            data, st = [np.asarray(samples[0])], stat
        return _resampling._bca_interval(data, st, axis=-1, alpha=(1 - conf) / 2,
                                         theta_hat_b=dist, batch=None)[2]

    def mean_stat(x, axis=-1):
        return np.mean(x, axis=axis)

    def diff_stat(a, b, axis=-1):
        return np.mean(b, axis=axis) - np.mean(a, axis=axis)

    bsets = score_datasets(np.random.default_rng(7), [2, 3, 5, 8, 13, 30, 100, 500])
    for i, (name, a_, b_) in enumerate(bsets):
        for method in ("BCa", "percentile"):
            conf = 0.9 if i % 5 == 0 else 0.95
            B = [9999, 999, 2000][i % 3]
            for paired in (False, True):
                samples = (a_, b_) if paired else (b_,)
                stat = diff_stat if paired else mean_stat
                res = scipy_boot(samples, stat, method, 1000 + i, B, conf, paired)
                dist = res.bootstrap_distribution
                theta_hat = float(stat(*samples))
                ahat = float(scipy_ahat(samples, stat, dist, conf, paired))
                z0 = float(special.ndtri(_resampling._percentile_of_score(dist, theta_hat, -1)))
                want = (float(res.confidence_interval.low), float(res.confidence_interval.high),
                        float(res.standard_error), z0)
                spread = float(np.ptp(dist))

                def chk(ans, want=want, spread=spread, nm=f"{name} {method} paired={paired}",
                        theta=theta_hat):
                    g = vals(ans)
                    lo, hi, se, z0g = g[1], g[2], g[3], g[4]
                    if g[8]:   # degenerate: constant bootstrap distribution
                        return lo == hi == theta or (close(lo, want[0], 0, 1e-12 * abs(theta))), nm
                    # percentile: the same levels, so the same doubles; BCa:
                    # z0 (ndtri vs as_norm_ppf, ~1e-15) may move the levels
                    tol = 1e-10 * max(spread, 1e-300) if "BCa" in nm else 0
                    rel = 1e-13 if "BCa" in nm else 0
                    ok = (close(lo, want[0], rel, tol) and close(hi, want[1], rel, tol) and
                          close(se, want[2], 1e-9, 1e-300) and close(z0g, want[3], 1e-12, 1e-14))
                    return ok, f"interval {nm}: want lo {want[0]!r} hi {want[1]!r} se {want[2]!r} z0 {want[3]!r}"
                m = "bca" if method == "BCa" else "percentile"
                drv.ask(f"interval {m} {conf} {fmt(theta_hat)} {fmt(ahat)} {len(dist)} " +
                        " ".join(map(fmt, dist)), chk)
                if method == "BCa":
                    x = (b_ - a_) if paired else b_
                    drv.ask(f"accel {len(x)} " + " ".join(map(fmt, x)),
                            lambda ans, w=ahat, nm=name, p=paired:
                            (close(vals(ans)[0], w, 1e-9, 1e-12), f"accel {nm} paired={p} want {w!r}"))

    # ---- bootstrap end to end: our stream vs scipy's, within Monte Carlo error ----
    def quantile_check(ours, level, dist, level_scipy, B_ours):
        """ours must be a level-quantile of scipy's distribution, give or take MC error."""
        s = np.sort(dist)
        Bs = len(s)
        fuzz = 1e-12 * max(float(np.ptp(s)), abs(ours))   # mean(b)-mean(a) vs mean(b-a) rounding
        below = np.searchsorted(s, ours - fuzz, "left") / Bs
        upto = np.searchsorted(s, ours + fuzz, "right") / Bs
        sd = math.sqrt(level * (1 - level) * (1 / Bs + 1 / B_ours))
        tol = 5 * sd + abs(level - level_scipy) + 2 / Bs
        return below - tol <= level <= upto + tol

    esets = score_datasets(np.random.default_rng(11), [2, 4, 10, 40, 150, 500])
    esets += [("constant", np.zeros(20), np.full(20, 0.25)), ("two points", np.zeros(2), np.array([0.0, 1.0]))]
    for i, (name, a_, b_) in enumerate(esets):
        for method in ("BCa", "percentile"):
            for kind in ("mean", "diff", "hist"):
                if kind == "hist" and i % 3 != 0 and "constant" not in name:
                    continue
                paired = kind == "diff"
                samples = (a_, b_) if paired else (b_,)
                stat = diff_stat if paired else mean_stat
                res = scipy_boot(samples, stat, method, 5000 + i, 9999, 0.95, paired)
                dist = res.bootstrap_distribution
                theta_hat = float(stat(*samples))
                const = np.ptp(b_ - a_ if paired else b_) == 0
                ahat = float("nan") if const else float(scipy_ahat(samples, stat, dist, 0.95, paired))
                a1, a2 = 0.025, 0.975
                if method == "BCa" and not const:
                    a1, a2, _ = _resampling._bca_interval(
                        [np.arange(len(b_))] if paired else [b_],
                        (lambda i_, axis=-1: stat(*[s[..., i_] for s in samples], axis=axis))
                        if paired else stat, axis=-1, alpha=0.025, theta_hat_b=dist, batch=None)
                m = "bca" if method == "BCa" else "percentile"
                nm = f"end-to-end {kind} {name} {method}"
                if kind == "hist":
                    vs, cs = np.unique(b_, return_counts=True)
                    cmd = (f"boot_hist {m} {77 + i} 9999 {len(vs)} " + " ".join(map(fmt, vs)) + " " +
                           " ".join(str(int(c)) for c in cs))
                elif kind == "diff":
                    cmd = (f"boot_diff {m} {77 + i} 9999 {len(a_)} " + " ".join(map(fmt, a_)) + " " +
                           " ".join(map(fmt, b_)))
                else:
                    cmd = f"boot_mean {m} {77 + i} 9999 {len(b_)} " + " ".join(map(fmt, b_))

                def chk(ans, dist=dist, theta=theta_hat, ahat=ahat, a1=float(a1), a2=float(a2),
                        const=const, se=float(res.standard_error), nm=nm):
                    g = vals(ans)
                    est, lo, hi, se_g, z0, acc, l1, l2, degen = g[:9]
                    if const:
                        return degen == 1 and lo == hi == est, nm + " (constant data)"
                    ok = close(est, theta, 1e-12, 1e-15)
                    ok = ok and close(acc, ahat, 1e-9, 1e-12)
                    ok = ok and quantile_check(lo, l1, dist, a1, 9999)
                    ok = ok and quantile_check(hi, l2, dist, a2, 9999)
                    ok = ok and close(se_g, se, 0.1)
                    return ok, (f"{nm}: scipy ci ({np.quantile(dist, a1)}, {np.quantile(dist, a2)}) "
                                f"levels ({a1}, {a2}) se {se}; ours lo {lo} hi {hi} levels ({l1}, {l2}) "
                                f"se {se_g}")
                drv.ask(cmd, chk)
    # n = 1 and n = 0: scipy raises; so do we
    for cmd in ("boot_mean bca 1 9999 1 0.5", "boot_mean percentile 1 9999 0",
                "boot_diff bca 1 9999 1 0.5 0.7", "boot_hist bca 1 99 1 0.5 1"):
        drv.ask(cmd, lambda ans, c=cmd: (ans[:2] == ["err", "invalid_argument"], f"{c}: must fail"))

    # ---- binomial variates: chi-square goodness of fit ----
    for seed, (n, p) in enumerate([(10**6, 0.3), (1000, 0.01), (50, 0.5), (10**6, 1e-6),
                                   (20, 0.9), (30, 0.34), (10**5, 0.5), (400, 0.97), (7, 0.2)]):
        count = 20000

        def chk(ans, n=n, p=p, count=count):
            x = np.array([int(v) for v in ans[1:]])
            if ans[0] != "ok" or len(x) != count or x.min() < 0 or x.max() > n:
                return False, f"binomial({n},{p}) range"
            lo, hi = stats.binom.ppf(1e-6, n, p), stats.binom.ppf(1 - 1e-6, n, p)
            ks = np.arange(int(lo), int(hi) + 1)
            exp = stats.binom.pmf(ks, n, p) * count
            obs = np.array([np.sum(x == k) for k in ks], dtype=float)
            # merge bins until each expects >= 5; tails go to the ends
            obs[0] += np.sum(x < lo); obs[-1] += np.sum(x > hi)
            exp[0] += stats.binom.cdf(lo - 1, n, p) * count
            exp[-1] += stats.binom.sf(hi, n, p) * count
            mo, me, ao, ae = [], [], 0.0, 0.0
            for o_, e_ in zip(obs, exp):
                ao += o_; ae += e_
                if ae >= 5:
                    mo.append(ao); me.append(ae); ao = ae = 0.0
            if ae > 0:
                if mo:
                    mo[-1] += ao; me[-1] += ae
                else:
                    mo.append(ao); me.append(ae)
            if len(mo) < 2:
                return True, "one bin"
            me = np.array(me) * (sum(mo) / sum(me))
            pv = stats.chisquare(mo, me).pvalue
            return pv > 1e-4, f"binomial({n},{p}) chi-square p={pv}"
        drv.ask(f"binomial {seed} {n} {fmt(p)} {count}", chk)

    # ---- examples needed ----
    z975, z80 = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    for _ in range(200):
        n = int(rng.choice([10, 100, 1000, 100000]))
        b, c = (int(v) for v in rng.multinomial(n, rng.dirichlet([1, 1, 3]))[:2])
        if rng.random() < 0.1:
            c = b

        def chk(ans, b=b, c=c, n=n):
            est, raw, need = int(ans[1]), float(ans[2]), int(ans[3])
            if b == c:
                return est == 0, f"connor b=c={b} not estimable"
            psi, delta = (b + c) / n, (c - b) / n
            want = ((z975 * math.sqrt(psi) + z80 * math.sqrt(psi - delta ** 2)) / delta) ** 2
            # inverting: with `raw` pairs the one-tailed normal power is exactly 80%
            power = stats.norm.cdf((abs(delta) * math.sqrt(raw) - z975 * math.sqrt(psi)) /
                                   math.sqrt(psi - delta ** 2)) if psi > delta ** 2 else 1.0
            ok = (est == 1 and close(raw, want, 1e-12) and need == max(1, math.ceil(raw)) and
                  (psi <= delta ** 2 or close(power, 0.8, 1e-9)))
            return ok, f"connor b={b} c={c} n={n}: want {want!r}"
        drv.ask(f"need_mcnemar {b} {c} {n} 0.05 0.8", chk)
    drv.ask("need_mcnemar 5 45 100 0.05 0.8",      # published example (Connor 1987; 23 pairs)
            lambda ans: (ans[3] == "23", "connor published example: 23"))
    for _ in range(100):
        delta, sd = float(rng.normal(0, 0.2)), float(rng.exponential(0.3))

        def chk(ans, delta=delta, sd=sd):
            raw, need = float(ans[2]), int(ans[3])
            want = ((z975 + z80) * sd / delta) ** 2
            power = stats.norm.cdf(abs(delta) * math.sqrt(raw) / sd - z975) if sd > 0 else 1.0
            # statsmodels' one-sample normal power solves the two-tailed version,
            # which differs only by the negligible far tail
            # (its root finder does not go below 10, so compare only above that)
            sm = float(NormalIndPower().solve_power(effect_size=abs(delta) / sd, alpha=0.05,
                                                    power=0.8, ratio=0)) if raw > 10 else raw
            ok = (close(raw, want, 1e-12) and need == max(2, math.ceil(raw)) and
                  close(power, 0.8, 1e-9) and close(raw, sm, 1e-3, 1e-6))
            return ok, f"paired t delta={delta} sd={sd}: want {want!r} (statsmodels {sm!r})"
        drv.ask(f"need_t {fmt(delta)} {fmt(sd)} 0.05 0.8", chk)

    # ---- verdict ----
    for p in (0.0, 0.01, 0.049999, 0.05, 0.2, float("nan")):
        for lo, hi in ((0.01, 0.2), (0.0, 0.2), (-0.2, -0.01), (-0.2, 0.0), (-0.1, 0.1),
                       (float("nan"), 0.1)):
            want = ("better" if p < 0.05 and lo > 0 else
                    "worse" if p < 0.05 and hi < 0 else "not_distinguishable")
            drv.ask(f"verdict {fmt(p)} {fmt(lo)} {fmt(hi)}",
                    lambda ans, w=want, c=(p, lo, hi): (ans[1] == w, f"verdict {c} want {w}"))

    drv.run()
    if REFEREED:
        print(f"{len(REFEREED)} values where scipy/statsmodels are inexact were checked against "
              f"40-digit mpmath instead, e.g. {REFEREED[0]}")
    print(f"{PASSED} passed, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
