"""Tests of running and storing: batches, faults, sweeps, the shared start of a run."""
