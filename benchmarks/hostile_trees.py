"""The hostile corpus: hostile trees and files (class 3) and clean errors (class 4)."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path

from hostile_cases import (
    APP,
    PASSING,
    Case,
    gguf_headers,
    pyproject,
)

ERR = r"^ERROR: llmcore: "  # pytest's usage error line, ours


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

    yield Case("bounds", "history_import_fifo", ["llmcore", "history", "import", "r.json", "--history", "h.db"],
               setup=fifo("r.json"), code=2, error=True,  # type: ignore[arg-type]
               says=(r"^llmcore history: r\.json: cannot read the report \(.*not a regular file",), smoke=True)  # fmt: skip
    yield Case("bounds", "baseline_fifo", ["pytest", "--llmcore-compare=main"], {"test_b.py": PASSING},
               setup=lambda p: (p / ".llmcore/baselines").mkdir(parents=True) or os.mkfifo(p / ".llmcore/baselines/main.json"),
               code=4, error=True, says=(ERR + r".*main\.json: unreadable baseline \(.*not a regular file",), smoke=True)  # fmt: skip
    yield from _trees(base)


def _trees(base: dict[str, str | bytes]) -> Iterator[Case]:
    """Deep, looping, escaping and unreadable trees; odd sources."""

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
    numpy_spec = importlib.util.find_spec("numpy")  # absent in the core CI legs
    if numpy_spec is not None and numpy_spec.origin is not None:
        # the foreign tree (site-packages) must not make an unused numpy "used"
        np_dir = str(Path(numpy_spec.origin).resolve().parents[1])
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
        reversed_range = "z-a" in pat or pat == "\\"  # git's wildmatch: a lone \ is invalid
        yield Case("errors", f"exclude_{pat}", ["llmcore", "deps"],
                   {"app.py": APP, "pyproject.toml": pyproject(tool=f"[tool.llmcore.deps]\nexclude = [{json.dumps(pat)}]\n")},
                   code=2 if reversed_range else 0, error=reversed_range,
                   says=(r"^llmcore deps: pyproject\.toml: \[tool\.llmcore\.deps\] exclude: .* is not a valid pattern",) if reversed_range else (),
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
