"""Tests of the recorded history: data, replays, the polls table."""
