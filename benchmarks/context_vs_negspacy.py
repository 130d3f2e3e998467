"""Does our ConText-style status beat negspacy's NegEx on the dev gold? Prints both scores.

Both pipelines share the sentence splitter and ``cv_events``; only the status step differs:
``cv_context`` (present / absent / possible / excluded) versus negspacy's ``negex``
(negated -> absent, otherwise present). Run from the repository root:

    python benchmarks/context_vs_negspacy.py [--errors] [--challenge]

``--challenge`` also scores both on the hand-written challenge passages in
``tests/test_nlp_events_challenge.py`` (one exact-match pass per passage).
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from cellvigil.paths import shared_dir
from nlp import context as _context  # noqa: F401  (registers cv_context)
from nlp.events import SPANS_KEY, event_facts
from nlp.pipeline import events_nlp

Pair = tuple[str, str]


def base_pipeline() -> Language:
    """blank('en') with the project's sentence splitter (spaCy's sentencizer as a fallback)."""
    return events_nlp(with_context=False)


def context_pipeline() -> Language:
    """Events with our status assigner."""
    pipe = base_pipeline()
    pipe.add_pipe("cv_context")
    return pipe


def negspacy_pipeline() -> Language:
    """Events with negspacy's negex on the same spans."""
    import negspacy.negation  # noqa: F401  (registers negex)

    pipe = base_pipeline()
    pipe.add_pipe("negex", config={"span_keys": [SPANS_KEY]})
    return pipe


def negex_pairs(doc: Doc) -> set[Pair]:
    """negspacy only negates: a negated mention is absent, any other is present."""
    return {(s.label_, "absent" if s._.negex else "present") for s in doc.spans[SPANS_KEY]}


def context_pairs(doc: Doc) -> set[Pair]:
    return {(f["term"], f["status"]) for f in event_facts(doc)}


def load_gold(paths: Iterable[str]) -> list[dict]:
    docs = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            docs.extend(json.loads(line) for line in handle if line.strip())
    return docs


def prf(gold: list[set[Pair]], pred: list[set[Pair]], only: str | None = None) -> dict[str, float]:
    """Micro precision, recall and F1 over (term, status) pairs, optionally one status."""
    tp = fp = fn = 0
    for g, p in zip(gold, pred, strict=True):
        if only:
            g = {x for x in g if x[1] == only}
            p = {x for x in p if x[1] == only}
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"p": precision, "r": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


CHALLENGE_FILE = Path(__file__).resolve().parents[1] / "tests" / "test_nlp_events_challenge.py"


def challenge_cases() -> list[tuple[str, set[Pair]]]:
    """(text with its neutral title, expected pairs) for every challenge passage."""
    spec = importlib.util.spec_from_file_location("events_challenge", CHALLENGE_FILE)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {CHALLENGE_FILE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [(module.TITLE + c.values[0], c.values[1]) for c in module.CASES]


def score_challenge() -> None:
    """Passages whose (term, status) set is exactly right, per system."""
    cases = challenge_cases()
    texts = [text for text, _ in cases]
    for name, pipe, pairs in (
        ("cv_context", context_pipeline(), context_pairs),
        ("negspacy", negspacy_pipeline(), negex_pairs),
    ):
        right = sum(
            pairs(doc) == expected
            for doc, (_, expected) in zip(pipe.pipe(texts), cases, strict=True)
        )
        print(f"challenge {name:<12}{right:>4}/{len(cases)} passages exactly right")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", nargs="*", help="gold JSONL files (default: shared dev gold)")
    parser.add_argument("--errors", action="store_true", help="print our misses and extras")
    parser.add_argument("--challenge", action="store_true", help="also score the challenge set")
    args = parser.parse_args()
    paths = args.gold or sorted(glob.glob(str(Path(shared_dir()) / "gold" / "*.jsonl")))
    docs = load_gold(paths)
    texts = [f"{d.get('title') or ''}\n\n{d.get('text') or ''}" for d in docs]
    gold = [{(e["term"], e["status"]) for e in d["gold"].get("events", [])} for d in docs]
    ours = [context_pairs(doc) for doc in context_pipeline().pipe(texts)]
    negs = [negex_pairs(doc) for doc in negspacy_pipeline().pipe(texts)]
    print(f"dev gold: {len(docs)} documents, {sum(map(len, gold))} (term, status) pairs")
    print(f"{'system':<12}{'pairs P':>9}{'R':>7}{'F1':>7}{'present P':>11}{'R':>7}{'F1':>7}")
    for name, pred in (("cv_context", ours), ("negspacy", negs)):
        a, p = prf(gold, pred), prf(gold, pred, "present")
        print(
            f"{name:<12}{a['p']:>9.3f}{a['r']:>7.3f}{a['f1']:>7.3f}"
            f"{p['p']:>11.3f}{p['r']:>7.3f}{p['f1']:>7.3f}"
        )
    if args.challenge:
        score_challenge()
    if args.errors:
        context = context_pipeline()
        for d, text, g, p in zip(docs, texts, gold, ours, strict=True):
            if g != p:
                print(f"\n{d['id']}\n  missed: {sorted(g - p)}\n  extra:  {sorted(p - g)}")
                doc = context(text)
                for span in doc.spans[SPANS_KEY]:
                    print(
                        f"    [{span.label_}/{span._.status}] {span.text!r} <- {span._.status_cue}"
                    )


if __name__ == "__main__":
    main()
