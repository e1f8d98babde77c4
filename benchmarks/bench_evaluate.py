"""Full-pipeline timing of palmyra.evaluate() on synthetic documents.

    python benchmarks/bench_evaluate.py [--docs 10000] [--bootstrap 1000] [--jobs 2]
                                        [--unit doc|sentence] [--json]

Builds a synthetic corpus (each document ~1,700 characters with a body and a boilerplate
zone), a gold set (entity mentions in global clusters, so that cross-document clusters
exist; events with arguments and clusters; numbers; attributions) and a prediction set that
perturbs the gold (missed, shifted, retyped, spurious and re-clustered items), then times
every stage of evaluate() and the JSON rendering. Target: under 10 s for 10,000 documents
with 1,000 bootstrap resamples on 2 cores.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from palmyra.annotations import (
    AnnotationDocument,
    Argument,
    Attribution,
    Entity,
    Event,
    Number,
    Source,
    Span,
)
from palmyra.corpus import Document, Zone

ENTITY_TYPES = ("PER", "ORG", "GPE", "LOC", "FAC")
EVENT_TYPES = ("Conflict.Attack", "Conflict.TakeControl", "Life.Die", "Movement.Flee")
WORD = "word"  # every token is a 4-letter word followed by a space: offsets are 5 * i


def _span(text: str, first: int, words: int) -> Span:
    start, end = 5 * first, 5 * (first + words) - 1
    return Span(start, end, text[start:end])


def _gold_document(doc_id: str, text: str, rng: random.Random, clusters: int
                   ) -> AnnotationDocument:
    entities = []
    for i in range(20):  # one mention every 12 words from word 10 on
        first = 10 + 12 * i
        entities.append(Entity(_span(text, first, 1 + i % 2), ENTITY_TYPES[i % 5], f"m{i + 1}",
                               "NAM", cluster=f"E:c{rng.randrange(clusters)}"))
    events = []
    for i in range(5):
        first = 16 + 48 * i
        args = (Argument("Agent", mention=f"m{4 * i + 1}"),
                Argument("Place", mention=f"m{4 * i + 2}"))
        events.append(Event(_span(text, first, 1), EVENT_TYPES[i % 4], f"ev{i + 1}", "ACTUAL",
                            args, cluster=f"V:c{rng.randrange(clusters // 4)}"))
    numbers = [Number(_span(text, 18 + 48 * i, 1), "count", f"n{i + 1}", value=float(i + 2))
               for i in range(4)]
    attributions = [Attribution((_span(text, 20 + 96 * i, 1),), (_span(text, 21 + 96 * i, 6),),
                                f"a{i + 1}", Source(_span(text, 19 + 96 * i, 1)),
                                type="indirect") for i in range(2)]
    return AnnotationDocument(doc_id, "gold", tuple(entities), tuple(events), tuple(numbers),
                              tuple(attributions))


def _predict(gold: AnnotationDocument, text: str, rng: random.Random) -> AnnotationDocument:
    entities = []
    for e in gold.layer("entities"):
        r = rng.random()
        if r < 0.1:
            continue  # missed
        span = _span(text, e.span.start // 5 + 1, 1) if r < 0.2 else e.span  # shifted
        kind = rng.choice(ENTITY_TYPES) if r > 0.9 else e.type
        cluster = e.cluster if rng.random() < 0.8 else f"E:x{rng.randrange(50)}"
        entities.append(Entity(span, kind, cluster=cluster))
    entities.append(Entity(_span(text, 300, 1), "ORG"))  # spurious, no cluster: a singleton
    entities.append(Entity(_span(text, 332, 1), "PER"))  # in the boilerplate zone: ignored
    events = [Event(ev.trigger, ev.type if rng.random() < 0.8 else "Conflict.Attack",
                    arguments=tuple(Argument(a.role, span=gold.mentions_by_id()[a.mention].span)
                                    for a in ev.arguments),
                    cluster=ev.cluster if rng.random() < 0.7 else None)
              for ev in gold.layer("events") if rng.random() < 0.9]
    numbers = [Number(n.span, n.kind, value=n.value if rng.random() < 0.8 else 1.0)
               for n in gold.layer("numbers")]
    attributions = [Attribution(a.cue, a.content[:1] if rng.random() < 0.5 else a.content,
                                source=a.source, type=a.type) for a in gold.layer("attributions")]
    return AnnotationDocument(gold.doc_id, "prediction", tuple(entities), tuple(events),
                              tuple(numbers), tuple(attributions))


def synthetic(n_docs: int, seed: int = 1
              ) -> tuple[dict[str, AnnotationDocument], dict[str, AnnotationDocument],
                         dict[str, Document]]:
    """(gold, predictions, corpus) mappings for n_docs synthetic documents."""
    rng = random.Random(seed)
    text = " ".join([WORD] * 340)
    zones = (Zone("body", 0, 5 * 330), Zone("boilerplate", 5 * 330, len(text)))
    clusters = max(8, n_docs // 2)
    gold, preds, corpus = {}, {}, {}
    for i in range(n_docs):
        doc_id = f"synthetic-{i:05d}"
        corpus[doc_id] = Document(doc_id, text, {"doc_id": doc_id}, zones)
        gold[doc_id] = _gold_document(doc_id, text, rng, clusters)
        preds[doc_id] = _predict(gold[doc_id], text, rng)
    return gold, preds, corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--layers", nargs="+", help="layers to score (default: all)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes that score documents (0: one per CPU)")
    parser.add_argument("--unit", choices=("doc", "sentence"), default="doc",
                        help="what the bootstrap resamples")
    parser.add_argument("--json", action="store_true", help="also time the JSON rendering")
    args = parser.parse_args(argv)

    from palmyra import evaluate

    started = time.perf_counter()
    gold, preds, corpus = synthetic(args.docs)
    build = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    result = evaluate(gold, preds, corpus=corpus, bootstrap=args.bootstrap, layers=args.layers,
                      jobs=args.jobs, unit=args.unit)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{args.docs} documents, bootstrap {args.bootstrap} by {args.unit}, jobs {args.jobs}, "
          f"layers: {' '.join(result.layers)}")
    print(f"  {'build synthetic data (not timed below)':40s} {build:7.2f} s")
    for stage, seconds in result.timings.items():
        print(f"  {stage:40s} {seconds:7.2f} s")
    layer_scorers = sum(v for k, v in result.timings.items()
                        if k.startswith("score:") and not k.startswith("score:coreference")
                        and "processes" not in k)
    print(f"  {'evaluate() total':40s} {elapsed:7.2f} s  (CPU of this process {cpu:.2f} s)")
    if layer_scorers:  # one process: the per-layer times are known
        print(f"  {'  of which per-layer scorers':40s} {layer_scorers:7.2f} s")
        print(f"  {'  of which the rest (coreference, packing...)':40s} "
              f"{elapsed - layer_scorers:7.2f} s")
    if args.json:
        started = time.perf_counter()
        size = len(result.to_json())
        print(f"  {'to_json() (by_doc included)':40s} {time.perf_counter() - started:7.2f} s"
              f"  ({size / 1e6:.1f} MB)")
    f1 = result.score("entities", "strict")["f1"] if "entities" in result.layers else None
    print(f"  entities strict F1 = {f1:.4f}" if f1 is not None else "  (no entities layer)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
