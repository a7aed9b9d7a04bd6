"""Every declaration format, with the file and line of each entry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_llmcore.core.errors import InputError
from pytest_llmcore.deps.declarations import (
    parse_requirement_name,
    parse_suppression,
    read_declarations,
)

from .conftest import FIXTURES


def _by_name(root: Path) -> dict[str, tuple[str, int, str, bool]]:
    decl = read_declarations(root)
    return {d.key: (d.file, d.line, d.section, d.dev) for d in decl.declared}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("torch>=2.4", "torch"),
        ("numpy>=1.26 ; python_version >= '3.10'", "numpy"),
        ("scikit-learn[alldeps]~=1.5", "scikit-learn"),
        ("llama-cpp-python[server]==0.3.36", "llama-cpp-python"),
        ("pkg @ https://example.invalid/pkg-1.0.tar.gz", "pkg"),
        ("git+https://example.invalid/x.git#egg=attrs", "attrs"),
        ("Foo.Bar_baz", "Foo.Bar_baz"),
    ],
)
def test_requirement_names(text: str, name: str) -> None:
    assert parse_requirement_name(text) == name


def test_pep621_extras_and_pep735_groups() -> None:
    d = _by_name(FIXTURES / "deps/pep735")
    assert d["numpy"] == ("pyproject.toml", 5, "project.dependencies", False)
    assert d["scikit-learn"][1] == 6
    assert d["opencv-python-headless"] == (
        "pyproject.toml",
        10,
        "project.optional-dependencies.cv",
        False,
    )
    assert d["pytest"] == ("pyproject.toml", 14, "dependency-groups.test", True)
    assert d["ruff"][2:] == ("dependency-groups.lint", True)
    assert d["ipython"] == ("pyproject.toml", 16, "dependency-groups.dev", True)


def test_poetry_main_groups_and_legacy_dev() -> None:
    d = _by_name(FIXTURES / "deps/poetry")
    assert "python" not in d
    assert d["requests"] == ("pyproject.toml", 9, "tool.poetry.dependencies", False)
    assert d["pyyaml"][1] == 10 and d["pillow"][1] == 11
    assert d["black"] == ("pyproject.toml", 15, "tool.poetry.group.dev.dependencies", True)
    assert d["types-requests"][2:] == ("tool.poetry.dev-dependencies", True)


def test_pdm_and_uv_dev_dependencies() -> None:
    d = _by_name(FIXTURES / "deps/pdm-uv")
    assert d["respx"] == ("pyproject.toml", 7, "tool.pdm.dev-dependencies.test", True)
    assert d["mypy"] == ("pyproject.toml", 10, "tool.uv.dev-dependencies", True)
    assert d["httpx"][3] is False


def test_requirements_files_with_includes_hashes_and_editables() -> None:
    decl = read_declarations(FIXTURES / "deps/requirements")
    d = {x.key: x for x in decl.declared}
    assert d["python-dateutil"].location == "requirements.txt:3"
    assert d["protobuf"].location == "requirements.txt:4"  # continuation line joined
    assert d["attrs"].location == "requirements.txt:6"  # -e ...#egg=attrs
    assert d["pyjwt"].location == "requirements/base.txt:1"  # -r include
    assert d["pytest-xdist"].dev and not d["tiktoken"].dev
    assert "urllib3" not in d  # -c constraints declare nothing


def test_compiled_lock_file_is_not_a_declaration(tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("requests\n")
    (tmp_path / "requirements.txt").write_text("requests==2.32.0\ncertifi==2024.1.1\n")
    decl = read_declarations(tmp_path)
    assert [d.key for d in decl.declared] == ["requests"]
    assert any("lock file" in n for n in decl.notes)


def test_setup_cfg_install_requires_and_extras() -> None:
    d = _by_name(FIXTURES / "deps/setupcfg")
    assert d["click"] == ("setup.cfg", 7, "options.install_requires", False)
    assert d["tiktoken"][1] == 9
    assert d["nvidia-ml-py"][2] == "options.extras_require.gpu"


def test_malformed_pyproject_names_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = 1 2\n')
    with pytest.raises(InputError) as exc:
        read_declarations(tmp_path)
    msg = str(exc.value)
    assert "pyproject.toml:3:" in msg and "malformed TOML" in msg
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["a",\n')
    with pytest.raises(InputError, match="unexpected end of file"):
        read_declarations(tmp_path)


def test_non_utf8_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b'[project]\nname = "\xff"\n')
    with pytest.raises(InputError, match=r"pyproject.toml:2: not UTF-8"):
        read_declarations(tmp_path)


def test_self_reference_in_extras_is_not_a_dependency(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "My_Pkg"\nversion = "1"\n'
        '[project.optional-dependencies]\na = ["rich"]\nall = ["my-pkg[a]"]\n'
    )
    assert [d.key for d in read_declarations(tmp_path).declared] == ["rich"]


# -- setup.py, conda, pixi, hatch, referenced requirements -------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, body in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body)
    return root


SETUP_PY = """\
from setuptools import setup, find_packages

BASE = ["numpy>=1.20", "tqdm"]
DEV: list = ["pytest"]
EXTRAS = {"gpu": ["cupy-cuda12x"], "all": BASE + ["rich"]}

setup(
    name="My-Tool",
    python_requires=">=3.8",
    packages=["mytool", "mytool.sub"],
    install_requires=BASE + [
        "requests",  # llmcore: ignore[LLMD002]
        'dataclasses; python_version < "3.7"',
    ],
    extras_require=EXTRAS,
    tests_require=DEV,
    setup_requires=["wheel"],
)
"""


def test_setup_py_is_read_statically_never_run(tmp_path: Path) -> None:
    root = _write(tmp_path, {"setup.py": "import sys; sys.exit(3)\n" + SETUP_PY})
    decl = read_declarations(root)
    got = [(d.key, d.location, d.section, d.dev) for d in decl.declared]
    assert got == [
        ("numpy", "setup.py:4", "setup.install_requires", False),
        ("tqdm", "setup.py:4", "setup.install_requires", False),
        ("requests", "setup.py:13", "setup.install_requires", False),
        ("dataclasses", "setup.py:14", "setup.install_requires", False),
        ("cupy-cuda12x", "setup.py:6", "setup.extras_require.gpu", False),
        ("numpy", "setup.py:4", "setup.extras_require.all", False),
        ("tqdm", "setup.py:4", "setup.extras_require.all", False),
        ("rich", "setup.py:6", "setup.extras_require.all", False),
        ("pytest", "setup.py:5", "setup.tests_require", True),
    ]
    assert decl.project_name == "my-tool" and decl.requires_python == ">=3.8"
    assert decl.setup_packages == ["mytool", "mytool.sub"]
    by = {d.key: d for d in decl.declared}
    assert by["requests"].suppress == ("LLMD002",)
    assert by["dataclasses"].unreachable == (
        'its marker `python_version < "3.7"` excludes every supported Python '
        "(requires-python >=3.8)"
    )
    assert decl.files == ["setup.py"]


def test_setup_py_computed_values_are_a_note(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "setup.py": "import setuptools\nreqs = open('r.txt').read().splitlines()\n"
            "setuptools.setup(name='x', install_requires=reqs, extras_require=make())\n"
        },
    )
    decl = read_declarations(root)
    assert decl.declared == []
    assert decl.notes == [
        "setup.py:3: setup.install_requires is computed, not a literal; not read "
        "(declare with a requirements file or pyproject.toml to have it checked)",
        "setup.py:3: extras_require is computed; not read",
    ]


def test_environment_yml_conda_and_pip(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "environment.yml": "name: env\nchannels:\n  - conda-forge\ndependencies:\n"
            "  - python=3.11\n  - pytorch::pytorch>=2  # conda name\n  - numpy\n"
            "  - cudatoolkit=11.8\n  - pip\n  - pip:\n    - openai-whisper\n"
            "    - -r requirements-extra.txt\n    - tiktoken==0.7  # llmcore: ignore\n"
            "  - scipy\nvariables:\n  - notadep\n"
        },
    )
    got = {d.key: (d.line, d.section) for d in read_declarations(root).declared}
    assert got == {
        "torch": (6, "conda.dependencies"),
        "numpy": (7, "conda.dependencies"),
        "openai-whisper": (11, "conda.pip"),
        "tiktoken": (13, "conda.pip"),
        "scipy": (14, "conda.dependencies"),
    }


def test_pixi_and_hatch_environments(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\nversion = "1"\n'
            '[tool.hatch.envs.test]\ndependencies = ["pytest-cov"]\n'
            '[tool.hatch.envs.docs]\nextra-dependencies = ["mkdocs"]\n'
            '[tool.pixi.dependencies]\npython = "3.11.*"\nnumpy = ">=1"\n'
            '[tool.pixi.pypi-dependencies]\nrich = "*"\n',
            "pixi.toml": '[dependencies]\npandas = "*"\ncmake = "*"\n'
            '[feature.lint.pypi-dependencies]\nruff = "*"\n',
        },
    )
    got = {d.key: (d.location, d.section, d.dev) for d in read_declarations(root).declared}
    assert got == {
        "pytest-cov": ("pyproject.toml:5", "tool.hatch.envs.test.dependencies", True),
        "mkdocs": ("pyproject.toml:7", "tool.hatch.envs.docs.extra-dependencies", True),
        "numpy": ("pyproject.toml:10", "tool.pixi.dependencies", False),
        "rich": ("pyproject.toml:12", "tool.pixi.pypi-dependencies", False),
        "pandas": ("pixi.toml:2", "dependencies", False),
        "ruff": ("pixi.toml:5", "feature.lint.pypi-dependencies", True),
    }


def test_requirements_in_subfolders_referenced_by_ci_and_docs(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "requirements.txt": "httpx\n",
            ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n"
            "      - run: pip install -r ./ci/a/b/c/requirements-gpu.txt\n",
            ".readthedocs.yaml": "python:\n  install:\n    - requirements: docs/requirements.txt\n",
            "ci/a/b/c/requirements-gpu.txt": "pynvml\n",  # deeper than looked, but referenced
            "docs/requirements.txt": "sphinx\n",
            "other/requirements.txt": "never-referenced\n",  # read: FawltyDeps' no_issues
            "x/a/b/c/requirements.txt": "too-deep\n",
        },
    )
    got = {d.key: (d.file, d.dev) for d in read_declarations(root).declared}
    assert got == {
        "httpx": ("requirements.txt", False),
        "never-referenced": ("other/requirements.txt", False),
        "pynvml": ("ci/a/b/c/requirements-gpu.txt", True),
        "sphinx": ("docs/requirements.txt", True),
    }


_ARRAY = "must be an array of requirement strings (write it as"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[project]\nname = "x"\ndependencies = "torch"\n',
            f'3: project.dependencies {_ARRAY} dependencies = ["x>=1"])',
        ),
        (
            '[tool.hatch.envs.t]\ndependencies = "torch"\n',
            f'2: tool.hatch.envs.t.dependencies {_ARRAY} dependencies = ["x>=1"])',
        ),
        (
            '[project]\nname = "x"\noptional-dependencies = ["a"]\n',
            "3: project.optional-dependencies must be a table of arrays (write it as "
            '[project.optional-dependencies] name = ["x"])',
        ),
        (
            '[project.optional-dependencies]\ngpu = "torch"\n',
            f'2: project.optional-dependencies.gpu {_ARRAY} gpu = ["x>=1"])',
        ),
        (
            "[dependency-groups]\ntest = [1]\n",
            f'2: dependency-groups.test {_ARRAY} test = ["x>=1"])',
        ),
        (
            '[tool.poetry]\ndependencies = ["x"]\n',
            "2: tool.poetry.dependencies must be a table of name = version (write it as "
            "[tool.poetry.dependencies])",
        ),
    ],
)
def test_wrong_value_types_are_one_line_errors(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(body)
    with pytest.raises(InputError) as exc:
        read_declarations(tmp_path)
    # the whole message: file, line, key and the fix (a lost line number must fail)
    assert str(exc.value) == f"{tmp_path / 'pyproject.toml'}:{message}"


def test_unreachable_markers() -> None:
    from pytest_llmcore.deps.declarations_req import unreachable_reason

    assert unreachable_reason('dataclasses; python_version < "3.7"', ">=3.8") == (
        'its marker `python_version < "3.7"` excludes every supported Python '
        "(requires-python >=3.8)"
    )
    assert unreachable_reason('tomli; python_version < "3.11"', ">=3.8") is None
    assert unreachable_reason('pywin32; sys_platform == "win32"', ">=3.8") is None
    assert unreachable_reason('x; python_version < "3.7" and sys_platform == "win32"', None)
    assert unreachable_reason('x; python_version < "3.8"', None) == (
        'its marker `python_version < "3.8"` excludes every supported Python '
        "(requires-python >=3.9 (no requires-python; assumed))"
    )
    assert unreachable_reason('x; python_version >= "3.12" or extra == "a"', ">=3.8") is None
    assert unreachable_reason('backports-zoneinfo; python_version<"3.9"', ">=3.8.1") is None


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        ('"requests",  # llmcore: ignore[LLMD002]', ("LLMD002",)),
        ("torch  # llmcore: ignore[unused, llmd004]", ("LLMD002", "LLMD004")),
        ("torch  # llmcore: ignore", ("*",)),
        ("torch  # noqa: LLMD002, LLMD006", ("LLMD002", "LLMD006")),
        ("torch  # noqa: F401", ()),
        ("torch  # ignore", ()),
    ],
)
def test_suppression_comments(line: str, codes: tuple[str, ...]) -> None:
    assert parse_suppression(line) == codes


@given(st.text(max_size=200))
def test_requirement_and_comment_parsers_never_raise(text: str) -> None:
    name = parse_requirement_name(text)
    # a name is a piece of the text, spelt as a distribution name; never invented
    assert name is None or (name in text and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name))
    # a URL fragment ``#egg=NAME`` (or ``&egg=``) names the distribution wherever it is
    egg = re.search(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    expected = egg.group(1) if egg else "abc-def"
    assert parse_requirement_name(f"abc-def>=1 {text}") == expected
    assert parse_requirement_name(f"abc-def>=1 ; {text}") == expected
    codes = parse_suppression(text)
    assert codes == () or all(c == "*" or c == c.upper() for c in codes)


@given(st.text(max_size=400))
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_setup_py_and_environment_readers_never_raise(tmp_path: Path, text: str) -> None:
    for name in ("setup.py", "environment.yml"):
        (tmp_path / name).write_text(text, encoding="utf-8", errors="replace")
    decl = read_declarations(tmp_path)
    assert all(d.line >= 1 for d in decl.declared)


@given(
    st.lists(
        st.sampled_from(
            ['"torch>=2"', "'a; python_version<\"3.7\"'", "[]", "NAME", "A + B", "{'x': 1}", "f()"]
        ),
        max_size=4,
    )
)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_setup_py_value_shapes_never_raise(tmp_path: Path, parts: list[str]) -> None:
    body = f"NAME = ['x']\nA = ['y']\nB = ('z',)\nsetup(install_requires=[{', '.join(parts)}])\n"
    (tmp_path / "setup.py").write_text(body)
    # literal strings are read; names, expressions, calls and nested lists are not guessed
    literal = {'"torch>=2"': "torch", "'a; python_version<\"3.7\"'": "a"}
    expected = {literal[p] for p in parts if p in literal}
    assert {d.key for d in read_declarations(tmp_path).declared} == expected
