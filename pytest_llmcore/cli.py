"""The ``llmcore`` command: ``llmcore deps [PATH]``, ``llmcore doctor``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .options import add_deps_options

__all__ = ["main"]


def _deps_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "deps",
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
    from .core.errors import InputError
    from .deps.gate import project_root_for, run_gate
    from .deps.report import render_github, render_json, render_text
    from .deps.settings import load_settings, parse_kinds

    path = Path(args.path)
    if not path.exists():
        print(f"llmcore deps: {path}: no such file or directory", file=sys.stderr)
        return 2
    root = path if path.is_dir() else project_root_for(path)
    try:
        settings = load_settings(root)
        if args.llmcore_deps_fail_on is not None:
            settings = settings.with_overrides(
                fail_on=parse_kinds(args.llmcore_deps_fail_on, "--fail-on")
            )
        result = run_gate(root, settings, use_cache=False if args.llmcore_deps_no_cache else None)
        if args.fix or args.diff:
            from .deps.fix import apply_fix, plan_result_fix

            plan = plan_result_fix(root, result, settings)
            for line in plan.refused:
                print(f"llmcore deps: --fix: {line}", file=sys.stderr)
            edits = plan.edits
            if args.diff:
                sys.stdout.write(plan.diff())
                return 1 if edits else 0
            apply_fix(edits)
            for line in plan.report():
                print(line)
            if edits:
                result = run_gate(
                    root, settings, use_cache=False if args.llmcore_deps_no_cache else None
                )
    except InputError as exc:
        print(f"llmcore deps: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(render_json(result))
    elif args.format == "github":
        print(render_github(result))
    else:
        print(render_text(result, verbose=args.verbose))
    return 1 if result.failed else 0


def _doctor_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "doctor",
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
    import json

    from .gpu.doctor import collect, render_text

    report = collect()
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(render_text(report))
    return 1 if args.expect_gpu and report.problems else 0


def _ceilings_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "ceilings",
        help="measure memory bandwidth and matmul rate (the roofline's ceilings)",
        description="Measure achievable memory bandwidth (host memcpy, torch copy, a numba.cuda "
        "kernel) and matmul rate (torch fp16/bf16/tf32 on a GPU, fp32 on the CPU), with warm-up; "
        "the best of the repeats is reported with their spread.",
    )
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--quick", action="store_true", help="smaller buffers, fewer repeats")
    p.add_argument("--json", action="store_true", help="print JSON")


def _run_ceilings(args: argparse.Namespace) -> int:
    import json

    from .gpu.ceilings import measure_ceilings

    found = measure_ceilings(args.device, quick=args.quick)
    if args.json:
        print(json.dumps([c.to_json() for c in found], indent=2))
    else:
        for c in found:
            print(f"{c.describe()}  [best of {c.repeats}, spread {c.spread:.0%}]")
    return 0 if found else 1


def _kv_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "kv",
        help="KV-cache bytes of a GGUF model per cache type: measured and analytic",
        description="Load MODEL with llama-cpp-python once per cache type (f16, q8_0, q4_0; "
        "flash attention on for quantized caches, as llama.cpp requires), read the KV size "
        "llama.cpp logs (every cache summed) and compare with the size computed from the "
        "model's shape. Savings vs f16: q8_0 46.9%%, q4_0 71.9%%.",
    )
    p.add_argument("model", help="path to a .gguf file")
    p.add_argument("--ctx", type=int, default=4096, help="context size (default 4096)")
    p.add_argument("--types", default="f16,q8_0,q4_0", help="cache types, comma-separated")
    p.add_argument("--gpu-layers", type=int, default=0, help="layers to offload (default 0)")
    p.add_argument("--json", action="store_true", help="print JSON keyed by cache type")


def _run_kv(args: argparse.Namespace) -> int:
    import json

    from .core.errors import InputError
    from .llm.kvreport import kv_report, render_kv

    types = tuple(t.strip() for t in args.types.split(",") if t.strip())
    try:
        report = kv_report(args.model, args.ctx, types, args.gpu_layers)
    except (InputError, ValueError) as exc:
        print(f"llmcore kv: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else render_kv(report))
    return 0


def _fit_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "fit",
        help="will a GGUF model and context fit in VRAM; the settings that make it fit",
        description="Weights + KV cache per cache type (f16, q8_0, q4_0) + a compute-buffer "
        "estimate + a runtime reserve, against the VRAM; recommends the KV cache type, flash "
        "attention and n_gpu_layers, and prints llama-cpp-python, llama.cpp and Ollama settings.",
    )
    p.add_argument("model", help="path to a .gguf file")
    p.add_argument("--vram", required=True, help='GPU memory, e.g. "16GiB"')
    p.add_argument("--ctx", type=int, default=4096, help="context size (default 4096)")
    p.add_argument(
        "--weights",
        default=None,
        help="weights size when the file holds metadata only (default: the file size)",
    )
    p.add_argument("--reserve", default="512MiB", help="CUDA context and slack (default 512MiB)")
    p.add_argument("--json", action="store_true", help="print JSON")


def _run_fit(args: argparse.Namespace) -> int:
    import json

    from .core.errors import InputError
    from .core.units import parse_bytes
    from .llm.fit import plan_fit, render_fit
    from .llm.gguf_info import read_gguf

    try:
        vram = parse_bytes(args.vram)
        weights = None if args.weights is None else parse_bytes(args.weights)
        plan = plan_fit(read_gguf(args.model), vram, args.ctx, weights, parse_bytes(args.reserve))
    except (InputError, ValueError) as exc:
        print(f"llmcore fit: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(plan.to_json(), indent=2) if args.json else render_fit(plan))
    return 0 if plan.n_gpu_layers == -1 else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="llmcore", description="pytest-llmcore tools")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _deps_parser(sub)
    _doctor_parser(sub)
    _ceilings_parser(sub)
    _kv_parser(sub)
    _fit_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "deps":
        return _run_deps(args)
    if args.command == "doctor":
        return _run_doctor(args)
    if args.command == "ceilings":
        return _run_ceilings(args)
    if args.command == "kv":
        return _run_kv(args)
    if args.command == "fit":
        return _run_fit(args)
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
