"""Tests of what a run is: scenario validation, the rule language and rule-based strategies."""
