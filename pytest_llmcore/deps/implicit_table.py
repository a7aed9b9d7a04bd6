"""Implicit uses: code that needs a distribution without importing it, and companions.

``TRIGGERS``: (distributions, regex, what) rows. When the regex matches a project's
source file, each distribution is used ("used implicitly: `engine="pyarrow"` at
io.py:12"). ``COMPANIONS``: distribution -> the libraries that load it by themselves
when installed. A companion with no import and no trigger, whose parent is used, is
reported as ``unused-companion`` (LLMD006), which does not fail by default.

Extend both from a conftest.py or plugin with the ``pytest_llmcore_deps_implicit_triggers``
hook (see docs/deps.md), or send a pull request adding a row here.
"""

from __future__ import annotations

from collections.abc import Mapping

from .declarations_conda_names import CONDA_BINARY_WRAPPERS
from .implicit_hub import REMOTE_CODE_MODELS, REMOTE_CODE_NEEDLES
from .implicit_pins import PINNED_REQUIREMENTS
from .implicit_table_db import DB_DIALECT_TRIGGERS, DB_DRIVERS
from .implicit_table_libs import CANN_COMPANIONS, LIB_NEEDLES, LIB_TRIGGERS
from .implicit_table_ml import LM_EVAL_TASK_DEPS, ML_COMPANIONS, ML_NEEDLES, ML_TRIGGERS

__all__ = [
    "COMPANIONS",
    "DB_DRIVERS",
    "ENGINES",
    "ENV_SETTINGS",
    "NEEDLES",
    "PINNED_REQUIREMENTS",
    "TRIGGERS",
    "companion_parents",
]

#: pandas/polars/xarray ``engine=`` and ``flavor=`` values -> distributions.
ENGINES: dict[str, tuple[str, ...]] = {
    "pyarrow": ("pyarrow",),
    "fastparquet": ("fastparquet",),
    "openpyxl": ("openpyxl",),
    "xlsxwriter": ("xlsxwriter",),
    "odf": ("odfpy",),
    "xlrd": ("xlrd",),
    "calamine": ("python-calamine",),
    "pyxlsb": ("pyxlsb",),
    "numba": ("numba",),
    "netcdf4": ("netcdf4",),
    "h5netcdf": ("h5netcdf",),
    "zarr": ("zarr",),
    "lxml": ("lxml",),
    "bs4": ("beautifulsoup4",),
    "html5lib": ("html5lib",),
    "cfgrib": ("cfgrib",),
    "rasterio": ("rioxarray",),
}

#: the rows that match an environment variable's setting: they also run on tox.ini,
#: tox.toml and pyproject.toml (``setenv``/``set_env``)
ENV_COVERAGE = "coverage's subprocess measurement (COVERAGE_PROCESS_START)"
ENV_SETTINGS = frozenset((ENV_COVERAGE,))

#: (distributions, pattern, what it means). Patterns run on source text, strings included.
TRIGGERS: list[tuple[tuple[str, ...], str, str]] = [
    # database and broker URLs
    (("psycopg2", "psycopg2-binary"), r"\bpostgres(?:ql)?://", "SQLAlchemy's default driver"),
    (("mysqlclient",), r"\bmysql://", "SQLAlchemy's default MySQL driver"),
    (("redis",), r"\brediss?://", "a Redis URL"),
    (("pymongo",), r"\bmongodb(?:\+srv)?://", "a MongoDB URL"),
    (("dnspython",), r"\bmongodb\+srv://", "mongodb+srv:// needs DNS SRV lookups"),
    (("snowflake-sqlalchemy",), r"\bsnowflake://", "the Snowflake SQLAlchemy dialect"),
    (("sqlalchemy-bigquery",), r"\bbigquery://", "the BigQuery SQLAlchemy dialect"),
    (("duckdb-engine",), r"\bduckdb:///", "the DuckDB SQLAlchemy dialect"),
    (("clickhouse-sqlalchemy",), r"\bclickhouse(?:\+\w+)?://", "the ClickHouse dialect"),
    *DB_DIALECT_TRIGGERS,  # db2://, trino://, hana+hdbcli://: external dialects, default drivers
    (("greenlet",), r"\bcreate_async_engine\b|\bAsyncSession\b", "SQLAlchemy asyncio"),
    # fsspec protocols
    (("s3fs",), r"[\"']s3a?://", "an fsspec s3:// path"),
    (("gcsfs",), r"[\"']gc?s://", "an fsspec gs:// path"),
    (("adlfs",), r"[\"'](?:abfss?|az|adl)://", "an fsspec Azure path"),
    (("paramiko",), r"[\"']sftp://", "an fsspec sftp:// path"),
    # pandas / polars IO engines and optional dependencies
    (
        ("openpyxl", "xlrd", "python-calamine", "pyxlsb", "odfpy"),
        r"\bread_excel\s*\(",
        "read_excel",
    ),
    (("openpyxl", "xlsxwriter"), r"\.to_excel\s*\(|\bExcelWriter\s*\(", "to_excel"),
    (("xlsxwriter",), r"\.write_excel\s*\(", "polars write_excel"),
    (("fastexcel",), r"\bpl\.read_excel\s*\(", "polars read_excel"),
    (("pyarrow", "fastparquet"), r"\bread_parquet\s*\(|\.to_parquet\s*\(", "parquet IO"),
    (
        ("pyarrow",),
        r"\bread_feather\s*\(|\.to_feather\s*\(|\bread_orc\s*\(|\.to_orc\s*\(",
        "feather/ORC IO",
    ),
    (("pyarrow",), r"dtype_backend\s*=\s*[\"']pyarrow|\[pyarrow\]", "pyarrow-backed dtypes"),
    (("pyarrow", "pandas"), r"\.to_pandas\s*\(", "to_pandas"),
    (("lxml", "beautifulsoup4", "html5lib"), r"\bread_html\s*\(", "read_html"),
    (("lxml",), r"\bread_xml\s*\(|\.to_xml\s*\(", "XML IO"),
    (("tabulate",), r"\.to_markdown\s*\(", "to_markdown"),
    (("tables",), r"\bread_hdf\s*\(|\.to_hdf\s*\(|\bHDFStore\s*\(", "HDF5 IO"),
    (
        ("jinja2",),
        r"\.style\.(?:format|background_gradient|highlight_\w+|apply|map|hide|set_\w+)"
        r"\s*\(|\.to_latex\s*\(",
        "pandas Styler",
    ),
    (("sqlalchemy",), r"\bread_sql(?:_query|_table)?\s*\(|\.to_sql\s*\(", "pandas SQL IO"),
    (("matplotlib",), r"\.plot(?:\.\w+)?\s*\(|\.hist\s*\(", "pandas plotting"),
    (("plotly",), r"plotting\.backend\s*=\s*[\"']plotly|backend\s*=\s*[\"']plotly", "plotly"),
    (("pandas-gbq",), r"\bread_gbq\s*\(|\.to_gbq\s*\(", "BigQuery IO"),
    (("pyreadstat",), r"\bread_spss\s*\(", "read_spss"),
    (("kaleido",), r"\.write_image\s*\(|\.to_image\s*\(", "plotly static export"),
    (("ipywidgets",), r"\btqdm\.(?:notebook|auto)\b|from tqdm\.(?:notebook|auto)", "tqdm widgets"),
    # pydantic, httpx, requests
    (("email-validator",), r"\bEmailStr\b|\bNameEmail\b", "pydantic EmailStr"),
    (("h2",), r"\bhttp2\s*=\s*True", "http2=True"),
    (("socksio", "pysocks"), r"[\"']socks[45]h?://", "a SOCKS proxy URL"),
    # web frameworks and servers
    (
        ("python-multipart",),
        r"\bUploadFile\b|\bForm\s*\(|\bFile\s*\(|OAuth2PasswordRequestForm",
        "form and file parameters",
    ),
    (("orjson",), r"\bORJSONResponse\b", "ORJSONResponse"),
    (("ujson",), r"\bUJSONResponse\b", "UJSONResponse"),
    (("jinja2",), r"\bJinja2Templates\b", "Jinja2Templates"),
    (("itsdangerous",), r"\bSessionMiddleware\b", "SessionMiddleware"),
    # starlette.testclient imports httpx2 when installed, else httpx (fastapi re-exports it)
    (
        ("httpx", "httpx2"),
        r"\bTestClient\s*\(|\b(?:starlette|fastapi)\.testclient\b",
        "Starlette's TestClient",
    ),
    (("uvloop",), r"loop\s*=\s*[\"']uvloop|--loop[= ]uvloop", "uvicorn loop"),
    (("httptools",), r"http\s*=\s*[\"']httptools|--http[= ]httptools", "uvicorn http"),
    (("websockets",), r"\bws\s*=\s*[\"']websockets|--ws[= ]websockets", "uvicorn ws"),
    (("wsproto",), r"\bws\s*=\s*[\"']wsproto|--ws[= ]wsproto", "uvicorn ws"),
    (("watchfiles",), r"\breload\s*=\s*True|--reload\b", "auto-reload"),
    (("python-dotenv",), r"\benv_file\s*=|--env-file\b", "env_file"),
    (
        ("gevent",),
        r"(?:worker_class|worker_pool|-k|-P|--pool|--worker-class)\s*[= ]\s*"
        r"[\"']?gevent",
        "gevent workers",
    ),
    (
        ("eventlet",),
        r"(?:worker_class|worker_pool|-k|-P|--pool|--worker-class)\s*[= ]\s*"
        r"[\"']?eventlet",
        "eventlet workers",
    ),
    (("tornado",), r"(?:worker_class|-k|--worker-class)\s*[= ]\s*[\"']?tornado", "tornado workers"),
    # transformers and friends
    (
        ("sentencepiece",),
        r"\buse_fast\s*=\s*False|\b(?:T5|Llama|CodeLlama|XLNet|Albert|Camembert"
        r"|Marian|MBart|Mbart|Pegasus|Reformer|BigBird|Barthez|M2M100|XLMRoberta|DebertaV2|Gemma"
        r"|Speech2Text|NllbTokenizer|Nllb)Tokenizer\b(?!Fast)|\bSentencePiece",
        "slow tokenizers",
    ),
    (("protobuf",), r"\bfrom_slow\s*=\s*True|\buse_fast\s*=\s*False", "tokenizer conversion"),
    (
        ("accelerate",),
        r"\bdevice_map\s*=|\blow_cpu_mem_usage\s*=\s*True|\bmax_memory\s*="
        r"|\boffload_folder\s*=|\b(?:Seq2Seq|SFT|DPO|Reward|GRPO|PPO)?Trainer\s*\("
        r"|\b(?:Seq2Seq)?TrainingArguments\s*\(",
        "device_map= / Trainer",
    ),
    (
        ("bitsandbytes",),
        r"\bload_in_[48]bit\b|\bBitsAndBytesConfig\b|\bbnb_4bit|_bnb_8bit"
        r"|(?:adamw|adam|lion)_8bit|\bpaged_adamw",
        "8/4-bit quantisation",
    ),
    (("flash-attn",), r"flash_attention_[23]|use_flash_attention_2\s*=\s*True", "flash attention"),
    (("optimum", "auto-gptq", "gptqmodel"), r"\bGPTQConfig\b", "GPTQConfig"),
    (("autoawq",), r"\bAwqConfig\b", "AwqConfig"),
    (("hqq",), r"\bHqqConfig\b", "HqqConfig"),
    (("torchao",), r"\bTorchAoConfig\b", "TorchAoConfig"),
    (("optimum-quanto",), r"\bQuantoConfig\b", "QuantoConfig"),
    (
        ("safetensors",),
        r"\buse_safetensors\s*=|\bsafe_serialization\s*=\s*True|\.safetensors\b",
        "safetensors weights",
    ),
    (("timm",), r"[\"']timm/", "a timm model id"),
    # transformers renders chat templates with jinja2 (utils/chat_template_utils.py)
    (("jinja2",), r"\.apply_chat_template\s*\(", "chat templates"),
    # a template set on a tokenizer is rendered by the trainer's apply_chat_template (trl)
    (("jinja2",), r"\b\w*tokenizer\.chat_template\s*=(?!=)", "a tokenizer's chat template"),
    # fast image/video processors are torchvision-based; a tokenizer's use_fast is not
    (
        ("torchvision",),
        r"\bAuto(?:Processor|ImageProcessor)\.from_pretrained\s*\([^()]*"
        r"(?:\([^()]*\)[^()]*)*\buse_fast\s*=\s*True|\bAutoVideoProcessor\b"
        r"|\b\w+ImageProcessorFast\b",
        "fast image/video processors",
    ),
    # processing_smolvlm.py: "Package `num2words` is required to run SmolVLM processor"
    (
        ("num2words",),
        r"\bSmolVLM\w*Processor\b|[\"'][\w.-]*/[\w.-]*SmolVLM[\w.-]*[\"']",
        "the SmolVLM processor",
    ),
    (  # PeftAdapterMixin (load_adapter, add_adapter...), Hub code merging LoRA adapters
        ("peft",),
        r"\.(?:load_adapter|add_adapter|set_adapter|enable_adapters|merge_lora_adapters"
        r"|get_adapter_state_dict)\s*\(|\bPeftAdapterMixin\b",
        "PEFT adapters",
    ),
    # networkx 3: pagerank, hits, sparse matrices and kamada_kawai_layout run on scipy
    (
        ("scipy",),
        r"\b(?:nx|networkx)\.(?:pagerank|hits|to_scipy_sparse_array|laplacian_matrix"
        r"|adjacency_matrix|kamada_kawai_layout)\s*\(",
        "networkx's scipy-based algorithms",
    ),
    # networkx drawing is matplotlib
    (("matplotlib",), r"\b(?:nx|networkx)\.draw(?:_\w+)?\s*\(", "networkx drawing"),
    (
        ("soundfile", "librosa", "torchcodec"),
        # a datasets Audio feature decodes; a task name alone ("audio-classification" in a
        # client's list of tasks) does not
        r"\bAudio\s*\(\s*(?:sampling_rate|decode)|\bpipeline\s*\(\s*[\"']"
        r"(?:automatic-speech-recognition|audio-classification)",
        "audio decoding",
    ),
    (("triton",), r"\btorch\.compile\b", "torch.compile"),
    (("wandb",), r"report_to\W{1,6}wandb|[\"']wandb[\"']\s*\]", "report_to wandb"),
    (("tensorboard",), r"report_to\W{1,6}tensorboard", "report_to tensorboard"),
    (("mlflow",), r"report_to\W{1,6}mlflow", "report_to mlflow"),
    (("pysocks",), r"\burllib3\.contrib\.socks\b", "urllib3's SOCKS support"),
    (
        ("jupyter", "ipykernel", "notebook"),
        r"\bexecute_notebook\s*\(|\bExecutePreprocessor\b"
        r"|\bNotebookClient\b|--nbmake\b",
        "notebooks executed with a Jupyter kernel",
    ),
    # Django settings: database and cache backends
    (
        ("psycopg2", "psycopg2-binary", "psycopg", "psycopg-binary"),
        r"django\.db\.backends\.postgresql|django\.contrib\.gis\.db\.backends\.postgis",
        "Django's PostgreSQL backend",
    ),
    (("mysqlclient",), r"django\.db\.backends\.mysql", "Django's MySQL backend"),
    (("oracledb", "cx-oracle"), r"django\.db\.backends\.oracle", "Django's Oracle backend"),
    (("redis",), r"django\.core\.cache\.backends\.redis", "Django's Redis cache"),
    (("pymemcache",), r"\bPyMemcacheCache\b", "Django's pymemcache cache"),
    (("pylibmc",), r"\bPyLibMCCache\b", "Django's pylibmc cache"),
    # parsers chosen by name
    (("lxml",), r"BeautifulSoup\([^)\n]*[\"']lxml|features\s*=\s*[\"']lxml", "BeautifulSoup lxml"),
    (
        ("html5lib",),
        r"BeautifulSoup\([^)\n]*[\"']html5lib|features\s*=\s*[\"']html5lib",
        "BeautifulSoup html5lib",
    ),
    # model runtimes and build helpers
    (
        ("onnxruntime", "onnxruntime-gpu"),
        r"\bORTModel\w*|[\"'](?:CUDA|CPU|TensorRT)ExecutionProvider[\"']",
        "ONNX Runtime",
    ),
    (("hf-transfer",), r"\bHF_HUB_ENABLE_HF_TRANSFER\b", "HF_HUB_ENABLE_HF_TRANSFER"),
    (
        ("ninja",),
        r"\btorch\.utils\.cpp_extension\b|\bcpp_extension\.load"
        r"|\b(?:CUDAExtension|CppExtension|SyclExtension|BuildExtension)\b",
        "torch extensions",
    ),
    # an extension source build with the environment's tools (torch's BuildExtension runs
    # the ninja program): ``pip install flash-attn --no-build-isolation``
    (
        ("ninja",),
        r"(?m:^(?=[^#\n]*--no-build-isolation)[^#\n]*\b(?:pip3?|uv)\s+(?:pip\s+)?install\b"
        r"[^#\n]*(?<![\w-])(?:flash[-_]attn|deepspeed|flashinfer(?:-python)?|apex"
        r"|causal[-_]conv1d|mamba[-_]ssm|grouped[-_]gemm)(?![\w-]))",
        "a torch extension built without isolation",
    ),
    # a source build without build isolation imports the build backend from the environment
    (
        ("wheel", "setuptools"),
        r"[\"']--no-build-isolation[\"']|(?m:^[^#\"'\n]*\b(?:pip3?|uv)\s+(?:pip\s+)?"
        r"(?:install|wheel|sync|add)\b[^\n#]*--no-build-isolation)"
        r"|\b(?:system|run|call|check_call|check_output|Popen)\s*\(\s*f?[\"'][^\"'\n]*"
        r"--no-build-isolation|(?m:^[^#\"'\n]*(?:\s-m\s+build|\bpyproject-build)\b[^\n#]*"
        # build's short flag, alone or in a cluster (``-n``, ``-nw``, ``-wn``)
        r"(?:--no-isolation|\s-[swxv]*n[swxv]*(?![\w-])))",
        "a build without isolation",
    ),
    # setuptools' ``bdist_wheel`` command comes from wheel (before setuptools 70.1 ships it)
    (
        ("wheel",),
        r"(?m:^[^#\n]*\bsetup\.py\b[^\n#]*[\s\"',]bdist_wheel\b)",
        "setup.py bdist_wheel",
    ),
    (("phonenumbers",), r"\bpydantic_extra_types\.phone_numbers\b", "pydantic PhoneNumber"),
    (
        ("pycountry",),
        r"\bpydantic_extra_types\.(?:country|language_code|currency_code)\b",
        "pydantic-extra-types country/language/currency types",
    ),
    (("pydocket",), r"\bTaskConfig\s*\(", "fastmcp background tasks"),
    (("cairosvg", "pillow"), r"\bcairosvg\b", "SVG rendering"),
    (("pyqt5", "pyqt6", "pyside6", "pyside2"), r"[\"']Qt(?:5)?Agg[\"']", "a Qt matplotlib backend"),
    (("ipympl",), r"%matplotlib\s+(?:widget|ipympl)", "%matplotlib widget"),
    # the .pth hook of coverage-enable-subprocess starts coverage in every Python process
    # once the variable is set: an assignment (shell, YAML env:, tox setenv, os.environ)
    (
        ("coverage-enable-subprocess",),
        r"\bCOVERAGE_PROCESS_START\b[\"'\]]{0,2}\s*(?::|=(?!=))",
        ENV_COVERAGE,
    ),
    *ML_TRIGGERS,  # optimizers by name, zstd data files, retrievers, torchao kernels
    *LIB_TRIGGERS,  # a library's module that imports what it does not require; settings
    *REMOTE_CODE_MODELS,  # named models whose own code imports a library
]

#: a row's ``what`` -> substrings one of which every match of its pattern holds: a plain
#: substring test skips the regex on the many files that cannot match.
NEEDLES: dict[str, tuple[str, ...]] = {
    "a build without isolation": ("--no-build-isolation", "--no-isolation", "build"),
    "setup.py bdist_wheel": ("bdist_wheel",),
    "a torch extension built without isolation": ("--no-build-isolation",),
    "chat templates": ("apply_chat_template",),
    "a tokenizer's chat template": ("tokenizer.chat_template",),
    "fast image/video processors": ("Processor",),
    "the SmolVLM processor": ("SmolVLM",),
    "PEFT adapters": ("adapter", "Adapter"),
    "networkx's scipy-based algorithms": ("nx.", "networkx."),
    "networkx drawing": ("nx.", "networkx."),
    ENV_COVERAGE: ("COVERAGE_PROCESS_START",),
    **ML_NEEDLES,
    **LIB_NEEDLES,
    **REMOTE_CODE_NEEDLES,
}

#: pandas' optional dependencies that it uses by itself when installed (IO engines such as
#: openpyxl are used only by the calls that need them: triggers above).
_PANDAS_EXTRAS = ("numexpr", "bottleneck", "pyarrow")
_DB_DRIVERS = tuple(d for ds in DB_DRIVERS.values() for d in ds)
#: distribution -> the distributions that load it by themselves when it is installed.
#: Only automatic uses belong here: bitsandbytes or flash-attn are used only when code asks
#: for them (a trigger above), so without a trigger they are plainly unused.
COMPANIONS: dict[str, tuple[str, ...]] = {
    **{d: ("pandas",) for d in _PANDAS_EXTRAS},
    **{
        d: ("sqlalchemy", "django", "sqlmodel", "peewee", "tortoise-orm", "databases", "alembic")
        for d in _DB_DRIVERS
    },
    "pyarrow": ("pandas", "polars", "dask", "datasets", "duckdb"),
    "s3fs": ("fsspec", "pandas", "dask", "datasets", "polars", "xarray"),
    "gcsfs": ("fsspec", "pandas", "dask", "datasets", "polars", "xarray"),
    "adlfs": ("fsspec", "pandas", "dask", "datasets", "polars", "xarray"),
    "sentencepiece": ("transformers", "sentence-transformers", "tokenizers"),
    "protobuf": ("transformers", "sentencepiece", "tensorflow", "onnx"),
    "accelerate": ("transformers", "diffusers", "peft", "trl"),
    "safetensors": ("transformers", "diffusers", "torch", "accelerate"),
    "triton": ("torch",),
    "triton-windows": ("torch",),  # triton's Windows build: torch.compile loads it
    # linear-attention kernels transformers and exllamav3 load for the models that have
    # such layers (Qwen3-Next, Qwen3.5) when installed, falling back to slower code if not
    "flash-linear-attention": ("transformers", "exllamav3"),
    "fla-core": ("transformers", "exllamav3", "flash-linear-attention"),
    "uvloop": ("uvicorn", "litdata"),  # litdata's streaming loop when installed
    "httptools": ("uvicorn",),
    "websockets": ("uvicorn",),
    "watchfiles": ("uvicorn",),
    "python-dotenv": ("uvicorn", "pydantic-settings", "flask"),
    "gevent": ("gunicorn", "celery"),
    "eventlet": ("gunicorn", "celery"),
    "uvicorn-worker": ("gunicorn",),
    "h2": ("httpx", "hypercorn"),
    "socksio": ("httpx",),
    "pysocks": ("requests", "urllib3"),
    "brotli": ("httpx", "aiohttp", "urllib3", "requests"),
    "brotlicffi": ("httpx", "aiohttp", "urllib3", "requests"),
    "zstandard": ("httpx", "urllib3"),
    "aiodns": ("aiohttp",),
    "email-validator": ("pydantic",),
    "python-multipart": ("fastapi", "starlette"),
    "itsdangerous": ("starlette", "fastapi", "flask"),
    "greenlet": ("sqlalchemy",),
    "redis": ("celery", "kombu", "rq"),
    "dnspython": ("pymongo", "motor", "email-validator"),
    "kaleido": ("plotly",),
    "ipywidgets": ("tqdm", "plotly", "ipympl"),
    "soundfile": ("datasets", "transformers", "librosa"),
    "librosa": ("datasets", "transformers"),
    "torchcodec": ("datasets", "transformers"),
    "torchvision": ("transformers",),  # its fast image and video processors, when installed
    "markupsafe": ("jinja2",),
    "wandb": ("transformers", "accelerate", "lightning", "pytorch-lightning", "trl"),
    "tensorboard": ("transformers", "accelerate", "lightning", "pytorch-lightning", "torch"),
    "mlflow": ("transformers", "accelerate", "lightning"),
    "jupyter": ("papermill", "nbclient", "nbconvert", "nbmake", "jupytext"),
    "ipykernel": ("papermill", "nbclient", "nbconvert", "nbmake", "jupytext", "ipywidgets"),
    "onnxruntime": ("onnxruntime-genai", "optimum", "onnx"),
    "onnxruntime-gpu": ("onnxruntime-genai", "onnxruntime-genai-cuda", "optimum", "onnx"),
    "phonenumbers": ("pydantic-extra-types",),
    "pycountry": ("pydantic-extra-types",),
    "httpbin": ("pytest-httpbin",),
    "pydocket": ("fastmcp",),
    "cairosvg": ("mkdocs-material",),
    # file watching of a docs preview server: ``doc-builder preview``, ``mkdocs serve``
    "watchdog": ("hf-doc-builder", "mkdocs"),
    "hf-xet": ("huggingface-hub",),
    "tox-uv": ("tox",),
    "tox-gh-actions": ("tox",),
    "tox-gh": ("tox",),
    "pre-commit-uv": ("pre-commit",),
    "pillow": ("mkdocs-material", "datasets", "transformers"),
    # imported by models' own code on the Hub (``trust_remote_code=True``), never by the
    # project: Qwen-1's generation patch, Intern-S1's molecule tokenizer
    "transformers-stream-generator": ("transformers",),
    "rdkit": ("transformers",),
    **{d: ("lm-eval",) for d in LM_EVAL_TASK_DEPS},
    "deepspeed-kernels": ("deepspeed",),  # DeepSpeed's op builders import dskernels
    # the program that JIT-builds their kernels at run time (both require it)
    "ninja": ("deepspeed", "flashinfer-python", "flashinfer"),
    # declared to pick the backend extra of their own mlx (``mlx[cpu]`` on Linux CI)
    "mlx": ("mlx-lm", "mlx-vlm", "mlx-whisper", "mlx-embeddings"),
    **ML_COMPANIONS,
    **CANN_COMPANIONS,  # Ascend CANN's Python prerequisites, loaded through torch-npu
    **CONDA_BINARY_WRAPPERS,
}


def companion_parents(key: str, extra: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The distributions ``key`` serves (a hook's ``extra`` first, then the table's); here,
    beside the table: a warm run that judges companions needs no implicit-use scanner."""
    return (*extra.get(key, ()), *COMPANIONS.get(key, ()))
