"""Stub-only distributions whose name does not say which distribution they type."""

from __future__ import annotations

__all__ = ["STUB_DISTRIBUTIONS", "stubbed_distribution"]

#: Stub-only distributions whose name says neither ``types-`` nor ``-stubs``: the
#: distribution whose module they type (trio-typing ships ``trio-stubs/``). Installed
#: metadata answers for any other (a ``NAME-stubs/`` folder in its RECORD).
STUB_DISTRIBUTIONS: dict[str, str] = {
    "trio-typing": "trio",
    "sqlalchemy2-stubs": "sqlalchemy",
    "celery-types": "celery",
    "msgpack-types": "msgpack",
    "pygobject-stubs": "pygobject",
    "django-types": "django",
    "djangorestframework-types": "djangorestframework",
    "boto3-type-annotations": "boto3",
}


def stubbed_distribution(key: str, installed: bool) -> str | None:
    """The distribution a stub-only distribution types when its name does not say
    (``trio-typing`` -> trio): :data:`STUB_DISTRIBUTIONS`, else, when ``installed``, a
    ``NAME-stubs/`` folder in its RECORD."""
    if key in STUB_DISTRIBUTIONS or not installed:
        return STUB_DISTRIBUTIONS.get(key)
    from .installed import installed as find

    dist = find(key)
    record = (dist.read_text("RECORD") if dist else None) or ""
    for line in record.splitlines():
        top, sep, _ = line.partition("/")
        if sep and top.endswith("-stubs") and len(top) > len("-stubs"):
            return top[: -len("-stubs")]
    return None
