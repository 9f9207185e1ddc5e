"""Scenario discovery with PRIM (Friedman & Fisher 1999, as in the EMA Workbench): which ranges of the uncertain
inputs make a strategy fail, as a readable box with its coverage (share of the cases of interest inside it),
density (share of the cases inside it that are of interest) and mass (share of all cases inside it).

`prim` takes the inputs (one numeric column per uncertain field, one row per case) and a boolean mark of the
cases of interest and returns a `PrimResult`: the peeling trajectory, the chosen box and its description in
words. `cases_of_interest` makes those inputs from a sweep's per-run summaries (one row per design point, y from
a rule such as "B clearly better than A" or "A's mean health below a threshold"); sim.present.figures.sa
(`plot_tradeoff`, `plot_box`) draws the result. Everything here is pure: data in, frames out, no runs, no figures.

Why not the EMA Workbench itself: `pip install ema_workbench` (2.5.3) pulls in scikit-learn, statsmodels,
seaborn, SALib, platypus-opt, multiprocess and ten more packages (~170 MB beyond our own dependencies), takes
about a minute, and `from ema_workbench.analysis import prim` needs 6-7 s and ~235 MB and warns about
ipyparallel. PRIM itself is short, so it is written here and tested against a planted box.

The algorithm: start from the box spanning the data; at each step, try peeling the lowest or the highest
`alpha` share of the cases still in the box on each dimension (on tied values, e.g. a sweep grid, the whole
extreme level) and keep the peel with the largest gain in density per case removed (EMA's default "lenient1"
objective); stop when no peel leaves at least `min_mass` of the cases or the box holds only cases of
interest. The chosen box is the one with the largest coverage whose density reaches `threshold`, or, without
a threshold, the one with the largest coverage x density: the knee of the trade-off where peeling stops buying
density cheaply. (The geometric knee, farthest from the chord joining the trajectory's ends, was tried and
dropped: on pure noise it picks a spurious box, and it is undefined when coverage stays 1; coverage x density
keeps the whole space on noise.) `paste=True` then widens the box again wherever that raises its density.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sim.analysis.comparison import paired_differences
from sim.errors import InputError
from sim.outcomes import DEFAULT_MARGIN, SATISFICING_THRESHOLD, higher_is_better

__all__ = ["PrimResult", "cases_of_interest", "prim"]

RULES = ("b_better", "a_better", "a_fails", "b_fails")


@dataclass(frozen=True)
class PrimResult:
    """A PRIM run: `trajectory` (step, coverage, density, mass, restricted_dims), the bounds at every step
    (`lows`, `highs`: steps x dimensions), the chosen `step` and `box`, and the data's ranges and base rate."""

    columns: list[str]
    trajectory: pd.DataFrame
    lows: np.ndarray
    highs: np.ndarray
    data_min: np.ndarray
    data_max: np.ndarray
    step: int
    box_low: np.ndarray
    box_high: np.ndarray
    coverage: float
    density: float
    mass: float
    base_rate: float

    @property
    def box(self) -> pd.DataFrame:
        """Per dimension: low, high, whether the box restricts it, and the data's min and max."""
        restricted = (self.box_low > self.data_min) | (self.box_high < self.data_max)
        return pd.DataFrame({"low": self.box_low, "high": self.box_high, "restricted": restricted,
                             "data_min": self.data_min, "data_max": self.data_max}, index=self.columns)

    @property
    def restricted(self) -> list[str]:
        """The dimensions the chosen box restricts."""
        return list(self.box.index[self.box["restricted"]])

    def inside(self, x: pd.DataFrame) -> np.ndarray:
        """Which rows of `x` (same columns) lie in the chosen box."""
        v = _inputs(x)[list(self.columns)].to_numpy(float)
        return ((v >= self.box_low) & (v <= self.box_high)).all(axis=1)

    def select(self, step: int) -> PrimResult:
        """The same result with the box of another step of the peeling trajectory chosen."""
        row = self.trajectory.iloc[step]
        return replace(self, step=int(step), box_low=self.lows[step], box_high=self.highs[step],
                       coverage=float(row["coverage"]), density=float(row["density"]), mass=float(row["mass"]))

    def describe(self) -> str:
        """The box in words: 'disputes.deterrence ≥ 3.2 and provocation.scale ≤ 1.4: coverage 81%, ...'."""
        parts = []
        for name, r in self.box[self.box["restricted"]].iterrows():
            name = str(name).removeprefix("sweep.")
            lo, hi = r["low"] > r["data_min"], r["high"] < r["data_max"]
            parts.append(f"{r['low']:.3g} ≤ {name} ≤ {r['high']:.3g}" if lo and hi else
                         f"{name} ≥ {r['low']:.3g}" if lo else f"{name} ≤ {r['high']:.3g}")
        where = " and ".join(parts) or "anywhere (no restriction)"
        return (f"{where}: coverage {self.coverage:.0%}, density {self.density:.0%}, {self.mass:.0%} of cases "
                f"(base rate {self.base_rate:.0%})")


def _inputs(x: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(x, pd.DataFrame) or x.shape[1] == 0 or len(x) == 0:
        raise InputError("PRIM needs a non-empty DataFrame of inputs", file="<prim>", given=type(x).__name__,
                         allowed="a DataFrame with at least one numeric column and one row")
    for c in x.columns:
        if not pd.api.types.is_numeric_dtype(x[c]):
            raise InputError(f"input column {c!r} is not numeric", file="<prim>", given=str(x[c].dtype),
                             allowed="numeric columns only (encode categories as numbers)")
        bad = ~np.isfinite(x[c].to_numpy(float))
        if bad.any():
            raise InputError(f"input column {c!r} has missing or infinite values", file="<prim>",
                             given=int(bad.sum()), allowed="finite numbers only")
    return x.astype(float)


def _peel(v: np.ndarray, y: np.ndarray, inbox: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float,
          min_n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The best single peel of the box (new mask, lows, highs), or None if none leaves min_n cases."""
    n, mean, best, best_gain = inbox.sum(), y[inbox].mean(), None, -np.inf
    for j in range(v.shape[1]):
        col = v[inbox, j]
        for side in ("low", "high"):
            q = np.quantile(col, alpha if side == "low" else 1 - alpha)
            drop = v[:, j] < q if side == "low" else v[:, j] > q
            if not (drop & inbox).any():  # ties: peel the whole extreme level
                drop = v[:, j] <= col.min() if side == "low" else v[:, j] >= col.max()
            keep = inbox & ~drop
            k = keep.sum()
            if k < min_n or k == n:
                continue
            gain = (y[keep].mean() - mean) / (n - k)
            if gain > best_gain:
                nlo, nhi = lo.copy(), hi.copy()
                if side == "low":
                    nlo[j] = v[keep, j].min()
                else:
                    nhi[j] = v[keep, j].max()
                best, best_gain = (keep, nlo, nhi), gain
    return best


def _paste(v: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float) -> tuple:
    """Widen the box, one dimension and side at a time, while that raises its density."""
    lo, hi = lo.copy(), hi.copy()
    while True:
        inbox = ((v >= lo) & (v <= hi)).all(axis=1)
        dens, step, best = y[inbox].mean(), max(1, int(alpha * inbox.sum())), None
        for j in range(v.shape[1]):
            others = np.delete((v >= lo) & (v <= hi), j, axis=1).all(axis=1)
            for side in ("low", "high"):
                out = others & (v[:, j] < lo[j] if side == "low" else v[:, j] > hi[j])
                if not out.any():
                    continue
                vals = np.sort(v[out, j])
                edge = vals[-min(step, len(vals))] if side == "low" else vals[min(step, len(vals)) - 1]
                nlo, nhi = lo.copy(), hi.copy()
                (nlo if side == "low" else nhi)[j] = edge
                d = y[((v >= nlo) & (v <= nhi)).all(axis=1)].mean()
                if d > dens:
                    best, dens = (nlo, nhi), d
        if best is None:
            return lo, hi
        lo, hi = best


def prim(x: pd.DataFrame, y, alpha: float = 0.05, min_mass: float = 0.05, threshold: float | None = None,
         paste: bool = False) -> PrimResult:
    """Peel a box around the cases of interest (y true) in the inputs x (numeric columns, one row per case).
    The chosen box has the largest coverage among those with density ≥ threshold (the densest if none
    reaches it), or without a threshold the one with the largest coverage x density; `paste` widens it."""
    xs = _inputs(x)
    yv = np.asarray(y)
    if yv.ndim != 1 or len(yv) != len(xs):
        raise InputError("y must have one value per row of x", file="<prim>", given=f"shape {yv.shape}",
                         allowed=f"{len(xs)} values")
    if yv.dtype != bool and not np.isin(yv, [0, 1]).all():
        raise InputError("y must be boolean (case of interest or not)", file="<prim>", given=str(yv.dtype),
                         allowed="bool or 0/1")
    yv = yv.astype(bool)
    if not yv.any() or yv.all():
        raise InputError(f"y marks {'no' if not yv.any() else 'every'} case as of interest: nothing to find",
                         file="<prim>", given=f"{int(yv.sum())} of {len(yv)}", allowed="some but not all")
    if not (0 < alpha < 0.5 and 0 < min_mass < 1):
        raise InputError("alpha must lie in (0, 0.5) and min_mass in (0, 1)", file="<prim>",
                         given=(alpha, min_mass), allowed="e.g. alpha=0.05, min_mass=0.05")
    v, yf = xs.to_numpy(float), yv.astype(float)
    dmin, dmax = v.min(axis=0), v.max(axis=0)
    inbox, lo, hi = np.ones(len(v), bool), dmin.copy(), dmax.copy()
    lows, highs, rows, min_n = [lo], [hi], [], max(1, int(np.ceil(min_mass * len(v))))
    while True:
        k = inbox.sum()
        rows.append({"step": len(rows), "coverage": yf[inbox].sum() / yf.sum(), "density": yf[inbox].mean(),
                     "mass": k / len(v), "restricted_dims": int(((lo > dmin) | (hi < dmax)).sum())})
        peel = None if yf[inbox].mean() == 1 else _peel(v, yf, inbox, lo, hi, alpha, min_n)
        if peel is None:
            break
        inbox, lo, hi = peel
        lows.append(lo)
        highs.append(hi)
    traj = pd.DataFrame(rows)
    cov, den = traj["coverage"].to_numpy(), traj["density"].to_numpy()
    if threshold is not None:
        ok = np.flatnonzero(den >= threshold)
        step = int(ok[0]) if len(ok) else int(np.argmax(den))
    else:  # the balance point of the trade-off
        step = int(np.argmax(cov * den))
    res = PrimResult(list(map(str, xs.columns)), traj, np.array(lows), np.array(highs), dmin, dmax, 0, lo, hi,
                     1.0, float(yf.mean()), 1.0, float(yf.mean())).select(step)
    if paste:
        plo, phi = _paste(v, yf, res.box_low, res.box_high, alpha)
        m = ((v >= plo) & (v <= phi)).all(axis=1)
        res = replace(res, box_low=plo, box_high=phi, coverage=float(yf[m].sum() / yf.sum()),
                      density=float(yf[m].mean()), mass=float(m.mean()))
    return res


def cases_of_interest(summaries: pd.DataFrame, a: str, b: str, outcome: str = "health_discounted",
                      rule: str = "b_better", margin: float = DEFAULT_MARGIN,
                      threshold: float = SATISFICING_THRESHOLD) -> pd.DataFrame:
    """One row per design point (scenario, point): its `sweep.<field>` values, the number of seeds run under
    both A and B, their mean outcome under each, the mean paired difference A − B, and `y`: b_better (B beats A
    by more than `margin` on average), a_better (the reverse), a_fails / b_fails (that strategy's mean outcome
    is worse than `threshold`). "Better" and "worse" follow the outcome's direction (sim.outcomes)."""
    if rule not in RULES:
        raise InputError(f"unknown rule {rule!r}", file="<cases_of_interest>", given=rule, allowed=", ".join(RULES))
    need = ["point", "strategy", "seed", outcome]
    missing = [c for c in need if c not in summaries.columns]
    axes = [c for c in summaries.columns if c.startswith("sweep.")]
    if missing or not axes:
        raise InputError("summaries lack the columns of a sweep", file="<cases_of_interest>",
                         given=missing or "no sweep.<field> columns", allowed=f"{need} and sweep.<field> columns")
    pdiff = paired_differences(summaries, outcome, a, b)
    keys = [c for c in ("scenario", "point") if c in pdiff.columns]
    per = pdiff.groupby(keys, sort=True).agg(n=("diff", "size"), mean_a=("a", "mean"), mean_b=("b", "mean"),
                                             diff=("diff", "mean")).reset_index()
    if not len(per):
        raise InputError(f"no seed was run under both {a!r} and {b!r}", file="<cases_of_interest>",
                         given=sorted(summaries["strategy"].unique()), allowed="paired runs")
    sign = 1.0 if higher_is_better(outcome) else -1.0  # +1 when higher is better
    y = {"b_better": sign * per["diff"] < -margin, "a_better": sign * per["diff"] > margin,
         "a_fails": sign * (per["mean_a"] - threshold) < 0, "b_fails": sign * (per["mean_b"] - threshold) < 0}[rule]
    cells = summaries.drop_duplicates(keys)[keys + axes]
    out = cells.merge(per.assign(y=y.to_numpy(bool)), on=keys, how="inner").reset_index(drop=True)
    out.attrs.update(a=a, b=b, outcome=outcome, rule=rule, axes=axes)
    return out
