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


#: a rule line: its targets, and what follows the colon (prerequisites, or a variable
#: assignment that applies to the targets only)
_MAKE_RULE = re.compile(r"^([^\s:#=][^:#=]*?)\s*::?(?!=)\s*(.*)$")
_TARGET_VAR = re.compile(
    r"^(?:(?:export|override|private)\s+)*([A-Za-z_][A-Za-z0-9_]*)\s*"
    r"(:{1,3}=|\?=|\+=|!=|=)\s*(.*)$"
)


class _Makefile:
    """What :func:`read_make` gathers in one pass: global and target-specific variables,
    prerequisites, and each recipe line with the targets it belongs to."""

    def __init__(self) -> None:
        self.variables: dict[str, str] = {}
        self.choices: dict[str, list[str]] = {}
        self.recipes: list[tuple[int, str, tuple[str, ...]]] = []
        self.target_vars: dict[str, list[tuple[str, str, str]]] = {}
        self.prereqs: dict[str, set[str]] = {}
        self.current: tuple[str, ...] = ()
        self._needed_by: dict[str, list[str]] | None = None

    def assign(self, name: str, op: str, value: str, calls: list[str]) -> None:
        if op == "+=" and name in self.variables:
            self.variables[name] = f"{self.variables[name]} {value}".strip()
        else:
            self.variables.setdefault(name, value)
        # one $(shell ...) in the value: `PIP := $(shell ... echo uv || echo) pip`
        echoed = echoed_values(calls[0]) if value.count("__var__") == 1 and calls else []
        if echoed and name not in self.choices:
            self.choices[name] = [value.replace("__var__", e) for e in echoed]

    def rule(self, line_no: int, targets: list[str], rest: str) -> None:
        var = _TARGET_VAR.match(rest)
        if var is not None:  # `test-cover: COV=--cov=httpie`: for the target's recipes
            value = var.group(3).split(" #", 1)[0].strip()
            for t in targets:
                self.target_vars.setdefault(t, []).append((var.group(1), var.group(2), value))
            return
        prereqs, _, recipe = rest.partition(";")
        for t in targets:
            self.prereqs.setdefault(t, set()).update(prereqs.replace("|", " ").split())
        self.current = tuple(targets)
        if recipe.strip():
            self.recipes.append((line_no, recipe.strip(), self.current))

    def choices_for(self, targets: tuple[str, ...]) -> dict[str, list[str]]:
        """The variables' choices in a recipe of ``targets``: a target's own variables
        replace the global value; a variable of a target that needs these (``test-cover:
        test``, GNU Make passes it to its prerequisites) is one more choice."""
        if not self.target_vars or not targets:
            return self.choices  # most Makefiles set no variable per target
        out = dict(self.choices)
        for name, op, value, own in self._target_assignments(targets):
            base = out.get(name) or [self.variables.get(name, "")]
            new = f"{base[0]} {value}".strip() if op == "+=" else value
            out[name] = [new] if own else [*base, new]
        return out

    def _target_assignments(self, targets: tuple[str, ...]) -> list[tuple[str, str, str, bool]]:
        if self._needed_by is None:  # prerequisite -> the targets that need it
            self._needed_by = {}
            for target, deps in self.prereqs.items():
                for dep in deps:
                    self._needed_by.setdefault(dep, []).append(target)
        needers = dict.fromkeys(targets, True)
        queue = list(targets)
        while queue:  # every target that needs these, directly or through others
            for other in self._needed_by.get(queue.pop(), ()):
                if other not in needers:
                    needers[other] = False
                    queue.append(other)
        return [(*a, own) for t, own in needers.items() for a in self.target_vars.get(t, [])]


def read_make(text: str, rel: str) -> list[Invocation]:
    """Recipe lines (tab-indented, or after ``target: ;``) and every ``$(shell ...)``
    function call, Make variables expanded. A variable whose whole value is a ``$(shell
    ...)`` call that echoes its choice (``BUILD := $(shell ... && echo "uv build" || echo
    "python -m build")``) stands for each echoed text in turn; so does one set for a target
    (``test-cover: COV=--cov=pkg``) in the recipes of that target and its prerequisites."""
    mk = _Makefile()
    for line_no, line in _joined(text):
        calls: list[str] = []
        if not line.lstrip().startswith("#"):
            line, calls = make_shell_calls(line)
            mk.recipes += [(line_no, call, ()) for call in calls]
        if line.startswith("\t"):
            recipe = line.strip().lstrip("@-+ ").replace("$$", "$")
            mk.recipes.append((line_no, recipe, mk.current))
            continue
        m = _MAKE_VAR.match(line)
        rule = _MAKE_RULE.match(line) if m is None and not line.startswith("#") else None
        if m:
            op = re.search(r":{1,3}=|\?=|\+=|!=|=", line[m.end(1) :])
            mk.assign(
                m.group(1), op.group(0) if op else "=", m.group(2).split(" #", 1)[0].strip(), calls
            )
        elif rule is not None:
            mk.rule(line_no, rule.group(1).split(), rule.group(2))
    out: list[Invocation] = []
    for line_no, recipe, targets in mk.recipes:
        variables = mk.variables
        runs = [
            inv
            for chosen in _variants(recipe, mk.choices_for(targets))
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
