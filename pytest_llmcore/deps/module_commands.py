"""A distribution's modules as its programs, when it is not installed (pypyp runs as ``pyp``).

The built-in module table (:func:`.mapping.builtin_entry`) knows the top-level modules of
distributions whose console scripts are unknown without metadata; a console script is often
named like its module. Never a Unix command or a generic package name: those run whatever
the project declares.
"""

from __future__ import annotations

from .mapping import builtin_entry

__all__ = ["MODULE_NOT_COMMANDS", "module_commands"]

#: Module names never taken for the program of a distribution that is not installed
#: (:func:`.runindex.command_names` tries a distribution's modules as its commands): Unix
#: commands and shell builtins a project runs whatever it declares (GitPython's ``git``,
#: python-magic's ``magic`` is no program, sh's ``sh``), and generic package names.
MODULE_NOT_COMMANDS: frozenset[str] = frozenset(
    # a compact table: one word per name
    """
    git sh bash env time test echo cd ls cp mv rm cat find grep sed awk sort head tail date
    ssh scp curl wget tar zip unzip gzip file kill top watch install mkdir touch chmod chown
    patch diff xargs tee du df ps open make cmake ninja python pip docker jq which tree true
    false yes read exec eval set export source type wait sleep nice nohup timeout sudo su
    ping host dig nc less more man info lsof mount kubectl helm aws gcloud az gh node npm
    src lib libs utils util tools scripts examples tests docs bin main app core common api
    config data models model setup build dist server client run cli serve shell
    """.split()  # noqa: SIM905
)


def module_commands(key: str) -> set[str]:
    """The top-level modules of ``key`` (built-in table) that may name its program."""
    return {m for m in builtin_entry(key) if "." not in m and m not in MODULE_NOT_COMMANDS}
