"""Unused entries that serve another declared dependency: ``unused-companion`` (LLMD006).

Three shapes, none failing by default:

- a companion the built-in table (or a hook) knows: a library another used dependency
  loads when installed (sentencepiece for transformers);
- a version pin: a declared dependency requires it (installed metadata; else a used one,
  per the lock file; else the built-in table), installed wherever the entry is (the main
  dependencies, or the entry's own extra or group), and the entry narrows the version
  (``urllib3<2.0`` beside vcrpy, ``fastar>=0.9.0`` beside fastapi-cloud-cli), not merely
  a default range (Poetry's ``^1.16``, ``~=2.21``);
- a support entry whose own line says whom it serves: its comment names another declared
  dependency, which is used (huggingface_hub's gradio extra: ``"requests",  # see
  https://github.com/gradio-app/gradio/pull/11830``, gradio having stopped requiring it;
  ``"httpx",  # required for authlib``). The maintainer's stated reason is the evidence: an
  entry merely declared beside its integration (instructor's ``anthropic = ["anthropic",
  "xmltodict"]``, nothing importing xmltodict) stays unused. A comment line right above
  the entry counts as its own (``# litdata, only on non-Windows:`` then ``"uvloop; ..."``);
- a cap: every entry of it only excludes versions (``mcp<2.0`` beside mcpadapt in txtai,
  ``urllib3<2.0.0`` under ``# Pin urllib3 to avoid transient error`` in torchtune), with no
  lower bound nor exact version: it constrains resolution, and claims no use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .lazyre import lazy_compile
from .pin_chains import PinChain, find_chain, requirement_edges
from .records import Declared, Finding, canonical_name

__all__ = [
    "Comments",
    "cap_text",
    "comment_parent",
    "companion_text",
    "declaration_comments",
    "is_cap",
    "is_version_pin",
    "named_requirer_text",
    "pinned_parent",
    "section_scope",
]


def _names(key: str) -> re.Pattern[str]:
    alt = "|".join(re.escape(v) for v in {key, key.replace("-", "_"), key.replace("-", ".")})
    # a word of its own: not inside another name (gradio-app), not a domain (urllib3.io)
    return re.compile(rf"(?<![\w.-])(?:{alt})(?![\w-]|\.\w)", re.I)


def _family(key: str, parent: str) -> bool:
    """A plugin, extension or stub package of ``parent`` (pytest-mock, types-requests): its
    comment names the parent by nature, and its own evidence rules decide it."""
    return key.startswith(parent + "-") or key.endswith("-" + parent) or key == parent


def comment_parent(entry: Declared, comment: str, used: set[str]) -> str | None:
    """The used dependency that the comment on the entry's line names, other than itself
    and other than a parent whose plugin or stubs the entry is."""
    if not comment:
        return None
    return next(
        (k for k in sorted(used) if not _family(entry.key, k) and _names(k).search(comment)),
        None,
    )


#: requirement -> distributions that require it at exactly their own release
#: (``pydantic`` requires ``pydantic-core==2.27.2``): beside one of them, a declaration of
#: the requirement constrains nothing, so it is no pin.
LOCKSTEP: dict[str, tuple[str, ...]] = {
    "pydantic-core": ("pydantic",),
    "triton": ("torch",),
    "opentelemetry-semantic-conventions": ("opentelemetry-sdk",),
}


#: where an entry is declared -> the extra or group it belongs to ("" for the main
#: dependencies); a section none of these name (a requirements file) is of unknown scope
_SCOPES: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"(?:^|\.)(?:optional-dependencies|extras_require|feature)\.([^.]+)"), None),
    (re.compile(r"^(?:dependency-groups|tool\.pdm\.dev-dependencies)\.(.+)$"), None),
    (re.compile(r"^tool\.poetry\.group\.(.+)\.dependencies$"), None),
    (re.compile(r"^tool\.(?:poetry|uv)\.dev-dependencies$"), "dev"),
    (re.compile(r"^(?:project|tool\.poetry|tool\.pixi)\.(?:pypi-)?dependencies$"), ""),
    (re.compile(r"^(?:setup|options)\.install_requires$"), ""),
)


def section_scope(section: str) -> str | None:
    """The extra or dependency group a declaration's ``section`` installs with (``""``:
    the main dependencies, installed with every one), or None when unknown."""
    for pattern, fixed in _SCOPES:
        m = pattern.search(section)
        if m:
            return fixed if fixed is not None else m.group(1)
    return None


def _serves(entry: Declared, parent_sections: Collection[str]) -> bool:
    """Is a requirer declared in ``parent_sections`` installed wherever ``entry`` is?
    Beside a requirer of another extra (mlx-vlm in ``vlm``, ``datasets~=2.21`` in
    ``asr``), an entry pins nothing the requirer brings. A section of unknown scope (a
    requirements file) counts as installed with it; a stray subfolder list that nothing
    installs from (``Declared.incidental``) is not among ``parent_sections`` at all."""
    mine = section_scope(entry.section)
    if mine is None or not parent_sections:
        return True
    theirs = {section_scope(s) for s in parent_sections}
    return bool(theirs & {None, "", mine})


_TABLE_ENTRY = lazy_compile(r"""^\s*["']?[\w.-]+["']?\s*=\s*["'{\[]""")
_POETRY_VERSION = lazy_compile(r"""(?:^[^=]*=\s*|\bversion\s*=\s*)["']([^"']*)["']""")
_PEP508_SPEC = lazy_compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*\(?([^;@]*)")


def is_version_pin(entry: Declared) -> bool:
    """Does the entry narrow what its requirer would install: an exact version, an
    exclusion, a bound (``six>=1.16``, ``urllib3<2.0``), a wheel or sdist file (``six @
    https://.../six-1.16.0-py3-none-any.whl``)? A default range is no pin, nor a VCS URL:
    Poetry's ``^1.16`` (what ``poetry add`` writes) or ``~1.16``, a compatible release
    ``~=2.21``, ``*``, or none."""
    text = entry.requirement
    if _TABLE_ENTRY.match(text):  # ``six = "^1.16"``: a Poetry (or Pixi) table's entry
        specs = _POETRY_VERSION.findall(text)
        clauses = [c for spec in specs for c in re.split(r"\|\|?|,", spec)]
        return any(_clause_pins(c, bare_is_exact=True) for c in clauses)
    name, at, reference = text.partition(" @ ")
    if at and name.strip():  # a direct reference: a wheel or sdist file is one version
        from .declarations_req import archive_file

        return archive_file(reference.split(";", 1)[0].strip()) is not None
    m = _PEP508_SPEC.match(text)
    if m is None:  # not a requirement as PEP 508 writes it (conda's ``six=1.16``)
        return bool(re.search(r"[<>=!]", text))
    return any(_clause_pins(c, bare_is_exact=False) for c in m.group(1).split(","))


def _clause_pins(clause: str, bare_is_exact: bool) -> bool:
    c = clause.strip().rstrip(")").strip()
    if not c or c == "*" or c.startswith(("^", "~")):
        return False  # no constraint, or a default range (``~=`` too)
    if c.startswith(("==", "!=", "<", ">", "=")):
        return True
    # a bare version: Poetry's exact version (``1.16.0``), unless a wildcard range
    return bare_is_exact and c[0].isdigit() and "*" not in c


def pinned_parent(
    finding: Finding,
    pinned: Mapping[str, str],
    declared: Mapping[str, Any],
    lock: Callable[[], Mapping[str, Sequence[str]]] = dict,
    used: Collection[str] = (),
    sections: Mapping[str, Collection[str]] | None = None,
) -> PinChain | None:
    """The chain by which a declared dependency requires the finding's, when the entry
    pins its version (:func:`is_version_pin`) and is installed wherever that requirer is
    declared: then it pins that requirement (``urllib3<2.0`` beside vcrpy). Asked in
    order: installed metadata (``pinned``: one step from a declared dependency), the lock
    file (``lock``: requirers by distance; the nearest one that is ``used``), the built-in
    table (one step), then a chain of requirement edges from a ``used`` dependency
    (:func:`.pin_chains.find_chain`: cffi <- soundfile <- librosa). ``sections``: declared
    key -> the sections declaring it. Without a pin, or beside a requirer that requires it
    at one exact version (:data:`LOCKSTEP`), it is plainly unused."""
    from .implicit_table import PINNED_REQUIREMENTS

    pins = [d for d in finding.declared if is_version_pin(d)]
    if not pins:
        return None
    key = canonical_name(finding.dependency)
    if any(p in declared for p in LOCKSTEP.get(key, ())):
        return None
    where = sections or {}

    def fits(parent: str | None) -> bool:
        have = where.get(canonical_name(parent)) if parent else None
        return parent is not None and any(_serves(d, have or ()) for d in pins)

    parent = pinned.get(key)
    if fits(parent):
        return PinChain(str(parent), how="declared")
    locked = lock()
    parent = next((p for p in locked.get(key, ()) if canonical_name(p) in used and fits(p)), None)
    if parent is not None:
        graph = getattr(locked, "graph", {})
        chain = find_chain(key, [parent], lambda n: sorted(graph.get(n, ())), 64)
        return chain if chain is not None and chain.via else PinChain(parent, how="declared")
    table = PINNED_REQUIREMENTS.get(key, ())
    parent = next((p for p in table if p in declared and fits(p)), None)
    if parent is not None:
        return PinChain(parent, how="declared")
    if all(_floor_only(d) for d in pins):
        return None
    roots = [canonical_name(u) for u in used if canonical_name(u) in declared and fits(u)]
    return find_chain(key, roots, requirement_edges(getattr(locked, "graph", {})))


def companion_text(
    finding: Finding,
    used: set[str],
    parents: tuple[str, ...],
    parent: PinChain | None,
    comments: Mapping[str, str],
    imported: Collection[str] = (),
    lock: Callable[[], Mapping[str, Sequence[str]]] = dict,
) -> str | None:
    """Why an unused finding is a companion, or None. ``parents``: the table's (and hooks')
    parents of the dependency; ``parent``: how a declared dependency requires the one it
    pins, if it pins one (:func:`pinned_parent`);
    ``comments``: ``file:line`` of a declaration -> the comment on that line;
    ``imported``: parents the project imports without declaring them (httpx, arriving
    through litellm, beside its ``socksio``)."""
    hit = [p for p in parents if p in used]
    how = "used"
    if not hit:
        hit, how = [p for p in parents if p in imported], "imported, not declared"
    if hit:
        return (
            f"not used directly, and no use that needs it was found; {finding.dependency} "
            f"is loaded by {hit[0]} ({how}) when installed"
        )
    if parent:
        return f"not used directly; {parent.describe()}, so this entry pins its version"
    for entry in finding.declared:
        named = comment_parent(entry, comments.get(entry.location, ""), used)
        if named:
            return (
                f"not used directly; the comment on its line ({entry.location}) ties it to "
                f"{named} (used), which needs it"
            )
    return (
        named_requirer_text(finding, used, comments, lock)
        or cap_text(finding, comments, lock)
        or backend_extra_text(finding, used)
    )


def backend_extra_text(finding: Finding, used: Collection[str]) -> str | None:
    """An optional backend of a used library declared in an extra or group named after
    what the library loads it for (:data:`.implicit_table_ml.BACKEND_EXTRAS`)."""
    from .implicit_table_ml import BACKEND_EXTRAS

    key = canonical_name(finding.dependency)
    for parent, (what, words, backends) in BACKEND_EXTRAS.items():
        if parent not in used or key not in backends:
            continue
        for entry in finding.declared:
            scope = section_scope(entry.section) or ""
            if words & set(re.split(r"[-_.]+", scope.lower())):
                kind = "extra" if re.search(r"optional|extras|feature", entry.section) else "group"
                return (
                    f"not used directly; declared in the {kind} {scope!r} "
                    f"({entry.location}), named after what {parent} (used) loads it for: "
                    f"{what}"
                )
    return None


#: ``# transitive dependency of "pytest-asyncio"``, ``# required by pycares``, ``# via x``
_REQUIRER = lazy_compile(
    r"(?:\b(?:dependency|dependencies|required|requirement|needed|pulled\s+in|brought\s+in)"
    r"\s+(?:of|by|for|from)|\bvia)\s+[\"'`]?([A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])",
    re.I,
)


def named_requirer_text(
    finding: Finding,
    used: Collection[str],
    comments: Mapping[str, str],
    lock: Callable[[], Mapping[str, Sequence[str]]] = dict,
) -> str | None:
    """Why an entry whose comment says which distribution requires it (aiohttp's
    ``cffi; ...  # transitive dependency of "pycares"``) is a companion: the named
    requirer is not used itself, but a used dependency requires it
    (:func:`.pin_chains.find_chain`: pytest-aiohttp requires pytest-asyncio), or its own
    entry's comment ties it to a used one (pycares, ``# transitive dependency of
    "aiodns"``). A requirer nothing used reaches leaves the entry unused."""
    key = canonical_name(finding.dependency)
    for entry in finding.declared:
        for named in _REQUIRER.findall(comments.get(entry.location, "")):
            requirer = canonical_name(named)
            if requirer == key or _family(key, requirer):
                continue
            why = _requirer_reached(requirer, used, comments, lock)
            if why:
                return (
                    f"not used directly; the comment on its line ({entry.location}) names "
                    f"{named} as its requirer, and {why}"
                )
    return None


def _requirer_reached(
    requirer: str,
    used: Collection[str],
    comments: Mapping[str, str],
    lock: Callable[[], Mapping[str, Sequence[str]]],
) -> str | None:
    chain = find_chain(requirer, used, requirement_edges(getattr(lock(), "graph", {})))
    if chain is not None:
        return chain.describe(requirer)
    own = comments.by_key.get(requirer, {}) if isinstance(comments, Comments) else {}
    for location, note in own.items():
        for named in _REQUIRER.findall(note):
            if canonical_name(named) in used:
                return f"{requirer}'s own comment ({location}) ties it to {named} (used)"
    return None


def is_cap(entry: Declared) -> bool:
    """Does the entry only exclude versions (``mcp<2.0``, ``urllib3<2.0.0``, ``x!=1.2``,
    Poetry's ``x = "<2"``): upper bounds and exclusions, no lower bound, no exact or
    compatible release? Such an entry constrains what another package brings; it makes
    no claim that the project uses it."""
    cleaned = _clauses(entry)
    return bool(cleaned) and all(c.startswith(("<", "!=")) for c in cleaned)


def _clauses(entry: Declared) -> list[str]:
    """The version clauses of an entry (``[">=1.0", "<2"]``), none when unparsable."""
    text = entry.requirement
    if _TABLE_ENTRY.match(text):
        specs = _POETRY_VERSION.findall(text)
        clauses = [c for spec in specs for c in re.split(r"\|\|?|,", spec)]
    else:
        m = _PEP508_SPEC.match(text)
        if m is None:
            return []
        clauses = m.group(1).split(",")
    cleaned = [c.strip().rstrip(")").strip() for c in clauses]
    return [c for c in cleaned if c]


def _floor_only(entry: Declared) -> bool:
    """Does the entry only set a lower bound (``tokenizers>=0.12.1``)? Beside a requirer
    known from a chain, whose own bound is not read, such a floor most likely restates
    it (AutoAWQ's, below what its transformers requires): no pin."""
    cleaned = _clauses(entry)
    return bool(cleaned) and all(c.startswith(">") for c in cleaned)


def cap_text(
    finding: Finding,
    comments: Mapping[str, str],
    lock: Callable[[], Mapping[str, Sequence[str]]] = dict,
) -> str | None:
    """Why an unused finding whose every entry only caps versions (:func:`is_cap`) is no
    failure, with the comment the maintainer left on or above the entry, if any. A lock
    file (``lock``: requirement -> declared requirers) is the whole resolution: where there
    is one, only a used requirer it names makes a pin (:func:`pinned_parent`), and a cap
    nothing there requires (outlines' ``beartype<0.16.0``) constrains nothing."""
    if not finding.declared or not all(is_cap(d) for d in finding.declared):
        return None
    if lock():
        return None
    entry = finding.declared[0]
    note = comments.get(entry.location, "")
    said = f"; its comment says: {note}" if note else ""
    return (
        f"not used directly; its entry at {entry.location} (`{entry.requirement.strip()}`) "
        f"only caps its versions (no lower bound, no exact version), so it constrains what "
        f"another package brings and is no claim of use{said}"
    )


class Comments(dict[str, str]):
    """``file:line`` -> comment, and ``by_key``: distribution -> its entries' comments."""

    def __init__(self) -> None:
        super().__init__()
        self.by_key: dict[str, dict[str, str]] = {}


def declaration_comments(root: Path, entries: Iterable[Declared]) -> Comments:
    """``file:line`` -> the ``#`` comment on that line (TOML, requirements, setup.py...)."""
    from .safeio import read_bounded

    out = Comments()
    lines: dict[str, list[str]] = {}
    for d in entries:
        if d.file not in lines:
            raw = read_bounded(root / d.file, 5_000_000)
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
            lines[d.file] = text.splitlines()
        text_lines = lines[d.file]
        if 0 < d.line <= len(text_lines):
            comment = _comment(text_lines[d.line - 1])
            if comment is None:
                comment = _block_above(text_lines, d.line - 1)
            if comment is not None:
                out[d.location] = comment
                out.by_key.setdefault(d.key, {})[d.location] = comment
    return out


#: How far up a run of entries is followed to the comment block that heads it.
_RUN_LIMIT = 40


def _block_above(lines: list[str], index: int) -> str | None:
    """The comment block heading the run of entries that holds ``lines[index]``: a note
    right above the entry (litgpt's ``# litdata, only on non-Windows:`` above ``"uvloop;
    ..."``), or above the entries before it up to a blank line (aider's ``# The proper
    dependency is litellm[proxy], but it installs`` / ``# mcp ...`` above ``fastapi`` and
    ``orjson``). A blank line, a section header or an opening bracket ends the run; a
    block between two entries of one run notes only the entry right below it (haystack's
    note on dulwich says nothing of the entries after dulwich)."""
    i = index - 1
    while i >= 0 and index - i <= _RUN_LIMIT:
        line = lines[i].strip()
        if line.startswith("#"):
            block = []
            while i >= 0 and lines[i].strip().startswith("#"):
                block.append(lines[i].strip().lstrip("#").strip())
                i -= 1
            right_above = len(block) == index - 1 - i
            return " ".join(reversed(block)) if right_above or _run_start(lines, i) else None
        if _run_start(lines, i):
            return None
        i -= 1
    return None


def _run_start(lines: list[str], i: int) -> bool:
    """Does ``lines[i]`` end a run of entries above it (none, blank, header, bracket)?"""
    if i < 0:
        return True
    line = lines[i].strip()
    return not line or line.startswith("[") or line.endswith(("[", "(", "{", "="))


def _comment(line: str) -> str | None:
    """The ``#`` comment of a line: the first ``#`` outside a string starts it."""
    code, sep, comment = line.partition("#")
    if sep and code.count('"') % 2 == 0 and code.count("'") % 2 == 0:
        return comment.strip()
    return None
