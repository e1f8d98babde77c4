"""Make examples/noisy-predictions.jsonl: a synthetic prediction set for trying the harness.

It is the gold with seeded, documented damage, so that every layer and every error class of
the scorers shows up (missed, spurious, wrong type, wrong boundary, wrong value, broken
clusters). It measures nothing about any real extractor.

    python examples/make_noisy_predictions.py            # rewrites the file
    python examples/make_noisy_predictions.py --check    # fails if the file is out of date
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import replace
from pathlib import Path

from palmyra.annotations import AnnotationDocument, Argument, Span, write_atomic
from palmyra.corpus import Document, load_corpus
from palmyra.inventory import load_gold

SEED = 20161211
OUT = Path(__file__).with_name("noisy-predictions.jsonl")
TYPES = ("PER", "ORG", "GPE", "LOC", "FAC")


def _respan(doc: Document, start: int, end: int) -> Span:
    return Span(start, end, doc.text[start:end])


def _shift_end(doc: Document, span: Span) -> Span:
    """Extend a span to the end of the next word, or trim its last word."""
    nxt = doc.text.find(" ", span.end + 1)
    if 0 < nxt - span.end < 20 and "\n" not in doc.text[span.end:nxt]:
        return _respan(doc, span.start, nxt)
    cut = doc.text.rfind(" ", span.start, span.end)
    return _respan(doc, span.start, cut) if cut > span.start else span


def _entities(rng: random.Random, doc: Document, gold: AnnotationDocument) -> list:
    out = []
    for e in gold.layer("entities"):
        r = rng.random()
        if r < 0.15:
            continue  # missed
        span, etype, cluster = e.span, e.type, e.cluster
        if r < 0.25:
            span = _shift_end(doc, span)
        elif r < 0.32:
            etype = rng.choice([t for t in TYPES if t != e.type])
        if rng.random() < 0.15:
            cluster = f"{cluster}-split"
        out.append({**span.to_dict(), "type": etype, "cluster": cluster})
    return out


def _events(rng: random.Random, gold: AnnotationDocument) -> list:
    mentions = gold.mentions_by_id()
    out = []
    for ev in gold.layer("events"):
        if rng.random() < 0.25:
            continue
        args = [Argument(a.role, span=a.span or mentions[a.mention].span)
                for a in ev.arguments if rng.random() > 0.2]
        ev2 = replace(ev, id=None, arguments=tuple(args), time=None, note=None,
                      realis="ACTUAL" if rng.random() < 0.2 else ev.realis)
        out.append(ev2.to_dict())
    return out


def _numbers(rng: random.Random, gold: AnnotationDocument) -> list:
    out = []
    for n in gold.layer("numbers"):
        if rng.random() < 0.2:
            continue
        n2 = replace(n, id=None, entity=None, event=None, role=None, note=None)
        if n2.value is not None and rng.random() < 0.15:
            n2 = replace(n2, value=n2.value * 10)
        out.append(n2.to_dict())
    return out


def _attributions(rng: random.Random, gold: AnnotationDocument) -> list:
    out = []
    for a in gold.layer("attributions"):
        if rng.random() < 0.3:
            continue
        source = replace(a.source, mention=None) if a.source else None
        out.append(replace(a, id=None, parent=None, note=None, source=source).to_dict())
    return out


def make(seed: int = SEED) -> str:
    rng = random.Random(seed)
    corpus = load_corpus()
    lines = []
    for doc_id, gold in sorted(load_gold().items()):
        pred = {"schema_version": gold.schema_version, "doc_id": doc_id,
                "status": "prediction", "annotator": "noisy-gold example",
                "entities": _entities(rng, corpus[doc_id], gold),
                "events": _events(rng, gold), "numbers": _numbers(rng, gold),
                "attributions": _attributions(rng, gold)}
        lines.append(json.dumps(pred, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args()
    text = make()
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT}: out of date; run python {__file__}", file=sys.stderr)
            return 1
        return 0
    write_atomic(OUT, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
