"""whole_word_finder answers exactly as ``\\b(?:a|b)\\b`` does, only faster."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmcore.deps.lazyre import whole_word_finder

_WORDS = st.lists(
    st.sampled_from(["cov", "no_cover", "mocker", "mock", "é", "x_1", "-n"]), max_size=4
)
_TEXT = st.text(alphabet="covnr_emkxé1 -.\n(é", max_size=60)


def _reference(words: list[str], text: str) -> bool:
    if not words:
        return False
    alt = "|".join(map(re.escape, sorted(set(words))))
    return re.search(rf"\b(?:{alt})\b", text) is not None


@settings(max_examples=400, deadline=None)
@given(_WORDS, _TEXT)
def test_same_answer_as_the_word_boundary_regex(words: list[str], text: str) -> None:
    assert whole_word_finder(words)(text) is _reference(words, text)


def test_a_rejected_candidate_inside_a_longer_word_hides_no_later_word() -> None:
    find = whole_word_finder(["cov", "no_cover"])
    assert find("xno_cover = 1\nuse(cov)") is True
    assert find("xno_cover = 1\nrecover(discover)") is False
    assert find("cov") is True
    assert find("") is False


def test_no_words_find_nothing() -> None:
    assert whole_word_finder([])("anything") is False
