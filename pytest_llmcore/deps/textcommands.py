"""Commands of plain text tool files: Makefiles (recipes and ``$(shell ...)`` calls),
justfiles, shell scripts, Procfiles, Dockerfiles and tox.ini."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from .invocation import Invocation, argv_invocations, script_invocations

__all__ = [
    "read_docker",
    "read_just",
    "read_make",
    "read_procfile",
    "read_shell",
    "read_tox_ini",
    "tox_command",
    "tox_substitute",
]


_MAKE_VAR = re.compile(
    r"^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?::{1,3}=|\?=|\+=|!=|=)\s*(.*)$"
)


def _joined(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line, text) with backslash continuations joined."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start, line = i, lines[i]
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + " " + lines[i].lstrip("\t")
        i += 1
        yield start + 1, line


_MAKE_SHELL = re.compile(r"\$([({])shell\s")


def make_shell_calls(line: str) -> tuple[str, list[str]]:
    """The line with each ``$(shell CMD)`` (or ``${shell CMD}``) replaced by an unknown
    word, and those commands: Make runs them wherever they stand (a variable's value, a
    conditional, a recipe). Parentheses are matched: ``$(shell echo $(X))`` is one call."""
    calls: list[str] = []
    rest, pos = [], 0
    for m in _MAKE_SHELL.finditer(line):
        if m.start() < pos:
            continue  # inside a call already read
        opener = m.group(1)
        closer = ")" if opener == "(" else "}"
        depth, i = 1, m.end()
        while i < len(line) and depth:
            depth += (line[i] == opener) - (line[i] == closer)
            i += 1
        if depth == 0:
            body, inner = make_shell_calls(line[m.end() : i - 1])
            calls += [body.strip().replace("$$", "$"), *inner]
            rest += [line[pos : m.start()], "__var__"]
            pos = i
    return "".join(rest) + line[pos:], calls


#: one command of a ``$(shell ...)`` body that is an ``echo`` of text (no pipe, no
#: redirection): what the call's output is when that branch runs
_ECHO = re.compile(r"""^echo(?:\s+-n)?(?:\s+(?:"([^"]*)"|'([^']*)'|([^"'|<>`]*)))?$""")
#: at most this many combinations of echoed values per recipe line
_MAX_VARIANTS = 8


def echoed_values(command: str) -> list[str]:
    """The texts a ``$(shell ...)`` body echoes as its whole output: ``command -v uv
    >/dev/null && echo "uv build" || echo "python -m build"`` -> ``uv build``, ``python -m
    build``; an echo whose output a pipe consumes, or an unquoted one with shell syntax,
    is none."""
    out: list[str] = []
    after: set[str] = set()  # the operators before the echoes
    parts = re.split(r"(&&|\|\||;)", command)
    for i in range(0, len(parts), 2):
        m = _ECHO.match(parts[i].strip())
        if m:
            value = next((g for g in m.groups() if g is not None), "").strip()
            after.add(parts[i - 1] if i else "")
            if value not in out:
                out.append(value)
    if "&&" in after and "||" not in after and "" not in out:
        out.append("")  # `test && echo uv`: no output when the test fails
    return out


def _variants(recipe: str, choices: dict[str, list[str]]) -> list[dict[str, str]]:
    """One assignment per combination of the echoed values of the variables ``recipe``
    names (capped); ``[{}]`` when it names none."""
    named = [n for n in choices if f"$({n})" in recipe or f"${{{n}}}" in recipe]
    combos: list[dict[str, str]] = [{}]
    for name in named:
        combos = [{**c, name: v} for c in combos for v in choices[name]][:_MAX_VARIANTS]
    return combos


def read_make(text: str, rel: str) -> list[Invocation]:
    """Recipe lines (tab-indented, or after ``target: ;``) and every ``$(shell ...)``
    function call, Make variables expanded. A variable whose whole value is a ``$(shell
    ...)`` call that echoes its choice (``BUILD := $(shell ... && echo "uv build" || echo
    "python -m build")``) stands for each echoed text in turn."""
    variables: dict[str, str] = {}
    choices: dict[str, list[str]] = {}
    recipes: list[tuple[int, str]] = []
    for line_no, line in _joined(text):
        calls: list[str] = []
        if not line.lstrip().startswith("#"):
            line, calls = make_shell_calls(line)
            recipes += [(line_no, call) for call in calls]
        if line.startswith("\t"):
            recipes.append((line_no, line.strip().lstrip("@-+ ").replace("$$", "$")))
            continue
        m = _MAKE_VAR.match(line)
        if m:
            value = m.group(2).split(" #", 1)[0].strip()
            variables.setdefault(m.group(1), value)
            # one $(shell ...) in the value: `PIP := $(shell ... echo uv || echo) pip`
            echoed = echoed_values(calls[0]) if value.count("__var__") == 1 and calls else []
            if echoed and m.group(1) not in choices:
                choices[m.group(1)] = [value.replace("__var__", e) for e in echoed]
        elif ":" in line and ";" in line and not line.startswith("#"):
            recipes.append((line_no, line.split(";", 1)[1].strip()))
    out: list[Invocation] = []
    for line_no, recipe in recipes:
        runs = [
            inv
            for chosen in _variants(recipe, choices)
            for inv in script_invocations(recipe, rel, line_no, variables={**variables, **chosen})
        ]
        out += [inv for i, inv in enumerate(runs) if inv not in runs[:i]]  # variants share runs
    return out


def read_just(text: str, rel: str) -> list[Invocation]:
    """Indented recipe lines; shebang recipes (another language) are skipped."""
    out: list[Invocation] = []
    shebang = False
    for line_no, line in _joined(text):
        if not line[:1].isspace():
            shebang = False
            continue
        body = line.strip()
        if body.startswith("#!"):
            shebang = True
        if shebang or not body or body.startswith("#"):
            continue
        out += script_invocations(body.lstrip("@-"), rel, line_no)
    return out


def read_shell(text: str, rel: str) -> list[Invocation]:
    return script_invocations(text, rel, 1)


def read_procfile(text: str, rel: str) -> list[Invocation]:
    out: list[Invocation] = []
    for i, line in enumerate(text.splitlines(), start=1):
        m = re.match(r"^[\w.-]+\s*:\s*(.+)$", line)
        if m:
            out += script_invocations(m.group(1), rel, i)
    return out


def read_docker(text: str, rel: str) -> list[Invocation]:
    """``RUN``, ``CMD`` and ``ENTRYPOINT``: JSON exec form or shell form, heredocs too."""
    out: list[Invocation] = []
    lines = list(_joined(text))
    i = 0
    while i < len(lines):
        line_no, line = lines[i]
        i += 1
        m = re.match(r"^\s*(RUN|CMD|ENTRYPOINT)\s+(.*)$", line, re.IGNORECASE)
        if not m:
            continue
        rest = re.sub(r"^(?:--\S+\s+)*", "", m.group(2).strip())
        heredoc = re.match(r"^<<-?\s*['\"]?(\w+)['\"]?(.*)$", rest)
        if heredoc:
            body: list[str] = []
            while i < len(lines) and lines[i][1].strip() != heredoc.group(1):
                body.append(lines[i][1])
                i += 1
            out += script_invocations("\n".join(body), rel, line_no + 1)
            continue
        if rest.startswith("["):
            try:
                words = json.loads(rest)
            except ValueError:
                words = None
            if isinstance(words, list) and all(isinstance(w, str) for w in words):
                out += argv_invocations(words, rel, line_no)
                continue
        out += script_invocations(rest, rel, line_no)
    return out


def tox_substitute(text: str) -> str:
    """tox's ``{...}`` substitutions: the env's python is ``python``, ``{posargs:DEFAULT}``
    its default, the rest unknown."""
    text = re.sub(r"\{envpython\}|\{envbindir\}/python\d*", "python", text)
    text = re.sub(r"\{(?:envbindir|toxinidir|envdir|envtmpdir)\}/(?:bin/)?", "", text)
    text = re.sub(r"\{posargs:([^{}]*)\}", r"\1", text)  # the default runs when none given
    return re.sub(r"\{[^{}]*\}", "", text)


#: tox's prefixes of a whole command line: ``-`` ignores its exit code, ``!`` inverts it.
_TOX_PREFIX = re.compile(r"^\s*(?:-(?!-)|!)\s*")


def tox_command(cmd: str) -> str:
    """One tox command line, substituted, without its ``-``/``!`` prefix. Only the line's
    first character can be that prefix: ``--numprocesses=auto`` inside it is an option."""
    return _TOX_PREFIX.sub("", tox_substitute(cmd), count=1)


def read_tox_ini(text: str, rel: str, first_line: int = 1) -> list[Invocation]:
    """``commands``, ``commands_pre``, ``commands_post`` of every ``[testenv*]`` section."""
    out: list[Invocation] = []
    section = ""
    in_commands = False
    for line_no, line in _joined(text):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section, in_commands = stripped[1:-1], False
            continue
        if not section.startswith("testenv") or not stripped or stripped.startswith(("#", ";")):
            continue
        key = re.match(r"^(\w+)\s*=\s*(.*)$", line)
        if key:
            in_commands = key.group(1) in ("commands", "commands_pre", "commands_post")
            stripped = key.group(2).strip() if in_commands else ""
        elif not line[:1].isspace():
            in_commands = False
        if in_commands and stripped:
            out += script_invocations(tox_command(stripped), rel, first_line + line_no - 1)
    return out
