"""Standard-library names: never a dependency's, whichever supported Python runs the gate."""

from __future__ import annotations

import sys

__all__ = ["OTHER_STDLIB", "stdlib_names"]

#: Standard-library top-level modules of the supported Pythons (3.10 to 3.14) that the
#: running one may lack: added since (``tomllib`` 3.11, ``annotationlib``/``compression``
#: 3.14; imported under a ``sys.version_info`` guard) or removed (``distutils``, ``imp``
#: 3.12; ``cgi``, ``telnetlib``... 3.13), and ``_typeshed``, which exists only in typeshed
#: (imported under ``TYPE_CHECKING``). None of them is ever a distribution's to provide.
OTHER_STDLIB: frozenset[str] = frozenset(
    {
        "_typeshed",
        "tomllib",
        "annotationlib",
        "compression",
        "_colorize",
        "_pyrepl",
        "_interpreters",
        "_interpqueues",
        "_interpchannels",
        "_zstd",
        "_remote_debugging",
        "_hmac",
        "_android_support",
        "_apple_support",
        "_ios_support",
        "_sysconfig",
        "_opcode_metadata",
        "_suggestions",
        "_pylong",
        "_wmi",
        "binhex",
        "distutils",
        "imp",
        "asynchat",
        "asyncore",
        "smtpd",
        "aifc",
        "audioop",
        "cgi",
        "cgitb",
        "chunk",
        "crypt",
        "imghdr",
        "mailcap",
        "msilib",
        "nis",
        "nntplib",
        "ossaudiodev",
        "pipes",
        "sndhdr",
        "spwd",
        "sunau",
        "telnetlib",
        "uu",
        "xdrlib",
        "lib2to3",
    }
)


def stdlib_names() -> set[str]:
    """Top-level names that are never a dependency's: the standard library of every
    supported Python (not only the running one's), ``__future__`` and ``__main__``."""
    return set(sys.stdlib_module_names) | OTHER_STDLIB | {"__future__", "__main__"}
