"""False `unused` findings of corpus11 (benchmarks/real_projects.toml, /work/corpus11/REPORT.md)
that a library's code, a model's own code or a sandbox image explains: class C (the part of a
library the project uses imports what its distribution does not require; named models whose
code imports a library; Ascend CANN's prerequisites; a backend a setting turns on) and class F
(code held in strings, run in an image whose requirements file declares it).

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail as unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.declarations_req import requirement_names
from pytest_llmcore.deps.implicit_images import code_string_imports
from pytest_llmcore.deps.records import canonical_name
from tests.helpers.gate_projects import PKG
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project
from tests.helpers.gate_projects import unused_kinds as _kinds
from tests.helpers.gate_projects import why as _why

# -- class C1: a library's module imports a distribution its own does not require -----------


def test_lxml_soupparser_uses_beautifulsoup4(tmp_path: Path) -> None:
    # requests-html requests_html.py:20
    files = {"demo/__init__.py": "from lxml.html.soupparser import fromstring as soup_parse\n"}
    root = _project(tmp_path, files, deps=("lxml", "beautifulsoup4"))
    assert _gate(root) == []
    assert _why(root, "beautifulsoup4") == (
        "used implicitly: `lxml.html.soupparser` at demo/__init__.py:1 "
        "(lxml.html.soupparser imports bs4 (lxml's htmlsoup extra))"
    )


@pytest.mark.parametrize(
    ("code", "dist"),
    [
        # EasyR1 examples/reward_function/math.py:18, xtuner v1/rl/judger/geo3k.py:6
        ("from mathruler.grader import extract_boxed_content, grade_answer\n", "pylatexenc"),
        ("from mathruler import grader\n", "pylatexenc"),
        ("from lxml.html import html5parser\n", "html5lib"),
        ("import lxml.cssselect\n", "cssselect"),
        # ms-swift swift/hub/hub.py:292
        (
            "def load():\n    from modelscope import MsDataset\n    return MsDataset.load(x)\n",
            "oss2",
        ),
        ("from modelscope.msdatasets import MsDataset\n", "addict"),
        # xtuner v1/_writer/tb_writer.py:3
        ("from torch.utils.tensorboard import SummaryWriter\n", "tensorboard"),
    ],
)
def test_library_module_uses_what_it_imports(tmp_path: Path, code: str, dist: str) -> None:
    parent = {"pylatexenc": "mathruler", "oss2": "modelscope", "addict": "modelscope"}
    parent.update(tensorboard="torch", html5lib="lxml", cssselect="lxml")
    files = {"demo/__init__.py": code}
    root = _project(tmp_path, files, deps=(parent[dist], dist))
    assert _gate(root) == []
    assert "used implicitly" in _why(root, dist)


@pytest.mark.parametrize(
    ("code", "parent", "dist"),
    [
        ("import lxml.html\nlxml.html.fromstring('<p/>')\n", "lxml", "beautifulsoup4"),
        ("from mathruler.math_normalize import normalize_answer\n", "mathruler", "pylatexenc"),
        # the rest of modelscope needs no datasets extra; jsonplus is not MsDataset's
        ("from modelscope import snapshot_download\n", "modelscope", "oss2"),
        ("from modelscope import MsDataset\n", "modelscope", "simplejson"),
    ],
)
def test_other_library_modules_leave_it_unused(
    tmp_path: Path, code: str, parent: str, dist: str
) -> None:
    root = _project(tmp_path, {"demo/__init__.py": code}, deps=(parent, dist))
    assert _gate(root) == [dist]


# -- class C2: named models whose own code imports a library ---------------------------------

_TRANSFORMERS = {"demo/__init__.py": "import requests\nimport transformers\n"}
_XTUNER_CONFIG = """\
from transformers import AutoModelForCausalLM, AutoTokenizer
pretrained_model_name_or_path = "Qwen/Qwen-1_8B-Chat"
tokenizer = dict(
    type=AutoTokenizer.from_pretrained,
    pretrained_model_name_or_path=pretrained_model_name_or_path,
    trust_remote_code=True,
)
"""


def test_qwen1_config_uses_tiktoken(tmp_path: Path) -> None:
    # xtuner configs/qwen/qwen1/qwen_1_8b_chat/qwen_1_8b_chat_qlora_alpaca_e3.py:34
    files = {**_TRANSFORMERS, "demo/configs/qwen1.py": _XTUNER_CONFIG}
    root = _project(tmp_path, files, deps=("requests", "transformers", "tiktoken"))
    assert _gate(root) == []
    assert _why(root, "tiktoken") == (
        'used implicitly: `"Qwen/Qwen-1_8B-Chat"` at demo/configs/qwen1.py:2 '
        "(Qwen-1's own code (tokenization_qwen.py) imports tiktoken)"
    )


@pytest.mark.parametrize(
    ("code", "dist"),
    [
        # ms-swift swift/model/models/moonshot.py:79 (a registry entry)
        ("MODELS = [Model('moonshotai/Kimi-K3', 'moonshotai/Kimi-K3')]\n", "tiktoken"),
        # LLaMA-Factory src/llamafactory/extras/constants.py:922
        ('GLM4 = {"hf": "zai-org/glm-4-9b-chat"}\n', "tiktoken"),
        ("m = 'Qwen/Qwen-VL-Chat'\n", "tiktoken"),
        # ms-swift swift/model/models/deepseek.py:205, :249
        ("def load():\n    from deepseek_vl.models import VLChatProcessor\n", "attrdict"),
        ("def load():\n    from janus.models import VLChatProcessor\n", "attrdict"),
        # ms-swift swift/model/models/glm.py:78 (a registry entry)
        ("MODELS = [Model('ZhipuAI/chatglm2-6b', 'zai-org/chatglm2-6b')]\n", "cpm-kernels"),
        ("m = 'THUDM/chatglm3-6b-32k'\n", "cpm-kernels"),
        # LLaMA-Factory src/llamafactory/extras/constants.py:1350, :1971
        ('M = {"hf": "internlm/internlm2-chat-7b"}\n', "einops"),
        ('M = {"hf": "openbmb/MiniCPM-o-2_6"}\n', "vocos"),
        ('M = {"hf": "openbmb/MiniCPM-o-2_6"}\n', "vector-quantize-pytorch"),
    ],
)
def test_named_model_code_uses_its_imports(tmp_path: Path, code: str, dist: str) -> None:
    files = {**_TRANSFORMERS, "demo/models.py": code}
    root = _project(tmp_path, files, deps=("requests", "transformers", dist))
    assert _gate(root) == []


@pytest.mark.parametrize(
    "code",
    [
        "m = 'Qwen/Qwen-Image-Edit'\n",  # a diffusers model
        "m = 'Qwen/Qwen2.5-7B-Instruct'\n",
        "m = 'moonshotai/kimi-k2-instruct'\n",  # an API model name at a provider
        "m = 'moonshotai/Kimi-Dev-72B'\n",  # a Qwen2.5 model
        "m = 'zai-org/glm-4-9b-chat-hf'\n",  # a transformers model
        "AutoTokenizer.from_pretrained(path, trust_remote_code=True)\n",  # the user's model
        "import janus\nq = janus.Queue()\n",  # aio-libs' janus
        "m = 'zai-org/glm-4-9b-chat-hf'\n",  # no ChatGLM-6B: cpm-kernels stays unused
        "m = 'internlm/internlm3-8b-instruct'\n",  # not InternLM2: einops not known
    ],
)
def test_other_models_leave_tiktoken_unused(tmp_path: Path, code: str) -> None:
    files = {**_TRANSFORMERS, "demo/models.py": code}
    deps = ("requests", "transformers", "tiktoken", "attrdict", "cpm-kernels", "einops")
    root = _project(tmp_path, files, deps=deps)
    assert _gate(root) == ["attrdict", "cpm-kernels", "einops", "tiktoken"]


# -- class C4: Ascend CANN's Python prerequisites, loaded through torch-npu ---------------------


def test_decorator_beside_used_torch_npu_is_a_companion(tmp_path: Path) -> None:
    # vllm-ascend requirements.txt:3; ms-swift requirements/npu.txt:1
    files = {"demo/__init__.py": "import torch\nimport torch_npu\n"}
    root = _project(tmp_path, files, deps=("torch", "torch-npu", "decorator"))
    assert _gate(root) == []
    assert _kinds(root) == {"decorator": "unused-companion"}


def test_decorator_beside_vllm_ascend_is_a_companion(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "import vllm_ascend\n"}
    root = _project(tmp_path, files, deps=("vllm-ascend", "decorator"))
    assert _kinds(root) == {"decorator": "unused-companion"}


def test_decorator_without_torch_npu_stays_unused(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "import torch\n"}
    root = _project(tmp_path, files, deps=("torch", "decorator"))
    assert _gate(root) == ["decorator"]


# -- class C5: a backend a setting turns on ---------------------------------------------------

_SUFFIX_TEST = """\
def test_suffix():
    with VllmRunner(
        model_name,
        speculative_config={
            "method": "suffix",
            "num_speculative_tokens": 10,
        },
    ) as runner:
        pass
"""


@pytest.mark.parametrize(
    "code",
    [
        # vllm-ascend vllm_ascend/spec_decode/suffix_proposer.py:2
        "from vllm.v1.spec_decode.suffix_decoding import SuffixDecodingProposer\n",
        # tests/e2e/pull_request/one_card/spec_decode/test_suffix.py:20
        _SUFFIX_TEST,
        "llm = LLM(m, speculative_config={'method': 'suffix'})\n",
    ],
)
def test_vllm_suffix_decoding_uses_arctic_inference(tmp_path: Path, code: str) -> None:
    files = {"demo/__init__.py": "import requests\nimport vllm\n", "demo/spec.py": code}
    root = _project(tmp_path, files, deps=("requests", "vllm", "arctic-inference"))
    assert _gate(root) == []


def test_other_speculative_method_leaves_arctic_inference_unused(tmp_path: Path) -> None:
    code = "llm = LLM(m, speculative_config={'method': 'ngram'})\nsuffix = 'x'\n"
    files = {"demo/__init__.py": "import requests\nimport vllm\n", "demo/spec.py": code}
    root = _project(tmp_path, files, deps=("requests", "vllm", "arctic-inference"))
    assert _gate(root) == ["arctic-inference"]


_GALLERY_CONF = """\
extensions = ["sphinx_gallery.gen_gallery"]
sphinx_gallery_conf = {
    "doc_module": "imblearn",
    "show_memory": %s,
    "reference_url": {"imblearn": None},
}
"""


def test_sphinx_gallery_show_memory_uses_memory_profiler(tmp_path: Path) -> None:
    # imbalanced-learn doc/conf.py:177
    files = {**PKG, "doc/conf.py": _GALLERY_CONF % "True"}
    root = _project(tmp_path, files, deps=("requests",), dev=("sphinx-gallery", "memory-profiler"))
    assert _gate(root) == []
    why = _why(root, "memory-profiler")
    assert '`"show_memory": True` at doc/conf.py:4 (sphinx-gallery\'s show_memory' in why


def test_sphinx_gallery_without_show_memory_leaves_memory_profiler_unused(tmp_path: Path) -> None:
    files = {**PKG, "doc/conf.py": _GALLERY_CONF % "False"}
    root = _project(tmp_path, files, deps=("requests",), dev=("sphinx-gallery", "memory-profiler"))
    assert _gate(root) == ["memory-profiler"]


# -- class F: code held in strings, run in the image a Dockerfile installs the file into -------

# NeMo-Skills dockerfiles/Dockerfile.sandbox:62-63, requirements/code_execution.txt:17-25,
# nemo_skills/inference/eval/scicode_utils.py:164-165
_SANDBOX_DOCKERFILE = """\
FROM python:3.10
COPY requirements/code_execution.txt /app/requirements.txt
RUN pip install --no-cache-dir -r /app/requirements.txt
COPY demo/sandbox_server.py /app/main.py
"""
_SANDBOX_REQS = "# packages the LLM's code may use\nannotated-types>=0.7.0\nh5py\nsympy\n"
_EVAL_PREFIX = '''\
"""Evaluation helpers."""

eval_prefix = """
import h5py
H5PY_FILE = "/data/test_data.h5"
"""


def are_close(a, b):
    return sandbox.run(code=f"""
def check():
    import sympy
    return sympy.simplify(a - b) == 0
""")
'''


def _sandbox(
    tmp_path: Path, dockerfile: str = _SANDBOX_DOCKERFILE, code: str = _EVAL_PREFIX
) -> Path:
    files = {
        **PKG,
        "demo/eval.py": code,
        "requirements/code_execution.txt": _SANDBOX_REQS,
        "dockerfiles/Dockerfile.sandbox": dockerfile,
    }
    return _project(tmp_path, files, deps=("requests",))


def test_code_string_imports_use_the_sandbox_images_requirements(tmp_path: Path) -> None:
    root = _sandbox(tmp_path)
    assert _gate(root) == ["annotated-types"]  # nothing imports it, in a string or not
    assert _why(root, "h5py") == (
        "used implicitly: `import h5py` at demo/eval.py:4 (Python code held in a string, run "
        "where requirements/code_execution.txt, installed in the image of "
        "dockerfiles/Dockerfile.sandbox:2)"
    )
    assert _why(root, "sympy").startswith("used implicitly: `import sympy` at demo/eval.py:12 ")


@pytest.mark.parametrize(
    "dockerfile",
    [
        # a folder as the destination, the file keeping its name
        "FROM python:3.10\nCOPY requirements/code_execution.txt /app/\n"
        "RUN pip install -r /app/code_execution.txt\n",
        # the JSON form, uv, a continuation line
        'FROM python:3.10\nCOPY ["requirements/code_execution.txt", "/tmp/reqs.txt"]\n'
        "RUN pip install uv && \\\n    uv pip install --system -r /tmp/reqs.txt\n",
        "FROM python:3.10\nADD --chown=app requirements/code_execution.txt requirements.txt\n"
        "RUN python -m pip install --requirement=requirements.txt\n",
    ],
)
def test_other_image_installs_of_the_requirements_file(tmp_path: Path, dockerfile: str) -> None:
    assert _gate(_sandbox(tmp_path, dockerfile)) == ["annotated-types"]


@pytest.mark.parametrize(
    ("dockerfile", "code"),
    [
        # no image installs the file: it declares the package's own environment
        ("FROM python:3.10\nRUN pip install flask\n", _EVAL_PREFIX),
        # copied from another stage, not from the project
        (
            "FROM python:3.10\nCOPY --from=build requirements/code_execution.txt /app/r.txt\n"
            "RUN pip install -r /app/r.txt\n",
            _EVAL_PREFIX,
        ),
        # copied, never installed
        ("FROM python:3.10\nCOPY requirements/code_execution.txt /app/r.txt\n", _EVAL_PREFIX),
        # a docstring's example and a comment are no code the image runs
        (
            _SANDBOX_DOCKERFILE,
            'def f():\n    """Example:\n\n    import h5py\n    import sympy\n    """\n'
            "# import h5py\n",
        ),
    ],
)
def test_string_imports_elsewhere_leave_entries_unused(
    tmp_path: Path, dockerfile: str, code: str
) -> None:
    root = _sandbox(tmp_path, dockerfile, code)
    assert _gate(root) == ["annotated-types", "h5py", "sympy"]


# -- class F: the string-code reader and the requirement-name reader, property-tested ----------

_MODULE = st.from_regex(r"[a-z][a-z0-9_]{1,8}", fullmatch=True).filter(
    lambda m: m not in {"import", "from", "return"}
)


@given(mod=_MODULE, indent=st.sampled_from(["", "    "]), var=_MODULE)
def test_code_string_imports_only_in_assigned_strings(mod: str, indent: str, var: str) -> None:
    owners = {mod: f"dist-{mod}"}
    real = f"{indent}import {mod}\n"
    docstring = f'def f():\n    """Example.\n\n{indent}import {mod}\n    """\n'
    comment = f"# import {mod}\n"
    assert list(code_string_imports(real + docstring + comment, owners)) == []
    held = f'{var} = """\n{indent}import {mod}\n"""\n'
    assert list(code_string_imports(comment + held, owners)) == [
        (f"dist-{mod}", f"import {mod}", 3)
    ]


@given(
    name=st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,6}(?:[-_.][A-Za-z0-9]{1,4}){0,2}", fullmatch=True),
    spec=st.sampled_from(["", ">=1.0", "==2.1.0 ; python_version < '3.12'", "[extra]>=1"]),
)
def test_requirement_names_reads_each_entry(name: str, spec: str) -> None:
    text = f"# header\n{name}{spec}  # why\n-r other.txt\n--index-url https://x\n"
    assert requirement_names(text) == [canonical_name(name)]
