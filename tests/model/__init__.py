"""Tests of the model's mechanisms, one file per module of sim/model."""
