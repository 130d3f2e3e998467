"""The dose finder's shortcuts against its plain path, on real documents and generated text.

``_plain_find_doses`` below is ``find_doses`` with every shortcut taken out: numbers come
from ``ATOM_RE.finditer`` and each becomes an Atom by ``atom_from_match``, every group of
numbers is read, connectors are matched by the regex, and the left vetoes are the two
regexes alone. The shortcuts (digit runs on a byte map; bare numbers, decimals and the usual
written doses read without the number regex; small or lone numbers left unbuilt; the
remembered answers of ``plain_end``, the connector and the cell-word regexes; the cell-word
and veto pre-checks; the component keeping ``find_doses``'s dicts) must never change a dose.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_documents import pipeline_text, shared_records

from cellvigil.paths import shared_dir
from nlp import doses as d
from nlp.dose_numbers import ATOM_RE, atom_from_match


def _plain_groups(text: str) -> list[d._Group]:
    """Every group of numbers that has a possible dose, each number read by ``ATOM_RE``."""
    groups: list[d._Group] = []
    atoms: list = []
    connectors: list[str] = []
    keep = strong = False
    for m in ATOM_RE.finditer(text):
        start = m.start()
        if start >= 2 and text[start - 1] == "-" and text[start - 2].isalpha():
            continue
        atom = atom_from_match(m)
        if atom is None:
            continue
        candidate = atom.has_factor or atom.value >= d.MIN_DOSE or atom.lost_bare
        if (
            atoms
            and start - atoms[-1].end <= d.MAX_GAP
            and len(atoms) < d.MAX_GROUP
            and d._CONNECTOR.fullmatch(text[atoms[-1].end : start])
        ):
            connectors.append(text[atoms[-1].end : start].strip())
            atoms.append(atom)
            strong = strong or atom.has_factor
            keep = keep or candidate
        else:
            if keep:
                groups.append(d._Group(atoms, connectors, strong))
            atoms, connectors = [atom], []
            strong, keep = atom.has_factor, candidate
    if keep:
        groups.append(d._Group(atoms, connectors, strong))
    return groups


def _plain_vetoed(text: str, start: int) -> bool:
    lo = max(0, start - 40)
    return bool(d._LEFT_BLOCK.search(text, lo, start) or d._LEFT_FOREIGN.search(text, lo, start))


def _plain_find_doses(text: str) -> list[dict]:
    """``find_doses`` without its shortcuts (the rules themselves are the module's)."""
    if not isinstance(text, str) or not text:
        return []
    found: list[dict] = []
    seen: set[tuple[float, bool]] = set()
    prev = None
    for group in _plain_groups(text):
        atoms = d._share_factor(text, group)
        unit = d._read_unit(text, atoms[-1].end, d.MAX_BRIDGE if group.strong else 2)
        accepted = (
            not unit.blocked
            and d._context_accepts(text, group, unit)
            and not _plain_vetoed(text, group.atoms[0].start)
        )
        if not accepted:
            if not (
                prev
                and not unit.blocked
                and not unit.cell
                and atoms[0].has_factor
                and d._RANGE_AFTER.fullmatch(text, prev.end, atoms[0].start)
            ):
                continue
            unit = d._Unit(atoms[-1].end, False, prev.per_kg, False)
        prev = unit
        found += d.group_doses(text, group, atoms, unit, seen)
    return found


def _group_view(groups: list[d._Group]) -> list[tuple]:
    return [(tuple(g.atoms), tuple(g.connectors), g.strong) for g in groups]


@cache
def _real_texts() -> tuple[str, ...]:
    """The documents as the pipeline reads them (title, blank line, text), then each of their
    paragraphs and lines alone, so numbers also meet the start and end of a text."""
    docs = [pipeline_text(record) for record in shared_records()]
    if not docs:
        pytest.skip(f"no shared documents under {shared_dir().resolve()} (set CELLVIGIL_SHARED)")
    pieces = {p for doc in docs for p in re.split(r"\n", doc) if p.strip()}
    return (*docs, *sorted(pieces))


def test_real_texts_are_many() -> None:
    texts = _real_texts()
    assert len(texts) > 900
    assert sum(len(d.find_doses(t)) for t in texts) > 100  # plenty of doses to compare


def test_groups_equal_plain_groups_on_real_texts() -> None:
    for text in _real_texts():
        assert _group_view(d._groups(text)) == _group_view(_plain_groups(text)), text[:200]


def test_find_doses_equals_plain_path_on_real_texts() -> None:
    for text in _real_texts():
        assert d.find_doses(text) == _plain_find_doses(text), text[:200]


def test_find_doses_equals_plain_path_on_real_text_windows() -> None:
    """Every 300-character window of the documents, cut at 37-character steps: numbers and
    words cut at both ends."""
    for text in _real_texts()[:200]:
        for lo in range(0, max(1, len(text) - 100), 37):
            window = text[lo : lo + 300]
            assert d.find_doses(window) == _plain_find_doses(window), window


dose_pieces = st.sampled_from(
    [
        "1", "2", "7", "10", "12", "103", "108", "110", "250", "1000", "0123", "2019", "2,000",
        "1.5", "0,5", "30 000", " ", "  ", "    ", "\n", ", ", ",", " to ", "-", "–", " or ",
        " and ", "~", "±", " million", " billion", " M", "MM", "k", " thousand", " × 10^6",
        "x10(6)", " x 10", "E7", "e-3", "10⁶", "^", "/kg", " cells", " MSCs", " cellules",
        " stem", "(", ")", "[", "]", ".", ";", "day ", "n=", "$", "CD34+", " per kg", "mL",
        " dose of ", " patients", "BRTX-", "a", "é", "٣", "ı", "%", "/",
    ]
)  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(dose_pieces, max_size=40).map("".join))
def test_find_doses_equals_plain_path_on_dose_phrasing(text: str) -> None:
    assert _group_view(d._groups(text)) == _group_view(_plain_groups(text)), text
    assert d.find_doses(text) == _plain_find_doses(text), text


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="0123456789 ,.x×^-/eEmM⁶()kcl\n٣", max_size=80))
def test_groups_equal_plain_groups_on_number_soup(text: str) -> None:
    assert _group_view(d._groups(text)) == _group_view(_plain_groups(text)), text
    assert d.find_doses(text) == _plain_find_doses(text), text


def test_left_veto_precheck_equals_regexes_on_real_texts() -> None:
    """The tightened pre-check (qualifiers need a verb) never hides a veto the regexes see:
    before every number and every word of the real documents."""
    checked = vetoed = 0
    for text in _real_texts():
        if "\n\n" not in text:  # the paragraphs repeat the documents
            continue
        for m in re.finditer(r"(?<!\w)\w", text):
            start = m.start()
            plain = _plain_vetoed(text, start)
            assert d._left_vetoed(text, start) == plain, text[max(0, start - 40) : start]
            checked += 1
            vetoed += plain
    assert checked > 40_000 and vetoed > 100


veto_pieces = st.sampled_from(
    [
        " ", "  ", "   ", "\n", "harvested", "yielded", "yields", "obtained", "isolated",
        "recovered", "found", "counted", "reached", "expanded", "grown", "in vitro", "ex vivo",
        "up", "to", "a total of", "an average of", "a median of", "approximately", "about",
        "over", "more than", ">", "≥", "one", "1", "in", "out of", "per", "every", "$", "USD",
        "density", "seeded", "CD34+", "T cells", "NK-cell", "platelets", "blood", "cells",
        "MSCs", "the", "dose", "of", "at", ",", ".", ";", "(", "HARVESTED", "Up To", "ı", "ſ",
    ]
)  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(veto_pieces, max_size=14).map("".join))
def test_left_veto_precheck_admits_veto_phrasing(text: str) -> None:
    start = len(text)
    window = text[max(0, start - 40) :]
    if d._ODD_CASE.isdisjoint(window) and _plain_vetoed(text, start):
        assert d._may_veto(window.lower()), window
    assert d._left_vetoed(text, start) == _plain_vetoed(text, start), window


def test_word_kind_memo_equals_regex() -> None:
    words = {w for text in _real_texts()[:300] for w in re.findall(r"[^\W\d_][\w'’+-]{0,40}", text)}
    words |= {"cells", "MSCs", "CD34", "T", "lymphocytes", "células", "Zellen", "extracellular"}
    for word in sorted(words):
        m = d._WORD_KIND.match(word)
        expected = m.lastgroup if m else "-"
        assert d._word_kind(word) == expected, word
        assert d._KINDS[word] == expected
    assert len(d._KINDS) <= d._MAX_KINDS


def test_word_kind_memo_stays_small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(d, "_MAX_KINDS", 10)
    monkeypatch.setattr(d, "_KINDS", {})
    for i in range(35):
        d._word_kind(f"word{i}")
        assert len(d._KINDS) <= 10
    assert d.find_doses("MSCs at 2 × 10^6 cells/kg") == _plain_find_doses(
        "MSCs at 2 × 10^6 cells/kg"
    )


decimal_pieces = st.sampled_from(
    [
        "1.5", "0.25", "1.106", "2.109", "500.000", "1.000.000", "12.123456789", "1.74",
        "123456789012345.5", "1234567890123456.5", "1.", ".5", "1.5.3", "1,5", "1,500", " ",
        "; ", ")", " × 10^6", "x10", "e6", " million", " M cells", " cells/kg", "–", " to ",
        "٣", "%", "(", "\n", "/kg", " MSCs", "a", "-",
    ]
)  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(decimal_pieces, max_size=12).map("".join))
def test_decimal_shortcut_equals_regex(text: str) -> None:
    """Decimals read without the number regex ("1.74") end where ``ATOM_RE`` ends them and
    give the Atoms ``atom_from_match`` gives."""
    assert [m.span() for m in d._atom_matches(text)] == [m.span() for m in ATOM_RE.finditer(text)]
    assert _group_view(d._groups(text)) == _group_view(_plain_groups(text)), text
    assert d.find_doses(text) == _plain_find_doses(text), text


def test_find_doses_dicts_hold_exact_types() -> None:
    """``cv_doses`` stores ``find_doses``'s dicts as they are: they must already be plain."""
    seen = 0
    for text in _real_texts():
        for dose in d.find_doses(text):
            assert list(dose) == ["cells", "per_kg", "text", "start", "end"]
            assert type(dose["cells"]) is float and type(dose["per_kg"]) is bool
            assert type(dose["text"]) is str
            assert type(dose["start"]) is int and type(dose["end"]) is int
            seen += 1
    assert seen > 100


def test_component_output_equals_normalised_dicts() -> None:
    """The component skips re-building ``find_doses``'s dicts; another finder's are rebuilt."""
    import spacy

    from nlp.dose_component import USER_DATA_KEY, DoseFinder

    nlp = spacy.blank("en")
    texts = [t for t in _real_texts()[:150] if d.find_doses(t)][:20]
    assert texts
    own, other = DoseFinder("dose"), DoseFinder("dose")
    other.find = lambda text: [dict(x) for x in d.find_doses(text)]  # not find_doses itself
    for text in texts:
        a, b = own(nlp.make_doc(text)), other(nlp.make_doc(text))
        assert a.user_data[USER_DATA_KEY] == b.user_data[USER_DATA_KEY] == d.find_doses(text)
        assert [(s.start_char, s.end_char, s.label_) for s in a.spans["dose"]] == [
            (s.start_char, s.end_char, s.label_) for s in b.spans["dose"]
        ]


_VERB_FORMS = [
    "yield", "yielded", "yields", "harvested", "obtained", "isolated", "recovered", "found",
    "counted", "reached", "expanded to", "grown to", "expanded in vitro to", "grown ex vivo to",
    "expanded up to",
]  # fmt: skip
_QUALIFIERS = [
    "", "a total of", "an average of", "a mean of", "a median of", "approximately", "about",
    "over", "more than", "up to", ">", "≥",
]  # fmt: skip


@pytest.mark.parametrize("verb", _VERB_FORMS)
@pytest.mark.parametrize("qualifier", _QUALIFIERS)
@pytest.mark.parametrize("tail", ["", " ", "  "])
def test_left_veto_precheck_admits_every_verb_and_qualifier(
    verb: str, qualifier: str, tail: str
) -> None:
    """Every verb of _LEFT_BLOCK with every qualifier it may take: the pre-check lets the
    regex decide (it vetoes them all)."""
    for head in ("Cells ", "the MSCs were ", ""):
        text = f"{head}{verb} {qualifier}".rstrip() + tail
        text = text.upper() if head == "" else text
        assert _plain_vetoed(text, len(text)), text
        assert d._left_vetoed(text, len(text)), text


@pytest.mark.parametrize(
    ("expr", "value", "has_factor", "lost_bare"),
    [
        ("1.106", 1e6, True, False),  # a lost superscript after a dot
        ("500.000", 5e5, False, False),  # European thousands
        ("108±5", 108.0, False, True),  # a lost superscript with a spread
        ("1.74", 1.74, False, False),
        ("2,5", 2.5, False, False),
    ],
)
def test_atom_without_factor(expr: str, value: float, has_factor: bool, lost_bare: bool) -> None:
    from nlp.dose_numbers import decimal_atom

    atom = atom_from_match(ATOM_RE.match(expr))
    assert atom is not None and atom.end == len(expr)
    assert (atom.value, atom.has_factor, atom.lost_bare) == (value, has_factor, lost_bare)
    if "." in expr and "±" not in expr:
        assert decimal_atom(0, expr) == atom


def test_plain_end_memo_reads_what_plain_end_reads() -> None:
    """``_plain_end(text[end : end + 6])`` is ``plain_end(text, end)``: after every run of digits
    of the real texts, and after every position of a dose-phrasing text."""
    from nlp.dose_numbers import plain_end

    contexts = 0
    for text in _real_texts():
        for m in re.finditer(r"[0-9]+", text):
            end = m.end()
            assert d._plain_end(text[end : end + 6]) == plain_end(text, end), text[end : end + 8]
            contexts += 1
    phrase = "2 × 10^6  cells, 1.5 million\n(5) [6 ] 3 )x 4 to 5 mg 6 M 7\t\tk 8,9 1.0e6 2"
    for end in range(len(phrase) + 1):
        assert d._plain_end(phrase[end : end + 6]) == plain_end(phrase, end)
    assert contexts > 2000


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=" \t\n\xa0,.()[]x×*^+-−)eEmMbBkKcCtTlLiIoOnNhHrRdDs%/;:a٣é²", max_size=9))
def test_plain_end_memo_equals_plain_end(after: str) -> None:
    from nlp.dose_numbers import plain_end

    text = "12" + after
    assert d._plain_end(text[2:8]) == plain_end(text, 2)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=" \t\n,-–~±+/toandrvsu.x", max_size=14))
def test_joint_memo_equals_connector_regex(gap: str) -> None:
    expected = gap.strip() if d._CONNECTOR.fullmatch(gap) else ""
    assert d._joint(gap) == expected
    assert d._JOINTS[gap] == expected


def test_memos_stay_small(monkeypatch: pytest.MonkeyPatch) -> None:
    for memo, limit in (("_PLAIN_ENDS", "_MAX_PLAIN_ENDS"), ("_JOINTS", "_MAX_JOINTS")):
        monkeypatch.setattr(d, limit, 16)
        monkeypatch.setattr(d, memo, {})
    for i in range(100):
        d._plain_end(f" x{i}")
        d._joint(f" {i} ")
        assert len(d._PLAIN_ENDS) <= 16 and len(d._JOINTS) <= 16
    text = "MSCs at 2 × 10^6 cells/kg, 1-2 million cells; 3, 4 or 5 × 10^6 MSCs on day 1"
    assert d.find_doses(text) == _plain_find_doses(text)


fast_pieces = st.sampled_from(
    [
        "2", "1.5", "0.25", "15", "150", "1234567890123456", "1.123456789", "1,5", "1.000",
        "30 000", " ", "  ", "   ", "    ", "\t", "\n", "×", "x", "X", "*", "**", "·", "✕", "10",
        "10^", "^", "6", "62", "623", "٣", "106", "1006", "1000000", "1000000000000000",
        "million", "millions", "Million", "millionaire", "millionss", "billion", "thousand",
        "thousands", "milliard", "bn", "M", "MM", "k", " cells", " MSCs", "e6", "E7", "(6)",
        "<sup>6</sup>", "⁶", "±", "+/-", ")", "(", "/kg", "_", "a", "é", ".", ",", "-",
    ]
)  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(fast_pieces, max_size=12).map("".join))
def test_fast_atom_equals_regex(text: str) -> None:
    """Doses read without the number regex ("2 × 10^6", "1.5x106", "50 million") end where
    ``ATOM_RE`` ends them and give the Atoms ``atom_from_match`` gives."""
    from nlp.dose_numbers import fast_atom

    for start in range(len(text)):
        if text[start] in "0123456789" and not (
            start and (text[start - 1].isalnum() or text[start - 1] in "_.,^/")
        ):
            atom = fast_atom(text, start)
            if atom is not None:
                m = ATOM_RE.match(text, start)
                assert m is not None and atom == atom_from_match(m), text[start:]
    assert [m.span() for m in d._atom_matches(text)] == [m.span() for m in ATOM_RE.finditer(text)]
    assert _group_view(d._groups(text)) == _group_view(_plain_groups(text)), text


@pytest.mark.parametrize(
    "text",
    [
        "2 × 10^6", "1.5x106", "50 million", "2 million cells", "1*10^6 cells", "3 x 10^62",
        "2 × 1000000", "120 millions de", "1.5 billion", "5 thousand", "2 × 10^6 million",
    ],
)  # fmt: skip
def test_fast_atom_reads_the_usual_doses(text: str) -> None:
    from nlp.dose_numbers import fast_atom

    atom = fast_atom(text, 0)
    assert atom is not None and atom == atom_from_match(ATOM_RE.match(text))


def _slot(*choices: str) -> st.SearchStrategy[str]:
    return st.sampled_from(choices)


written_doses = st.tuples(
    _slot("", " ", "a ", "(", "x", "-", "."),
    _slot("2", "1.5", "0.25", "150", "1234567890123456", "123456789012345", "1.12345678",
          "1.123456789", "1,5", "1.000", "1.000.000", "30 000", "10", "0", "007", "2٣", "1.5٣"),
    _slot("", " ", "  ", "   ", "    ", "\t", "\n", "\u00a0", "\u2009 "),
    _slot("×", "x", "X", "*", "**", "·", "✕", "⋅", "∙", "", "+", "e"),
    _slot("", " ", "   ", "    "),
    _slot("10", "1O", "100", "10 ", ""),
    _slot("^6", "6", "^62", "^623", "^٣", "^6٣", "06", "006", "1000000", "1234567890123",
          "123456789012", "", "^(6)", "^ 6", "^-6", "(6)", "⁶", "e6", " 6", "<sup>6</sup>", "**6"),
    _slot("", " ", "  ", "   "),
    _slot("", "million", "billion", "millions", "Million", "MILLION", "millionaire",
          "millionss", "million_", "million٣", "thousand", "thousands", "milliard", "bn", "M",
          "MM", "k", "Mio", "mil", "millón"),
    _slot("", " ", " cells", "cells", ".", ",", "/kg", ")", "a", "_", "٣", "2", "s", " M",
          " million", "-", "±3", "é", "ı", " ^6", "x10"),
).map("".join)  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(written_doses)
def test_fast_atom_equals_regex_on_written_doses(text: str) -> None:
    """Each slot of a written dose, with the variants that must stop _FAST_ATOM or ATOM_RE."""
    from nlp.dose_numbers import fast_atom

    start = next((i for i, c in enumerate(text) if c in "0123456789"), None)
    if start is None or (start and (text[start - 1].isalnum() or text[start - 1] in "_.,^/")):
        return
    atom = fast_atom(text, start)
    if atom is not None:
        m = ATOM_RE.match(text, start)
        assert m is not None and atom == atom_from_match(m), text
    assert _group_view(d._groups(text)) == _group_view(_plain_groups(text)), text
    assert d.find_doses(text) == _plain_find_doses(text), text


@pytest.mark.parametrize(
    "text",
    [
        "2 × 10^623", "2 × 10^6٣", "2 × 10^6 million", "2 x 1000000000000", "2 x 10000000000000",
        "2 × 106٣", "1.123456789 million", "1.12345678 million", "1234567890123456 million",
        "2   million", "2  million", "2 million_", "2 millionaire", "2 Million", "2 millions",
        "2 millionss", "2 × 10 ^6", "2 × 10^-6", "2 ×10", "2**10^6", "2 ** 10^6", "2 *10^6",
        "1,5 million", "1.000 × 10^6", "1.000.000 million", "30 000 million", "2\t×\t10^6",
        "2    × 10^6", "2 ×    10^6", "2e6 million", "2 × 10^6 cells", "2 × 10^6cells",
        "2 × 10^6M", "2 × 10^6 M cells", "2 × 10^6 k cells", "2 million M",
    ],
)  # fmt: skip
def test_fast_atom_is_the_regex_atom_or_nothing(text: str) -> None:
    """The edges of _FAST_ATOM: where ATOM_RE reads more (or other) digits, spaces or words,
    ``fast_atom`` gives None; where it gives an Atom, it is the regex's."""
    from nlp.dose_numbers import fast_atom

    atom = fast_atom(text, 0)
    if atom is not None:
        assert atom == atom_from_match(ATOM_RE.match(text))
    assert [m.span() for m in d._atom_matches(text)] == [m.span() for m in ATOM_RE.finditer(text)]
    assert _group_view(d._groups(text)) == _group_view(_plain_groups(text)), text
