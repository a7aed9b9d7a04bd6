"""Every declaration format, with the file and line of each entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmcore.core.errors import InputError
from pytest_llmcore.deps.declarations import parse_requirement_name, read_declarations

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
