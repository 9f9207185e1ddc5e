"""Tests of pure analysis: paired statistics, verdicts in words, landscapes, PRIM."""
