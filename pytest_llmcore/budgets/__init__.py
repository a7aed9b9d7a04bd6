"""Performance budgets: metrics, statistics, verdicts per hardware profile, baselines, reports."""
