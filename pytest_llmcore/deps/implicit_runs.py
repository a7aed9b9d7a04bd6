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
from collections.abc import Iterator

from .lazyre import lazy_compile
from .shell import Run, runs_in_argv

__all__ = ["argv_runs", "runs_program", "shell_command_lines"]

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
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for node in ast.walk(tree):
        if not isinstance(node, (ast.List, ast.Tuple)) or not node.elts:
            continue
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
