"""False `unused` findings of corpus10 (benchmarks/real_projects.toml, /work/corpus10/REPORT.md)
fixed by reading more names: optional backends of a used library (class B), zensical.toml,
the mkdocs successor's config (class C), and a guessed module whose real name shows up in a
Sphinx ``extensions`` list or as a program CI runs (class D).

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail as unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.doczensical import read_zensical
from pytest_llmcore.deps.gate import run_gate
from tests.helpers.gate_projects import PKG, WORKFLOW_HEAD
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project
from tests.helpers.gate_projects import unused_kinds as _kinds
from tests.helpers.gate_projects import why as _why


def _finding_text(root: Path, dist: str) -> str:
    result = run_gate(root, use_cache=False)
    found = next(f for f in result.findings if f.dependency == dist)
    return found.evidence[-1].text


# -- class C: zensical.toml, read like mkdocs.yml -------------------------------------------

# llm-compressor zensical.toml:70-117 (abridged), built by .readthedocs.yaml:13 `zensical build`
_ZENSICAL = """\
[project]
site_name = "Docs"

[project.theme]
variant = "classic"

[project.markdown_extensions.abbr]
[project.markdown_extensions.admonition]
[project.markdown_extensions.toc]
toc_depth = 3

[project.markdown_extensions.pymdownx.betterem]
[project.markdown_extensions.pymdownx.blocks.caption]

[project.markdown_extensions.pymdownx.superfences]
custom_fences = [
    { name = "mermaid", class = "mermaid", format = "pymdownx.superfences.fence_code_format" },
]

[project.plugins.mkdocstrings]
default_handler = "python"

[project.plugins.mkdocstrings.handlers.python.options]
separate_signature = true
"""


def test_zensical_toml_extensions_use_markdown_and_pymdown(tmp_path: Path) -> None:
    deps = ("requests", "markdown", "pymdown-extensions", "zensical", "mkdocstrings-python")
    root = _project(tmp_path, {**PKG, "zensical.toml": _ZENSICAL}, dev=deps)
    assert _gate(root) == []
    assert _why(root, "markdown") == (
        "loaded by the docs build: zensical.toml markdown extension 'abbr' (zensical.toml:7)"
    )
    assert _why(root, "pymdown-extensions") == (
        "loaded by the docs build: zensical.toml markdown extension 'pymdownx.betterem' "
        "(zensical.toml:12)"
    )
    assert _why(root, "zensical") == "configured by zensical.toml"
    assert _why(root, "mkdocstrings-python") == (
        "loaded by the docs build: mkdocstrings handler 'python' (zensical.toml:20)"
    )


@pytest.mark.parametrize(
    ("config", "dist", "why"),
    [
        # the list form, with a quoted dotted key
        (
            '[project]\nsite_name = "D"\nmarkdown_extensions = ["tables", '
            '{ "pymdownx.tabbed" = { alternate_style = true } }]\n',
            "pymdown-extensions",
            "zensical.toml markdown extension 'pymdownx.tabbed' (zensical.toml:3)",
        ),
        # no [project] table: zensical reads the top level
        (
            'site_name = "D"\n[markdown_extensions.codehilite]\n',
            "markdown",
            "zensical.toml markdown extension 'codehilite' (zensical.toml:2)",
        ),
        # a function zensical resolves by its dotted name: the emoji index
        (
            '[project]\nsite_name = "D"\n[project.markdown_extensions.toc]\n'
            "[project.markdown_extensions.pymdownx.emoji]\n"
            'emoji_index = "material.extensions.emoji.twemoji"\n',
            "mkdocs-material",
            "zensical.toml resolves 'material.extensions.emoji.twemoji' (zensical.toml:5)",
        ),
    ],
)
def test_zensical_toml_other_shapes(tmp_path: Path, config: str, dist: str, why: str) -> None:
    root = _project(tmp_path, {**PKG, "zensical.toml": config}, dev=(dist,), deps=("requests",))
    assert _gate(root) == []
    assert _why(root, dist) == f"loaded by the docs build: {why}"


_EXT_NAME = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: n not in ("blocks", "extensions")
)


@given(
    names=st.lists(_EXT_NAME, min_size=1, max_size=6, unique=True),
    table=st.sampled_from(["pymdownx", "zensical", "acme"]),
    blank=st.integers(min_value=0, max_value=2),
)
def test_zensical_extension_tables_give_names_and_lines(
    names: list[str], table: str, blank: int
) -> None:
    """Every ``[project.markdown_extensions.T.N]`` table is extension ``T.N`` (hoisted back
    for pymdownx and zensical) on its header's line; another dotted table ``acme`` is the
    extension ``acme`` itself, whose options the sub-tables are."""
    lines = ["[project]", 'site_name = "D"']
    for name in names:
        lines += [""] * blank + [f"[project.markdown_extensions.{table}.{name}]", "x = 1"]
    uses = read_zensical("\n".join(lines) + "\n", "zensical.toml")
    found = [(u.what, u.line) for u in uses if "markdown extension" in u.what]
    if table == "acme":
        assert found == [("zensical.toml markdown extension 'acme'", 3 + blank)]
        return
    expected = [
        (f"zensical.toml markdown extension '{table}.{name}'", 3 + blank + i * (2 + blank))
        for i, name in enumerate(names)
    ]
    assert found == expected


def test_zensical_defaults_and_plugins_zensical_provides_prove_nothing(tmp_path: Path) -> None:
    """Negative control: without a ``markdown_extensions`` table zensical loads its own
    defaults (it requires Markdown and pymdown-extensions itself), its ``search`` plugin is
    its own, and ``theme.name`` loads nothing: the project's entries stay unused."""
    config = (
        '[project]\nsite_name = "D"\n[project.theme]\nname = "material"\n[project.plugins.search]\n'
    )
    deps = ("requests", "pymdown-extensions", "mkdocs-material", "mkdocs")
    root = _project(tmp_path, {**PKG, "zensical.toml": config}, dev=deps)
    assert _gate(root) == ["mkdocs", "mkdocs-material", "pymdown-extensions"]


def test_zensical_config_of_another_name_in_a_subfolder(tmp_path: Path) -> None:
    config = '[project]\nsite_name = "D"\n[project.markdown_extensions.pymdownx.keys]\n'
    files = {**PKG, "docs/zensical.local.toml": config}
    root = _project(tmp_path, files, deps=("requests",), dev=("pymdown-extensions",))
    assert _why(root, "pymdown-extensions") == (
        "loaded by the docs build: docs/zensical.local.toml markdown extension "
        "'pymdownx.keys' (docs/zensical.local.toml:3)"
    )


def test_malformed_zensical_toml_is_a_note(tmp_path: Path) -> None:
    root = _project(tmp_path, {**PKG, "zensical.toml": "[project\n"}, dev=("pymdown-extensions",))
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == ["pymdown-extensions"]
    assert "zensical.toml: not valid TOML; the docs tools it names are not counted" in (
        result.notes
    )


# -- class D: a guessed module whose real name is a Sphinx extension or a program ----------

# marshmallow docs/conf.py:11 and pyproject.toml:39
_CONF = 'extensions = [\n    "sphinx.ext.autodoc",\n    "versionwarning.extension",\n]\n'


def test_sphinx_extension_named_otherwise_is_unmapped_not_unused(tmp_path: Path) -> None:
    """Reproduction: sphinx-version-warning's module is ``versionwarning``; with its row
    in the built-in table it is used outright."""
    files = {**PKG, "docs/conf.py": _CONF}
    root = _project(tmp_path, files, deps=("requests",), dev=("sphinx", "sphinx-version-warning"))
    assert _gate(root) == []
    assert _why(root, "sphinx-version-warning") == (
        "loaded by the docs build: Sphinx extension 'versionwarning.extension' in "
        "docs/conf.py (docs/conf.py:3)"
    )


@pytest.mark.parametrize(
    ("dist", "module"),
    [
        ("sphinx-fancy-tabs", "fancytabs"),  # the family prefix dropped, words joined
        ("sphinxcontrib-wavedrom-ext", "wavedromext.ext"),
        ("python-sphinx-autotoc", "autotoc"),  # a python- affix too
    ],
)
def test_sphinx_extension_plausibly_named_is_unmapped(
    tmp_path: Path, dist: str, module: str
) -> None:
    conf = f'extensions = ["sphinx.ext.autodoc", "{module}"]\n'
    root = _project(tmp_path, {**PKG, "docs/conf.py": conf}, deps=("requests",), dev=(dist,))
    assert _kinds(root) == {dist: "unmapped"}
    text = _finding_text(root, dist)
    assert "loaded as a Sphinx extension at docs/conf.py:1 plausibly belongs to it" in text
    top = module.split(".")[0]
    assert text.endswith(f'add [tool.llmcore.deps] map = {{ {dist} = ["{top}"] }}')


def test_sphinx_extension_of_another_name_stays_unused(tmp_path: Path) -> None:
    """Negative control: an unclaimed extension that does not look like the dependency's,
    and Sphinx's own modules (never a plugin's), leave it failing."""
    conf = 'extensions = ["sphinx.ext.autodoc", "sphinx_rtd_dark", "myext"]\n'
    files = {**PKG, "docs/conf.py": conf}
    root = _project(tmp_path, files, deps=("requests",), dev=("sphinx-version-warning",))
    assert _gate(root) == ["sphinx-version-warning"]


def test_api_page_of_the_projects_own_module_is_no_name_source(tmp_path: Path) -> None:
    """Negative control: mkdocstrings rendering ``::: demo.api`` (the project's own
    package) says nothing of demo-tools, however its name begins."""
    files = {
        **PKG,
        "demo/api.py": "X = 1\n",
        "mkdocs.yml": "site_name: D\nplugins:\n  - mkdocstrings\n",
        "docs/api.md": "# API\n\n::: demo.api\n",
    }
    dev = ("mkdocs", "mkdocstrings-python", "demo-tools")
    root = _project(tmp_path, files, deps=("requests",), dev=dev)
    assert _gate(root) == ["demo-tools"]


# django-rest-framework .github/workflows/main.yml:98, pyproject.toml:58
_LINKS = (
    WORKFLOW_HEAD
    + "      - run: pip install --group docs\n"
    + ("      - run: pylinkvalidate.py -P http://localhost:8000/\n")
)


def test_program_ci_runs_named_like_the_dependency_is_not_unused(tmp_path: Path) -> None:
    files = {**PKG, ".github/workflows/docs.yml": _LINKS}
    root = _project(tmp_path, files, deps=("requests",), dev=("pylinkvalidator",))
    assert _gate(root) == []
    assert _why(root, "pylinkvalidator") == (
        "run as `pylinkvalidate.py` in .github/workflows/docs.yml:7"
    )


@pytest.mark.parametrize(
    ("dist", "step", "program"),
    [
        ("linkvalidator", "linkvalidate -v site/", "linkvalidate"),  # a stem of the name
        ("flakefinder", "flakefinder.py --runs 3", "flakefinder.py"),  # a script's suffix
        ("sphinx-spellscan", "spellscan docs/", "spellscan"),  # the family prefix dropped
    ],
)
def test_program_plausibly_named_is_unmapped(
    tmp_path: Path, dist: str, step: str, program: str
) -> None:
    files = {**PKG, ".github/workflows/docs.yml": WORKFLOW_HEAD + f"      - run: {step}\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=(dist,))
    assert _kinds(root) == {dist: "unmapped"}
    assert _finding_text(root, dist).endswith(
        f"but the program {program} run at .github/workflows/docs.yml:6 plausibly is its "
        f'own; if so, ignore it: [tool.llmcore.deps] ignore = {{ {dist} = "runs as {program}" }}'
    )


def test_program_owned_by_another_dependency_stays_unused(tmp_path: Path) -> None:
    """Negative control: ``linkvalidate`` is another declared distribution's program, a
    system program (``make``) is nobody's, and ``spellcheck`` is no stem of
    ``pyspellchecker``."""
    step = "      - run: linkvalidate site/ && make html && spellcheck docs/\n"
    files = {**PKG, ".github/workflows/docs.yml": WORKFLOW_HEAD + step}
    dev = ("linkvalidate", "linkvalidator", "pyspellchecker-cli")
    root = _project(tmp_path, files, deps=("requests",), dev=dev)
    assert _gate(root) == ["linkvalidator", "pyspellchecker-cli"]


# -- class B: optional backends of a used library, and blobfile -----------------------------

_TOKENIZE = "from transformers import AutoTokenizer\n\ntok = AutoTokenizer.from_pretrained(m)\n"


def _backends(tmp_path: Path, extra: str, members: tuple[str, ...]) -> Path:
    listed = ", ".join(f'"{m}"' for m in members)
    toml = f"[project.optional-dependencies]\n{extra} = [{listed}]\n"
    files = {"demo/__init__.py": _TOKENIZE}
    return _project(tmp_path, files, deps=("transformers",), extra_toml=toml)


def test_tokenizer_backends_extra_is_companion_blobfile_stays_unused(tmp_path: Path) -> None:
    """guidellm pyproject.toml:94 ``tokenizers = ["tiktoken", "blobfile", "mistral-common"]``:
    the backends transformers loads are companions; blobfile (tiktoken reads only a path
    the project hands it with it) stays unused."""
    root = _backends(tmp_path, "tokenizers", ("tiktoken", "blobfile", "mistral-common"))
    assert _kinds(root) == {
        "tiktoken": "unused-companion",
        "blobfile": "unused",
        "mistral-common": "unused-companion",
    }
    assert _finding_text(root, "tiktoken") == (
        "not used directly; declared in the extra 'tokenizers' (pyproject.toml:8), named "
        "after what transformers (used) loads it for: a tokenizer backend"
    )
    assert _finding_text(root, "mistral-common") == (
        "not used directly, and no use that needs it was found; mistral-common is loaded "
        "by transformers (used) when installed"
    )


@pytest.mark.parametrize("extra", ["tokenizer", "tokenization", "hf-tokenizers"])
def test_tokenizer_backends_in_other_named_extras(tmp_path: Path, extra: str) -> None:
    root = _backends(tmp_path, extra, ("tiktoken", "sentencepiece"))
    assert _kinds(root) == {"tiktoken": "unused-companion", "sentencepiece": "unused-companion"}


def test_tiktoken_in_an_unrelated_extra_stays_unused(tmp_path: Path) -> None:
    """Negative control (guidance's ``test`` extra, lighteval's ``extended_tasks``, ao's
    dev requirements: all judged truly unused): transformers used is not enough."""
    root = _backends(tmp_path, "test", ("tiktoken",))
    assert _kinds(root) == {"tiktoken": "unused"}


def test_huggingface_hub_is_bentoml_companion(tmp_path: Path) -> None:
    """OpenLLM pyproject.toml:45: bentoml's HuggingFaceModel imports huggingface_hub
    lazily, and bentoml does not require it."""
    files = {"demo/__init__.py": "import bentoml\n\nbentoml.models\n"}
    root = _project(tmp_path, files, deps=("bentoml", "huggingface-hub"))
    assert _kinds(root) == {"huggingface-hub": "unused-companion"}


@pytest.mark.parametrize(
    "code",
    [
        # torchtune _tiktoken.py:49 and axolotl tokenization_kimi.py:108
        "from tiktoken.load import load_tiktoken_bpe\nranks = load_tiktoken_bpe(path)\n",
        "import tiktoken.load\ntiktoken.load.dump_tiktoken_bpe(ranks, 'gs://b/v.tiktoken')\n",
    ],
)
def test_blobfile_used_when_the_project_reads_a_tiktoken_file(tmp_path: Path, code: str) -> None:
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=("tiktoken", "blobfile"))
    assert _gate(root) == []
    assert _why(root, "blobfile").startswith("used implicitly: `")
    assert "tiktoken reads and writes a file path with blobfile" in _why(root, "blobfile")


def test_blobfile_beside_tiktoken_encodings_stays_unused(tmp_path: Path) -> None:
    """Negative control: ``get_encoding`` downloads over https (requests), never blobfile;
    a ``def load_tiktoken_bpe(`` of the project's own is no call of tiktoken's."""
    code = (
        "import tiktoken\nenc = tiktoken.get_encoding('cl100k_base')\n"
        "def load_tiktoken_bpe(path):\n    return {}\n"
    )
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=("tiktoken", "blobfile"))
    assert _gate(root) == ["blobfile"]
