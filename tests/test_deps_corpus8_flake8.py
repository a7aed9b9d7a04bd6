"""corpus8 classes 1 and 2: flake8 plugins credited by flake8 runs, and exact pins of a
transitive requirement (benchmarks/real_projects.toml: alembic, celery).

Class 1 (alembic flake8-builtins, flake8-import-order, flake8-import-single,
flake8-rst-docstrings; celery flake8-docstrings): a flake8 plugin is used when the project
runs flake8 and the plugin's codes are not all ignored; alembic's flake8-docstrings, whose
every code ``D`` setup.cfg ignores, stays unused. Class 2 (celery ``pydocstyle==6.3.0``
beside flake8-docstrings, ``grpcio==1.78.0`` beside google-cloud-firestore): an exact pin of
what a declared distribution requires is an ``unused-companion``, not a failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.flake8_plugin_table import FLAKE8_PLUGINS, Flake8Plugin
from pytest_llmcore.deps.flake8_plugins import (
    Flake8Config,
    Setting,
    active_codes,
    plugin_info,
    read_flake8_config,
)
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import Kind
from tests.helpers.gate_projects import PKG, WORKFLOW_HEAD
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project

# -- class 1: flake8 plugins are used when flake8 runs ----------------------------------------

_NOX = """\
import nox


@nox.session(name="pep8")
def lint(session):
    session.install("flake8")
    session.run("flake8", "./demo/")
"""

_ALEMBIC_CFG = """\
[flake8]
enable-extensions = G
ignore =
    A003,A005
    D,
    E203,E305,
    I300,
    RST304,RST303,RST299,RST399,
    W503,W504
import-order-style = google
application-import-names = demo,tests
max-line-length = 79
"""

_ALEMBIC_LINT = (
    "flake8",
    "flake8-import-order>=0.19.2",
    "flake8-import-single==0.1.5",
    "flake8-builtins",
    "flake8-docstrings",
    "flake8-rst-docstrings",
)


def _used_by(root: Path, dist: str) -> str:
    return run_gate(root, use_cache=False).used_by[dist][0].text


def test_alembic_plugins_run_by_nox_flake8(tmp_path: Path) -> None:
    """alembic: noxfile.py:228 session.run("flake8"), setup.cfg [flake8]; every plugin is
    used except flake8-docstrings, whose whole prefix ``D`` is ignored."""
    files = {**PKG, "noxfile.py": _NOX, "setup.cfg": _ALEMBIC_CFG}
    root = _project(tmp_path, files, deps=("requests",), dev=_ALEMBIC_LINT)
    assert _gate(root) == ["flake8-docstrings"]
    assert _used_by(root, "flake8-builtins") == (
        "flake8 plugin: flake8 runs at noxfile.py:7 (codes A00 active; the built-in flake8 "
        "plugin table)"
    )
    assert _used_by(root, "flake8-import-order") == (
        "flake8 plugin: flake8 runs at noxfile.py:7 (codes I100, I101, I201, I202 active; "
        "its option `application-import-names` set at setup.cfg:11; the built-in flake8 "
        "plugin table)"
    )


_CELERY_MAKE = """\
PROJ=demo
FLAKE8=flake8

lint: flakecheck

flakecheck:
\t$(FLAKE8) "$(PROJ)"
"""

_CELERY_CFG = """\
[flake8]
max-line-length = 117
extend-ignore =
    # incompatible with black
    E203,
    # Missing docstring in public method
    D102,
    D104,
per-file-ignores =
   t/*,setup.py:
       D,
"""


def test_celery_docstrings_run_by_makefile_variable(tmp_path: Path) -> None:
    """celery: Makefile:95 `$(FLAKE8) ...` (FLAKE8=flake8); narrower D codes ignored and
    ``D,`` only per file: the other D codes are active."""
    files = {**PKG, "Makefile": _CELERY_MAKE, "setup.cfg": _CELERY_CFG}
    root = _project(tmp_path, files, deps=("requests",), dev=("flake8", "flake8-docstrings"))
    assert _gate(root) == []
    assert _used_by(root, "flake8-docstrings") == (
        "flake8 plugin: flake8 runs at Makefile:7 (codes D active; the built-in flake8 "
        "plugin table)"
    )


def test_tox_lint_env_runs_bugbear_and_naming(tmp_path: Path) -> None:
    tox = "[tox]\nenvlist = lint\n\n[testenv:lint]\ncommands = flake8 demo\n\n[flake8]\n"
    tox += "extend-ignore = B008,N802\n"
    files = {**PKG, "tox.ini": tox}
    root = _project(tmp_path, files, deps=("requests",), dev=("flake8-bugbear", "pep8-naming"))
    assert _gate(root) == []


def test_python_m_flake8_in_workflow_with_dot_flake8(tmp_path: Path) -> None:
    files = {
        **PKG,
        ".flake8": "[flake8]\nmax-line-length = 100\n",
        ".github/workflows/lint.yml": WORKFLOW_HEAD + "      - run: python -m flake8 demo\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("flake8-comprehensions",))
    assert _gate(root) == []
    assert _used_by(root, "flake8-comprehensions").startswith(
        "flake8 plugin: flake8 runs at .github/workflows/lint.yml:6 (codes C4 active"
    )


def test_explicit_select_leaves_out_a_plugin(tmp_path: Path) -> None:
    """``select = E,W,F`` reports only those codes: bugbear's B codes are off."""
    files = {
        **PKG,
        ".flake8": "[flake8]\nselect = E,W,F\n",
        ".github/workflows/lint.yml": WORKFLOW_HEAD + "      - run: flake8 demo\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("flake8-bugbear",))
    assert _gate(root) == ["flake8-bugbear"]
    (root / ".flake8").write_text("[flake8]\nselect = E,W,F\nextend-select = B9\n")
    assert _gate(root) == []


def test_command_line_ignore_disables_a_plugin(tmp_path: Path) -> None:
    run = "      - run: flake8 --extend-ignore=B,E501 demo\n"
    files = {**PKG, ".github/workflows/lint.yml": WORKFLOW_HEAD + run}
    root = _project(tmp_path, files, deps=("requests",), dev=("flake8-bugbear", "flake8-print"))
    assert _gate(root) == ["flake8-bugbear"]


_HOOK = """\
repos:
-   repo: https://github.com/pycqa/flake8
    rev: 7.2.0
    hooks:
    -   id: flake8
        additional_dependencies:
          - flake8-builtins>=2
"""


def test_pre_commit_hook_installs_the_plugin(tmp_path: Path) -> None:
    """The hook's own environment runs the plugins it lists; another declared plugin is
    not run by it (no other flake8 run): still unused."""
    files = {**PKG, ".pre-commit-config.yaml": _HOOK}
    root = _project(tmp_path, files, deps=("requests",), dev=("flake8-builtins", "flake8-pyi"))
    assert _gate(root) == ["flake8-pyi"]
    assert _used_by(root, "flake8-builtins") == (
        "flake8 plugin: the flake8 pre-commit hook at .pre-commit-config.yaml:5 installs it "
        "(codes A00 active; the built-in flake8 plugin table)"
    )


def test_plugin_option_in_config_without_a_run(tmp_path: Path) -> None:
    files = {**PKG, "setup.cfg": "[flake8]\nimport-order-style = google\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("flake8-import-order",))
    assert _gate(root) == []
    assert _used_by(root, "flake8-import-order") == (
        "flake8 plugin: its option `import-order-style` is set at setup.cfg:2; the built-in "
        "flake8 plugin table"
    )


def test_plugin_with_no_run_and_no_config_stays_unused(tmp_path: Path) -> None:
    """Negative control: declared, never run, nothing configured."""
    root = _project(tmp_path, dict(PKG), deps=("requests",), dev=("flake8-bugbear",))
    assert _gate(root) == ["flake8-bugbear"]


def test_off_by_default_plugins_need_enabling(tmp_path: Path) -> None:
    """flake8-logging-format reports only with ``enable-extensions = G``; mccabe only with
    ``max-complexity``."""
    files = {
        **PKG,
        "setup.cfg": "[flake8]\nmax-line-length = 100\n",
        ".github/workflows/lint.yml": WORKFLOW_HEAD + "      - run: flake8 demo\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("flake8-logging-format", "mccabe"))
    assert _gate(root) == ["flake8-logging-format", "mccabe"]
    (root / "setup.cfg").write_text("[flake8]\nenable-extensions = G\nmax-complexity = 12\n")
    assert _gate(root) == []


def test_pyproject_flake8_table_and_pflake8(tmp_path: Path) -> None:
    files = {**PKG, "Makefile": "lint:\n\tpflake8 demo\n"}
    toml = '[tool.flake8]\nextend-ignore = ["SIM"]\n'
    root = _project(
        tmp_path,
        files,
        deps=("requests",),
        dev=("pyproject-flake8", "flake8-simplify", "flake8-pytest-style"),
        extra_toml=toml,
    )
    assert _gate(root) == ["flake8-simplify"]


def _fake_plugin(site: Path, name: str, entry_points: str) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)
    (info / "RECORD").write_text("")


def test_installed_plugin_codes_from_its_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plugin not named flake8-* and not in the table: its entry point names its codes."""
    site = tmp_path / "site"
    _fake_plugin(site, "zzq_lintplug", "[flake8.extension]\nZQ1 = zzq_lintplug:Checker\n")
    monkeypatch.syspath_prepend(str(site))
    root = tmp_path / "p"
    root.mkdir()
    files = {**PKG, ".github/workflows/lint.yml": WORKFLOW_HEAD + "      - run: flake8 demo\n"}
    _project(root, files, deps=("requests",), dev=("zzq-lintplug",))
    assert _gate(root) == []
    assert _used_by(root, "zzq-lintplug") == (
        "flake8 plugin: flake8 runs at .github/workflows/lint.yml:6 (codes ZQ1 active; "
        "its flake8 entry points)"
    )
    (root / "tox.ini").write_text("[flake8]\nignore = ZQ\n")
    assert _gate(root) == ["zzq-lintplug"]


def test_report_plugin_used_by_its_format(tmp_path: Path) -> None:
    files = {
        **PKG,
        ".flake8": "[flake8]\nformat = html\nhtmldir = flake-report\n",
        ".github/workflows/lint.yml": WORKFLOW_HEAD + "      - run: flake8 demo\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("flake8-html", "flake8-json"))
    assert _gate(root) == ["flake8-json"]
    assert _used_by(root, "flake8-html") == (
        "flake8 plugin: flake8 runs at .github/workflows/lint.yml:6 (report format 'html' "
        "set at .flake8:2; the built-in flake8 plugin table)"
    )


def test_unknown_flake8_name_needs_a_run(tmp_path: Path) -> None:
    """A flake8-* name neither installed nor in the table: its codes cannot be known, so a
    flake8 run counts; without one it stays unused."""
    root = _project(tmp_path, dict(PKG), deps=("requests",), dev=("flake8-zzq-unknown",))
    assert _gate(root) == ["flake8-zzq-unknown"]
    (root / "tox.ini").write_text("[testenv:lint]\ncommands = flake8 demo\n")
    assert _used_by(root, "flake8-zzq-unknown") == (
        "flake8 plugin: flake8 runs at tox.ini:2 (a flake8-* name, neither installed nor in "
        "the built-in table: assumed active)"
    )


def test_flake8_itself_is_no_plugin() -> None:
    """flake8's own checks are entry points too; flake8 is credited as a command."""
    own = Flake8Plugin(codes=frozenset({"E", "F", "W"}))
    assert plugin_info("flake8", lambda _: own) == (None, "")
    assert plugin_info("flake8-bugbear", lambda _: None)[1] == "the built-in flake8 plugin table"


def test_celery_config_reader_skips_comment_lines() -> None:
    texts = {"setup.cfg": "[metadata]\nname = x\n", "tox.ini": _CELERY_CFG}
    config = read_flake8_config(texts.get, None)
    assert config.codes("extend-ignore") == ["E203", "D102", "D104"]
    assert config.settings["extend-ignore"].at == "tox.ini:3"
    assert "t/*" not in config.codes("per-file-ignores")


_PREFIX = st.from_regex(r"[A-Z]{1,3}[0-9]{0,2}", fullmatch=True)


@given(prefix=_PREFIX, more=st.from_regex(r"[0-9]", fullmatch=True))
def test_ignore_rule_longest_match(prefix: str, more: str) -> None:
    """An ignore entry the prefix starts with disables it; a narrower one does not; a
    longer selection wins over a shorter ignore (flake8's decision engine)."""
    plugin = Flake8Plugin(codes=frozenset({prefix}))

    def cfg(**kw: str) -> Flake8Config:
        return Flake8Config({k.replace("_", "-"): Setting(v, "x:1") for k, v in kw.items()})

    assert active_codes(plugin, cfg()) == [prefix]
    assert active_codes(plugin, cfg(ignore=f"E501,{prefix}")) == []
    assert active_codes(plugin, cfg(extend_ignore=prefix[0])) == []
    assert active_codes(plugin, cfg(ignore=prefix + more)) == [prefix]
    assert active_codes(plugin, cfg(ignore=prefix, extend_select=prefix + more)) == [prefix]
    assert active_codes(plugin, cfg(select="E,W,F" if prefix[0] not in "EWF" else "Q")) == []


def test_table_prefixes_are_flake8_codes() -> None:
    """Every code prefix of the table is one flake8 accepts."""
    import re

    bad = [
        (dist, code)
        for dist, plugin in FLAKE8_PLUGINS.items()
        for code in plugin.codes
        if not re.fullmatch(r"[A-Z]{1,3}[0-9]{0,3}", code)
    ]
    assert bad == []


# -- class 2: exact pins of a transitive requirement ------------------------------------------


def _kinds(root: Path) -> dict[str, Kind]:
    return {f.dependency: f.kind for f in run_gate(root, use_cache=False).findings}


def test_celery_pydocstyle_pin_beside_flake8_docstrings(tmp_path: Path) -> None:
    files = {**PKG, "Makefile": _CELERY_MAKE, "setup.cfg": _CELERY_CFG}
    dev = ("flake8", "flake8-docstrings>=1.7.0", "pydocstyle==6.3.0")
    root = _project(tmp_path, files, deps=("requests",), dev=dev)
    assert _gate(root) == []
    assert _kinds(root)["pydocstyle"] is Kind.COMPANION


def test_celery_grpcio_pin_beside_firestore(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "from google.cloud import firestore\n"}
    deps = ("google-cloud-firestore==2.23.0", "grpcio==1.78.0")
    root = _project(tmp_path, files, deps=deps)
    assert _gate(root) == []
    assert _kinds(root)["grpcio"] is Kind.COMPANION


def test_grpcio_pin_beside_pubsub(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "from google.cloud import pubsub_v1\n"}
    root = _project(tmp_path, files, deps=("google-cloud-pubsub>=2", "grpcio>=1.60,<1.70"))
    assert _gate(root) == []


def test_pyflakes_pin_beside_flake8(tmp_path: Path) -> None:
    files = {**PKG, ".flake8": "[flake8]\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("flake8", "pyflakes==3.2.0"))
    assert _gate(root) == []


def test_alembic_unpinned_pydocstyle_stays_unused(tmp_path: Path) -> None:
    """Negative control (alembic): unpinned, so it constrains nothing; and every D code is
    ignored, so flake8-docstrings is unused too."""
    files = {**PKG, "noxfile.py": _NOX, "setup.cfg": _ALEMBIC_CFG}
    dev = ("flake8", "flake8-docstrings", "pydocstyle")
    root = _project(tmp_path, files, deps=("requests",), dev=dev)
    assert _gate(root) == ["flake8-docstrings", "pydocstyle"]


def test_grpcio_pin_beside_an_http_only_client_stays_unused(tmp_path: Path) -> None:
    """Negative control: google-cloud-storage speaks HTTP; nothing declared needs grpcio."""
    files = {"demo/__init__.py": "from google.cloud import storage\n"}
    root = _project(tmp_path, files, deps=("google-cloud-storage>=2.10", "grpcio==1.78.0"))
    assert _gate(root) == ["grpcio"]
