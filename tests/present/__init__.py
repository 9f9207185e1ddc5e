"""Tests of figures, the reports and the dashboard."""
