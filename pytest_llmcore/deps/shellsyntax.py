"""Shell text into simple commands: lines, continuations, heredocs, quotes, substitutions.

The command lines inside a command substitution (``$(...)``, backticks) run too, even
within double quotes (``echo "v=$(tach --version)"``); within single quotes they are text.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator, Sequence

from .lazyre import lazy_compile

__all__ = [
    "logical_lines",
    "simple_commands",
    "split_substitutions",
    "tokens",
    "wrapper_functions",
]

_SEPARATORS = frozenset({";", "&", "&&", "|", "||", "|&", ";;", "(", ")", "((", "))"})
_REDIRECTS = lazy_compile(r"^[<>&]+$")
_HEREDOC = lazy_compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
#: The word a command substitution leaves in its command line: a value we can't name.
SUBSTITUTED = "__var__"


def logical_lines(text: str) -> Iterator[tuple[int, str, list[str]]]:
    """(line offset, joined line, heredoc body) for each line, continuations joined."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        while line.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line.rstrip()[:-1] + " " + lines[i]
        i += 1
        body: list[str] = []
        m = _HEREDOC.search(line)
        if m:
            end = m.group(2)
            while i < len(lines) and lines[i].strip() != end:
                body.append(lines[i])
                i += 1
            i += 1
        yield start, line, body


def _backtick_end(s: str, i: int) -> int:
    """Index of the backtick closing one whose body starts at ``i`` (``len(s)`` if none)."""
    while i < len(s) and s[i] != "`":
        i += 2 if s[i] == "\\" else 1
    return min(i, len(s))


def _quoting(s: str, i: int, quote: str) -> tuple[int, str] | None:
    """For a quoting character at ``i`` (or any character inside single quotes): where the
    scan goes on and the quote state then; ``None`` for any other character."""
    c = s[i]
    if quote == "'":
        return i, ("" if c == "'" else quote)
    if c == "\\":
        return i + 1, quote  # the escaped character is skipped
    if c == "'" and not quote:
        return i, "'"
    if c == '"':
        return i, ("" if quote else '"')
    return None


def _paren_end(s: str, i: int) -> int:
    """Index of the ``)`` closing a ``$(`` whose body starts at ``i`` (``len(s)`` if none):
    quotes and nested substitutions inside the body are skipped over."""
    depth, quote = 1, ""
    while i < len(s):
        c = s[i]
        quoting = _quoting(s, i, quote)
        if quoting is not None:
            i, quote = quoting
        elif s.startswith("$(", i):
            i = _paren_end(s, i + 2)
        elif c == "`":
            i = _backtick_end(s, i + 1)
        elif not quote and c in "()":
            depth += 1 if c == "(" else -1
            if depth == 0:
                return i
        i += 1
    return len(s)


def split_substitutions(line: str) -> tuple[str, list[str]]:
    """``line`` with each command substitution replaced by a stand-in word, and the
    command lines those substitutions run (``$((...))`` arithmetic runs none)."""
    if "$(" not in line and "`" not in line:
        return line, []  # most lines: no scan character by character
    out: list[str] = []
    scripts: list[str] = []
    quote = ""
    i = start = 0
    while i < len(line):
        c = line[i]
        quoting = _quoting(line, i, quote)
        if quoting is not None:
            i, quote = quoting
        elif c == "`" or line.startswith("$(", i):
            body = i + (1 if c == "`" else 2)
            end = _backtick_end(line, body) if c == "`" else _paren_end(line, body)
            if not line.startswith("$((", i):
                scripts.append(line[body:end])
            out += [line[start:i], SUBSTITUTED]
            i = start = end + 1
            continue
        i += 1
    out.append(line[start:])
    return "".join(out), scripts


def tokens(line: str) -> list[str]:
    """The shell words and operators of a line without substitutions."""
    lex = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
    lex.whitespace_split = True
    try:
        return list(lex)
    except ValueError:  # unbalanced quotes: fall back to words
        return re.findall(r"[;&|()]+|[^\s;&|()'\"]+", line)


def simple_commands(words: Sequence[str]) -> Iterator[list[str]]:
    """The words of each simple command, operators and redirections dropped."""
    cur: list[str] = []
    skip_next = False
    for tok in words:
        if skip_next:
            skip_next = False
            continue
        if tok in _SEPARATORS:
            if cur:
                yield cur
            cur = []
        elif _REDIRECTS.match(tok):
            skip_next = True
        else:
            cur.append(tok)
    if cur:
        yield cur


#: ``name() {``, ``function name {``, ``function name() {`` (the brace may come later;
#: a one-line body after it: ``quiet() { "$@" >/dev/null; }``)
_FUNCTION = lazy_compile(
    r"^([ \t]*)(?:function[ \t]+([A-Za-z_][\w:.-]*)(?:[ \t]*\(\))?|([A-Za-z_][\w:.-]*)[ \t]*\(\))"
    r"[ \t]*(?:\{(.*))?$"
)
_ALL_FROM = lazy_compile(r"^\$\{@:(\d+)\}$")  # ``"${@:2}"``: the words from the 2nd on


def wrapper_functions(text: str, runs: Callable[[list[str]], list[str]]) -> dict[str, int]:
    """The script's functions that run the command their caller hands them: name -> how
    many leading words of a call are the function's own (vllm-ascend's
    ``run_logged_command LOG python -m coverage run ...``, whose body does ``shift`` then
    ``setsid "$@"``). ``runs``: the command words a simple command runs (seen through
    ``setsid``, ``exec``, ``timeout 60``...)."""
    if "$@" not in text and "${@" not in text:
        return {}  # most scripts: no function hands on its arguments
    lines = text.splitlines()
    out: dict[str, int] = {}
    for i, line in enumerate(lines):
        m = _FUNCTION.match(line)
        if m is None:
            continue
        rest = (m.group(4) or "").strip()
        one_line = rest.endswith("}")
        body = [rest[:-1]] if one_line else [rest, *lines[i + 1 :]]
        shifted, indent = 0, len(m.group(1))
        for n, stmt in enumerate(body):
            if n and stmt.strip() == "}" and len(stmt) - len(stmt.lstrip()) <= indent:
                break
            shifted, skip = _hands_on(stmt, runs, shifted)
            if skip is not None:
                out[m.group(2) or m.group(3)] = skip
                break
    return out


def _hands_on(
    line: str, runs: Callable[[list[str]], list[str]], shifted: int
) -> tuple[int, int | None]:
    """The function's arguments shifted away after this line, and how many of its
    caller's words precede the command the line runs (``"$@"`` after ``shift``: 1;
    ``"${@:2}"``: 1), or None when it runs none."""
    if "shift" not in line and "$@" not in line and "${@" not in line:
        return shifted, None
    outer, _ = split_substitutions(line)
    for words in simple_commands(tokens(outer)):
        if words[0] == "shift":
            shifted += int(words[1]) if len(words) > 1 and words[1].isdigit() else 1
            continue
        for word in runs(words):
            if word in ("$@", "${@}"):
                return shifted, shifted
            m = _ALL_FROM.match(word)
            if m is not None:
                return shifted, shifted + max(int(m.group(1)) - 1, 0)
    return shifted, None
