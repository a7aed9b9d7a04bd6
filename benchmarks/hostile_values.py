"""The hostile corpus: bad config values of every key and bad marker arguments."""

from __future__ import annotations

from collections.abc import Iterator

from hostile_cases import (
    APP,
    PASSING,
    Case,
    pyproject,
)

ERR = r"^ERROR: llmcore: "  # pytest's usage error line, ours


# -- config values and marker arguments (class 1's unchecked values, class 4's errors) --------

CONFIG_BAD: dict[str, list[str]] = {
    "repeats": ['"fast"', "0", "-1", "1.5", "true", "[]", "nan", "inf", "1e400"],
    "warmup": ["-1", '"x"', "true", "2.5"],
    "budget-tolerance": ['"fast"', "-0.5", "nan", "true", "[]"],
    "noisy-cv": ['"x"', "-1", "true", "inf"],
    "baseline-dir": ["5", '""', "[]"],
    "compare-stats": ['["p42"]', '"p42"', "[]", "[1]", "5"],
    "fail-regression": ['"x"', "-1", "true", "nan"],
    "profile": ["5", '""', '"nope"'],
    "model": ["5", '""'],
    "history": ["5", "true"],
    "profiles": ["5", "{ x = 5 }", "{ x = { match = 5 } }", '{ x = { match = "[" } }'],
    "budgets": ["5", '{ "t.py::x" = 5 }', '{ "t.py::x" = { latency_ms = "fast" } }',
                '{ "t.py::x" = { latency_ms = -5 } }', '{ "t.py::x" = { latency_ms = { p42 = 1 } } }'],
    "repeat": ["3"],
}  # fmt: skip
GPU_BAD: dict[str, list[str]] = {
    "vram-wait": ['"fast"', "-1", "nan", "true"],
    "share": ['"no"', "1"],
    "throttle": ['"maybe"', "1"],
    "sample-hz": ['"fast"', "0", "-1", "inf", "1e9", "true"],
    "cuda-alloc-conf": ["5", "[]"],
    "numba-simulator": ['"yes"'],
    "gpu-alias": ["1"],
    "bogus": ["1"],
}
DEPS_BAD: dict[str, list[str]] = {
    "fail-on": ['["bogus"]', "5", "[1]"],
    "ignore": ["5", '{ LLMD042 = "x" }', "{ requests = 5 }"],
    "map": ["5", "{ x = 5 }", "{ x = [1] }"],
    "exclude": ["5", "[1]"],
    "first-party": ["5"],
    "requirements": ["5", "[true]"],
    "dev-requirements": ["true"],
    "dev-paths": ["1"],
    "gitignore": ['"no"'],
    "cache": ["1"],
    "max-file-size": ["-1", "true", "0", "1.5", '"5MB"', "1e400"],
    "per-rule-ignores": ['{ LLMD002 = "requests" }', "{ LLMD099 = [] }", "5"],
    "bogus": ["1"],
}


def _config() -> Iterator[Case]:
    smoke = {("repeats", '"fast"'), ("compare-stats", '["p42"]'), ("budgets", '{ "t.py::x" = { latency_ms = -5 } }')}
    for key, values in CONFIG_BAD.items():
        for v in values:
            yield Case(
                "errors", f"config_{key}={v}", ["pytest"],
                {"test_b.py": PASSING, "pyproject.toml": pyproject([], tool=f"[tool.llmcore]\n{key} = {v}\n")},
                code=4, error=True,
                says=(r"^ERROR: llmcore: \[tool\.llmcore\] profile: unknown profile 'nope'",) if v == '"nope"'
                else (r"^ERROR: (llmcore: )?.*pyproject\.toml: .*\[tool\.llmcore[]. ]",),
                smoke=(key, v) in smoke,
            )  # fmt: skip
    for key, values in GPU_BAD.items():
        for v in values:
            yield Case(
                "errors", f"gpu_{key}={v}", ["pytest"],
                {"test_b.py": PASSING, "pyproject.toml": pyproject([], tool=f"[tool.llmcore.gpu]\n{key} = {v}\n")},
                code=4, error=True, says=(ERR + r".*pyproject\.toml.*\[tool\.llmcore\.gpu\]",),
                smoke=(key, v) in {("share", '"no"'), ("sample-hz", "0")},
            )  # fmt: skip
    for key, values in DEPS_BAD.items():
        for v in values:
            yield Case(
                "errors", f"deps_{key}={v}", ["llmcore", "deps"],
                {"app.py": APP, "pyproject.toml": pyproject(tool=f"[tool.llmcore.deps]\n{key} = {v}\n")},
                code=2, error=True, says=(r"^llmcore deps: .*pyproject\.toml.*\[tool\.llmcore\.deps\]",),
                smoke=(key, v) in {("max-file-size", "-1"), ("max-file-size", "true")},
            )  # fmt: skip
    yield Case(
        "errors", "project_dependencies_string", ["llmcore", "deps"],
        {"app.py": APP, "pyproject.toml": pyproject().replace('["requests"]', '"torch"')},
        code=2, error=True, says=(r"pyproject\.toml:4: project\.dependencies must be an array",),
        smoke=True,
    )  # fmt: skip


MARKERS_BAD = [
    "budget(tokens_per_s=-5)", "budget(kv_savings=46.9)", "budget(profile=5, latency_ms=1)",
    'budget(latency_ms="fast")', 'budget(latency_ms={"p42": 1})', 'budget(latency_ms={"p50": "fast"})',
    "budget(1)", "budget(bogus_metric=1)", 'budget(latency_ms=float("nan"))',
    'budget(latency_ms=float("inf"))', 'budget(vram_peak="1e400GiB")', 'budget(tolerance="x", latency_ms=1)',
    "budget(tolerance=-1, latency_ms=1)", "budget(latency_ms=True)", "budget(latency_ms=[1])",
    'budget(profile="nope", latency_ms=1)', "budget(latency_ms={})", "budget(latency_ms=None)",
    "llmcore_gpu(count=-1)", 'llmcore_gpu(count="two")', "llmcore_gpu(count=1.5)", "llmcore_gpu(count=True)",
    'llmcore_gpu(min_free_vram="1e400GiB")', "llmcore_gpu(min_free_vram=-1)", 'llmcore_gpu(min_total_vram="lots")',
    'llmcore_gpu(compute_capability="abc")', "llmcore_gpu(compute_capability=[8])", "llmcore_gpu(name=5)",
    "llmcore_gpu(1, 2)", "llmcore_gpu(bogus=1)", 'gpu(min_free_vram="x")', "llmcore_gpu(count=0)",
    'llmcore_gpu(min_free_vram=float("nan"))', 'llmcore_gpu(compute_capability=">=99.x")',
]  # fmt: skip


def _markers() -> Iterator[Case]:
    smoke = {"budget(tokens_per_s=-5)", "budget(profile=5, latency_ms=1)", 'llmcore_gpu(min_free_vram="1e400GiB")'}
    for marker in MARKERS_BAD:
        test = f"import pytest\n\n@pytest.mark.{marker}\ndef test_x(llmcore_perf):\n    pass\n"
        yield Case(
            "errors", f"marker_{marker}", ["pytest"], {"test_m.py": test}, code=4, error=True,
            says=(ERR + r"test_m\.py::test_x: ",), smoke=marker in smoke,
        )  # fmt: skip
