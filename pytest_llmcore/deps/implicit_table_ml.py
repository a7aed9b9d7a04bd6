"""Implicit-use rows for training and data libraries: names that select an optional package.

A transformers optimizer named in ``TrainingArguments(optim=...)`` or a training config
(``optimizer: schedule_free_adamw``), a zstd-compressed data file that datasets/fsspec
decompress, a retriever or a quantisation config that imports its backend at call time.
Merged into :data:`.implicit_table.TRIGGERS`; same row shape (distributions, regex, what).
"""

from __future__ import annotations

import re

__all__ = [
    "BACKEND_EXTRAS",
    "CONFIG_VALUES",
    "LM_EVAL_TASK_DEPS",
    "ML_COMPANIONS",
    "ML_NEEDLES",
    "ML_TRIGGERS",
    "SCRIPT_HUB_DATASETS",
    "ZST_HUB_DATASETS",
]

#: Hub datasets whose data files are zstd-compressed JSON lines, loaded by id: AutoAWQ's
#: calibration default (awq/utils/calib_data.py), a copy of the Pile's val.jsonl.zst
ZST_HUB_DATASETS: tuple[str, ...] = ("mit-han-lab/pile-val-backup",)

#: Hub datasets with a loading script, by id -> (the libraries the script imports, its old
#: canonical id or ""): ``load_dataset`` runs the script, so naming the dataset uses them
#: (the dataset counterpart of :data:`.implicit_hub.REMOTE_CODE_MODELS`). Only scripts read:
#: samsum.py (huggingface/datasets datasets/samsum/samsum.py:19 `import py7zr`, then
#: ``py7zr.SevenZipFile`` on corpus.7z; the same script moved to the Hub as Samsung/samsum).
#: The old id is a common word, so only a ``load_dataset("samsum")`` call names it.
SCRIPT_HUB_DATASETS: dict[str, tuple[tuple[str, ...], str]] = {
    "Samsung/samsum": (("py7zr",), "samsum"),
}


def _script_what(hub_id: str, libs: tuple[str, ...]) -> str:
    return f"the Hub dataset {hub_id}, whose loading script imports {', '.join(libs)}"


#: an optimizer chosen by name: ``optim="x"`` (TrainingArguments), ``"optimizer": "x"``
#: (a config dict), ``optimizer: x`` (a YAML config), ``--optim x`` (the CLI); never the
#: bare word (a docs list of names, an enum of them)
_OPTIM = r"(?:\boptim(?:izer)?[\"']?\s*[:=]\s*[\"']?|--optim(?:izer)?[= ][\"']?)"

#: the cupy wheels DeepSpeed's 1-bit optimizers accept (one per CUDA/ROCm build)
_CUPY = (
    "cupy",
    "cupy-cuda11x",
    "cupy-cuda12x",
    "cupy-cuda13x",
    *(f"cupy-cuda{v}" for v in (100, 101, 102, 110, 111, 112, 113, 114, 115, 116, 117)),
    "cupy-rocm-4-3",
    "cupy-rocm-5-0",
)

#: litellm's ``Cache(..., type="disk")`` or ``type=LiteLLMCacheType.DISK``
_LITELLM_CACHE = r"\bCache\s*\([^()]*?\btype\s*=\s*"

#: litellm's cache types whose module imports a package (litellm/caching/*.py: disk_cache.py
#: diskcache, redis_cache.py redis, redis_semantic_cache.py redisvl, s3_cache.py boto3,
#: azure_blob_cache.py azure-storage-blob and azure-identity); "local", "qdrant-semantic"
#: and "gcs" need none (in memory, or litellm's own HTTP client)
_LITELLM_CACHES: dict[str, tuple[str, ...]] = {
    "disk": ("diskcache",),
    "redis": ("redis",),
    "redis-semantic": ("redisvl",),
    "s3": ("boto3",),
    "azure-blob": ("azure-storage-blob", "azure-identity"),
}

#: transformers' OptimizerNames (training_args.py) whose Trainer branch imports a package
ML_TRIGGERS: list[tuple[tuple[str, ...], str, str]] = [
    (
        ("schedulefree",),
        _OPTIM + r"schedule_free_(?:adamw|radam|sgd)\b",
        "a schedule-free optimizer chosen by name",
    ),
    (("galore-torch",), _OPTIM + r"galore_(?:adamw|adafactor)\w*", "a GaLore optimizer by name"),
    (("apollo-torch",), _OPTIM + r"apollo_adamw\w*", "an APOLLO optimizer chosen by name"),
    (("lomo-optim",), _OPTIM + r"(?:ada)?lomo\b(?![-.])", "a LOMO optimizer chosen by name"),
    # datasets/fsspec infer zstd compression from the extension and import zstandard; a
    # ``.tar.zst`` archive (a cache curl pipes to ``tar --use-compress-program unzstd``) is not
    # (also any ``.zst`` string a load_dataset call or its data_files names)
    (
        ("zstandard",),
        r"[\w/.-]\.(?:jsonl?|ndjson|csv|tsv|txt|parquet|arrow)\.zst\b"
        r"|\b(?:load_dataset\s*\(|data_files\b)[^\n]*?[\"'][^\"'\n]*(?<!\.tar)\.zstd?[\"']",
        "a zstd-compressed data file",
    ),
    # a Hub dataset whose data files are zstd-compressed, loaded by its id
    (
        ("zstandard",),
        r"(?<![\w/.-])(?:" + "|".join(map(re.escape, ZST_HUB_DATASETS)) + r")(?![\w/.-])",
        "a Hub dataset stored as .zst files",
    ),
    # Hub datasets whose loading script imports a library, by id (a config value too) or,
    # for an old canonical id, in a load_dataset call
    *(
        (
            libs,
            rf"(?<![\w/.-]){re.escape(hub_id)}(?![\w/.-])"
            + (rf"|\bload_dataset\s*\(\s*[\"']{re.escape(old)}[\"']" if old else ""),
            _script_what(hub_id, libs),
        )
        for hub_id, (libs, old) in SCRIPT_HUB_DATASETS.items()
    ),
    # imported libraries' own imports that their distributions do not declare:
    # torch/testing/_internal/common_utils.py `import expecttest` (torch's test-only dependency;
    # common_fsdp, common_distributed and the rest import common_utils) and `import hypothesis`
    # (it registers the derandomized profile, else warns "tests are not derandomized")
    (("expecttest", "hypothesis"), r"\btorch\.testing\._internal\b", "torch.testing._internal"),
    # onnxruntime/quantization/quantize.py and its quantizers `import onnx`
    (
        ("onnx",),
        r"\bonnxruntime\.quantization\b|\bfrom\s+onnxruntime\s+import\s+[^\n]*\bquantization\b",
        "onnxruntime.quantization",
    ),
    # libcloud/storage/drivers/local.py `import fasteners` ("Missing fasteners dependency"),
    # the driver the provider name "local" selects
    (
        ("fasteners",),
        r"\bProvider\.LOCAL\b|\bget_driver\s*\(\s*[\"']local[\"']"
        r"|[\"']provider[\"']\s*:\s*[\"']local[\"']|\bprovider\s*=\s*[\"']local[\"']",
        "libcloud's local storage driver",
    ),
    # pyannote checkpoints (pytorch_model.bin) pickle omegaconf ListConfig/DictConfig:
    # unpickling them imports omegaconf, which pyannote-audio 4 no longer requires
    (
        ("omegaconf",),
        r"\bpyannote\.audio\b[\s\S]*?\b(?!Auto)\w*(?:Model|Pipeline)\.from_pretrained\s*\(",
        "a pyannote checkpoint loaded with from_pretrained",
    ),
    # langchain_community's BM25Retriever imports rank_bm25 when built (llama-index's
    # BM25Retriever.from_defaults is bm25s, so only langchain's constructors count)
    (
        ("rank-bm25",),
        r"\bBM25Retriever\.from_(?:documents|texts)\s*\(|\blangchain\w*\.retrievers"
        r"(?:\.bm25)?\s+import\s+[^\n]*\bBM25Retriever\b",
        "langchain's BM25Retriever",
    ),
    # langchain_community's Unstructured*Loader import unstructured when they load, and
    # DirectoryLoader's default loader_cls is UnstructuredFileLoader (another loader_cls
    # given in the call: not a use)
    (
        ("unstructured",),
        r"\bUnstructured\w*Loader\s*\(|\bDirectoryLoader\s*\("
        r"(?:(?!loader_cls\b)[^()])*(?:\([^()]*\)(?:(?!loader_cls\b)[^()])*)*\)",
        "langchain's Unstructured loaders (DirectoryLoader's default UnstructuredFileLoader)",
    ),
    # torchmetrics' LPIPS metric wraps the lpips package (before it vendored the networks)
    (
        ("lpips",),
        r"\bLearnedPerceptualImagePatchSimilarity\s*\(",
        "torchmetrics' LPIPS metric, which imports lpips",
    ),
    # torchao's int4 weights (Int4Tensor, the default packing since version 2) and its
    # float8 x int4 config run fbgemm_gpu's gen_ai kernels
    (
        ("fbgemm-gpu-genai", "fbgemm-gpu"),
        r"\b(?:Int4WeightOnlyConfig|Float8DynamicActivationInt4WeightConfig|FbgemmConfig)\s*\(",
        "torchao's fbgemm int4 kernels",
    ),
    # library features whose code path imports an optional dependency (each row a call,
    # an import of the feature's module or a config value, never the bare library name)
    (
        ("boto3", "botocore"),
        r"\b(?:Async)?AnthropicBedrock\s*\(",
        "anthropic's Bedrock client (the bedrock extra)",
    ),
    (
        ("google-auth",),
        r"\b(?:Async)?AnthropicVertex\s*\(",
        "anthropic's Vertex client (the vertex extra)",
    ),
    # litellm's Cache(type=...) imports its backend when built
    *(
        (
            dists,
            _LITELLM_CACHE
            + rf"(?:[\"']{kind}[\"']|LiteLLMCacheType\.{kind.upper().replace('-', '_')}\b)",
            f'litellm\'s Cache(type="{kind}")',
        )
        for kind, dists in _LITELLM_CACHES.items()
    ),
    (
        ("pyvi",),
        r"\bspacy\.blank\s*\(\s*[\"']vi[\"']|\bspacy\.lang\.vi\b",
        "spaCy's Vietnamese tokenizer",
    ),
    (
        ("jieba",),
        r"\bsegmenter[\"']?\s*[:=]\s*[\"']jieba[\"']",
        "spaCy's Chinese jieba segmenter",
    ),
    (
        ("mpi4py",),
        r"\bauto_mpi_discovery\s*=\s*True\b",
        "DeepSpeed's MPI discovery",
    ),
    # DeepSpeed's 1-bit Adam/LAMB and 0/1 Adam: their compressed allreduce runs on cupy;
    # chosen by class, by module or by name (``"type": "OneBitAdam"``, which DeepSpeed
    # lower-cases; gpt-neox compares ``optimizer_type.lower() == "onebitadam"``)
    (
        _CUPY,
        r"\bdeepspeed\.runtime\.fp16\.onebit\b|\b(?:OnebitAdam|OnebitLamb|ZeroOneAdam)\s*\("
        r"|(?i:[\"'](?:onebitadam|onebitlamb|zerooneadam)[\"']"
        r"|\btype[\"']?\s*:\s*(?:onebitadam|onebitlamb|zerooneadam)\b)",
        "DeepSpeed's 1-bit optimizers",
    ),
    (
        ("grouped-gemm",),
        r"\bmegablocks\.grouped_gemm_util\b|\bfrom\s+megablocks\s+import\s+[^\n]*"
        r"\bgrouped_gemm_util\b",
        "megablocks' grouped GEMM",
    ),
    # zoneinfo reads the IANA database from the OS, else from tzdata (Windows has none)
    (
        ("tzdata",),
        r"(?m:^[ \t]*(?:from[ \t]+(?:backports\.)?zoneinfo[ \t]+import|import[ \t]+"
        r"(?:backports\.)?zoneinfo)\b)|\bZoneInfo\s*\(",
        "zoneinfo's time zone database",
    ),
    # tiktoken/load.py reads a BPE file with blobfile: any path without a scheme before
    # tiktoken 0.12 (openai/tiktoken#415), gs:// and az:// always, and dump_tiktoken_bpe
    # writes with it; tiktoken does not require it, and get_encoding (https) never needs it
    (
        ("blobfile",),
        r"(?<!def )\b(?:load|dump)_tiktoken_bpe\s*\(",
        "tiktoken reads and writes a file path with blobfile",
    ),
]

#: a row's ``what`` -> substrings one of which every match holds (see NEEDLES)
ML_NEEDLES: dict[str, tuple[str, ...]] = {
    "a schedule-free optimizer chosen by name": ("schedule_free_",),
    "a GaLore optimizer by name": ("galore_",),
    "an APOLLO optimizer chosen by name": ("apollo_adamw",),
    "a LOMO optimizer chosen by name": ("lomo",),
    "a zstd-compressed data file": (".zst",),
    "a Hub dataset stored as .zst files": ZST_HUB_DATASETS,
    **{
        _script_what(hub_id, libs): (
            hub_id,
            *((old,) if old else ()),
        )
        for hub_id, (libs, old) in SCRIPT_HUB_DATASETS.items()
    },
    "torch.testing._internal": ("_internal",),
    "onnxruntime.quantization": ("quantization",),
    "libcloud's local storage driver": ("LOCAL", "local"),
    "a pyannote checkpoint loaded with from_pretrained": ("pyannote",),
    "langchain's BM25Retriever": ("BM25Retriever",),
    "torchao's fbgemm int4 kernels": ("Config",),
    "zoneinfo's time zone database": ("zoneinfo", "ZoneInfo"),
    "anthropic's Bedrock client (the bedrock extra)": ("AnthropicBedrock",),
    "anthropic's Vertex client (the vertex extra)": ("AnthropicVertex",),
    "spaCy's Vietnamese tokenizer": ("spacy",),
    "spaCy's Chinese jieba segmenter": ("segmenter",),
    "DeepSpeed's MPI discovery": ("auto_mpi_discovery",),
    "DeepSpeed's 1-bit optimizers": ("onebit", "Onebit", "OneBit", "ONEBIT", "ZeroOne", "zeroone"),
    "megablocks' grouped GEMM": ("grouped_gemm_util",),
    "tiktoken reads and writes a file path with blobfile": ("_tiktoken_bpe",),
    **{f'litellm\'s Cache(type="{kind}")': ("Cache",) for kind in _LITELLM_CACHES},
}

#: the rows that name a value a config file sets: they also run on the project's YAML files
CONFIG_VALUES = frozenset(
    (
        "a schedule-free optimizer chosen by name",
        "a GaLore optimizer by name",
        "an APOLLO optimizer chosen by name",
        "a LOMO optimizer chosen by name",
        "a zstd-compressed data file",
        "a Hub dataset stored as .zst files",
        "DeepSpeed's 1-bit optimizers",
        *(_script_what(hub_id, libs) for hub_id, (libs, _) in SCRIPT_HUB_DATASETS.items()),
    )
)

#: lm-eval's task extras (ifeval, math, japanese_leaderboard, longbench, libra,
#: multilingual, ruler, acpbench): its tasks import them when the user picks the task
LM_EVAL_TASK_DEPS: tuple[str, ...] = (
    "langdetect",
    "immutabledict",
    "nltk",
    "antlr4-python3-runtime",
    "sympy",
    "math-verify",
    "emoji",
    "neologdn",
    "fugashi",
    "rouge-score",
    "jieba",
    "fuzzywuzzy",
    "rouge",
    "pymorphy2",
    "nagisa",
    "wonderwords",
    "tarski",
    "pddl",
    "kstar-planner",
)

#: companions of ML libraries (merged into :data:`.implicit_table.COMPANIONS`): jax imports
#: jaxlib by itself; jaxlib is declared beside jax to pin the backend build
ML_COMPANIONS: dict[str, tuple[str, ...]] = {
    "jaxlib": ("jax",),
    # transformers' AutoTokenizer picks MistralCommonBackend for mistral, ministral3 and
    # pixtral models when mistral_common is installed (tokenization_auto.py); vllm requires it
    "mistral-common": ("transformers", "vllm"),
    # bentoml's HuggingFaceModel (_bentoml_sdk/models/huggingface.py) imports huggingface_hub
    # when a bento holds a Hub model; bentoml does not require it
    "huggingface-hub": ("bentoml",),
}

#: optional backends a used library loads only for some inputs (transformers converts a
#: tiktoken vocabulary with tiktoken, reads a sentencepiece model with sentencepiece):
#: parent -> (what the backends are, words an extra or group named after that capability
#: holds, the backends). Declared in such an extra (guidellm's ``tokenizers = ["tiktoken",
#: ...]``), a backend is a companion; anywhere else it needs a use of its own, since most
#: inputs need none.
BACKEND_EXTRAS: dict[str, tuple[str, frozenset[str], tuple[str, ...]]] = {
    "transformers": (
        "a tokenizer backend",
        frozenset({"tokenizer", "tokenizers", "tokenization", "tokenizing"}),
        ("tiktoken", "sentencepiece", "protobuf", "mistral-common"),
    ),
}
