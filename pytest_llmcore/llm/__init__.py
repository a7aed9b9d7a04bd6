"""LLM inference harness: GGUF metadata, KV-cache sizes, llama-cpp-python loading and metrics."""
