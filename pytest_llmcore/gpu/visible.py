"""``CUDA_VISIBLE_DEVICES`` read the way CUDA reads it: one parser, one resolver.

CUDA's rules (CUDA programming guide, "CUDA Environment Variables"): unset means every GPU;
set but empty means none; otherwise a comma-separated sequence of identifiers, enumerated in
that order, where the first invalid identifier hides itself and everything after it
(``0,2,-1,1`` shows 0 and 2). An identifier is an index (``0``), a GPU UUID or a unique
prefix of one, ``GPU-`` included (``GPU-8932f937``), or a MIG device (``MIG-<uuid>``, or the
older ``MIG-GPU-<uuid>/<gpu instance>/<compute instance>``). Anything else (``-1``,
``garbage``, ``1.5``) is invalid; an identifier naming a device already listed is treated as
invalid as well, so a device is never counted twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DeviceId", "VisibleEntry", "parse_visible", "resolve_visible"]

_INDEX = re.compile(r"[0-9]+")  # ASCII digits only, as CUDA reads them
_OLD_MIG = re.compile(r"MIG-(GPU-[0-9A-Za-z-]+)/([0-9]+)/([0-9]+)")


@dataclass(frozen=True)
class VisibleEntry:
    """One identifier of ``CUDA_VISIBLE_DEVICES``: ``kind`` is index, uuid, mig or mig-gi."""

    kind: str
    value: str
    gi: int | None = None
    ci: int | None = None


@dataclass(frozen=True)
class DeviceId:
    """A device NVML knows: a GPU (``mig`` None) or a MIG device of GPU ``index``."""

    index: int
    uuid: str
    mig: int | None = None
    parent_uuid: str | None = None
    gi: int | None = None
    ci: int | None = None


def parse_visible(raw: str | None) -> list[VisibleEntry] | None:
    """The syntactically valid prefix of ``raw`` (None: unset, every GPU is visible)."""
    if raw is None:
        return None
    out: list[VisibleEntry] = []
    for token in raw.split(","):
        part = token.strip()
        if _INDEX.fullmatch(part):
            out.append(VisibleEntry("index", str(int(part))))
        elif (m := _OLD_MIG.fullmatch(part)) is not None:
            out.append(VisibleEntry("mig-gi", m.group(1), int(m.group(2)), int(m.group(3))))
        elif part.startswith("MIG-") and len(part) > 4 and "/" not in part:
            out.append(VisibleEntry("mig", part))
        elif part.startswith("GPU-") and len(part) > 4:
            out.append(VisibleEntry("uuid", part))
        else:
            break  # CUDA stops at the first invalid identifier
    return out


def _match(entry: VisibleEntry, devices: Sequence[DeviceId]) -> DeviceId | None:
    gpus = [d for d in devices if d.mig is None]
    if entry.kind == "index":
        i = int(entry.value)
        return gpus[i] if i < len(gpus) else None
    if entry.kind == "uuid":
        hits = [d for d in gpus if d.uuid.startswith(entry.value)]
        return hits[0] if len(hits) == 1 else None  # an ambiguous prefix is invalid
    migs = [d for d in devices if d.mig is not None]
    if entry.kind == "mig":
        hits = [d for d in migs if d.uuid == entry.value]
    else:
        hits = [
            d
            for d in migs
            if d.parent_uuid == entry.value and d.gi == entry.gi and d.ci == entry.ci
        ]
    return hits[0] if len(hits) == 1 else None


def resolve_visible(
    entries: Sequence[VisibleEntry] | None, devices: Sequence[DeviceId]
) -> list[DeviceId]:
    """The devices CUDA would show, in CUDA's order (``devices``: NVML's GPUs then MIGs)."""
    if entries is None:
        return [d for d in devices if d.mig is None]
    out: list[DeviceId] = []
    for entry in entries:
        hit = _match(entry, devices)
        if hit is None or hit in out:
            break
        out.append(hit)
    return out
