"""Libraries that models' own code on the Hub imports: companions where such code runs."""

from __future__ import annotations

__all__ = ["REMOTE_CODE"]

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
