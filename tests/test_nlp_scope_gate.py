"""The tissue/donor gate in one pass (``DocScope.product_mention_counts``) must answer as the
checks it inlines do, on every token range of the real documents."""

from __future__ import annotations

import json
from pathlib import Path

from spacy.tokens import Span

from nlp.extract import get_nlp
from nlp.scope import DocScope, doc_scope, remember_text


def _composed(scope: DocScope, span: Span, needs_cell: bool) -> bool:
    if scope.out_of_scope(span) or scope.negated(span):
        return False
    return not needs_cell or scope.near_cell(span, window=25)


def test_product_gate_matches_its_checks_on_real_documents(shared: Path) -> None:
    nlp = get_nlp()
    files = sorted((shared / "gold").glob("*.jsonl")) + [shared / "snapshot" / "documents.jsonl"]
    answers = set()
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            text = (record.get("title") or "") + "\n\n" + (record.get("text") or "")
            doc = nlp(remember_text(nlp.make_doc(text), text))
            scope = doc_scope(doc)
            for start in range(len(doc)):
                for end in (start + 1, min(len(doc), start + 3)):
                    span = Span(doc, start, end)
                    for needs_cell in (False, True):
                        expected = _composed(scope, span, needs_cell)
                        assert scope.product_mention_counts(span, needs_cell) == expected
                        answers.add(expected)
    assert answers == {True, False}
