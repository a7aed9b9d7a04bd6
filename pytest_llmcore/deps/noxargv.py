"""The argv lists a noxfile builds before ``session.run(*cmd)``.

``cmd = ["python", "-m", "pytest"]``, then ``cmd.extend(["--cov=alembic"])``, ``cmd +=
["-p", "no:randomly"]``, ``cmd.append(f"--cov={pkg}")`` and ``cmd.extend(os.environ.get(
"TOX_WORKERS", "-n4").split())`` (the default runs when the variable is unset): each
literal word joins the list in source order, the words of every branch together (the
command is any one of them, and an option one branch adds is one the project runs). A
value not known is one unknown word (``__var__``), or none where its length is unknown
(``cmd.extend(session.posargs)``). Read with ``ast``, never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

__all__ = ["run_argvs"]

_UNKNOWN = "__var__"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_RUNS = ("run", "run_always")


def _word(node: ast.expr) -> str:
    """A string literal's value; an f-string's text with ``__var__`` for each value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else _UNKNOWN
            for v in node.values
        )
    return _UNKNOWN


def _split_default(node: ast.expr) -> list[str] | None:
    """``os.environ.get("X", "-n4").split()`` / ``os.getenv(...)`` / ``"a b".split()``:
    the words of the literal (the default of the lookup)."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "split"
        and not node.args
    ):
        return None
    inner = node.func.value
    if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
        return inner.value.split()
    if (
        isinstance(inner, ast.Call)
        and isinstance(inner.func, ast.Attribute)
        and inner.func.attr in ("get", "getenv")
        and len(inner.args) == 2
        and isinstance(inner.args[1], ast.Constant)
        and isinstance(inner.args[1].value, str)
    ):
        return inner.args[1].value.split()
    return None


def _words(node: ast.expr, lists: dict[str, list[str]]) -> list[str] | None:
    """The words a list-valued expression holds, or None when not known."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return _elements(node.elts, lists)
    if isinstance(node, ast.Name):
        return lists.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _words(node.left, lists), _words(node.right, lists)
        return None if left is None or right is None else left + right
    return _split_default(node)


def _grow(stmt: ast.stmt, lists: dict[str, list[str]]) -> None:
    """Apply one statement's binding or growth of a known list."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if isinstance(target, ast.Name):
            words = _words(stmt.value, lists)
            if words is not None:
                lists[target.id] = words
            else:
                lists.pop(target.id, None)
    elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        if stmt.target.id in lists and isinstance(stmt.op, ast.Add):
            lists[stmt.target.id] += _words(stmt.value, lists) or []
    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return
        name = func.value.id
        if name in lists and func.attr == "append" and len(call.args) == 1:
            lists[name].append(_word(call.args[0]))
        elif name in lists and func.attr == "extend" and len(call.args) == 1:
            lists[name] += _words(call.args[0], lists) or []


def _calls(node: ast.AST) -> Iterator[ast.Call]:
    """The ``x.run(...)`` calls an expression or simple statement makes."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, _SCOPES):
            continue
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _RUNS:
            yield n
        stack.extend(ast.iter_child_nodes(n))


def _walk(body: list[ast.stmt], lists: dict[str, list[str]], seen: dict[int, list[str]]) -> None:
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _walk(stmt.body, {k: list(v) for k, v in lists.items()}, seen)
            continue
        blocks = [getattr(stmt, f) for f in ("body", "orelse", "finalbody") if hasattr(stmt, f)] + [
            h.body for h in getattr(stmt, "handlers", ())
        ]
        blocks += [case.body for case in getattr(stmt, "cases", ())]
        if blocks and not isinstance(stmt, ast.ClassDef):
            for child in ast.iter_child_nodes(stmt):  # the test, the iterable, the items
                if isinstance(child, ast.expr):
                    for call in _calls(child):
                        seen[id(call)] = _argv(call, lists)
            for block in blocks:
                _walk(block, lists, seen)
            continue
        for call in _calls(stmt):
            seen[id(call)] = _argv(call, lists)
        _grow(stmt, lists)


def _elements(elts: list[ast.expr], lists: dict[str, list[str]]) -> list[str]:
    """The words of a list's items or a call's arguments, ``*name`` spread in."""
    out: list[str] = []
    for elt in elts:
        if isinstance(elt, ast.Starred):
            out += _words(elt.value, lists) or [_UNKNOWN]
        else:
            out.append(_word(elt))
    return out


def _argv(call: ast.Call, lists: dict[str, list[str]]) -> list[str]:
    return _elements(call.args, lists)


def run_argvs(tree: ast.Module) -> Iterator[tuple[list[str], int]]:
    """``(argv, line)`` of every ``session.run(...)`` (and ``run_always``) call of the
    file, its starred lists expanded."""
    seen: dict[int, list[str]] = {}
    _walk(tree.body, {}, seen)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _RUNS
            and node.args
        ):
            yield seen.get(id(node)) or _argv(node, {}), node.lineno
