"""Studies: each builds an experiment, runs it through sim.runs and hands the frames to sim.analysis. The strategy
comparison of `sim compare` (compare), the mechanisms behind a difference (explain) and global sensitivity with
SALib (sensitivity)."""
