"""``clean`` first looks for control characters in the text's UTF-8 bytes (one byte each there,
a byte no other character has) and runs the blanking regex only when one is found: the result
must be the regex's on any text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.extract import _CONTROL, _CONTROL_BYTES, _TAG, clean


def _plain_clean(text: str) -> str:
    if "<" in text:
        text = _TAG.sub(lambda m: " " * len(m.group()), text)
    return _CONTROL.sub(" ", text)


def test_control_bytes_are_the_control_characters() -> None:
    everything = "".join(map(chr, range(0x110000)))
    encoded = everything.encode("utf-8", "surrogatepass")
    assert {chr(b) for b in _CONTROL_BYTES} == set(re.findall(_CONTROL, everything[:256]))
    assert set(_CONTROL_BYTES).isdisjoint(
        b for c in everything if not _CONTROL.match(c) for b in c.encode("utf-8", "surrogatepass")
    )
    assert len(encoded) > len(everything)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF)))
def test_clean_matches_the_regex_on_any_text(text: str) -> None:
    assert clean(text) == _plain_clean(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["a", "é", "\x00", "\x1f", "\x7f", "\t", "\n", "\r", "<b>", "\ud800", "€", "𝄞", " "]
        )
    )
)
def test_clean_matches_the_regex_on_mixed_pieces(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert clean(text) == _plain_clean(text)
