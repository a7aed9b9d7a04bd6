"""Commands lint-staged runs on staged files (usually from a husky pre-commit hook).

Its configuration maps a glob to a command line or a list of them: ``.lintstagedrc`` (JSON
or YAML), ``.lintstagedrc.{json,yaml,yml}``, the ``"lint-staged"`` key of ``package.json``
and the JavaScript configs (``lint-staged.config.{js,mjs,cjs}``, ``.lintstagedrc.{js,mjs,
cjs}``). JavaScript is never run: its string literals in value position (after ``:``, in
an array, returned by an arrow function) are the command lines; keys (the globs), imports
and comments are not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from .invocation import Invocation, script_invocations
from .toolfiles import yaml, yaml_nodes, yaml_scalars

__all__ = ["js_value_strings", "read_lint_staged"]

_JS_SUFFIXES = (".js", ".mjs", ".cjs")


def read_lint_staged(text: str, rel: str) -> list[Invocation]:
    """Every command line of one lint-staged configuration file."""
    name = rel.rsplit("/", 1)[-1]
    if name.endswith(_JS_SUFFIXES):
        return [
            inv
            for value, line in js_value_strings(text)
            for inv in script_invocations(value, rel, line)
        ]
    json_rc = name.endswith(("rc", ".json")) and text.lstrip().startswith("{")
    if name == "package.json" or json_rc:
        found = _json_commands(text, rel, "lint-staged" if name == "package.json" else None)
        if found is not None or name == "package.json":
            return found or []
        # not JSON: read as YAML below, whose error becomes the run's note
    out: list[Invocation] = []
    for doc in yaml_nodes(text):  # JSON is YAML too: one reader keeps the line numbers
        if isinstance(doc, yaml.MappingNode):
            for _, value in doc.value:
                for s in yaml_scalars(value):
                    out += script_invocations(s.value, rel, s.line)
    return out


def _json_commands(text: str, rel: str, key: str | None) -> list[Invocation] | None:
    """A JSON config (``key``: its object in package.json): glob -> command or list;
    None when the text is not JSON."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    config = data.get(key) if isinstance(data, dict) and key else data
    if not isinstance(config, dict):
        return []
    lines = text.splitlines()
    out: list[Invocation] = []
    for value in config.values():
        for cmd in value if isinstance(value, list) else [value]:
            if isinstance(cmd, str) and cmd.strip():
                line = next((i for i, ln in enumerate(lines, 1) if json.dumps(cmd) in ln), None)
                out += script_invocations(cmd, rel, line or 1)
    return out


def _js_tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, offset) of a JavaScript source: ``str`` literals (template literals
    with each ``${...}`` as a stand-in word), ``word``s and single punctuation ``op``s.
    Comments are skipped; a regex literal is read as punctuation (harmless here)."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c in "'\"`":
            j, buf = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j + 1])
                    j += 2
                elif c == "`" and text.startswith("${", j):
                    depth, j = 1, j + 2
                    while j < n and depth:
                        depth += {"{": 1, "}": -1}.get(text[j], 0)
                        j += 1
                    buf.append(" __var__ ")
                else:
                    buf.append(text[j])
                    j += 1
            yield "str", "".join(buf), i
            i = j + 1
        elif c.isalnum() or c in "_$":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            yield "word", text[i:j], i
            i = j
        else:
            yield "op", "=>" if text.startswith("=>", i) else c, i
            i += 2 if text.startswith("=>", i) else 1


def js_value_strings(text: str) -> Iterator[tuple[str, int]]:
    """(string, 1-based line) of the string literals a JavaScript config gives as values:
    after ``:``, ``=>`` or ``return``, or an element of an array, never a key (followed by
    ``:``) nor a module name (``import``/``require``)."""
    toks = list(_js_tokens(text))
    for k, (kind, value, offset) in enumerate(toks):
        if kind != "str" or not value.strip():
            continue
        prev = toks[k - 1][1] if k else ""
        nxt = toks[k + 1][1] if k + 1 < len(toks) else ""
        if nxt == ":" or prev not in (":", "[", ",", "=>", "return"):
            continue
        if prev == "," and not _in_array(toks, k):
            continue  # an argument of a call, not an element of a list of commands
        yield value, text.count("\n", 0, offset) + 1


def _in_array(toks: list[tuple[str, str, int]], k: int) -> bool:
    """Is token ``k`` directly inside ``[...]`` (not inside a call's parentheses)?"""
    depth = 0
    for kind, value, _ in reversed(toks[:k]):
        if kind != "op":
            continue
        if value in ")]}":
            depth += 1
        elif value in "([{":
            if depth == 0:
                return value == "["
            depth -= 1
    return False
