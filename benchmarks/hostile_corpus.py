"""The cases of benchmarks/hostile.py, one generator per class of issue 11."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from hostile_cases import (
    APP,
    PASSING,
    ROOT,
    Case,
    exists,
    immutable,
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
            else (r"^test_s\.py::test_x +latency_ms +p50 +- +- +1000 ms( +-)+ +ERROR \(not recorded\)",),
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
    yield _step_summary_fifo()
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


def _step_summary_fifo() -> Case:
    return Case(
        "loss", "output_step_summary_fifo", ["pytest", "--llmcore-json=r.json"], {"test_b.py": PASSING},
        setup=lambda p: os.mkfifo(p / "sfifo"), env={"GITHUB_STEP_SUMMARY": "sfifo"}, code=3,
        says=(r"could not write the GitHub step summary sfifo: No such device or address",),
        after={"r.json": strict_json}, smoke=True,
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


from hostile_output import _annotations, _cuda, _exitcodes, _modes  # noqa: E402
from hostile_trees import _bounds, _errors  # noqa: E402
from hostile_values import _config, _markers  # noqa: E402


def all_cases() -> list[Case]:
    gens = (_samples, _baselines, _verdict_misc, _loss, _bounds, _errors, _config, _markers,
            _exitcodes, _annotations, _cuda, _modes)  # fmt: skip
    return [c for g in gens for c in g()]
