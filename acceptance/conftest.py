"""GPU acceptance tests: run by scripts/gpu-acceptance on a machine with a GPU, in strict mode
(--llmcore-require-gpu), so a missing GPU or a CPU-only build fails instead of skipping."""
