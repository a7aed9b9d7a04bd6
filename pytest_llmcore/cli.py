"""The ``llmcore`` command: deps, doctor, ceilings, kv, fit, history, ab.

Exit status, for CI: 0 ok, 1 findings (the gate failed, the model does not fit, a GPU is
missing with ``--expect-gpu``), 2 a usage, input or internal error. Every error is one
line on stderr; ``--debug`` adds the traceback of an internal error. Output cut short by a
closed pipe (``llmcore deps | head -1``) is not an error: the command ends quietly with
the status of its result.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__
from .core.argtypes import MAX_SIZE, int_in, size_in
from .core.errors import LlmcoreError
from .options import add_deps_options

__all__ = ["main"]

#: llama.cpp's n_ctx is 32-bit; 16M tokens is beyond any trained context today
MAX_CTX = 1 << 24
MAX_LAYERS = 1 << 16


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line naming the option, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _common() -> argparse.ArgumentParser:
    """--version and --debug, on the top command and every subcommand."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--version", action="version", version=f"llmcore {__version__}")
    p.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,  # a subcommand must not reset the top command's flag
        help="show the traceback of an internal error",
    )
    return p


def _stdout_gone() -> None:
    """stdout's reader went away: point stdout at /dev/null so that the interpreter's final
    flush is quiet too (the recipe of Python's signal module documentation)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a replaced stdout (tests) has no fd
        pass


_closed = [False]


def _emit(text: str) -> None:
    """Print ``text`` and flush now: a closed pipe is noticed here, not at exit."""
    if _closed[0]:
        return
    try:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        _closed[0] = True
        _stdout_gone()


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _deps_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "deps",
        parents=[_common()],
        help="check declared dependencies against imports",
        description="Find declared dependencies that are never used (an import whose name is "
        "never used is not a use), imports nothing declares, dev dependencies imported by "
        "runtime code, and transitive-only imports. Exit status 1 when the gate fails.",
    )
    p.add_argument("path", nargs="?", default=".", help="project directory (default: .)")
    p.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="output: text (default), json, or GitHub Actions annotations",
    )
    p.add_argument(
        "--fix",
        action="store_true",
        help="remove failing unused dependencies from the files that declare them",
    )
    p.add_argument(
        "--diff", action="store_true", help="show what --fix would change; write nothing"
    )
    p.add_argument(
        "-v", "--verbose", action="store_true", help="also say where each dependency is used"
    )
    add_deps_options(p.add_argument, "--")


def _run_deps(args: argparse.Namespace) -> int:
    from .deps.gate import project_root_for, run_gate
    from .deps.report import render_github, render_json, render_text
    from .deps.settings import load_settings, parse_kinds

    path = Path(args.path)
    if not path.exists():
        _err(f"llmcore deps: {path}: no such file or directory")
        return 2
    root = path if path.is_dir() else project_root_for(path)
    settings = load_settings(root)
    if args.llmcore_deps_fail_on is not None:
        settings = settings.with_overrides(
            fail_on=parse_kinds(args.llmcore_deps_fail_on, "--fail-on")
        )
    use_cache = False if args.llmcore_deps_no_cache else None
    result = run_gate(root, settings, use_cache=use_cache)
    extra: dict[str, Any] = {}
    if args.fix or args.diff:
        from .deps.fix import apply_fix, plan_result_fix

        plan = plan_result_fix(root, result, settings)
        for line in plan.refused:
            _err(f"llmcore deps: --fix: {line}")
        extra["kept"] = plan.refused
        edits = plan.edits
        diff = plan.diff()
        if args.diff:
            if args.format != "json":
                _emit(diff)
                return 1 if edits else 0
            extra["diff"] = diff
        else:
            apply_fix(edits)
            for line in plan.report():  # a note: stdout stays the chosen format's alone
                (_err if args.format != "text" else _emit)(line)
            extra["removed"] = [
                {"dependency": d.name, "requirement": d.requirement, "declared_in": str(d.location)}
                for e in edits
                for d in e.removed
            ]
            if edits:
                result = run_gate(root, settings, use_cache=use_cache)
    if args.format == "json":
        data = json.loads(render_json(result))
        data.update(extra)
        _emit(json.dumps(data, indent=2))
    elif args.format == "github":
        _emit(render_github(result))
    else:
        _emit(render_text(result, verbose=args.verbose))
    if args.diff:
        return 1 if extra.get("diff") else 0
    return 1 if result.failed else 0


def _doctor_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "doctor",
        parents=[_common()],
        help="GPU facts: NVML, torch, llama-cpp-python offload, numba.cuda, environment",
        description="Check that this machine can run GPU inference: driver and GPUs through "
        "NVML, torch.cuda, whether llama-cpp-python was built with GPU offload (without it "
        "n_gpu_layers=-1 silently runs on the CPU), numba.cuda, recommended environment.",
    )
    p.add_argument("--json", action="store_true", help="print the facts as JSON")
    p.add_argument(
        "--expect-gpu",
        action="store_true",
        help="exit 1 when anything GPU-related is missing (for GPU runners)",
    )


def _run_doctor(args: argparse.Namespace) -> int:
    from .gpu.doctor import collect, render_text

    report = collect()
    _emit(json.dumps(report.to_json(), indent=2) if args.json else render_text(report))
    return 1 if args.expect_gpu and report.problems else 0


def _ceilings_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "ceilings",
        parents=[_common()],
        help="measure memory bandwidth and matmul rate (the roofline's ceilings)",
        description="Measure achievable memory bandwidth (host memcpy, torch copy, a numba.cuda "
        "kernel) and matmul rate (torch fp16/bf16/tf32 on a GPU, fp32 on the CPU), with warm-up; "
        "the best of the repeats is reported with their spread. --device cuda without a CUDA "
        "device is an error (exit 2).",
    )
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--quick", action="store_true", help="smaller buffers, fewer repeats")
    p.add_argument("--json", action="store_true", help="print JSON")


def _cuda_missing() -> str | None:
    """Why torch can't use CUDA here, or None when it can."""
    import importlib

    try:
        torch: Any = importlib.import_module("torch")
    except ImportError:
        return "torch is not installed (pip install pytest-llmcore[torch])"
    if not torch.cuda.is_available():
        build = getattr(torch.version, "cuda", None)
        return (
            "torch sees no CUDA device"
            + ("" if build else " (a CPU-only build of torch)")
            + f"; CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', '(unset)')}"
        )
    return None


def _run_ceilings(args: argparse.Namespace) -> int:
    from .gpu.ceilings import measure_ceilings

    if args.device == "cuda":
        why = _cuda_missing()
        if why:
            _err(f"llmcore ceilings: --device cuda: {why} (use --device cpu or auto)")
            return 2
    found = measure_ceilings(args.device, quick=args.quick)
    if not found:
        _err(f"llmcore ceilings: nothing could be measured on {args.device}")
        return 2
    if args.json:
        _emit(json.dumps([c.to_json() for c in found], indent=2))
    else:
        for c in found:
            _emit(f"{c.describe()}  [best of {c.repeats}, spread {c.spread:.0%}]")
    return 0


def _cache_types(value: str) -> tuple[str, ...]:
    from .llm.kv import CACHE_TYPES

    types = tuple(t.strip() for t in value.split(",") if t.strip())
    bad = [t for t in types if t not in CACHE_TYPES]
    if bad or not types or len(set(types)) != len(types):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a list of distinct cache types (choose from "
            f"{', '.join(CACHE_TYPES)})"
        )
    return types


def _kv_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "kv",
        parents=[_common()],
        help="KV-cache bytes of a GGUF model per cache type: measured and analytic",
        description="Load MODEL with llama-cpp-python once per cache type (f16, q8_0, q4_0; "
        "flash attention on for quantized caches, as llama.cpp requires), read the KV size "
        "llama.cpp logs (every cache summed) and compare with the size computed from the "
        "model's shape. Savings vs f16: q8_0 46.9%%, q4_0 71.9%%.",
    )
    p.add_argument("model", help="path to a .gguf file")
    p.add_argument(
        "--ctx",
        type=int_in(1, MAX_CTX, "a context size"),
        default=4096,
        help="context size in tokens, 1..16M (default 4096)",
    )
    p.add_argument(
        "--types",
        type=_cache_types,
        default=("f16", "q8_0", "q4_0"),
        help="cache types, comma-separated (default f16,q8_0,q4_0)",
    )
    p.add_argument(
        "--gpu-layers",
        type=int_in(-1, MAX_LAYERS, "a layer count"),
        default=0,
        help="layers to offload, -1 for all (default 0)",
    )
    p.add_argument("--json", action="store_true", help="print JSON keyed by cache type")


def _run_kv(args: argparse.Namespace) -> int:
    from .llm.kvreport import kv_report, render_kv

    try:
        report = kv_report(args.model, args.ctx, args.types, args.gpu_layers)
    except ValueError as exc:  # a cache type this model's head size can't use
        _err(f"llmcore kv: {exc}")
        return 2
    _emit(json.dumps(report, indent=2) if args.json else render_kv(report))
    return 0


def _fit_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "fit",
        parents=[_common()],
        help="will a GGUF model and context fit in VRAM; the settings that make it fit",
        description="Weights + KV cache per cache type (f16, q8_0, q4_0) + a compute-buffer "
        "estimate + a runtime reserve, against the VRAM; recommends the KV cache type, flash "
        "attention and n_gpu_layers, and prints llama-cpp-python, llama.cpp and Ollama "
        "settings. Exit status 1 when the model does not fit whole.",
    )
    p.add_argument("model", help="path to a .gguf file")
    p.add_argument("--vram", required=True, type=size_in(1), help='GPU memory, e.g. "16GiB"')
    p.add_argument(
        "--ctx",
        type=int_in(1, MAX_CTX, "a context size"),
        default=4096,
        help="context size in tokens, 1..16M (default 4096)",
    )
    p.add_argument(
        "--weights",
        type=size_in(0),
        default=None,
        help="weights size when the file holds metadata only (default: the file size)",
    )
    p.add_argument(
        "--reserve",
        type=size_in(0, MAX_SIZE),
        default=512 * 2**20,
        help="CUDA context and slack (default 512MiB)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")


def _run_fit(args: argparse.Namespace) -> int:
    from .llm.fit import plan_fit, render_fit
    from .llm.gguf_info import read_gguf

    plan = plan_fit(read_gguf(args.model), args.vram, args.ctx, args.weights, args.reserve)
    _emit(json.dumps(plan.to_json(), indent=2) if args.json else render_fit(plan))
    return 0 if plan.n_gpu_layers == -1 else 1


def _history_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .history.commands import add_history_parser

    add_history_parser(sub, parents=[_common()])


def _run_history(args: argparse.Namespace) -> int:
    from .history.commands import run_history

    return run_history(args)


def _ab_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .budgets.ab import add_ab_parser

    add_ab_parser(sub, parents=[_common()])


def _run_ab(args: argparse.Namespace) -> int:
    from .budgets.ab import run_ab

    return run_ab(args)


_COMMANDS: dict[str, tuple[Callable[[Any], None], Callable[[argparse.Namespace], int]]] = {
    "deps": (_deps_parser, _run_deps),
    "doctor": (_doctor_parser, _run_doctor),
    "ceilings": (_ceilings_parser, _run_ceilings),
    "kv": (_kv_parser, _run_kv),
    "fit": (_fit_parser, _run_fit),
    "history": (_history_parser, _run_history),
    "ab": (_ab_parser, _run_ab),
}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="llmcore", description="pytest-llmcore tools", parents=[_common()])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for make, _ in _COMMANDS.values():
        make(sub)
    return parser


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    name = args.command
    if name is None:
        parser.print_help()
        return 2
    try:
        return _COMMANDS[name][1](args)
    except LlmcoreError as exc:  # bad input: a file, a config value
        _err(f"llmcore {name}: {exc}")
        return 2
    except OSError as exc:  # the environment: permissions, a full disk
        if isinstance(exc, BrokenPipeError):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        _err(f"llmcore {name}: {where}{exc.strerror or exc}")
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns its exit status (see the module docstring)."""
    _closed[0] = False
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = getattr(args, "debug", False) or os.environ.get("LLMCORE_DEBUG", "") not in ("", "0")
    try:
        return _run(args, parser)
    except BrokenPipeError:
        _stdout_gone()
        return 0
    except KeyboardInterrupt:
        _err("llmcore: interrupted")
        return 130
    except Exception as exc:
        if debug:
            traceback.print_exc()
        text = " ".join(str(exc).split()) or "(no message)"
        hint = "" if debug else " (re-run with --debug for the traceback)"
        _err(f"llmcore: internal error: {type(exc).__name__}: {text}{hint}")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
