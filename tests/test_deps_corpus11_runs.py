"""False `unused` findings of corpus11 (/work/corpus11/REPORT.md) in classes B and D: version
pins of an uninstalled engine's own requirements, and commands run through task runners
(pixi tasks) or a script's own wrapper function.

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail as unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.shell import runs_in_script
from tests.helpers.gate_projects import WORKFLOW_HEAD
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project
from tests.helpers.gate_projects import unused_kinds as _kinds


def _finding_text(root: Path, dist: str) -> str:
    result = run_gate(root, use_cache=False)
    found = next(f for f in result.findings if f.dependency == dist)
    return found.evidence[-1].text


# -- class B: pins of an uninstalled engine's own requirements ------------------------------

# xtuner requirements/sglang.txt (abridged): sglang, then sglang's own requirement list
_SGLANG_REQS = (
    "sglang>=0.5.3\norjson\ngrpcio-tools==1.75.1\nllguidance==0.7.11\n"
    "torchaudio==2.8.0\nxgrammar==0.1.32\nanthropic>=0.20.0\nblobfile==3.0.0\n"
)
# xtuner/v1/rl/weight_update/transport.py:368
_SGLANG_USE = "from sglang.srt.utils.patch_torch import monkey_patch_torch_reductions\n"


def test_pins_of_used_sglang_requirements_are_companions(tmp_path: Path) -> None:
    files = {"demo/__init__.py": _SGLANG_USE, "requirements.txt": _SGLANG_REQS}
    root = _project(tmp_path, files)
    assert _kinds(root) == {
        "orjson": "unused",  # an unpinned copy pins nothing
        "anthropic": "unused",  # sglang's own floor restated
        "grpcio-tools": "unused-companion",
        "llguidance": "unused-companion",
        "torchaudio": "unused-companion",
        "xgrammar": "unused-companion",
        "blobfile": "unused-companion",
    }
    assert _finding_text(root, "grpcio-tools") == (
        "not used directly; sglang (used) requires it, so this entry pins its version"
    )


@pytest.mark.parametrize(
    ("engine", "use", "pin"),
    [
        ("vllm", "from vllm import LLM\n", "lm-format-enforcer==0.11.3"),
        ("vllm", "import vllm\n", "xgrammar==0.1.25"),
        ("lmdeploy", "from lmdeploy import pipeline\n", "shortuuid==1.0.13"),
        ("tensorrt-llm", "import tensorrt_llm\n", "h5py==3.12.1"),
        ("deepspeed", "import deepspeed\n", "hjson==3.1.0"),
        ("mmengine", "from mmengine.config import Config\n", "yapf==0.40.1"),
    ],
)
def test_pins_of_other_engines_requirements_are_companions(
    tmp_path: Path, engine: str, use: str, pin: str
) -> None:
    root = _project(tmp_path, {"demo/__init__.py": use}, deps=(engine, pin))
    assert _gate(root) == []
    name = pin.split("=", 1)[0]
    assert _kinds(root) == {name: "unused-companion"}


def test_pins_beside_an_unused_engine_stay_unused(tmp_path: Path) -> None:
    """Negative: the chain must start at a USED dependency; and a pin sglang does not
    require (tabulate) fails beside a used sglang."""
    files = {"demo/__init__.py": "import json\n", "requirements.txt": _SGLANG_REQS}
    root = _project(tmp_path, files)
    assert "grpcio-tools" in _gate(root)
    assert "sglang" in _gate(root)
    files = {"demo/__init__.py": _SGLANG_USE, "requirements.txt": "sglang\ntabulate==0.9.0\n"}
    (tmp_path / "b").mkdir()
    assert _gate(_project(tmp_path / "b", files)) == ["tabulate"]


def test_pin_of_a_python_version_shim_beside_vllm_stays_unused(tmp_path: Path) -> None:
    """lightllm's snapshot ``six==1.16.0`` (judged unused in corpus9): vllm requires six
    only on Python > 3.11, a shim; the row leaves such requirements out."""
    root = _project(tmp_path, {"demo/__init__.py": "import vllm\n"}, deps=("vllm", "six==1.16.0"))
    assert _gate(root) == ["six"]


# -- class D(a): pixi tasks, and `pixi run TASK ARGS` -----------------------------------------

# imbalanced-learn pyproject.toml:212-213 and .github/workflows/tests.yml:50
_PIXI_FEATURE = """
[tool.pixi.feature.tests.tasks]
tests = { cmd = "pytest -vsl --cov=demo --cov-report=xml demo" }
"""
_PLUGINS = ("pytest", "pytest-cov", "pytest-xdist")


def _ci(run: str) -> dict[str, str]:
    return {
        "demo/__init__.py": "import requests\n",
        ".github/workflows/ci.yml": WORKFLOW_HEAD + f"      - run: {run}\n",
    }


def test_pixi_task_run_with_arguments_uses_plugins(tmp_path: Path) -> None:
    files = _ci("pixi run -e ${{ matrix.environment }} tests -n 3")
    root = _project(tmp_path, files, ("requests",), _PLUGINS, extra_toml=_PIXI_FEATURE)
    assert _gate(root) == []


@pytest.mark.parametrize(
    ("manifest", "text", "run"),
    [
        # pixi.toml's own [tasks], a string task
        ("pixi.toml", '[tasks]\ntest = "pytest --cov=demo"\n', "pixi run test -n auto"),
        # a cmd list, options before the task
        (
            "pixi.toml",
            '[feature.ci.tasks]\ncheck = { cmd = ["pytest", "--cov", "demo"] }\n',
            "pixi run --frozen --environment ci check --numprocesses 2",
        ),
        # a platform target's table in pyproject
        (
            "pyproject.toml",
            '[tool.pixi.target.linux-64.tasks]\nt = { cmd = "pytest --cov=demo", cwd = "." }\n',
            "pixi run --locked t -n 4",
        ),
    ],
)
def test_pixi_tasks_other_shapes(tmp_path: Path, manifest: str, text: str, run: str) -> None:
    files = _ci(run)
    if manifest == "pixi.toml":
        files["pixi.toml"] = text
        root = _project(tmp_path, files, ("requests",), _PLUGINS)
    else:
        root = _project(tmp_path, files, ("requests",), _PLUGINS, extra_toml=text)
    assert _gate(root) == []


@pytest.mark.parametrize(
    "run",
    [
        "pixi run tests",  # no -n: xdist never runs
        "pixi run other -n 3",  # not a task: its arguments reach no pytest
        "pixi run -e tests echo tests -n 3",
    ],
)
def test_pixi_run_without_xdist_arguments_leaves_xdist_unused(tmp_path: Path, run: str) -> None:
    root = _project(tmp_path, _ci(run), ("requests",), _PLUGINS, extra_toml=_PIXI_FEATURE)
    assert _gate(root) == ["pytest-xdist"]


# -- class D(b): a script's own function that runs the command its caller hands it ------------

# vllm-ascend .github/workflows/scripts/run_selected_tests.sh:98-115, :183
_LOGGED = """\
#!/bin/bash
run_logged_command() {
  local log_file="$1"
  shift
  if command -v setsid >/dev/null 2>&1; then
    setsid "$@" > "${log_file}" 2>&1 &
  else
    "$@" > "${log_file}" 2>&1 &
  fi
}
run_logged_command "${log_file}" python -m coverage run --rcfile=cov -m pytest -sv tests
"""


def test_wrapper_function_runs_its_callers_command(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "import requests\n", "ci/run_tests.sh": _LOGGED}
    root = _project(tmp_path, files, ("requests",), ("coverage",))
    assert _gate(root) == []


@pytest.mark.parametrize(
    ("script", "tool"),
    [
        # `function NAME {`, shift N, a timeout around the command
        (
            'function retry {\n  local n=$1 delay=$2\n  shift 2\n  timeout 600 "$@"\n}\n'
            "retry 3 10 mypy demo\n",
            "mypy",
        ),
        # "${@:2}": the first word is the function's own
        (
            'with_env() {\n  export MODE="$1"\n  exec env X=1 "${@:2}"\n}\nwith_env ci black .\n',
            "black",
        ),
        # no shift: every word is the command
        ('quiet() {\n    "$@" >/dev/null 2>&1\n}\nquiet ruff check .\n', "ruff"),
        # a one-line body, shift and the command in one statement list
        ('logged() { local f="$1"; shift; "$@" >"$f"; }\nlogged out.txt pyright demo\n', "pyright"),
    ],
)
def test_wrapper_function_other_shapes(tmp_path: Path, script: str, tool: str) -> None:
    files = {"demo/__init__.py": "import requests\n", "scripts/ci.sh": "#!/bin/sh\n" + script}
    root = _project(tmp_path, files, ("requests",), (tool,))
    assert _gate(root) == []


_WORD = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)


@given(st.integers(0, 4), st.lists(_WORD, min_size=4, max_size=4), st.booleans())
def test_wrapper_function_skips_exactly_its_shifted_words(
    shift: int, own: list[str], keyword: bool
) -> None:
    """``shift N`` then ``"$@"``: a call's first N words are the function's own, and the
    next word is the command it runs (never one of the N)."""
    head = "function wrap {" if keyword else "wrap() {"
    shifts = f"  shift {shift}\n" if shift else ""
    script = f'{head}\n{shifts}  "$@"\n}}\nwrap {" ".join(own[:shift])} zzcmd --flag\n'
    commands = [run.command for run in runs_in_script(script)]
    assert commands[-1] == "zzcmd"
    assert commands.count("zzcmd") == 1
    assert not set(own[:shift]) & set(commands[1:])


@pytest.mark.parametrize(
    "script",
    [
        'log() {\n  echo "$@"\n}\nlog mypy is not run here\n',  # prints its arguments
        'run_pytest() {\n  pytest "$@"\n}\nrun_pytest mypy\n',  # arguments of a fixed command
        'run() {\n  shift\n  "$@"\n}\nrun mypy echo\n',  # mypy is the function's own word
    ],
)
def test_function_not_running_its_arguments_leaves_tool_unused(tmp_path: Path, script: str) -> None:
    files = {"demo/__init__.py": "import requests\n", "scripts/ci.sh": "#!/bin/sh\n" + script}
    root = _project(tmp_path, files, ("requests",), ("mypy",))
    assert _gate(root) == ["mypy"]


# -- class D(c): a command in a developer doc's prose is not read --------------------------------


def test_developer_doc_prose_command_is_not_a_use(tmp_path: Path) -> None:
    """imbalanced-learn doc/developers_utils.rst:136 ``Upload these file to PyPI using
    `twine upload dist/*```: an inline literal in prose, in a release checklist whose next
    step (``python setup.py sdist``) is stale. Only shell code blocks of developer docs are
    read (doccommands.py); prose stays unread by design."""
    doc = (
        "Release\n=======\n\n"
        "* Create the source distribution: `python setup.py sdist`.\n"
        "* Upload these file to PyPI using `twine upload dist/*`\n"
    )
    files = {"demo/__init__.py": "import requests\n", "doc/developers_utils.rst": doc}
    root = _project(tmp_path, files, ("requests",), ("twine",))
    assert _gate(root) == ["twine"]
    block = doc + "\n.. code-block:: bash\n\n    twine upload dist/*\n"
    (root / "doc/developers_utils.rst").write_text(block)
    assert _gate(root) == []
