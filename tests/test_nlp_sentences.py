"""Sentence splitter: biomedical abbreviations, numbers and line structure."""

from __future__ import annotations

import pytest
import spacy

import nlp.sentences  # noqa: F401  (registers cv_sentences)


@pytest.fixture(scope="module")
def splitter() -> spacy.language.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("cv_sentences")
    return nlp


def sentences(nlp, text: str) -> list[str]:
    return [s.text.strip() for s in nlp(text).sents if s.text.strip()]


@pytest.mark.parametrize(
    "text",
    [
        "Cells were given i.v. to all patients.",
        "MSCs were infused approx. 5 days after onset.",
        "Intra-arterial vs. intravenous delivery was compared.",
        "Engraftment is shown in Fig. 2 and Fig. 3.",
        "As reported by Le Blanc et al. MSCs were safe.",
        "A dose of 2.5 ×10^6 cells/kg was infused.",
        "Perinatal tissues, e.g. Wharton's jelly, were used.",
        "Several sources, i.e. bone marrow and fat, exist.",
        "Patient No. 3 developed a fever.",
        "The dose was 1.5 x 10^6 cells per kg of body weight.",
    ],
)
def test_sentences_keep_abbreviations_inside(splitter, text: str) -> None:
    assert sentences(splitter, text) == [text]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("MSCs were safe. No thrombosis occurred.", 2),
        ("Stroke is common (n = 3). Patients improved.", 2),
        ("Title of the trial\n\nThe purpose of this study is safety.", 2),
        (
            "Inclusion Criteria:\n- age 18 to 65\n- signed consent\n"
            "Exclusion Criteria:\n- prior stroke",
            5,
        ),
        ("Overview\nIntravenous infusion of cord blood cells.\n  • bullet one\n  • bullet two", 4),
        ("The cells were\nwrapped over a line break.", 1),
    ],
)
def test_sentences_split_on_stops_and_lines(splitter, text: str, expected: int) -> None:
    assert len(sentences(splitter, text)) == expected


def test_sentences_every_token_annotated(splitter) -> None:
    doc = splitter("One sentence here. Another one there.\n\nA third.")
    assert doc.has_annotation("SENT_START")
    assert [s.text.strip() for s in doc.sents] == [
        "One sentence here.",
        "Another one there.",
        "A third.",
    ]


def test_sentences_empty_text(splitter) -> None:
    assert list(splitter("").sents) == []


@pytest.mark.parametrize(
    "text",
    [
        "Title line\n\nMSCs were given i.v. to all patients. No events occurred.",
        "Inclusion Criteria:\n- age > 18\n- informed consent\n\nExclusion Criteria:\n- cancer",
        "one sentence only",
        "Cells were infused. \n\n  Then. Then?  Yes!",
    ],
)
def test_sentences_noted_bounds_match_the_annotation(splitter, text: str) -> None:
    # Scopes read the bounds cv_sentences noted; they must equal what doc.sents reports.
    from nlp.scope import DocScope, _memo

    doc = splitter(text)
    scope = DocScope(doc)
    sents = list(doc.sents)
    assert scope.sent_starts == [s.start for s in sents]
    assert scope.sent_ends == [s.end for s in sents]
    _memo(doc).clear()  # recomputed from the annotation alone: the same
    assert DocScope(doc).sent_starts == [s.start for s in sents]
