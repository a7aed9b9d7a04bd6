"""What installed distributions require: the names in their ``Requires-Dist`` lines (one
reader, with or without their markers) and the closure of a set of distributions."""

from __future__ import annotations

from collections.abc import Iterable

from .lazyre import lazy_compile
from .markerfast import evaluate_simple
from .records import canonical_name

__all__ = ["plain_requirement_name", "required_name", "requirement_closure"]

#: ``~=`` needs two release segments at least (``~=1`` is not PEP 440)
_OP_VERSION = r"(?:(?:===|>=|<=|==|!=|<|>)\s*\d+(?:\.\d+)*|~=\s*\d+(?:\.\d+)+)"
_VERSIONS = rf"{_OP_VERSION}(?:\s*,\s*{_OP_VERSION})*"
_IDENT = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
#: ``name``, ``name[x]>=1.2``, ``name (>=1,<2)``: no marker or URL, so the name is all a
#: closure needs (extras ask for more of the same distribution) and PEP 508 would accept
#: it. Anything else goes through packaging.
_PLAIN_REQ = lazy_compile(
    rf"({_IDENT})\s*(?:\[\s*(?:{_IDENT}(?:\s*,\s*{_IDENT})*\s*)?\])?"
    rf"\s*(?:{_VERSIONS}|\(\s*{_VERSIONS}\s*\))?\s*"
)
#: ``name[x]>=1 ; extra == "test"``: a line whose whole marker names one extra
_EXTRA_ONLY = lazy_compile(r"[^;]+;\s*extra\s*==\s*(['\"])[A-Za-z0-9._-]*\1\s*")
_MARKER_VAR = (
    r"(?:python_version|python_full_version|os_name|sys_platform|platform_release"
    r"|platform_system|platform_version|platform_machine|platform_python_implementation"
    r"|implementation_name|implementation_version|extra)"
)
_MARKER_ATOM = (
    rf"(?:{_MARKER_VAR}\s*(?:===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)\s*(?:\"[^\"]*\"|'[^']*')"
    rf"|(?:\"[^\"]*\"|'[^']*')\s*(?:===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)\s*{_MARKER_VAR})"
)
#: comparisons joined by ``and``/``or``, without parentheses: a marker PEP 508 accepts
_SIMPLE_MARKER = lazy_compile(rf"\s*{_MARKER_ATOM}(?:\s+(?:and|or)\s+{_MARKER_ATOM})*\s*")


def plain_requirement_name(text: str) -> str | None:
    """The name of a requirement without marker or URL (``numpy[x]>=1.2``), or None
    when only the full PEP 508 parser can read ``text``."""
    plain = _PLAIN_REQ.fullmatch(text)
    return plain.group(1) if plain is not None else None


def required_name(text: str, *, evaluate_marker: bool = True) -> str | None:
    """The distribution a ``Requires-Dist`` line needs when no extra is asked, or None.

    With ``evaluate_marker`` the marker is evaluated for this Python (``python_version <
    "3.8"`` needs nothing here); without, only a marker naming an extra excludes the line.
    """
    plain = plain_requirement_name(text)
    if plain is not None:
        return plain
    if _EXTRA_ONLY.fullmatch(text):
        return None  # needed only by an extra, and none is asked: no PEP 508 parser needed
    head, _, marker = text.partition(";")
    name = plain_requirement_name(head)
    if name is not None and not evaluate_marker and _SIMPLE_MARKER.fullmatch(marker):
        return None if "extra" in marker else name  # as below, without packaging
    if name is not None and evaluate_marker:
        verdict = evaluate_simple(marker)
        if verdict is not None:
            return name if verdict else None
    # imported only here: the import costs a cold run ~11 ms, and most lines are plain
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    if req.marker is None:
        return req.name
    if not evaluate_marker:
        return None if "extra" in str(req.marker) else req.name
    try:
        return req.name if req.marker.evaluate({"extra": ""}) else None
    except ValueError:  # a marker that can't be evaluated (python_version ~= "abc")
        return None


def requirement_closure(roots: Iterable[str]) -> dict[str, str]:
    """Every installed distribution reachable from ``roots``, mapped to the root it came from."""
    from .installed import installed

    seen: dict[str, str] = {}
    stack = [(canonical_name(r), canonical_name(r)) for r in roots]
    while stack:
        key, root = stack.pop()
        if key in seen:
            continue
        seen[key] = root
        dist = installed(key)
        for text in dist.requires() if dist is not None else ():
            name = required_name(text)
            if name is not None:
                stack.append((canonical_name(name), root))
    return seen
