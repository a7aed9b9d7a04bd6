"""Requirements whose distribution a condition chooses: one is used when another is.

setup.py may write ``"compressed-tensors==0.9" if release else "compressed-tensors-nightly"``:
one requirement with two spellings, each installed by a different build. Each branch is
declared (:attr:`.records.Declared.alternatives` names the others); once the gate has
judged every declaration, a branch found unused (or only unmapped) whose alternative is
used counts as used too, with that evidence. When no branch is used, each still fails.
"""

from __future__ import annotations

from .records import Evidence, Finding, GateResult, Kind, canonical_name

__all__ = ["credit_alternatives"]

_CREDITED = (Kind.UNUSED, Kind.UNMAPPED)


def _used_alternative(f: Finding, used: dict[str, list[Evidence]]) -> str | None:
    """The used alternative of ``f``'s requirement; only when every declaration of it is a
    branch of a conditional (a plain declaration elsewhere is judged on its own)."""
    if f.kind not in _CREDITED or not f.declared:
        return None
    if not all(d.alternatives for d in f.declared):
        return None
    return next((a for d in f.declared for a in d.alternatives if used.get(a)), None)


def credit_alternatives(result: GateResult) -> None:
    """Move each finding of a branch whose alternative is used to ``result.used_by``."""
    used = {canonical_name(k): v for k, v in result.used_by.items()}
    kept: list[Finding] = []
    for f in result.findings:
        alt = _used_alternative(f, used)
        if alt is None:
            kept.append(f)
            continue
        d = f.declared[0]
        text = (
            f"the other branch of its conditional requirement at {d.location} names {alt}, "
            f"which is used ({used[alt][0].text})"
        )
        result.used_by[f.dependency] = [Evidence(text, d.file, d.line)]
    result.findings = kept
