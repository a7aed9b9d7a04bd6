"""False `unused` findings of corpus9 (benchmarks/real_projects.toml, /work/corpus9/REPORT.md)
fixed by rules and table rows: a binary-only distribution's program run through a default
(class B), a litellm cache backend chosen by a string (C), torch's internal testing's
optional imports (D), and ninja for torch extension builds (E).

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail as unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.implicit_runs import program_uses
from tests.helpers.gate_projects import PKG, WORKFLOW_HEAD
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project
from tests.helpers.gate_projects import why as _why

# -- class B: a program run through a variable's default, or a written-out shell script ------

# nanotron src/nanotron/s3_checkpoints/s3_mover.py:88 and :241
_S3_MOVER = """\
import subprocess


class S3Mover:
    def __init__(self, s5cmd_path=None):
        self.s5cmd_path = s5cmd_path if s5cmd_path is not None else "s5cmd"

    def start(self, src, dst):
        cmd = [self.s5cmd_path, "--json"]
        cmd += ["cp", src, dst]
        return self._popen(cmd)

    def _popen(self, cmd):
        return subprocess.Popen(cmd)
"""


def test_program_default_reaching_argv_uses_binary_dist(tmp_path: Path) -> None:
    root = _project(tmp_path, {**PKG, "demo/mover.py": _S3_MOVER}, deps=("requests", "s5cmd"))
    assert _gate(root) == []
    why = _why(root, "s5cmd")
    assert why == (
        "used implicitly: `'s5cmd'` at demo/mover.py:6 (a program the code runs by default)"
    )


@pytest.mark.parametrize(
    "code",
    [
        # a parameter's default copied to an attribute
        "import subprocess\n"
        "class M:\n"
        "    def __init__(self, binary='s5cmd'):\n"
        "        self.binary = binary\n"
        "    def run(self):\n"
        "        subprocess.run([self.binary, 'ls', 's3://b'])\n",
        # an environment lookup's fallback, in a module constant
        "import os, subprocess\n"
        "S5CMD = os.environ.get('S5CMD_PATH', 's5cmd')\n"
        "def sync():\n"
        "    subprocess.check_call([S5CMD, 'sync', 'a', 'b'])\n",
        # a function returning the program's name
        "import subprocess\n"
        "def _binary():\n"
        "    return 's5cmd'\n"
        "def sync():\n"
        "    subprocess.run([_binary(), 'sync', 'a', 'b'])\n",
    ],
)
def test_program_default_other_shapes(tmp_path: Path, code: str) -> None:
    root = _project(tmp_path, {**PKG, "demo/s3.py": code}, deps=("requests", "s5cmd"))
    assert _gate(root) == []
    assert "(a program the code runs by default)" in _why(root, "s5cmd")


# nanotron src/nanotron/eval/one_job_runner.py:128-199: a SLURM script built up with +=
_SLURM = '''\
import subprocess


def launch(path, ckpt):
    script = f"""#!/bin/bash
#SBATCH --nodes=1
"""
    script += f"""
mkdir -p /tmp/ckpt
if ! s5cmd ls "{ckpt}" &>/dev/null; then
    exit 1
fi
s5cmd cp \\\\
    --concurrency=50 \\\\
    "{ckpt}/*" /tmp/ckpt/
"""
    with open(path, "w") as f:
        f.write(script)
    subprocess.run(["sbatch", path], check=True)
'''


def test_written_out_shell_script_runs_binary(tmp_path: Path) -> None:
    root = _project(tmp_path, {**PKG, "demo/job.py": _SLURM}, deps=("requests", "s5cmd"))
    assert _gate(root) == []
    why = _why(root, "s5cmd")
    assert why.startswith("used implicitly: `s5cmd ")
    assert why.endswith("at demo/job.py:10 (a shell script the code runs)")


@pytest.mark.parametrize(
    "code",
    [
        # a command line in a variable handed to a shell
        "import subprocess\n"
        "def sync(a, b):\n"
        "    cmd = f's5cmd --numworkers 8 sync {a} {b}'\n"
        "    subprocess.run(cmd, shell=True, check=True)\n",
        # an f-string os.system runs, over several lines
        'import os\ndef sync(a, b):\n    os.system(f"""\n        s5cmd cp "{a}" "{b}"\n    """)\n',
    ],
)
def test_shell_command_string_runs_binary(tmp_path: Path, code: str) -> None:
    root = _project(tmp_path, {**PKG, "demo/s3.py": code}, deps=("requests", "s5cmd"))
    assert _gate(root) == []
    assert _why(root, "s5cmd").endswith("(a shell script the code runs)")


@pytest.mark.parametrize(
    "code",
    [
        # a command line never handed to a shell (run as one argv word, without shell=True)
        "import subprocess\ndef f(a):\n    cmd = f's5cmd cp {a} b'\n    print(cmd)\n"
        "    subprocess.run(['echo', cmd])\n",
        # a log message and a docstring name the program: nothing runs it
        'import logging\ndef f():\n    """Upload with s5cmd."""\n'
        '    logging.info("s5cmd cp failed")\n',
        # a default that never reaches an argv list
        'def f(tool="s5cmd"):\n    print(tool)\n',
        # a string without a shell's #! line is no script
        'HELP = """\ns5cmd cp a b\n"""\n',
    ],
)
def test_program_name_in_message_leaves_binary_unused(tmp_path: Path, code: str) -> None:
    root = _project(tmp_path, {**PKG, "demo/s3.py": code}, deps=("requests", "s5cmd"))
    assert _gate(root) == ["s5cmd"]


# -- class C: litellm's Cache(type=...) imports its backend ----------------------------------


@pytest.mark.parametrize(
    ("call", "dist"),
    [
        # storm knowledge_storm/lm.py:43
        ('litellm.cache = Cache(disk_cache_dir=disk_cache_dir, type="disk")', "diskcache"),
        ('litellm.cache = Cache(type="redis", host="h", port=1)', "redis"),
        ("litellm.cache = Cache(type=LiteLLMCacheType.S3, s3_bucket_name='b')", "boto3"),
        ('litellm.cache = Cache(type="redis-semantic", similarity_threshold=0.8)', "redisvl"),
    ],
)
def test_litellm_cache_type_uses_backend(tmp_path: Path, call: str, dist: str) -> None:
    code = (
        "import litellm\nfrom litellm.caching.caching import Cache, LiteLLMCacheType\n"
        f"disk_cache_dir = '/tmp/c'\n{call}\n"
    )
    root = _project(tmp_path, {**PKG, "demo/lm.py": code}, deps=("requests", "litellm", dist))
    assert _gate(root) == []
    kind = {"diskcache": "disk", "redis": "redis", "boto3": "s3", "redisvl": "redis-semantic"}
    assert _why(root, dist).endswith(f'at demo/lm.py:4 (litellm\'s Cache(type="{kind[dist]}"))')


def test_litellm_local_cache_leaves_diskcache_unused(tmp_path: Path) -> None:
    code = 'import litellm\nfrom litellm import Cache\nlitellm.cache = Cache(type="local")\n'
    root = _project(
        tmp_path, {**PKG, "demo/lm.py": code}, deps=("requests", "litellm", "diskcache")
    )
    assert _gate(root) == ["diskcache"]


# -- class D: torch's internal testing imports hypothesis as well as expecttest --------------


@pytest.mark.parametrize(
    "imp",
    [
        # ao test files (45 of them)
        "from torch.testing._internal.common_utils import TestCase, run_tests",
        "from torch.testing._internal import common_utils",
        "import torch.testing._internal.common_distributed",
    ],
)
def test_torch_internal_testing_uses_hypothesis(tmp_path: Path, imp: str) -> None:
    body = f"import torch\n{imp}\n\ndef test_x():\n    assert torch.zeros(1) is not None\n"
    files = {**PKG, "tests/test_x.py": body}
    root = _project(tmp_path, files, deps=("requests",), dev=("torch", "hypothesis", "expecttest"))
    assert _gate(root) == []
    assert "(torch.testing._internal)" in _why(root, "hypothesis")


def test_torch_public_testing_leaves_hypothesis_unused(tmp_path: Path) -> None:
    body = "import torch\n\ndef test_x():\n    torch.testing.assert_close(1.0, 1.0)\n"
    files = {**PKG, "tests/test_x.py": body}
    root = _project(tmp_path, files, deps=("requests",), dev=("torch", "hypothesis"))
    assert _gate(root) == ["hypothesis"]


# -- class E: ninja builds torch C++/CUDA extensions -----------------------------------------

_TORCH_PKG = {"demo/__init__.py": "import requests\nimport torch\n"}


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        (
            "setup.py",
            "from setuptools import setup\nfrom torch.utils import cpp_extension as ce\n"
            "setup(ext_modules=[ce.CUDAExtension('k', ['k.cu'])],"
            " cmdclass={'build_ext': ce.BuildExtension})\n",
        ),
        # LLaVA README.md:93-94 as a CI step; nanotron fa2_unit_tests.yaml:48
        (
            ".github/workflows/ci.yml",
            WORKFLOW_HEAD + '      - run: pip install "flash-attn>=2.5.0" --no-build-isolation\n',
        ),
        (
            "Dockerfile",
            "FROM python:3.11\nRUN pip install --no-build-isolation flashinfer-python\n",
        ),
        ("scripts/setup.sh", "#!/bin/sh\nuv pip install ninja deepspeed --no-build-isolation\n"),
    ],
)
def test_torch_extension_build_uses_ninja(tmp_path: Path, rel: str, text: str) -> None:
    root = _project(tmp_path, {**_TORCH_PKG, rel: text}, deps=("requests", "torch"), dev=("ninja",))
    assert _gate(root) == []


@pytest.mark.parametrize("parent", ["deepspeed", "flashinfer-python"])
def test_ninja_beside_jit_builder_is_companion(tmp_path: Path, parent: str) -> None:
    mod = parent.split("-")[0]
    files = {**PKG, "demo/k.py": f"import {mod}\n\nprint({mod}.__version__)\n"}
    root = _project(tmp_path, files, deps=("requests", parent, "ninja"))
    result = run_gate(root, use_cache=False)
    assert sorted(f.dependency for f in result.failing) == []
    kinds = {f.dependency: f.kind.value for f in result.findings}
    assert kinds["ninja"] == "unused-companion"


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        # no extension build, and a no-isolation install of something else
        ("demo/m.py", "import torch\nx = torch.zeros(1)\n"),
        (
            ".github/workflows/ci.yml",
            WORKFLOW_HEAD + "      - run: pip install . --no-build-isolation\n",
        ),
        # the word in a comment is no install
        ("Dockerfile", "FROM python:3.11\n# pip install flash-attn --no-build-isolation\n"),
    ],
)
def test_ninja_without_extension_build_stays_unused(tmp_path: Path, rel: str, text: str) -> None:
    root = _project(tmp_path, {**_TORCH_PKG, rel: text}, deps=("requests", "torch"), dev=("ninja",))
    assert _gate(root) == ["ninja"]


_WORD = st.from_regex(r"[a-z][a-z0-9]{2,8}", fullmatch=True)


@given(prog=_WORD, msg=st.text(alphabet="abc xyz-", max_size=20))
def test_program_named_only_in_messages_is_never_run(prog: str, msg: str) -> None:
    """The name in a message, a docstring or an unrun default is never a use; handed to a
    shell or first in a run argv list through a default, it always is."""
    quiet = (
        f'import logging\ndef f(tool="{prog}"):\n    """Run {prog}."""\n'
        f'    logging.info("{prog} {msg}")\n    print([tool, "{msg}"])\n'
    )
    assert list(program_uses(quiet, {prog})) == []
    loud = f'import subprocess\ndef f(tool="{prog}"):\n    subprocess.run([tool, "{msg}"])\n'
    assert [(p, line) for p, _, line, _ in program_uses(loud, {prog})] == [(prog, 2)]
