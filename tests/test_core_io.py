"""core.github escaping and core.fsutil atomic writes: the properties every output relies on."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.core.fsutil import atomic_write_bytes
from pytest_llmcore.core.github import escape_property, workflow_command


def test_workflow_command_escapes_message_and_properties() -> None:
    line = workflow_command(
        "error", "50% over\nbudget", file="a,b:\n::stop-commands::x.py", line=3, title="t,1"
    )
    assert line == (
        "::error file=a%2Cb%3A%0A%3A%3Astop-commands%3A%3Ax.py,line=3,title=t%2C1"
        "::50%25 over%0Abudget"
    )


@given(st.text())
def test_escaped_property_cannot_end_or_split_the_command(text: str) -> None:
    esc = escape_property(text)
    assert not set(esc) & {"\n", "\r", ",", ":"}
    # the runner's unescape gives the original back
    back = esc.replace("%2C", ",").replace("%3A", ":").replace("%0A", "\n").replace("%0D", "\r")
    assert back.replace("%25", "%") == text


def test_new_file_gets_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "r.json", b"{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == 0o644


def test_existing_mode_kept_and_symlink_written_through(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_bytes(b"old")
    target.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink()
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
