"""The citizens' monthly update as one compiled loop (numba), when numba is installed.

An optional speed-up of `Population.step` (docs/ODD.md §7.1): the same floating-point operations in the same
order as the vectorised numpy code, so both paths give the same numbers bit for bit (tests/test_kernels.py).
Without numba, or with `ENABLED = False` (environment variable SIM_KERNEL=numpy), the numpy path runs.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable

import numpy as np

AVAILABLE = importlib.util.find_spec("numba") is not None
"""numba is installed (it is imported only when a compiled loop first runs, so a process that runs no model,
such as the parent of a batch, does not load it)."""
ENABLED = AVAILABLE and os.environ.get("SIM_KERNEL", "").lower() != "numpy"
"""The compiled loop is used (set False to force the numpy path)."""


def citizen_month(trust: np.ndarray, grievance: np.ndarray, exposure: np.ndarray, anchor: np.ndarray,
                  age: np.ndarray, youth: np.ndarray, kx: np.ndarray, g0: np.ndarray, e0: np.ndarray,
                  ties: np.ndarray, boycott_i: np.ndarray, dt: np.ndarray, sizes: np.ndarray,
                  indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray, z: np.ndarray,
                  benefit: np.ndarray, relief: np.ndarray, floor: np.ndarray, youth_gain: np.ndarray,
                  boycott: np.ndarray, travel: np.ndarray, k: np.ndarray) -> None:
    """One month of trust (social influence over the network rows, anchor, benefit, contact, grievance,
    noise), grievance, exposure and anchor for every citizen, in place. k: the parameters in the order of
    KERNEL_PARAMS; dt: a work array of the citizens' length."""
    (k_social, k_anchor, k_benefit, k_grievance, noise, a_young, a_old, c_base, c_gain, contact,
     g_relax, t_gain, e_relax, a_rate) = k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8], k[9], \
        k[10], k[11], k[12], k[13]
    n = trust.shape[0]
    a_span = a_old - a_young
    nkr = sizes[0]
    for i in range(n):  # the change of trust, from everyone's trust of last month
        t = trust[i]
        c = 0 if i < nkr else 1
        s = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            s += weights[jj] * trust[indices[jj]]
        astr = a_young + a_span * min((age[i] - 18.0) / 60.0, 1.0)
        ct = c_base + c_gain * exposure[i] * contact
        d = (k_social * (s - t) + k_anchor * astr * (anchor[i] - t) + k_benefit * (benefit[c] - t)
             + kx[i] * (ct - t) - k_grievance * grievance[i] * t)
        d += noise * np.sqrt(t * (1.0 - t)) * z[i]
        dt[i] = d
    for i in range(n):
        c = 0 if i < nkr else 1
        t = trust[i] + dt[i]
        t = min(max(t, 1e-4), 1 - 1e-4)
        trust[i] = t
        g = grievance[i]
        g0i = g0[i]
        g = g + (g_relax * (g0i - g) - relief[c] * max(g - g0i, 0.0))
        g = min(max(g, floor[c]), 1.0)
        grievance[i] = g
        y = youth_gain[c] if youth[i] else 0.0
        target = min(e0[i] + y + travel[c] + t_gain * ties[i], 1.0)
        b = boycott[c] * g
        boycott_i[i] = b
        target *= 1.0 - b
        exposure[i] += e_relax * (target - exposure[i])
        anchor[i] += a_rate * (t - anchor[i])


def ties_and_age(tie_a: np.ndarray, tie_b: np.ndarray, youth: np.ndarray, age: np.ndarray,
                 exit_age: np.ndarray, draws: np.ndarray, dissolve_p: float, tie_p: float, nk: int,
                 youth_age: float) -> tuple[np.ndarray, np.ndarray, bool, np.ndarray, np.ndarray]:
    """Cross-border ties dissolve (uniform draws[2] of the KR end below dissolve_p) and form (KR youth whose
    draws[0] is below tie_p, each with the JP youth that draws[1] picks); then everyone ages a month.
    Returns the ties (KR ends, JP ends), whether they changed, the slots that turned 30 and the slots
    whose citizens leave (youth until `youth_age`)."""
    form, partner, dissolve = draws[0], draws[1], draws[2]
    n = youth.shape[0]
    kept = 0
    for j in range(tie_a.shape[0]):
        if dissolve[tie_a[j]] >= dissolve_p:
            kept += 1
    m = 0
    for i in range(nk, n):
        if youth[i]:
            m += 1
    jp = np.empty(m, np.int64)
    m = 0
    for i in range(nk, n):
        if youth[i]:
            jp[m] = i
            m += 1
    new = 0
    if m > 0:
        for i in range(nk):
            if form[i] < tie_p and youth[i]:
                new += 1
    out_a, out_b = np.empty(kept + new, np.int64), np.empty(kept + new, np.int64)
    j2 = 0
    for j in range(tie_a.shape[0]):
        if dissolve[tie_a[j]] >= dissolve_p:
            out_a[j2], out_b[j2] = tie_a[j], tie_b[j]
            j2 += 1
    if new > 0:
        for i in range(nk):
            if form[i] < tie_p and youth[i]:
                out_a[j2], out_b[j2] = i, jp[int(partner[i] * m)]
                j2 += 1
    changed = kept < tie_a.shape[0] or new > 0
    step = 1.0 / 12.0
    n_grown = n_leave = 0
    for i in range(n):
        age[i] += step
        if youth[i] and age[i] >= youth_age:
            n_grown += 1
        if age[i] >= exit_age[i]:
            n_leave += 1
    grown, leave = np.empty(n_grown, np.int64), np.empty(n_leave, np.int64)
    n_grown = n_leave = 0
    for i in range(n):
        if youth[i] and age[i] >= youth_age:
            grown[n_grown] = i
            n_grown += 1
        if age[i] >= exit_age[i]:
            leave[n_leave] = i
            n_leave += 1
    return out_a, out_b, changed, grown, leave


def renew(grown: np.ndarray, leave: np.ndarray, country: np.ndarray, youth: np.ndarray, age: np.ndarray,
          span: np.ndarray, uid: np.ndarray, next_uid: int, trust: np.ndarray, anchor: np.ndarray,
          grievance: np.ndarray, exposure: np.ndarray, kx: np.ndarray, g0: np.ndarray, e0: np.ndarray,
          g_z: np.ndarray, e_z: np.ndarray, g_level: np.ndarray, e_level: np.ndarray, group: np.ndarray,
          onehot: np.ndarray, z: np.ndarray, benefit: np.ndarray, tie_a: np.ndarray, tie_b: np.ndarray,
          k: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Citizens who turned 30 join the public (their trust becomes their anchor); those who leave are replaced
    by 18-year-olds (new baselines from z[0] and z[1], trust from their environment and z[2]), and their
    cross-border ties end. k: the parameters in the order of RENEW_PARAMS. Returns the ties and whether they
    changed."""
    g_sd, e_sd, kx_public, kx_youth, c_base, c_gain, contact, noise = k[0], k[1], k[2], k[3], k[4], k[5], \
        k[6], k[7]
    for i in grown:
        youth[i] = False
        anchor[i] = trust[i]
        kx[i] = kx_public
    for j in range(leave.shape[0]):
        i = leave[j]
        c = country[i]
        age[i] -= span[c]
        youth[i] = True
        kx[i] = kx_youth
        uid[i] = next_uid + j
        g_z[i], e_z[i] = z[0, j], z[1, j]
    for part in (grown, leave):
        for i in part:
            c, y = country[i], 1 if youth[i] else 0
            g0[i] = min(max(g_level[c, y] + g_sd * g_z[i], 0.01), 0.99)
            e0[i] = min(max(e_level[c, y] + e_sd * e_z[i], 0.0), 1.0)
            gr = 2 * c + (1 - y)
            group[i] = gr
            onehot[i, :] = 0.0
            onehot[i, gr] = 1.0
    for j in range(leave.shape[0]):
        i = leave[j]
        c = country[i]
        grievance[i] = g0[i]
        exposure[i] = e0[i]
        env = 0.5 * benefit[c] + 0.5 * (c_base + c_gain * exposure[i] * contact)
        trust[i] = min(max(env + noise * z[2, j], 0.02), 0.98)
        anchor[i] = trust[i]
    if leave.shape[0] == 0:
        return tie_a, tie_b, False
    leaving = np.zeros(youth.shape[0], np.bool_)
    for i in leave:
        leaving[i] = True
    kept = 0
    for j in range(tie_a.shape[0]):
        if not (leaving[tie_a[j]] or leaving[tie_b[j]]):
            kept += 1
    if kept == tie_a.shape[0]:
        return tie_a, tie_b, False
    out_a, out_b = np.empty(kept, np.int64), np.empty(kept, np.int64)
    kept = 0
    for j in range(tie_a.shape[0]):
        if not (leaving[tie_a[j]] or leaving[tie_b[j]]):
            out_a[kept], out_b[kept] = tie_a[j], tie_b[j]
            kept += 1
    return out_a, out_b, True


RENEW_PARAMS = ("grievance_sd", "exposure_sd", "kappa_contact_public", "kappa_contact_youth", "contact_base",
                "contact_gain", None, "entrant_noise")
"""Citizen parameters in the order `renew` reads them (None: this month's contact)."""


def count_ties(tie_a: np.ndarray, tie_b: np.ndarray, n: int, cap: int) -> np.ndarray:
    """Cross-border ties per citizen (either end), counted up to `cap`."""
    out = np.zeros(n, np.int64)
    for j in range(tie_a.shape[0]):
        out[tie_a[j]] += 1
        out[tie_b[j]] += 1
    for i in range(n):
        out[i] = min(out[i], cap)
    return out


def fill_stats(v: np.ndarray, trust: np.ndarray, grievance: np.ndarray, exposure: np.ndarray,
               boycott_i: np.ndarray, good: float, bad: float, g_threshold: float) -> None:
    """The rows of Population.STAT_NAMES per citizen (1, trust, trust², good?, bad?, grievance, low grievance?,
    exposure, visits), in place."""
    for i in range(trust.shape[0]):
        t, g, e = trust[i], grievance[i], exposure[i]
        v[0, i] = 1.0
        v[1, i] = t
        v[2, i] = t * t
        v[3, i] = 1.0 if t > good else 0.0
        v[4, i] = 1.0 if t < bad else 0.0
        v[5, i] = g
        v[6, i] = 1.0 if g < g_threshold else 0.0
        v[7, i] = e
        v[8, i] = e * (1.0 - boycott_i[i])


KERNEL_PARAMS = ("kappa_social", "kappa_anchor", "kappa_benefit", "kappa_grievance", "noise",
                 "anchor_strength_young", "anchor_strength_old", "contact_base", "contact_gain", None,
                 "grievance_relax", "tie_gain", "exposure_relax", "anchor_rate")
"""Citizen parameters in the order `citizen_month` reads them (None: this month's contact)."""


def compiled_on_first_call(py_func: Callable) -> Callable:
    """py_func compiled with numba (cached on disk) the first time it is called; from then on this module's
    name for it is the compiled function itself, so later calls through `kernels.NAME` skip this wrapper."""
    jitted: list[Callable] = []

    @functools.wraps(py_func)
    def call(*args):  # noqa: ANN202 - the signature of py_func
        if not jitted:
            import numba

            jitted.append(numba.njit(cache=True, nogil=True)(py_func))
            if globals().get(py_func.__name__) is call:  # not if someone has wrapped it in the meantime
                globals()[py_func.__name__] = jitted[0]
        return jitted[0](*args)

    call.py_func = py_func
    return call


if AVAILABLE:
    citizen_month = compiled_on_first_call(citizen_month)
    ties_and_age = compiled_on_first_call(ties_and_age)
    fill_stats = compiled_on_first_call(fill_stats)
    renew = compiled_on_first_call(renew)
    count_ties = compiled_on_first_call(count_ties)
