"""cv_events finds thrombotic and coagulation terms, ignores false friends, and fails loudly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

import nlp.context  # noqa: F401  (registers cv_context)
from cellvigil.vocabulary import keys
from nlp import pipeline as cv_pipeline
from nlp.events import RuleError, event_facts, load_event_rules


def _pipeline(with_context: bool) -> Language:
    return cv_pipeline.events_nlp(with_context)


@pytest.fixture(scope="module")
def events_nlp() -> Language:
    return _pipeline(with_context=False)


@pytest.fixture(scope="module")
def full_nlp() -> Language:
    return _pipeline(with_context=True)


def labels(pipe: Language, text: str) -> list[tuple[str, str]]:
    doc = pipe(text)
    return [(s.text, s.label_) for s in doc.spans["event"]]


def test_events_every_vocabulary_key_has_a_rule() -> None:
    covered = {rule.label for rule in load_event_rules()}
    assert set(keys("events")) <= covered


@pytest.mark.parametrize(
    ("text", "term", "label"),
    [
        # quoted from the dev gold
        (
            "might cause dangerous complications such as portal vein thrombosis and pulmonary "
            "embolism",
            "portal vein thrombosis",
            "venous_thrombosis",
        ),
        (
            "a transient increase in D-dimer serum concentration",
            "increase in D-dimer",
            "coagulation_activation",
        ),
        (
            "a rise in plasma thrombin-antithrombin complexes",
            "thrombin-antithrombin complexes",
            "coagulation_activation",
        ),
        ("formation of multiple thrombi in the lungs", "thrombi in the lungs", "microthrombosis"),
        (
            "BMSCs induced disseminated intravascular thrombosis",
            "disseminated intravascular thrombosis",
            "disseminated_intravascular_coagulation",
        ),
        ("which increased BMSC lung embolism", "lung embolism", "pulmonary_embolism"),
        ("two upper extremity thromboembolisms", "thromboembolisms", "thromboembolism"),
        ("no concerns for blood clots", "blood clots", "thromboembolism"),
        ("risk of acute fatal atherothrombosis", "atherothrombosis", "arterial_thrombosis"),
        ("in Patient With Buerger's Disease", "Buerger's Disease", "arterial_thrombosis"),
        (
            "MSCs to Treat Acute Myocardial Infarction",
            "Myocardial Infarction",
            "myocardial_infarction",
        ),
        (
            "a patient with severe middle cerebral artery occlusion",
            "middle cerebral artery occlusion",
            "stroke",
        ),
        (
            "cause microvascular obstruction following intracoronary delivery",
            "microvascular obstruction",
            "microthrombosis",
        ),
        # our own phrasings
        (
            "venous clots at the proximal end of the puncture site",
            "venous clots",
            "venous_thrombosis",
        ),
        (
            "CT showed filling defects in the pulmonary arteries",
            "filling defects in the pulmonary",
            "pulmonary_embolism",
        ),
        (
            "occlusion of the left subclavian vein",
            "occlusion of the left subclavian vein",
            "venous_thrombosis",
        ),
        ("a deep-vein thrombosis of the calf", "deep-vein thrombosis", "deep_vein_thrombosis"),
        ("an acute ischaemic stroke", "ischaemic stroke", "stroke"),
        ("a cerebrovascular accident", "cerebrovascular accident", "stroke"),
        ("cerebral infarction on MRI", "cerebral infarction", "stroke"),
        ("pulmonary infarction on CT", "pulmonary infarction", "pulmonary_infarction"),
        (
            "instant blood-mediated inflammatory reaction",
            "instant blood-mediated inflammatory reaction",
            "ibmir",
        ),
        (
            "the clotting time was shortened",
            "clotting time was shortened",
            "coagulation_activation",
        ),
        (
            "tissue factor-dependent coagulation",
            "tissue factor-dependent coagulation",
            "coagulation_activation",
        ),
        ("catheter-related thrombosis", "catheter-related thrombosis", "venous_thrombosis"),
        ("coronary stent thrombosis", "stent thrombosis", "arterial_thrombosis"),
        ("a left middle cerebral artery infarct", "cerebral artery infarct", "stroke"),
    ],
)
def test_events_detects_term(events_nlp: Language, text: str, term: str, label: str) -> None:
    assert (term, label) in labels(events_nlp, text)


@pytest.mark.parametrize(
    "text",
    [
        "evaluated with the National Institutes of Health Stroke Scale",  # dev gold
        "veno-occlusive disease (1), ischemic cholangiopathy (1)",  # dev gold
        "prothrombin time (PT) and albumin",  # dev gold
        "The PE teacher led the class.",
        "MI was used as shorthand for mutual information between the two signals.",
        "Cell morphology was imaged with DIC microscopy.",
        "coagulation tests of fibrinogen, D-dimer, aPPTs were measured",  # dev gold
        "stroke volume and cardiac output",
        "fat embolism syndrome after liposuction",
        "cholesterol emboli in the kidney",
    ],
)
def test_events_ignores_false_friends(events_nlp: Language, text: str) -> None:
    assert labels(events_nlp, text) == []


def test_events_haemorrhagic_stroke_text_has_no_thrombotic_stroke(events_nlp: Language) -> None:
    text = "Stroke is devastating. Eight patients with haemorrhagic stroke were treated."
    assert labels(events_nlp, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pulmonary embolism (PE) is feared. One PE occurred.", ("PE", "pulmonary_embolism")),
        (
            "Overall arterial TE rate was 2% in thromboembolism (TE) studies.",
            ("arterial TE", "arterial_thrombosis"),
        ),
        ("Dyspnoea and chest pain: CT angiography confirmed PE.", ("PE", "pulmonary_embolism")),
        (
            "Patients in the AMI trial had acute myocardial infarction (AMI).",
            ("AMI", "myocardial_infarction"),
        ),
    ],
)
def test_events_abbreviations(events_nlp: Language, text: str, expected: tuple[str, str]) -> None:
    assert expected in labels(events_nlp, text)


def test_event_facts_one_per_term_and_status_with_offsets(full_nlp: Language) -> None:
    text = (
        "MSCs in stroke\n\nPulmonary embolism may follow infusion. "
        "One patient developed pulmonary embolism. Another developed pulmonary embolism."
    )
    doc = full_nlp(text)
    facts = event_facts(doc)
    pairs = [(f["term"], f["status"]) for f in facts]
    assert pairs.count(("pulmonary_embolism", "present")) == 1
    assert ("pulmonary_embolism", "possible") not in pairs  # covered by the observed event
    fact = next(f for f in facts if f["status"] == "present")
    assert text[fact["start"] : fact["end"]] == fact["text"] == "pulmonary embolism"
    assert fact["sentence"] == "One patient developed pulmonary embolism."


def test_event_facts_without_context_defaults_to_present(events_nlp: Language) -> None:
    facts = event_facts(events_nlp("A deep vein thrombosis."))
    assert [(f["term"], f["status"]) for f in facts] == [("deep_vein_thrombosis", "present")]


def _write(tmp_path: Path, rows: list[dict]) -> str:
    path = tmp_path / "event_patterns.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": "bad_label", "label": "heart_trouble", "pattern": "heart trouble"}, "bad_label"),
        ({"id": "bad_key", "label": "stroke", "pattern": "stroke", "colour": "red"}, "bad_key"),
        ({"id": "bad_pattern", "label": "stroke", "pattern": []}, "bad_pattern"),
        ({"label": "stroke", "pattern": "stroke"}, "without an 'id'"),
        ({"id": "bad_status", "label": "stroke", "pattern": "x", "status": "maybe"}, "bad_status"),
        ({"id": "bad_keep", "label": "stroke", "pattern": "x", "keep": -1}, "bad_keep"),
    ],
)
def test_events_bad_rule_file_errors(tmp_path: Path, row: dict, message: str) -> None:
    path = _write(tmp_path, [row])
    with pytest.raises(RuleError, match=message) as info:
        load_event_rules(path)
    assert "event_patterns.jsonl" in str(info.value)


def test_events_duplicate_rule_id_errors(tmp_path: Path) -> None:
    row = {"id": "twice", "label": "stroke", "pattern": "stroke"}
    with pytest.raises(RuleError, match="duplicate id"):
        load_event_rules(_write(tmp_path, [row, row]))


def test_events_empty_rule_file_warns(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="no rules"):
        assert load_event_rules(_write(tmp_path, [])) == []


def test_events_bad_rule_file_fails_in_the_factory(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"id": "oops", "label": "nope", "pattern": "x"}])
    with pytest.raises(RuleError, match="oops"):
        spacy.blank("en").add_pipe("cv_events", config={"rules_file": path})


def test_events_keep_leaves_look_ahead_words_outside_the_mention(events_nlp: Language) -> None:
    assert ("Thrombotic", "thromboembolism") in labels(events_nlp, "Thrombotic risk is high.")


def test_events_rule_status_is_kept_without_and_with_context(
    events_nlp: Language, full_nlp: Language
) -> None:
    text = "Mesenchymal stromal cells\n\nD-dimer levels did not increase after infusion."
    for pipe in (events_nlp, full_nlp):
        pairs = [(f["term"], f["status"]) for f in event_facts(pipe(text))]
        assert pairs == [("coagulation_activation", "absent")]
