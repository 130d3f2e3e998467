"""Extraction never stops on bad input, keeps order, and emits the spec's output shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_documents import shared_records

from nlp import extract
from nlp.extract import EXTRACTOR_VERSION, extract_records

SPEC_KEYS = {"id", "tissue_sources", "donor", "routes", "doses", "events", "setting"}
EXTRA_KEYS = {"setting_signals", "mentions"}


def test_extract_output_shape_and_version() -> None:
    out = next(
        extract_records(
            [
                {
                    "id": "x",
                    "title": "BM-MSC trial",
                    "text": "Autologous BM-MSCs were infused intravenously.",
                }
            ]
        )
    )
    assert SPEC_KEYS | EXTRA_KEYS <= set(out)
    assert out["tissue_sources"] == ["bone_marrow"]
    assert out["donor"] == ["autologous"]
    assert out["routes"] == ["intravenous"]
    assert isinstance(EXTRACTOR_VERSION, str) and EXTRACTOR_VERSION


@pytest.mark.parametrize(
    "record, error",
    [
        ({"id": "empty", "title": "", "text": ""}, "empty text"),
        ({"id": "missing", "title": "t"}, "missing or not a string"),
        ({"id": "number", "title": "t", "text": 42}, "missing or not a string"),
        ({"id": "title", "title": ["x"], "text": "MSCs"}, "'title' is not a string"),
        ("not a dict", "not a JSON object"),
        (None, "not a JSON object"),
    ],
)
def test_extract_bad_input_yields_error_line(record, error: str) -> None:
    out = next(extract_records([record]))
    assert error in out["error"]
    assert SPEC_KEYS <= set(out)


def test_extract_one_bad_doc_never_stops_the_batch() -> None:
    records = [
        {"id": "a", "title": "", "text": "Allogeneic UC-MSCs were infused intravenously."},
        {"id": "b", "text": None},
        {
            "id": "c",
            "title": "",
            "text": "<p>Autologous <b>ADSCs</b> were injected\x00 intra-articularly.</p>",
        },
        {"id": "d", "title": "Estudio", "text": "Células mesenquimales del cordón umbilical."},
        {"id": "e", "title": "", "text": ""},
    ]
    outs = list(extract_records(records, batch_size=2))
    assert [o["id"] for o in outs] == ["a", "b", "c", "d", "e"]
    assert "error" not in outs[0] and "error" in outs[1] and "error" in outs[4]
    assert outs[2]["routes"] == ["intra_articular"] and outs[2]["tissue_sources"] == ["adipose"]
    assert outs[3]["tissue_sources"] == ["umbilical_cord"]


def test_extract_html_and_control_characters_keep_offsets() -> None:
    text = "<div>MSCs were given <i>intravenously</i>.\x07</div>"
    out = next(extract_records([{"id": "h", "title": "T", "text": text}]))
    full = "T\n\n" + text
    for m in out["mentions"]:
        assert full[m["start"] : m["end"]] == m["text"]


def test_extract_long_text_truncated_with_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "MAX_CHARS", 2_000)
    text = "Bone marrow MSCs were infused intravenously. " * 500
    out = next(extract_records([{"id": "long", "title": "", "text": text}]))
    assert "truncated" in out["warning"]
    assert out["routes"] == ["intravenous"]


def test_extract_component_failure_becomes_error_line(monkeypatch: pytest.MonkeyPatch) -> None:
    nlp = extract.get_nlp()
    component = nlp.get_pipe("cv_routes")
    original = component.__call__

    def explode(doc):
        if "EXPLODE" in doc.text:
            raise RuntimeError("boom")
        return original(doc)

    monkeypatch.setattr(type(component), "__call__", lambda self, doc: explode(doc))
    outs = list(
        extract_records(
            [
                {"id": "ok1", "title": "", "text": "MSCs were infused."},
                {"id": "bad", "title": "", "text": "EXPLODE"},
                {"id": "ok2", "title": "", "text": "MSCs were infused."},
            ]
        )
    )
    assert [o["id"] for o in outs] == ["ok1", "bad", "ok2"]
    assert "error" in outs[1] and "error" not in outs[0] and "error" not in outs[2]


def test_extract_cell_free_product_gets_no_dose() -> None:
    record = {
        "id": "ev",
        "title": "Bone Marrow MSC-derived Extracellular Vesicles for ARDS",
        "text": "Patients receive 800 billion extracellular vesicles from 2 x 10^6 cells "
        "intravenously.",
    }
    out = next(extract_records([record]))
    assert out["doses"] == []
    assert out["tissue_sources"] == ["bone_marrow"]


def test_extract_exclusion_criteria_not_product_facts() -> None:
    text = (
        "Autologous adipose MSCs will be injected intra-articularly.\n\n"
        "Exclusion Criteria:\n\n- prior bone marrow transplantation\n"
        "- allogeneic bone marrow-derived cell therapy in the last year\n"
        "- received intravenous MSCs before"
    )
    out = next(extract_records([{"id": "ex", "title": "", "text": text}]))
    assert out["tissue_sources"] == ["adipose"]
    assert out["donor"] == ["autologous"]
    assert out["routes"] == ["intra_articular"]


def test_pipeline_builds_without_parallel_components() -> None:
    from nlp.pipeline import CORE_COMPONENTS, build_nlp

    nlp = build_nlp(optional=False)
    assert nlp.pipe_names == [*CORE_COMPONENTS, "cv_setting_signals"]
    doc = nlp("Autologous BM-MSCs were infused intravenously.")
    assert [s.label_ for s in doc.spans["route"]] == ["intravenous"]


@pytest.mark.slow
def test_extract_multiprocess_matches_single_process() -> None:
    records = [
        {"id": str(i), "title": "", "text": text}
        for i, text in enumerate(
            [
                "Allogeneic UC-MSCs were infused intravenously.",
                "Autologous ADSCs were injected into the knee joint.",
                "",
                "BM-MSCs were delivered intrathecally via lumbar puncture.",
            ]
        )
    ]
    single = list(extract_records(records))
    multi = list(extract_records(records, n_process=2, batch_size=1))
    assert multi == single


def test_extract_mentions_agree_with_fields() -> None:
    text = (
        "Mesenchymal stem cells (MSCs) from adipose tissue were injected into the knee joint. "
        "Adipose tissue was processed from donors for autologous use."
    )
    out = next(extract_records([{"id": "m", "title": "", "text": text}]))
    for field in ("tissue_sources", "donor", "routes"):
        keys = {m["key"] for m in out["mentions"] if m["field"] == field}
        assert keys == set(out[field]), field


def test_extract_keeps_no_doc_alive() -> None:
    """Per-Doc memos (sentences, scopes, token arrays) die with their Doc: a scope memoised
    beside a Doc must not hold it, or memory grows with every document extracted."""
    import gc

    from spacy.tokens import Doc

    from nlp import scope

    def live_docs() -> int:
        gc.collect()
        return sum(isinstance(obj, Doc) for obj in gc.get_objects())

    text = "Autologous bone marrow MSCs (1 × 10^6 cells/kg) were infused intravenously. "
    records = [{"id": i, "title": "MSC trial", "text": text * 3} for i in range(50)]
    before, memos = live_docs(), len(scope._PER_DOC)  # other tests may hold Docs of their own
    assert len(list(extract_records(records))) == 50
    assert live_docs() <= before
    assert len(scope._PER_DOC) <= memos


def test_stage_batches_give_the_facts_of_one_document_at_a_time(shared: Path) -> None:
    """Records pass each component a batch at a time: per-Doc memos, scopes and reused buffers
    must still answer for the right Doc. Reference: each Doc through the whole pipeline alone."""
    records = shared_records()
    assert len(records) > 3 * extract.STAGE_BATCH
    nlp = extract.get_nlp()
    expected = []
    for record in records:
        text, out = extract.prepare(record)
        expected.append(out if text is None else extract.finish(nlp(text), out, record))
    assert list(extract_records(records)) == expected
