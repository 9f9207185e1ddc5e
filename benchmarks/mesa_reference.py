"""The per-agent Mesa reference the model's speed is quoted against: 5,000 agents on a Watts-Strogatz graph
(k = 6, rewiring 0.1), a bounded-confidence opinion update (Hegselmann-Krause: each agent moves toward the mean
of its neighbours within epsilon), 120 steps — the idiomatic way to write the opinion part of the model with one
Python object per person.

    python benchmarks/mesa_reference.py [--agents 5000] [--steps 120] [--reps 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import mesa
import networkx as nx


class Person(mesa.Agent):
    """One citizen: an opinion in [0, 1] and its neighbours."""

    def __init__(self, model: Reference, opinion: float) -> None:
        super().__init__(model)
        self.opinion = self.next_opinion = opinion
        self.neighbours: list[Person] = []

    def step(self) -> None:
        m = self.model
        near = [n.opinion for n in self.neighbours if abs(n.opinion - self.opinion) < m.epsilon]
        target = sum(near) / len(near) if near else self.opinion
        self.next_opinion = self.opinion + m.rate * (target - self.opinion)

    def advance(self) -> None:
        self.opinion = self.next_opinion


class Reference(mesa.Model):
    """Bounded-confidence opinion dynamics, one Mesa agent per person, synchronous update."""

    def __init__(self, agents: int = 5000, k: int = 6, rewire: float = 0.1, epsilon: float = 0.3,
                 rate: float = 0.1, seed: int = 0) -> None:
        super().__init__(rng=seed)
        self.epsilon, self.rate = epsilon, rate
        graph = nx.watts_strogatz_graph(agents, k, rewire, seed=seed)
        people = [Person(self, float(self.rng.random())) for _ in range(agents)]
        for i, person in enumerate(people):
            person.neighbours = [people[j] for j in graph.neighbors(i)]

    def step(self) -> None:
        self.agents.do("step")
        self.agents.do("advance")


def time_reference(agents: int = 5000, steps: int = 120, reps: int = 3) -> float:
    """Median seconds of `steps` steps (the set-up not included)."""
    times = []
    for rep in range(reps):
        model = Reference(agents, seed=rep)
        t0 = time.perf_counter()
        for _ in range(steps):
            model.step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--agents", type=int, default=5000)
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    print(f"{a.agents} agents, {a.steps} steps: {time_reference(a.agents, a.steps, a.reps):.3f} s (median of {a.reps})")
