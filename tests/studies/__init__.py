"""Tests of studies that run and analyse: explain, sensitivity, calibration."""
