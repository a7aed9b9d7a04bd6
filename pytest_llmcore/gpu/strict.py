"""Strict mode: is a missing GPU a failure? (Import-light: the pytest entry module uses it.)"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["require_gpu_requested"]


def require_gpu_requested(config: Any) -> bool:
    """``--llmcore-require-gpu`` or ``LLMCORE_REQUIRE_GPU=1`` (``config``: a pytest Config)."""
    env = os.environ.get("LLMCORE_REQUIRE_GPU", "").strip().lower() in ("1", "true", "yes")
    return bool(config.getoption("llmcore_require_gpu", None)) or env
