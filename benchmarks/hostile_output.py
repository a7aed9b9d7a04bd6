"""The hostile corpus: exit codes, annotations, CUDA_VISIBLE_DEVICES, file modes (5-8)."""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator
from pathlib import Path

from hostile_cases import (
    APP,
    PASSING,
    Case,
    RunCheck,
    json_stdout,
    pyproject,
)

ERR = r"^ERROR: llmcore: "  # pytest's usage error line, ours


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
    # with a GPU visible, readiness rests on the engines: a CPU-only torch or llama-cpp-python
    # (the full test environment) is not GPU-ready; with neither installed, the GPU is
    cpu_engines = any(importlib.util.find_spec(m) for m in ("torch", "llama_cpp"))
    for value, gpus in want.items():
        # doctor names each GPU by its NVML index (as nvidia-smi does), in CUDA's order
        says = (r"^  GPU \d+ +" + r"\b.*\n  GPU \d+ +".join(gpus),) if gpus else (r"hides every GPU",)
        ready = bool(gpus) and not cpu_engines
        yield Case(
            "cuda", f"doctor_cvd={value!r}", doctor, env={"CUDA_VISIBLE_DEVICES": value},
            code=0 if ready else 1, says=says, not_says=() if ready else (r"GPU ready",),
            check=_gpu_lines(len(gpus)), smoke=value in ("-1", "0,garbage,1", "GPU-bbbb-1111"),
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
