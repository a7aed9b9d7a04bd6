"""Implicit-use rows keyed on the part of a library the project uses, and on a setting.

A used library's own module may import a distribution its distribution does not require
(or requires only in an extra): ``lxml.html.soupparser`` imports bs4, ``mathruler.grader``
imports pylatexenc, modelscope's ``MsDataset`` imports addict and oss2 (its ``datasets``
extra). The project's import of that module, not of the library, is the evidence, so each
row names the module (or the name imported from it), never the library alone. A setting
that switches a backend on (vLLM's suffix decoding, sphinx-gallery's ``show_memory``) is
the same kind of evidence. Merged into :data:`.implicit_table.TRIGGERS`; same row shape
(distributions, regex, what).
"""

from __future__ import annotations

import re

__all__ = ["CANN_COMPANIONS", "LIB_NEEDLES", "LIB_TRIGGERS", "module_use"]


def module_use(dotted: str, *names: str) -> str:
    """A pattern for a use of module ``dotted``: its dotted path (``import a.b.c``,
    ``from a.b.c import x``, ``a.b.c.x``), ``from a.b import c``, or ``from a.b import N``
    for one of ``names`` the parent package re-exports from it."""
    parent, _, leaf = dotted.rpartition(".")
    leaves = "|".join(map(re.escape, (leaf, *names)))
    return (
        rf"\b{re.escape(dotted)}\b(?!-)"
        rf"|\bfrom\s+{re.escape(parent)}\s+import\s+[^\n]*\b(?:{leaves})\b"
    )


#: (distributions, pattern, what): each ``what`` says where the library imports them
LIB_TRIGGERS: list[tuple[tuple[str, ...], str, str]] = [
    # lxml/html/soupparser.py: `from bs4 import BeautifulSoup, ...` at module level; lxml
    # requires bs4 only in its `htmlsoup` extra
    (
        ("beautifulsoup4",),
        module_use("lxml.html.soupparser"),
        "lxml.html.soupparser imports bs4 (lxml's htmlsoup extra)",
    ),
    # lxml/html/html5parser.py: `from html5lib import ...` (lxml's `html5` extra)
    (
        ("html5lib",),
        module_use("lxml.html.html5parser"),
        "lxml.html.html5parser imports html5lib (lxml's html5 extra)",
    ),
    # lxml/cssselect.py: `import cssselect as external_cssselect` (lxml's `cssselect` extra)
    (("cssselect",), module_use("lxml.cssselect"), "lxml.cssselect imports cssselect"),
    # mathruler/grader.py:13 `from pylatexenc import latex2text`; mathruler 0.1.0's wheel
    # declares no requirement
    (("pylatexenc",), module_use("mathruler.grader"), "mathruler.grader imports pylatexenc"),
    # modelscope/msdatasets/ms_dataset.py:27 imports modelscope.utils.config (:17 `import
    # addict`); its downloads go through msdatasets/utils/oss_utils.py (`import oss2`): both
    # only in modelscope's `datasets` extra (its jsonplus members are not reached)
    (
        ("addict", "oss2"),
        module_use("modelscope.msdatasets", "MsDataset"),
        "modelscope's MsDataset imports addict and oss2 (modelscope's datasets extra)",
    ),
    # torch/utils/tensorboard/__init__.py imports tensorboard (and raises without it)
    (
        ("tensorboard",),
        module_use("torch.utils.tensorboard"),
        "torch.utils.tensorboard imports tensorboard",
    ),
    # vllm/v1/spec_decode/suffix_decoding.py: SuffixDecodingProposer imports
    # arctic_inference's suffix tree; chosen by speculative_config's method "suffix"
    (
        ("arctic-inference",),
        r"\bSuffixDecodingProposer\b|\bspec_decode\.suffix_decoding\b"
        r"|speculative[-_]config\b[^\n]{0,80}(?:\n[^\n]*){0,6}?[\"']?method[\"']?\s*[:=]\s*"
        r"[\"']suffix[\"']",
        "vLLM's suffix decoding (speculative method suffix), which imports arctic_inference",
    ),
    # sphinx_gallery/gen_gallery.py: `show_memory` True in sphinx_gallery_conf imports
    # memory_profiler (without it a warning turns the measurement off); the key is its own
    (
        ("memory-profiler",),
        r"[\"']show_memory[\"'](?:\s*:|\s*\]\s*=)\s*True\b",
        "sphinx-gallery's show_memory, which imports memory_profiler",
    ),
]

#: a row's ``what`` -> substrings one of which every match holds (see NEEDLES)
LIB_NEEDLES: dict[str, tuple[str, ...]] = {
    "lxml.html.soupparser imports bs4 (lxml's htmlsoup extra)": ("soupparser",),
    "lxml.html.html5parser imports html5lib (lxml's html5 extra)": ("html5parser",),
    "lxml.cssselect imports cssselect": ("cssselect",),
    "mathruler.grader imports pylatexenc": ("mathruler",),
    "modelscope's MsDataset imports addict and oss2 (modelscope's datasets extra)": (
        "msdatasets",
        "MsDataset",
    ),
    "torch.utils.tensorboard imports tensorboard": ("tensorboard",),
    "vLLM's suffix decoding (speculative method suffix), which imports arctic_inference": (
        "uffix",
    ),
    "sphinx-gallery's show_memory, which imports memory_profiler": ("show_memory",),
}

#: Python prerequisites of Huawei's CANN toolkit, whose Python components torch-npu loads at
#: run time (the TBE operator compiler's tbe/tvm/target.py `from decorator import decorate`;
#: a missing decorator fails CANN's initialisation, LLaMA-Factory pull request 3930). CANN is
#: not on PyPI, so its installation guide has the environment install them (``pip3 install
#: attrs numpy decorator sympy cffi pyyaml pathlib2 psutil protobuf scipy requests
#: absl-py``); a row here only where CANN's own import of it is on record.
CANN_COMPANIONS: dict[str, tuple[str, ...]] = {"decorator": ("torch-npu", "vllm-ascend")}
