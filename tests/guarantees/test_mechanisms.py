"""Each named mechanism does what its name says (issue 8): credibility is earned, deterrence is monotone,
the standoff order favours no side, US pressure falls on the escalator, boycotts reach the economy,
security cooperation reaches the publics, the lever budget binds, and the burn-in runs the background
regime. Quick tests use the pinned parameters; the statistical ones are marked slow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import RelationsModel, run
from sim.analysis.stats import bootstrap_ci
from sim.model.disputes import Dispute
from sim.studies.compare import run_comparison
from tests.helpers import BUNDLED, bundled_on_pinned, pinned_scenario

BASELINE = BUNDLED[[s.stem for s in BUNDLED].index("baseline")]


def test_deterrence_does_not_touch_a_strategy_that_never_links(tiny_scenario):
    """Credibility is earned by linking: two-track has none, so deterrence strength changes nothing of it."""
    for seed in (0, 1):
        runs = [run(tiny_scenario.with_overrides(**{"disputes.deterrence": d}), "two_track", seed)
                for d in (0.0, 8.0)]
        pd.testing.assert_frame_equal(runs[0].monthly, runs[1].monthly)
        assert (runs[0].monthly["credibility_KR"] == 0).all() and (runs[0].monthly["credibility_JP"] == 0).all()


def test_credibility_moves_only_with_the_outcome_of_own_standoffs(tiny_scenario):
    """Under linked, a country's credibility starts at none and changes only in months where one of its own
    standoffs ended: up when the target conceded, down when it backed down."""
    moved = 0
    for seed in range(4):
        r = run(tiny_scenario, "linked", seed)
        ev = r.events
        for c in ("KR", "JP"):
            cred = np.concatenate([[0.0], r.monthly[f"credibility_{c}"].to_numpy()])
            own = ev[(ev["actor"] == c) & ev["event"].isin(["target_conceded", "linker_backed_down"])]
            for month, step in enumerate(np.diff(cred)):
                outcomes = set(own.loc[own["month"] == month, "event"])
                if step > 1e-12:
                    assert "target_conceded" in outcomes, (seed, c, month)
                elif step < -1e-12:
                    assert "linker_backed_down" in outcomes, (seed, c, month)
                else:
                    assert not outcomes or cred[month] in (0.0, 1.0), (seed, c, month, outcomes)
                moved += abs(step) > 1e-12
    assert moved > 0, "no standoff outcome in four eventful runs: the test checks nothing"


def _standoff_model(u_target: float, u_linker: float, h: float) -> tuple[RelationsModel, Dispute]:
    model = RelationsModel(pinned_scenario(horizon=3, burn_in=0, **{"provocation.rate.KR": 0.0,
                                                           "provocation.rate.JP": 0.0}), "linked", 0)
    d = Dispute(0, "territory", 0, 0.6, 0, peak=0.6, linker=0, mode="coercive", standoff=True, fields=[1])
    model.disputes.items = [d]
    model.disputes.draw = lambda dd, month, col: {0: u_target, 1: u_linker}[col]  # CONCEDE, LINKER_BACKS_DOWN
    model.disputes.hazard = lambda country, months, dd: h
    return model, d


@pytest.mark.parametrize("u_target,u_linker,conceded", [(0.05, 0.10, True), (0.10, 0.05, False),
                                                        (0.05, 0.50, True), (0.50, 0.05, False)])
def test_standoff_order_favours_neither_side(u_target, u_linker, conceded):
    """When both sides would give in the same month, the earlier arrival wins, whichever side it is."""
    model, d = _standoff_model(u_target, u_linker, h=0.2)
    model.disputes.step(0)
    assert (d.status == "settled") is conceded
    assert d.linker_backed_down is (not conceded)


def test_us_pressure_falls_on_the_escalator_only():
    """The linker's back-down hazard rises with US pressure; the target's (not counter-linking) does not."""
    model = RelationsModel(pinned_scenario(horizon=3, burn_in=0), "kr=linked,jp=two_track", 0)
    d = Dispute(0, "territory", 0, 0.6, 0, peak=0.6, linker=0, mode="coercive", standoff=True, fields=[1])
    hz = {}
    for p in (0.0, 1.0):
        model.us_pressure = p
        hz[p] = (model.disputes.hazard(0, 3, d), model.disputes.hazard(1, 3, d))
    assert hz[1.0][0] > hz[0.0][0]
    assert hz[1.0][1] == hz[0.0][1]
    d.counter = True
    assert model.disputes.hazard(1, 3, d) > hz[0.0][1]


def test_boycotts_cut_the_economy_as_felt():
    """During a standoff with boycotts the visits fall, and the economy field as felt falls by
    tourism_share times the share of visits lost; without a standoff nothing is lost."""
    scen = pinned_scenario(horizon=24, burn_in=0, disputes_initial=[{"issue": "territory", "aggrieved": "KR",
                                                            "severity": 0.9}])
    model = RelationsModel(scen, "linked", 0)
    assert not model.disputes.standoff_active()  # the state at month 0 is the burn-in's, for every strategy
    model.step()
    assert model.disputes.standoff_active()  # the linker takes up the open dispute in the first month
    model.step()
    assert model.visit_loss > 0.01
    felt = model.felt_cooperation()
    share = scen.data["citizens"]["tourism_share"]
    assert felt[1] == pytest.approx(model.realised[1] * (1 - share * model.visit_loss))
    assert np.array_equal(felt[[0, 2, 3]], model.realised[[0, 2, 3]])
    quiet = RelationsModel(pinned_scenario(horizon=3, burn_in=0), "two_track", 0)
    quiet.step()
    assert quiet.visit_loss == 0.0


def test_tourism_share_changes_outcomes_of_a_linked_run(tiny_scenario):
    """The economic cost of the visitor fall is not inert: switching it off changes linked's trust and health."""
    a = run(tiny_scenario, "linked", 3, keep_model=False).summary
    b = run(tiny_scenario.with_overrides(**{"citizens.tourism_share": 0.0}), "linked", 3, keep_model=False).summary
    assert b["health_discounted"] != a["health_discounted"]
    assert b["trust_KR_discounted"] != a["trust_KR_discounted"]


def test_security_cooperation_reaches_the_publics_under_tension():
    """The benefit target rises with realised security and technology cooperation, in proportion to tension."""
    model = RelationsModel(pinned_scenario(horizon=3, burn_in=0), "two_track", 0)
    comm = np.zeros(2)
    gain = model.data["citizens"]["security_benefit_gain"]
    assert gain > 0
    model.tension = 0.5
    base = model.public_benefit(comm)
    model.realised = model.realised.copy()
    model.realised[[0, 3]] += 0.1
    assert model.public_benefit(comm) == pytest.approx(base + gain * 0.5 * 0.1)
    model.tension = 0.0
    low = model.public_benefit(comm)
    model.realised[[0, 3]] -= 0.1
    assert model.public_benefit(comm) == pytest.approx(low)


def test_exchange_and_communication_share_a_budget():
    """At the defaults the two levers draw on one budget: more exchange means less communication."""
    model = RelationsModel(pinned_scenario(horizon=3, burn_in=0), "two_track", 0)
    budget = model.data["government"]["lever_budget"]
    assert budget > 0
    gv = model.governments[0]
    gv.set_levers({**gv.levers, "youth_exchange": 0.9, "public_communication": 0.3})
    assert gv.levers["youth_exchange"] + gv.levers["public_communication"] == pytest.approx(budget)
    assert gv.levers["public_communication"] < 0.3


def test_burn_in_runs_the_background_regime_and_leaves_no_events():
    """With shocks in the burn-in, the regime's issues have a past and month 0 starts at tension_init; the
    event log and the exogenous schedule start at month 0; a shock-free burn-in leaves no dispute."""
    scen = bundled_on_pinned(BASELINE, burn_in=120, horizon=12)
    model = RelationsModel(scen, "two_track", 0)
    assert {(d.issue, d.aggrieved) for d in model.disputes.items} >= set(model.regime_issues())
    assert model.tension == scen.data["environment"]["tension_init"]
    assert not model.events and all(s.month >= 0 for s in model.exogenous)
    quiet = RelationsModel(scen.with_overrides(burn_in_shocks=False), "two_track", 0)
    assert not quiet.disputes.items
    assert not np.array_equal(quiet.population.trust, model.population.trust)


@pytest.mark.slow
def test_deterrence_is_monotone_for_linked():
    """Provocations fall, and linked's health rises, as deterrence grows (paired seeds); two-track's are equal."""
    seeds = list(range(30))
    scen = bundled_on_pinned(BASELINE, **{"provocation.scale": 5.0})
    df = run_comparison([scen.with_overrides(name=f"d{d:g}", **{"disputes.deterrence": d}) for d in (0.0, 4.0, 8.0)],
                        ["two_track", "linked"], seeds, jobs=2)
    lk = df[df.strategy == "linked"].groupby("scenario")[["n_provocation", "health_discounted"]].mean()
    assert lk.loc["d0", "n_provocation"] > lk.loc["d4", "n_provocation"] > lk.loc["d8", "n_provocation"]
    assert lk.loc["d0", "health_discounted"] < lk.loc["d4", "health_discounted"] < lk.loc["d8", "health_discounted"]
    tt = df[df.strategy == "two_track"].pivot(index="seed", columns="scenario", values="health_discounted")
    assert (tt["d0"] == tt["d8"]).all()


def _paired(df: pd.DataFrame, a: str = "two_track", b: str = "linked") -> np.ndarray:
    w = df.pivot(index="seed", columns="strategy", values="health_discounted")
    return (w[a] - w[b]).to_numpy()


@pytest.mark.slow
def test_p6_with_the_margin_along_deterrence():
    """P6 with the practical margin, along deterrence where provocations are frequent (five times the default
    rates): the 95% interval of the mean paired difference (two-track − linked) lies above +0.005 without
    deterrence and below −0.005 with strong deterrence (8)."""
    seeds = list(range(50))
    scen = bundled_on_pinned(BASELINE, **{"provocation.scale": 5.0})
    low, high = (_paired(run_comparison([scen.with_overrides(**{"disputes.deterrence": d})],
                                        ["two_track", "linked"], seeds, jobs=2)) for d in (0.0, 8.0))
    assert bootstrap_ci(low)[0] > 0.005, (low.mean(), bootstrap_ci(low))
    assert bootstrap_ci(high)[1] < -0.005, (high.mean(), bootstrap_ci(high))


@pytest.mark.slow
def test_rising_tension_moves_the_difference_toward_linked_through_us_pressure():
    """docs/ODD.md, tension: US pressure shortens standoffs, so the paired difference (two-track − linked)
    shrinks from low to high tension; without US pressure the shift is smaller."""
    seeds = list(range(40))

    def shift(**extra) -> float:
        d = {}
        for t in (0.1, 0.7):
            scen = bundled_on_pinned(BASELINE, **{"environment.tension_mean": t, "environment.tension_init": t},
                                     **extra)
            d[t] = _paired(run_comparison([scen], ["two_track", "linked"], seeds, jobs=2))
        lo, hi = bootstrap_ci(d[0.1] - d[0.7])
        assert lo > 0, (d[0.1].mean(), d[0.7].mean(), lo, hi)
        return float((d[0.1] - d[0.7]).mean())

    assert shift() > shift(**{"disputes.pressure_weight": 0.0})


@pytest.mark.slow
def test_baseline_starts_at_its_stochastic_steady_state():
    """The burn-in runs the baseline's own regime: mean health over years 1-2 and years 9-10 differ by less
    than 0.015 (two-track, 40 seeds, default burn-in)."""
    scen = bundled_on_pinned(BASELINE, burn_in=240)
    df_h = []
    for seed in range(40):
        h = run(scen, "two_track", seed, keep_model=False).monthly["health"].to_numpy()
        df_h.append((h[:24].mean(), h[96:120].mean()))
    early, late = np.array(df_h).T
    assert abs(early.mean() - late.mean()) < 0.015, (early.mean(), late.mean())


@pytest.mark.slow
def test_every_named_mechanism_moves_a_headline_outcome():
    """No named cost or gain is inert: switching each one off (sim.studies.explain.MECHANISMS) changes discounted health
    or cooperation of some paired run by more than 1e-4, at the defaults with frequent provocations."""
    from sim.studies.explain import MECHANISMS, ablated

    seeds = list(range(6))
    scen = bundled_on_pinned(BASELINE, **{"provocation.scale": 3.0})
    variants = [scen] + [ablated(scen, m) for m in MECHANISMS]
    df = run_comparison(variants, ["two_track", "linked"], seeds, jobs=2)
    full = df[df.scenario == scen.name].set_index(["strategy", "seed"])
    for m in MECHANISMS:
        sub = df[df.scenario == f"{scen.name}~no_{m.name}"].set_index(["strategy", "seed"])
        moved = max((sub[o] - full.loc[sub.index, o]).abs().max() for o in ("health_discounted",
                                                                           "cooperation_discounted"))
        assert moved > 1e-4, (m.name, moved)
