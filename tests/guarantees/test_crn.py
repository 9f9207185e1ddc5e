"""Common random numbers, draw by draw: every random number that must not depend on the strategy is the same
under every strategy of a comparison (MODEL.md §4.7). Every generator the model creates is wrapped so that each
draw is recorded with its purpose and key; two runs of one seed under different strategies are then compared
draw by draw, not only through the event log."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

import sim.model.model
import sim.model.shocks
import sim.model.streams
from sim import RelationsModel

# Purposes whose draws may not depend on the strategy at all: the initial population, every citizen's noise,
# ties and turnover, the exogenous schedule, provocation uniforms, leadership and tension tables.
STRATEGY_FREE = ("init", "citizens", "exogenous", "provocation", "leadership", "tension")


class RecordingGenerator:
    """A numpy Generator that logs every draw (method, arguments, values) under its purpose and key."""

    def __init__(self, rng: np.random.Generator, log: list) -> None:
        self._rng, self._log = rng, log

    def __getattr__(self, name: str):
        attr = getattr(self._rng, name)
        if not callable(attr):
            return attr

        def draw(*args, **kwargs):
            out = attr(*args, **kwargs)
            self._log.append((name, repr(args), repr(sorted(kwargs.items())), np.array(out, copy=True)))
            return out

        return draw


@pytest.fixture
def recorded(monkeypatch):
    """Run a model with every stream recorded; returns {(purpose, key...): [draws]} per call."""
    real = sim.model.streams.stream

    def run(scenario, strategy, seed):
        logs: dict[tuple, list] = defaultdict(list)

        def stream(seed_, purpose, *key):
            return RecordingGenerator(real(seed_, purpose, *key), logs[(purpose, *key)])

        monkeypatch.setattr(sim.model.streams, "stream", stream)
        monkeypatch.setattr(sim.model.model, "stream", stream)
        sim.model.shocks.forget()  # every table and schedule drawn afresh (and recorded) in each run
        model = RelationsModel(scenario, strategy, seed).run()
        monkeypatch.setattr(sim.model.streams, "stream", real)
        monkeypatch.setattr(sim.model.model, "stream", real)
        return model, dict(logs)

    return run


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x[:3] == y[:3] and np.array_equal(x[3], y[3]) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("pair", [("two_track", "linked"), ("two_track", "kr=linked,jp=two_track")])
def test_every_strategy_free_draw_is_identical_across_strategies(tiny_scenario, recorded, pair):
    """Under two strategies of one seed, the streams of the population, citizens' noise, ties and turnover, the
    exogenous schedule, provocations, leadership and tension draw the same numbers in the same order; dispute
    draws agree for every (aggrieved country, issue) that exists in both runs; the poll samples as often."""
    for seed in (0, 5):
        (ma, la), (mb, lb) = (recorded(tiny_scenario, s, seed) for s in pair)
        assert ma.events != mb.events, "the strategies did not differ: the comparison checks nothing"
        free = [k for k in la if k[0] in STRATEGY_FREE]
        assert {k[0] for k in free} == set(STRATEGY_FREE)
        assert sorted(free) == sorted(k for k in lb if k[0] in STRATEGY_FREE)
        for key in free:
            assert _same(la[key], lb[key]), f"seed {seed}: the {key} draws depend on the strategy"
        assert sum(len(la[k]) for k in la if k[0] == "citizens") > 3 * ma.data["horizon"]
        disputes = [k for k in la if k[0] == "disputes" and k in lb]
        assert disputes, "no dispute stream in both runs: the test checks nothing"
        for key in disputes:
            assert _same(la[key], lb[key]), f"seed {seed}: dispute draws {key} depend on the strategy"
        polls = [k for k in la if k[0] == "poll"]
        assert [n for n, *_ in la[polls[0]]] == [n for n, *_ in lb[polls[0]]]  # values follow the opinions


def test_dispute_draws_follow_the_issue_not_the_order_of_creation(tiny_scenario):
    """The uniforms a dispute draws depend on its aggrieved country and issue, not on how many disputes were
    opened before it (which differs between strategies)."""
    scen = tiny_scenario.with_overrides(burn_in=0)
    a, b = RelationsModel(scen, "two_track", 3), RelationsModel(scen, "two_track", 3)
    a.disputes.items, b.disputes.items = [], []
    for book, order in ((a.disputes, ["territory", "shrine"]), (b.disputes, ["shrine", "territory"])):
        for issue in order:
            book.open_or_escalate(issue, 0, 0.2, 0)
    for issue in ("territory", "shrine"):
        da, db = a.disputes.find(issue, 0), b.disputes.find(issue, 0)
        assert da.id != db.id
        draws = [(book.draw(d, m, c)) for book, d in ((a.disputes, da), (b.disputes, db)) for m in (0, 7, 30)
                 for c in range(4)]
        assert draws[:12] == draws[12:]


def test_the_population_and_turnover_are_the_same_under_every_strategy(tiny_scenario):
    """Ages, identities and network ties of the citizens at the end of a run do not depend on the strategy:
    who leaves and who enters is decided by age alone."""
    a = RelationsModel(tiny_scenario, "two_track", 2).run()
    b = RelationsModel(tiny_scenario, "linked", 2).run()
    for name in ("age", "uid", "youth", "rows", "cols", "g_z", "e_z"):
        assert np.array_equal(getattr(a.population, name), getattr(b.population, name)), name
    assert a.population.next_uid > a.population.n  # turnover happened
    assert not np.array_equal(a.population.trust, b.population.trust)
