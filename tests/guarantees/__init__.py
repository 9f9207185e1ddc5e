"""Tests of guarantees that cut across the stages: common random numbers, determinism, fairness, stylised facts,
regression pins, safety, mechanisms, notebooks, the layers."""
