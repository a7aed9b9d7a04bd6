"""Find implicit uses: triggers in source text, modules named in strings, companions.

Runs only for dependencies that nothing else shows used, and reads each source file once
for all of them together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .check_helpers import helper_checks, project_helpers
from .helper_markers import HINT_CHECK
from .implicit_cache import ScanCache
from .implicit_hub import REMOTE_CODE
from .implicit_rules import bound_name_loads, cmake_finds, prefix_loads, requirement_checks
from .implicit_runs import argv_runs, program_uses, runs_program, shell_command_lines
from .implicit_triggers import Trigger, builtin_triggers, hook_triggers
from .lazyre import lazy_compile
from .loaders import helper_call
from .notebooks import cell_of, notebook_source
from .records import Evidence
from .safeio import read_bytes, read_text
from .shell import imported_by, runs_in_script
from .wrapped_args import wrapped_parser_uses

if TYPE_CHECKING:
    from .invocations import Invocation
    from .toolfiles import ToolFileSet

__all__ = ["ImplicitScan", "Trigger", "builtin_triggers", "hook_triggers"]

#: Servers whose options name worker classes and event loops (``-k uvicorn.workers.X``).
_SERVER_COMMANDS = frozenset({"gunicorn", "uvicorn", "hypercorn", "celery", "daphne"})
#: Files whose strings name distributions without loading them.
_NOT_LOADERS = frozenset({"setup.py", "noxfile.py", "conf.py"})
_LOADER_CONTEXT = lazy_compile(
    r"(?:import_module|importorskip|find_spec|__import__|load|load_module|backend|engine"
    r"|BACKEND|ENGINE|INSTALLED_APPS|plugins?|extensions?|worker_class|driver|-m"
    # run-time availability and version checks: is_package_available("fastcore")
    r"|_available|available_package|\bversion|get_version|distribution|require_version)\W{0,40}$"
)
_DJANGO_SETTINGS = lazy_compile(r"^\s*(?:INSTALLED_APPS|MIDDLEWARE|DATABASES|CACHES)\s*=", re.M)
_FENCE = lazy_compile(
    r"^ {0,3}(```+|~~~+)\s*\{?\.?(?:python|py|python3|pycon)\b[^\n]*\n(.*?)^ {0,3}\1", re.M | re.S
)
#: Last parts that make a dotted string a host name or a file name, not a module path.
_NOT_MODULE_SUFFIXES = frozenset(
    # a compact table: one word per suffix
    """
org com net io ai dev co edu gov app cloud info me uk de fr cn jp local localhost txt json
jsonl yaml yml toml csv tsv md rst py pyc pt pth bin safetensors gguf onnx html htm xml png
jpg jpeg gif svg pdf log cfg ini sh zip gz tar whl so dll exe db sqlite parquet pkl pickle
npy npz h5 wav mp3 mp4 env lock
    """.split()  # noqa: SIM905
)
#: Bump when what a file's scan finds changes for the same pending set (the cache key).
#: 10: names a loop hands to a requirement check; 9: programs run through a default
#: (``else "s5cmd"``), written-out scripts
_RULES = 10
#: The scan's key for a Hub model loaded with its own code (never a distribution's name).
REMOTE_CODE_KEY = "[remote-code]"
_DOTTED = lazy_compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?::\w+)?$")


def _strip_prompts(code: str) -> str:
    """``>>> import x`` doctest and pycon prompts: keep the code."""
    if ">>>" not in code:
        return code
    return "\n".join(ln[4:] for ln in code.splitlines() if ln.startswith((">>> ", "... ")))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


class ImplicitScan:
    """One pass over the project's sources for every pending dependency at once."""

    def __init__(
        self,
        pending: Mapping[str, Sequence[str]],
        triggers: Sequence[Trigger],
        commands: Mapping[str, str] | None = None,
    ) -> None:
        """``pending``: canonical distribution -> the modules it provides; ``commands``:
        program name -> the pending distribution that provides it."""
        self.found: dict[str, Evidence] = {}
        self.pending = frozenset(pending)
        self._cells: dict[str, list[tuple[int, int]]] = {}
        self.commands = dict(commands or {})
        self.command_re: re.Pattern[str] | None = None
        if self.commands:
            # "poetry export" (a plugin's subcommand) is written "poetry", "export" in a list
            pieces = [
                r"[\"']\s*,\s*[\"']".join(map(re.escape, c.split()))
                for c in sorted(self.commands, key=len, reverse=True)
            ]
            self.command_re = re.compile(rf"([\"'])({'|'.join(pieces)})\1")
        self._first_words = {c.split()[0] for c in self.commands}
        self.triggers = [t for t in triggers if any(d in pending for d in t.dists)]
        deps, _, pattern = REMOTE_CODE
        if any(d in pending for d in deps):
            what = "a Hub model's own code"
            self.triggers.append(Trigger((REMOTE_CODE_KEY,), pattern, what, ("trust_remote_code",)))
        self._sought = self.pending | {REMOTE_CODE_KEY}
        self.helpers: dict[str, str] = {}
        self._hints: Mapping[str, int] = {}
        self.check_helpers: dict[str, str] = {}  # check_version -> its def's file:line
        self.images: dict[str, str] = {}  # pending key -> the image installing its file
        self._helper_re: re.Pattern[str] | None = None
        self.module_owner: dict[str, str] = {}
        for key, mods in pending.items():
            for mod in mods:
                self.module_owner.setdefault(mod, key)
        # one substring test per file for both searches below: a word holding another
        # can't be in a text the shorter one is not in (``pyyaml`` needs ``yaml``)
        words = sorted(self._first_words | set(self.module_owner), key=len)
        self._needles = [w for i, w in enumerate(words) if not any(v in w for v in words[:i])]
        names = sorted(self.module_owner, key=len, reverse=True)
        self.strings: re.Pattern[str] | None = None
        if names:
            alt = "|".join(map(re.escape, names))
            self.strings = re.compile(rf"([\"'])((?:{alt})(?:\.[A-Za-z_]\w*)*)(?::\w+)?\1")

    def _hit(self, dists: Iterable[str], text: str, where: str, file: str, line: int) -> None:
        for d in dists:
            if d not in self.found:
                self.found[d] = Evidence(
                    f"used implicitly: `{_short(text)}` at {where}", file, line
                )

    def scan_source(
        self, rel: str, text: str, strings: bool = True, rows: Sequence[Trigger] | None = None
    ) -> None:
        for trig in self.triggers if rows is None else rows:
            if all(d in self.found or d not in self._sought for d in trig.dists):
                continue  # what it shows is known, or not asked (setuptools undeclared)
            if trig.needles and not any(n in text for n in trig.needles):
                continue
            if trig.context is not None and re.search(trig.context, text) is None:
                continue
            m = trig.regex.search(text)
            if m:
                line = text.count("\n", 0, m.start()) + 1
                src = text[text.rfind("\n", 0, m.start()) + 1 : text.find("\n", m.end())]
                snippet = m.group(0) if len(m.group(0)) > 12 else src.strip()
                self._hit(trig.dists, snippet, f"{self._loc(rel, line)} ({trig.what})", rel, line)
        if not strings:
            return
        # plain substring tests first: most files name none of the pending programs/modules
        named = any(n in text for n in self._needles)
        if named and self.commands and any(c in text for c in self._first_words):
            self._scan_subprocess(rel, text)
        if rel.rsplit("/", 1)[-1] in _NOT_LOADERS:
            return  # their strings name requirements (setup.py, session.install) or mocks
        if named:
            self._scan_module_strings(rel, text)
        # after the module strings: a whole module name is the plainer evidence
        if ("import_" in text or "find_spec" in text or "importorskip" in text) and (
            self.module_owner
        ):
            self._scan_prefix_loads(rel, text)
        if "(" in text and self.pending:
            self._scan_requirement_checks(rel, text)
        if self.images and ('"""' in text or "'''" in text):
            self._scan_image_code(rel, text)

    def _scan_module_strings(self, rel: str, text: str) -> None:
        """A pending module named in a string: a dotted path, or a name a loader receives."""
        if self.strings is None or not any(m in text for m in self.module_owner):
            return
        django = ("INSTALLED_APPS" in text or "DATABASES" in text or "MIDDLEWARE" in text) and (
            _DJANGO_SETTINGS.search(text) is not None
        )
        for m in self.strings.finditer(text):
            name = m.group(2)
            owner = self._owner(name)
            if owner is None or owner in self.found:
                continue
            before = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
            if "getLogger" in before:
                continue  # naming a library's logger is not using the library
            window = text[max(0, m.start() - 80) : m.start()]  # calls split over lines
            if name.rsplit(".", 1)[-1].lower() in _NOT_MODULE_SUFFIXES:
                continue  # "httpbin.org", "model.safetensors": a host or a file name
            if "." not in name and not django and not self._loader_context(window):
                continue
            line = text.count("\n", 0, m.start()) + 1
            self._hit(
                (owner,),
                m.group(0),
                f"{self._loc(rel, line)} (a module named in a string)",
                rel,
                line,
            )

    def learn_images(self, root: Path, files: ToolFileSet) -> None:
        """Pending distributions a requirements file declares that a Dockerfile installs
        in its image (:mod:`.implicit_images`): before the scan, which looks for them."""
        from .implicit_images import image_requirements

        if self.pending and files.of("docker"):
            found = image_requirements(root, files)
            self.images = {k: v for k, v in found.items() if k in self.pending}

    def _scan_image_code(self, rel: str, text: str) -> None:
        from .implicit_images import code_string_imports

        owners = {m: k for m, k in self.module_owner.items() if k in self.images}
        for key, snippet, line in code_string_imports(text, owners):
            why = f"Python code held in a string, run where {self.images[key]}"
            self._hit((key,), snippet, f"{self._loc(rel, line)} ({why})", rel, line)

    def _loader_context(self, window: str) -> bool:
        if _LOADER_CONTEXT.search(window):
            return True
        return self._helper_re is not None and self._helper_re.search(window) is not None

    def learn_helpers(
        self, files: Iterable[tuple[str, Path]], hints: Mapping[str, int] | None = None
    ) -> None:
        """The project's own import helpers (``lazy_import("x")``) and requirement checks
        (``check_version("x>=1")``, :mod:`.check_helpers`): before the scan, as their names
        are part of what it looks for; and the parsers project wrappers of ``BeautifulSoup``
        receive (:mod:`.wrapped_args`), a project-wide relation."""
        files = list(files)
        self._hints = hints or {}
        self.helpers, self.check_helpers = project_helpers(
            files, bool(self.module_owner), bool(self.pending), hints
        )
        self._helper_re = helper_call(self.helpers)
        for use in wrapped_parser_uses(files, self.pending):
            where = f"{self._loc(use.file, use.line)} (a parser passed through a wrapper)"
            self._hit((use.dist,), use.snippet, where, use.file, use.line)

    def remote_code_parents(self) -> dict[str, tuple[str, ...]]:
        """Where a Hub model is loaded with its own code: the libraries that code imports
        are companions of the loaders (``unused-companion``), not plainly unused."""
        if REMOTE_CODE_KEY not in self.found:
            return {}
        deps, loaders, _ = REMOTE_CODE
        return {d: loaders for d in deps}

    def _scan_prefix_loads(self, rel: str, text: str) -> None:
        for owner, mod, line, var in bound_name_loads(text, self.module_owner):
            if owner not in self.found:
                where = f"{self._loc(rel, line)} (module {mod} bound to {var}, handed to a loader)"
                self._hit((owner,), f"{var} = {mod!r}", where, rel, line)
        for owner, snippet, line, prefix in prefix_loads(text, self.module_owner):
            if owner not in self.found:
                where = f"{self._loc(rel, line)} (a module named by its prefix {prefix}*)"
                self._hit((owner,), snippet, where, rel, line)

    def _scan_requirement_checks(self, rel: str, text: str) -> None:
        # a file whose scan saw no check's name called calls no check (the hint is a
        # superset of what requirement_checks finds, and reading it costs nothing)
        if self._hints.get(rel, HINT_CHECK) & HINT_CHECK:
            for key, snippet, line in requirement_checks(text, self.pending):
                where = f"{self._loc(rel, line)} (a requirement the code checks)"
                self._hit((key,), snippet, where, rel, line)
        for key, snippet, line, helper in helper_checks(text, self.pending, self.check_helpers):
            why = f"a requirement the code checks through {helper}, {self.check_helpers[helper]}"
            self._hit((key,), snippet, f"{self._loc(rel, line)} ({why})", rel, line)

    def scan_cmake(self, rel: str, text: str) -> None:
        """``find_package(pybind11 CONFIG)``: a build requirement a CMake file finds."""
        for key, snippet, line in cmake_finds(text, self.pending):
            self._hit((key,), snippet, f"{rel}:{line} (found by the CMake build)", rel, line)

    def _scan_subprocess(self, rel: str, text: str) -> None:
        """``subprocess.run(["cog", ...])``, ``shutil.which("cog")``, ``os.system("cog")``."""
        assert self.command_re is not None
        for m in self.command_re.finditer(text):
            owner = self.commands[re.sub(r"[\"'\s,]+", " ", m.group(2))]
            before = text[max(0, m.start() - 80) : m.start()]
            if owner not in self.found and runs_program(text, m.start(), before):
                line = text.count("\n", 0, m.start()) + 1
                where = f"{self._loc(rel, line)} (a program the code runs)"
                self._hit((owner,), m.group(0), where, rel, line)
        if "[" in text:
            self._scan_argv_runs(rel, text)
        for name, snippet, line, what in program_uses(text, self.commands.keys()):
            where = f"{self._loc(rel, line)} ({what})"
            self._hit((self.commands[name],), snippet, where, rel, line)
        for m in shell_command_lines(text):
            if not any(c in m.group(2) for c in self._first_words):
                continue
            for run in runs_in_script(m.group(2)):
                sub = f"{run.command} {run.args[0]}" if run.args else ""
                prog = self.commands.get(sub) or self.commands.get(run.command)
                if prog is not None and prog not in self.found:
                    line = text.count("\n", 0, m.start()) + 1
                    where = f"{self._loc(rel, line)} (a program the code runs)"
                    self._hit((prog,), m.group(2), where, rel, line)

    def _scan_argv_runs(self, rel: str, text: str) -> None:
        """An argv list read as a command line: ``[sys.executable, "-m", "celery", "--app",
        APP, "flower"]`` runs celery's subcommand ``flower`` (a plugin's), as a CI step would."""
        from .runindex import subcommand_of

        for line, run in argv_runs(text):
            sub = subcommand_of(run)
            names = [sub] if sub is not None else []
            names += [] if run.module else [run.command]
            for name in names:
                owner = self.commands.get(name)
                if owner is not None and owner not in self.found:
                    where = f"{self._loc(rel, line)} (a program the code runs)"
                    self._hit((owner,), name, where, rel, line)

    def scan_markdown(self, rel: str, text: str, runner: str) -> None:
        """Imports in the Python code blocks of a Markdown file that ``runner`` executes."""
        for m in _FENCE.finditer(text):
            first = text.count("\n", 0, m.start(2))
            code = _strip_prompts(m.group(2))
            self.scan_source(rel, "\n" * first + code, strings=False)  # keeps line numbers
            for mod in imported_by(code):
                owner = self._owner(mod)
                if owner is not None and owner not in self.found:
                    line = first + 1
                    where = f"{rel}:{line} (a code block that {runner} runs)"
                    self.found[owner] = Evidence(f"imported at {where}", rel, line)

    def _loc(self, rel: str, line: int) -> str:
        cells = self._cells.get(rel)
        return f"{rel} ({cell_of(cells, line)})" if cells is not None else f"{rel}:{line}"

    def _owner(self, dotted: str) -> str | None:
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            owner = self.module_owner.get(".".join(parts[:i]))
            if owner is not None:
                return owner
        return None

    def scan_invocations(self, invocations: Iterable[Invocation]) -> None:
        """Worker classes and loops on server command lines (``gunicorn -k uvicorn...``)."""
        for inv in invocations:
            if inv.run.command not in _SERVER_COMMANDS:
                continue
            text = " ".join(inv.run.args)
            where = f"{inv.file}:{inv.line}" if inv.line else inv.file
            for trig in self.triggers:
                m = trig.regex.search(text)
                if m:
                    self._hit(
                        trig.dists, m.group(0), f"{where} ({trig.what})", inv.file, inv.line or 0
                    )
            for word in inv.run.args:
                if _DOTTED.match(word):
                    owner = self._owner(word.split(":", 1)[0])
                    if owner is not None:
                        self._hit(
                            (owner,), word, f"{where} (a worker class)", inv.file, inv.line or 0
                        )

    def looked_for(self) -> list[Any]:
        """What this scan searches for: the cache signature."""
        return [
            _RULES,
            sorted(self.pending),
            sorted(self.module_owner.items()),
            sorted(self.commands.items()),
            [(t.dists, t.pattern, t.what, t.context) for t in self.triggers],
            sorted(self.helpers.items()),
            sorted(self.check_helpers.items()),
            sorted(self.images.items()),
        ]

    def scan_files(self, files: Iterable[tuple[str, Path]], cache: ScanCache | None = None) -> None:
        """Scan each file on its own (so its hits can be cached), stopping once every
        pending distribution is found."""
        wanted = {d for t in self.triggers for d in t.dists} | set(self.pending)
        wanted |= set(self.commands.values())
        for rel, path in files:
            if wanted <= self.found.keys():
                break  # everything pending is found
            try:
                st = path.stat()
            except OSError:
                continue
            hits = cache.get(rel, st.st_size, st.st_mtime_ns) if cache is not None else None
            if hits is None:
                hits = self._scan_one(rel, path)
                if cache is not None and hits is not None:
                    cache.put(rel, st.st_size, st.st_mtime_ns, hits)
            for dist, ev in (hits or {}).items():
                self.found.setdefault(dist, ev)

    def _scan_one(self, rel: str, path: Path) -> dict[str, Evidence] | None:
        try:
            if rel.endswith(".ipynb"):  # the code cells, not their JSON encoding
                text, self._cells[rel] = notebook_source(read_bytes(path))
            else:
                text = read_text(path)
        except (OSError, ValueError):
            return None
        found, self.found = self.found, {}
        try:
            self.scan_source(rel, text)
            return self.found
        finally:
            self.found = found
