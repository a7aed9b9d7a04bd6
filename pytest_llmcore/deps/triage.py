"""Last step of a gate run: unreachable declarations, suppressions, and stale ignores.

An ``unused`` dependency all of whose declarations carry a marker no supported Python
meets becomes ``unreachable``. A finding is then ignored (reported, never failing) by, in
this order: an inline ``# llmcore: ignore[CODE]`` on its declaring line, a whole rule in
``ignore`` (``LLMD006 = "reason"``), ``per-rule-ignores``, or a per-dependency ``ignore``.
Every ignore that matched nothing is a warning note, so ignores can't outlive their cause.
"""

from __future__ import annotations

from dataclasses import replace

from .alternatives import credit_alternatives
from .records import Declared, Evidence, Finding, GateResult, Kind, canonical_name
from .settings import DepsSettings

__all__ = ["triage"]


def _unreachable(f: Finding) -> Finding:
    if f.kind is not Kind.UNUSED or not f.declared:
        return f
    reasons = [d.unreachable for d in f.declared]
    if not all(reasons):
        return f
    ev = tuple(
        Evidence(f"{r} ({d.location})", d.file, d.line)
        for d, r in zip(f.declared, reasons, strict=True)
    )
    return replace(f, kind=Kind.UNREACHABLE, evidence=ev[:3])


def _names(f: Finding) -> set[str]:
    """Names an ignore may use for a finding: the dependency, and its modules for missing."""
    names = {canonical_name(f.dependency)}
    for mod in (f.module or "").split(","):
        if mod:
            names.update({canonical_name(mod), canonical_name(mod.split(".", 1)[0])})
    return names


def _inline(f: Finding) -> Declared | None:
    for d in f.declared:
        if "*" in d.suppress or f.code in d.suppress:
            return d
    return None


def triage(result: GateResult, settings: DepsSettings) -> None:
    """Reclassify unreachable findings, apply every ignore, and warn about stale ignores."""
    credit_alternatives(result)
    used_inline: set[tuple[str, int]] = set()
    used_rules: set[str] = set()
    used_per_rule: set[tuple[str, str]] = set()
    used_deps: set[str] = set()
    out: list[Finding] = []
    for f in map(_unreachable, result.findings):
        reason: str | None = None
        names = _names(f)
        d = _inline(f)
        incidental = [x.incidental for x in f.declared]
        if f.kind is Kind.UNUSED and f.declared and all(incidental):
            reason = f"{incidental[0]}; not failing"
        elif d is not None:
            reason = f"suppressed by a comment at {d.location}"
            used_inline.add((d.file, d.line))
        elif f.code in settings.ignore_rules:
            reason = settings.ignore_rules[f.code]
            used_rules.add(f.code)
        elif hits := names & settings.per_rule_ignores.get(f.code, frozenset()):
            reason = f"[tool.llmcore.deps] per-rule-ignores {f.code}"
            used_per_rule.update((f.code, n) for n in hits)  # every entry that matched is used
        else:
            dep_hit = next((n for n in sorted(names) if n in settings.ignore), None)
            if dep_hit is not None:
                reason = settings.ignore[dep_hit]
                used_deps.add(dep_hit)
        out.append(replace(f, ignored_reason=reason))
    result.findings = out
    _stale(result, settings, used_inline, used_rules, used_per_rule, used_deps)


def _stale(
    result: GateResult,
    settings: DepsSettings,
    used_inline: set[tuple[str, int]],
    used_rules: set[str],
    used_per_rule: set[tuple[str, str]],
    used_deps: set[str],
) -> None:
    where = "[tool.llmcore.deps]"
    for key in sorted(set(settings.ignore) - used_deps):
        result.notes.append(f"warning: {where} ignore.{key} matches no finding; remove it")
    for code in sorted(set(settings.ignore_rules) - used_rules):
        result.notes.append(f"warning: {where} ignore.{code} matches no finding; remove it")
    for code, names in sorted(settings.per_rule_ignores.items()):
        for name in sorted(names):
            if (code, name) not in used_per_rule:
                result.notes.append(
                    f"warning: {where} per-rule-ignores.{code} entry {name!r} matches no "
                    "finding; remove it"
                )
    seen: set[tuple[str, int]] = set()
    for d in result.declared:
        if d.suppress and (d.file, d.line) not in used_inline and (d.file, d.line) not in seen:
            seen.add((d.file, d.line))
            result.notes.append(
                f"warning: {d.location}: the suppression comment for {d.name} matches no "
                "finding; remove it"
            )
