"""What a GGUF file says about its model: the shape facts KV-cache sizing needs.

Read with the ``gguf`` package (``pip install pytest-llmcore[llama]``), imported lazily.
"""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..core.errors import InputError

__all__ = ["ModelInfo", "read_gguf", "swa_layer_count"]

#: llama.cpp's sliding-window layer pattern per architecture: every Nth layer is global
#: (full attention); the others use the window. Gemma 3: 5 local layers, then 1 global.
_SWA_PATTERN = {"gemma3": 6, "gemma3n": 5, "cohere2": 4, "gemma2": 2}


@dataclass(frozen=True)
class ModelInfo:
    path: str
    architecture: str
    name: str
    n_layer: int
    n_embd: int
    n_head: int
    n_head_kv: int
    head_dim_k: int
    head_dim_v: int
    n_ctx_train: int
    sliding_window: int | None
    swa_layers: int
    """Layers with sliding-window attention (their own KV cache in llama.cpp)."""
    file_size: int
    weight_type: str
    """The most common tensor type among weights (excluding 1-D norms)."""
    n_params: int
    n_vocab: int = 32_000

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def swa_layer_count(arch: str, n_layer: int, sliding_window: int | None) -> int:
    pattern = _SWA_PATTERN.get(arch)
    if not sliding_window or pattern is None:
        return 0
    return sum(1 for il in range(n_layer) if (il + 1) % pattern != 0)


def read_gguf(path: Path | str) -> ModelInfo:
    """Raises :class:`InputError` naming the file for a missing, unreadable or non-GGUF file."""
    p = Path(path)
    if not p.is_file():
        raise InputError("no such model file", p, fix="pass a .gguf path (--llmcore-model)")
    try:
        gguf: Any = importlib.import_module("gguf")
    except ImportError:
        raise InputError(
            "reading GGUF needs the gguf package", p, fix="pip install pytest-llmcore[llama]"
        ) from None
    try:
        reader = gguf.GGUFReader(str(p))
    except Exception as exc:  # ValueError for a bad magic, struct errors for truncation
        raise InputError(f"not a readable GGUF file ({exc})", p) from None

    def field(key: str, default: Any = None) -> Any:
        f = reader.fields.get(key)
        if f is None:
            return default
        try:
            return f.contents()
        except Exception:
            return default

    arch = str(field("general.architecture", "unknown"))
    n_layer = int(field(f"{arch}.block_count", 0))
    n_embd = int(field(f"{arch}.embedding_length", 0))
    n_head = int(field(f"{arch}.attention.head_count", 0) or 0)
    n_head_kv = field(f"{arch}.attention.head_count_kv", n_head)
    n_head_kv = int(n_head_kv[0] if isinstance(n_head_kv, list) else n_head_kv)
    head_dim = n_embd // n_head if n_head else 0
    head_k = int(field(f"{arch}.attention.key_length", head_dim) or head_dim)
    head_v = int(field(f"{arch}.attention.value_length", head_dim) or head_dim)
    window = field(f"{arch}.attention.sliding_window")
    window = int(window) if window else None
    types = Counter(t.tensor_type.name for t in reader.tensors if len(t.shape) > 1)
    n_params = int(sum(int(t.n_elements) for t in reader.tensors))
    tokens = reader.fields.get("tokenizer.ggml.tokens")
    n_vocab = len(tokens.data) if tokens is not None else int(field(f"{arch}.vocab_size", 32_000))
    if n_layer <= 0 or n_head_kv <= 0 or head_k <= 0:
        raise InputError(f"GGUF metadata lacks the attention shape of {arch!r}", p)
    return ModelInfo(
        path=str(p),
        architecture=arch,
        name=str(field("general.name", p.stem)),
        n_layer=n_layer,
        n_embd=n_embd,
        n_head=n_head,
        n_head_kv=n_head_kv,
        head_dim_k=head_k,
        head_dim_v=head_v,
        n_ctx_train=int(field(f"{arch}.context_length", 0) or 0),
        sliding_window=window,
        swa_layers=swa_layer_count(arch, n_layer, window),
        file_size=p.stat().st_size,
        weight_type=types.most_common(1)[0][0] if types else "unknown",
        n_params=n_params,
        n_vocab=n_vocab,
    )
