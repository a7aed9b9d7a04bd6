"""docs/troubleshooting.md lists every error message a user can meet (issue 11).

Every message given to a user-facing error in the package (InputError, pytest.UsageError,
pytest.fail/skip, argparse type errors, the CLI's error lines, sample, unit, budget and GPU
errors) is found in the source; its longest literal fragment (the stable part, without the
values formatted into it) must appear in the troubleshooting page, where its fix is.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "pytest_llmcore"
DOC = REPO / "docs" / "troubleshooting.md"

#: calls whose first argument is a message a user reads
USER_FACING = {
    "InputError", "UsageError", "fail", "skip", "_err", "ArgumentTypeError", "SampleError",
    "BudgetError", "UnitError", "LlmcoreError", "GpuUnavailable",
}  # fmt: skip
#: modules whose ValueErrors are user-facing (parsers of config values and marker arguments)
VALUE_ERROR_MODULES = {"gpu/requirements.py", "core/units.py", "budgets/settings.py"}
MIN_FRAGMENT = 12


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _literal(node: ast.expr) -> str | None:
    """The message with each formatted value replaced by NUL."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "\0" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        return None if left is None else left + "\0" + (right or "")
    return None


def fragment(message: str) -> str | None:
    """The longest literal run of ``message``, trimmed; None when there is no stable part."""
    parts = [" ".join(p.split()).strip(" :;,.()'\"") for p in message.split("\0")]
    best = max(parts, key=len, default="")
    return best if len(best) >= MIN_FRAGMENT else None


def messages() -> Iterator[tuple[str, int, str]]:
    """(file, line, fragment) of every user-facing message in the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        names = USER_FACING | ({"ValueError"} if rel in VALUE_ERROR_MODULES else set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) in names and node.args:
                text = _literal(node.args[0])
                frag = None if text is None else fragment(text)
                if frag is not None:
                    yield rel, node.lineno, frag


def _doc_text() -> str:
    return " ".join(DOC.read_text(encoding="utf-8").replace("`", "").split())


def test_the_scan_finds_the_messages() -> None:
    found = {f for _, _, f in messages()}
    assert len(found) > 100
    assert "changed since llmcore deps read it; nothing written" in found
    assert "is not a list of finding kinds (choose from" in found  # argparse type errors


def test_every_message_has_an_entry() -> None:
    doc = _doc_text()
    missing = sorted({f"{rel}:{line}: {frag}" for rel, line, frag in messages() if frag not in doc})
    assert not missing, "add these to docs/troubleshooting.md with a fix:\n" + "\n".join(missing)


def test_fragment_takes_the_longest_literal_part() -> None:
    assert fragment("llmcore deps: \0: no such file or directory") == "no such file or directory"
    assert fragment("\0: \0") is None
    assert re.fullmatch(r"[^\0]+", fragment("corrupt baseline: \0: \0") or "")
