"""Citizens of both countries as numpy arrays, updated vectorised each month (docs/ODD.md §7.1–§7.4).

Slots: KR citizens occupy rows [0, n_KR), JP citizens [n_KR, n). A slot keeps its citizen for that
citizen's whole life; when the oldest leaves, a new 18-year-old takes the slot (a new identity).
Within a country, slots sit on a ring ordered by age, so the ring lattice of the small-world network
ties people of similar age (youth mostly to youth), and the order survives turnover.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from scipy import sparse, special

from sim.model import kernels
from sim.params import COUNTRIES

YOUTH_AGE = 30.0
ENTRY_AGE = 18.0
N_GROUPS = 4  # group = 2*country + is_public: KR youth, KR public, JP youth, JP public

NO_TRAVEL = np.zeros(2)
"""No exposure added by travel (the default: travel.trend 0)."""
NETWORK_CACHE_SIZE = 2  # the runs of one burn-in come together (a batch task, a comparison's seed)
NETWORK_CACHE_MAX_BYTES = 16 * 2**20  # a larger network is not kept
_networks: OrderedDict[tuple, tuple] = OrderedDict()


def network_matrix(rows: np.ndarray, cols: np.ndarray, n: int, k: int) -> sparse.csr_matrix:
    """The row-normalised adjacency matrix of a network given by its edges (read-only; remembered for the same
    edge arrays, as every strategy warm-started from one burn-in state shares its network)."""
    key = (id(rows), id(cols), n, k)
    hit = _networks.get(key)
    if hit is not None and hit[0] is rows and hit[1] is cols:
        _networks.move_to_end(key)
        return hit[2]
    a = sparse.csr_matrix((np.full(rows.size, 1.0 / k), (rows, cols)), shape=(n, n))
    for arr in (a.data, a.indices, a.indptr):
        arr.setflags(write=False)
    if network_bytes(rows, cols, a) <= NETWORK_CACHE_MAX_BYTES:
        _networks[key] = (rows, cols, *kernel_index(a))
        while len(_networks) > NETWORK_CACHE_SIZE:
            _networks.popitem(last=False)
    return a


def network_bytes(rows: np.ndarray, cols: np.ndarray, a: sparse.csr_matrix) -> int:
    """Memory held by a remembered network (its edges, matrix and unsigned indices)."""
    return rows.nbytes + cols.nbytes + a.data.nbytes + a.indices.nbytes + a.indptr.nbytes \
        + 8 * (a.indices.size + a.indptr.size)


def lever_effect(lever: np.ndarray | float) -> np.ndarray | float:
    """Diminishing returns of a lever: 1 - exp(-3 * lever) (ODD §7.3)."""
    return 1.0 - np.exp(-3.0 * np.asarray(lever))


def poll_matched(u: np.ndarray, good: np.ndarray, bad: np.ndarray, good_threshold: float,
                 bad_threshold: float) -> np.ndarray:
    """Trust from uniforms u so that shares `bad` fall below bad_threshold and `good` above good_threshold:
    uniform within [0.02, bad_threshold), [bad_threshold, good_threshold] and (good_threshold, 0.98]."""
    neither = np.maximum(1.0 - good - bad, 0.0)
    lo = 0.02 + (bad_threshold - 0.02) * u / np.maximum(bad, 1e-12)
    mid = bad_threshold + (good_threshold - bad_threshold) * (u - bad) / np.maximum(neither, 1e-12)
    hi = good_threshold + (0.98 - good_threshold) * (u - bad - neither) / np.maximum(good, 1e-12)
    return np.where(u < bad, lo, np.where(u < bad + neither, mid, hi))


def kernel_index(a: sparse.csr_matrix) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """A network matrix with its row pointers and column indices as unsigned integers (what the compiled loop
    reads; those of a remembered network are remembered with it)."""
    for entry in _networks.values():
        if entry[2] is a:
            return entry[2:]
    return a, a.indptr.astype(np.uint64), a.indices.astype(np.uint64)


class Population:
    """State of every citizen in both countries, held as arrays (one row per slot)."""

    def __init__(self, data: dict, rng: np.random.Generator, network: bool = True) -> None:
        """network=False leaves the network to a saved state that restores it (rows, cols, then restored())."""
        self.p = p = data["citizens"]
        pops = [data["population"][c] for c in COUNTRIES]
        self.sizes = np.array([q["n_public"] + q["n_youth"] for q in pops])
        self.n = n = int(self.sizes.sum())
        self.offset = np.array([0, self.sizes[0]])
        self.country = np.repeat(np.arange(2), self.sizes).astype(np.int64)
        self.is_kr = self.country == 0
        self.youth_share = np.array([q["youth_share_adults"] for q in pops])
        # age ring: ages evenly spaced over [18, 18 + span) so turnover flows balance exactly
        self.span = np.array([12.0 * (q["n_public"] + q["n_youth"]) / q["n_youth"] for q in pops])
        self.exit_age = ENTRY_AGE + self.span[self.country]  # a citizen leaves at this age
        phase = rng.random(2)
        local = np.arange(n) - self.offset[self.country]
        self.age = ENTRY_AGE + self.span[self.country] * (local + phase[self.country]) / self.sizes[self.country]
        self.youth = self.age < YOUTH_AGE
        self.uid = np.arange(n, dtype=np.int64)
        self.next_uid = n
        # cohort levels of baselines: (country, youth?) -> mean
        self.g_level = np.array([[q["grievance_public"], q["grievance_youth"]] for q in pops])
        self.e_level = np.array([[q["exposure_public"], q["exposure_youth"]] for q in pops])
        t_level = np.array([[q["trust_init_public"], q["trust_init_youth"]] for q in pops])
        self.g_z = rng.standard_normal(n)
        self.e_z = rng.standard_normal(n)
        self._baselines(np.arange(n))
        self.grievance = self.g0.copy()
        self.exposure = self.e0.copy()
        z = rng.standard_normal(n)
        shares = np.array([[q["init_good"], q["init_bad"]] for q in pops])
        if (shares >= 0).all():  # matched to a poll: the same draws, through the shares' quantile function
            self.trust = poll_matched(special.ndtr(z), shares[self.country, 0], shares[self.country, 1],
                                      p["good_threshold"], p["bad_threshold"])
        else:
            self.trust = np.clip(t_level[self.country, self.youth.astype(int)] + p["trust_init_sd"] * z, 0.02, 0.98)
        self.anchor = self.trust.copy()
        self.kx = np.where(self.youth, p["kappa_contact_youth"], p["kappa_contact_public"])
        if network:
            self._build_network(rng)
        self._tie_count: np.ndarray | None = None
        self.tie_a = np.empty(0, dtype=np.int64)  # KR slot of each cross-border tie
        self.tie_b = np.empty(0, dtype=np.int64)  # JP slot
        self.boycott_i = np.zeros(n)
        self._kernel_buf: np.ndarray | None = None
        self._kernel_k: dict[tuple, tuple[np.ndarray, int]] = {}
        self._csr: tuple | None = None
        self._group_weight: list[float] | None = None
        self.group = 2 * self.country + (~self.youth)
        self._stat_rows = np.empty((len(self.STAT_NAMES), n))
        self._onehot = np.zeros((n, N_GROUPS))  # group indicator matrix, kept in step with `group`
        self._set_group(np.arange(n))

    def _set_group(self, idx: np.ndarray) -> None:
        self.group[idx] = 2 * self.country[idx] + (~self.youth[idx])
        self._onehot[idx] = 0.0
        self._onehot[idx, self.group[idx]] = 1.0

    # ---- set-up -----------------------------------------------------------------------------
    def _baselines(self, idx: np.ndarray) -> None:
        c, y = self.country[idx], self.youth[idx].astype(int)
        if not hasattr(self, "g0"):
            self.g0, self.e0 = np.empty(self.n), np.empty(self.n)
        self.g0[idx] = np.clip(self.g_level[c, y] + self.p["grievance_sd"] * self.g_z[idx], 0.01, 0.99)
        self.e0[idx] = np.clip(self.e_level[c, y] + self.p["exposure_sd"] * self.e_z[idx], 0.0, 1.0)

    def _build_network(self, rng: np.random.Generator) -> None:
        k, rewire = self.p["network_k"], self.p["network_rewire"]
        half = np.concatenate([np.arange(1, k // 2 + 1), -np.arange(1, k // 2 + 1)])
        rows, cols = [], []
        for ci in range(2):
            m, off = int(self.sizes[ci]), int(self.offset[ci])
            r = np.repeat(np.arange(m), k)
            cl = (r + np.tile(half, m)) % m
            flip = rng.random(m * k) < rewire
            cl[flip] = rng.integers(0, m, int(flip.sum()))
            same = cl == r
            cl[same] = (cl[same] + 1) % m
            rows.append(r + off)
            cols.append(cl + off)
        self.rows, self.cols = np.concatenate(rows), np.concatenate(cols)
        self.A = sparse.csr_matrix((np.full(self.rows.size, 1.0 / k), (self.rows, self.cols)),
                                   shape=(self.n, self.n))

    def restored(self) -> None:
        """Re-derive everything that follows from the restored state and this scenario's parameters."""
        self._baselines(np.arange(self.n))
        self.kx = np.where(self.youth, self.p["kappa_contact_youth"], self.p["kappa_contact_public"])
        self._set_group(np.arange(self.n))
        self.A = network_matrix(self.rows, self.cols, self.n, self.p["network_k"])

    # ---- monthly update -------------------------------------------------------------------
    def each(self, per_country: np.ndarray) -> np.ndarray:
        """A per-country value (KR, JP) for every citizen (slots are ordered by country)."""
        return np.repeat(per_country, self.sizes)

    def neighbour_mean(self) -> np.ndarray:
        """Mean trust of each citizen's neighbours (within bounded confidence if epsilon < 1)."""
        eps = self.p["bc_epsilon"]
        if eps >= 1.0:
            return self.A @ self.trust
        t = self.trust
        near = np.abs(t[self.cols] - t[self.rows]) < eps
        s = np.bincount(self.rows, weights=t[self.cols] * near, minlength=self.n)
        cnt = np.bincount(self.rows, weights=near, minlength=self.n)
        return np.where(cnt > 0, s / np.maximum(cnt, 1), t)

    def step(self, rng: np.random.Generator, benefit: np.ndarray, contact: float, boycott: np.ndarray,
             floor: np.ndarray, relief: np.ndarray, youth_gain: np.ndarray, tie_p: float,
             travel: np.ndarray = NO_TRAVEL) -> int:
        """One month of citizen dynamics; returns the number of citizens who left (turnover).

        benefit, boycott, floor, relief, youth_gain, travel: per-country arrays (KR, JP); travel is the exposure
        added to everyone by the growth of trips (ODD §7.3).
        """
        if kernels.ENABLED and self.p["bc_epsilon"] >= 1.0:
            self._step_compiled(rng, benefit, contact, boycott, floor, relief, youth_gain, travel)
        else:
            self._step_numpy(rng, benefit, contact, boycott, floor, relief, youth_gain, travel)
        if kernels.ENABLED:
            return self._turnover_compiled(rng, benefit, contact, tie_p)
        self._ties(rng, tie_p)
        self.age += 1.0 / 12.0
        grown = np.flatnonzero(self.youth & (self.age >= YOUTH_AGE))
        leave = np.flatnonzero(self.age >= self.exit_age)
        self._grow(grown)
        if leave.size:
            self._replace(leave, rng, benefit, contact)
        return int(leave.size)

    def _turnover_compiled(self, rng: np.random.Generator, benefit: np.ndarray, contact: float, tie_p: float) -> int:
        """Ties, ageing, growing up and replacement in compiled loops (sim.model.kernels): the same draws and
        numbers."""
        nk = int(self.sizes[0])
        a, b, changed, grown, leave = kernels.ties_and_age(
            self.tie_a, self.tie_b, self.youth, self.age, self.exit_age, rng.random((3, nk)), self.p["tie_dissolve"],
            tie_p, nk, YOUTH_AGE)
        if changed:
            self.tie_a, self.tie_b = a, b
        if grown.size or leave.size:
            self._renew_compiled(grown, leave, rng, benefit, contact)
        return int(leave.size)

    def _step_compiled(self, rng: np.random.Generator, benefit: np.ndarray, contact: float,
                       boycott: np.ndarray, floor: np.ndarray, relief: np.ndarray, youth_gain: np.ndarray,
                       travel: np.ndarray) -> None:
        """Trust, grievance, exposure and anchor in one compiled loop (sim.model.kernels): the same numbers."""
        if self._kernel_buf is None:
            self._kernel_buf = np.empty(self.n)
        if self._csr is None or self._csr[0] is not self.A:  # unsigned indices: no wraparound checks
            self._csr = kernel_index(self.A)
        k = self._kernel_params(kernels.KERNEL_PARAMS, contact)
        kernels.citizen_month(self.trust, self.grievance, self.exposure, self.anchor, self.age, self.youth,
                              self.kx, self.g0, self.e0, self.tie_counts(), self.boycott_i, self._kernel_buf,
                              self.sizes, self._csr[1], self._csr[2], self.A.data, rng.standard_normal(self.n),
                              np.asarray(benefit, float), np.asarray(relief, float), np.asarray(floor, float),
                              np.asarray(youth_gain, float), np.asarray(boycott, float), np.asarray(travel, float),
                              k)

    def _kernel_params(self, names: tuple, contact: float) -> np.ndarray:
        """The parameters a compiled loop reads, in the order of `names` (None: this month's contact); the array
        is made once per list of names (the citizens' parameters do not change during a run)."""
        entry = self._kernel_k.get(names)
        if entry is None:
            entry = self._kernel_k[names] = (np.array([0.0 if n is None else self.p[n] for n in names], dtype=float),
                                             names.index(None))
        entry[0][entry[1]] = contact
        return entry[0]

    def _step_numpy(self, rng: np.random.Generator, benefit: np.ndarray, contact: float, boycott: np.ndarray,
                    floor: np.ndarray, relief: np.ndarray, youth_gain: np.ndarray, travel: np.ndarray) -> None:
        """Trust, grievance, exposure and anchor, vectorised over the citizens."""
        p, t = self.p, self.trust
        each = self.each
        contact_target = p["contact_base"] + p["contact_gain"] * self.exposure * contact
        astr = p["anchor_strength_young"] + (p["anchor_strength_old"] - p["anchor_strength_young"]) * \
            np.minimum((self.age - ENTRY_AGE) / 60.0, 1.0)
        dt = (p["kappa_social"] * (self.neighbour_mean() - t)
              + p["kappa_anchor"] * astr * (self.anchor - t)
              + p["kappa_benefit"] * (each(benefit) - t)
              + self.kx * (contact_target - t)
              - p["kappa_grievance"] * self.grievance * t)
        dt += p["noise"] * np.sqrt(t * (1.0 - t)) * rng.standard_normal(self.n)
        t += dt
        np.minimum(np.maximum(t, 1e-4, out=t), 1 - 1e-4, out=t)
        g = self.grievance
        g += p["grievance_relax"] * (self.g0 - g) - each(relief) * np.maximum(g - self.g0, 0.0)
        np.maximum(g, each(floor), out=g)
        np.minimum(g, 1.0, out=g)  # g >= floor >= 0 already
        # exposure: baseline + youth exchange + travel + cross-border ties, cut by boycotts
        target = np.minimum(self.e0 + each(youth_gain) * self.youth + each(travel) + p["tie_gain"] * self.tie_counts(),
                            1.0)
        self.boycott_i = each(boycott) * g
        target *= 1.0 - self.boycott_i
        self.exposure += p["exposure_relax"] * (target - self.exposure)
        self.anchor += p["anchor_rate"] * (t - self.anchor)

    # ties: KR slot (tie_a) and JP slot (tie_b) of each cross-border tie; setting either recounts the ties
    tie_a = property(lambda s: s._tie_a, lambda s, v: s._set_ties("_tie_a", v))
    tie_b = property(lambda s: s._tie_b, lambda s, v: s._set_ties("_tie_b", v))

    def _set_ties(self, name: str, value: np.ndarray) -> None:
        setattr(self, name, value)
        self._tie_count = None

    def tie_counts(self) -> np.ndarray:
        """Cross-border ties per citizen, counted up to 3 (recounted only after the ties change)."""
        if self._tie_count is None and kernels.ENABLED:
            self._tie_count = kernels.count_ties(self.tie_a, self.tie_b, self.n, 3)
        elif self._tie_count is None:
            self._tie_count = np.minimum(np.bincount(self.tie_a, minlength=self.n)
                                         + np.bincount(self.tie_b, minlength=self.n), 3)
        return self._tie_count

    def _ties(self, rng: np.random.Generator, tie_p: float) -> None:
        nk = int(self.sizes[0])
        form, partner, dissolve = rng.random((3, nk))  # the same numbers as three draws of nk
        if self.tie_a.size:
            keep = dissolve[self.tie_a] >= self.p["tie_dissolve"]
            if not keep.all():
                self.tie_a, self.tie_b = self.tie_a[keep], self.tie_b[keep]
        new = np.flatnonzero((form < tie_p) & self.youth[:nk])
        jp_youth = np.flatnonzero(self.youth[nk:]) + nk
        if new.size and jp_youth.size:
            self.tie_a = np.concatenate([self.tie_a, new])
            self.tie_b = np.concatenate([self.tie_b, jp_youth[(partner[new] * jp_youth.size).astype(int)]])

    def _renew_compiled(self, grown: np.ndarray, leave: np.ndarray, rng: np.random.Generator, benefit: np.ndarray,
                        contact: float) -> None:
        """_grow and _replace in one compiled loop (sim.model.kernels.renew): the same draws and numbers."""
        # the three draws of _replace in one call (the same numbers in the same order)
        z = rng.standard_normal(3 * leave.size).reshape(3, leave.size) if leave.size else np.empty((3, 0))
        k = self._kernel_params(kernels.RENEW_PARAMS, contact)
        a, b, changed = kernels.renew(grown, leave, self.country, self.youth, self.age, self.span, self.uid,
                                      self.next_uid, self.trust, self.anchor, self.grievance, self.exposure,
                                      self.kx, self.g0, self.e0, self.g_z, self.e_z, self.g_level, self.e_level,
                                      self.group, self._onehot, z, np.asarray(benefit, float), self.tie_a,
                                      self.tie_b, k)
        self.next_uid += leave.size
        if changed:
            self.tie_a, self.tie_b = a, b

    def _grow(self, grown: np.ndarray) -> None:
        """Citizens who turned 30 join the public (the ages were advanced by a month)."""
        if grown.size:  # critical years: attitude at 30 becomes the anchor (Schuman & Scott 1989)
            self.youth[grown] = False
            self.anchor[grown] = self.trust[grown]
            self._baselines(grown)
            self.kx[grown] = self.p["kappa_contact_public"]
            self._set_group(grown)

    def _replace(self, idx: np.ndarray, rng: np.random.Generator, benefit: np.ndarray, contact: float) -> None:
        p, c = self.p, self.country[idx]
        self.age[idx] -= self.span[c]
        self.youth[idx] = True
        self._set_group(idx)
        self.kx[idx] = p["kappa_contact_youth"]
        self.uid[idx] = np.arange(self.next_uid, self.next_uid + idx.size)
        self.next_uid += idx.size
        self.g_z[idx], self.e_z[idx] = rng.standard_normal(idx.size), rng.standard_normal(idx.size)
        self._baselines(idx)
        self.grievance[idx] = self.g0[idx]
        self.exposure[idx] = self.e0[idx]
        env = 0.5 * benefit[c] + 0.5 * (p["contact_base"] + p["contact_gain"] * self.exposure[idx] * contact)
        self.trust[idx] = np.clip(env + p["entrant_noise"] * rng.standard_normal(idx.size), 0.02, 0.98)
        self.anchor[idx] = self.trust[idx]
        leaving = np.zeros(self.n, bool)
        leaving[idx] = True
        gone = leaving[self.tie_a] | leaving[self.tie_b]
        if gone.any():
            self.tie_a, self.tie_b = self.tie_a[~gone], self.tie_b[~gone]

    # ---- shocks -----------------------------------------------------------------------------
    def mask(self, country: int | None, youth_only: bool = False) -> np.ndarray | slice:
        """Rows of a country (None: both): a slice, as each country's citizens are contiguous; youth only: a
        boolean mask."""
        if country is None:
            sel = slice(0, self.n)
        else:
            start = int(self.offset[country])
            sel = slice(start, start + int(self.sizes[country]))
        if not youth_only:
            return sel
        out = np.zeros(self.n, bool)
        out[sel] = self.youth[sel]
        return out

    def shock_trust(self, rows: np.ndarray, amount: float, positive: bool, youth_mult: float = 1.0) -> None:
        """Multiplicative trust shock: down by amount*trust, or up by amount*(1 - trust)."""
        m = np.where(self.youth[rows], youth_mult, 1.0) * amount if not positive else amount
        t = self.trust
        if positive:
            t[rows] += np.minimum(m, 1.0) * (1.0 - t[rows])
        else:
            t[rows] -= np.minimum(m, 1.0) * t[rows]

    def add_grievance(self, rows: np.ndarray, amount: float) -> None:
        g = self.grievance
        g[rows] += min(amount, 1.0) * (1.0 - g[rows])

    # ---- aggregates ---------------------------------------------------------------------------
    STAT_NAMES = ("n", "trust", "trust2", "good", "bad", "grievance", "low_grievance", "exposure", "visits")

    def stats(self, good: float, bad: float, g_threshold: float) -> dict[str, np.ndarray]:
        """Per-group (KR youth, KR public, JP youth, JP public) sums and counts for outputs."""
        return dict(zip(self.STAT_NAMES, self.sums(good, bad, g_threshold), strict=True))

    def sums(self, good: float, bad: float, g_threshold: float) -> np.ndarray:
        """stats() as one matrix (rows STAT_NAMES, columns the groups)."""
        t, g, v = self.trust, self.grievance, self._stat_rows
        if kernels.ENABLED:
            kernels.fill_stats(v, t, g, self.exposure, self.boycott_i, good, bad, g_threshold)
            return v @ self._onehot
        v[0] = 1.0
        v[1] = t
        np.multiply(t, t, out=v[2])
        np.greater(t, good, out=v[3])
        np.less(t, bad, out=v[4])
        v[5] = g
        np.less(g, g_threshold, out=v[6])
        v[7] = self.exposure
        np.multiply(self.exposure, 1.0 - self.boycott_i, out=v[8])
        return v @ self._onehot

    def weights(self, counts: np.ndarray) -> np.ndarray:
        """Population weight of each group's mean: youth share of adults within each country (0 for an empty
        group)."""
        return np.where(counts > 0, self.group_weight(), 0.0)

    def group_weight(self) -> list[float]:
        """The youth share of adults, and the rest, of each country (KR youth, KR public, JP youth, JP public)."""
        if self._group_weight is None:
            ys = self.youth_share
            self._group_weight = [float(ys[0]), float(1 - ys[0]), float(ys[1]), float(1 - ys[1])]
        return self._group_weight
