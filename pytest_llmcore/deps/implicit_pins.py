"""Version pins: requirements that projects pin beside the distributions requiring them.

Re-exported by :mod:`.implicit_table` (``PINNED_REQUIREMENTS``); read by
:func:`.companions.pinned_parent` when installed metadata and the lock file don't answer.
``REQUIRES`` holds requirement edges of big hubs, walked only from a used dependency
(:mod:`.pin_chains`).
"""

from __future__ import annotations

__all__ = ["PINNED_REQUIREMENTS", "REQUIRES"]

#: Google Cloud client libraries that require grpcio (through ``google-api-core[grpc]``);
#: google-cloud-storage speaks HTTP only and is none of them.
_GOOGLE_CLOUD_GRPC = tuple(
    f"google-cloud-{name}"
    for name in (
        *("firestore", "pubsub", "bigquery", "bigquery-storage", "bigtable", "spanner"),
        *("datastore", "logging", "aiplatform", "speech", "language", "vision", "translate"),
        *("texttospeech", "secret-manager", "tasks", "monitoring", "dlp", "kms", "container"),
        *("dataproc", "videointelligence", "error-reporting"),
    )
)

#: requirement -> declared distributions that require it. A declaration of the requirement
#: with a version constraint beside one of them pins it (``urllib3<2.0`` for vcrpy), and is
#: reported as ``unused-companion``. Installed metadata answers this when it is there; the
#: table covers the widely pinned transitive requirements when it is not.
PINNED_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    # gradio's own client, pinned to match a gradio build (text-generation-webui's wheel)
    "gradio-client": ("gradio",),
    # exllamav3 requires xformers (unpinned): projects pin the build matching their torch
    "xformers": ("exllamav3",),
    "einops": ("flash-linear-attention", "fla-core"),
    "urllib3": (
        "requests",
        "botocore",
        "boto3",
        "vcrpy",
        "pytest-vcr",
        "pytest-recording",
        "kubernetes",
        "selenium",
        "elasticsearch",
        "opensearch-py",
        "docker",
        "responses",
    ),
    "certifi": ("requests", "httpx", "urllib3", "httpcore"),
    "idna": ("requests", "httpx", "anyio", "yarl"),
    "charset-normalizer": ("requests", "aiohttp"),
    "h11": ("httpx", "httpcore", "uvicorn"),
    "httpcore": ("httpx",),
    "anyio": ("httpx", "starlette", "fastapi", "openai", "anthropic"),
    "sniffio": ("httpx", "anyio", "openai", "anthropic"),
    "starlette": ("fastapi",),
    "jmespath": ("botocore", "boto3"),
    "s3transfer": ("boto3",),
    "wrapt": ("vcrpy", "deprecated"),
    "markupsafe": ("jinja2",),
    # librosa 0.11 Requires-Dist numba>=0.51.0 (its resampling and onset code jit-compile);
    # projects floor numba (and numba's llvmlite) for their Python (diffusers setup.py:113)
    "numba": ("librosa",),
    "llvmlite": ("numba",),
    "grpcio-status": ("google-api-core",),
    # the gRPC runtime of Google Cloud's gRPC clients (google-api-core's ``grpc`` extra):
    # pinned beside them (celery's ``grpcio==1.78.0`` beside google-cloud-firestore)
    "grpcio": (
        "google-api-core",
        "grpcio-status",
        "grpcio-tools",
        "grpcio-health-checking",
        "grpcio-reflection",
        *_GOOGLE_CLOUD_GRPC,
    ),
    # flake8's engines, pinned beside the plugin or flake8 that runs them
    "pydocstyle": ("flake8-docstrings",),
    "pycodestyle": ("flake8", "autopep8"),
    "pyflakes": ("flake8",),
    "mccabe": ("flake8",),
    "apache-tvm-ffi": ("tilelang",),
    # docs toolchains, pinned wherever they are declared (``docutils<0.18`` beside sphinx
    # in a dev requirements file: sphinx issue 9727)
    "mistune": ("nbconvert", "mkdocs-jupyter", "nbsphinx", "m2r2"),
    "docutils": ("sphinx", "sphinx-rtd-theme", "recommonmark", "myst-parser", "nbsphinx", "m2r2"),
    "jinja2": ("sphinx", "mkdocs", "nbconvert", "flask"),
    "markdown": ("mkdocs", "mkdocs-material", "pymdown-extensions"),
    "pymdown-extensions": ("mkdocs-material",),
}


#: requirer -> what its ``Requires-Dist`` names (no extra asked; any platform or Python
#: marker), checked against the released wheels' METADATA (torch 2.6/2.13, transformers
#: 4.51.2, vllm, rpyc 5.3.1, black 23.12.0, anyio 3.7.1, soundfile 0.14, librosa 0.11,
#: gradio 3.35.2/4.16/4.44.1, gradio-client 0.8.1, fastapi 0.100.0, starlette 0.27.0,
#: pydantic 2.7.0, pytest-aiohttp 1.1.1, pytest-asyncio 1.5, aiodns 4,
#: pycares 4.9, tokenizers 0.21.1). Unlike ``PINNED_REQUIREMENTS``, an edge here counts
#: only on a chain that starts at a USED declared dependency: an all-``==`` environment
#: snapshot (lightllm's requirements.txt) pins torch's sympy and sympy's mpmath, while
#: matplotlib's python-dateutil stays unused where matplotlib is. The inference engines'
#: and training stacks' rows (sglang, vllm, lmdeploy, tensorrt-llm, deepspeed...) are in
#: :mod:`.implicit_pins_engines`, merged in below.
REQUIRES: dict[str, tuple[str, ...]] = {
    "torch": ("filelock", "fsspec", "networkx", "sympy", "jinja2", "typing-extensions"),
    "sympy": ("mpmath",),
    "transformers": (
        *("tokenizers", "regex", "packaging", "huggingface-hub", "safetensors"),
        *("pyyaml", "requests", "numpy", "tqdm", "filelock"),
    ),
    "tokenizers": ("huggingface-hub",),
    "huggingface-hub": ("filelock", "fsspec", "packaging", "pyyaml", "tqdm"),
    "vllm": (
        *("tiktoken", "tokenizers", "transformers", "torch", "filelock", "sentencepiece"),
        *("psutil", "pyzmq", "einops", "numpy", "requests", "tqdm", "pyyaml", "regex"),
    ),
    "rpyc": ("plumbum",),
    "uvicorn": ("click", "h11"),
    "black": ("click", "packaging", "pathspec", "platformdirs", "mypy-extensions"),
    "anyio": ("exceptiongroup", "idna", "sniffio"),
    "librosa": ("soundfile", "numba", "scipy", "joblib", "decorator", "audioread", "soxr"),
    "soundfile": ("cffi",),
    "cffi": ("pycparser",),
    # gradio 3.35.2 and 4.44.1 both require pydantic (gradio below 3.50 breaks on pydantic
    # v2: gradio issue 6914, hence llm-awq's ``pydantic==1.10.19``) and gradio's own small
    # helpers; its general-purpose requirements (numpy, pandas, matplotlib, pillow,
    # requests) are left out, so a stray pin of one of those still fails
    "gradio": (
        *("httpx", "gradio-client", "fastapi", "uvicorn", "huggingface-hub", "pydantic"),
        *("aiofiles", "ffmpy", "jinja2", "markupsafe", "orjson", "pydub", "python-multipart"),
        *("semantic-version", "websockets", "pyyaml"),
    ),
    # fastapi 0.100.0, starlette 0.27.0, pydantic 2.7.0 (typing-extensions: a marker-free
    # requirement of fastapi and pydantic)
    "fastapi": ("pydantic", "starlette", "typing-extensions"),
    "starlette": ("anyio",),
    "pydantic": ("pydantic-core", "annotated-types", "typing-extensions"),
    "gradio-client": ("httpx", "fsspec", "huggingface-hub", "websockets"),
    "pytest-aiohttp": ("pytest-asyncio", "aiohttp", "pytest"),
    "pytest-asyncio": ("backports-asyncio-runner", "pytest"),
    "aiodns": ("pycares",),
    "pycares": ("cffi",),
    "httpx": ("httpcore", "anyio", "certifi", "idna", "sniffio"),
    "httpcore": ("h11", "certifi"),
}


def _merged(base: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """``base`` with the engines' rows (:mod:`.implicit_pins_engines`) added to it."""
    from .implicit_pins_engines import ENGINE_REQUIRES

    out = dict(base)
    for requirer, names in ENGINE_REQUIRES.items():
        out[requirer] = tuple(dict.fromkeys((*out.get(requirer, ()), *names)))
    return out


REQUIRES = _merged(REQUIRES)
