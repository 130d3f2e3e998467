"""Stream input records through the pipeline and yield one spec-shaped fact line per record."""

from __future__ import annotations

import hashlib
import itertools
import logging
import multiprocessing
import re
from collections import deque
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Any

from spacy.language import Language

log = logging.getLogger(__name__)

CODE_VERSION = "0.1.0"


def _rules_digest() -> str:
    """Short hash of every rule file, so a rule change is a new extractor version."""
    root = resources.files("cellvigil.data")
    digest = hashlib.sha256()
    files = [
        root.joinpath("products.csv"),
        *sorted(root.joinpath("nlp").iterdir(), key=lambda f: f.name),
    ]
    for item in files:
        if item.is_file():
            digest.update(item.name.encode())
            digest.update(item.read_bytes())
    return digest.hexdigest()[:10]


EXTRACTOR_VERSION = f"cv-nlp-{CODE_VERSION}+rules.{_rules_digest()}"
# Records that pass each pipeline stage together. Running one component over a few documents
# before the next keeps its code and tables in the CPU caches; one document through every
# component in turn (as spaCy's ``nlp.pipe`` runs components without a ``pipe`` method) evicts
# them between calls. CPU µs per document on the benchmark corpus (median of 5 runs): 1 at a
# time 684, 2: 684, 4: 662, 8: 636, 16: 646, 32: 641, 64: 662.
STAGE_BATCH = 8
MAX_CHARS = 100_000  # longer texts are truncated (with a "warning"): memory stays flat
SEPARATOR = "\n\n"

# HTML tags and control characters are blanked with spaces of the same length: offsets stay valid.
_TAG = re.compile(r"<(?:/?[A-Za-z][^<>]{0,300}|!--.{0,2000}?--)>", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same characters as UTF-8 bytes: each is one byte there, a byte no other character has.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


@cache
def get_nlp() -> Language:
    """The shared pipeline, built once per process."""
    from nlp.pipeline import build_nlp

    return build_nlp()


def empty_output(record_id: Any) -> dict[str, Any]:
    """An output line with every field empty (for records that cannot be processed)."""
    return {
        "id": record_id,
        "tissue_sources": [],
        "donor": [],
        "routes": [],
        "doses": [],
        "events": [],
        "setting": "unknown",
        "setting_signals": [],
        "mentions": [],
    }


def clean(text: str) -> str:
    """Blank out HTML tags and control characters without moving any offset."""
    if "<" in text:  # every tag starts with one: most texts skip the tag scan
        text = _TAG.sub(lambda m: " " * len(m.group()), text)
    encoded = text.encode("utf-8", "surrogatepass")  # a byte scan: ~3x faster than the regex
    if len(encoded.translate(None, _CONTROL_BYTES)) == len(encoded):
        return text  # no control character: most texts
    return _CONTROL.sub(" ", text)


def prepare(record: Any) -> tuple[str | None, dict[str, Any]]:
    """The text to process (or None) and the partial output for one input record."""
    if not isinstance(record, dict):
        out = empty_output(None)
        out["error"] = f"record is not a JSON object ({type(record).__name__})"
        return None, out
    out = empty_output(record.get("id"))
    if "_bad_json" in record:
        out["error"] = f"input is not valid JSON ({record['_bad_json']})"
        return None, out
    title, text = record.get("title", ""), record.get("text")
    if title is None:
        title = ""
    if not isinstance(text, str) or not isinstance(title, str):
        out["error"] = (
            "'text' is missing or not a string"
            if not isinstance(text, str)
            else "'title' is not a string"
        )
        return None, out
    if not text.strip() and not title.strip():
        out["error"] = "empty text"
        return None, out
    full = title + SEPARATOR + text
    if len(full) > MAX_CHARS:
        out["warning"] = f"text truncated from {len(full)} to {MAX_CHARS} characters"
        log.warning("%s: %s", out["id"], out["warning"])
        full = full[:MAX_CHARS]
    return clean(full), out


@cache
def _fact_functions() -> tuple[Any, Any, Any]:
    """``doc_facts``, ``setting_signals`` and ``decide_setting``, imported with the pipeline
    (not at module import, so reading this module stays cheap) and once, not per document."""
    from nlp.facts import doc_facts
    from nlp.setting import decide_setting, setting_signals

    return doc_facts, setting_signals, decide_setting


def finish(doc: Any, out: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """Fill one output from its processed Doc."""
    doc_facts, setting_signals, decide_setting = _fact_functions()
    title = record.get("title") or ""
    facts = doc_facts(doc, title_end=len(title))
    products = facts.pop("products")
    signals = setting_signals(doc)
    out.update(facts)
    out["setting_signals"] = signals
    out["setting"] = decide_setting(signals, record.get("source_kind"), products)
    if doc.user_data.get("cv_doses_error"):
        notes = [out.get("warning"), doc.user_data["cv_doses_error"]]
        out["warning"] = "; ".join(n for n in notes if n)
    return out


def _extract_chunk(records: list[Any]) -> list[dict[str, Any]]:
    """Worker side of :func:`extract_records` with several processes: facts, not Docs."""
    return list(extract_records(records))


def _extract_parallel(
    records: Iterable[Any], n_process: int, batch_size: int
) -> Iterator[dict[str, Any]]:
    """Chunks of records to ``n_process`` workers, each returning finished output lines.

    Shipping the small output dicts back instead of Docs (as ``nlp.pipe(n_process=...)`` does)
    avoids deserialising every Doc and its span groups in the parent, which capped throughput
    below one process. At most ``2 * n_process`` chunks are in flight: memory stays flat.
    """
    get_nlp()  # built once here; forked workers inherit it
    window = 2 * n_process
    with multiprocessing.get_context().Pool(n_process) as pool:
        in_flight: deque[Any] = deque()
        chunk = iter(records)
        while batch := list(itertools.islice(chunk, batch_size)):
            in_flight.append(pool.apply_async(_extract_chunk, (batch,)))
            if len(in_flight) >= window:
                yield from in_flight.popleft().get()
        while in_flight:
            yield from in_flight.popleft().get()


def extract_records(
    records: Iterable[dict[str, Any]], n_process: int = 1, batch_size: int = 64
) -> Iterator[dict[str, Any]]:
    """One output per input record, in order; bad records get an ``error`` key, never a crash.

    ``batch_size``: records per chunk handed to each worker when ``n_process > 1``. In one
    process the records pass the pipeline :data:`STAGE_BATCH` at a time (see there).
    """
    if n_process > 1:
        yield from _extract_parallel(records, n_process, batch_size)
        return
    nlp = get_nlp()
    remaining = iter(records)
    while batch := list(itertools.islice(remaining, STAGE_BATCH)):
        yield from _extract_batch(nlp, batch)


def _extract_batch(nlp: Language, batch: list[Any]) -> Iterator[dict[str, Any]]:
    """The outputs of a few records, in order: tokenized together, then each pipeline stage
    over all of them, then fact assembly. A record whose text cannot be tokenized, or that a
    component fails on, gets an ``error`` and leaves the batch; the others go on."""
    from nlp.scope import remember_text  # imported with the pipeline, not with this module

    outs: list[dict[str, Any]] = []
    docs: list[Any] = []
    for record in batch:
        text, out = prepare(record)
        doc = None
        if text is not None:
            try:  # hand over a Doc that knows its text
                doc = remember_text(nlp.make_doc(text), text)
            except Exception as exc:  # the tokenizer choked: report, keep going
                out["error"] = f"tokenizer failed: {exc!r}"
        outs.append(out)
        docs.append(doc)
    for name, component in nlp.pipeline:
        for k, doc in enumerate(docs):
            if doc is None:
                continue
            try:
                docs[k] = component(doc)
                if docs[k] is None:
                    raise TypeError(f"component {name} returned None, not a Doc")
            except Exception as exc:  # drop this document, not the batch
                log.warning("component %s failed on %s: %r", name, outs[k].get("id"), exc)
                docs[k] = None
                outs[k]["error"] = "processing failed (see log)"
    for record, out, doc in zip(batch, outs, docs, strict=True):
        if doc is not None:
            try:
                out = finish(doc, out, record)
            except Exception as exc:  # never let one document stop the batch
                log.exception("fact assembly failed for %s", out.get("id"))
                out["error"] = f"fact assembly failed: {exc!r}"
        yield out
