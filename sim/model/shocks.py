"""Shocks: the exogenous schedule drawn before a run, and what each kind touches (docs/ODD.md §7.11).

Negative shocks act multiplicatively (trust -= m*s*trust), positive ones toward 1
(trust += m*s*(1 - trust)), with s the magnitude and m the kind's sensitivity (`shock_effects`).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from sim.model import streams
from sim.model.streams import Draws, monthly_table
from sim.params import ECONOMY, ENTRY_SCHEMAS, SECURITY, SOCIETY, TECHNOLOGY

if TYPE_CHECKING:
    from sim.model.model import RelationsModel

MAX_PER_MONTH = 4  # random events of one entry in one month beyond this are dropped (rate << 1)
COUNTRY_INDEX = {"KR": 0, "JP": 1}


@dataclass(frozen=True)
class Shock:
    """One event that hits the model at a month."""

    month: int
    kind: str
    magnitude: float
    actor: str = "none"
    issue: str = ""
    duration: int = 24
    strategy: str = ""
    origin: str = "scheduled"  # scheduled | random | endogenous

    def as_dict(self) -> dict:
        return asdict(self)


def magnitude_from_uniform(u: np.ndarray, dist: str, a: float, b: float, c: float = 0.5) -> np.ndarray:
    """Inverse-CDF magnitudes in [0, 1] from uniforms: fixed(a), uniform(a, b), beta(a, b),
    triangular(low=a, mode=c, high=b), lognormal(median=a, sigma=b) clipped to [0, 1]."""
    u = np.asarray(u, dtype=float)
    if dist == "fixed":
        out = np.full_like(u, a)
    elif dist == "uniform":
        out = a + (b - a) * u
    elif dist == "beta":
        out = special.betaincinv(a, b, u)
    elif dist == "triangular":
        lo, hi, mode = a, b, c
        fc = (mode - lo) / max(hi - lo, 1e-12)
        out = np.where(u < fc, lo + np.sqrt(u * (hi - lo) * (mode - lo)),
                       hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode)))
    elif dist == "lognormal":
        out = a * np.exp(b * np.sqrt(2.0) * special.erfinv(2.0 * u - 1.0))
    else:
        raise ValueError(f"unknown distribution {dist!r}")
    return np.clip(out, 0.0, 1.0)


EXOGENOUS_CACHE_SIZE = 32
_exogenous: OrderedDict[tuple, tuple[Shock, ...]] = OrderedDict()


def draw_exogenous(data: dict, seed: int, start: int, months: int) -> list[Shock]:
    """Scheduled shocks in [start, start+months) and the random exogenous ones, drawn before the run
    (remembered per process by the scenario's shock entries, seed and months, as every strategy of a
    comparison draws the same)."""
    key = (int(seed), int(start), int(months),
           json.dumps([data["shocks"], data["random_shocks"]], sort_keys=True, default=str))
    if key in _exogenous:
        _exogenous.move_to_end(key)
    else:
        _exogenous[key] = tuple(exogenous_shocks(data, seed, start, months))
        if len(_exogenous) > EXOGENOUS_CACHE_SIZE:
            _exogenous.popitem(last=False)
    return list(_exogenous[key])


def forget() -> None:
    """Forget the remembered exogenous schedules (and the random tables they come from)."""
    _exogenous.clear()
    streams.forget()


def exogenous_shocks(data: dict, seed: int, start: int, months: int) -> list[Shock]:
    """draw_exogenous without the memory."""
    out = [Shock(**{**{k: v.default for k, v in ENTRY_SCHEMAS["shocks"].items()}, **e}, origin="scheduled")
           for e in data["shocks"] if start <= e["month"] < start + months]
    defaults = {k: v.default for k, v in ENTRY_SCHEMAS["random_shocks"].items()}
    for i, entry in enumerate(data["random_shocks"]):
        e = {**defaults, **entry}
        table = monthly_table(seed, "exogenous", start, months, 1 + MAX_PER_MONTH, i,
                              draw=Draws(MAX_PER_MONTH, "poisson", float(e["rate"])))
        for i_month in np.flatnonzero(table[:, 0] >= 1.0).tolist():  # the months with at least one shock
            row = table[i_month]
            for j in range(min(int(row[0]), MAX_PER_MONTH)):
                mag = float(magnitude_from_uniform(row[1 + j], e["dist"], e["a"], e["b"], e["c"]))
                out.append(Shock(start + i_month, e["kind"], mag, e["actor"], e["issue"], e["duration"],
                                 origin="random"))
    out.sort(key=lambda s: (s.month, s.origin != "scheduled"))
    return out


def provocation_table(data: dict, seed: int, start: int, months: int) -> np.ndarray:
    """Pre-drawn provocation uniforms, shape (months, 2 actors, 3): occurrence, magnitude, issue."""
    cols = [monthly_table(seed, "provocation", start, months, 3, actor) for actor in range(2)]
    return np.stack(cols, axis=1) if months > 0 else np.empty((0, 2, 3))


PROVOCATION_ISSUES = {0: ("territory",), 1: ("shrine", "textbook", "territory")}
"""Issues a provocation by KR (0) or JP (1) raises, chosen with equal chance."""


# ---------------------------------------------------------------------------------------------
def apply(model: RelationsModel, s: Shock) -> None:
    """Apply one shock's effects to the model (see SHOCK_KINDS in sim.params for the summary)."""
    eff = model.data["shock_effects"]
    pop, govs = model.population, model.governments
    ymult = eff["youth_sensitivity"]
    actor = COUNTRY_INDEX.get(s.actor)
    other = None if actor is None else 1 - actor
    k, mag = s.kind, s.magnitude
    if k == "provocation":
        rows = pop.mask(other)
        pop.shock_trust(rows, eff[k]["trust"] * mag, False, ymult)
        pop.add_grievance(rows, eff[k]["grievance"] * mag * (1 + model.salience(other)))
        model.disputes.open_or_escalate(s.issue or "territory", other, mag, s.month)
    elif k == "court_ruling":
        court = 0 if actor is None else actor
        aggrieved = 1 - court
        pop.shock_trust(pop.mask(aggrieved), eff[k]["trust"] * mag, False, ymult)
        pop.add_grievance(pop.mask(court), eff[k]["grievance"] * mag * (1 + model.salience(court)))
        model.disputes.open_or_escalate(s.issue or "forced_labour", aggrieved, eff[k]["severity"] * mag, s.month)
    elif k == "us_china_escalation":
        model.tension += mag * (1.0 - model.tension)
    elif k == "us_china_deescalation":
        model.tension -= mag * model.tension
    elif k == "trade_coercion":
        pop.shock_trust(pop.mask(other), eff[k]["trust"] * mag, False, ymult)
        if s.origin != "endogenous":
            cut = eff[k]["offer_cut"] * mag
            govs[actor].offered[[ECONOMY, TECHNOLOGY]] *= 1.0 - cut
    elif k == "boycott":
        rows = pop.mask(actor)
        pop.exposure[rows] *= 1.0 - eff[k]["exposure"] * mag * pop.grievance[rows]
    elif k == "security_incident":
        pop.shock_trust(pop.mask(None), eff[k]["trust"] * mag, False, ymult)
        for g in govs:
            g.offered[SECURITY] *= 1.0 - eff[k]["offer_cut"] * mag
    elif k == "summit":
        pop.shock_trust(pop.mask(None), eff[k]["trust"] * mag, True)
        for g in govs:
            g.offered += eff[k]["offer_boost"] * mag * (1.0 - g.offered)
    elif k == "agreement":
        candidates = [d for d in model.disputes.open() if not s.issue or d.issue == s.issue]
        if candidates:
            model.disputes.settle(max(candidates, key=lambda d: d.severity), s.month)
        pop.shock_trust(pop.mask(None), eff[k]["trust"] * mag, True)
    elif k == "pandemic":
        model.contact_cap = 1.0 - mag
        model.pandemic_until = s.month + s.duration
        model.contact = min(model.contact, model.contact_cap)
    elif k == "disaster":
        pop.shock_trust(pop.mask(None), eff[k]["trust"] * mag, True)
        for g in govs:
            g.offered[SOCIETY] += eff[k]["offer_boost"] * mag * (1.0 - g.offered[SOCIETY])
    elif k == "leadership_change":
        govs[actor].replace_leader()
        if s.strategy:
            model.adopt(actor, s.strategy)
    elif k == "culture_wave":
        rows = pop.mask(other, youth_only=True)
        pop.shock_trust(rows, eff[k]["trust"] * mag, True)
        pop.exposure[rows] += eff[k]["exposure"] * mag * (1.0 - pop.exposure[rows])
    else:  # pragma: no cover - kinds are validated with the scenario
        raise ValueError(f"unknown shock kind {k!r}")
