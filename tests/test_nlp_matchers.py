"""Tissue, donor and route matchers, with attachment to the cells (real and own phrasings)."""

from __future__ import annotations

import pytest

from nlp.extract import extract_records


def facts(text: str, title: str = "") -> dict:
    return next(extract_records([{"id": "t", "title": title, "text": text}]))


@pytest.mark.parametrize(
    "text, key",
    [
        ("Patients received BM-MSCs intravenously.", "bone_marrow"),
        ("Autologous BMSCs were injected.", "bone_marrow"),
        ("MSCs were isolated from bone marrow aspirates of each patient.", "bone_marrow"),
        ("A single injection of AD-MSCs was given.", "adipose"),
        ("Allogeneic ADSCs were infused.", "adipose"),
        ("ASCs were given at 1 x 10^6 cells/kg.", "adipose"),
        ("Autologous SVF cells were injected.", "adipose"),
        ("Stromal vascular fraction was obtained by liposuction.", "adipose"),
        ("hUC-MSCs were administered.", "umbilical_cord"),
        ("UC-MSC infusion was well tolerated.", "umbilical_cord"),
        ("WJ-MSCs were applied.", "umbilical_cord"),
        ("Wharton’s jelly-derived mesenchymal stem cells were infused.", "umbilical_cord"),
        ("MSCs derived from umbilical cord tissue were used.", "umbilical_cord"),
        ("Umbilical cord blood-derived MSCs were injected.", "cord_blood"),
        ("Decidua stromal cells were infused for GVHD.", "placenta"),
        ("Chorionic MSCs were used.", "placenta"),
        ("Amniotic membrane-derived cells were transplanted.", "amnion"),
        ("Dental pulp stem cells (DPSCs) were seeded.", "dental_pulp"),
        ("Stem cells from human exfoliated deciduous teeth were infused.", "dental_pulp"),
        ("Menstrual blood stem cells were infused.", "endometrium"),
        ("Peripheral blood mesenchymal stem cells were embedded.", "peripheral_blood"),
        ("iPSC-derived MSCs were infused.", "ips_derived"),
        ("Mesenchymal stem cells were infused intravenously.", "unspecified_msc"),
    ],
)
def test_tissue_matcher_finds_source(text: str, key: str) -> None:
    assert key in facts(text)["tissue_sources"]


@pytest.mark.parametrize(
    "text",
    [
        "Exclusion criteria: prior bone marrow transplant.",
        "Patients with a history of bone marrow transplantation were excluded.",
        "Human umbilical vein endothelial cells were used as controls.",
    ],
)
def test_tissue_matcher_ignores_history_and_false_friends(text: str) -> None:
    assert facts(text)["tissue_sources"] in ([], ["unspecified_msc"])


def test_tissue_unspecified_only_without_stated_tissue() -> None:
    found = facts("Mesenchymal stem cells from adipose tissue were infused.")["tissue_sources"]
    assert found == ["adipose"]


@pytest.mark.parametrize(
    "text, key",
    [
        ("Autologous MSCs were injected.", "autologous"),
        ("The patient's own bone marrow cells were used.", "autologous"),
        ("Cells were harvested from the patient's own adipose tissue.", "autologous"),
        ("Allogeneic MSCs were infused.", "allogeneic"),
        ("Allogenic adipose-derived stem cells were given.", "allogeneic"),
        ("MSCs were collected from healthy donors.", "allogeneic"),
        ("Third-party MSCs were infused.", "allogeneic"),
        ("An off-the-shelf MSC product was injected.", "allogeneic"),
    ],
)
def test_donor_matcher_finds_donor(text: str, key: str) -> None:
    assert facts(text)["donor"] == [key]


@pytest.mark.parametrize(
    "text",
    [
        "Patients had received an allogeneic hematopoietic stem cell transplant.",
        "Adipose tissue was processed from donors for autologous use; the cells were injected.",
    ],
)
def test_donor_matcher_skips_hsct_and_contradicted_implied(text: str) -> None:
    assert "allogeneic" not in facts(text)["donor"]


@pytest.mark.parametrize(
    "text, key",
    [
        ("MSCs were infused through a peripheral vein.", "intravenous"),
        ("The cells were given i.v. over 30 minutes.", "intravenous"),
        ("ADSC, single IV, 1.106 cells/kg", "intravenous"),
        ("Participants receive 3 x 10^6 cell/Kg by vein on Day 1.", "intravenous"),
        ("MSCs were injected into the knee joint.", "intra_articular"),
        ("A single intra-articular injection of AD-MSCs was given.", "intra_articular"),
        ("Autologous MSCs were delivered intrathecally.", "intrathecal"),
        ("MSCs were administered via lumbar puncture.", "intrathecal"),
        ("Intracoronary infusion of bone marrow cells was performed.", "intracoronary"),
        ("Nebulised MSC secretome was inhaled daily.", "intratracheal"),
        ("Stem cells were given by retrobulbar injection.", "local_injection"),
        ("Cells were injected into the tendon lesion of the epicondyle.", "local_injection"),
        ("Intracavernous injection of Wharton jelly MSCs.", "local_injection"),
        ("Dental pulp MSCs were seeded on a hydroxyapatite scaffold.", "topical"),
        ("Adipose MSCs seeded into a bioabsorbable fistula plug.", "topical"),
        ("Cells were infused via the portal vein.", "intraportal"),
        ("Intra-arterial infusion of autologous bone marrow cells.", "intra_arterial"),
        ("BM-MSCs were injected intramuscularly into the calf.", "intramuscular"),
        ("Transendocardial injection of MSCs was performed.", "intramyocardial"),
        ("The cells were injected into the subcutaneous tissue of each finger.", "subcutaneous"),
        ("MSCs were given by intravitreal injection.", "intravitreal"),
        ("Intranasal MSC delivery was studied.", "intranasal"),
        ("Bone marrow cells were injected into the femoral head (intraosseous).", "intraosseous"),
        ("Intradiscal injection of MSCs was performed.", "intradiscal"),
        ("Intradermal injection of MSCs was tested.", "intradermal"),
        ("Intracerebral implantation of MSCs was done.", "intracerebral"),
    ],
)
def test_route_matcher_finds_route(text: str, key: str) -> None:
    assert key in facts(text)["routes"]


@pytest.mark.parametrize(
    "text, absent",
    [
        (
            "Autologous bone marrow stem cells were given intra-arterially combined with "
            "Cerebrolysin IV.",
            "intravenous",
        ),
        (
            "Intra-arterial infusion of cells combined with intravenous injection of cerebrolysin.",
            "intravenous",
        ),
        (
            "MSCs were infused. All subjects received LPS intravenously one hour later.",
            "intravenous",
        ),
        ("MSC infusions were given twice weekly.", "intravenous"),
        (
            "Intra-artery infusion of MSCs is better compared to intravenous delivery.",
            "intravenous",
        ),
        ("Patients in phase IV of the disease received MSC infusions.", "intravenous"),
        (
            "Sodium Chloride (0.9%) intravenous infusion preparation. "
            "Cells were injected intradiscally.",
            "intravenous",
        ),
    ],
)
def test_route_matcher_rejects_drug_and_bare_infusion(text: str, absent: str) -> None:
    assert absent not in facts(text)["routes"]


def test_route_generic_local_dropped_when_specific_route_stated() -> None:
    text = (
        "Autologous SVF cells local injections were studied. SVF cells were injected into "
        "the subcutaneous tissue of each finger."
    )
    assert facts(text)["routes"] == ["subcutaneous"]


def test_mentions_carry_evidence_offsets() -> None:
    title = "Intravenous MSCs"
    text = "Allogeneic BM-MSCs were infused intravenously."
    out = facts(text, title)
    full = title + "\n\n" + text
    assert out["mentions"]
    for m in out["mentions"]:
        assert full[m["start"] : m["end"]] == m["text"]
        assert m["field"] in {"tissue_sources", "donor", "routes", "products"}


@pytest.mark.parametrize(
    "text, key",
    [
        ("MSC-NTF cells will be transplanted by IM or IT injection.", "intrathecal"),
        ("MSC-NTF cells will be transplanted by IM or IT injection.", "intramuscular"),
        ("Subjects will be IA injected at the target knee with BM-MSCs.", "intra_articular"),
    ],
)
def test_route_abbreviations_next_to_administration(text: str, key: str) -> None:
    assert key in facts(text)["routes"]


def test_route_abbreviations_ignored_in_upper_case_text() -> None:
    assert facts("STEM CELLS: IT IS INJECTED DAILY.")["routes"] == []


def _regex_rules() -> list:
    from nlp.extract import get_nlp
    from nlp.match_index import shared_index

    index = shared_index(get_nlp())
    return [regex for rules in index.regexes.values() for regex in rules]


@pytest.mark.parametrize("regex", _regex_rules(), ids=lambda r: r.rule.id)
def test_match_index_fast_regex_scan_finds_what_finditer_finds(regex) -> None:
    import random

    from nlp.match_index import WordFinder

    words = [
        *(regex.words or ()),
        *regex.rule.requires,
        "patient's own",
        "Patients",
        "OWN",
        "from",
        "Harvested  from the patient bone",
        "donors",
        "of healthy donors",
        "into",
        "knee",
        "the",
        "seeded on",
        "scaffold",
        "via hepatic artery",
        "subjects underwent liposuction",
        "Wharton jelly",
        "applied to the wound",
        "xharvested",
        "umbilical (UC)",
        "MSCs",
        "joint effort",
        " ",
        "\n",
        ".",
        "-",
        "’s",
    ]
    rng = random.Random(7)
    for _ in range(300):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 30)))
        expected = [m.span() for m in regex.exact.finditer(text)]
        assert regex.spans(text, WordFinder(text.lower())) == expected, text


def test_match_index_case_traps_use_the_exact_regex() -> None:
    # 'ſ' matches 's' under IGNORECASE but does not lower-case to it: no lower-case shortcut.
    from nlp.extract import get_nlp
    from nlp.match_index import shared_index

    nlp = get_nlp()
    doc = nlp("Cells harveſted from the patient's bone marrow were infused.")
    ids = {rule.id for _, _, rule in shared_index(nlp).matches(doc, "donor_patterns.jsonl")}
    assert "donor-autologous-regex-b-procured-harvested-obtained-coll" in ids


def test_match_index_is_shared_by_every_rule_component() -> None:
    from nlp.match_index import shared_index
    from nlp.pipeline import build_nlp

    nlp = build_nlp(optional=False)
    assert shared_index(nlp).sources == [
        "anchor_patterns.jsonl",
        "products.csv",
        "tissue_patterns.jsonl",
        "donor_patterns.jsonl",
        "route_patterns.jsonl",
        "setting_patterns.jsonl",
    ]
