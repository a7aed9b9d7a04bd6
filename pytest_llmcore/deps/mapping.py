"""Which modules a distribution provides: user map, installed metadata, built-in table, guess."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import NamedTuple

from .installed import InstalledDist, installed
from .records import Memo, canonical_name, no_memo
from .stdlib import OTHER_STDLIB, stdlib_names
from .stubs import STUB_DISTRIBUTIONS, stubbed_distribution

__all__ = [
    "BUILTIN_MODULES",
    "MAP_FILE",
    "OTHER_STDLIB",
    "STUB_DISTRIBUTIONS",
    "ModuleMap",
    "Provides",
    "builtin_entry",
    "builtin_table",
    "modules_from_files",
    "stdlib_backfills",
    "stdlib_names",
    "stubbed_distribution",
]

#: Generated from real wheel metadata by scripts/gen_module_map.py (see its docstring).
MAP_FILE = Path(__file__).with_name("module_map.tsv")

#: Hand-kept names that differ, merged with the generated table (union of modules), for
#: distributions the wheel set that generated it may lack. Keys are PEP 503 names.
#: So a lightweight CI environment, where torch or llama-cpp-python are not installed,
#: still judges them right.
BUILTIN_MODULES: dict[str, tuple[str, ...]] = {
    "llama-cpp-python": ("llama_cpp",),
    "openai-whisper": ("whisper",),
    "faster-whisper": ("faster_whisper",),
    "nvidia-ml-py": ("pynvml",),
    "nvidia-ml-py3": ("pynvml",),
    "pynvml": ("pynvml",),
    "pillow": ("PIL",),
    "scikit-learn": ("sklearn",),
    "scikit-image": ("skimage",),
    "pyyaml": ("yaml",),
    "opencv-python": ("cv2",),
    "opencv-python-headless": ("cv2",),
    "opencv-contrib-python": ("cv2",),
    "opencv-contrib-python-headless": ("cv2",),
    "beautifulsoup4": ("bs4",),
    "python-dateutil": ("dateutil",),
    "protobuf": ("google.protobuf",),
    "attrs": ("attr", "attrs"),
    "python-dotenv": ("dotenv",),
    "python-multipart": ("multipart", "python_multipart"),
    "pyjwt": ("jwt",),
    "pymupdf": ("fitz", "pymupdf"),
    "pytorch-lightning": ("pytorch_lightning",),
    "lightning": ("lightning",),
    "sentence-transformers": ("sentence_transformers",),
    "huggingface-hub": ("huggingface_hub",),
    "llama-index": ("llama_index",),
    "llama-index-core": ("llama_index.core",),
    "langchain-core": ("langchain_core",),
    "langchain-community": ("langchain_community",),
    "langchain-openai": ("langchain_openai",),
    "mistral-common": ("mistral_common",),
    "vllm": ("vllm",),
    "auto-gptq": ("auto_gptq",),
    "autoawq": ("awq",),
    # AutoAWQ_kernels setup.py builds only CUDA extensions, no package named after it:
    # awq_ext, awq_v2_ext, exl_ext, exlv2_ext, awq_ft_ext (AutoAWQ: ``import awq_ext``)
    "autoawq-kernels": ("awq_ext", "awq_v2_ext", "exl_ext", "exlv2_ext", "awq_ft_ext"),
    "bitsandbytes": ("bitsandbytes",),
    "flash-attn": ("flash_attn",),
    "xformers": ("xformers",),
    "onnxruntime": ("onnxruntime",),
    "onnxruntime-gpu": ("onnxruntime",),
    "tensorflow-gpu": ("tensorflow",),
    "tensorflow-cpu": ("tensorflow",),
    "tf-keras": ("tf_keras",),
    "jax": ("jax",),
    "jaxlib": ("jaxlib",),
    "nvidia-cuda-runtime-cu12": ("nvidia.cuda_runtime",),
    "cupy-cuda12x": ("cupy",),
    "cupy-cuda11x": ("cupy",),
    "pycuda": ("pycuda",),
    "pyzmq": ("zmq",),
    "pyserial": ("serial",),
    "pycryptodome": ("Crypto",),
    "pycryptodomex": ("Cryptodome",),
    "pyopenssl": ("OpenSSL",),
    "msgpack-python": ("msgpack",),
    "python-magic": ("magic",),
    "python-docx": ("docx",),
    "python-pptx": ("pptx",),
    "pypdf2": ("PyPDF2",),
    "pygithub": ("github",),
    "gitpython": ("git",),
    "psycopg2-binary": ("psycopg2",),
    "psycopg-binary": ("psycopg",),
    "mysqlclient": ("MySQLdb",),
    "pymysql": ("pymysql",),
    "sqlalchemy": ("sqlalchemy",),
    "setuptools": ("setuptools", "pkg_resources", "_distutils_hack"),
    "typing-extensions": ("typing_extensions",),
    "importlib-metadata": ("importlib_metadata",),
    "importlib-resources": ("importlib_resources",),
    "ruamel-yaml": ("ruamel.yaml",),
    "websocket-client": ("websocket",),
    "python-socketio": ("socketio",),
    "python-json-logger": ("pythonjsonlogger",),
    "prometheus-client": ("prometheus_client",),
    "opentelemetry-api": ("opentelemetry",),
    "opentelemetry-sdk": ("opentelemetry.sdk",),
    "grpcio": ("grpc",),
    "grpcio-tools": ("grpc_tools",),
    "google-api-python-client": ("googleapiclient",),
    "google-auth": ("google.auth", "google.oauth2"),
    # namespace distributions that ship versioned sub-packages beside the plain one
    "google-cloud-pubsub": (
        "google.cloud.pubsub",
        "google.cloud.pubsub_v1",
        "google.pubsub",
        "google.pubsub_v1",
    ),
    "google-cloud-bigquery": ("google.cloud.bigquery", "google.cloud.bigquery_v2"),
    "google-cloud-aiplatform": (
        "google.cloud.aiplatform",
        "google.cloud.aiplatform_v1",
        "google.cloud.aiplatform_v1beta1",
        "vertexai",
    ),
    "google-cloud-secret-manager": ("google.cloud.secretmanager", "google.cloud.secretmanager_v1"),
    "azure-core": ("azure.core",),
    "guidance-stitch": ("stitch",),
    "onnxruntime-genai": ("onnxruntime_genai",),
    "onnxruntime-genai-cuda": ("onnxruntime_genai",),
    "onnxruntime-genai-directml": ("onnxruntime_genai",),
    "cerebras-cloud-sdk": ("cerebras.cloud.sdk",),
    "fireworks-ai": ("fireworks",),
    "writer-sdk": ("writerai",),
    "pyreadline3": ("readline", "pyreadline3"),
    "pyreadline": ("readline", "pyreadline"),
    "gnureadline": ("readline", "gnureadline"),
    "google-generativeai": ("google.generativeai",),
    "google-genai": ("google.genai",),
    "azure-identity": ("azure.identity",),
    "ray": ("ray",),
    "dask": ("dask",),
    "tiktoken": ("tiktoken",),
    "torch": ("torch",),
    "torchvision": ("torchvision",),
    "torchaudio": ("torchaudio",),
    "ollama": ("ollama",),
    "openai": ("openai",),
    "sentencepiece": ("sentencepiece",),
    "tokenizers": ("tokenizers",),
    "gguf": ("gguf",),
    "numba": ("numba",),
    "nvidia-ml-py-cuda": ("pynvml",),
    "pytest-xdist": ("xdist",),
    "pytest-cov": ("pytest_cov",),
    "pytest-asyncio": ("pytest_asyncio",),
    "pytest-mock": ("pytest_mock",),
    "pytest-benchmark": ("pytest_benchmark",),
    "pytest-memray": ("pytest_memray",),
    "pytest-llmcore": ("pytest_llmcore",),
    "hypothesis": ("hypothesis",),
    "deptry": ("deptry",),
    "mkdocs-material": ("material",),
}

#: Namespace families: the distribution's tail names a sub-package of the namespace, its
#: dashes written as the family writes them (google-cloud-storage-transfer ->
#: ``google.cloud.storage_transfer``, azure-ai-inference -> ``azure.ai.inference``).
_NAMESPACES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("google-cloud-", "google.cloud.", ("_", "")),
    ("azure-", "azure.", (".", "_")),
    ("jaraco-", "jaraco.", (".", "_")),
    ("zope-", "zope.", (".", "_")),
    ("backports-", "backports.", ("_", ".")),
    ("sphinxcontrib-", "sphinxcontrib.", ("_", ".")),
)


#: Distributions that provide a module under a standard-library name where the platform's
#: Python lacks it (readline on Windows). An import of that name is theirs to claim.
STDLIB_BACKFILLS: dict[str, tuple[str, ...]] = {
    "pyreadline3": ("readline",),
    "pyreadline": ("readline",),
    "gnureadline": ("readline",),
}


def stdlib_backfills(declared: Iterable[str]) -> set[str]:
    """Standard-library module names that declared distributions provide (not to be skipped)."""
    out: set[str] = set()
    for name in declared:
        out.update(STDLIB_BACKFILLS.get(canonical_name(name), ()))
    return out


class Provides(NamedTuple):
    """The modules a distribution provides, and how that was learnt."""

    dist: str
    modules: tuple[str, ...]
    source: str
    """``config``, ``metadata``, ``builtin`` or ``guess``."""


def _guess(key: str) -> tuple[str, ...]:
    """Conservative guesses: a wrong guess only ever becomes an ``unmapped`` finding."""
    for prefix, package, joins in _NAMESPACES:
        if key.startswith(prefix) and len(key) > len(prefix):
            tail = key[len(prefix) :]
            return tuple(dict.fromkeys(package + tail.replace("-", j) for j in joins))
    base = key.replace("-", "_")
    guesses = [base]
    for prefix in ("python_", "py_"):
        if base.startswith(prefix) and len(base) > len(prefix) + 1:
            guesses.append(base[len(prefix) :])
    if base.endswith("_python"):
        guesses.append(base[: -len("_python")])
    return tuple(guesses)


@cache
def _table_text() -> str:
    try:
        return "\n" + MAP_FILE.read_text(encoding="utf-8")
    except OSError:
        return ""  # a broken install still has the hand-kept table


def builtin_entry(key: str) -> tuple[str, ...]:
    """One distribution's row of :func:`builtin_table`, found without parsing 4,000 rows
    (a start-up cost every run would pay for one undeclared-in-the-venv dependency)."""
    text = _table_text()
    at = text.find(f"\n{key}\t")
    listed: list[str] = []
    if at >= 0:
        end = text.find("\n", at + 1)
        listed = text[at + len(key) + 2 : end if end >= 0 else len(text)].split(",")
    return tuple(dict.fromkeys(m for m in (*listed, *BUILTIN_MODULES.get(key, ())) if m))


@cache
def builtin_table() -> Mapping[str, tuple[str, ...]]:
    """The generated table (module_map.tsv) merged with :data:`BUILTIN_MODULES`."""
    table: dict[str, tuple[str, ...]] = {}
    try:
        text = MAP_FILE.read_text(encoding="utf-8")
    except OSError:
        text = ""  # a broken install still has the hand-kept table
    for line in text.splitlines():
        if line and not line.startswith("#"):
            dist, _, listed = line.partition("\t")
            if listed:
                table[dist] = tuple(listed.split(","))
    for dist, mods in BUILTIN_MODULES.items():
        table[dist] = tuple(dict.fromkeys((*table.get(dist, ()), *mods)))
    return table


def modules_from_files(files: Iterable[str]) -> tuple[str, ...]:
    """Importable module roots from a RECORD, descending into namespace packages."""
    tree: dict[str, set[str]] = {}
    seen: dict[str, set[str]] = {}  # a valid directory path -> its file names in ``tree``
    modules: set[str] = set()
    for f in files:
        parts = f.replace("\\", "/").split("/")
        if (
            not parts
            or parts[0] in ("..", "")
            or parts[0].endswith((".dist-info", ".egg-info", ".data"))
        ):
            continue
        if parts[0] in ("__pycache__", "bin", "include", "share", "scripts"):
            continue
        if len(parts) == 1:
            name = parts[0]
            m = re.match(r"^([A-Za-z_]\w*)(?:\.[\w-]+)*\.(py|pyi|so|pyd)$", name)
            if m and m.group(1) != "__init__":
                modules.add(m.group(1))
            continue
        dirs = parts[:-1]
        dir_key = "/".join(dirs)
        known = seen.get(dir_key)
        if known is not None:  # a RECORD lists many files per directory: checked once
            known.add(parts[-1])
            continue
        if not all(re.match(r"^[A-Za-z_]\w*$", d) for d in dirs):
            continue
        for depth in range(1, len(dirs) + 1):
            tree.setdefault(".".join(dirs[:depth]), set()).add(
                parts[-1] if depth == len(dirs) else ""
            )
        seen[dir_key] = tree[".".join(dirs)]
    packages = {pkg for pkg, names in tree.items() if any(n.startswith("__init__.") for n in names)}
    for pkg in sorted(packages, key=lambda p: p.count(".")):
        # a package below another package is part of it
        if not any(pkg.startswith(other + ".") for other in modules if other in packages):
            modules.add(pkg)
    # plain modules inside namespace directories (``google/cloud/foo.py``; a directory
    # holding an ``__init__`` is a package, skipped here)
    for pkg, names in tree.items():
        if pkg in packages or any(pkg.startswith(p + ".") for p in packages):
            continue
        for n in names:
            m = re.match(r"^([A-Za-z_]\w*)(?:\.[\w-]+)*\.(py|so|pyd)$", n)
            if m:
                modules.add(f"{pkg}.{m.group(1)}")
    return tuple(sorted(modules))


def _top_level_packages(dist: InstalledDist) -> tuple[str, ...]:
    """top_level.txt, trusted only when each entry is a real package or module (not a namespace)."""
    text = dist.read_text("top_level.txt")
    if not text:
        return ()
    names = [ln.strip().replace("/", ".") for ln in text.splitlines() if ln.strip()]
    for name in names:
        base = name.replace(".", "/")
        if not (
            dist.locate_file(f"{base}/__init__.py").is_file()
            or dist.locate_file(f"{base}.py").is_file()
        ):
            return ()  # a namespace package or an extension module: RECORD knows better
    return tuple(sorted(set(names)))


@cache
def _installed(key: str) -> tuple[str, ...] | None:
    dist = installed(key)
    if dist is None:
        return None
    mods = _top_level_packages(dist)
    if not mods:
        record = dist.read_text("RECORD") or dist.read_text("installed-files.txt") or ""
        mods = modules_from_files(line.split(",", 1)[0] for line in record.splitlines())
    return mods or None


class ModuleMap:
    """Resolves each declared distribution to the modules it provides."""

    def __init__(
        self,
        user_map: Mapping[str, Iterable[str]] | None = None,
        use_metadata: bool = True,
        memo: Memo = no_memo,
        namespaces: Iterable[str] = (),
    ) -> None:
        """``namespaces``: the project's own top-level names a declared distribution may
        add to (:mod:`.namespaces`): ``axolotl-contribs-lgpl`` is guessed as
        ``axolotl.contribs.lgpl`` too."""
        self.user = {canonical_name(k): tuple(v) for k, v in (user_map or {}).items()}
        self.use_metadata = use_metadata
        self.memo = memo
        self.namespaces = tuple(namespaces)

    def provides(self, dist: str) -> Provides:
        found = self._own(dist)
        from .meta_packages import META_PACKAGES

        installs = META_PACKAGES.get(canonical_name(dist), ())
        if not installs or found.source == "config":
            return found
        # a meta-package: the modules of what it installs are imported through it
        extra = [m for d in installs for m in self._own(d).modules]
        return Provides(dist, tuple(dict.fromkeys((*found.modules, *extra))), found.source)

    def _own(self, dist: str) -> Provides:
        key = canonical_name(dist)
        if key in self.user:
            return Provides(dist, self.user[key], "config")
        if self.use_metadata:
            mods = tuple(self.memo("installed", key, lambda: list(_installed(key) or ())))
            if mods:
                return Provides(dist, mods, "metadata")
        listed = builtin_entry(key)
        if listed:
            # the table holds the newest wheel's modules; the plain name stays as well, since
            # an older release may provide it (pynvml <= 11 was ``pynvml``, 12 is only
            # ``pynvml_utils``): a module the table misses must never read as unused
            plain = key.replace("-", "_")
            return Provides(dist, tuple(dict.fromkeys((*listed, plain))), "builtin")
        if self.namespaces:
            from .namespaces import extension_guesses

            return Provides(dist, (*_guess(key), *extension_guesses(key, self.namespaces)), "guess")
        return Provides(dist, _guess(key), "guess")


def module_matches(imported: str, provided: str) -> bool:
    """``numpy.linalg`` comes from ``numpy``; ``google.cloud`` not from ``google.cloud.storage``."""
    return imported == provided or imported.startswith(provided + ".")
