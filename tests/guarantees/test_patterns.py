"""Stylized facts of MODEL.md §1 (P1-P5) and the no-drift condition of §8, on pinned parameters."""

from __future__ import annotations

import numpy as np
import pytest

from sim import RelationsModel, run
from sim.analysis.stats import bootstrap_ci
from tests.helpers import pinned_scenario

QUIET = {"provocation.rate.KR": 0.0, "provocation.rate.JP": 0.0}


def _court_ruling(month: int = 12, magnitude: float = 0.9) -> list[dict]:
    return [{"kind": "court_ruling", "month": month, "magnitude": magnitude, "actor": "KR",
             "issue": "forced_labour"}]


def test_no_drift_without_shocks():
    """§8: over 600 shock-free months after a 120-month burn-in the mean trust neither drifts nor
    saturates, good and bad shares stay within 5-90%, realised cooperation within 0.1-0.9."""
    scen = pinned_scenario(horizon=600, burn_in=120, **QUIET)
    for seed in (0, 1):
        f = run(scen, "two_track", seed, keep_model=False).monthly
        for c in ("KR", "JP"):
            trust = f[f"trust_{c}"].to_numpy()
            slope = np.polyfit(f["month"], trust, 1)[0]
            assert abs(slope) < 1e-4, (c, slope)
            assert abs(trust[-60:].mean() - trust[:60].mean()) < 0.02
            for share in (f"good_{c}", f"bad_{c}"):
                assert f[share].between(0.05, 0.90).all(), (share, f[share].min(), f[share].max())
        for field in ("security", "economy", "society", "technology"):
            assert f[f"realised_{field}"].between(0.1, 0.9).all()


def test_p2_youth_more_favourable_without_shocks():
    """P2 as a mechanism: in a shock-free run the youth's good share exceeds the public's in both countries."""
    scen = pinned_scenario(horizon=60, **QUIET)
    for seed in (0, 1, 2):
        f = run(scen, "two_track", seed, keep_model=False).monthly
        for c in ("KR", "JP"):
            assert f[f"good_{c}_youth"].mean() > f[f"good_{c}_public"].mean() + 0.05, (seed, c)


@pytest.mark.slow
def test_p1_history_dispute_lowers_favourability_for_years():
    """P1: a salient provocation (a Korean landing on Dokdo/Takeshima) cuts Japanese favourability sharply,
    and three years later trust is still below the same seed's run without it."""
    ctrl = pinned_scenario(horizon=60, **QUIET)
    shocked = ctrl.with_overrides(shocks=[{"kind": "provocation", "month": 12, "magnitude": 0.9, "actor": "KR",
                                           "issue": "territory"}])
    now, later = [], []
    for seed in range(8):
        a, b = run(ctrl, "two_track", seed).monthly, run(shocked, "two_track", seed).monthly
        now.append(b["good_JP"].iloc[12] - a["good_JP"].iloc[12])
        later.append((b["trust_JP"].iloc[36:48] - a["trust_JP"].iloc[36:48]).mean())
    assert max(now) < 0 and np.mean(now) < -0.05, now
    assert max(later) < 0, later


@pytest.mark.slow
def test_p3_linked_dispute_spills_into_trade_security_and_travel():
    """P3: a court ruling that Japan links to trade and security (and Korea counter-links) lowers realised
    economic and security cooperation and Korean visits, far more than the same ruling under two-track."""
    scen = pinned_scenario(horizon=36, shocks=_court_ruling(), **QUIET)
    drops = {"two_track": [], "linked": []}
    for seed in range(8):
        for strat in drops:
            f = run(scen, strat, seed, keep_model=False).monthly
            pre, post = f.iloc[6:12].mean(), f.iloc[13:19].mean()
            drops[strat].append([post[k] / pre[k] - 1 for k in ("realised_economy", "realised_security",
                                                                 "visitors_KR")])
    tt, ln = np.array(drops["two_track"]), np.array(drops["linked"])
    assert (ln[:, 0] < tt[:, 0] - 0.02).all() and (ln[:, 1] < tt[:, 1] - 0.02).all()
    assert ln[:, 2].mean() < -0.15 and tt[:, 2].mean() > -0.05, (ln[:, 2].mean(), tt[:, 2].mean())


@pytest.mark.slow
def test_p4_threat_raises_security_value_and_us_pressure_shortens_standoffs():
    """P4: higher US-China tension raises realised security and technology cooperation (and, through
    hedging, lowers economic cooperation); US pressure makes backing down likelier, so standoffs are shorter."""
    low = {"environment.tension_init": 0.1, "environment.tension_mean": 0.1}
    high = {"environment.tension_init": 0.8, "environment.tension_mean": 0.8}
    for seed in (0, 1):
        a = run(pinned_scenario(**low, **QUIET), "two_track", seed, keep_model=False).monthly.mean()
        b = run(pinned_scenario(**high, **QUIET), "two_track", seed, keep_model=False).monthly.mean()
        assert b["realised_security"] > a["realised_security"] + 0.02
        assert b["realised_technology"] > a["realised_technology"] + 0.02
        assert b["offered_KR_economy"] < a["offered_KR_economy"]

    def standoff_months(over: dict) -> list[int]:
        out = []
        for seed in range(20):
            ev = run(pinned_scenario(horizon=60, shocks=_court_ruling(), **over, **QUIET), "linked", seed).events
            start = ev[ev.event == "dispute_linked"]["month"]
            end = ev[ev.event.isin(["target_conceded", "linker_backed_down"])]["month"]
            if len(start):
                out.append((end.iloc[0] if len(end) else 60) - start.iloc[0])
        return out

    calm, tense = standoff_months(low), standoff_months(high)
    assert np.mean(tense) < np.mean(calm), (np.mean(tense), np.mean(calm))


@pytest.mark.slow
def test_p5_settlement_without_public_support_is_fragile():
    """P5: the same agreement reached while the aggrieved public still holds its grievance (low support)
    reopens more often than one reached with public support."""
    base = {"horizon": 120, **QUIET,
            "disputes_initial": [{"issue": "comfort_women", "aggrieved": "KR", "severity": 0.4}],
            "shocks": [{"kind": "agreement", "month": 6, "magnitude": 0.5, "issue": "comfort_women"}]}

    def outcome(g: float) -> tuple[list[float], list[bool]]:
        scen = pinned_scenario(**base, **{"population.KR.grievance_public": g, "population.KR.grievance_youth": g})
        support, reopened = [], []
        for seed in range(30):
            m = RelationsModel(scen, "two_track", seed).run()
            d = m.disputes.items[0]
            support.append(d.support)
            reopened.append(d.reopenings > 0)
        return support, reopened

    s_low, r_low = outcome(0.8)
    s_high, r_high = outcome(0.2)
    assert np.mean(s_low) < np.mean(s_high) - 0.3
    diff = np.array(r_low, float) - np.array(r_high, float)
    lo, _ = bootstrap_ci(diff)
    assert lo > 0, (np.mean(r_low), np.mean(r_high))
