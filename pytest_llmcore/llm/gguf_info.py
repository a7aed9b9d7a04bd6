"""What a GGUF file says about its model: the shape facts KV-cache sizing needs.

Read by a small header parser of our own: the ``gguf`` package's reader materialises every
field (9 s for Gemma 3's 262,144-token vocabulary); this one skips the large arrays (0.1 s).
The gguf package writes the test models and checks this reader in the tests.
"""

from __future__ import annotations

import math
import struct
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


_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
#: GGML tensor type ids -> names (the weights' quantization)
GGML_TYPES = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    6: "Q5_0",
    7: "Q5_1",
    8: "Q8_0",
    9: "Q8_1",
    10: "Q2_K",
    11: "Q3_K",
    12: "Q4_K",
    13: "Q5_K",
    14: "Q6_K",
    15: "Q8_K",
    16: "IQ2_XXS",
    17: "IQ2_XS",
    18: "IQ3_XXS",
    19: "IQ1_S",
    20: "IQ4_NL",
    21: "IQ3_S",
    22: "IQ2_S",
    23: "IQ4_XS",
    24: "I8",
    25: "I16",
    26: "I32",
    27: "I64",
    28: "F64",
    29: "IQ1_M",
    30: "BF16",
}
#: arrays longer than this (token lists, scores) are skipped, only their length kept
_SMALL_ARRAY = 256


class _Reader:
    """A GGUF header reader that skips the big arrays.

    The gguf package's GGUFReader materialises every field, 262,144 tokenizer strings
    included: 9 s for Gemma 3. The shape facts need only the small fields.
    """

    def __init__(self, fh: Any) -> None:
        self.fh = fh

    def take(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        data = self.fh.read(size)
        if len(data) != size:
            raise ValueError("truncated file")
        return struct.unpack(fmt, data)[0]

    def string(self) -> str:
        n = self.take("<Q")
        if n > 1 << 24:
            raise ValueError(f"implausible string length {n}")
        data = self.fh.read(n)
        if len(data) != n:
            raise ValueError("truncated file")
        return str(data.decode("utf-8", "replace"))

    def value(self, vtype: int) -> Any:
        if vtype in _SCALARS:
            return self.take(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            itype, count = self.take("<I"), self.take("<Q")
            if count <= _SMALL_ARRAY:
                return [self.value(itype) for _ in range(count)]
            if itype == _STRING:
                for _ in range(count):
                    self.fh.read(self.take("<Q"))
            elif itype in _SCALARS:
                self.fh.read(count * struct.calcsize(_SCALARS[itype]))
            else:
                raise ValueError(f"array of type {itype}")
            return _Skipped(count)
        raise ValueError(f"unknown value type {vtype}")


@dataclass(frozen=True)
class _Skipped:
    length: int


def _header(path: Path) -> tuple[dict[str, Any], list[tuple[str, list[int], int]]]:
    with open(path, "rb") as fh:
        if fh.read(4) != b"GGUF":
            raise ValueError("bad magic: not a GGUF file")
        r = _Reader(fh)
        version = r.take("<I")
        if version < 2:
            raise ValueError(f"GGUF version {version} is not supported")
        n_tensors, n_kv = r.take("<Q"), r.take("<Q")
        fields: dict[str, Any] = {}
        for _ in range(n_kv):
            key = r.string()
            fields[key] = r.value(r.take("<I"))
        tensors = []
        for _ in range(n_tensors):
            name = r.string()
            dims = [r.take("<Q") for _ in range(r.take("<I"))]
            ttype = r.take("<I")
            r.take("<Q")  # offset
            tensors.append((name, dims, ttype))
    return fields, tensors


def read_gguf(path: Path | str) -> ModelInfo:
    """Raises :class:`InputError` naming the file for a missing, unreadable or non-GGUF file."""
    p = Path(path)
    if not p.is_file():
        raise InputError("no such model file", p, fix="pass a .gguf path (--llmcore-model)")
    try:
        fields, tensors = _header(p)
    except (OSError, ValueError, struct.error) as exc:
        raise InputError(f"not a readable GGUF file ({exc})", p) from None

    def field(key: str, default: Any = None) -> Any:
        v = fields.get(key, default)
        return default if isinstance(v, _Skipped) else v

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
    types = Counter(GGML_TYPES.get(t, str(t)) for _, dims, t in tensors if len(dims) > 1)
    n_params = sum(math.prod(dims) for _, dims, _ in tensors)
    tokens = fields.get("tokenizer.ggml.tokens")
    if isinstance(tokens, (list, _Skipped)):
        n_vocab = tokens.length if isinstance(tokens, _Skipped) else len(tokens)
    else:
        n_vocab = int(field(f"{arch}.vocab_size", 32_000))
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
