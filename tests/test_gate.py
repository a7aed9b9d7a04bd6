"""The gate end to end on fixture projects: each use form, each finding kind, bad input."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_llmcore.core.errors import InputError
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import GateResult, Kind
from pytest_llmcore.deps.settings import load_settings

MakeProject = Callable[[str], Path]


def _kinds(result: GateResult) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in result.findings:
        out.setdefault(f.kind.value, set()).add(f.dependency)
    return out


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, body in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            p.write_bytes(body)
        else:
            p.write_text(body)
    return root


def test_seed_project_fails_on_exactly_torchvision(project: MakeProject) -> None:
    root = project("llm-runtime-core")
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == ["torchvision"]
    f = result.failing[0]
    assert f.code == "LLMD002" and f.declared_in == "pyproject.toml:16"
    assert "never imported" in f.message()
    assert result.used_by["openai-whisper"][0].text.startswith(
        "imported at llm_runtime_core/audio.py"
    )


def test_every_use_form(project: MakeProject) -> None:
    root = project("deps/uses")
    result = run_gate(
        root, load_settings(root).with_overrides(fail_on=frozenset(Kind)), use_cache=False
    )
    kinds = _kinds(result)
    assert kinds["unused"] == {"tiktoken", "loguru", "google-cloud-bigquery", "black"}
    assert kinds["missing"] == {"httpx", "simplejson"}
    assert kinds["transitive"] == {"iniconfig"}
    assert kinds["misplaced-dev"] == {"typing-extensions"}
    used = result.used_by
    assert (
        used["pandas"][0].text == "imported at app/core.py:15"
    )  # TYPE_CHECKING + string annotation
    assert used["typer"][0].text == "imported at app/core.py:16"
    assert used["orjson"][0].text == "imported at app/core.py:19"  # try/except ImportError
    assert used["openai-whisper"][0].text == "imported at app/core.py:24"  # import_module, assigned
    assert used["ujson"][0].text == "imported at app/core.py:23"  # bare __import__
    assert used["rich"][0].text == "imported at app/__init__.py:3"  # re-export in __init__
    assert used["msgpack"][0].text == "imported at app/wire.py:1"  # __all__
    assert used["attrs"][0].text == "imported at app/core.py:10"  # `import x as x`
    assert used["torchvision"][0].text == "imported at app/core.py:9"  # side-effect import marker
    assert used["requests"][0].text == "imported at explore.ipynb (cell 1, line 2)"
    assert used["uvicorn"][0].text == "imported at pyproject.toml (entry point 'uses-serve')"
    assert used["types-PyYAML"][0].text == (
        "type stubs for pyyaml, imported as yaml in app/config.py, which mypy checks "
        "(the mypy command lines)"
    )
    assert used["mypy"][0].text == "run as `mypy` in .pre-commit-config.yaml:6"
    assert used["coverage"][0].text == "configured in pyproject.toml [tool.coverage]"
    assert "pytest plugin" in used["pytest-timeout"][0].text
    dead = next(f for f in result.findings if f.dependency == "loguru")
    assert dead.evidence[0].text == "imported at app/core.py:8 but the name 'loguru' is never used"
    assert any("app/legacy.py: not valid Python 3" in n for n in result.notes)


def test_only_unused_fails_by_default(project: MakeProject) -> None:
    root = project("deps/uses")
    result = run_gate(root, use_cache=False)
    assert {f.kind for f in result.failing} == {Kind.UNUSED}
    assert len(result.findings) > len(result.failing)


def test_declaration_formats_gate(project: MakeProject) -> None:
    poetry = _kinds(run_gate(project("deps/poetry"), use_cache=False))
    assert poetry["unused"] == {"Pillow", "black", "pytest"}  # no tests, no config
    pep735 = run_gate(project("deps/pep735"), use_cache=False)
    assert _kinds(pep735)["unused"] == {"beautifulsoup4", "hypothesis", "ipython", "pytest"}
    assert pep735.used_by["ruff"][0].text == "run as `ruff` in Makefile:2"
    assert pep735.used_by["opencv-python-headless"][0].text == "imported at groups_app/core.py:10"
    reqs = run_gate(project("deps/requirements"), use_cache=False)
    assert _kinds(reqs)["unused"] == {"tiktoken", "pytest-xdist"}  # no -n, no worker_id
    assert reqs.used_by["types-python-dateutil"][0].text.startswith(
        "type stubs for python-dateutil"
    )
    cfg = _kinds(run_gate(project("deps/setupcfg"), use_cache=False))
    assert cfg["unused"] == {"rich", "tiktoken"}
    pdm = run_gate(project("deps/pdm-uv"), use_cache=False)
    assert not pdm.failing, [f.message() for f in pdm.failing]


def test_gitignore_and_configured_excludes(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname="p"\nversion="1"\ndependencies=["tiktoken","rich"]\n'
            '[tool.llmcore.deps]\nexclude=["vendor/*.py"]\n',
            ".gitignore": "generated/\n*.tmp.py\n!keep.tmp.py\n",
            "generated/a.py": "import tiktoken\ntiktoken.x\n",
            "b.tmp.py": "import tiktoken\ntiktoken.x\n",
            "vendor/c.py": "import rich\nrich.x\n",
            "keep.tmp.py": "import rich\nrich.x\n",
        },
    )
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == ["tiktoken"]
    assert result.used_by["rich"][0].text == "imported at keep.tmp.py:1"


def test_nested_projects_are_not_scanned(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname="p"\nversion="1"\ndependencies=["rich"]\n',
            "p.py": "import rich\nrich.print()\n",
            "examples/other/pyproject.toml": '[project]\nname="other"\nversion="1"\n',
            "examples/other/o.py": "import httpx\nhttpx.get\n",
        },
    )
    result = run_gate(
        root, load_settings(root).with_overrides(fail_on=frozenset(Kind)), use_cache=False
    )
    assert not result.findings
    assert "examples/other: a project of its own" in " ".join(result.notes)


def test_ignore_needs_a_reason_and_is_reported(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname="p"\nversion="1"\ndependencies=["torchvision"]\n'
            '[tool.llmcore.deps]\nignore={torchvision="loaded by torch.hub plugins"}\n',
        },
    )
    result = run_gate(root, use_cache=False)
    assert not result.failed
    assert result.findings[0].ignored_reason == "loaded by torch.hub plugins"
    (root / "pyproject.toml").write_text(
        '[project]\nname="p"\nversion="1"\n[tool.llmcore.deps]\nignore={torchvision=""}\n'
    )
    with pytest.raises(InputError, match="reason"):
        run_gate(root, use_cache=False)


def test_user_module_map(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname="p"\nversion="1"\ndependencies=["acme-sdk"]\n'
            '[tool.llmcore.deps]\nmap={acme-sdk=["acme"]}\n',
            "p.py": "import acme\nacme.run()\n",
        },
    )
    assert not run_gate(root, use_cache=False).findings


def test_builtin_table_without_installed_metadata(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname="p"\nversion="1"\ndependencies=['
            '"llama-cpp-python","openai-whisper","nvidia-ml-py","pillow","scikit-learn","pyyaml",'
            '"opencv-python-headless","beautifulsoup4","python-dateutil","protobuf","attrs",'
            '"google-cloud-storage"]\n',
            "p.py": "import llama_cpp, whisper, pynvml, PIL, sklearn, yaml, cv2, bs4, dateutil\n"
            "from google.protobuf import json_format\nimport attr\n"
            "from google.cloud import storage\n"
            "print(llama_cpp, whisper, pynvml, PIL, sklearn, yaml, cv2, bs4, dateutil, json_format,"
            " attr, storage)\n",
        },
    )
    result = run_gate(root, use_cache=False)
    assert not result.findings, [f.message() for f in result.findings]


def test_bad_input_gives_notes_and_a_result(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname="p"\nversion="1"\n'
            'dependencies=["rich","tiktoken"]\n',
            "ok.py": "import rich\nrich.print()\n",
            "syntax.py": "import tiktoken\ndef broken(:\n",
            "latin.py": b"# no coding cookie\nname = '\xe9t\xe9'\nimport tiktoken\n",
            "binary.py": b"\x00\x01\x02import tiktoken",
            "nb.ipynb": "{ not json",
            "huge.py": "import tiktoken\n" + "x = 1\n" * 10,
        },
    )
    (root / "loop").mkdir()
    os.symlink(root, root / "loop" / "again")
    result = run_gate(root, load_settings(root).with_overrides(max_file_size=50), use_cache=False)
    notes = "\n".join(result.notes)
    assert "syntax.py: not valid Python 3" in notes
    assert "latin.py: not UTF-8" in notes
    assert "binary.py: binary file; skipped" in notes
    assert "nb.ipynb: not a JSON notebook" in notes
    assert "huge.py:" in notes and "over max-file-size" in notes
    assert "symlink loop" in notes
    # the syntax-error file still counts: its import is read lexically
    assert not result.failed


def test_empty_project(tmp_path: Path) -> None:
    result = run_gate(tmp_path, use_cache=False)
    assert not result.failed and "nothing to check" in result.notes[0]


def test_missing_project_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such project directory"):
        run_gate(tmp_path / "nope")


def test_warm_cache_gives_the_same_result_and_notices_changes(
    project: MakeProject, tmp_path: Path
) -> None:
    root = project("deps/uses")
    cache = tmp_path / "cache"
    cold = run_gate(root, cache_dir=cache)
    assert (cache / "imports.json").is_file()
    warm = run_gate(root, cache_dir=cache)
    assert [f.to_json() for f in warm.findings] == [f.to_json() for f in cold.findings]
    core = root / "app" / "core.py"
    core.write_text(core.read_text() + "\nprint(tiktoken.encoding_for_model)\n")
    changed = run_gate(root, cache_dir=cache)
    assert "tiktoken" not in {f.dependency for f in changed.findings}
