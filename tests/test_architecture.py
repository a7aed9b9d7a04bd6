"""The layer rule: capabilities import only core/ and themselves; core imports no capability.

plugin.py, cli/ (the ``llmcore`` command), options.py, configdoc.py and hookspecs.py are the
wiring layer and may import any capability. Capabilities meet through core types, stash keys and our own hooks.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "pytest_llmcore"
CAPABILITIES = {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
#: packages of the wiring layer (like the top-level modules, they may import any capability)
WIRING = {"cli"}
CAPABILITIES -= {"core", *WIRING}


def _targets(node: ast.AST, parts: tuple[str, ...]) -> list[str]:
    """Top-level pytest_llmcore subpackage each import in ``node`` reaches ("" = the package)."""
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = list(parts[:-1])[: len(parts) - node.level]
            mods = (
                [".".join([*base, node.module])]
                if node.module
                else [".".join([*base, a.name]) for a in node.names]
            )
        elif node.module and node.module.startswith("pytest_llmcore"):
            mods = [node.module[len("pytest_llmcore") :].lstrip(".")]
        else:
            return []
    elif isinstance(node, ast.Import):
        mods = [
            a.name[len("pytest_llmcore") :].lstrip(".")
            for a in node.names
            if a.name.startswith("pytest_llmcore")
        ]
    else:
        return []
    return [m.split(".")[0] for m in mods]


def wrong_way_imports(pkg: Path = PKG) -> list[str]:
    bad = []
    for f in sorted(pkg.rglob("*.py")):
        parts = f.relative_to(pkg).parts
        owner = parts[0] if len(parts) > 1 else None
        if owner is None or owner in WIRING:
            continue  # the wiring layer
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            for top in _targets(node, parts):
                if top in CAPABILITIES and top != owner:
                    bad.append(f"{'/'.join(parts)} imports {top}")
    return bad


def test_no_capability_imports_another_and_core_imports_none() -> None:
    assert {"budgets", "deps", "gpu", "llm", "history"} <= CAPABILITIES and "cli" not in CAPABILITIES
    assert wrong_way_imports() == []


def test_the_contract_catches_a_wrong_way_import(tmp_path: Path) -> None:
    for name, body in {
        "core/config.py": "from ..deps.declarations import load_toml\n",
        "gpu/monitors.py": "from ..budgets.plugin import RECORDER_KEY\n",
        "budgets/context.py": "from pytest_llmcore.gpu.backend import probe_gpus\n",
        "deps/__init__.py": "",
        "budgets/__init__.py": "",
        "gpu/__init__.py": "",
        "plugin.py": "from .gpu.plugin import GpuPlugin\n",
    }.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(body)
    assert wrong_way_imports(tmp_path) == [
        "budgets/context.py imports gpu",
        "core/config.py imports deps",
        "gpu/monitors.py imports budgets",
    ]
