"""A project's own fixture that shadows one of ours: said once per name, as a warning."""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import pytest

from ..core.markers import using_fixtures

__all__ = ["warn_overridden_fixtures"]


def warn_overridden_fixtures(items: list[Any], our_fixtures: tuple[str, ...]) -> None:
    """Once per fixture name: a project's own fixture shadows ours for some tests."""
    warned: set[str] = set()
    ours = set(our_fixtures)
    for item in using_fixtures(items, ours):
        info = getattr(item, "_fixtureinfo", None)
        defs: dict[str, Any] = getattr(info, "name2fixturedefs", {})
        for name in ours.intersection(getattr(item, "fixturenames", ())) - warned:
            closest = defs.get(name, ())[-1:]
            func = getattr(closest[0], "func", None) if closest else None
            if func is None or getattr(func, "__module__", "") == "pytest_llmcore.plugin":
                continue
            warned.add(name)
            alt = f"llmcore_{name}"
            hint = f"; ours stays available as {alt!r}" if alt in our_fixtures else ""
            warnings.warn(
                pytest.PytestWarning(
                    f"llmcore: the project's own fixture {name!r} ({_where(func, closest[0])}) "
                    f"overrides pytest-llmcore's for the tests that see it{hint}"
                ),
                stacklevel=1,
            )


def _where(func: Any, fixturedef: Any) -> str:
    try:
        return f"{inspect.getsourcefile(func)}:{inspect.getsourcelines(func)[1]}"
    except (TypeError, OSError):
        return str(getattr(fixturedef, "baseid", "") or "a plugin")
