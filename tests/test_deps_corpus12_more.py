"""False `unused` findings of corpus12/corpus3 seen once setup.py's ``_deps`` tables were read
(benchmarks/real_projects.toml, [alignment-handbook.deps] and [diffusers.deps]).

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail as unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.implicit_rules import looped_checks
from tests.helpers.gate_projects import PKG, WORKFLOW_HEAD
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project


def _evidence(root: Path, dep: str) -> str:
    result = run_gate(root, use_cache=False)
    return result.used_by[dep][0].text


_TEST = {"tests/test_x.py": "def test_x():\n    assert True\n"}

# -- class 1: a pytest plugin's setting given through its environment variable -----------------

_DIFFUSERS_WF = (
    "on: push\nenv:\n  HF_HOME: /mnt/cache\n  PYTEST_TIMEOUT: 600\njobs:\n  t:\n"
    "    runs-on: ubuntu-latest\n    steps:\n      - run: python -m pytest tests\n"
)


def test_pytest_timeout_env_in_workflow_uses_plugin(tmp_path: Path) -> None:
    # diffusers .github/workflows/release_tests_fast.yml:20 `PYTEST_TIMEOUT: 600`
    files = {**PKG, **_TEST, ".github/workflows/fast.yml": _DIFFUSERS_WF}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest", "pytest-timeout"))
    assert _gate(root) == []
    assert _evidence(root, "pytest-timeout").startswith(
        "pytest plugin: ini key 'timeout' in .github/workflows/fast.yml:4 PYTEST_TIMEOUT"
        " (pytest-timeout's environment setting) ("
    )


@pytest.mark.parametrize(
    ("rel", "text", "dev"),
    [
        ("Makefile", "test:\n\tPYTEST_TIMEOUT=300 pytest tests\n", "pytest-timeout"),
        ("scripts/ci.sh", "#!/bin/sh\nexport PYTEST_TIMEOUT='120'\npytest\n", "pytest-timeout"),
        (
            ".github/workflows/t.yml",
            WORKFLOW_HEAD + "      - run: pytest\n        env:\n"
            "          PYTEST_XDIST_AUTO_NUM_WORKERS: 4\n",
            "pytest-xdist",
        ),
        ("Makefile", "test:\n\tPYTEST_XDIST_AUTO_NUM_WORKERS=2 pytest\n", "pytest-xdist"),
    ],
)
def test_plugin_env_setting_other_shapes(tmp_path: Path, rel: str, text: str, dev: str) -> None:
    root = _project(tmp_path, {**PKG, **_TEST, rel: text}, deps=("requests",), dev=(dev,))
    assert _gate(root) == []


@pytest.mark.parametrize(
    "text",
    [
        # read, not set; an empty value; a longer variable name
        'on: push\njobs:\n  t:\n    steps:\n      - run: echo "${PYTEST_TIMEOUT}"\n',
        'on: push\nenv:\n  PYTEST_TIMEOUT: ""\n',
        "on: push\nenv:\n  MY_PYTEST_TIMEOUT_X: 600\n  OTHER_PYTEST_TIMEOUT: 5\n",
    ],
)
def test_plugin_env_setting_negative(tmp_path: Path, text: str) -> None:
    files = {**PKG, **_TEST, ".github/workflows/t.yml": text}
    root = _project(tmp_path, files, deps=("requests",), dev=("pytest-timeout",))
    assert _gate(root) == ["pytest-timeout"]


# -- class 2: a training recipe's key that makes its reader load a library ---------------------

_HF = {
    **PKG,
    "demo/train.py": "from accelerate import Accelerator\nfrom transformers import AutoTokenizer\n"
    "from trl import SFTTrainer\n\nTRAINER = (Accelerator, AutoTokenizer, SFTTrainer)\n",
}
_QLORA = (  # alignment-handbook recipes/zephyr-7b-beta/sft/config_qlora.yaml
    "# Model arguments\nmodel_name_or_path: mistralai/Mistral-7B-v0.1\n"
    "torch_dtype: bfloat16\nload_in_4bit: true\nuse_peft: true\nlora_r: 16\n"
)
_ZERO3 = (  # alignment-handbook recipes/accelerate_configs/zero3.yaml
    "compute_environment: LOCAL_MACHINE\ndebug: false\ndeepspeed_config:\n"
    "  zero_stage: 3\ndistributed_type: DEEPSPEED\nnum_processes: 8\n"
)
_DEPS = ("requests", "transformers", "trl", "accelerate")


def test_recipe_keys_use_bitsandbytes_peft_deepspeed(tmp_path: Path) -> None:
    files = {
        **_HF,
        "recipes/zephyr/sft/config_qlora.yaml": _QLORA,
        "recipes/accelerate_configs/zero3.yaml": _ZERO3,
    }
    deps = (*_DEPS, "bitsandbytes", "peft", "deepspeed")
    root = _project(tmp_path, files, deps=deps)
    assert _gate(root) == []
    assert _evidence(root, "bitsandbytes").startswith(
        "used implicitly: `load_in_4bit: true` at recipes/zephyr/sft/config_qlora.yaml:4 (a recipe"
    )
    assert ":5 (a recipe training a PEFT adapter" in _evidence(root, "peft")
    assert "recipes/accelerate_configs/zero3.yaml:5 (an accelerate config" in _evidence(
        root, "deepspeed"
    )


@pytest.mark.parametrize(
    ("text", "dep"),
    [
        # recipes/smollm3/sft/sft.yaml:225
        ("model_name_or_path: x/y\nbf16: true\nuse_liger_kernel: true\n", "liger-kernel"),
        ("output_dir: data/out\n  load_in_8bit: True\n", "bitsandbytes"),
        ("output_dir: out\ndeepspeed: configs/ds_zero2.json\n", "deepspeed"),
        ('{\n  "model_name_or_path": "x/y",\n  "use_peft": true\n}\n', "peft"),
        ('compute_environment: LOCAL_MACHINE\ndistributed_type: "DEEPSPEED"\n', "deepspeed"),
    ],
)
def test_recipe_keys_other_shapes(tmp_path: Path, text: str, dep: str) -> None:
    root = _project(tmp_path, {**_HF, "configs/run.yaml": text}, deps=(*_DEPS, dep))
    assert _gate(root) == []


@pytest.mark.parametrize(
    "text",
    [
        # no reader's keys in the file; false; another key holding the word; a comment
        "load_in_4bit: true\nuse_peft: true\nuse_liger_kernel: true\n",
        "model_name_or_path: x/y\nload_in_4bit: false\nuse_peft: false\nuse_liger_kernel: no\n",
        "model_name_or_path: x/y\nmy_load_in_4bit: true\nnot_use_peft: true\n",
        "model_name_or_path: x/y\n# use_peft: true\n# load_in_4bit: true\n",
        "compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\n",
    ],
)
def test_recipe_keys_negative(tmp_path: Path, text: str) -> None:
    deps = (*_DEPS, "bitsandbytes", "peft", "liger-kernel", "deepspeed")
    root = _project(tmp_path, {**_HF, "configs/run.yaml": text}, deps=deps)
    assert _gate(root) == ["bitsandbytes", "deepspeed", "liger-kernel", "peft"]


# -- class 3: jinja2 through chat templates a trainer renders -----------------------------------


def test_recipe_chat_template_uses_jinja2(tmp_path: Path) -> None:
    # alignment-handbook recipes/smollm2/sft/config_smol.yaml:8
    text = (
        "model_name_or_path: HuggingFaceTB/SmolLM2-1.7B\n"
        "chat_template: \"{% for message in messages %}{{'<|im_start|>' + message['role'] }}"
        '{% endfor %}"\n'
    )
    root = _project(tmp_path, {**_HF, "recipes/sft.yaml": text}, deps=(*_DEPS, "jinja2"))
    assert _gate(root) == []
    assert "recipes/sft.yaml:2 (a recipe's Jinja chat template" in _evidence(root, "jinja2")


@pytest.mark.parametrize(
    "files",
    [
        # alignment-handbook src/alignment/model_utils.py:31-32
        {"src/m.py": "def f(tokenizer, args):\n    tokenizer.chat_template = args.chat_template\n"},
        {"recipes/a.yaml": "output_dir: out\nchat_template: |\n  {% for m in messages %}\n"},
        {"app.py": "out = tok.apply_chat_template(messages, tokenize=False)\n"},
    ],
)
def test_chat_template_other_shapes(tmp_path: Path, files: dict[str, str]) -> None:
    root = _project(tmp_path, {**_HF, **files}, deps=(*_DEPS, "jinja2"))
    assert _gate(root) == []


@pytest.mark.parametrize(
    "files",
    [
        {"recipes/a.yaml": "model_name_or_path: x\nchat_template: chatml\n"},
        {"other.yaml": 'chat_template: "{% for m in messages %}{% endfor %}"\n'},
        {"src/m.py": "if tokenizer.chat_template == None:\n    pass\n"},
    ],
)
def test_chat_template_negative(tmp_path: Path, files: dict[str, str]) -> None:
    root = _project(tmp_path, {**_HF, **files}, deps=(*_DEPS, "jinja2"))
    assert _gate(root) == ["jinja2"]


# -- class 4a: names a loop hands to a requirement check ---------------------------------------

_CHECK_LOOP = (  # diffusers src/diffusers/dependency_versions_check.py:25-28
    "from .table import deps\nfrom .versions import require_version_core\n\n"
    'pkgs_to_check_at_runtime = "python requests filelock numpy".split()\n'
    "for pkg in pkgs_to_check_at_runtime:\n    if pkg in deps:\n"
    "        require_version_core(deps[pkg])\n    else:\n        raise ValueError(pkg)\n\n\n"
    "def dep_version_check(pkg, hint=None):\n    require_version(deps[pkg], hint)\n"
)


def test_loop_of_names_checked_uses_filelock(tmp_path: Path) -> None:
    files = {**PKG, "demo/check.py": _CHECK_LOOP}
    root = _project(tmp_path, files, deps=("requests", "filelock"))
    assert _gate(root) == []
    assert _evidence(root, "filelock") == (
        "used implicitly: `pkgs_to_check_at_runtime ... require_version_core(deps[pkg` at"
        " demo/check.py:4 (a requirement the code checks)"
    )


@pytest.mark.parametrize(
    "text",
    [
        'import importlib.metadata as md\nfor name in ["filelock", "numpy"]:\n'
        "    print(md.version(name))\n",
        "from importlib.metadata import version\n\n\ndef f():\n"
        "    for dist in ('tqdm', 'filelock'):\n        version(dist)\n",
    ],
)
def test_loop_of_names_checked_other_shapes(tmp_path: Path, text: str) -> None:
    root = _project(tmp_path, {**PKG, "demo/check.py": text}, deps=("requests", "filelock"))
    assert _gate(root) == []


@pytest.mark.parametrize(
    "text",
    [
        # the loop checks something else; the list is printed, not checked; a comment
        'for name in ["filelock"]:\n    print(name)\nversion("requests")\n',
        'NAMES = ["filelock"]\nfor n in NAMES:\n    log(n)\nrequire_version("x")\n',
        '# for pkg in "filelock".split():\n#     require_version(pkg)\n',
    ],
)
def test_loop_of_names_negative(tmp_path: Path, text: str) -> None:
    root = _project(tmp_path, {**PKG, "demo/check.py": text}, deps=("requests", "filelock"))
    assert _gate(root) == ["filelock"]


# -- class 4b: a floor on a used library's requirement (librosa -> numba -> llvmlite) ----------


def test_numba_floor_beside_librosa_is_companion(tmp_path: Path) -> None:
    # diffusers setup.py:113-115, the `test` extra beside librosa
    files = {**PKG, "demo/audio.py": "import librosa\n\nLOAD = librosa.load\n"}
    root = _project(tmp_path, files, deps=("requests", "librosa", "numba>=0.57.0"))
    result = run_gate(root, use_cache=False)
    assert sorted(f.dependency for f in result.failing) == []
    kinds = {f.dependency: f.kind.value for f in result.findings}
    assert kinds["numba"] == "unused-companion"


def test_numba_floor_without_librosa_fails(tmp_path: Path) -> None:
    files = {**PKG, "demo/audio.py": "import soundfile\n\nREAD = soundfile.read\n"}
    root = _project(tmp_path, files, deps=("requests", "soundfile", "numba>=0.57.0"))
    assert _gate(root) == ["numba"]


_NAME = st.from_regex(r"[a-z][a-z0-9]{1,8}(?:-[a-z0-9]{1,5})?", fullmatch=True)


@given(names=st.lists(_NAME, min_size=1, max_size=5, unique=True), split=st.booleans())
def test_looped_checks_finds_every_listed_name(names: list[str], split: bool) -> None:
    shown = f'"{" ".join(names)}".split()' if split else repr(names)
    text = f"NAMES = {shown}\nfor pkg in NAMES:\n    require_version(deps[pkg])\n"
    found = sorted(key for key, _, line in looped_checks(text, frozenset(names)) if line == 1)
    assert found == sorted(names)
