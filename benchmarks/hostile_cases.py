"""The hostile corpus of benchmarks/hostile.py and its runner (issue 11's eight classes).

A :class:`Case` is a project (files and a setup function), a command (``llmcore ...``,
``pytest ...`` run with ``--llmcore``, or ``python SCRIPT``) and explicit expectations.
:func:`run_case` runs it in a fresh directory under a timeout and an address-space limit
and returns an :class:`Outcome` whose ``verdict`` is one of hostile.py's columns.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import resource
import signal
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

CLASSES = ("verdicts", "loss", "bounds", "errors", "exitcodes", "annotations", "cuda", "modes")
REPO = Path(__file__).resolve().parents[1]
MEMORY_LIMIT = 6 * 2**30
ROOT = os.geteuid() == 0

#: a file check: exact bytes/text, None (must not exist), or a function returning a problem
Check = bytes | str | None | Callable[[Path], "str | None"]
#: a whole-run check: (project, stdout, stderr) -> a problem or None
RunCheck = Callable[[Path, str, str], "str | None"]


@dataclass
class Case:
    cls: str
    name: str
    argv: list[str]
    files: dict[str, str | bytes] = field(default_factory=dict)
    setup: Callable[[Path], None] | None = None
    code: int | None = 0
    says: tuple[str, ...] = ()
    """Regular expressions (multiline) that must each match the output."""
    not_says: tuple[str, ...] = ()
    after: dict[str, Check] = field(default_factory=dict)
    check: RunCheck | None = None
    error: bool = False
    """The right outcome is a clean, one-line error."""
    env: dict[str, str] = field(default_factory=dict)
    umask: int | None = None
    head: bool = False
    """Read one line of stdout, then close the pipe (``| head -1``)."""
    pre: list[list[str]] = field(default_factory=list)
    """Commands run first (their results are not judged)."""
    between: Callable[[Path], None] | None = None
    """Called after ``pre`` and before the judged command."""
    cleanup: Callable[[Path], None] | None = None
    smoke: bool = False
    """Also run by tests/test_hostile_<class>.py."""
    root_only: bool = False
    """Needs root (chattr +i, mount): a read-only file even root cannot write."""


@dataclass
class Outcome:
    verdict: str
    why: str
    code: int | None
    stdout: str
    stderr: str

    @property
    def tail(self) -> str:
        return (self.stdout + "\n" + self.stderr).strip()


# -- running ---------------------------------------------------------------------------------

NO_GPU = {"devices": [], "driver": "550.54.14"}
TWO_GPUS = {
    "devices": [
        {"name": "RTX A", "memory_total": 24 * 2**30, "uuid": "GPU-aaaa-0000"},
        {"name": "RTX B", "memory_total": 24 * 2**30, "uuid": "GPU-bbbb-1111"},
    ]
}
CRASH = re.compile(
    r"Traceback \(most recent call last\)|INTERNALERROR|llmcore: internal error|"
    r"^(MemoryError|RecursionError|OverflowError)",
    re.M,
)


def _argv(case: Case) -> list[str]:
    head, *rest = case.argv
    if head == "llmcore":
        return [sys.executable, "-m", "pytest_llmcore", *rest]
    if head == "pytest":
        return [
            sys.executable, "-m", "pytest", "--llmcore", "-p", "no:cacheprovider",
            "-p", "no:randomly", "-p", "no:xdist", *rest,
        ]  # fmt: skip
    if head == "python":
        return [sys.executable, *rest]
    raise ValueError(head)


def _env(case: Case, fake: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "LLMCORE_", "PYTEST_", "CUDA_"))
    }
    env["PYTHONPATH"] = str(REPO)
    env["LLMCORE_FAKE_GPUS"] = str(fake)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(case.env)
    return env


def _limits(umask: int | None) -> Callable[[], None]:
    def pre() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if umask is not None:
            os.umask(umask)

    return pre


def _run(case: Case, argv: list[str], proj: Path, env: dict[str, str], timeout: float) -> tuple[
    int | None, str, str
]:
    proc = subprocess.Popen(
        _argv(Case(case.cls, case.name, argv)),
        cwd=proj,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limits(case.umask),
        start_new_session=True,
    )
    try:
        if case.head and argv is case.argv:
            assert proc.stdout is not None and proc.stderr is not None
            first = proc.stdout.readline()
            proc.stdout.close()
            err = proc.stderr.read()
            proc.stderr.close()
            proc.wait(timeout)
            return proc.returncode, first.decode(errors="replace"), err.decode(errors="replace")
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None, "", ""


def _check_file(path: Path, want: Check) -> str | None:
    if want is None:
        return f"{path.name} exists" if os.path.lexists(path) else None
    if callable(want):
        return want(path)
    if not path.is_file():
        return f"{path.name} is gone"
    data = path.read_bytes()
    expected = want.encode() if isinstance(want, str) else want
    return None if data == expected else f"{path.name} changed: {data[:120]!r}"


def judge(case: Case, proj: Path, code: int | None, out: str, err: str) -> Outcome:
    """The verdict of one finished run (see hostile.py's docstring)."""
    if code is None:
        return Outcome("hang", "timed out", code, out, err)
    both = out + "\n" + err
    crash = CRASH.search(both)
    if crash:
        return Outcome("traceback", crash.group(0), code, out, err)
    for rel, want in case.after.items():
        problem = _check_file(proj / rel, want)
        if problem:
            return Outcome("data loss", problem, code, out, err)
    problems = [] if case.code is None or code == case.code else [f"exit {code} != {case.code}"]
    problems += [f"no match for {rx!r}" for rx in case.says if not re.search(rx, both, re.M)]
    problems += [f"unwanted {rx!r}" for rx in case.not_says if re.search(rx, both, re.M)]
    if case.check is not None:
        problem = case.check(proj, out, err)
        if problem:
            problems.append(problem)
    if problems:
        return Outcome("wrong result", "; ".join(problems), code, out, err)
    return Outcome("clean error" if case.error else "right", f"exit {code}", code, out, err)


_SERIAL = itertools.count()


def run_case(case: Case, tmp: Path, timeout: float = 60.0) -> Outcome:
    """Build the case's project under ``tmp``, run it, judge it, clean up."""
    base = tmp / f"{next(_SERIAL)}-{case.cls}-{re.sub(r'[^A-Za-z0-9_.-]', '_', case.name)[:60]}"
    proj = base / "proj"
    proj.mkdir(parents=True)
    fake = base / "gpus.json"
    fake.write_text(json.dumps(TWO_GPUS if case.cls == "cuda" else NO_GPU))
    try:
        return _build_and_run(case, proj, fake, timeout)
    except Exception as exc:  # the harness's own failure: shown, never counted as right
        return Outcome("wrong result", f"harness: {type(exc).__name__}: {exc}", None, "", "")
    finally:
        if case.cleanup is not None:
            with contextlib.suppress(Exception):
                case.cleanup(proj)
        _unlock(base)
        # rm, not shutil.rmtree: a tree 1,000 directories deep exceeds Python's recursion limit
        subprocess.run(["rm", "-rf", str(base)], check=False)


def _build_and_run(case: Case, proj: Path, fake: Path, timeout: float) -> Outcome:
    for rel, content in case.files.items():
        target = proj / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    if case.setup is not None:
        case.setup(proj)
    env = _env(case, fake)
    for argv in case.pre:
        _run(case, argv, proj, env, timeout)
    if case.between is not None:
        case.between(proj)
    code, out, err = _run(case, case.argv, proj, env, timeout)
    return judge(case, proj, code, out, err)


def _unlock(base: Path) -> None:
    """Undo chattr +i and chmod 000 so the case can be removed (the tools, not os.walk: a
    tree 1,000 directories deep exceeds Python's recursion limit)."""
    subprocess.run(["chattr", "-R", "-i", str(base)], capture_output=True, check=False)
    subprocess.run(["chmod", "-R", "u+rwx", str(base)], capture_output=True, check=False)


# -- building blocks ------------------------------------------------------------------------


def pyproject(deps: list[str] | None = None, tool: str = "", extra: str = "") -> str:
    deps = ["requests"] if deps is None else deps
    listed = ", ".join(json.dumps(d) for d in deps)
    return f'[project]\nname = "demo"\nversion = "0"\ndependencies = [{listed}]\n{extra}\n{tool}'


APP = "import requests\n\nrequests.get\n"
PASSING = (
    "import pytest\n\n"
    '@pytest.mark.budget(latency_ms={"p50": "10ms"})\n'
    "def test_fast(llmcore_perf):\n"
    '    llmcore_perf.record("latency_ms", [1.0, 1.2, 1.1])\n'
)


def immutable(*rels: str) -> Callable[[Path], None]:
    """chattr +i: even root cannot write there (a read-only file or directory)."""

    def setup(proj: Path) -> None:
        for rel in rels:
            subprocess.run(["chattr", "+i", str(proj / rel)], check=True, capture_output=True)

    return setup


def json_stdout(proj: Path, out: str, err: str) -> str | None:
    try:
        json.loads(out)
    except ValueError as exc:
        return f"stdout is not JSON ({exc})"
    return None


def strict_json(path: Path) -> str | None:
    if not path.is_file():
        return f"{path.name} missing"
    try:
        json.loads(path.read_text(), parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except ValueError as exc:
        return f"{path.name} is not strict JSON ({exc})"
    return None


def exists(path: Path) -> str | None:
    return None if path.is_file() else f"{path.name} was not written"


# -- GGUF headers ---------------------------------------------------------------------------

U32, F32, STR, ARR, U64 = 4, 6, 8, 9, 10


def _s(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def _kv(key: str, vtype: int, payload: bytes) -> bytes:
    return _s(key) + struct.pack("<I", vtype) + payload


def _u32(key: str, v: int) -> bytes:
    return _kv(key, U32, struct.pack("<I", v))


def gguf(*pairs: bytes, n_tensors: int = 0, n_kv: int | None = None, version: int = 3) -> bytes:
    n = len(pairs) if n_kv is None else n_kv
    return b"GGUF" + struct.pack("<IQQ", version, n_tensors, n) + b"".join(pairs)


def llama(**override: bytes) -> bytes:
    fields = {
        "arch": _kv("general.architecture", STR, _s("llama")),
        "blocks": _u32("llama.block_count", 2),
        "embd": _u32("llama.embedding_length", 256),
        "heads": _u32("llama.attention.head_count", 4),
        "kv": _u32("llama.attention.head_count_kv", 2),
    }
    fields.update(override)
    return gguf(*fields.values())


def _nested(depth: int) -> bytes:
    body = struct.pack("<IQ", U32, 0)
    for _ in range(depth):
        body = struct.pack("<IQ", ARR, 1) + body
    return body


def gguf_headers() -> Iterator[tuple[str, bytes, str]]:
    """(name, file bytes, expected message regex) of crafted headers."""
    bad = r"not a readable GGUF file|implausible GGUF metadata"
    yield "block_count_2^62", llama(blocks=_kv("llama.block_count", U64, struct.pack("<Q", 2**62))), bad
    yield "string_len_2^40", gguf(struct.pack("<Q", 2**40) + b"key"), bad
    yield "array_count_2^61", gguf(_kv("x.arr", ARR, struct.pack("<IQ", U32, 2**61))), bad
    yield "nesting_5000", gguf(_kv("x.arr", ARR, _nested(5000))), bad
    yield "head_count_kv_empty", llama(kv=_kv("llama.attention.head_count_kv", ARR, struct.pack("<IQ", U32, 0))), bad
    yield "block_count_inf", llama(blocks=_kv("llama.block_count", F32, struct.pack("<f", float("inf")))), bad
    yield "block_count_nan", llama(blocks=_kv("llama.block_count", F32, struct.pack("<f", float("nan")))), bad
    yield "tensor_count_2^60", gguf(n_tensors=2**60), bad
    yield "kv_count_2^60", gguf(n_kv=2**60), bad
    yield "version_1", gguf(version=1), bad
    yield "version_2^31", gguf(version=2**31), bad
    yield "bad_magic", b"GGML" + b"\0" * 40, bad
    yield "empty", b"", bad
    yield "truncated", llama()[:-3], bad
    yield "unknown_type_99", gguf(_kv("x.y", 99, b"\0" * 8)), bad
    yield "arch_not_string", llama(arch=_u32("general.architecture", 5)), bad
    yield "heads_zero", llama(heads=_u32("llama.attention.head_count", 0)), bad
    yield "embd_2^31", llama(embd=_u32("llama.embedding_length", 2**31)), bad
    yield "arch_unknown", llama(arch=_kv("general.architecture", STR, _s("zzz"))), bad
    yield "arch_newline", llama(arch=_kv("general.architecture", STR, _s("a\nb"))), bad


# -- the corpus -----------------------------------------------------------------------------

from hostile_corpus import all_cases  # noqa: E402

__all__ = ["CLASSES", "Case", "Outcome", "all_cases", "judge", "run_case"]
