"""Load GGUF models with llama-cpp-python, keeping llama.cpp's log for what it reveals.

llama.cpp reports the KV-cache size and where layers went only in its log. A log callback
(``llama_log_set``) collects the lines while still passing warnings and errors to
stderr, so nothing a user should see is lost. llama-cpp-python is imported lazily.
"""

from __future__ import annotations

import ctypes
import importlib
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..core.errors import InputError
from .gguf_info import ModelInfo, read_gguf
from .kv import QUANTIZED, KvLine, ggml_type_id, parse_kv_lines

__all__ = ["LoadedModel", "llama_module", "load_llama", "supports_gpu_offload"]

_WARN = 3  # GGML_LOG_LEVEL_WARN; ERROR is 4
_CONT = 5  # GGML_LOG_LEVEL_CONT: continues the previous line


def llama_module() -> Any:
    try:
        return importlib.import_module("llama_cpp")
    except ImportError:
        raise InputError(
            "the LLM harness needs llama-cpp-python",
            fix="pip install pytest-llmcore[llama] (the first build compiles "
            "llama.cpp: about 15 minutes on 2 cores)",
        ) from None


def supports_gpu_offload() -> bool:
    return bool(llama_module().llama_supports_gpu_offload())


class _LogTap:
    """One process-wide llama.cpp log callback; ``capture()`` collects lines meanwhile."""

    _lock = threading.Lock()
    _installed: Any = None
    _buffers: ClassVar[list[list[str]]] = []

    @classmethod
    def install(cls) -> None:
        if cls._installed is not None:
            return
        llama = llama_module()

        last = [0]

        def on_log(level: int, text: bytes, _user: Any) -> None:
            line = text.decode("utf-8", "replace") if text else ""
            if level == _CONT:  # the rest of the previous message
                level = last[0]
            last[0] = level
            with cls._lock:
                for buf in cls._buffers:
                    buf.append(line)
            if level >= _WARN:  # what users must still see
                sys.stderr.write(line)

        cls._installed = llama.llama_log_callback(on_log)  # keep a reference: C holds it
        llama.llama_log_set(cls._installed, ctypes.c_void_p(0))

    @classmethod
    def start(cls) -> list[str]:
        cls.install()
        buf: list[str] = []
        with cls._lock:
            cls._buffers.append(buf)
        return buf

    @classmethod
    def stop(cls, buf: list[str]) -> None:
        with cls._lock:
            if buf in cls._buffers:
                cls._buffers.remove(buf)


@dataclass
class LoadedModel:
    llm: Any
    info: ModelInfo
    n_ctx: int
    type_k: str
    type_v: str
    flash_attn: bool
    n_gpu_layers: int
    log: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def kv_lines(self) -> list[KvLine]:
        return parse_kv_lines(self.log)

    @property
    def kv_measured(self) -> float:
        """K + V bytes of every cache llama.cpp created (Gemma 3 has two)."""
        return sum(line.total for line in self.kv_lines)

    def close(self) -> None:
        close = getattr(self.llm, "close", None)
        if callable(close):
            close()


def load_llama(
    path: Path | str,
    n_ctx: int = 4096,
    type_k: str = "f16",
    type_v: str = "f16",
    flash_attn: bool | None = None,
    n_gpu_layers: int = -1,
    n_threads: int | None = None,
    seed: int = 0,
    draft_model: Any = None,
) -> LoadedModel:
    """A llama-cpp-python model plus what llama.cpp logged while creating it.

    A quantized V cache needs flash attention in llama.cpp: asking for one without it is a
    ValueError here, before llama.cpp fails with a less helpful message. ``flash_attn=None``
    turns it on exactly when the V cache is quantized.
    """
    ggml_type_id(type_k)
    ggml_type_id(type_v)
    if flash_attn is None:
        flash_attn = type_v in QUANTIZED
    if type_v in QUANTIZED and not flash_attn:
        raise ValueError(
            f"a quantized V cache ({type_v}) needs flash attention in llama.cpp: "
            "pass flash_attn=True (llama.cpp: --flash-attn with --cache-type-v)"
        )
    info = read_gguf(path)
    llama = llama_module()
    notes = []
    if n_gpu_layers != 0 and not llama.llama_supports_gpu_offload():
        notes.append(
            "llama-cpp-python was built without GPU offload: n_gpu_layers="
            f"{n_gpu_layers} runs every layer on the CPU (rebuild with "
            'CMAKE_ARGS="-DGGML_CUDA=on")'
        )
    buf = _LogTap.start()
    try:
        llm = llama.Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_gpu_layers=n_gpu_layers,
            type_k=ggml_type_id(type_k),
            type_v=ggml_type_id(type_v),
            flash_attn=flash_attn,
            n_threads=n_threads,
            seed=seed,
            verbose=False,
            draft_model=draft_model,
        )
    except ValueError as exc:
        tail = " | ".join(line.strip() for line in buf[-3:] if line.strip())
        raise InputError(f"llama.cpp could not load the model ({exc}; log: {tail})", path) from None
    finally:
        _LogTap.stop(buf)
    return LoadedModel(
        llm, info, n_ctx, type_k, type_v, bool(flash_attn), n_gpu_layers, list(buf), notes
    )
