"""False `unused` findings of corpus10 about tools the project runs (benchmarks/real_projects.toml,
/work/corpus10/REPORT.md): plugins a tool loads by entry point (class A), and arguments that
reach a command through tox's ``{posargs}`` or a local composite action's inputs (class E).

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail as unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import Kind
from pytest_llmcore.deps.toxargs import _tox_call
from tests.helpers.gate_projects import PKG, WORKFLOW_HEAD
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project


def _evidence(root: Path, dist: str) -> str:
    """The evidence text of ``dist``'s use (it must be used)."""
    result = run_gate(root, use_cache=False)
    assert dist in result.used_by, sorted(f.dependency for f in result.findings)
    return " | ".join(e.text for e in result.used_by[dist])


# -- class A: plugins of a used tool, loaded by entry point -----------------------------------

MDFORMAT_PLUGINS = ("mdformat-footnote", "mdformat-frontmatter", "mdformat-gfm")

# guidellm tox.ini:5-40: env lint-check (base tests) runs mdformat
GUIDELLM_TOX = """\
[tox]
env_list = lint-check

[testenv:tests]
dependency_groups = dev
commands =
    python -m pytest {posargs:tests/}

[testenv:lint-check]
base = tests
commands =
    ruff check
    python -m mdformat --check README.md docs/ src/ tests/
"""


def test_mdformat_plugins_used_when_tox_runs_mdformat(tmp_path: Path) -> None:
    files = {**PKG, "tox.ini": GUIDELLM_TOX}
    root = _project(tmp_path, files, deps=("requests",), dev=("mdformat", *MDFORMAT_PLUGINS))
    assert _gate(root) == []
    text = _evidence(root, "mdformat-gfm")
    assert text == (
        "mdformat plugin: mdformat runs at tox.ini:13 and loads every installed plugin "
        "(named mdformat-*, the built-in plugin family table)"
    )


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("Makefile", "fmt:\n\tmdformat --check docs README.md\n"),
        (
            ".github/workflows/ci.yml",
            WORKFLOW_HEAD + "      - run: uvx --with mdformat-tables mdformat --check .\n",
        ),
        ("scripts/lint.sh", "#!/bin/sh\nset -e\npython3 -m mdformat --wrap 88 docs\n"),
    ],
)
def test_mdformat_plugin_used_by_other_runs(tmp_path: Path, rel: str, text: str) -> None:
    root = _project(tmp_path, {**PKG, rel: text}, deps=("requests",), dev=("mdformat-tables",))
    assert _gate(root) == []


PRE_COMMIT_MDFORMAT = """\
repos:
- repo: https://github.com/hukkin/mdformat
  rev: 1.0.0
  hooks:
  - id: mdformat
    additional_dependencies:
    - "mdformat-gfm~=1.0.0"
"""


def test_pre_commit_hook_that_installs_the_plugin(tmp_path: Path) -> None:
    files = {**PKG, ".pre-commit-config.yaml": PRE_COMMIT_MDFORMAT}
    root = _project(tmp_path, files, deps=("requests",), dev=("mdformat-gfm", "mdformat-black"))
    # mdformat-black is not in the hook's environment: the hook's run is no use of it
    assert _gate(root) == ["mdformat-black"]
    assert _evidence(root, "mdformat-gfm") == (
        "mdformat plugin: the mdformat pre-commit hook at .pre-commit-config.yaml:5 installs it "
        "(named mdformat-*, the built-in plugin family table)"
    )


@pytest.mark.parametrize(
    ("tool_run", "plugin"),
    [
        ("tox -e py", "tox-gh-actions"),  # tox loads every installed tox plugin
        ("datasette serve data.db", "datasette-cluster-map"),
        ("python -m tox run -e lint", "tox-ignore-env-name-mismatch"),
    ],
)
def test_other_entry_point_families(tmp_path: Path, tool_run: str, plugin: str) -> None:
    files = {**PKG, ".github/workflows/ci.yml": WORKFLOW_HEAD + f"      - run: {tool_run}\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=(plugin,))
    assert _gate(root) == []


def test_plugin_unused_when_its_tool_never_runs(tmp_path: Path) -> None:
    # mdformat is declared, and named in a README, but nothing runs it
    files = {
        **PKG,
        "README.md": "Format with mdformat.\n",
        "tox.ini": "[testenv]\ncommands = pytest\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("mdformat", *MDFORMAT_PLUGINS))
    assert _gate(root) == ["mdformat", *MDFORMAT_PLUGINS]


def test_plugin_unused_when_the_tool_runs_isolated_without_it(tmp_path: Path) -> None:
    run = "      - run: uvx --with mdformat-gfm mdformat --check .\n"
    files = {**PKG, ".github/workflows/ci.yml": WORKFLOW_HEAD + run}
    root = _project(tmp_path, files, deps=("requests",), dev=("mdformat-gfm", "mdformat-tables"))
    # uvx runs mdformat in an environment of its own, holding only what --with adds
    assert _gate(root) == ["mdformat-tables"]


def test_plugin_unused_when_only_a_hook_without_it_runs_the_tool(tmp_path: Path) -> None:
    hook = PRE_COMMIT_MDFORMAT.replace("mdformat-gfm", "mdformat-tables")
    files = {**PKG, ".pre-commit-config.yaml": hook}
    root = _project(tmp_path, files, deps=("requests",), dev=("mdformat-gfm",))
    assert _gate(root) == ["mdformat-gfm"]


def test_tool_named_distribution_that_is_no_plugin_stays_unused(tmp_path: Path) -> None:
    # tox-ini-fmt is a formatter program, not a tox plugin; pdm-backend a build backend
    files = {**PKG, ".github/workflows/ci.yml": WORKFLOW_HEAD + "      - run: tox -e py\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("tox-ini-fmt",))
    assert _gate(root) == ["tox-ini-fmt"]


# -- class E: arguments through tox {posargs} and composite action inputs ---------------------

# guidellm tox.ini:12-31 (test-unit and test-e2e inherit from tests with `base = tests`)
GUIDELLM_TEST_TOX = """\
[testenv:tests]
dependency_groups = dev
commands =
    python -m pytest {posargs:tests/}

[testenv:test-unit]
base = tests
commands =
    python -m pytest tests/unit {posargs}

[testenv:test-e2e]
base = tests
commands =
    python -m pytest tests/e2e {posargs}
"""

# guidellm .github/actions/run-tox/action.yml
RUN_TOX_ACTION = """\
name: 'Run tox with environment'
inputs:
  tox-env:
    type: string
    required: true
  tox-args:
    type: string
    required: false
runs:
  using: "composite"
  steps:
    - name: Install dependencies
      run: |
        uv pip install --system tox tox-uv
      shell: bash
    - name: Run tox
      run: |
        tox run -e "${{ inputs.tox-env }}" -- ${{ inputs.tox-args }} || ret=$?
        [[ "${ret:=0}" -eq 5 ]] && exit 0; exit $ret
      shell: bash
"""

# guidellm .github/workflows/testing.yml:70-78
TESTING_WORKFLOW = """\
on:
  workflow_call:
    inputs:
      args:
        required: false
        type: string
jobs:
  e2e-tests:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Run end-to-end tests
        uses: ./.github/actions/run-tox
        with:
          tox-env: test-e2e
          # Rerun e2e tests due to flakyness in CI
          tox-args: --reruns=3 ${{ inputs.args }}
"""

TESTS = {"tests/test_demo.py": "def test_x():\n    assert True\n"}


def test_reruns_through_composite_action_and_tox_posargs(tmp_path: Path) -> None:
    files = {
        **PKG,
        **TESTS,
        "tox.ini": GUIDELLM_TEST_TOX,
        ".github/actions/run-tox/action.yml": RUN_TOX_ACTION,
        ".github/workflows/testing.yml": TESTING_WORKFLOW,
    }
    dev = ("pytest", "pytest-rerunfailures", "tox")
    root = _project(tmp_path, files, deps=("requests",), dev=dev)
    assert _gate(root) == []
    # where the plugin's surface came from depends on what is installed: not pinned
    assert _evidence(root, "pytest-rerunfailures").split(" (")[0] == (
        "pytest plugin: option --reruns in .github/workflows/testing.yml:17"
    )


def test_tox_posargs_from_a_workflow_run(tmp_path: Path) -> None:
    tox = "[testenv]\ncommands =\n    pytest {posargs:tests}\n"
    run = "      - run: tox -e py312 -- --cov=demo --cov-report=xml\n"
    files = {**PKG, **TESTS, "tox.ini": tox, ".github/workflows/ci.yml": WORKFLOW_HEAD + run}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-cov"))
    assert _gate(root) == []


def test_tox_toml_posargs_replace(tmp_path: Path) -> None:
    tox = (
        '[env.unit]\ncommands = [["pytest", { replace = "posargs", default = ["tests"] }]]\n'
        '[env.lint]\ncommands = [["ruff", "check"]]\n'
    )
    run = "      - run: tox -e unit -- --timeout=60\n"
    files = {**PKG, **TESTS, "tox.toml": tox, ".github/workflows/ci.yml": WORKFLOW_HEAD + run}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-timeout"))
    assert _gate(root) == []


def test_composite_action_input_default_reaches_pytest(tmp_path: Path) -> None:
    action = (
        "inputs:\n  pytest-args:\n    default: -p no:cacheprovider --timeout=120\n"
        "runs:\n  using: composite\n  steps:\n"
        "    - run: python -m pytest ${{ inputs.pytest-args }}\n      shell: bash\n"
    )
    call = "      - uses: ./.github/actions/test\n"
    files = {
        **PKG,
        **TESTS,
        ".github/actions/test/action.yaml": action,
        ".github/workflows/ci.yml": WORKFLOW_HEAD + call,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-timeout"))
    assert _gate(root) == []


def test_reusable_workflow_inputs_reach_tox_posargs(tmp_path: Path) -> None:
    caller = (
        "on: push\njobs:\n  tests:\n    uses: ./.github/workflows/testing.yml\n"
        "    with:\n      args: -n auto\n"
    )
    testing = TESTING_WORKFLOW.replace("--reruns=3 ", "")
    files = {
        **PKG,
        **TESTS,
        "tox.ini": GUIDELLM_TEST_TOX,
        ".github/actions/run-tox/action.yml": RUN_TOX_ACTION,
        ".github/workflows/testing.yml": testing,
        ".github/workflows/main.yml": caller,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-xdist"))
    assert _gate(root) == []
    # recorded where the outermost caller writes the arguments
    assert _evidence(root, "pytest-xdist").split(" (")[0] == (
        "pytest plugin: option -n in .github/workflows/main.yml:6"
    )


def test_developer_doc_tox_posargs_is_a_doc_command(tmp_path: Path) -> None:
    # guidellm DEVELOPING.md:203 -> tox.ini:17; a developer doc's command (weaker evidence)
    doc = "# Developing\n\n```bash\ntox -e test-unit -- --cov=demo --cov-report=html\n```\n"
    files = {**PKG, **TESTS, "tox.ini": GUIDELLM_TEST_TOX, "DEVELOPING.md": doc}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-cov"))
    assert _gate(root) == []
    assert _evidence(root, "pytest-cov").split(" (")[0] == (
        "pytest plugin: option --cov in a developer doc's command: DEVELOPING.md:4"
    )


@pytest.mark.parametrize(
    ("tox", "run"),
    [
        # the env's command takes no {posargs}: the arguments go nowhere
        ("[testenv:e2e]\ncommands = pytest tests/e2e\n", "tox -e e2e -- --reruns=3"),
        # the arguments go to another env than the one that runs pytest
        (
            "[testenv:e2e]\ncommands = pytest {posargs}\n"
            "[testenv:lint]\ncommands = ruff {posargs}\n",
            "tox -e lint -- --reruns=3",
        ),
        # `tox exec` runs the command after `--` itself: not pytest here
        ("[testenv:e2e]\ncommands = pytest {posargs}\n", "tox exec -e e2e -- echo --reruns=3"),
    ],
)
def test_tox_arguments_that_never_reach_pytest(tmp_path: Path, tox: str, run: str) -> None:
    files = {
        **PKG,
        **TESTS,
        "tox.ini": tox,
        ".github/workflows/ci.yml": WORKFLOW_HEAD + f"      - run: {run}\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-rerunfailures"))
    assert _gate(root) == ["pytest-rerunfailures"]


def test_composite_input_the_action_never_uses(tmp_path: Path) -> None:
    action = RUN_TOX_ACTION.replace("-- ${{ inputs.tox-args }}", "")
    files = {
        **PKG,
        **TESTS,
        "tox.ini": GUIDELLM_TEST_TOX,
        ".github/actions/run-tox/action.yml": action,
        ".github/workflows/testing.yml": TESTING_WORKFLOW,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-rerunfailures"))
    assert _gate(root) == ["pytest-rerunfailures"]


def test_user_readme_tox_command_is_no_use(tmp_path: Path) -> None:
    doc = "# Demo\n\n```bash\ntox -e test-unit -- --cov=demo\n```\n"
    files = {**PKG, **TESTS, "tox.ini": GUIDELLM_TEST_TOX, "README.md": doc}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-cov"))
    result = run_gate(root, use_cache=False)
    assert [(f.dependency, f.kind) for f in result.failing] == [("pytest-cov", Kind.UNUSED)]


def test_tox_exec_runs_the_command_after_the_separator(tmp_path: Path) -> None:
    run = "      - run: tox exec -e py -- python -m pytest --reruns=2\n"
    files = {**PKG, **TESTS, "tox.ini": "[testenv]\ncommands = pytest\n"}
    files[".github/workflows/ci.yml"] = WORKFLOW_HEAD + run
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-rerunfailures"))
    assert _gate(root) == []


def test_factor_conditional_posargs_line(tmp_path: Path) -> None:
    tox = (
        "[testenv]\ncommands =\n    unit: pytest tests {posargs}\n    lint: ruff check {posargs}\n"
    )
    run = "      - run: tox -e py312-unit -- --timeout=30\n"
    files = {**PKG, **TESTS, "tox.ini": tox, ".github/workflows/ci.yml": WORKFLOW_HEAD + run}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-timeout"))
    assert _gate(root) == []
    lint = files | {".github/workflows/ci.yml": WORKFLOW_HEAD + run.replace("-unit", "-lint")}
    root = _project(tmp_path, lint, deps=("requests",), dev=("pytest", "pytest-timeout"))
    assert _gate(root) == ["pytest-timeout"]


@pytest.mark.parametrize(
    "env_value",
    ["$TOXENV", "${{ matrix.env }}"],  # an env named by an unknown value: none is guessed
)
def test_unknown_tox_env_forwards_nothing(tmp_path: Path, env_value: str) -> None:
    run = f'      - run: tox -e "{env_value}" -- --reruns=3\n'
    tox = "[testenv:e2e]\ncommands = pytest {posargs}\n"
    files = {**PKG, **TESTS, "tox.ini": tox, ".github/workflows/ci.yml": WORKFLOW_HEAD + run}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-rerunfailures"))
    assert _gate(root) == ["pytest-rerunfailures"]


def test_local_action_cycles_and_escapes_are_not_followed(tmp_path: Path) -> None:
    # an action that uses itself, and a path out of the project: read once, no error
    action = (
        "runs:\n  using: composite\n  steps:\n    - uses: ./.github/actions/loop\n"
        "    - uses: ./../outside\n    - run: pytest ${{ inputs.args }}\n      shell: bash\n"
    )
    call = "      - uses: ./.github/actions/loop\n        with:\n          args: --timeout=9\n"
    files = {
        **PKG,
        **TESTS,
        ".github/actions/loop/action.yml": action,
        ".github/workflows/ci.yml": WORKFLOW_HEAD + call,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-timeout"))
    assert _gate(root) == []
    assert _evidence(root, "pytest-timeout").split(" (")[0] == (
        "pytest plugin: option --timeout in .github/workflows/ci.yml:8"
    )


_ENV_NAME = st.from_regex(r"[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,4}){0,2}", fullmatch=True)
_ARG = st.from_regex(r"-{0,2}[a-z0-9=.]{1,8}", fullmatch=True).filter(lambda w: w != "--")


@given(
    envs=st.lists(_ENV_NAME, min_size=1, max_size=3),
    args=st.lists(_ARG, max_size=4),
    form=st.sampled_from(["-e", "--env", "-e=", "--env=", "-e+"]),
    sub=st.sampled_from([("", "run"), ("run", "run"), ("r", "r"), ("p", "p")]),
)
def test_tox_call_reads_envs_and_arguments(
    envs: list[str], args: list[str], form: str, sub: tuple[str, str]
) -> None:
    joined = ",".join(envs)
    env_words = {
        "-e": ["-e", joined],
        "--env": ["--env", joined],
        "-e=": [f"-e={joined}"],
        "--env=": [f"--env={joined}"],
        "-e+": [f"-e{joined}"],
    }[form]
    words = [*([sub[0]] if sub[0] else []), "-c", "tox.ini", *env_words, "--", *args]
    assert _tox_call(words) == (sub[1], envs, args)  # no subcommand: tox runs `run`
    assert _tox_call([w for w in words if w != "--"]) is None


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        # guidellm action.yml:38; an option's value is never taken for the subcommand
        (["--runner", "uv-venv-lock-runner", "-e", "e2e", "--", "-x"], ("run", ["e2e"], ["-x"])),
        (["-p", "auto", "-e", "a", "-e", "b", "--", "-x"], ("run", ["a", "b"], ["-x"])),
        (["-c", "tox.ini", "exec", "-e", "py", "--", "pytest"], ("exec", ["py"], ["pytest"])),
        (["config", "-e", "py", "--", "-x"], ("config", ["py"], ["-x"])),
        (["--", "-x"], ("run", None, ["-x"])),
    ],
)
def test_tox_call_shapes(
    words: list[str], expected: tuple[str, list[str] | None, list[str]]
) -> None:
    assert _tox_call(words) == expected


def test_nested_tox_ini_is_not_the_root_configuration(tmp_path: Path) -> None:
    # a sub-project's tox.ini (sorted before the root's) does not configure the root's tox
    files = {
        **PKG,
        **TESTS,
        "sub/tox.ini": "[testenv:e2e]\ncommands = pytest {posargs}\n",
        "tox.ini": "[testenv:e2e]\ncommands = pytest tests\n",
        ".github/workflows/ci.yml": WORKFLOW_HEAD + "      - run: tox -e e2e -- --reruns=3\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-rerunfailures"))
    assert _gate(root) == ["pytest-rerunfailures"]


@pytest.mark.parametrize(
    "tool_tox",
    [
        '[tool.tox]\nlegacy_tox_ini = """\n[testenv:unit]\ncommands = pytest {posargs}\n"""\n',
        '[tool.tox.env.unit]\ncommands = [["pytest", "{posargs}"]]\n',
        '[tool.tox.env_run_base]\ncommands = [["pytest", { replace = "posargs" }]]\n',
    ],
)
def test_pyproject_tox_posargs(tmp_path: Path, tool_tox: str) -> None:
    run = "      - run: tox -e unit -- --timeout=30\n"
    files = {**PKG, **TESTS, ".github/workflows/ci.yml": WORKFLOW_HEAD + run}
    dev = ("pytest", "pytest-timeout")
    root = _project(tmp_path, files, deps=("requests",), dev=dev, extra_toml=tool_tox)
    assert _gate(root) == []
    bare = {**files, ".github/workflows/ci.yml": WORKFLOW_HEAD + "      - run: tox -e unit\n"}
    root = _project(tmp_path, bare, deps=("requests",), dev=dev, extra_toml=tool_tox)
    assert _gate(root) == ["pytest-timeout"]  # no arguments: nothing reaches pytest
