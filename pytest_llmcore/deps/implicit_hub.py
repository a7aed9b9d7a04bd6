"""Libraries that models' own code on the Hub imports: companions where such code runs."""

from __future__ import annotations

__all__ = ["REMOTE_CODE"]

#: (libraries, loaders, pattern): a Hub model loaded with ``trust_remote_code=True`` runs
#: its own code, which commonly imports these libraries; which ones is not in the project,
#: so they are companions of the loaders there. A config's or tokenizer's remote code and
#: ``from_config`` load no model and do not count.
REMOTE_CODE: tuple[tuple[str, ...], tuple[str, ...], str] = (
    ("einops", "timm", "tiktoken", "torchvision"),
    ("transformers", "sentence-transformers", "vllm"),
    r"\b(?!\w*(?:Config|Tokenizer|TokenizerFast|Processor|FeatureExtractor)\.)\w+"
    r"\.from_pretrained\s*\([^()]*(?:\([^()]*\)[^()]*)*\btrust_remote_code\s*=\s*True"
    r"|\b(?:SentenceTransformer|CrossEncoder|LLM|pipeline)\s*\([^()]*(?:\([^()]*\)[^()]*)*"
    r"\btrust_remote_code\s*=\s*True",
)
