"""Do cv_events and cv_context cost less than tokenising? Times each against ``nlp.make_doc``.

The budget: the two rule components together should take less time than the tokenizer on the
same texts. Texts come from a registry build (``--db``, table ``current_versions``) or else the
shared snapshot and gold files. Run from the repository root:

    python benchmarks/events_speed.py [--db /tmp/cv.duckdb] [--limit 0]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from cellvigil.paths import shared_dir
from nlp.events import event_facts
from nlp.pipeline import build_nlp
from nlp.scope import remember_text

TIMED = ("cv_events", "cv_context")


def load_texts(db: Path | None) -> list[str]:
    """``title + "\\n\\n" + text`` of every current document (registry) or shared record."""
    if db is not None and db.exists():
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            rows = con.execute("SELECT title, text FROM current_versions").fetchall()
        return [(title or "") + "\n\n" + (text or "") for title, text in rows]
    shared = shared_dir()
    files = sorted((shared / "gold").glob("*.jsonl")) + [shared / "snapshot" / "documents.jsonl"]
    texts = []
    for path in files:
        if path.exists():
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    texts.append((row.get("title") or "") + "\n\n" + (row.get("text") or ""))
    if not texts:
        raise SystemExit(f"no texts: pass --db or set CELLVIGIL_SHARED (looked in {shared})")
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/cv.duckdb"))
    parser.add_argument("--limit", type=int, default=0, help="use only the first N texts")
    args = parser.parse_args()
    texts = load_texts(args.db)
    texts = texts[: args.limit] if args.limit else texts
    nlp = build_nlp()
    start = time.perf_counter()
    docs = [nlp.make_doc(text) for text in texts]
    tokenizer = time.perf_counter() - start  # one cold pass: spaCy caches words it has seen
    docs = [remember_text(doc, text) for doc, text in zip(docs, texts, strict=True)]  # as extract
    spent = dict.fromkeys([*nlp.pipe_names, "event_facts"], 0.0)
    for doc in docs:
        for name, component in [*nlp.pipeline, ("event_facts", event_facts)]:
            start = time.perf_counter()
            component(doc)
            spent[name] += time.perf_counter() - start
    n, chars = len(texts), sum(map(len, texts))
    print(f"{n} documents, {chars:,} characters")
    print(f"{'tokenizer':20s} {tokenizer:7.2f} s  {n / tokenizer:8.0f} docs/s")
    for name, seconds in spent.items():
        print(f"{name:20s} {seconds:7.2f} s  {n / max(seconds, 1e-9):8.0f} docs/s")
    rules = sum(spent.get(name, 0.0) for name in TIMED)
    verdict = "within" if rules < tokenizer else "OVER"
    print(f"cv_events + cv_context {rules:.2f} s = {rules / tokenizer:.2f} x tokenizer ({verdict})")
    with_facts = rules + spent["event_facts"]
    print(f"events + context + event_facts {with_facts / n * 1e6:.0f} us per document")


if __name__ == "__main__":
    main()
