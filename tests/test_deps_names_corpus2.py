"""Second shapes of the corpus2 classes of tests/test_deps_corpus2.py: name mapping,
version pins found in lock files, first-party names, standard-library names and
development code. Each test differs from its repro so the rule, not the example, is
pinned."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import GateResult


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def _project(
    root: Path, files: dict[str, str], deps: tuple[str, ...] = (), dev: tuple[str, ...] = ()
) -> Path:
    dep_lines = ", ".join(f'"{d}"' for d in deps)
    dev_lines = ", ".join(f'"{d}"' for d in dev)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = [{dep_lines}]\n'
        f"[dependency-groups]\ndev = [{dev_lines}]\n"
    )
    return _write(root, files)


def _findings(result: GateResult) -> list[tuple[str, str]]:
    return sorted((f.dependency, f.kind.value) for f in result.findings)


def _run(root: Path) -> GateResult:
    return run_gate(root, use_cache=False)


# -- standard-library names of other Pythons ----------------------------------------------


def test_stdlib_module_of_an_older_python_is_not_missing(tmp_path: Path) -> None:
    """``binhex`` left the standard library in 3.11, ``compression`` came in 3.14,
    ``tomllib`` in 3.11 and ``distutils`` left in 3.12: none is a dependency whichever
    supported Python runs the gate."""
    files = {
        "demo/__init__.py": """\
            import sys

            import requests

            if sys.version_info >= (3, 14):
                from compression import zstd
            elif sys.version_info >= (3, 11):
                import tomllib as zstd
            else:
                import binhex as zstd
                from distutils import version

            requests, zstd, version
            """,
    }
    root = _project(tmp_path, files, deps=("requests",))
    assert _findings(_run(root)) == []


# -- first-party names -------------------------------------------------------------------


def test_root_namespace_folder_import_from_a_package_file(tmp_path: Path) -> None:
    """``from scripts.release import bump`` (scripts/ has no ``__init__.py``) in a test is the
    project's own; a bare ``import alembic`` beside an ``alembic/`` folder stays missing."""
    files = {
        "demo/__init__.py": "import requests\n\nrequests\n",
        "scripts/release.py": "def bump():\n    return 1\n",
        "alembic/env.py": "x = 1\n",
        "tests/test_release.py": """\
            import alembic
            from scripts.release import bump

            def test_bump():
                assert bump() == 1 and alembic
            """,
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest",))
    assert _findings(_run(root)) == [("alembic", "missing")]


def test_shared_namespace_folder_is_not_first_party(tmp_path: Path) -> None:
    """A project folder ``google/cloud/`` does not make ``google.cloud.storage`` local."""
    files = {
        "demo/__init__.py": "from google.cloud import storage\n\nstorage\n",
        "google/cloud/storage.py": "x = 1\n",
        "tests/test_a.py": "from google.cloud import storage\n\n\ndef test_a():\n    storage\n",
    }
    root = _project(tmp_path, files, deps=("google-cloud-storage",))
    assert _findings(_run(root)) == []
    assert "google-cloud-storage" in _run(root).used_by


def test_extension_module_configured_in_pyproject_is_first_party(tmp_path: Path) -> None:
    """``[tool.setuptools] ext-modules`` and a setup.py ``setuptools.Extension("_other")``
    under an ``if`` name the project's own compiled modules."""
    files = {
        "demo/__init__.py": "import requests\nimport _speedups\nimport _other\n\n"
        "requests, _speedups, _other\n",
        "setup.py": """\
            import os

            import setuptools

            ext = []
            if os.environ.get("BUILD_EXT"):
                ext = [setuptools.Extension("_other", ["other.c"])]
            setuptools.setup(ext_modules=ext)
            """,
    }
    root = _project(tmp_path, files, deps=("requests",))
    with (root / "pyproject.toml").open("a") as fh:
        fh.write('[tool.setuptools]\next-modules = [{name = "_speedups", sources = ["s.c"]}]\n')
    assert [f for f in _findings(_run(root)) if f[0].startswith("_")] == []


# -- development code ----------------------------------------------------------------------


def test_doc_sources_folder_is_development_code(tmp_path: Path) -> None:
    """``doc_examples/`` holds examples the docs include: a dev dependency imported there is
    not misplaced; the same import in the package's ``docs_utils.py`` module still is."""
    files = {
        "demo/__init__.py": "import requests\n\nrequests\n",
        "demo/docs_utils.py": "import rich\n\nrich\n",
        "doc_examples/first.py": "import rich\n\nrich\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("rich",))
    result = _run(root)
    assert _findings(result) == [("rich", "misplaced-dev")]
    assert [e.file for f in result.findings for e in f.evidence] == ["demo/docs_utils.py"]


# -- name mapping: stub packages named otherwise -------------------------------------------


def test_stub_package_named_with_a_number(tmp_path: Path) -> None:
    """sqlalchemy2-stubs types sqlalchemy (not a ``sqlalchemy2`` module); celery-types types
    celery, imported here only where mypy does not check, so it stays unused."""
    files = {
        "demo/__init__.py": "import sqlalchemy\n\nsqlalchemy\n",
        "tests/test_a.py": "import celery\n\n\ndef test_a():\n    celery\n",
    }
    root = _project(
        tmp_path,
        files,
        deps=("sqlalchemy", "celery"),
        dev=("mypy", "sqlalchemy2-stubs", "celery-types"),
    )
    with (root / "pyproject.toml").open("a") as fh:
        fh.write('[tool.mypy]\nfiles = ["demo"]\n')
    result = _run(root)
    assert [f.dependency for f in result.failing] == ["celery-types"]
    assert "type stubs for sqlalchemy" in result.used_by["sqlalchemy2-stubs"][0].text


def test_installed_stub_package_read_from_its_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed distribution whose RECORD holds ``NAME-stubs/`` types NAME."""
    from pytest_llmcore.deps import stubs

    info = tmp_path / "acme_typing-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-typing\nVersion: 1.0\n")
    (info / "RECORD").write_text(
        "acme-stubs/__init__.pyi,sha256=x,1\nacme_typing/__init__.py,sha256=y,1\n"
        "acme_typing-1.0.dist-info/RECORD,,\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert stubs.stubbed_distribution("acme-typing", installed=True) == "acme"
    assert stubs.stubbed_distribution("acme-typing", installed=False) is None


# -- name mapping: reconcile beyond the guessed name ---------------------------------------


def _unmapped(result: GateResult, dist: str) -> str:
    (found,) = [f for f in result.findings if f.dependency == dist]
    assert found.kind.value == "unmapped"
    return found.evidence[0].text


def test_vendor_prefix_is_reconciled_but_not_a_plugin_family(tmp_path: Path) -> None:
    """acmecorp-widgetlib provides ``widgetlib`` (a vendor's prefix): unmapped, not failing;
    django-gizmo does not provide ``gizmo`` (a plugin family): still unused, gizmo missing."""
    files = {"demo/__init__.py": "from widgetlib.core import run\nimport gizmo\n\n"
             "run, gizmo\n"}  # fmt: skip
    root = _project(tmp_path, files, deps=("acmecorp-widgetlib", "django-gizmo"))
    result = _run(root)
    assert _findings(result) == [
        ("acmecorp-widgetlib", "unmapped"),
        ("django-gizmo", "unused"),
        ("gizmo", "missing"),
    ]
    assert _unmapped(result, "acmecorp-widgetlib").endswith(
        'add [tool.llmcore.deps] map = { acmecorp-widgetlib = ["widgetlib"] }'
    )


def test_namespace_subpackage_claimed_by_a_less_specific_parent(tmp_path: Path) -> None:
    """``acmens`` (its guessed name) claims ``acmens.vision.models``; the more specific
    acmens-vision is not unused. A sibling whose name matches no imported sub-package
    (acmens-audio) stays unused."""
    files = {
        "demo/__init__.py": """\
            import acmens.core
            from acmens.vision.models import Net

            acmens, Net
            """,
    }
    deps = ("acmens", "acmens-vision", "acmens-audio")
    result = _run(_project(tmp_path, files, deps=deps))
    assert _findings(result) == [("acmens-audio", "unused"), ("acmens-vision", "unmapped")]
    assert _unmapped(result, "acmens-vision") == (
        "its module was guessed as acmens_vision, but acmens.vision.models.Net imported at "
        "demo/__init__.py:2 plausibly belongs to it (credited only to a less specific "
        "declared owner); if so, add [tool.llmcore.deps] map = "
        '{ acmens-vision = ["acmens.vision"] }'
    )


def test_table_subpackages_share_their_root_but_not_a_namespace(tmp_path: Path) -> None:
    """logic2-automation's table row lists saleae.automation and saleae.grpc: an unclaimed
    ``saleae.measurements`` import is in its package. google-gax lists google.gapic and
    google.gax: an unclaimed ``google.api_core`` is in no package of its (google is a
    shared namespace), so google-gax stays unused."""
    files = {"demo/__init__.py": "from saleae.measurements import m\nfrom google import api_core"
             "\n\nm, api_core\n"}  # fmt: skip
    result = _run(_project(tmp_path, files, deps=("logic2-automation", "google-gax")))
    declared = ("google-gax", "logic2-automation")
    assert [f for f in _findings(result) if f[0] in declared] == [
        ("google-gax", "unused"),
        ("logic2-automation", "unmapped"),
    ]
    # google.api_core stays undeclared (how it is named is the undeclared findings' rule)
    assert [f.kind.value for f in result.findings if f.dependency not in declared] == ["missing"]
    assert _unmapped(result, "logic2-automation") == (
        "the built-in table lists its modules as saleae.automation, saleae.grpc, but "
        "saleae.measurements.m imported at demo/__init__.py:1 is in their package saleae; "
        'if so, add [tool.llmcore.deps] map = { logic2-automation = ["saleae"] }'
    )


# -- declarations: version pins found in a lock file -----------------------------------------


_POETRY_LOCK = """\
    [[package]]
    name = "mkdocstrings-python"
    version = "1.1.0"

    [package.dependencies]
    griffe-core = ">=0.30,<0.33"
    mkdocstrings = {version = ">=0.20", extras = ["python"]}
    black = {version = "*", optional = true}

    [package.extras]
    fmt = ["black"]

    [[package]]
    name = "griffe-core"
    version = "0.32.3"

    [package.dependencies]
    colorama = ">=0.4"

    [[package]]
    name = "colorama"
    version = "0.4.6"
    """


def test_pin_of_a_requirement_two_levels_down_in_poetry_lock(tmp_path: Path) -> None:
    """poetry.lock: mkdocstrings-python -> griffe-core -> colorama. Pinned colorama and
    griffe-core are unused-companions naming their nearest used requirer (griffe-core is
    itself unused); black, required only by an extra, and an unpinned requests stay
    unused."""
    files = {"demo/__init__.py": "import mkdocstrings_python\n", "poetry.lock": _POETRY_LOCK}
    deps = ("mkdocstrings-python", "griffe-core==0.32.3", "colorama>=0.4", "black>=23", "requests")
    result = _run(_project(tmp_path, files, deps=deps))
    assert _findings(result) == [
        ("black", "unused"),
        ("colorama", "unused-companion"),
        ("griffe-core", "unused-companion"),
        ("requests", "unused"),
    ]
    (colorama,) = [f for f in result.findings if f.dependency == "colorama"]
    assert colorama.evidence[-1].text == (
        "not used directly; mkdocstrings-python (used) requires griffe-core, which requires "
        "it, so this entry pins its version"
    )


def test_pin_read_from_pdm_lock_but_not_an_extra_requirement(tmp_path: Path) -> None:
    """pdm.lock requirement strings: ``"acme-h2>=4; extra == 'http2'"`` does not count."""
    lock = """\
        [[package]]
        name = "acme-client"
        version = "0.27.0"
        dependencies = [
            "acme-io",
            "certifi",
            "acme-h2<5,>=3; extra == \\"http2\\"",
        ]
        """
    files = {"demo/__init__.py": "import acme_client\n\nacme_client\n", "pdm.lock": lock}
    deps = ("acme-client", "acme-io>=4", "acme-h2>=4")
    result = _run(_project(tmp_path, files, deps=deps))
    assert _findings(result) == [("acme-h2", "unused"), ("acme-io", "unused-companion")]


def test_no_pin_for_an_unused_requirer_or_a_lockstep_one(tmp_path: Path) -> None:
    """uv.lock: cairosvg requires pillow, but nothing uses cairosvg, so ``pillow>=11`` pins
    nothing (fastapi); pydantic requires pydantic-core at one exact version, so
    ``pydantic-core>=2.18`` beside it constrains nothing (instructor): both stay unused."""
    lock = """\
        version = 1

        [[package]]
        name = "cairosvg"
        version = "2.7.1"
        dependencies = [
            { name = "pillow" },
        ]

        [[package]]
        name = "pydantic"
        version = "2.10.0"
        dependencies = [{ name = "pydantic-core" }, { name = "typing-extensions" }]
        """
    files = {"demo/__init__.py": "import pydantic\n\npydantic\n", "uv.lock": lock}
    deps = ("pydantic", "pydantic-core>=2.18", "cairosvg", "pillow>=11")
    result = _run(_project(tmp_path, files, deps=deps))
    assert _findings(result) == [
        ("cairosvg", "unused"),
        ("pillow", "unused"),
        ("pydantic-core", "unused"),
    ]


def test_vendor_prefix_never_claims_a_generic_or_partial_name(tmp_path: Path) -> None:
    """qwen-vl-utils does not provide a project's stray ``utils`` (lmdeploy's autotest): a
    generic name, and not the whole rest of the name after one vendor part."""
    files = {"demo/__init__.py": "import utils.constant\n\nutils\n"}
    result = _run(_project(tmp_path, files, deps=("qwen-vl-utils",)))
    assert _findings(result) == [("qwen-vl-utils", "unused"), ("utils", "missing")]


def test_pin_reached_through_an_extra_the_requirement_asks_for(tmp_path: Path) -> None:
    """fastapi: ``fastapi-cli[standard]`` -> (extra) fastapi-cloud-cli -> fastar, so
    ``fastar>=0.9.0`` pins; ``acme-cli`` without the extra does not reach acme-extra."""
    lock = """\
        version = 1

        [[package]]
        name = "fastapi-cli"
        version = "0.0.32"
        dependencies = [
            { name = "typer" },
        ]

        [package.optional-dependencies]
        standard = [
            { name = "fastapi-cloud-cli" },
        ]

        [[package]]
        name = "fastapi-cloud-cli"
        version = "0.11.0"
        dependencies = [{ name = "fastar" }]

        [[package]]
        name = "acme-cli"
        version = "1.0"
        dependencies = [{ name = "typer" }]

        [package.optional-dependencies]
        cloud = [{ name = "acme-extra" }]
        """
    files = {
        "demo/__init__.py": "import fastapi_cli\nimport acme_cli\n",
        "uv.lock": lock,
    }
    deps = ("fastapi-cli[standard]>=0.0.32", "fastar>=0.9.0", "acme-cli", "acme-extra>=1")
    result = _run(_project(tmp_path, files, deps=deps))
    assert _findings(result) == [("acme-extra", "unused"), ("fastar", "unused-companion")]
