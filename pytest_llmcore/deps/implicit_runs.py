"""Where Python code runs a program: the strings of a command it hands to a subprocess.

A program's name counts only where the code runs it: first in a ``subprocess.run([...])``
list or ``shutil.which(...)``, first in a list bound to an argv-like name or to a variable
the same file passes to such a call, or as the command word of a command line handed to a
shell (``os.system("cog -r README.md")``, ``["bash", "-c", "cog -r README.md"]``). Every
argv list in such a place is read as a command line (:func:`argv_runs`): ``[sys.executable,
"-m", "celery", "--app", APP, "flower"]`` runs celery's subcommand ``flower``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator

from .lazyre import lazy_compile
from .shell import Run, runs_in_argv, runs_in_script

__all__ = [
    "argv_runs",
    "program_defaults",
    "program_uses",
    "runs_program",
    "script_runs",
    "shell_command_lines",
]

#: Calls that run a program: its name first in their argument (list).
_RUN_CALLS = r"(?:run|call|check_call|check_output|Popen|spawn\w*|exec\w*|create_subprocess_exec)"
#: A program named as the first word of a subprocess call or looked up with ``which``,
#: or of a list bound to an argv-like name (``cmd``, ``lm_eval_args``, ``self.cmdline``).
_RUN_CONTEXT = lazy_compile(
    rf"(?:\b(?:{_RUN_CALLS}|which)\s*\(\s*\[?"
    r"|^\s*(?:self\.)?(?:\w+_)?(?:cmd|cmdline|command|args|argv)\s*(?::[^=\n]*)?=\s*\[)\s*\Z",
    re.M,
)
#: Any other list a program's name starts: its variable is followed into a run call.
_ARGV_LIST = lazy_compile(r"^\s*((?:self\.)?[A-Za-z_]\w*)\s*(?::[^=\n]*)?=\s*\[\s*\Z")
#: A shell command line handed to the shell (``os.system("cog -r README.md")``).
_SHELL_CALL = lazy_compile(
    r"\b(?:system|getoutput|getstatusoutput|run|call|check_call|check_output|Popen)\s*\(\s*"
    r"f?([\"'])([^\"'\n]+)\1"
)
#: A command line handed to a shell in an argv list (``["bash", "-c", "cog -r README.md"]``).
_SHELL_ARGV = lazy_compile(
    r"[\"'](?:/usr)?(?:/bin/)?(?:ba|z|da|k)?sh[\"']\s*,\s*[\"']-\w*c[\"']\s*,\s*f?([\"'])([^\"'\n]+)\1"
)


def shell_command_lines(text: str) -> Iterator[re.Match[str]]:
    """Command lines handed to a shell; group 2 is the line."""
    yield from _SHELL_CALL.finditer(text)
    yield from _SHELL_ARGV.finditer(text)


def runs_program(text: str, start: int, before: str) -> bool:
    """Does the string at ``start`` name the program a call runs? First in the call's
    list, in an argv-like list, or in a list whose variable this file passes to a call
    that runs it (``launch = ["cog", ...]`` then ``subprocess.run(launch)``)."""
    if _RUN_CONTEXT.search(before):
        return True
    bracket = text.rfind("[", 0, start)
    m = _ARGV_LIST.match(text[text.rfind("\n", 0, bracket) + 1 : start]) if bracket >= 0 else None
    if m is None:
        return False
    # the variable as an argument of the call itself (not of a call inside it), and not
    # an attribute, item or call of it
    name = re.escape(m.group(1))
    call = rf"\b{_RUN_CALLS}\s*\([^()]*?(?<![\w.]){name}\b(?!\s*[.(\[])"
    return re.search(call, text) is not None


def _argv_word(node: ast.expr) -> str:
    """One element of an argv list: a string literal, ``sys.executable`` (the interpreter),
    else a stand-in for a value the code computes."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and node.attr == "executable":
        return "python"
    return "__var__"


def argv_runs(text: str) -> Iterator[tuple[int, Run]]:
    """(line, run) of every argv list the code hands to a program (see :func:`runs_program`):
    its words read like any command line, through ``python -m``, ``uv run``, ``sh -c``."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return
    starts = _line_starts(text)
    for node in _lists(tree):
        first = node.elts[0]
        word = _argv_word(first)
        if word == "__var__" or first.lineno > len(starts) - 1:
            continue
        start = starts[first.lineno - 1] + first.col_offset  # col_offset counts UTF-8 bytes:
        start = min(start, len(text))  # exact on ASCII lines, which argv lists are
        before = text[max(0, start - 80) : start]
        if not before.rstrip().endswith(("[", "(")) or not runs_program(text, start, before):
            continue
        for run in runs_in_argv([_argv_word(e) for e in node.elts]):
            yield first.lineno, run


#: Calls whose string arguments are a value's fallback (``os.environ.get("S5CMD", "s5cmd")``).
_FALLBACK_CALLS = frozenset({"get", "getenv", "which", "setdefault"})
#: The first line of a shell script the code writes out to run (``#!/bin/bash``).
_SHEBANG = lazy_compile(r"^#!\s*(?:/usr)?(?:/bin/)?(?:env\s+)?(?:ba|z|da|k)?sh\b")
#: what a file that hands a string to a shell holds (a plain test before parsing it)
_SHELL_HINT = lazy_compile(r"#!|\bsystem\s*\(|\bgetoutput|\bgetstatusoutput|\bshell\s*=\s*True")


def _key(node: ast.expr) -> str | None:
    """A variable's name as the code spells it: ``path``, ``self.path``, ``binary()``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        return f"{name}()" if name else None
    return None


def _literals(node: ast.expr | None) -> Iterator[ast.Constant]:
    """The string constants a value may be: itself, a branch of ``a if c else "x"`` or of
    ``a or "x"``, a fallback a lookup receives."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _literals(value)
    elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) in _FALLBACK_CALLS:
        for arg in node.args:
            yield from _literals(arg)


def _bindings(tree: ast.AST) -> Iterator[tuple[str, ast.expr | None]]:
    """(variable, value) of every assignment, parameter default and constant return."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                yield _key(target) or "", node.value
        elif isinstance(node, ast.AnnAssign):
            yield _key(node.target) or "", node.value
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            pairs = [
                *zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
            ]
            pairs += [
                (a, d)
                for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                if d is not None
            ]
            for arg, default in pairs:
                yield arg.arg, default
            for sub in ast.walk(node):
                if isinstance(sub, ast.Return):
                    yield f"{node.name}()", sub.value


def program_defaults(text: str, programs: Collection[str]) -> Iterator[tuple[int, str]]:
    """(line, program) where a variable holds a program's name by default and starts an
    argv list the code runs: ``self.bin = path if path is not None else "s5cmd"`` then
    ``cmd = [self.bin, "cp", ...]``. Also through a copy (``self.bin = bin_path`` of a
    parameter ``bin_path="s5cmd"``). The name in a message or a docstring is no binding."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return
    held: dict[str, tuple[int, str]] = {}
    copies: list[tuple[str, str]] = []
    for var, value in _bindings(tree):
        for const in _literals(value):
            if var and const.value in programs:
                held.setdefault(var, (const.lineno, str(const.value)))
        if var and value is not None and (src := _key(value)) is not None:
            copies.append((var, src))
    for var, src in copies * 2:  # a copy of a copy
        if src in held:
            held.setdefault(var, held[src])
        if src.startswith("self.") and src[5:] in held:
            held.setdefault(var, held[src[5:]])
    if not held:
        return
    starts = _line_starts(text)
    for node in _lists(tree):
        found = held.get(_key(node.elts[0]) or "")
        first = node.elts[0]
        if found is None or first.lineno > len(starts) - 1:
            continue
        start = min(starts[first.lineno - 1] + first.col_offset, len(text))
        before = text[max(0, start - 80) : start]
        if before.rstrip().endswith(("[", "(")) and runs_program(text, start, before):
            yield found


def script_runs(text: str) -> Iterator[tuple[int, Run]]:
    """(line, run) of the shell scripts the code writes out or hands to a shell: a string
    that starts with a shell's ``#!`` line, with what the same variable is extended by
    (``+=``), or a string (or its variable) that ``os.system(...)`` or a ``shell=True`` run
    receives (``cmd = f"s5cmd cp {a} {b}"`` then ``subprocess.run(cmd, shell=True)``)."""
    if not _SHELL_HINT.search(text):
        return
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return
    scripts: set[str] = set()
    pieces: list[tuple[str, ast.expr]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and _runs_shell(node):
            var = _key(node.args[0])
            if var is not None:
                scripts.add(var)
            else:
                pieces.append(("", node.args[0]))  # the string itself
        if not isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            var = _key(target)
            if var is None or node.value is None:
                continue
            pieces.append((var, node.value))
            if isinstance(node, ast.Assign) and _SHEBANG.match(_string_of(node.value)):
                scripts.add(var)
    for var, value in pieces:
        body = _string_of(value)
        if body and (not var or var in scripts):
            for run in runs_in_script(body):
                yield value.lineno + run.line, run


def _runs_shell(call: ast.Call) -> bool:
    """``os.system(x)``, ``subprocess.getoutput(x)``, ``subprocess.run(x, shell=True)``."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    if name in ("system", "getoutput", "getstatusoutput"):
        return True
    shell = any(
        kw.arg == "shell" and isinstance(kw.value, ast.Constant) and kw.value.value is True
        for kw in call.keywords
    )
    return shell and name in ("run", "call", "check_call", "check_output", "Popen")


def _string_of(node: ast.expr) -> str:
    """A string constant's text, an f-string's with ``__var__`` for each value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(v.value) if isinstance(v, ast.Constant) else "__var__" for v in node.values
        )
    return ""


def program_uses(text: str, programs: Collection[str]) -> Iterator[tuple[str, str, int, str]]:
    """(program, snippet, line, why) of :func:`program_defaults` and :func:`script_runs`."""
    if "[" in text:
        for line, prog in program_defaults(text, programs):
            yield prog, repr(prog), line, "a program the code runs by default"
    for line, run in script_runs(text):
        if run.command in programs:
            snippet = " ".join((run.command, *run.args))
            yield run.command, snippet, line, "a shell script the code runs"


def _line_starts(text: str) -> list[int]:
    """Each line's offset in ``text`` (line N starts at ``starts[N - 1]``)."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _lists(tree: ast.AST) -> Iterator[ast.List | ast.Tuple]:
    """Every non-empty list or tuple display: argv candidates."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            yield node
