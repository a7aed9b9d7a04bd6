"""Meta-packages: distributions that install others whose modules a project imports.

A meta-package provides no module (or none the project imports) but depends on
distributions that do; ``from kt_kernel.sft import KTConfig`` with ``ktransformers``
declared uses ktransformers (LLaMA-Factory). :meth:`.mapping.ModuleMap.provides` adds the
modules of what a meta-package installs to its own, so the import is neither missing nor
the meta-package unused. Sources: each meta-package's metadata (Requires-Dist) and docs.
Keys and values are PEP 503 names.
"""

from __future__ import annotations

__all__ = ["META_PACKAGES"]

#: Meta-packages: a distribution that provides no module (or none the project imports)
#: but installs others whose modules a project imports as its own. Sources: each
#: meta-package's metadata (Requires-Dist) and docs.
META_PACKAGES: dict[str, tuple[str, ...]] = {
    # kvcache-ai/ktransformers pyproject.toml: `packages = []` (a meta-package) -> kt-kernel
    "ktransformers": ("kt-kernel",),
    # "Jupyter metapackage. Install all the Jupyter components in one go."
    "jupyter": (
        "notebook",
        "jupyterlab",
        "ipykernel",
        "jupyter-console",
        "nbconvert",
        "ipywidgets",
    ),
    # pyobjc installs pyobjc-core and every framework wrapper (objc, Foundation, AppKit...)
    "pyobjc": ("pyobjc-core", "pyobjc-framework-cocoa", "pyobjc-framework-quartz"),
}
