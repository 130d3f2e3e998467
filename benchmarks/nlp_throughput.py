"""NLP throughput and memory: full pipeline vs bare spaCy tokenizer+sentencizer on the same texts.

Run from the repository root:  python benchmarks/nlp_throughput.py [--docs 2000] [--n-process 1]
[--memory-docs 20000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import time
from collections.abc import Iterator
from pathlib import Path

import spacy

from cellvigil.paths import shared_dir


def load_texts() -> list[dict]:
    """Gold and snapshot documents (title, text, source_kind) from the shared folder."""
    shared = shared_dir()
    files = sorted((shared / "gold").glob("*.jsonl")) + [shared / "snapshot" / "documents.jsonl"]
    records = []
    for path in files:
        if path.exists():
            with open(path, encoding="utf-8") as fh:
                records.extend(json.loads(line) for line in fh if line.strip())
    if not records:
        raise SystemExit(f"no documents found under {shared.resolve()} (set CELLVIGIL_SHARED)")
    return [
        {
            "id": r.get("id"),
            "title": r.get("title") or "",
            "text": r.get("text") or "",
            "source_kind": r.get("source_kind"),
        }
        for r in records
    ]


def replicate(records: list[dict], n: int) -> Iterator[dict]:
    """``n`` records cycling over the corpus (a generator: nothing is held in memory)."""
    return itertools.islice(itertools.cycle(records), n)


def rss_mb() -> float:
    """Peak resident set size of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Current resident set size (Linux /proc), else the peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss_mb()


def bench_bare(records: list[dict], n: int, n_process: int) -> tuple[float, float]:
    """Docs/s of the bare pipeline: wall clock, and this process's CPU time."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    texts = (r["title"] + "\n\n" + r["text"] for r in replicate(records, n))
    start, cpu = time.perf_counter(), time.process_time()
    for _ in nlp.pipe(texts, batch_size=64, n_process=n_process):
        pass
    return n / (time.perf_counter() - start), n / (time.process_time() - cpu)


def bench_full(records: list[dict], n: int, n_process: int) -> tuple[float, float]:
    """Docs/s of the full extraction: wall clock, and this process's CPU time."""
    from nlp.extract import extract_records, get_nlp

    get_nlp()  # build outside the timed loop, as the bare pipeline is
    start, cpu = time.perf_counter(), time.process_time()
    for _ in extract_records(replicate(records, n), n_process=n_process):
        pass
    return n / (time.perf_counter() - start), n / (time.process_time() - cpu)


def per_component(records: list[dict], n: int) -> None:
    """Docs/s of each pipeline component alone on the same texts (where the time goes)."""
    from nlp.extract import get_nlp

    nlp = get_nlp()
    docs = [nlp.make_doc(r["title"] + "\n\n" + r["text"]) for r in replicate(records, n)]
    print("  (cv_anchors also runs the shared phrase/regex match pass the rule components read)")
    for name, proc in nlp.pipeline:
        start = time.perf_counter()
        for doc in docs:
            proc(doc)
        print(f"  {name:20} {len(docs) / (time.perf_counter() - start):9.1f} docs/s")


def memory_check(records: list[dict], n: int, n_process: int = 1) -> None:
    """Stream ``n`` documents through extraction; print peak RSS at checkpoints."""
    from nlp.extract import extract_records

    checkpoints = {n // 4, n // 2, 3 * n // 4, n}
    for i, _ in enumerate(extract_records(replicate(records, n), n_process=n_process), 1):
        if i in checkpoints:
            print(
                f"  memory: {i:>7} docs streamed, RSS {current_rss_mb():7.1f} MB "
                f"(peak {rss_mb():7.1f} MB)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000, help="documents per timing run")
    parser.add_argument("--n-process", type=int, default=1, help="worker processes")
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs, best kept")
    parser.add_argument(
        "--memory-docs",
        type=int,
        default=20000,
        help="documents streamed for the memory check (0 to skip)",
    )
    args = parser.parse_args()
    records = load_texts()
    chars = sum(len(r["title"]) + len(r["text"]) for r in records) / len(records)
    print(f"corpus: {len(records)} documents (mean {chars:.0f} chars), replicated to {args.docs}")
    bare = full = bare_cpu = full_cpu = 0.0
    for _ in range(args.repeats):  # alternate and keep the best: fair on a busy machine
        wall, cpu = bench_bare(records, args.docs, args.n_process)
        bare, bare_cpu = max(bare, wall), max(bare_cpu, cpu)
        wall, cpu = bench_full(records, args.docs, args.n_process)
        full, full_cpu = max(full, wall), max(full_cpu, cpu)
    print(f"bare spacy.blank('en') + sentencizer: {bare:8.1f} docs/s (n_process={args.n_process})")
    print(f"full CellVigil extraction:            {full:8.1f} docs/s (n_process={args.n_process})")
    print(f"ratio full / bare:                    {full / bare:8.2f}  (target >= 0.5 on one core)")
    if args.n_process == 1:  # CPU time: steadier than the wall clock when the machine is busy
        print(
            f"ratio on CPU time:                    {full_cpu / bare_cpu:8.2f}  "
            f"(bare {bare_cpu:.0f}, full {full_cpu:.0f} docs/s of CPU)"
        )
    print("per component (alone, same texts):")
    per_component(records, min(args.docs, 500))
    if args.memory_docs:
        print(f"memory check over {args.memory_docs} documents (flat RSS = streaming works):")
        memory_check(records, args.memory_docs, args.n_process)
    print(f"peak RSS {rss_mb():.1f} MB")


if __name__ == "__main__":
    main()
