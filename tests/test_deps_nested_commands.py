"""Programs run from inside other text: shell strings, substitutions, argv lists, docs pages.

Shapes other than the corpus4 reproductions (tests/test_deps_corpus4.py) of the same
classes: a command inside ``sh -c``/``bash -c`` strings and command substitutions, an argv
list bound to any name that the same file runs, and the modules mkdocstrings renders from
``::: module`` directives. Each positive has a negative beside it: a word in text that is
not run must still not count.
"""

from __future__ import annotations

import string
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps import shell
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.shell import runs_in_argv, runs_in_script
from pytest_llmcore.deps.shellsyntax import split_substitutions


def _project(root: Path, files: dict[str, str], deps: tuple[str, ...] = ()) -> Path:
    dep_lines = ", ".join(f'"{d}"' for d in ("requests", *deps))
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = [{dep_lines}]\n'
    )
    for rel, body in {"demo/__init__.py": "import requests\n", **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def _failing(root: Path) -> list[str]:
    return sorted(f.dependency for f in run_gate(root, use_cache=False).failing)


def _commands(script: str) -> list[str]:
    return [r.command for r in runs_in_script(script)]


# -- shell strings and command substitutions ---------------------------------------------


@pytest.mark.parametrize(
    ("script", "commands"),
    [
        ("sh -c 'alembic upgrade head'", ["sh", "alembic"]),
        ("env CI=1 bash -euo pipefail -c 'ruff check .'", ["env", "bash", "ruff"]),
        ('poetry run zsh -lc "black --check ."', ["poetry", "zsh", "black"]),
        ("bash -c 'cd docs\nmkdocs build'", ["bash", "cd", "mkdocs"]),
        ("bash scripts/lint.sh -c", ["bash"]),  # a script file, and -c is its argument
        ('V="$(python -m setuptools_scm)"', ["python"]),
        ("echo `git describe` $(uv run cog --version)", ["git", "uv", "cog", "echo"]),
        ('echo "a $(b "$(c -x)")"', ["c", "b", "echo"]),  # nested, quotes inside
        ("echo 'not $(run) `either`'", ["echo"]),  # single quotes: text
        ('echo "\\$(escaped)"', ["echo"]),
        ("n=$((1 + 2)); echo $n", ["echo"]),  # arithmetic runs nothing
        ('echo "tach"', ["echo"]),  # a word, not a command
    ],
)
def test_commands_inside_strings(script: str, commands: list[str]) -> None:
    assert _commands(script) == commands


def test_shell_string_line_offsets() -> None:
    runs = runs_in_script("echo start\nbash -c 'true\n\nruff check'\n")
    assert [(r.command, r.line) for r in runs] == [
        ("echo", 0),
        ("bash", 1),
        ("true", 1),
        ("ruff", 3),
    ]


def test_argv_list_shell_string() -> None:
    """An exec-form list (Dockerfile ``CMD``, compose ``command:``) with ``sh -c``."""
    runs = runs_in_argv(["/bin/sh", "-c", "alembic upgrade head && gunicorn app:app"])
    assert [r.command for r in runs] == ["sh", "alembic", "gunicorn"]


_WORD = st.text(string.ascii_lowercase, min_size=1, max_size=8).filter(
    lambda w: (
        # shell keywords (``esac``, ``until``, ``select``...) are no commands
        w not in shell._RESERVED | shell._SKIP_WHOLE
        # a wrapper runs the words after it (``eval --version`` runs ``--version``, not eval)
        and w not in ("eval", *shell._PREFIX)
        # ``py``, ``python3``: a Python launcher is named ``python`` whatever it is called
        and not shell._PYTHON.match(w)
    )
)


@given(_WORD)
def test_quoted_words_are_text_and_substitutions_run(word: str) -> None:
    assert _commands(f'echo "{word}"') == ["echo"]
    assert _commands(f"echo '$({word})'") == ["echo"]
    assert _commands(f'echo "$({word} --version)"') == [word, "echo"]
    assert _commands(f'echo "`{word}`"') == [word, "echo"]


@given(st.text(max_size=40))
def test_split_substitutions_never_fails(line: str) -> None:
    outer, scripts = split_substitutions(line)
    assert len(outer) <= len(line) + 7 * len(scripts) + 7


def test_dockerfile_sh_c_runs_the_tool(tmp_path: Path) -> None:
    files = {"Dockerfile": 'FROM python:3.12\nCMD ["sh", "-c", "alembic upgrade head"]\n'}
    root = _project(tmp_path, files, deps=("alembic",))
    assert _failing(root) == []


def test_python_bash_c_list_runs_the_tool(tmp_path: Path) -> None:
    code = 'import subprocess\n\nsubprocess.run(["bash", "-c", "cog -r README.md"])\n'
    root = _project(tmp_path, {"demo/build.py": code}, deps=("cogapp",))
    assert _failing(root) == []


def test_workflow_echo_of_a_tool_name_is_not_a_use(tmp_path: Path) -> None:
    step = "      - run: echo \"cog\" 'x $(cog)' && printf '%s' `echo cog`\n"
    head = "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
    root = _project(tmp_path, {".github/workflows/ci.yml": head + step}, deps=("cogapp",))
    assert _failing(root) == ["cogapp"]


# -- argv lists in Python code -----------------------------------------------------------

_LAUNCH = """\
    import subprocess


    def main() -> None:
        launcher = ["cog", "-r", "README.md"]
        {call}
"""


@pytest.mark.parametrize(
    "call",
    [
        "subprocess.Popen(launcher).wait()",
        "subprocess.run(  # nosec\n            launcher, check=True\n        )",
        "subprocess.check_call(args=launcher)",
        "os.execvp(launcher[0], launcher)",
    ],
)
def test_argv_list_followed_into_the_run_call(tmp_path: Path, call: str) -> None:
    code = _LAUNCH.format(call=call)
    root = _project(tmp_path, {"demo/cli.py": code}, deps=("cogapp",))
    assert _failing(root) == []


@pytest.mark.parametrize(
    "call",
    [
        "print(launcher)",  # never run
        "subprocess.run(launcher.split())",  # another value than the list
        "subprocess.run(other_launcher)",  # another variable
    ],
)
def test_argv_list_not_run_is_not_a_use(tmp_path: Path, call: str) -> None:
    code = _LAUNCH.format(call=call)
    root = _project(tmp_path, {"demo/cli.py": code}, deps=("cogapp",))
    assert _failing(root) == ["cogapp"]


def test_argv_like_name_ending_in_cmd(tmp_path: Path) -> None:
    """Built in one file, run in another: the name says it is a command line."""
    code = 'def docs_cmd() -> list[str]:\n    readme_cmd = [\n        "cog", "-r"\n    ]\n'
    code += "    return readme_cmd\n"
    root = _project(tmp_path, {"demo/cli.py": code}, deps=("cogapp",))
    assert _failing(root) == []


def test_list_with_another_name_not_run_is_not_a_use(tmp_path: Path) -> None:
    code = 'SUPPORTED_TOOLS = ["cog", "ruff"]\n'
    root = _project(tmp_path, {"demo/cli.py": code}, deps=("cogapp",))
    assert _failing(root) == ["cogapp"]


# -- mkdocstrings `::: module` directives ---------------------------------------------------

_PAGE = "# API\n\n## ::: markdown_it.main.MarkdownIt\n    options:\n      show_source: false\n"


def _docs_project(root: Path, mkdocs: str, pages: dict[str, str]) -> list[str]:
    files = {"mkdocs.yml": mkdocs, **pages}
    return _failing(_project(root, files, deps=("mkdocs", "mkdocstrings-python", "markdown-it-py")))


def test_directive_in_a_custom_docs_dir(tmp_path: Path) -> None:
    mkdocs = "site_name: x\ndocs_dir: site_src\nplugins:\n  - search\n  - mkdocstrings:\n"
    mkdocs += "      handlers:\n        python:\n          paths: [.]\n"
    assert _docs_project(tmp_path, mkdocs, {"site_src/reference/api.md": _PAGE}) == []


def test_directive_outside_the_docs_dir_is_not_rendered(tmp_path: Path) -> None:
    mkdocs = "site_name: x\nplugins:\n  - mkdocstrings\n"
    assert _docs_project(tmp_path, mkdocs, {"notes/api.md": _PAGE}) == ["markdown-it-py"]


def test_directive_inside_a_code_fence_is_an_example(tmp_path: Path) -> None:
    mkdocs = "site_name: x\nplugins:\n  - mkdocstrings\n"
    page = "Write:\n\n````md\n```\n::: markdown_it\n```\n````\n"
    assert _docs_project(tmp_path, mkdocs, {"docs/howto.md": page}) == ["markdown-it-py"]


def test_directive_without_the_mkdocstrings_plugin_is_text(tmp_path: Path) -> None:
    mkdocs = "site_name: x\nplugins:\n  - search\n"
    result = _docs_project(tmp_path, mkdocs, {"docs/api.md": _PAGE})
    assert result == ["markdown-it-py", "mkdocstrings-python"]


def test_directive_for_another_default_handler_is_not_python(tmp_path: Path) -> None:
    mkdocs = "site_name: x\nplugins:\n  - mkdocstrings:\n      default_handler: crystal\n"
    result = _docs_project(tmp_path, mkdocs, {"docs/api.md": _PAGE})
    assert result == ["markdown-it-py", "mkdocstrings-python"]


# -- Sphinx autodoc directives --------------------------------------------------------------

_CONF = 'extensions = ["sphinx.ext.autodoc"]\n'
_RST_EXAMPLES = (
    "Write::\n\n    .. automodule:: markdown_it\n\nor\n\n.. code-block:: rst\n\n"
    "   .. automodule:: markdown_it\n"
)


def _sphinx_project(root: Path, conf: str, pages: dict[str, str]) -> list[str]:
    files = {"docs/conf.py": conf, **pages}
    return _failing(_project(root, files, deps=("sphinx", "markdown-it-py")))


@pytest.mark.parametrize(
    "page",
    [
        "API\n===\n\n.. automodule:: markdown_it.main\n   :members:\n",
        ".. currentmodule:: markdown_it\n\n.. autoclass:: MarkdownIt\n",
        "Intro\n\n.. autofunction:: markdown_it.common.utils.escapeHtml\n",
    ],
)
def test_module_rendered_by_sphinx_autodoc(tmp_path: Path, page: str) -> None:
    assert _sphinx_project(tmp_path, _CONF, {"docs/api.rst": page}) == []


def test_autodoc_directive_nested_in_another_rst_directive(tmp_path: Path) -> None:
    page = "Intro::\n\n    literal\n\n.. note::\n\n   .. automodule:: markdown_it\n"
    assert _sphinx_project(tmp_path, _CONF, {"docs/api.rst": page}) == []


def test_myst_code_fence_after_a_directive_fence(tmp_path: Path) -> None:
    """The closing fence of a MyST directive opens no code block."""
    conf = 'extensions = ["myst_parser", "sphinx.ext.autodoc"]\n'
    page = "```{note}\nhi\n```\n\n```{autofunction} markdown_it.common.utils.escapeHtml\n```\n"
    assert _sphinx_project(tmp_path, conf, {"docs/api.md": page}) == []


def test_autodoc_directive_in_myst_markdown(tmp_path: Path) -> None:
    conf = 'extensions = ["myst_parser", "sphinx.ext.autodoc"]\n'
    page = "# API\n\n```{automodule} markdown_it\n:members:\n```\n"
    assert _sphinx_project(tmp_path, conf, {"docs/api.md": page}) == []


@pytest.mark.parametrize(
    ("conf", "pages"),
    [
        # a mocked module is never imported
        (
            _CONF + 'autodoc_mock_imports = ["markdown_it"]\n',
            {"docs/api.rst": ".. automodule:: markdown_it\n"},
        ),
        # without autodoc the directive is not rendered
        (
            'extensions = ["sphinx.ext.napoleon"]\n',
            {"docs/api.rst": ".. automodule:: markdown_it\n"},
        ),
        # an example inside a code block, a page outside the source dir
        (
            _CONF,
            {
                "docs/howto.rst": _RST_EXAMPLES,
                "notes/x.rst": ".. automodule:: markdown_it\n",
            },
        ),
        # a MyST directive shown inside a code fence
        (
            'extensions = ["myst_parser", "sphinx.ext.autodoc"]\n',
            {"docs/api.md": "```markdown\n```{automodule} markdown_it\n```\n"},
        ),
        # an autoclass relative to no current module (none yet, or reset) names no module
        (_CONF, {"docs/api.rst": ".. autoclass:: MarkdownIt\n"}),
        (
            _CONF,
            {
                "docs/api.rst": ".. currentmodule:: markdown_it\n.. currentmodule:: None\n\n"
                ".. autoclass:: MarkdownIt\n"
            },
        ),
    ],
)
def test_autodoc_directive_not_rendered(tmp_path: Path, conf: str, pages: dict[str, str]) -> None:
    assert _sphinx_project(tmp_path, conf, pages) == ["markdown-it-py"]
