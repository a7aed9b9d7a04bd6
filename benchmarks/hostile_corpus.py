"""The cases of benchmarks/hostile.py, one generator per class of issue 11."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from hostile_cases import (
    APP,
    PASSING,
    ROOT,
    Case,
    RunCheck,
    exists,
    gguf_headers,
    immutable,
    json_stdout,
    pyproject,
    strict_json,
)

ERR = r"^ERROR: llmcore: "  # pytest's usage error line, ours


# -- 1. verdicts never pass silently ---------------------------------------------------------


LIMITS = {"latency_ms": 1000, "tokens_per_s": 1, "vram_peak": "100GiB"}


def _samples() -> Iterator[Case]:
    bad = {
        "nan": ('"latency_ms"', 'float("nan")', "nan is not a finite number"),
        "inf": ('"latency_ms"', 'float("inf")', "inf is not a finite number"),
        "minus_inf": ('"latency_ms"', 'float("-inf")', "-inf is not a finite number"),
        "negative": ('"latency_ms"', "-5", "-5 is negative"),
        "nan_first": ('"latency_ms"', '[float("nan"), 1, 1]', "nan is not a finite number"),
        "nan_last": ('"latency_ms"', '[1, float("nan")]', "nan is not a finite number"),
        "bool": ('"latency_ms"', "True", "True"),
        "none": ('"latency_ms"', "None", "None"),
        "word": ('"latency_ms"', '"fast"', "fast"),
        "empty_list": ('"latency_ms"', "[]", "no value|empty|nothing"),
        "tokens_negative": ('"tokens_per_s"', "-5", "-5 is negative"),
        "huge_unit": ('"vram_peak"', '"1e400GiB"', "1e400GiB"),
        "nested_list": ('"latency_ms"', "[[1, 2]]", r"\[1, 2\]"),
    }
    for name, (metric, value, msg) in bad.items():
        test = (
            "import pytest\n\n"
            f"@pytest.mark.budget({metric.strip(chr(34))}={LIMITS[metric.strip(chr(34))]!r})\n"
            "def test_x(llmcore_perf):\n"
            f"    llmcore_perf.record({metric}, {value})\n"
        )
        yield Case(
            "verdicts", f"sample_{name}", ["pytest", "--llmcore-json=r.json"],
            {"test_s.py": test}, code=1,
            says=(rf"test_s\.py::test_x: llmcore_perf: .*({msg})",) if name != "empty_list"
            else (r"^test_s\.py::test_x +latency_ms +p50 +- +1000 ms +- +ERROR \(not measured\)",),
            not_says=(r"\d+ passed",), after={"r.json": strict_json},
            smoke=name in ("nan_first", "negative", "bool"),
        )  # fmt: skip


def _baseline_mutations() -> Iterator[tuple[str, object]]:
    def set_p50(value: object) -> object:
        def f(data: dict) -> dict:  # type: ignore[type-arg]
            (m,) = data["machines"]
            data["machines"][m]["tests"]["test_b.py::test_fast"]["latency_ms"]["p50"] = value
            return data

        return f

    def tests_list(data: dict) -> object:  # type: ignore[type-arg]
        (m,) = data["machines"]
        data["machines"][m]["tests"] = []
        return data

    yield "p50_word", set_p50("fast")
    yield "p50_negative", set_p50(-5)
    yield "p50_null", set_p50(None)
    yield "p50_list", set_p50([1])
    yield "tests_list", tests_list
    yield "machines_list", lambda d: {**d, "machines": []}
    yield "format_99", lambda d: {**d, "format": 99}
    yield "top_list", lambda d: [d]
    yield "not_json", "{not json"
    yield "truncated", None
    yield "empty", ""
    yield "nan_literal", "NaN"


def _baselines() -> Iterator[Case]:
    for name, mutate in _baseline_mutations():

        def between(proj: Path, mutate: object = mutate) -> None:
            path = proj / ".llmcore/baselines/main.json"
            text = path.read_text()
            if mutate is None:
                path.write_text(text[: len(text) // 2])
            elif isinstance(mutate, str):
                if mutate == "NaN":
                    path.write_text(text.replace('"p50": 1.1', '"p50": NaN'))
                else:
                    path.write_text(mutate)
            else:
                path.write_text(json.dumps(mutate(json.loads(text))))  # type: ignore[operator]

        yield Case(
            "verdicts", f"baseline_{name}",
            ["pytest", "--llmcore-compare=main", "--llmcore-fail-regression=10%"],
            {"test_b.py": PASSING}, pre=[["pytest", "--llmcore-save-baseline=main"]],
            between=between, code=4, error=True,
            says=(ERR + r".*main\.json: (corrupt baseline|not a baseline|.*baseline)",),
            smoke=name in ("p50_word", "tests_list"),
        )  # fmt: skip


def _verdict_misc() -> Iterator[Case]:
    gpu_test = "import pytest\n\n@pytest.mark.llmcore_gpu\ndef test_g():\n    pass\n"
    yield Case(
        "verdicts", "require_gpu_without_llmcore",
        [sys.executable and "pytest", "--llmcore-require-gpu"], {"test_g.py": gpu_test},
        code=1, says=(r"1 failed",), not_says=(r"1 passed",), smoke=True,
    )  # fmt: skip
    tool = '[tool.llmcore.budgets."test_b.py::test_gone"]\nlatency_ms = "5ms"\n'
    yield Case(
        "verdicts", "config_budget_matches_no_test", ["pytest"],
        {"test_b.py": PASSING, "pyproject.toml": pyproject([], tool=tool)},
        code=0, says=(r"test_b\.py::test_gone.*matches no test",), smoke=True,
    )  # fmt: skip
    over = PASSING.replace('"10ms"', '"0.5ms"')
    yield Case(
        "verdicts", "over_budget_fails", ["pytest", "--llmcore-json=r.json"],
        {"test_b.py": over}, code=1, after={"r.json": strict_json},
    )  # fmt: skip
    yield Case(
        "verdicts", "regression_over_compare_stats", ["pytest", "--llmcore-compare=main",
                                                      "--llmcore-fail-regression=10%"],
        {"test_b.py": PASSING, "pyproject.toml": pyproject([], tool='[tool.llmcore]\ncompare-stats = ["max"]\n')},
        pre=[["pytest", "--llmcore-save-baseline=main"]],
        between=lambda p: (p / "test_b.py").write_text(
            PASSING.replace("[1.0, 1.2, 1.1]", "[200.0, 200.0, 200.0]")
        ), code=1, says=(r"regress",),
    )  # fmt: skip


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


# -- 2. nothing is lost -----------------------------------------------------------------------

CONCURRENT = """
import pathlib, sys
import pytest_llmcore.deps.fix as fx
orig = fx.apply_fix
def patched(edits):
    p = pathlib.Path(sys.argv[1])
    p.write_text(sys.argv[2] + p.read_text())
    return orig(edits)
fx.apply_fix = patched
from pytest_llmcore.cli import main
sys.exit(main(["deps", "--fix"]))
"""
REQS = "requests\ntorchvision\n"


def _loss() -> Iterator[Case]:
    files = {"app.py": APP, "pyproject.toml": pyproject([], extra='[tool.llmcore.deps]\nrequirements = ["requirements.txt"]\n'), "requirements.txt": REQS, "edit.py": CONCURRENT}  # fmt: skip
    yield Case(
        "loss", "fix_concurrent_insert", ["python", "edit.py", "requirements.txt", "numpy\n"],
        files, code=2, error=True, says=(r"requirements\.txt: changed since llmcore deps read it",),
        after={"requirements.txt": "numpy\n" + REQS}, smoke=True,
    )  # fmt: skip
    pp = pyproject(["requests", "torchvision"])
    yield Case(
        "loss", "fix_concurrent_pyproject", ["python", "edit.py", "pyproject.toml", "# edited\n"],
        {"app.py": APP, "pyproject.toml": pp, "edit.py": CONCURRENT}, code=2, error=True,
        says=(r"pyproject\.toml: changed since",), after={"pyproject.toml": "# edited\n" + pp},
    )  # fmt: skip
    tool = "[tool.llmcore.deps]\nmax-file-size = 10\n"
    yield Case(
        "loss", "cache_key_covers_max_file_size", ["llmcore", "deps", "--fix"],
        {"app.py": APP, "pyproject.toml": pyproject(["requests"], tool=tool)},
        pre=[["llmcore", "deps"]],
        between=lambda p: (p / "pyproject.toml").write_text(pyproject(["requests"])),
        code=0, after={"pyproject.toml": pyproject(["requests"])}, smoke=True,
    )  # fmt: skip
    other = {"key": {"profile": "h100", "device": "NVIDIA H100", "driver": "550", "engines": {}},
             "run": {"time": "2026-11-01T00:00:00+00:00"},
             "tests": {f"t.py::test_{i}": {"tpot_ms": {"p50": 5.0, "n": 20}} for i in range(50)}}  # fmt: skip
    base = json.dumps({"format": 2, "machines": {"h100 | NVIDIA H100": other}})

    def kept(path: Path) -> str | None:
        data = json.loads(path.read_text())
        ok = data["machines"].get("h100 | NVIDIA H100") == other and len(data["machines"]) == 2
        return None if ok else "another machine's entry was dropped"

    yield Case(
        "loss", "save_baseline_keeps_other_machine", ["pytest", "--llmcore-save-baseline=main"],
        {"test_b.py": PASSING, ".llmcore/baselines/main.json": base},
        after={".llmcore/baselines/main.json": kept}, smoke=True,
    )  # fmt: skip
    for name, text in (("not_json", "{oops"), ("list", "[]"), ("empty", "")):
        yield Case(
            "loss", f"save_over_corrupt_baseline_{name}", ["pytest", "--llmcore-save-baseline=main", "--llmcore-json=r.json"],
            {"test_b.py": PASSING, ".llmcore/baselines/main.json": text}, code=3,
            says=(r"llmcore: could not write baseline 'main'",),
            after={".llmcore/baselines/main.json": text, "r.json": strict_json},
        )  # fmt: skip
    yield from _outputs()
    yield from _fix_writes()


def _outputs() -> Iterator[Case]:
    outs = {
        "json_is_directory": (["--llmcore-json=adir"], {"adir/keep": "k"}, None, r"could not write the JSON report adir"),
        "html_under_file": (["--llmcore-html=afile/r.html"], {"afile": "x"}, None, r"could not write the HTML report afile/r\.html"),
        "json_in_readonly_dir": (["--llmcore-json=ro/r.json"], {"ro/keep": "k"}, "ro", r"could not write the JSON report ro/r\.json"),
        "step_summary_directory": ([], {"sdir/keep": "k"}, None, r"could not write the GitHub step summary"),
        "json_dev_null": (["--llmcore-json=/dev/null"], {}, None, r"not a regular file"),
    }  # fmt: skip
    for name, (args, files, ro, msg) in outs.items():
        env = {"GITHUB_STEP_SUMMARY": "sdir"} if name == "step_summary_directory" else {}
        extra = [] if "html" in name else ["--llmcore-html=report.html"]
        yield Case(
            "loss", f"output_{name}", ["pytest", *args, *extra, "--llmcore-save-baseline=main"],
            {"test_b.py": PASSING, **files}, setup=immutable(ro) if ro else None, env=env, root_only=bool(ro),
            code=3, says=(msg, r"wrote baseline 'main'"),
            after={".llmcore/baselines/main.json": exists,
                   **({} if "html" in name else {"report.html": exists})},
            smoke=name in ("json_is_directory", "step_summary_directory"),
        )  # fmt: skip


def _fix_writes() -> Iterator[Case]:
    pp = pyproject(["requests", "torchvision"], extra='[tool.llmcore.deps]\nrequirements = ["requirements.txt"]\n')
    files = {"app.py": APP, "pyproject.toml": pyproject([]), "requirements.txt": REQS}
    yield Case(
        "loss", "fix_readonly_dir", ["llmcore", "deps", "--fix", "sub"],
        {"sub/app.py": APP, "sub/pyproject.toml": pyproject(["requests", "torchvision"])},
        setup=immutable("sub"), code=2, error=True, root_only=True,
        says=(r"^llmcore deps: pyproject\.toml: cannot write .*nothing written",),
        after={"sub/pyproject.toml": pyproject(["requests", "torchvision"])},
    )  # fmt: skip
    yield Case(
        "loss", "fix_two_files_one_readonly", ["llmcore", "deps", "--fix"],
        {"app.py": APP, "pyproject.toml": pp, "requirements.txt": REQS},
        setup=immutable("requirements.txt"), code=2, error=True, root_only=True,
        says=(r"cannot write|nothing written",),
        after={"pyproject.toml": pp, "requirements.txt": REQS}, smoke=True,
    )  # fmt: skip

    def link(proj: Path) -> None:
        (proj / "real").mkdir()
        (proj / "requirements.txt").rename(proj / "real/reqs.txt")
        (proj / "requirements.txt").symlink_to("real/reqs.txt")

    def still_link(path: Path) -> str | None:
        if not path.is_symlink():
            return "the symlink was replaced by a regular file"
        return None if path.read_text() == "requests\n" else f"content {path.read_text()!r}"

    yield Case(
        "loss", "fix_through_symlink", ["llmcore", "deps", "--fix"],
        {**files, "pyproject.toml": pyproject([], extra='[tool.llmcore.deps]\nrequirements = ["requirements.txt"]\n')},
        setup=link, code=0, after={"requirements.txt": still_link}, smoke=True,
    )  # fmt: skip
    if ROOT and os.path.exists("/bin/mount"):
        yield _disk_full()


def _disk_full() -> Case:
    big = pyproject(["requests", "torchvision"], extra="# " + "x" * 6000 + "\n")

    def setup(proj: Path) -> None:
        import subprocess

        sub = proj / "sub"
        sub.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(sub)], check=True)
        (sub / "app.py").write_text(APP)
        (sub / "pyproject.toml").write_text(big)
        (sub / "fill").write_bytes(b"\0" * 4000)  # the last free page

    def cleanup(proj: Path) -> None:
        import subprocess

        subprocess.run(["umount", str(proj / "sub")], check=False)

    return Case(
        "loss", "fix_disk_full", ["llmcore", "deps", "--fix", "--no-cache", "sub"], setup=setup,
        cleanup=cleanup, code=2, error=True, root_only=True, says=(r"cannot write \(No space left on device\); nothing written",),
        after={"sub/pyproject.toml": big},
    )  # fmt: skip


# -- 3. bounded time and memory ---------------------------------------------------------------


def _bounds() -> Iterator[Case]:
    base = {"app.py": APP, "pyproject.toml": pyproject(["requests"])}

    def fifo(rel: str) -> object:
        return lambda p: os.mkfifo(p / rel)

    def zero(rel: str) -> object:
        return lambda p: (p / rel).symlink_to("/dev/zero")

    for cmd in (["llmcore", "deps"], ["pytest"]):
        tag = cmd[0]
        yield Case("bounds", f"{tag}_fifo_py", cmd, {**base, "test_b.py": PASSING}, setup=fifo("pipe.py"), code=0, smoke=tag == "llmcore")  # type: ignore[arg-type]  # fmt: skip
        yield Case("bounds", f"{tag}_dev_zero_py", cmd, {**base, "test_b.py": PASSING}, setup=zero("zero.py"), code=0, smoke=tag == "llmcore")  # type: ignore[arg-type]  # fmt: skip
    yield Case("bounds", "fifo_requirements", ["llmcore", "deps"],
               {"app.py": APP, "pyproject.toml": pyproject([], extra='[tool.llmcore.deps]\nrequirements = ["requirements.txt"]\n')},
               setup=fifo("requirements.txt"), code=0, says=(r"^note +requirements\.txt: not a regular file; not read",))  # type: ignore[arg-type]  # fmt: skip
    yield Case("bounds", "fifo_pyproject", ["llmcore", "deps"], {"app.py": APP}, setup=fifo("pyproject.toml"),
               code=0, says=(r"no declared dependencies found",), smoke=True)  # type: ignore[arg-type]  # fmt: skip
    # pytest itself reads no pyproject.toml that is not a file; neither does the plugin
    yield Case("bounds", "pytest_fifo_pyproject", ["pytest"], {"test_b.py": PASSING}, setup=fifo("pyproject.toml"), code=0)  # type: ignore[arg-type]  # fmt: skip
    slow = "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c\n"
    long_name = "a" * 60 + ".py"
    yield Case("bounds", "gitignore_backtracking", ["llmcore", "deps"], {**base, ".gitignore": slow, long_name: "x = 1\n"}, code=0, smoke=True)
    yield Case("bounds", "exclude_backtracking", ["llmcore", "deps"],
               {"app.py": APP, long_name: "x = 1\n", "pyproject.toml": pyproject(tool=f'[tool.llmcore.deps]\nexclude = ["{slow.strip()}"]\n')}, code=0)  # fmt: skip
    yield Case("bounds", "gitignore_huge", ["llmcore", "deps"], {**base, ".gitignore": "x*y?z[a-c]\n" * 50000}, code=0)

    def deep(proj: Path) -> None:
        d = proj
        for _ in range(1000):  # one level at a time: mkdir(parents=True) recurses
            d = d / "d"
            d.mkdir()
        (d / "deep.py").write_text("import requests\n")

    yield Case("bounds", "deep_dirs_1000", ["llmcore", "deps"], base, setup=deep, code=0, smoke=True)

    def loops(proj: Path) -> None:
        (proj / "a").mkdir()
        (proj / "a/b").symlink_to("..")
        (proj / "self").symlink_to(".")
        (proj / "x").symlink_to("y")
        (proj / "y").symlink_to("x")

    yield Case("bounds", "symlink_loops", ["llmcore", "deps"], base, setup=loops, code=0, smoke=True)
    yield Case("bounds", "pytest_symlink_loops", ["pytest", "test_b.py"], {**base, "test_b.py": PASSING}, setup=loops, code=0)
    import numpy  # the foreign tree must not make an unused numpy "used"

    np_dir = str(Path(numpy.__file__).resolve().parents[1])
    yield Case(
        "bounds", "symlink_escapes_project", ["llmcore", "deps"],
        {"app.py": APP, "pyproject.toml": pyproject(["requests", "numpy"])},
        setup=lambda p: (p / "lib").symlink_to(np_dir), code=1,
        says=(r"numpy: unused \(LLMD002\)", r", 1 files scanned"), smoke=True,
    )  # fmt: skip
    yield Case("bounds", "symlink_to_root", ["llmcore", "deps"], base, setup=lambda p: (p / "root").symlink_to("/"), code=0, says=(r", 1 files scanned",))
    yield Case("bounds", "file_symlink_escapes", ["llmcore", "deps"],
               {"app.py": "x = 1\n", "pyproject.toml": pyproject(["requests"])},
               setup=lambda p: (p / "out.py").symlink_to(Path(json.__file__)), code=1, says=(r"requests: unused",))  # fmt: skip

    def unreadable(proj: Path) -> None:
        (proj / "secret").mkdir()
        (proj / "secret/s.py").write_text("import requests\n")
        os.chmod(proj / "secret", 0)

    # as root the directory stays readable: the scan must simply go on
    yield Case("bounds", "unreadable_dir", ["llmcore", "deps"], base, setup=unreadable, code=0)
    yield Case("bounds", "big_source_file", ["llmcore", "deps"], {**base, "big.py": "x = 1\n" * 2_000_000}, code=0)
    yield Case("bounds", "binary_py", ["llmcore", "deps"], {**base, "bin.py": bytes(range(256)) * 100}, code=0)
    yield Case("bounds", "nul_in_py", ["llmcore", "deps"], {**base, "nul.py": b"import os\x00\nimport requests\n"}, code=0)
    yield Case("bounds", "deeply_nested_expr", ["llmcore", "deps"], {**base, "nest.py": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"}, code=0)
    yield Case("bounds", "huge_pyproject", ["llmcore", "deps"], {"app.py": APP, "pyproject.toml": pyproject() + "#" * (17 * 2**20)},
               code=2, error=True, says=(r"pyproject\.toml: too large",))  # fmt: skip
    yield Case("bounds", "requirements_include_loop", ["llmcore", "deps"],
               {"app.py": APP, "pyproject.toml": pyproject([], extra='[tool.llmcore.deps]\nrequirements = ["requirements.txt"]\n'),
                "requirements.txt": "-r requirements.txt\nrequests\n"}, code=0, not_says=(r"requests: unused",))  # fmt: skip
    yield Case("bounds", "requirements_include_escape", ["llmcore", "deps"],
               {"app.py": APP, "pyproject.toml": pyproject([], extra='[tool.llmcore.deps]\nrequirements = ["requirements.txt"]\n'),
                "requirements.txt": "-r /etc/passwd\nrequests\n"}, code=0,
               says=(r"^note +/etc/passwd: outside the project; not read",), not_says=(r"^FAIL",), smoke=True)  # fmt: skip
    yield from _gguf()


def _gguf() -> Iterator[Case]:
    smoke = {"block_count_2^62", "nesting_5000", "head_count_kv_empty"}
    for name, data, msg in gguf_headers():
        yield Case(
            "bounds", f"fit_gguf_{name}", ["llmcore", "fit", "m.gguf", "--vram", "16GiB"],
            {"m.gguf": data}, code=2, error=True, says=(rf"m\.gguf: ({msg})",), smoke=name in smoke,
        )  # fmt: skip
    for name, data, msg in list(gguf_headers())[:6]:
        yield Case("bounds", f"kv_gguf_{name}", ["llmcore", "kv", "m.gguf"], {"m.gguf": data}, code=2, error=True, says=(rf"m\.gguf: ({msg})",))  # fmt: skip
    yield Case("bounds", "fit_fifo_model", ["llmcore", "fit", "m.gguf", "--vram", "16GiB"], setup=lambda p: os.mkfifo(p / "m.gguf"), code=2, error=True, says=(r"m\.gguf: ",))  # fmt: skip
    yield Case("bounds", "fit_dev_zero_model", ["llmcore", "fit", "m.gguf", "--vram", "16GiB"], setup=lambda p: (p / "m.gguf").symlink_to("/dev/zero"), code=2, error=True, says=(r"m\.gguf: ",))  # fmt: skip
    yield Case("bounds", "fit_directory_model", ["llmcore", "fit", "m.gguf", "--vram", "16GiB"], setup=lambda p: (p / "m.gguf").mkdir(), code=2, error=True, says=(r"m\.gguf: ",))  # fmt: skip


# -- 4. clean errors ---------------------------------------------------------------------------


def _errors() -> Iterator[Case]:
    base = {"app.py": APP, "pyproject.toml": pyproject(["requests"])}
    for pat in ("[z-a].py", "[]", "[", "[!]", "\\", "**/[z-a]/**"):
        yield Case("errors", f"gitignore_{pat}", ["llmcore", "deps"], {**base, ".gitignore": pat + "\n"}, code=None,
                   not_says=(r"requests: unused",), smoke=pat == "[z-a].py")  # fmt: skip
        reversed_range = "z-a" in pat
        yield Case("errors", f"exclude_{pat}", ["llmcore", "deps"],
                   {"app.py": APP, "pyproject.toml": pyproject(tool=f"[tool.llmcore.deps]\nexclude = [{json.dumps(pat)}]\n")},
                   code=2 if reversed_range else 0, error=reversed_range,
                   says=(r"^llmcore deps: .*\[tool\.llmcore\.deps\] exclude: .* is not a valid pattern",) if reversed_range else (),
                   smoke=pat == "[z-a].py")  # fmt: skip
    cache = ".pytest_cache/d/llmcore-deps"
    for name, text in (("list", "[]"), ("garbage", "\x00\xff"), ("deep", "[" * 100000), ("string", '"x"')):
        yield Case("errors", f"cache_file_{name}", ["llmcore", "deps"], base,
                   setup=lambda p, t=text: _cache_files(p / cache, t), code=0, smoke=name == "list")  # fmt: skip
    fit = ["llmcore", "fit", "m.gguf"]
    for args, msg in (
        (["--vram", "16GiB", "--ctx", "-5"], r"argument --ctx: -5 is out of range"),
        (["--vram", "0"], r"argument --vram: "), (["--vram", "1e400GiB"], r"argument --vram: "),
        (["--vram", "nan"], r"argument --vram: "), (["--vram", "16GiB", "--weights", "-1"], r"argument --weights"),
        (["--vram", "16GiB", "--reserve", "2PiB"], r"argument --reserve"),
    ):  # fmt: skip
        yield Case("errors", f"fit_{' '.join(args)}", [*fit, *args], {"m.gguf": b"GGUF"}, code=2, error=True,
                   says=(rf"^llmcore fit: error: {msg}",), smoke=args[-1] == "-5")  # fmt: skip
    yield Case("errors", "kv_ctx_word", ["llmcore", "kv", "m.gguf", "--ctx", "abc"], code=2, error=True, says=(r"argument --ctx",))
    yield Case("errors", "deps_no_such_path", ["llmcore", "deps", "nope"], code=2, error=True, says=(r"^llmcore deps: nope: no such file",))
    yield Case("errors", "deps_fail_on_bogus", ["llmcore", "deps", "--fail-on", "bogus"], base, code=2, error=True, says=(r"^llmcore deps: error: argument --fail-on: 'bogus' is not a list of finding kinds",))
    yield Case("errors", "malformed_toml", ["llmcore", "deps"], {"app.py": APP, "pyproject.toml": "[project\n"}, code=2, error=True, says=(r"pyproject\.toml:1:\d+: malformed TOML",))
    yield Case("errors", "pytest_malformed_toml", ["pytest"], {"test_b.py": PASSING, "pyproject.toml": "[tool.llmcore\n"}, code=4, error=True, says=(r"^ERROR: .*pyproject\.toml: Expected ']'",))  # pytest reads the file first
    yield Case("errors", "pyproject_not_utf8", ["llmcore", "deps"], {"app.py": APP, "pyproject.toml": b"\xff\xfe[x]\n"}, code=2, error=True, says=(r"not UTF-8",))
    yield Case("errors", "pyproject_directory", ["llmcore", "deps"], {"app.py": APP, "pyproject.toml/x": "y"}, code=0, says=(r"no declared dependencies found",))
    yield Case("errors", "history_bad_store", ["llmcore", "history", "show", "--history", "/dev/null"], code=2, error=True, says=(r"/dev/null",))
    for cmd in (["llmcore", "deps"], ["llmcore", "deps", "--format", "json"], ["llmcore", "deps", "-v"], ["llmcore", "--help"]):
        many = {f"m{i}.py": f"import mod{i}\n" for i in range(200)}
        yield Case("errors", f"head_1_{' '.join(cmd[1:])}", cmd, {**base, **many}, head=True, code=None,
                   not_says=(r"BrokenPipe|Exception ignored",), smoke=cmd[-1] == "deps")  # fmt: skip


def _cache_files(cache_dir: Path, text: str) -> None:
    cache_dir.mkdir(parents=True)
    for name in ("imports.json", "cache.json"):
        (cache_dir / name).write_text(text)


# -- 5. exit codes -----------------------------------------------------------------------------


def _exitcodes() -> Iterator[Case]:
    unused = {"app.py": APP, "pyproject.toml": pyproject(["requests", "torchvision"])}
    clean = {"app.py": APP, "pyproject.toml": pyproject(["requests"])}
    yield Case("exitcodes", "clean_is_0", ["llmcore", "deps"], clean, code=0)
    yield Case("exitcodes", "finding_is_1", ["llmcore", "deps"], unused, code=1, says=(r"torchvision: unused",))
    yield Case("exitcodes", "fix_json_is_json", ["llmcore", "deps", "--fix", "--format", "json"], unused, code=0, check=json_stdout, smoke=True)
    yield Case("exitcodes", "diff_json_is_json", ["llmcore", "deps", "--diff", "--format", "json"], unused, code=1, check=json_stdout,
               after={"pyproject.toml": unused["pyproject.toml"]}, smoke=True)  # fmt: skip
    yield Case("exitcodes", "diff_text", ["llmcore", "deps", "--diff"], unused, code=1, says=(r'^-.*"torchvision"',),
               after={"pyproject.toml": unused["pyproject.toml"]})  # fmt: skip
    yield Case("exitcodes", "json_findings", ["llmcore", "deps", "--format", "json"], unused, code=1, check=json_stdout)
    yield Case("exitcodes", "unknown_option", ["llmcore", "deps", "--bogus"], code=2, error=True, says=(r"unrecognized arguments: --bogus",))
    yield Case("exitcodes", "unknown_command", ["llmcore", "bogus"], code=2, error=True, says=(r"invalid choice",))
    yield Case("exitcodes", "no_command", ["llmcore"], code=2, error=True)
    yield Case("exitcodes", "input_error_is_2_not_1", ["llmcore", "deps"], {"app.py": APP, "pyproject.toml": "[[["}, code=2, error=True, smoke=True)


# -- 6. annotations ----------------------------------------------------------------------------


def _annotations_ok(proj: Path, out: str, err: str) -> str | None:
    for line in out.splitlines():
        if line and not line.startswith(("::error ", "::warning ", "::notice ", "llmcore deps:")):
            return f"a line that is not an annotation: {line!r}"
        head = line.split("::", 2)[1] if line.startswith("::") else ""
        if re.search(r"[\r\n]|::|,(?!line=|title=|col=)", head[head.find(" ") :]):
            return f"an unescaped property: {line!r}"
    return None


def _annotations() -> Iterator[Case]:
    names = {"newline": "bad\n::stop-commands::tok.py", "comma": "a,line=99.py", "percent": "x%0Ay.py",
             "colons": "a::b.py", "cr": "a\rb.py"}  # fmt: skip
    for tag, name in names.items():
        yield Case(
            "annotations", f"deps_file_{tag}", ["llmcore", "deps", "--format", "github"],
            {"app.py": APP, "pyproject.toml": pyproject(["requests"]), name: "import yaml\nyaml.x\n"},
            code=0, check=_annotations_ok, not_says=(r"^::stop-commands",), says=(r"^::warning file=",),
            smoke=tag in ("newline", "comma"),
        )  # fmt: skip
    over = PASSING.replace('"10ms"', '"0.5ms"')
    for tag, name in (("comma", "test_a,b.py"), ("colons", "test_a::b.py")):
        yield Case(
            "annotations", f"budget_file_{tag}", ["pytest"], {name: over}, code=1,
            env={"GITHUB_ACTIONS": "true"}, says=(r"^::error file=test_a(%2C|%3A%3A)b\.py",),
            not_says=(r"^::error file=test_a,b", r"^::error file=test_a::b"), smoke=tag == "comma",
        )  # fmt: skip
    param = over.replace(
        "def test_fast(llmcore_perf):",
        '@pytest.mark.parametrize("x", ["a\\n::stop-commands::t"], ids=["a\\n::stop-commands::t"])\n'
        "def test_fast(llmcore_perf, x):",
    )
    yield Case("annotations", "budget_param_id_newline", ["pytest"], {"test_p.py": param}, code=1,
               env={"GITHUB_ACTIONS": "true"}, not_says=(r"^::stop-commands",), says=(r"^::error ",))  # fmt: skip


# -- 7. CUDA_VISIBLE_DEVICES ---------------------------------------------------------------------


def _gpu_lines(n: int) -> RunCheck:
    def check(proj: Path, out: str, err: str) -> str | None:
        got = len(re.findall(r"^  GPU \d+ ", out, re.M))
        return None if got == n else f"{got} GPU lines, not {n}"

    return check


def _cuda() -> Iterator[Case]:
    doctor = ["llmcore", "doctor", "--expect-gpu"]
    want = {
        "-1": (), "garbage": (), "": (), "2": (), "0,garbage,1": ("RTX A",), "1,0": ("RTX B", "RTX A"),
        "GPU-bbbb-1111": ("RTX B",), "GPU-bbbb": ("RTX B",), "GPU-zzzz": (), "1,-1,0": ("RTX B",),
        " 1": ("RTX B",), "0,0": ("RTX A",),
    }  # fmt: skip
    for value, gpus in want.items():
        # doctor names each GPU by its NVML index (as nvidia-smi does), in CUDA's order
        says = (r"^  GPU \d+ +" + r"\b.*\n  GPU \d+ +".join(gpus),) if gpus else (r"hides every GPU",)
        yield Case(
            "cuda", f"doctor_cvd={value!r}", doctor, env={"CUDA_VISIBLE_DEVICES": value},
            code=1, says=says, not_says=(r"GPU ready",), check=_gpu_lines(len(gpus)),
            smoke=value in ("-1", "0,garbage,1", "GPU-bbbb-1111"),
        )  # fmt: skip
    gpu_test = "import pytest\n\n@pytest.mark.llmcore_gpu\ndef test_g():\n    pass\n"
    for value, code in (("-1", 1), ("garbage", 1), ("0", 0)):
        yield Case(
            "cuda", f"require_gpu_cvd={value}", ["pytest", "--llmcore-require-gpu"], {"test_g.py": gpu_test},
            env={"CUDA_VISIBLE_DEVICES": value}, code=code, says=(r"1 failed" if code else r"1 passed",),
        )  # fmt: skip


# -- 8. report file modes ------------------------------------------------------------------------


def _mode(want: int) -> object:
    def check(path: Path) -> str | None:
        if not path.is_file():
            return f"{path.name} was not written"
        got = path.stat().st_mode & 0o777
        return None if got == want else f"{path.name} mode {oct(got)} != {oct(want)}"

    return check


def _modes() -> Iterator[Case]:
    for mask in (0o022, 0o077, 0o002):
        want = 0o666 & ~mask
        yield Case(
            "modes", f"umask_{oct(mask)}", ["pytest", "--llmcore-json=r.json", "--llmcore-html=r.html", "--llmcore-save-baseline=main"],
            {"test_b.py": PASSING}, umask=mask, code=0,
            after={"r.json": _mode(want), "r.html": _mode(want), ".llmcore/baselines/main.json": _mode(want)},  # type: ignore[dict-item]
            smoke=mask == 0o022,
        )  # fmt: skip
    yield Case("modes", "existing_mode_kept", ["llmcore", "deps", "--fix"],
               {"app.py": APP, "pyproject.toml": pyproject(["requests", "torchvision"])},
               setup=lambda p: os.chmod(p / "pyproject.toml", 0o640), code=0,
               after={"pyproject.toml": _mode(0o640)})  # type: ignore[dict-item]  # fmt: skip


def all_cases() -> list[Case]:
    gens = (_samples, _baselines, _verdict_misc, _loss, _bounds, _errors, _config, _markers,
            _exitcodes, _annotations, _cuda, _modes)  # fmt: skip
    return [c for g in gens for c in g()]
