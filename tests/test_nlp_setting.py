"""Setting: source_kind as a strong prior, refined by text signals."""

from __future__ import annotations

import pytest

from nlp.extract import extract_records


def setting(text: str, source_kind: str | None = None, title: str = "") -> str:
    record = {"id": "s", "title": title, "text": text}
    if source_kind:
        record["source_kind"] = source_kind
    return next(extract_records([record]))["setting"]


@pytest.mark.parametrize(
    "text, kind, expected",
    [
        ("A phase II randomized trial of MSCs.", "trial_registration", "regulated_trial"),
        (
            "This patient funded trial gives UC-MSCs in Antigua.",
            "trial_registration",
            "registered_unverified",
        ),
        (
            "Participants will pay the cost of the treatment.",
            "trial_registration",
            "registered_unverified",
        ),
        (
            "Observational study of the marketed product Alofisel in routine clinical practice.",
            "trial_registration",
            "approved_product",
        ),
        (
            "Book a consultation today. Our clinic offers stem cell therapy.",
            "clinic_ad",
            "clinic_direct_to_consumer",
        ),
        (
            "WARNING LETTER. Dear Dr. Smith: FDA reviewed your website.",
            "regulatory_action",
            "regulatory_action",
        ),
    ],
)
def test_setting_with_source_kind(text: str, kind: str, expected: str) -> None:
    assert setting(text, kind) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "WARNING LETTER\n\nThe FDA reviewed your website and your misbranded product.",
            "regulatory_action",
        ),
        (
            "Health Canada is advising Canadians about unauthorized cell therapies.",
            "regulatory_action",
        ),
        (
            "Our clinic offers affordable prices. Book a consultation with our doctors.",
            "clinic_direct_to_consumer",
        ),
        ("This pay-to-participate study charges a treatment fee.", "registered_unverified"),
        ("A randomized, double-blind, placebo-controlled phase 2 trial.", "regulated_trial"),
        ("Mesenchymal stem cells modulate immunity.", "unknown"),
    ],
)
def test_setting_from_text_alone(text: str, expected: str) -> None:
    assert setting(text) == expected


def test_setting_signals_have_evidence() -> None:
    title = "Phase 1 trial"
    out = next(extract_records([{"id": "s", "title": title, "text": "A randomized trial."}]))
    full = title + "\n\n" + "A randomized trial."
    assert out["setting_signals"]
    for sig in out["setting_signals"]:
        assert full[sig["start"] : sig["end"]] == sig["text"]
