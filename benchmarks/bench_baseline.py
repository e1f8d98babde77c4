"""Speed of the built-in baseline extractor, on the corpus and on longer synthetic texts.

    python benchmarks/bench_baseline.py               # the five documents, 20 repeats
    python benchmarks/bench_baseline.py --words 50000

The corpus figure is the time of one pass over the five documents after a first call (which
reads the word lists and compiles the patterns once per process). The synthetic document
repeats the corpus's article text up to --words words, to show that the time grows
linearly with the length of a text.
"""

from __future__ import annotations

import argparse
import statistics
import time

from palmyra.corpus import Document, Zone, load_corpus
from palmyra.extractors.baseline import Baseline
from palmyra.tokenize import annotated_zone_types


def _pass(extractor: Baseline, docs: list[Document]) -> float:
    started = time.perf_counter()
    for doc in docs:
        extractor(doc)
    return time.perf_counter() - started


def _long_document(corpus: dict[str, Document], words: int) -> Document:
    """The article text of the corpus, repeated until it holds `words` words."""
    parts = []
    for doc in corpus.values():
        kinds = annotated_zone_types(doc)
        parts += [doc.text[z.start:z.end] for z in doc.zones if kinds is None or z.type in kinds]
    unit = "\n".join(parts)
    text = "\n".join([unit] * max(1, words // max(1, len(unit.split()))))
    return Document("synthetic", text, {}, (Zone("body", 0, len(text)),))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--words", type=int, default=20000)
    args = parser.parse_args()
    corpus = load_corpus()
    docs = list(corpus.values())
    extractor = Baseline()
    started = time.perf_counter()
    extractor(docs[0])
    print(f"first call (word lists, patterns): {time.perf_counter() - started:.3f} s")
    times = [_pass(extractor, docs) for _ in range(args.repeats)]
    words = sum(len(d.text.split()) for d in docs)
    print(f"corpus: {len(docs)} documents, {words} words: median {statistics.median(times):.3f}"
          f" s per pass (min {min(times):.3f}, max {max(times):.3f}, {args.repeats} passes)")
    long = _long_document(corpus, args.words)
    seconds = _pass(extractor, [long])
    n = len(long.text.split())
    print(f"synthetic: {n} words in {seconds:.3f} s ({n / seconds:,.0f} words/s)")


if __name__ == "__main__":
    main()
