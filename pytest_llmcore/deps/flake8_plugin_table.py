"""What common flake8 plugins provide, for when they are not installed.

A flake8 plugin is used when flake8 runs with it and its codes are not all ignored. An
installed plugin's ``flake8.extension`` entry point names are its code prefixes (``D``,
``A00``, ``RST``) and its ``flake8.report`` names its ``--format`` values; this table adds
the option names each plugin defines (``import-order-style``), and answers when the plugin
is not installed.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["FLAKE8_PLUGINS", "NOT_PLUGINS", "Flake8Plugin"]


class Flake8Plugin(NamedTuple):
    """The code prefixes, own options and report formats of a flake8 plugin."""

    codes: frozenset[str] = frozenset()
    options: frozenset[str] = frozenset()
    """Option names as written in a config file (dashes; ``--`` on the command line)."""
    formats: frozenset[str] = frozenset()
    """``--format`` values of a report plugin (``flake8.report`` entry point names)."""
    off_by_default: bool = False
    """Its codes are reported only when selected or enabled (``enable-extensions``), or,
    for mccabe, when its option is set (``max-complexity``)."""

    def merged(self, other: Flake8Plugin) -> Flake8Plugin:
        return Flake8Plugin(
            self.codes | other.codes,
            self.options | other.options,
            self.formats | other.formats,
            self.off_by_default or other.off_by_default,
        )


def _p(codes: str, options: str = "", *, off: bool = False) -> Flake8Plugin:
    return Flake8Plugin(frozenset(codes.split()), frozenset(options.split()), off_by_default=off)


def _report(formats: str) -> Flake8Plugin:
    return Flake8Plugin(formats=frozenset(formats.split()))


#: distribution (PEP 503 name) -> what it provides. Code prefixes are the plugins' own
#: ``flake8.extension`` entry point names.
FLAKE8_PLUGINS: dict[str, Flake8Plugin] = {
    "flake8-docstrings": _p("D", "docstring-convention ignore-decorators property-decorators"),
    "flake8-builtins": _p("A00", "builtins-ignorelist builtins-allowed-modules"),
    "flake8-import-order": _p(
        "I100 I101 I201 I202 I300",
        "import-order-style application-import-names application-package-names",
    ),
    "flake8-import-single": _p("IS"),
    "flake8-rst-docstrings": _p("RST", "rst-roles rst-directives rst-substitutions"),
    "flake8-bugbear": _p("B", "extend-immutable-calls classmethod-decorators"),
    "flake8-comprehensions": _p("C4"),
    "pep8-naming": _p("N8", "ignore-names classmethod-decorators staticmethod-decorators"),
    "flake8-quotes": _p("Q0", "inline-quotes multiline-quotes docstring-quotes avoid-escape"),
    "flake8-annotations": _p(
        "ANN",
        "suppress-none-returning suppress-dummy-args allow-untyped-defs allow-untyped-nested "
        "mypy-init-return dispatch-decorators overload-decorators allow-star-arg-any",
    ),
    "flake8-bandit": _p("S"),
    "flake8-print": _p("T20"),
    "flake8-simplify": _p("SIM"),
    "flake8-pytest-style": _p(
        "PT",
        "pytest-fixture-no-parentheses pytest-parametrize-names-type "
        "pytest-parametrize-values-type pytest-parametrize-values-row-type "
        "pytest-raises-require-match-for pytest-mark-no-parentheses",
    ),
    "flake8-eradicate": _p("E800", "eradicate-aggressive eradicate-whitelist"),
    "flake8-isort": _p("I00", "isort-show-traceback"),
    "flake8-tidy-imports": _p("I25", "banned-modules ban-relative-imports"),
    "flake8-black": _p("BLK", "black-config"),
    "flake8-debugger": _p("T100"),
    "flake8-pyi": _p("Y0"),
    "darglint": _p("DAR", "docstring-style strictness"),
    "flake8-noqa": _p("NQA", "noqa-require-code noqa-include-name"),
    "flake8-logging-format": _p("G", off=True),
    "mccabe": _p("C90", "max-complexity", off=True),
    "flake8-2020": _p("YTT"),
    "flake8-commas": _p("C81"),
    "flake8-datetimez": _p("DTZ"),
    "flake8-executable": _p("EXE"),
    "flake8-implicit-str-concat": _p("ISC"),
    "flake8-no-pep420": _p("INP"),
    "flake8-pie": _p("PIE"),
    "flake8-return": _p("R50"),
    "flake8-type-checking": _p("TC"),
    "flake8-unused-arguments": _p("U10", "unused-arguments-ignore-abstract-functions"),
    "flake8-spellcheck": _p("SC", "dictionaries whitelist"),
    "flake8-cognitive-complexity": _p("CCR", "max-cognitive-complexity"),
    "flake8-expression-complexity": _p("ECE", "max-expression-complexity"),
    "flake8-requirements": _p("I90", "known-modules requirements-file"),
    "flake8-copyright": _p("C801", "copyright-check copyright-author copyright-regexp"),
    "flake8-json": _report("json json-pretty"),
    "flake8-html": _report("html"),
    "flake8-formatter-junit-xml": _report("junit-xml"),
}

#: ``flake8*`` distributions that are no plugin: flake8 itself (its own checks, E F W, are
#: its entry points too), a library for plugins, a config reader.
NOT_PLUGINS = frozenset({"flake8", "flake8-polyfill", "flake8-pyproject", "flake8-plugin-utils"})
