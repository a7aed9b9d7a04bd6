"""False `unused` findings of corpus8 whose knowledge is table data (benchmarks/real_projects.toml,
/work/corpus8/REPORT.md): broker transports chosen by URL, wheel's commands, console scripts
named apart from their distribution, PyPy builds, meta-packages, and requirement-file defects.

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail as unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.declarations_req import _requirement_entry as requirement_entry
from pytest_llmcore.deps.declarations_req import parse_requirement_name
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import Kind
from tests.helpers.gate_projects import PKG, WORKFLOW_HEAD
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project

# -- class 5: `setup.py bdist_wheel` is a use of wheel -----------------------------------------


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        # celery Makefile:151
        ("Makefile", "build:\n\t$(PYTHON) setup.py sdist bdist_wheel\n"),
        (
            ".github/workflows/ci.yml",
            WORKFLOW_HEAD + "      - run: python3 setup.py -q bdist_wheel\n",
        ),
        ("scripts/release.sh", "#!/bin/sh\npython setup.py bdist_wheel --universal upload\n"),
    ],
)
def test_setup_py_bdist_wheel_uses_wheel(tmp_path: Path, rel: str, text: str) -> None:
    root = _project(tmp_path, {**PKG, rel: text}, deps=("requests",), dev=("wheel",))
    assert _gate(root) == []


def test_setup_py_sdist_only_leaves_wheel_unused(tmp_path: Path) -> None:
    files = {**PKG, "Makefile": "build:\n\tpython setup.py sdist\n# bdist_wheel later\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("wheel",))
    assert _gate(root) == ["wheel"]


# -- class 6: build's short flag `-n` (--no-isolation) -----------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "python -m build -n --wheel",  # exllamav2 build-wheels-release.yml:301
        "python -m build -nw",
        "python -m build -o dist -wn .",
        "pyproject-build -n",
    ],
)
def test_build_short_no_isolation_flag_uses_wheel(tmp_path: Path, command: str) -> None:
    files = {**PKG, ".github/workflows/ci.yml": WORKFLOW_HEAD + f"      - run: {command}\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("wheel",))
    assert _gate(root) == []


@pytest.mark.parametrize("command", ["python -m build --wheel", "python -m build -w -o dist-n"])
def test_isolated_build_leaves_wheel_unused(tmp_path: Path, command: str) -> None:
    files = {**PKG, ".github/workflows/ci.yml": WORKFLOW_HEAD + f"      - run: {command}\n"}
    root = _project(tmp_path, files, deps=("requests",), dev=("wheel",))
    assert _gate(root) == ["wheel"]


# -- class 7: a console script named apart from its distribution, not installed -----------------


def _ci(run: str) -> dict[str, str]:
    return {**PKG, ".github/workflows/ci.yml": WORKFLOW_HEAD + f"      - run: {run}\n"}


def test_pypyp_runs_as_pyp(tmp_path: Path) -> None:
    # black .github/workflows/pypi_upload.yml:42
    run = "|\n          {\n            cibuildwheel --print-build-identifiers \\\n"
    run += """            | pyp 'json.dumps({"only": x})'\n          } > /tmp/matrix"""
    files = _ci(run)
    root = _project(tmp_path, files, deps=("requests",), dev=("pypyp",))
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == []
    assert [e.text for e in result.used_by["pypyp"]] == [
        "run as `pyp` in .github/workflows/ci.yml:8"
    ]


def test_module_named_program_of_a_distribution_not_installed(tmp_path: Path) -> None:
    # no table row: pdoc3's module `pdoc` (built-in module table) is its program
    root = _project(tmp_path, _ci("pdoc --html demo"), deps=("requests",), dev=("pdoc3",))
    assert _gate(root) == []


@pytest.mark.parametrize(
    ("run", "dev"),
    [
        ("git commit -m x", "gitpython"),  # module `git` is the Unix program, not GitPython's
        ("file demo/__init__.py", "python-magic"),  # module `magic`, not run here
        ("pyp2 x", "pypyp"),  # another program's name
    ],
)
def test_module_named_program_controls(tmp_path: Path, run: str, dev: str) -> None:
    root = _project(tmp_path, _ci(run), deps=("requests",), dev=(dev,))
    assert _gate(root) == [dev]


# -- class 8: a PyPy build published under another name ----------------------------------------

_SIGNALS = "from pydispatch import dispatcher\n\n\ndef send(s):\n    dispatcher.send(s)\n"


def test_pypy_build_beside_its_cpython_build(tmp_path: Path) -> None:
    # scrapy pyproject.toml:29-30, scrapy/signalmanager.py:6
    deps = (
        "requests",
        "PyDispatcher>=2.0.5; platform_python_implementation == 'CPython'",
        "PyPyDispatcher>=2.1.0; platform_python_implementation == 'PyPy'",
    )
    root = _project(tmp_path, {**PKG, "demo/signals.py": _SIGNALS}, deps=deps)
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == []
    kinds = {f.dependency: f.kind for f in result.findings}
    assert kinds == {"PyPyDispatcher": Kind.UNMAPPED}


def test_pypy_dash_build_and_control(tmp_path: Path) -> None:
    from pytest_llmcore.deps.reconcile import build_base

    assert build_base("pypy-cffi-backend") == "cffi-backend"
    assert build_base("pypydispatcher") == "pydispatcher"
    assert build_base("pypyp") == "pypyp"  # pypyp is no PyPy build of a `p`


def test_pypy_named_distribution_without_sibling_stays_unused(tmp_path: Path) -> None:
    deps = ("requests", "PyDispatcher", "pypylike")
    root = _project(tmp_path, {**PKG, "demo/signals.py": _SIGNALS}, deps=deps)
    assert _gate(root) == ["pypylike"]


# -- class 3: kombu/Celery transports chosen by URL scheme --------------------------------------

_CELERY_APP = 'from celery import Celery\n\napp = Celery("demo", broker="{url}")\n'


def test_sqs_broker_url_uses_pycurl_and_boto3(tmp_path: Path) -> None:
    # celery t/unit/worker/test_native_delayed_delivery.py:96 `"sqs://"`
    files = {**PKG, "demo/tasks.py": _CELERY_APP.format(url="sqs://")}
    root = _project(tmp_path, files, deps=("requests", "celery", "pycurl", "boto3"))
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == []
    assert [e.text for e in result.used_by["pycurl"]] == [
        'used implicitly: `app = Celery("demo", broker="sqs://")` at demo/tasks.py:3 '
        "(a Celery/kombu sqs:// URL)"
    ]


def test_broker_url_in_compose_and_kombu_connection(tmp_path: Path) -> None:
    files = {
        **PKG,
        "demo/queue.py": 'import kombu\n\nconn = kombu.Connection("zookeeper://zk:2181/")\n',
        "docker-compose.yml": "services:\n  worker:\n    command: celery -A demo worker\n"
        "    environment:\n      CELERY_BROKER_URL: rediss://cache:6380/0\n",
    }
    root = _project(tmp_path, files, deps=("requests", "kombu", "kazoo", "redis"))
    assert _gate(root) == []


def test_broker_url_without_celery_or_kombu_is_no_evidence(tmp_path: Path) -> None:
    files = {**PKG, "demo/queue.py": 'BROKER = "sqs://"\nLOCKS = "zookeeper://zk:2181"\n'}
    root = _project(tmp_path, files, deps=("requests", "pycurl", "kazoo"))
    assert _gate(root) == ["kazoo", "pycurl"]


def test_broker_url_names_only_its_own_transport(tmp_path: Path) -> None:
    files = {**PKG, "demo/tasks.py": _CELERY_APP.format(url="sqs://")}
    root = _project(tmp_path, files, deps=("requests", "celery", "pycurl", "kazoo"))
    assert _gate(root) == ["kazoo"]


def _with_extras(root: Path, extras: str) -> None:
    text = (root / "pyproject.toml").read_text()
    head = "[project.optional-dependencies]\n" + extras + "\n[dependency-groups]"
    (root / "pyproject.toml").write_text(text.replace("[dependency-groups]", head, 1))


def test_transport_extra_of_a_celery_project_does_not_fail(tmp_path: Path) -> None:
    # celery setup.py:39 'slmq' -> requirements/extras/slmq.txt `softlayer_messaging>=1.0.3`
    files = {
        "demo/__init__.py": "import kombu\nimport requests\n",
        "requirements/extras/slmq.txt": "softlayer_messaging>=1.0.3\n",
        "requirements.txt": "-r requirements/extras/slmq.txt\n",
    }
    root = _project(tmp_path, files, deps=("requests", "kombu"))
    _with_extras(root, 'zookeeper = ["kazoo"]\nsqs = ["pycurl"]')
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == []
    reasons = {f.dependency: f.ignored_reason for f in result.findings}
    assert reasons["softlayer_messaging"] == (
        "the extra 'slmq' installs what kombu imports for `slmq://` URLs; not failing"
    )
    assert sorted(reasons) == ["kazoo", "pycurl", "softlayer_messaging"]


@pytest.mark.parametrize(
    ("deps", "extra"),
    [
        (("requests",), 'slmq = ["softlayer-messaging"]'),  # no celery, no kombu
        (("requests", "celery"), 'slmq = ["boto3"]'),  # not what the slmq transport imports
        (("requests", "celery"), 'queues = ["softlayer-messaging"]'),  # no transport's name
    ],
)
def test_transport_extra_controls(tmp_path: Path, deps: tuple[str, ...], extra: str) -> None:
    files = {"demo/__init__.py": "import celery\nimport requests\n"}
    root = _project(tmp_path, files, deps=deps)
    _with_extras(root, extra)
    assert _gate(root) == [extra.split('"')[1]]


# -- class 11: meta-packages that install what the project imports ------------------------------


@pytest.mark.parametrize(
    ("dep", "code"),
    [
        # LLaMA-Factory src/llamafactory/hparams/model_args.py:686
        ("ktransformers", "from kt_kernel.sft import KTConfig\n\nprint(KTConfig)\n"),
        ("pyobjc", "import Foundation\n\nprint(Foundation.NSObject)\n"),
        ("jupyter", "import ipywidgets\n\nprint(ipywidgets.IntSlider)\n"),
    ],
)
def test_meta_package_used_through_what_it_installs(tmp_path: Path, dep: str, code: str) -> None:
    root = _project(tmp_path, {**PKG, "demo/extra.py": code}, deps=("requests", dep))
    result = run_gate(root, use_cache=False)
    assert [(f.kind, f.dependency) for f in result.findings] == []
    assert [e.text for e in result.used_by[dep]] == ["imported at demo/extra.py:1"]


def test_meta_package_without_import_stays_unused(tmp_path: Path) -> None:
    code = "import kt_legacy_thing\n\nprint(kt_legacy_thing)\n"
    root = _project(tmp_path, {**PKG, "demo/extra.py": code}, deps=("requests", "ktransformers"))
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == ["ktransformers"]
    assert [(f.kind, f.dependency) for f in result.findings] == [
        (Kind.UNUSED, "ktransformers"),
        (Kind.MISSING, "kt_legacy_thing"),
    ]


# -- other: a declaration no supported Python installs is unreachable, whatever strings say -----


def test_unreachable_backport_is_not_credited_by_a_module_string(tmp_path: Path) -> None:
    # celery requirements/extras/thread.txt:1, t/unit/concurrency/test_concurrency.py:172
    code = 'import importlib\n\nmod = importlib.import_module("concurrent.futures")\n'
    files = {
        **PKG,
        "demo/pool.py": code,
        "requirements.txt": "futures>=3.1.1; python_version < '3.0'\n",
    }
    root = _project(tmp_path, files, deps=("requests",))
    result = run_gate(root, use_cache=False)
    assert [(f.kind, f.dependency) for f in result.findings] == [(Kind.UNREACHABLE, "futures")]
    assert "futures" not in result.used_by


def test_reachable_backport_still_credited_by_a_module_string(tmp_path: Path) -> None:
    code = 'import importlib\n\nmod = importlib.import_module("concurrent.futures")\n'
    files = {**PKG, "demo/pool.py": code, "requirements.txt": "futures>=3.1.1\n"}
    root = _project(tmp_path, files, deps=("requests",))
    result = run_gate(root, use_cache=False)
    assert [(f.kind, f.dependency) for f in result.findings] == []
    assert [e.text for e in result.used_by["futures"]] == [
        'used implicitly: `"concurrent.futures"` at demo/pool.py:3 (a module named in a string)'
    ]


# -- other: a bare wheel or sdist URL declares the distribution its file name names ------------

_WHEEL = "https://github.com/x/y/releases/download/v1/gradio-4.37.2+custom.20-py3-none-any.whl"


@pytest.mark.parametrize(
    ("line", "name"),
    [
        (_WHEEL, "gradio"),  # text-generation-webui requirements/full/requirements.txt
        (
            "https://github.com/x/b/releases/download/v0.1/llama_cpp_binaries-0.1.0+cu124-"
            'py3-none-linux_x86_64.whl; platform_system == "Linux"',
            "llama-cpp-binaries",
        ),
        ("https://example.org/dl/Foo.Bar-1.0.tar.gz", "Foo-Bar"),
    ],
)
def test_archive_url_declares_its_distribution(tmp_path: Path, line: str, name: str) -> None:
    files = {**PKG, "requirements.txt": f"requests\n{line}\n"}
    root = _project(tmp_path, files)
    result = run_gate(root, use_cache=False)
    assert [(f.kind, f.dependency) for f in result.findings] == [(Kind.UNUSED, name)]
    assert result.findings[0].declared[0].requirement.startswith(f"{name} @ https://")


def test_archive_url_declaration_is_used_by_its_import(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "import gradio\n", "requirements.txt": _WHEEL + "\n"}
    root = _project(tmp_path, files)
    assert [f.dependency for f in run_gate(root, use_cache=False).findings] == []


@pytest.mark.parametrize(
    "line", ["https://github.com/x/y/archive/main.zip", "https://example.com/simple/"]
)
def test_url_without_a_distribution_file_name_declares_nothing(tmp_path: Path, line: str) -> None:
    files = {**PKG, "requirements.txt": f"requests\n{line}\n"}
    root = _project(tmp_path, files)
    assert [d.name for d in run_gate(root, use_cache=False).declared] == ["requests"]


# -- other: a Dockerfile in any subfolder installs the requirements file it names ---------------


@pytest.mark.parametrize(
    "dockerfile",
    ["docker/TensorRT-LLM/Dockerfile", "deploy/images/gpu/Dockerfile.cuda", "ops/app.dockerfile"],
)
def test_nested_dockerfile_installs_requirements(tmp_path: Path, dockerfile: str) -> None:
    # text-generation-webui docker/TensorRT-LLM/Dockerfile:15
    files = {
        **PKG,
        dockerfile: "FROM python:3.11\nRUN pip install -r requirements/full/requirements.txt\n",
        "requirements/full/requirements.txt": "requests\nhumanize\n",
    }
    root = _project(tmp_path, files)
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == ["humanize"]


def test_requirements_no_dockerfile_names_stay_incidental(tmp_path: Path) -> None:
    files = {
        **PKG,
        "docker/app/Dockerfile": "FROM python:3.11\nRUN pip install -r other/requirements.txt\n",
        "docker/app/notes.txt": "pip install -r requirements/full/requirements.txt\n",
        ".hidden/Dockerfile": "RUN pip install -r requirements/full/requirements.txt\n",
        "requirements/full/requirements.txt": "requests\nhumanize\n",
    }
    root = _project(tmp_path, files)
    result = run_gate(root, use_cache=False)
    assert [f.dependency for f in result.failing] == []
    assert [f.ignored_reason for f in result.findings] == [
        "declared only in requirements/full/requirements.txt, a subfolder's requirements that "
        "no config, CI or task runner installs from; not failing"
    ]


_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}(?:[._][A-Za-z0-9]{1,6}){0,2}", fullmatch=True)
_VERSIONS = st.from_regex(
    r"[0-9]{1,3}(?:\.[0-9]{1,3}){0,3}(?:\+[a-z0-9]{1,6}(?:\.[0-9]{1,3})?)?", fullmatch=True
)


@given(
    name=_NAMES,
    version=_VERSIONS,
    tail=st.sampled_from(["-py3-none-any.whl", "-cp311-cp311-linux_x86_64.whl", ".tar.gz", ".zip"]),
    marker=st.sampled_from(["", '; platform_system == "Linux"']),
)
def test_archive_file_name_gives_the_normalised_name(
    name: str, version: str, tail: str, marker: str
) -> None:
    url = f"https://example.org/v1/{name}-{version}{tail}{marker}"
    req = requirement_entry(url)
    assert req is not None
    expected = "-".join(name.replace("_", "-").replace(".", "-").split("-"))
    assert parse_requirement_name(req) == expected
    assert req.endswith(f"{tail} ; {marker[2:]}" if marker else tail)


def test_library_beside_celery_extra_that_selects_its_transport(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "import celery\nimport requests\n"}
    deps = ("requests", "celery[sqs,redis]>=5", "pycurl", "kazoo")
    result = run_gate(_project(tmp_path, files, deps=deps), use_cache=False)
    assert [f.dependency for f in result.failing] == ["kazoo"]  # no zookeeper extra chosen
    reasons = {f.dependency: f.ignored_reason for f in result.findings}
    assert reasons["pycurl"] == (
        "celery[sqs] at pyproject.toml:4 selects kombu's sqs transport, which imports it; "
        "not failing"
    )


# -- gradio-client pinned beside a gradio build (text-generation-webui) --------------------


@pytest.mark.parametrize(
    "client",
    [
        "gradio-client==1.0.2+custom.20",
        "https://example.org/gradio_client-1.0.2+custom.20-py3-none-any.whl",  # the same build
    ],
)
def test_gradio_client_pinned_beside_a_gradio_wheel_is_a_companion(
    tmp_path: Path, client: str
) -> None:
    (tmp_path / "requirements.txt").write_text(
        f"https://example.org/gradio-4.37.2+custom.20-py3-none-any.whl\n{client}\n"
        "requests==2.32.0\n",
        encoding="utf-8",
    )
    (tmp_path / "app.py").write_text("import gradio\n\ngradio.Blocks()\n", encoding="utf-8")
    result = run_gate(tmp_path, use_cache=False)
    kinds = {f.dependency: f.kind for f in result.findings}
    assert kinds.get("gradio-client") == Kind.COMPANION, kinds
    assert kinds.get("requests") == Kind.UNUSED, kinds  # control: no gradio edge
    assert "gradio" not in kinds


# -- model runners' kernels (text-generation-webui) -----------------------------------------


def _kinds(root: Path) -> dict[str, Kind]:
    return {f.dependency: f.kind for f in run_gate(root, use_cache=False).findings}


@pytest.mark.parametrize(
    ("declared", "companion"),
    [
        ("torch\ntriton-windows==3.2.0.post18; platform_system == 'Windows'\n", "triton-windows"),
        ("transformers\nflash-linear-attention==0.4.1\n", "flash-linear-attention"),
        ("https://x.org/exllamav3-0.0.30-py3-none-any.whl\nxformers==0.0.33\n", "xformers"),
    ],
)
def test_model_runners_kernels_are_companions(
    tmp_path: Path, declared: str, companion: str
) -> None:
    (tmp_path / "requirements.txt").write_text(declared + "scipy==1.0\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(
        "import torch\nimport transformers\nimport exllamav3\n\n"
        "print(torch, transformers, exllamav3)\n",
        encoding="utf-8",
    )
    kinds = _kinds(tmp_path)
    assert kinds.get(companion) == Kind.COMPANION, kinds
    assert kinds.get("scipy") == Kind.UNUSED, kinds  # control: nothing loads it


def test_nested_dockerfiles_are_not_looked_for_inside_python_packages(tmp_path: Path) -> None:
    from pytest_llmcore.deps.requirement_refs import nested_dockerfiles

    (tmp_path / "docker" / "gpu").mkdir(parents=True)
    (tmp_path / "docker" / "gpu" / "Dockerfile").write_text("FROM x\n")
    pkg = tmp_path / "src" / "pkg" / "sub"
    pkg.mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "__init__.py").write_text("")
    (pkg / "Dockerfile").write_text("FROM y\n")  # inside a package: not walked into
    (tmp_path / "src" / "Dockerfile.dev").write_text("FROM z\n")  # src/ itself is no package
    found = [p.relative_to(tmp_path).as_posix() for p in nested_dockerfiles(tmp_path)]
    assert found == ["docker/gpu/Dockerfile", "src/Dockerfile.dev"]
