"""cv_context gives each event mention a status: present, absent, possible or excluded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spacy.language import Language

from nlp.context import load_context_rules
from nlp.events import RuleError, event_facts
from nlp.pipeline import events_nlp

TITLE = "Mesenchymal stromal cells\n\n"


@pytest.fixture(scope="module")
def pipe() -> Language:
    return events_nlp()


def statuses(pipe: Language, text: str) -> dict[str, set[str]]:
    """Term -> statuses in the document's events list."""
    found: dict[str, set[str]] = {}
    for fact in event_facts(pipe(text)):
        found.setdefault(fact["term"], set()).add(fact["status"])
    return found


@pytest.mark.parametrize(
    ("sentence", "term", "status"),
    [
        # quoted from the dev gold
        (
            "Patients receiving intravenous UC-MSC infusion exhibited a transient increase in "
            "D-dimer serum concentration.",
            "coagulation_activation",
            "present",
        ),
        (
            "The SAEs were two upper extremity thromboembolisms in patients with preexisting renal "
            "disease.",
            "thromboembolism",
            "present",
        ),
        (
            "Overall deep vein thrombosis rate was 20% (95% CI: 13–28%).",
            "deep_vein_thrombosis",
            "present",
        ),
        (
            "Serious adverse events reported: Target lesion cardiac death; "
            "Target vessel myocardial infarction",
            "myocardial_infarction",
            "present",
        ),
        # our own
        (
            "One patient developed pulmonary embolism 3 days after the second infusion.",
            "pulmonary_embolism",
            "present",
        ),
        (
            "Portal vein thrombosis occurred in one patient after intraportal infusion.",
            "venous_thrombosis",
            "present",
        ),
        (
            "A CT pulmonary angiogram showed filling defects in the right pulmonary arteries.",
            "pulmonary_embolism",
            "present",
        ),
    ],
)
def test_context_present(pipe: Language, sentence: str, term: str, status: str) -> None:
    assert statuses(pipe, TITLE + sentence)[term] == {status}


@pytest.mark.parametrize(
    ("sentence", "term"),
    [
        (
            "The cell delivery was successfully performed in all of the patients, and no major "
            "accidents (stroke or death) were observed.",
            "stroke",
        ),  # dev gold
        (
            "There is a very low rate of infection and no concerns for blood clots or "
            "pneumonias as seen with surgery.",
            "thromboembolism",
        ),  # dev gold
        ("None of the patients developed deep vein thrombosis.", "deep_vein_thrombosis"),
        ("The patient was free of thrombotic complications at 12 months.", "thromboembolism"),
        ("Heart attack and stroke were not observed.", "myocardial_infarction"),
        ("There were no cases of pulmonary embolism.", "pulmonary_embolism"),
        ("There was no increase in D-dimer after infusion.", "coagulation_activation"),
        ("Thromboembolic events did not occur.", "thromboembolism"),
        ("Patients were treated without any thromboembolic complications.", "thromboembolism"),
    ],
)
def test_context_absent(pipe: Language, sentence: str, term: str) -> None:
    assert statuses(pipe, TITLE + sentence)[term] == {"absent"}


@pytest.mark.parametrize(
    ("sentence", "term"),
    [
        (
            "Hyperactive coagulation might cause dangerous complications such as portal vein "
            "thrombosis and pulmonary embolism after mesenchymal stem/stromal cell (MSC) therapy.",
            "pulmonary_embolism",
        ),  # dev gold
        (
            "A recent study has found that there are serious risks with IV stem cell injections in "
            "general, including blood clots and death.",
            "thromboembolism",
        ),  # dev gold
        ("Risk of fatal acute or sub-acute atherothrombosis.", "arterial_thrombosis"),  # dev gold
        ("Intravenous MSC infusion may cause pulmonary embolism.", "pulmonary_embolism"),
        (
            "Pulmonary embolism has been reported after infusion of adipose-derived cells.",
            "pulmonary_embolism",
        ),
        (
            "Thromboembolic complications are a known risk of intravenous cell therapy.",
            "thromboembolism",
        ),
        ("Patients will be monitored for signs of deep vein thrombosis.", "deep_vein_thrombosis"),
        (
            "To assess the safety of MSC, including thromboembolic events, patients are followed.",
            "thromboembolism",
        ),
        ("The FDA warned that clinics have caused blood clots.", "thromboembolism"),
        ("Anticoagulation was given to prevent thrombosis.", "thromboembolism"),
    ],
)
def test_context_possible(pipe: Language, sentence: str, term: str) -> None:
    assert statuses(pipe, TITLE + sentence)[term] == {"possible"}


@pytest.mark.parametrize(
    ("sentence", "term"),
    [
        (
            "A prior stroke, macular degeneration, osteoarthritis, and depression, led her to "
            "receive intrathecal neural stem cell therapy overseas.",
            "stroke",
        ),  # dev gold
        (
            "Multiple sclerosis, cerebral palsy, muscular dystrophy, stroke and amyotrophic "
            "lateral sclerosis are the most common diseases of the central nervous system.",
            "stroke",
        ),  # dev gold
        (
            "Intravenous infusion of umbilical blood cells is a therapeutic procedure used in "
            "patients recovering from stroke.",
            "stroke",
        ),  # dev gold
        (
            "In a porcine AMI model, IC infusion of 25 × 10(6) MSC was given after acute "
            "myocardial infarction (AMI).",
            "myocardial_infarction",
        ),  # dev gold
        ("We treated 20 patients with acute ischemic stroke.", "stroke"),
        ("Patients with a history of deep vein thrombosis were excluded.", "deep_vein_thrombosis"),
        ("The patient had a stroke 2 years before treatment.", "stroke"),
        ("Stroke patients received 1 million cells/kg intravenously.", "stroke"),
    ],
)
def test_context_excluded(pipe: Language, sentence: str, term: str) -> None:
    assert statuses(pipe, TITLE + sentence)[term] == {"excluded"}


def test_context_eligibility_section_excludes(pipe: Language) -> None:
    text = (
        TITLE + "Inclusion Criteria:\n- Acute myocardial infarction treated with PCI\n\n"
        "Exclusion Criteria:\n- Deep vein thrombosis within 3 months\n\n"
        "Results:\nOne patient had pulmonary embolism."
    )
    found = statuses(pipe, text)
    assert found["myocardial_infarction"] == {"excluded"}
    assert found["deep_vein_thrombosis"] == {"excluded"}
    assert found["pulmonary_embolism"] == {"present"}


def test_context_background_section_is_possible(pipe: Language) -> None:
    text = TITLE + "Background: Thrombosis occurs in some recipients.\n\nResults: DVT occurred."
    found = statuses(pipe, text)
    assert found["thromboembolism"] == {"possible"}
    assert found["deep_vein_thrombosis"] == {"present"}


def test_context_title_is_a_topic_not_a_finding(pipe: Language) -> None:
    text = "Thrombosis development induced by MSC infusions\n\nWe measured coagulation."
    assert statuses(pipe, text)["thromboembolism"] == {"possible"}


@pytest.mark.parametrize(
    ("sentence", "term", "status"),
    [
        (
            "There was no significant difference in DVT rates; DVT occurred in 4 patients.",
            "deep_vein_thrombosis",
            "present",
        ),
        (
            "Mortality was higher among patients with pulmonary embolism (PE) than those without.",
            "pulmonary_embolism",
            "present",
        ),
        (
            "Buerger's disease, also known as thromboangiitis obliterans, occurred.",
            "arterial_thrombosis",
            "present",
        ),
    ],
)
def test_context_pseudo_triggers_are_not_cues(
    pipe: Language, sentence: str, term: str, status: str
) -> None:
    assert statuses(pipe, TITLE + sentence)[term] == {status}


@pytest.mark.parametrize(
    ("sentence", "absent_term", "present_term"),
    [
        (
            "No pulmonary embolism was detected, but one patient developed deep vein thrombosis.",
            "pulmonary_embolism",
            "deep_vein_thrombosis",
        ),
        (
            "No stroke was seen; however, myocardial infarction occurred in one patient.",
            "stroke",
            "myocardial_infarction",
        ),
    ],
)
def test_context_terminators_end_scope(
    pipe: Language, sentence: str, absent_term: str, present_term: str
) -> None:
    found = statuses(pipe, TITLE + sentence)
    assert found[absent_term] == {"absent"}
    assert found[present_term] == {"present"}


def test_context_contrast_clause_gives_a_second_status(pipe: Language) -> None:
    sentence = (  # dev gold
        "Patients receiving intravenous UC-MSC infusion exhibited a transient increase in D-dimer "
        "serum concentration, while this remained stable in the group with intrathecal infusion."
    )
    assert statuses(pipe, TITLE + sentence)["coagulation_activation"] == {"present", "absent"}


def test_context_indication_covers_generic_mentions(pipe: Language) -> None:
    text = (
        "Stem cells for ischemic stroke\n\nStroke is the main cause of adult disability. "
        "We enrolled patients with ischemic stroke."
    )
    assert statuses(pipe, text) == {"stroke": {"excluded"}}


def test_context_indication_and_absent_event_both_kept(pipe: Language) -> None:
    text = (
        "MSCs in patients with stroke\n\nFour patients with stroke were recruited. "
        "No major accidents (stroke or death) were observed."
    )
    assert statuses(pipe, text) == {"stroke": {"excluded", "absent"}}


def _write(tmp_path: Path, rows: list[dict]) -> str:
    path = tmp_path / "context_rules.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"id": "c1", "category": "maybe", "literal": "perhaps", "direction": "forward"},
            "unknown category",
        ),
        (
            {"id": "c2", "category": "absent", "literal": "no", "direction": "sideways"},
            "unknown direction",
        ),
        (
            {
                "id": "c3",
                "category": "absent",
                "literal": "no",
                "pattern": [{"LOWER": "no"}],
                "direction": "forward",
            },
            "exactly one",
        ),
        (
            {
                "id": "c4",
                "category": "absent",
                "literal": "no",
                "direction": "forward",
                "max_scope": 0,
            },
            "max_scope",
        ),
        (
            {"id": "c5", "category": "absent", "literal": "but", "direction": "terminate"},
            "same category",
        ),
        (
            {"id": "c6", "category": "absent", "literal": "no", "direction": "forward", "x": 1},
            "unknown keys",
        ),
    ],
)
def test_context_bad_rule_file_errors(tmp_path: Path, row: dict, message: str) -> None:
    with pytest.raises(RuleError, match=message) as info:
        load_context_rules(_write(tmp_path, [row]))
    assert row["id"] in str(info.value) and "context_rules.jsonl" in str(info.value)


def test_context_rule_file_is_valid() -> None:
    rules = load_context_rules()
    assert {r.category for r in rules} >= {"absent", "possible", "excluded", "present"}
    assert any(r.direction == "pseudo" for r in rules)
    assert any(r.direction == "terminate" for r in rules)


def test_context_run_in_headers_of_one_paragraph_abstracts(pipe: Language) -> None:
    text = (
        TITLE + "BACKGROUND: Thrombosis occurs after some infusions. METHODS: We treated 30 "
        "patients. RESULTS: Pulmonary embolism in 2 patients. CONCLUSIONS: Safe."
    )
    found = statuses(pipe, text)
    assert found["thromboembolism"] == {"possible"}
    assert found["pulmonary_embolism"] == {"present"}


def test_context_outcome_section_is_possible(pipe: Language) -> None:
    text = TITLE + "Primary outcome:\nIncidence of deep vein thrombosis at 12 months"
    assert statuses(pipe, text)["deep_vein_thrombosis"] == {"possible"}


def test_context_semicolon_ends_negation_but_not_an_adverse_event_list(pipe: Language) -> None:
    negated = TITLE + "Cells were given without complications; at 3 months, a stroke occurred."
    assert statuses(pipe, negated)["stroke"] == {"present"}
    listed = TITLE + "Serious adverse events reported: Sepsis; Pneumonia; Deep vein thrombosis"
    assert statuses(pipe, listed)["deep_vein_thrombosis"] == {"present"}


@pytest.mark.parametrize(
    ("sentence", "term"),
    [
        ("IBMIR is triggered when MSCs come into contact with blood.", "ibmir"),
        ("Thrombosis is a major complication of intravenous cell therapy.", "thromboembolism"),
    ],
)
def test_context_general_statements_are_possible(pipe: Language, sentence: str, term: str) -> None:
    assert statuses(pipe, TITLE + sentence)[term] == {"possible"}


def test_context_conditions_section_is_excluded(pipe: Language) -> None:
    text = "Regenerative clinic\n\nConditions We Treat\n\n- Stroke\n- Heart attack\n- Knee pain"
    assert statuses(pipe, text) == {"stroke": {"excluded"}, "myocardial_infarction": {"excluded"}}


@pytest.mark.parametrize(
    ("sentence", "term", "status"),
    [
        ("Blood clots in the lungs can be fatal.", "thromboembolism", "possible"),
        (
            "Pulmonary embolism occurred in two patients and may be related to the cells.",
            "pulmonary_embolism",
            "present",
        ),
        (
            "The safety endpoints included the incidence of venous thromboembolism.",
            "thromboembolism",
            "possible",
        ),
        (
            "The incidence of deep vein thrombosis was 5% in the treated group.",
            "deep_vein_thrombosis",
            "present",
        ),
        ("Anticoagulation was given as DVT prophylaxis.", "deep_vein_thrombosis", "possible"),
    ],
)
def test_context_hedges_and_outcomes(pipe: Language, sentence: str, term: str, status: str) -> None:
    assert statuses(pipe, TITLE + sentence)[term] == {status}


def test_context_eligibility_does_not_relabel_observed_events(pipe: Language) -> None:
    text = (
        "Trial\n\nExclusion Criteria:\n- History of deep vein thrombosis\n\n"
        "Results:\nDeep vein thrombosis in two patients (5%)."
    )
    assert statuses(pipe, text) == {"deep_vein_thrombosis": {"excluded", "present"}}


def test_context_records_the_deciding_cue(pipe: Language) -> None:
    doc = pipe(TITLE + "None of the patients developed deep vein thrombosis.")
    (span,) = doc.spans["event"]
    assert span._.status == "absent"
    assert span._.status_cue == "absent_none_of_the_patients: None of the patients"
