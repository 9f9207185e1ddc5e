"""Statistical primitives: paired statistics under common random numbers (bootstrap intervals, better/tie/
worse shares, the effect size d_z), the Wilcoxon signed-rank test with Holm's correction, Wilson intervals,
and a Kaplan-Meier median for censored recovery times. sim.analysis builds its tables from these."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as sps

from sim.outcomes import TIE_TOLERANCE

BOOTSTRAP_SEED = 20260101  # fixed, so the same results always give the same intervals


def bootstrap_ci(values: np.ndarray, stat=np.mean, n_boot: int = 2000, level: float = 0.95,
                 seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Percentile bootstrap interval of a statistic of one sample (e.g. paired differences)."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, (n_boot, x.size))
    boot = stat(x[idx], axis=1)
    a = (1 - level) / 2
    return float(np.quantile(boot, a)), float(np.quantile(boot, 1 - a))


def paired(a: np.ndarray, b: np.ndarray, tol: float = TIE_TOLERANCE, higher_is_better: bool = True) -> dict:
    """Compare outcome a (strategy A) with b (strategy B), paired by seed.

    Returns medians, the mean paired difference A - B with a 95% bootstrap interval, and the shares of
    pairs in which A does better, ties (|A - B| <= tol) and does worse; p_better_half counts ties as 1/2.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = a - b
    sign = 1.0 if higher_is_better else -1.0
    better, worse = np.mean(sign * d > tol), np.mean(sign * d < -tol)
    tie = max(0.0, 1.0 - better - worse)
    lo, hi = bootstrap_ci(d)
    return {"n": int(d.size), "median_a": float(np.median(a)), "median_b": float(np.median(b)),
            "diff_mean": float(d.mean()), "diff_lo": lo, "diff_hi": hi, "diff_median": float(np.median(d)),
            "p_better": float(better), "p_tie": float(tie), "p_worse": float(worse),
            "p_better_half": float(better + tie / 2)}


def share_ci(successes: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of per-pair scores in [0, 1] (ties as 1/2) with a bootstrap interval."""
    x = np.asarray(successes, float)
    lo, hi = bootstrap_ci(x, level=level)
    return float(x.mean()), lo, hi


def kaplan_meier_median(times: np.ndarray, observed: np.ndarray) -> float:
    """Median of a right-censored time (recovery months); nan if the survival curve stays above 1/2."""
    t, e = np.asarray(times, float), np.asarray(observed, bool)
    order = np.argsort(t, kind="stable")
    t, e = t[order], e[order]
    surv, at_risk = 1.0, t.size
    for time in np.unique(t):
        here = t == time
        events = int(e[here].sum())
        if at_risk > 0 and events:
            surv *= 1.0 - events / at_risk
        if surv <= 0.5:
            return float(time)
        at_risk -= int(here.sum())
    return float("nan")


def effect_size(d: np.ndarray) -> float:
    """Cohen's d_z: mean / sd of the paired differences (0 if all are zero, +-inf if all are equal)."""
    sd = d.std(ddof=1) if d.size > 1 else 0.0
    if sd > 0:
        return float(d.mean() / sd)
    return 0.0 if d.mean() == 0 else math.copysign(math.inf, d.mean())


def wilcoxon_p(d: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value of paired differences (zeros split; 1 if all are zero)."""
    d = np.asarray(d, float)
    if d.size < 2 or np.all(d == 0):
        return 1.0
    return float(sps.wilcoxon(d, zero_method="zsplit", alternative="two-sided").pvalue)


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values (family-wise error over all tests)."""
    p = np.asarray(p, float)
    order = np.argsort(p)
    m = p.size
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * p[i])
        adj[i] = min(1.0, running)
    return adj


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n (sensible also at 0 and n)."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def slope(years: np.ndarray, values: np.ndarray) -> float:
    """Least-squares slope of values on years."""
    x = np.asarray(years, float) - np.mean(years)
    return float(x @ (np.asarray(values, float) - np.mean(values)) / (x @ x))


def slope_sd(years: np.ndarray, variances: np.ndarray) -> float:
    """Standard deviation of the least-squares slope when each value has its own (independent) variance."""
    x = np.asarray(years, float) - np.mean(years)
    w = x / (x @ x)
    return float(np.sqrt(w**2 @ np.asarray(variances, float)))
