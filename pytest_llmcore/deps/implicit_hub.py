"""Libraries that models' own code on the Hub imports: companions where such code runs."""

from __future__ import annotations

__all__ = ["REMOTE_CODE", "REMOTE_CODE_MODELS", "REMOTE_CODE_NEEDLES"]

# a model load: not a config's, a tokenizer's or a processor's (their code loads no model)
_LOAD = (
    r"(?:\b(?!\w*(?:Config|Tokenizer|TokenizerFast|Processor|FeatureExtractor)\.)\w+"
    r"\.from_pretrained|\b(?:SentenceTransformer|CrossEncoder|LLM|pipeline))\s*\(\s*"
    r"(?:[^()]*?\bmodel(?:_name_or_path)?\s*=\s*)?"
)
_HUB_ID = r"[\"'][\w.-]+/[\w.-]+[\"']"
_REST = r"[^()]*(?:\([^()]*\)[^()]*)*\btrust_remote_code\s*=\s*True"

#: (libraries, loaders, pattern): a Hub model the project names (``"org/name"`` in the call,
#: or in a name assigned before it) loaded with ``trust_remote_code=True`` runs its own code,
#: which commonly imports these libraries; which ones is not in the project, so they are
#: companions of the loaders there. A model path the user supplies names no code of its own.
REMOTE_CODE: tuple[tuple[str, ...], tuple[str, ...], str] = (
    ("einops", "timm", "tiktoken", "torchvision"),
    ("transformers", "sentence-transformers", "vllm"),
    rf"{_LOAD}{_HUB_ID}{_REST}|\b(\w+)\s*=\s*{_HUB_ID}[\s\S]*?{_LOAD}\1\b{_REST}",
)

#: (libraries, pattern, what): models whose own code is known, named by the project as a
#: quoted Hub id (a registry entry, a config's model) or as the module of a model repository
#: the project clones or installs from GitHub. They have no transformers class of their own,
#: so naming one is loading its code: the libraries that code imports are used (the generic
#: rule above can only guess them, hence companions there). A model path the user supplies,
#: or an API model name (``moonshotai/kimi-k2-instruct`` at a provider), names no such code.
REMOTE_CODE_MODELS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    # Qwen-1 (Qwen-7B, Qwen-1_8B-Chat, Qwen-VL, Qwen-Audio): tokenization_qwen.py `import
    # tiktoken`; Qwen-Image and Qwen1.5 onwards are other models
    (
        ("tiktoken",),
        r"[\"'](?:Qwen|qwen)/Qwen-(?:\d|VL|Audio)[\w.-]*[\"']",
        "Qwen-1's own code (tokenization_qwen.py) imports tiktoken",
    ),
    # Kimi K2/K3, Kimi-VL, Kimi-Linear and Moonlight: tokenization_kimi.py /
    # tokenization_moonshot.py `import tiktoken` (Kimi-Dev is a Qwen2.5 model)
    (
        ("tiktoken",),
        r"[\"']moonshotai/(?:Kimi-(?:K\d|VL|Linear)|Moonlight)[\w.-]*[\"']",
        "Kimi's own code (tokenization_kimi.py) imports tiktoken",
    ),
    # GLM-4-9B and GLM-4V-9B with remote code: tokenization_chatglm.py `import tiktoken`
    # (the ``-hf`` and 0414 releases are transformers models with a fast tokenizer)
    (
        ("tiktoken",),
        r"[\"'](?:THUDM|zai-org|ZhipuAI)/(?:glm-4v?-9b(?:-chat)?(?:-1m)?|codegeex4-all-9b)[\"']",
        "GLM-4's own code (tokenization_chatglm.py) imports tiktoken",
    ),
    # ChatGLM-6B, ChatGLM2-6B and ChatGLM3-6B with remote code: quantization.py `from
    # cpm_kernels.kernels.base import ...` (their int4/int8 quantization)
    (
        ("cpm-kernels",),
        r"[\"'](?:THUDM|zai-org|ZhipuAI)/chatglm[23]?-6b[\w.-]*[\"']",
        "ChatGLM's own code (quantization.py) imports cpm_kernels",
    ),
    # InternLM2 and InternLM2.5 with remote code: modeling_internlm2.py `from einops import
    # rearrange`
    (
        ("einops",),
        r"[\"']internlm/internlm2[\w.-]*[\"']",
        "InternLM2's own code (modeling_internlm2.py) imports einops",
    ),
    # MiniCPM-o 2.6: modeling_minicpmo.py `from vocos import Vocos` and `from
    # vector_quantize_pytorch import GroupedResidualFSQ` (its model card's requirements)
    (
        ("vocos", "vector-quantize-pytorch"),
        r"[\"']openbmb/MiniCPM-o-2_6[\w.-]*[\"']",
        "MiniCPM-o 2.6's own code (modeling_minicpmo.py) imports vocos and vector_quantize_pytorch",
    ),
    # DeepSeek-VL, DeepSeek-VL2 and Janus from GitHub (deepseek_vl/models/modeling_vlm.py:21,
    # deepseek_vl2/models/modeling_deepseek_vl_v2.py:1, janus/models/modeling_vlm.py:21
    # `from attrdict import AttrDict`)
    (
        ("attrdict",),
        r"\b(?:deepseek_vl2?|janus(?:\.janusflow)?)\.models\b",
        "DeepSeek-VL/Janus model code imports attrdict",
    ),
)

#: a row's ``what`` -> substrings one of which every match holds (see NEEDLES)
REMOTE_CODE_NEEDLES: dict[str, tuple[str, ...]] = {
    REMOTE_CODE_MODELS[0][2]: ("Qwen-",),
    REMOTE_CODE_MODELS[1][2]: ("moonshotai/",),
    REMOTE_CODE_MODELS[2][2]: ("glm-4", "codegeex4"),
    REMOTE_CODE_MODELS[3][2]: ("chatglm",),
    REMOTE_CODE_MODELS[4][2]: ("internlm2",),
    REMOTE_CODE_MODELS[5][2]: ("MiniCPM-o",),
    REMOTE_CODE_MODELS[6][2]: ("deepseek_vl", "janus"),
}
