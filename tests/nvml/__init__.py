"""The scripted NVML library (C source) and its scenario tooling."""
