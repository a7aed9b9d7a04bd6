"""The `llmcore` command's contract for CI (issue 11 class 5, issue 14 item 6): exit 0 ok,
1 findings, 2 usage/input/internal error; one-line errors; range-checked numbers; quiet
on a closed pipe; JSON-only stdout; `python -m pytest_llmcore`; --version everywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmcore import __version__
from pytest_llmcore.cli import build_parser
from pytest_llmcore.core.units import parse_bytes

from .helpers.gguf_meta import write_llama3_8b_meta

LLMCORE = [sys.executable, "-m", "pytest_llmcore"]
SUBCOMMANDS = ("deps", "doctor", "ceilings", "kv", "fit")
MakeProject = Callable[[str], Path]


def llmcore(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LLMCORE, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


@pytest.fixture(scope="module")
def meta_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A metadata-only Llama-3-8B shape (no weights): fit reads only its header."""
    return write_llama3_8b_meta(tmp_path_factory.mktemp("meta"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ctx", "-5"], "argument --ctx: -5 is out of range: use 1..16,777,216"),
        (["--ctx", "0"], "argument --ctx: 0 is out of range: use 1..16,777,216"),
        (["--ctx", "4k"], "argument --ctx: '4k' is not a context size"),
        (
            ["--ctx", "99999999999"],
            "argument --ctx: 99999999999 is out of range: use 1..16,777,216",
        ),
        (["--vram", "0"], "argument --vram: '0' is out of range: use 1 B..1 PiB"),
        (["--vram", "-8GiB"], "argument --vram: '-8GiB': a size can't be negative or NaN"),
        (
            ["--vram", "1e400GiB"],
            "argument --vram: '1e400GiB': too large for a size (at most 1 EiB)",
        ),
        (["--vram", "2048TiB"], "argument --vram: '2048TiB' is out of range: use 1 B..1 PiB"),
        (
            ["--weights", "lots"],
            'argument --weights: cannot read \'lots\' as a size (e.g. "12GiB" or "500MB")',
        ),
        (["--reserve", "-1"], "argument --reserve: '-1': a size can't be negative or NaN"),
    ],
)
def test_fit_numbers_are_range_checked(meta_model: Path, args: list[str], message: str) -> None:
    base = {"--vram": "8GiB"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["fit", str(meta_model), *(f"{flag}={value}" for flag, value in base.items())]
    out = llmcore(*argv)
    assert out.returncode == 2 and out.stdout == ""
    # the whole line: a message that loses its value or its hint must fail
    assert out.stderr == f"llmcore fit: error: {message} (see llmcore fit --help)\n"


_TYPES = "distinct cache types (choose from f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ctx", "-1"], "argument --ctx: -1 is out of range: use 1..16,777,216"),
        (["--gpu-layers", "-2"], "argument --gpu-layers: -2 is out of range: use -1..65,536"),
        (["--gpu-layers", "x"], "argument --gpu-layers: 'x' is not a layer count"),
        (["--types", "f16,int8"], f"argument --types: 'f16,int8' is not a list of {_TYPES}"),
        (["--types", "f16,f16"], f"argument --types: 'f16,f16' is not a list of {_TYPES}"),
        (["--types", ","], f"argument --types: ',' is not a list of {_TYPES}"),
    ],
)
def test_kv_numbers_are_range_checked(args: list[str], message: str) -> None:
    out = llmcore("kv", "model.gguf", *args)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == f"llmcore kv: error: {message} (see llmcore kv --help)\n"


@settings(max_examples=60, deadline=None)
@given(
    flag=st.sampled_from(["--ctx", "--vram", "--weights", "--reserve"]),
    value=st.one_of(
        st.integers(-(2**70), 2**70).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(max_size=12),
        st.sampled_from(["1e400GiB", "nan", "inf", "-0", "0x10", "1_000", "8 GiB", "9" * 40]),
    ),
)
def test_any_fit_value_parses_in_range_or_is_a_usage_error(flag: str, value: str) -> None:
    """In-process over the parser: every value is accepted within its range or rejected
    through argparse (SystemExit 2), never another exception."""
    parser = build_parser()
    argv = ["fit", "m.gguf", "--vram", "8GiB", f"{flag}={value}"]
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        assert exc.code == 2
        return
    got = getattr(args, flag.lstrip("-"))
    if flag == "--ctx":  # an integer, "_" allowed as in Python, within 1..16Mi
        assert got == int(value.strip().replace("_", "")) and 1 <= got <= 2**24
    else:  # a size as every other size option reads it, within 0..1 PiB (--vram: 1..)
        assert got == parse_bytes(value) and (flag == "--vram") <= got <= 2**50


def test_usage_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["fit", "m.gguf"])
    assert exc.value.code == 2
    assert capsys.readouterr().err == (
        "llmcore fit: error: the following arguments are required: --vram "
        "(see llmcore fit --help)\n"
    )


def test_missing_model_is_an_input_error(tmp_path: Path) -> None:
    out = llmcore("fit", str(tmp_path / "none.gguf"), "--vram", "8GiB")
    assert out.returncode == 2
    assert out.stderr == (
        f"llmcore fit: {tmp_path / 'none.gguf'}: no such model file "
        "(pass the path of a .gguf file)\n"
    )
    assert "--llmcore" not in out.stderr  # no pytest flag names in the command's messages


def test_fit_exit_status_is_1_when_it_does_not_fit(meta_model: Path) -> None:
    fits = llmcore("fit", str(meta_model), "--vram", "16GiB", "--weights", "4.7GB")
    assert fits.returncode == 0 and "recommended: KV f16" in fits.stdout
    tight = llmcore("fit", str(meta_model), "--vram", "4GiB", "--weights", "4.7GB")
    assert tight.returncode == 1 and "does not fit whole" in tight.stdout


def test_internal_error_exits_2_with_one_line_and_debug_shows_the_traceback() -> None:
    crash = (
        "import sys, pytest_llmcore.cli as c\n"
        "def boom(args):\n    raise KeyError('no such thing')\n"
        "c._COMMANDS['doctor'] = (c._doctor_parser, boom)\n"
        "sys.exit(c.main(sys.argv[1:]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", crash, "doctor"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == (
        "llmcore: internal error: KeyError: 'no such thing' "
        "(re-run with --debug for the traceback)\n"
    )
    for argv in (["doctor", "--debug"], ["--debug", "doctor"]):
        dbg = subprocess.run(
            [sys.executable, "-c", crash, *argv], capture_output=True, text=True, timeout=60
        )
        assert dbg.returncode == 2
        assert dbg.stderr.startswith("Traceback (most recent call last):")
        assert dbg.stderr.endswith("llmcore: internal error: KeyError: 'no such thing'\n")


def test_a_closed_pipe_ends_quietly_with_the_result_status(project: MakeProject) -> None:
    """The reader is gone before the command writes (as `| head -1` after its line)."""
    root = project("llm-runtime-core")
    proc = subprocess.Popen(
        [*LLMCORE, "deps", str(root), "--no-cache", "--verbose"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1  # the gate's verdict (torchvision unused), not a crash
    assert err == ""


def test_fix_and_diff_json_print_json_only(project: MakeProject) -> None:
    root = project("llm-runtime-core")
    diff = llmcore("deps", str(root), "--diff", "--format", "json", "--no-cache")
    assert diff.returncode == 1
    data = json.loads(diff.stdout)
    assert '-    "torchvision==0.22.1",' in data["diff"] and data["failed"] is True
    fix = llmcore("deps", str(root), "--fix", "--format", "json", "--no-cache")
    assert fix.returncode == 0, fix.stderr
    data = json.loads(fix.stdout)
    assert data["removed"] == [
        {
            "dependency": "torchvision",
            "requirement": "torchvision==0.22.1",
            "declared_in": "pyproject.toml:16",
        }
    ]
    assert data["failed"] is False
    assert fix.stderr == "removed torchvision (torchvision==0.22.1) from pyproject.toml:16\n"


@pytest.mark.parametrize("sub", [None, *SUBCOMMANDS])
def test_version_everywhere(sub: str | None) -> None:
    out = llmcore(*([sub] if sub else []), "--version")
    assert out.returncode == 0 and out.stdout == f"llmcore {__version__}\n"


def test_no_command_is_a_usage_error() -> None:
    out = llmcore()
    assert out.returncode == 2 and out.stdout.startswith("usage: llmcore")


def test_ceilings_cuda_without_cuda_is_an_error() -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the error case can't happen here")
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run(
        [*LLMCORE, "ceilings", "--device", "cuda", "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("llmcore ceilings: --device cuda: torch sees no CUDA device")
    assert out.stderr.endswith("CUDA_VISIBLE_DEVICES= (use --device cpu or auto)\n")


def test_deps_exits_without_teardown_yet_loses_no_output(project: MakeProject) -> None:
    """The console script's `deps` skips the interpreter's teardown (os._exit): its whole
    output still arrives, the exit status is the verdict's, and a full disk is an error."""
    root = project("llm-runtime-core")
    full = subprocess.run(
        [*LLMCORE, "deps", str(root), "--no-cache", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert full.returncode == 1, full.stderr
    assert json.loads(full.stdout)["findings"]  # the whole document, closing brace included
    with open("/dev/full", "w") as devfull:
        proc = subprocess.run(
            [*LLMCORE, "deps", str(root), "--no-cache"],
            stdout=devfull,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "No space left" in proc.stderr
