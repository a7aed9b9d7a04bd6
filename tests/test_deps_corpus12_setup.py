"""corpus12 coverage gap (/work/corpus12/REPORT.md, "Coverage gap, alignment-handbook"):
setup.py files that build their requirement lists from a literal ``_deps`` list through a
name -> requirement table (the Hugging Face idiom of transformers, diffusers, accelerate,
trl, alignment-handbook). The file is read statically, never run.

The reproduction, other shapes of the same idiom, and negative controls: a computed list
stays a one-line note, a truly unused table entry still fails, nothing is executed.
"""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmcore.deps.declarations_req import DeclaredSink
from pytest_llmcore.deps.declarations_setup import read_setup_py
from tests.helpers.gate_projects import gate, write_files


def _read(root: Path, setup_py: str) -> tuple[list[tuple[str, str, str, int]], list[str]]:
    (root / "setup.py").write_text(textwrap.dedent(setup_py))
    sink = DeclaredSink(root)
    read_setup_py(root / "setup.py", sink)
    rows = [(d.name, d.requirement, d.section, d.line) for d in sink.declared]
    return rows, sink.notes


# -- class: requirements picked from a `_deps` table (the Hugging Face idiom) ------------------

# alignment-handbook setup.py:43-118, shortened (the comprehension and helper are verbatim)
_HANDBOOK = """\
import re
from setuptools import find_packages, setup

_deps = [
    "accelerate>=1.9.0",
    "black>=24.4.2",
    "huggingface-hub>=0.33.4,<1.0",
    "pytest",
    "protobuf<=3.20.2",  # Needed to avoid conflicts with `transformers`
    "torch>=2.6.0",
]

deps = {b: a for a, b in (re.findall(r"^(([^!=<>~ \\[\\]]+)(?:\\[[^\\]]+\\])?(?:[!=<>~ ].*)?$)", x)[0] for x in _deps)}


def deps_list(*pkgs):
    return [deps[pkg] for pkg in pkgs]


extras = {}
extras["tests"] = deps_list("pytest")
extras["torch"] = deps_list("torch")
extras["quality"] = deps_list("black")
extras["dev"] = extras["quality"] + extras["tests"]

install_requires = [
    deps["accelerate"],
    deps["huggingface-hub"],
    deps["protobuf"],
]

setup(
    name="alignment-handbook",
    package_dir={"": "src"},
    packages=find_packages("src"),
    extras_require=extras,
    install_requires=install_requires,
)
"""  # noqa: E501


def test_handbook_deps_table_is_read(tmp_path: Path) -> None:
    rows, notes = _read(tmp_path, _HANDBOOK)
    assert notes == []
    assert rows == [
        ("pytest", "pytest", "setup.extras_require.tests", 8),
        ("torch", "torch>=2.6.0", "setup.extras_require.torch", 10),
        ("black", "black>=24.4.2", "setup.extras_require.quality", 6),
        ("black", "black>=24.4.2", "setup.extras_require.dev", 6),
        ("pytest", "pytest", "setup.extras_require.dev", 8),
        ("accelerate", "accelerate>=1.9.0", "setup.install_requires", 5),
        ("huggingface-hub", "huggingface-hub>=0.33.4,<1.0", "setup.install_requires", 7),
        ("protobuf", "protobuf<=3.20.2", "setup.install_requires", 9),
    ]


def test_handbook_shape_through_the_gate(tmp_path: Path) -> None:
    """The gate used to say "nothing to check"; now an unused table entry fails (recall)
    while the imported ones pass."""
    root = tmp_path / "p"
    root.mkdir()
    setup_py = _HANDBOOK.replace('"torch>=2.6.0",', '"torch>=2.6.0",\n    "einops>=0.8.1",')
    setup_py = setup_py.replace('deps["protobuf"],', 'deps["protobuf"],\n    deps["einops"],')
    write_files(
        root,
        {
            "src/alignment/__init__.py": "import accelerate\nimport huggingface_hub\n"
            "import google.protobuf\nimport torch\n",
            "tests/test_a.py": "import pytest\n",
            "setup.py": setup_py,
        },
    )
    assert [f for f in gate(root) if f != "black"] == ["einops"]


# transformers setup.py (v4.10): the same table, keys with extras and odd case, a marker
# appended with `+`, both branches of an `if os.name == "nt"`, `+` of extras
_TRANSFORMERS = """\
import os
import re
from setuptools import setup

_deps = [
    "Pillow",
    "dataclasses",
    "faiss-cpu",
    "datasets",
    "ray[tune]",
    "tokenizers>=0.10.1,<0.11",
    "optuna",
]
deps = {b: a for a, b in (re.findall(r"^(([^!=<>]+)(?:[!=<>].*)?$)", x)[0] for x in _deps)}


def deps_list(*pkgs):
    return [deps[pkg] for pkg in pkgs]


extras = {}
extras["vision"] = deps_list("Pillow")
if os.name == "nt":
    extras["retrieval"] = deps_list("datasets")
else:
    extras["retrieval"] = deps_list("faiss-cpu", "datasets")
extras["ray"] = deps_list("ray[tune]")
extras["integrations"] = deps_list("optuna") + extras["ray"]

install_requires = [
    deps["dataclasses"] + ";python_version<'3.7'",
    deps["tokenizers"],
]

setup(name="transformers", extras_require=extras, install_requires=list(install_requires))
"""


def test_transformers_deps_table_is_read(tmp_path: Path) -> None:
    rows, notes = _read(tmp_path, _TRANSFORMERS)
    assert notes == []
    assert rows == [
        ("Pillow", "Pillow", "setup.extras_require.vision", 6),
        ("faiss-cpu", "faiss-cpu", "setup.extras_require.retrieval", 8),
        ("datasets", "datasets", "setup.extras_require.retrieval", 9),
        ("ray", "ray[tune]", "setup.extras_require.ray", 10),
        ("optuna", "optuna", "setup.extras_require.integrations", 12),
        ("ray", "ray[tune]", "setup.extras_require.integrations", 10),
        ("dataclasses", "dataclasses;python_version<'3.7'", "setup.install_requires", 7),
        ("tokenizers", "tokenizers>=0.10.1,<0.11", "setup.install_requires", 11),
    ]


def test_table_built_by_loop_and_list_helper(tmp_path: Path) -> None:
    """Other shapes: the table filled by a loop, a helper taking one list, a tuple source."""
    rows, notes = _read(
        tmp_path,
        """\
        import re
        from setuptools import setup
        _deps = ("numpy>=1.24", "rich==13.0 ; python_version>='3.8'", "Jinja2")
        deps = {}
        for spec in _deps:
            deps[re.split(r"[<>=!~ ;]", spec)[0]] = spec
        def pick(names):
            \"\"\"Requirements by name.\"\"\"
            return [deps[n] for n in names]
        setup(install_requires=pick(["numpy", "rich"]), extras_require={"t": [deps["Jinja2"]]})
        """,
    )
    assert notes == []
    assert rows == [
        ("numpy", "numpy>=1.24", "setup.install_requires", 3),
        ("rich", "rich==13.0 ; python_version>='3.8'", "setup.install_requires", 3),
        ("Jinja2", "Jinja2", "setup.extras_require.t", 3),
    ]


def test_missing_key_is_a_note_not_a_guess(tmp_path: Path) -> None:
    """A key the table lacks (setup.py would raise KeyError) is noted, never invented."""
    rows, notes = _read(
        tmp_path,
        """\
        from setuptools import setup
        _deps = ["numpy>=1"]
        deps = {n: s for s, n in ((x, x.split(">")[0]) for x in _deps)}
        def deps_list(*pkgs):
            return [deps[pkg] for pkg in pkgs]
        setup(install_requires=deps_list("numpy", "scipy"))
        """,
    )
    assert rows == [("numpy", "numpy>=1", "setup.install_requires", 2)]
    assert notes == ["setup.py:6: an entry of setup.install_requires is computed; not read"]


_NAMES = st.lists(
    st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?", fullmatch=True),
    min_size=1,
    max_size=6,
    unique=True,
)
_SPECS = st.sampled_from(["", ">=1.0", "==2.3.1", "<3,>=1", "!=0.9", "~=1.4", "[extra]>=2"])


@settings(max_examples=30, deadline=None)
@given(names=_NAMES, data=st.data())
def test_every_picked_entry_is_declared_at_its_line(names: list[str], data: st.DataObject) -> None:
    """Whatever the names and specs, picking entries by name declares exactly those
    requirement strings, in pick order, each at its own line of ``_deps``."""
    specs = [data.draw(_SPECS) for _ in names]
    picks = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=4))
    entries = "".join(f'    "{n}{s}",\n' for n, s in zip(names, specs, strict=True))
    text = (
        "import re\nfrom setuptools import setup\n_deps = [\n" + entries + "]\n"
        'deps = {b: a for a, b in (re.findall(r"^(([^!=<>~ ]+)(?:[!=<>~ ].*)?$)", x)[0] '
        "for x in _deps)}\n"
        "def deps_list(*pkgs):\n    return [deps[pkg] for pkg in pkgs]\n"
        f"setup(install_requires=deps_list({', '.join(repr(p) for p in picks)}))\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "setup.py").write_text(text)
        sink = DeclaredSink(Path(tmp))
        read_setup_py(Path(tmp) / "setup.py", sink)
    at = {n: (f"{n}{s}", 4 + i) for i, (n, s) in enumerate(zip(names, specs, strict=True))}
    assert sink.notes == []
    assert [(d.requirement, d.line) for d in sink.declared] == [at[p] for p in picks]


# -- negative controls: computed lists stay notes; nothing runs ------------------------------


def test_computed_deps_list_stays_a_note(tmp_path: Path) -> None:
    rows, notes = _read(
        tmp_path,
        """\
        import re
        from setuptools import setup
        _deps = open("requirements.txt").read().splitlines()
        deps = {b: a for a, b in (re.findall(r"^(([^!=<>]+)(?:[!=<>].*)?$)", x)[0] for x in _deps)}
        def deps_list(*pkgs):
            return [deps[pkg] for pkg in pkgs]
        setup(install_requires=[deps["numpy"]], extras_require={"t": deps_list("pytest")})
        """,
    )
    assert rows == []
    assert notes == [
        "setup.py:7: an entry of setup.install_requires is computed; not read",
        "setup.py:7: setup.extras_require.t is computed, not a literal; not read "
        "(declare with a requirements file or pyproject.toml to have it checked)",
    ]


def test_other_helpers_are_not_pickers(tmp_path: Path) -> None:
    """A helper doing anything but picking table entries (here: filtering) is not followed."""
    rows, notes = _read(
        tmp_path,
        """\
        from setuptools import setup
        _deps = ["numpy>=1", "torch"]
        deps = {x.split(">")[0]: x for x in _deps}
        def deps_list(*pkgs):
            return [deps[p] for p in pkgs if p != "torch"]
        setup(install_requires=deps_list("numpy", "torch"))
        """,
    )
    assert rows == []
    assert notes == [
        "setup.py:6: setup.install_requires is computed, not a literal; not read "
        "(declare with a requirements file or pyproject.toml to have it checked)"
    ]


def test_setup_py_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    rows, _ = _read(
        tmp_path,
        f"""\
        from setuptools import setup
        _deps = ["numpy>=1"]
        deps = {{x.split(">")[0]: x for x in _deps}}
        def deps_list(*pkgs):
            return [deps[p] for p in pkgs]
        open({str(marker)!r}, "w").write("x")
        setup(install_requires=deps_list("numpy"))
        """,
    )
    assert rows == [("numpy", "numpy>=1", "setup.install_requires", 2)]
    assert not marker.exists()


# -- class: a stray subfolder requirements file vouching for a root pin (llama-models jinja2) --

_JINJA_PKG = {"demo/__init__.py": "import flask\nimport requests\n"}


def _llama_models(root: Path, stray: str, main: tuple[str, ...] = ()) -> Path:
    """The shape of llama-models pyproject.toml:16 ``jinja2>=3.1.6`` (main), :44 ``torch``
    (the `torch` extra), models/llama3/requirements.txt:6 ``torch`` (nothing installs from
    it), with flask as the requirer: the built-in table knows flask requires jinja2, so the
    answer is the same whether or not this environment has the requirer installed."""
    deps = ", ".join(f'"{d}"' for d in ("jinja2>=3.1.6", "requests", *main))
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = [{deps}]\n'
        '[project.optional-dependencies]\nweb = ["flask"]\n'
    )
    write_files(
        root, {**_JINJA_PKG, **({"models/llama3/requirements.txt": stray} if stray else {})}
    )
    return root


def test_subfolder_requirer_does_not_vouch_for_main_pin(tmp_path: Path) -> None:
    assert gate(_llama_models(tmp_path, "jinja2\nflask\n")) == ["jinja2"]


def test_requirer_only_in_an_extra_does_not_vouch_for_main_pin(tmp_path: Path) -> None:
    """The same decision without the stray file (it was the only thing that differed)."""
    assert gate(_llama_models(tmp_path, "")) == ["jinja2"]


def test_main_requirer_still_vouches_for_main_pin(tmp_path: Path) -> None:
    """Negative control of the fix: the requirer among the main dependencies keeps the pin
    a non-failing unused-companion, stray file or not."""
    assert gate(_llama_models(tmp_path, "flask\n", main=("flask",))) == []


def test_root_requirements_file_still_vouches(tmp_path: Path) -> None:
    """A root requirements.txt (unknown scope, but installed) still serves the pin."""
    root = _llama_models(tmp_path, "")
    (root / "requirements.txt").write_text("flask\n")
    assert gate(root) == []


def test_inline_pick_at_module_level(tmp_path: Path) -> None:
    """``[deps[x] for x in (...)]`` without a helper picks the same way; a filtered one
    (an ``if``) is computed and stays a note."""
    rows, notes = _read(
        tmp_path,
        """\
        from setuptools import setup
        _deps = ["numpy>=1", "torch==2.1"]
        deps = {x.split("=")[0].split(">")[0]: x for x in _deps}
        core = [deps[n] for n in ("numpy", "torch")]
        rest = [deps[n] for n in ("numpy",) if n]
        setup(install_requires=core, extras_require={"r": rest})
        """,
    )
    assert rows == [
        ("numpy", "numpy>=1", "setup.install_requires", 2),
        ("torch", "torch==2.1", "setup.install_requires", 2),
    ]
    assert notes == [
        "setup.py:6: setup.extras_require.r is computed, not a literal; not read "
        "(declare with a requirements file or pyproject.toml to have it checked)"
    ]
