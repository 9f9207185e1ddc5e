"""What a run is: files -> validated objects. YAML reading with limits and line numbers (yamlio), paths and
names that become paths (paths), resource limits (limits), the rule language of adaptive strategies (rules),
strategies as lever bundles (strategies), scenarios (scenario) and experiments with their run specs (experiment).
Nothing here runs the model."""
