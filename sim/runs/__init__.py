"""How runs execute and are stored: where a run starts (starts), one run and the worker pool (runner), batches of
an experiment streamed to a results directory (batch), atomic writes (store), the results directory and its
readers (results), and sweeps built in code (sweeps)."""
