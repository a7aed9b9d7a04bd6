"""The keys of ``[tool.llmcore.deps]``: the dependency gate's configuration."""

from __future__ import annotations

from ..core.schema import Key, Table
from .kinds import CODE_RANGE, KIND_NAMES

__all__ = ["DEFAULT_DEV_PATHS", "DEPS_TABLE"]

#: development code unless dev-paths says otherwise: a name matches any path component
DEFAULT_DEV_PATHS: tuple[str, ...] = (
    "tests",
    "test",
    "testing",
    "docs",
    "doc",
    "benchmarks",
    "bench",
    "examples",
    "scripts",
    "tools",
    "notebooks",
    # documentation sources at the root (fastapi's docs_src/: examples the docs include and
    # the tests import); a path pattern, so a module named docs_utils.py stays runtime code
    "docs_*/*",
    "doc_*/*",
    "conftest.py",
    "test_*.py",
    "*_test.py",
    "noxfile.py",
    "setup.py",
)

#: what fail-on accepts, as the configuration reference lists it
_KINDS = (*KIND_NAMES, CODE_RANGE, "all", "none")

DEPS_TABLE = Table(
    "tool.llmcore.deps",
    "The dependency gate (`llmcore deps`, `pytest --llmcore`); see [deps](deps.md).",
    (
        Key(
            "fail-on",
            "list of finding kinds or codes",
            '["unused"]',
            "finding kinds that fail the gate (the others are reported only)",
            choices=_KINDS,
        ),
        Key(
            "ignore",
            "table: name = reason",
            "{}",
            'dependencies, or whole rules (LLMD006 = "..."), never failed; each with its reason',
        ),
        Key(
            "per-rule-ignores",
            "table: code or kind = list of names",
            "{}",
            "dependencies (or modules) ignored for one rule only",
        ),
        Key(
            "map",
            "table: distribution = module or list of modules",
            "{}",
            "the modules a distribution provides, when installed metadata can't tell",
        ),
        Key(
            "exclude",
            "list of gitignore-style patterns",
            "[]",
            "files and directories never scanned for imports",
        ),
        Key(
            "first-party",
            "list of module names",
            "[]",
            "the project's own top-level modules, beyond those found in its tree",
        ),
        Key(
            "requirements",
            "list of paths",
            "(found: requirements*.txt and the files they include)",
            "the runtime requirements files to read instead of the ones found",
        ),
        Key(
            "dev-requirements",
            "list of paths",
            "[]",
            "requirements files whose dependencies are for development only",
        ),
        Key(
            "dev-paths",
            "list of names or path patterns",
            ", ".join(DEFAULT_DEV_PATHS),
            "development code: a runtime import of a dev dependency outside it is misplaced-dev",
        ),
        Key(
            "gitignore",
            "true/false",
            "true",
            "skip the files that .gitignore files ignore",
        ),
        Key(
            "cache",
            "true/false",
            "true",
            "reuse per-file imports from .pytest_cache/d/llmcore-deps (--no-cache: false)",
        ),
        Key(
            "max-file-size",
            "integer (bytes)",
            "5000000",
            "a larger source file is not read (its imports are unknown)",
            range="at least 1",
        ),
    ),
    owner="deps",
)
