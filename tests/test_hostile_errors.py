"""Issue 11, class 4: clean errors: every bad config value, marker argument, option and
pattern is one line naming the file, test or option, never a traceback.

More of this class: test_cli_contract.py (option ranges), test_budgets_reliability.py (marker
errors name the node id), test_hostile_fuzz.py (any value, fuzzed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .hostile import Case, check, smoke_cases


@pytest.mark.parametrize("case", smoke_cases("errors"))
def test_corpus(case: Case, tmp_path: Path) -> None:
    check(case, tmp_path)


pytest_plugins = ["pytester"]


def test_a_gpu_config_error_names_the_file(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml("[tool.llmcore.gpu]\nsample-hz = 0\n")
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        f"ERROR: llmcore: {pytester.path / 'pyproject.toml'}: [tool.llmcore.gpu] sample-hz = 0: "
        "use a number above 0, at most 10000"
    ) in res.stderr.lines


@pytest.mark.parametrize(
    ("where", "source"),
    [("config", "[tool.llmcore] profile"), ("option", "--llmcore-profile")],
)
def test_an_unknown_profile_names_where_it_came_from(
    pytester: pytest.Pytester, where: str, source: str
) -> None:
    args = ["--llmcore", "-p", "no:cacheprovider"]
    if where == "config":
        pytester.makepyprojecttoml('[tool.llmcore]\nprofile = "nope"\n')
    else:
        args.append("--llmcore-profile=nope")
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    res = pytester.runpytest_subprocess(*args)
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    assert (f"ERROR: llmcore: {source}: unknown profile 'nope' (defined: cpu)") in res.stderr.lines
