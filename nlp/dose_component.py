"""``cv_doses``: wraps the pure ``nlp.doses.find_doses`` so doses travel with the Doc."""

from __future__ import annotations

import logging

from spacy.language import Language
from spacy.tokens import Doc

from nlp.scope import doc_text

log = logging.getLogger(__name__)

USER_DATA_KEY = "cv_doses"
ERROR_KEY = "cv_doses_error"


def _finder():
    try:
        from nlp.doses import find_doses
    except ImportError:  # the doses module is developed in parallel; stay usable without it
        log.warning("nlp.doses.find_doses not available; no doses will be extracted")
        return None
    return find_doses


class DoseFinder:
    """Calls ``find_doses(doc.text)``; writes ``doc.spans[spans_key]`` and the dose dicts."""

    def __init__(self, spans_key: str) -> None:
        self.spans_key = spans_key
        self.find = _finder()
        self._plain_dicts = self.find  # find_doses: new dicts, values of exactly these types

    def __call__(self, doc: Doc) -> Doc:
        try:
            doses = self.find(doc_text(doc)) if self.find else []
        except Exception as exc:  # one bad text must not stop a batch; say so on the doc
            log.warning("find_doses failed: %r", exc)
            doc.user_data[ERROR_KEY] = f"dose finder failed: {exc!r}"
            doses = []
        spans = []
        for dose in doses:  # char_span gives the labelled Span itself
            span = doc.char_span(dose["start"], dose["end"], label="dose", alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
        if self.find is not self._plain_dicts:  # another finder: make its dicts plain
            doses = [
                {
                    "cells": float(d["cells"]),
                    "per_kg": bool(d["per_kg"]),
                    "text": d["text"],
                    "start": int(d["start"]),
                    "end": int(d["end"]),
                }
                for d in doses
            ]
        doc.user_data[USER_DATA_KEY] = doses
        return doc


@Language.factory("cv_doses", assigns=["doc.spans"], default_config={"spans_key": "dose"})
def make_doses(nlp: Language, name: str, spans_key: str) -> DoseFinder:
    """spaCy factory for :class:`DoseFinder`."""
    return DoseFinder(spans_key)
