"""A metadata-only GGUF file of the Llama-3-8B shape (no weights): ``llmcore fit`` and
``llmcore kv`` read only its header. 32 layers, 32 heads, 8 KV heads, 4096 wide, 8192 ctx."""

from __future__ import annotations

from pathlib import Path

from ..conftest import require


def write_llama3_8b_meta(folder: Path) -> Path:
    """Write ``llama3-8b-meta.gguf`` into ``folder`` (skips when gguf is missing)."""
    require("gguf")
    import gguf

    path = folder / "llama3-8b-meta.gguf"
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_context_length(8192)
    w.add_embedding_length(4096)
    w.add_block_count(32)
    w.add_head_count(32)
    w.add_head_count_kv(8)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
