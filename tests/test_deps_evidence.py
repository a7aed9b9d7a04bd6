"""Parsers behind the gate's non-import evidence: shell commands, tool files, docs, plugins."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmcore.deps.doctools import read_mkdocs, read_sphinx_conf
from pytest_llmcore.deps.invocations import (
    read_docker,
    read_just,
    read_make,
    read_nox,
    read_pre_commit,
    read_procfile,
    read_tox_ini,
    read_yaml_commands,
)
from pytest_llmcore.deps.pytest_plugins import installed_surface, plugin_surface
from pytest_llmcore.deps.pytest_usage import PytestUsage
from pytest_llmcore.deps.shell import runs_in_script
from pytest_llmcore.deps.taskrunners import read_pyproject
from pytest_llmcore.deps.toolfiles import find_tool_files


def _cmds(text: str) -> list[tuple[str, str | None]]:
    return [(r.command, r.module) for r in runs_in_script(text)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("pip install torch torchvision", [("pip", None)]),
        ("python -m pip install -U torchvision", [("python", "pip")]),
        ("uv add torchvision && uv pip install torchvision", [("uv", None), ("uv", None)]),
        ("poetry add torchvision", [("poetry", None)]),
        ('pytest -k "not cohere and not torchvision" tests', [("pytest", None)]),
        ("echo torchvision mkdocs", [("echo", None)]),
        ("echo x && mkdocs build --strict", [("echo", None), ("mkdocs", None)]),
        (
            "FOO=1 sudo -E env X=2 timeout 60 ruff check .",
            [("sudo", None), ("env", None), ("timeout", None), ("ruff", None)],
        ),
        ("uv run --with torchvision --group docs mkdocs serve", [("uv", None), ("mkdocs", None)]),
        ("poetry run python -m mypy src", [("poetry", None), ("python", "mypy")]),
        ("pipx run cog -r README.md", [("pipx", None), ("cog", None)]),
        ("coverage run -m pytest", [("coverage", None), ("coverage", "pytest")]),
        ("cat x | grep y; black --check .", [("cat", None), ("grep", None), ("black", None)]),
        ("if [ -f a ]; then cog -r a; fi", [("[", None), ("cog", None)]),
        ("for f in a b; do isort $f; done", [("isort", None)]),
        ("out=$(python -m setuptools_scm)", [("python", "setuptools_scm")]),
        (".venv/bin/pytest -n auto", [("pytest", None)]),
        ("hatch run test:pytest", [("hatch", None), ("pytest", None)]),
        ("py -3.11 -m tox -e lint", [("python", "tox")]),
        ("python setup.py sdist", [("python", None)]),
        (
            "torchrun --nproc_per_node 2 -m pkg.train",
            [("torchrun", None), ("torchrun", "pkg.train")],
        ),
        ("cmd 'unbalanced", [("cmd", None)]),
    ],
)
def test_command_words(line: str, expected: list[tuple[str, str | None]]) -> None:
    assert _cmds(line) == expected


def test_python_c_and_heredoc_imports() -> None:
    runs = runs_in_script(
        'python -c "import torch, numpy as np"\npython - <<EOF\nimport yaml\nEOF\nruff .'
    )
    assert [(r.command, r.imports, r.line) for r in runs] == [
        ("python", ("torch", "numpy"), 0),
        ("python", ("yaml",), 1),
        ("ruff", (), 4),
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(), st.lists(st.from_regex(r"[a-z][a-z0-9_-]{0,12}", fullmatch=True), max_size=6))
def test_shell_never_raises_and_install_args_are_never_commands(
    text: str, words: list[str]
) -> None:
    runs_in_script(text)
    for installer in ("pip install", "uv add", "poetry add", "echo", "uv pip install"):
        line = f"{installer} {' '.join(words)}"
        assert {r.command for r in runs_in_script(line)} <= {"pip", "uv", "poetry", "echo"}


def test_makefile_recipes_variables_and_continuations() -> None:
    text = (
        "PYTHON ?= python3\nRUN = uv run\n\n"
        "lint:\n\t@$(PYTHON) -m ruff check . \\\n\t  && $(RUN) mypy src\n"
        "docs: ; sphinx-build docs out\n"
        "deps:\n\tpip install torchvision  # comment\n"
    )
    got = [(i.run.command, i.run.module, i.line) for i in read_make(text, "docs/Makefile")]
    assert got == [
        ("python", "ruff", 5),
        ("uv", None, 5),
        ("mypy", None, 5),
        ("sphinx-build", None, 7),
        ("pip", None, 9),
    ]


def test_workflow_run_steps_not_yaml_data() -> None:
    text = (
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/setup-python@v5\n        with: {python-version: '3.12'}\n"
        "      - run: pip install torch torchvision\n"
        "      - name: docs\n        run: |\n          echo building\n          mkdocs build\n"
        "      - with:\n          args: ruff\n"
    )
    got = [
        (i.run.command, i.line, bool(i.via)) for i in read_yaml_commands(text, "ci.yml", "workflow")
    ]
    # the action's repository names the tool it runs (its own copy: ``via``); its ``with:``
    # inputs are data
    assert got == [
        ("pip", 8, False),
        ("echo", 11, False),
        ("mkdocs", 12, False),
        *[("setup-python", 6, True)],
    ]


def test_pre_commit_only_project_environment_hooks() -> None:
    text = (
        "repos:\n"
        "  - repo: https://github.com/psf/black\n    rev: 24.1.0\n    hooks: [{id: black}]\n"
        "  - repo: local\n    hooks:\n"
        "      - id: mypy\n        entry: mypy src\n        language: system\n"
        "        types_or: [yaml, markdown]\n"
        "      - id: codespell\n        entry: codespell\n        language: python\n"
        "        additional_dependencies: [codespell]\n"
    )
    got = [
        (i.run.command, i.line, bool(i.via))
        for i in read_pre_commit(text, ".pre-commit-config.yaml")
    ]
    # only the system hook runs in the project's environment; the others run pre-commit's
    # own copy of their tool (recorded with ``via``), never the words of types_or
    assert got == [("black", 4, True), ("mypy", 8, False), ("codespell", 11, True)]


def test_tox_nox_docker_procfile_just() -> None:
    tox = (
        "[tox]\nenv_list = py\n[testenv]\ndeps = torchvision\ncommands =\n"
        "    {envpython} -m pytest {posargs}\n    - cog --check README.md\n"
        "[testenv:lint]\ncommands = ruff check .\n"
    )
    assert [(i.run.command, i.run.module, i.line) for i in read_tox_ini(tox, "tox.ini")] == [
        ("python", "pytest", 6),
        ("cog", None, 7),
        ("ruff", None, 9),
    ]
    nox = (
        "import nox\n@nox.session\ndef t(session):\n"
        "    session.install('torchvision')\n    session.run('pytest', '-x')\n"
    )
    assert [(i.run.command, i.line) for i in read_nox(nox, "noxfile.py")] == [("pytest", 5)]
    docker = (
        "FROM python\nRUN pip install torchvision \\\n  && python -m compileall .\n"
        'CMD ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app:app"]\n'
    )
    got = [(i.run.command, i.run.module, i.line) for i in read_docker(docker, "Dockerfile.prod")]
    assert got == [("pip", None, 2), ("python", "compileall", 2), ("gunicorn", None, 4)]
    assert [
        i.run.command for i in read_procfile("web: uvicorn app:app --reload\n", "Procfile")
    ] == ["uvicorn"]
    just = (
        "set shell := ['bash', '-c']\nlint:\n    @ruff check .\n"
        "py:\n    #!/usr/bin/env python\n    import torch\n"
    )
    assert [(i.run.command, i.line) for i in read_just(just, "justfile")] == [("ruff", 3)]


def test_pyproject_task_runners() -> None:
    data = {
        "tool": {
            "taskipy": {"tasks": {"lint": "ruff check .", "t": {"cmd": "pytest", "help": "x"}}},
            "poe": {
                "tasks": {"docs": {"shell": "mkdocs build"}, "gen": {"script": "pkg.gen:main"}}
            },
            "pdm": {
                "scripts": {"_": {"env_file": ".env"}, "cog": {"cmd": ["cog", "-r", "README.md"]}}
            },
            "hatch": {"envs": {"default": {"scripts": {"cov": ["coverage run -m pytest"]}}}},
        }
    }
    got = {(i.run.command, i.run.module) for i in read_pyproject(data, "", "pyproject.toml")}
    assert got == {
        ("ruff", None),
        ("pytest", None),
        ("mkdocs", None),
        ("python", "pkg.gen"),
        ("cog", None),
        ("coverage", None),
        ("coverage", "pytest"),
    }


def test_mkdocs_tolerant_of_python_tags() -> None:
    text = (
        "site_name: x\ntheme:\n  name: material\nplugins:\n  - search\n  - mkdocstrings:\n"
        "      handlers:\n        python:\n          options:\n"
        "            extensions: [griffe_pydantic]\n"
        "markdown_extensions:\n  - admonition\n  - pymdownx.superfences:\n      custom_fences:\n"
        "        - name: mermaid\n"
        "          format: !!python/name:pymdownx.superfences.fence_code_format\n"
        "  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
    )
    uses = read_mkdocs(text, "mkdocs.yml")
    assert [(u.what, u.dists, u.modules) for u in uses[:6]] == [
        ("configured by mkdocs.yml", ("mkdocs",), ()),
        ("mkdocs.yml theme 'material'", ("mkdocs-material",), ()),
        ("mkdocs.yml plugin 'search'", ("mkdocs",), ()),
        ("mkdocs.yml plugin 'mkdocstrings'", ("mkdocstrings",), ()),
        ("mkdocstrings handler 'python'", ("mkdocstrings-python",), ()),
        ("griffe extension 'griffe_pydantic'", (), ("griffe_pydantic",)),
    ]
    mods = {m for u in uses for m in u.modules}
    assert {"pymdownx.superfences", "pymdownx.superfences.fence_code_format"} <= mods
    assert "material.extensions.emoji.twemoji" in mods


def test_sphinx_conf_is_read_never_run() -> None:
    text = (
        "raise SystemExit('executed!')\nextensions = ['sphinx.ext.autodoc', 'myst_parser']\n"
        "extensions += ['sphinx_copybutton']\nextensions.append('sphinxcontrib.mermaid')\n"
        "html_theme = 'furo'\nautodoc_mock_imports = ['torch']\n"
    )
    uses = read_sphinx_conf(text, "docs/conf.py")
    assert [m for u in uses for m in u.modules] == [
        "sphinx.ext.autodoc",
        "myst_parser",
        "sphinx_copybutton",
        "sphinxcontrib.mermaid",
        "furo",
    ]
    assert uses[-1].dists == ("sphinx",)


def test_tool_files_found_anywhere(tmp_path: Path) -> None:
    for rel in (
        "docs/Makefile",
        "tools/release.mk",
        "deploy/Dockerfile.gpu",
        ".github/workflows/ci.yml",
        ".venv/Makefile",
        "node_modules/x/Makefile",
        "scripts/run",
        "a/b/justfile",
    ):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("#!/bin/bash\necho\n")
    found = find_tool_files(tmp_path)
    assert found.of("make") == ["docs/Makefile", "tools/release.mk"]
    assert found.of("docker") == ["deploy/Dockerfile.gpu"]
    assert found.of("workflow") == [".github/workflows/ci.yml"]
    assert found.of("shell") == ["scripts/run"]
    assert found.of("just") == ["a/b/justfile"]


def test_installed_plugin_surface_read_from_its_module() -> None:
    xdist = installed_surface("pytest-xdist")
    assert xdist is not None
    assert {"-n", "--numprocesses", "--dist"} <= xdist.options
    assert {"worker_id", "testrun_uid"} <= xdist.fixtures
    hyp = installed_surface("hypothesis")  # a library whose pytest11 plugin adds a marker
    assert hyp is not None and hyp.markers == {"hypothesis"} and hyp.fixtures == set()
    assert installed_surface("tomlkit") is None


def test_plugin_table_when_not_installed() -> None:
    mock, source = plugin_surface("pytest-mock")
    assert source == "the built-in plugin table" and mock is not None
    assert "mocker" in mock.fixtures
    sugar, _ = plugin_surface("pytest-sugar")
    assert sugar is not None and sugar.always == "changes pytest's output when installed"
    assert plugin_surface("requests") == (None, "")


def test_pytest_usage_from_args() -> None:
    u = PytestUsage()
    u.add_args(["-p", "xdist", "-p", "no:randomly", "--cov=src", "-nauto"], "ci.yml:3")
    assert u.plugins == {"xdist": "ci.yml:3"}
    assert u.options == {"--cov": "ci.yml:3", "-nauto": "ci.yml:3"}


_LINES = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                "\tpytest -n 4",
                "RUN pip install x \\",
                'CMD ["a", 1]',
                "commands =",
                "    {envpython} -m x",
                "x := y",
                "  @ruff .",
                "<<EOF",
                "EOF",
                "[testenv]",
                "web: gunicorn app",
            ]
        ),
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(_LINES)
def test_text_readers_never_raise(text: str) -> None:
    for reader in (read_make, read_just, read_docker, read_procfile, read_tox_ini, read_nox):
        for inv in reader(text, "f"):
            assert inv.file == "f"
            assert inv.line is None or inv.line >= 1


def test_script_variables_and_eval() -> None:
    script = (
        "PYTEST=\"python -m pytest --cov=pkg --reruns 8 --only-rerun '(OSError|Timeout)'\"\n"
        'PYTEST="$PYTEST tests -n 4"\n'
        "echo $PYTEST\n"
        "eval $PYTEST\n"
        "eval \"RUN_LFS=1 $PYTEST -k 'Large'\"\n"
        "${RUNNER} mypy\n"
    )
    got = [(r.command, r.module, r.line) for r in runs_in_script(script)]
    assert got == [
        ("echo", None, 2),
        ("python", "pytest", 3),
        ("python", "pytest", 4),
        ("${RUNNER}", None, 5),
    ]
    pytest_runs = [r for r in runs_in_script(script) if r.module == "pytest"]
    assert pytest_runs[0].args == (
        "--cov=pkg",
        "--reruns",
        "8",
        "--only-rerun",
        "(OSError|Timeout)",
        "tests",
        "-n",
        "4",
    )
