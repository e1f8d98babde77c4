"""Scoring speed on a synthetic corpus, and the entity layer against nervaluate.

    python benchmarks/bench_scoring.py [--docs 10000] [--seed 7] [--workers 2]
                                       [--bootstrap 1000] [--skip-evaluate] [--skip-nervaluate]

Generates documents of synthetic text (about 2,500 characters each) with gold and predicted
entities, events, numbers and attributions: about 100 gold spans per document (50 entity
mentions, 10 triggers with their arguments, 6 numbers, 4 attributions), so about a million
gold spans and as many predicted ones for 10,000 documents. Entity and event clusters are
shared by the TOPIC documents of a topic (cross-document clusters), and predicted mentions
and events carry clusters too.

It prints, in one run:
1. every layer's scorer on --workers processes (the per-document Counts add up, so shards
   are summed): wall time and time per layer;
2. the whole evaluation, `palmyra.evaluate(gold, predictions, corpus=..., jobs=--workers,
   bootstrap=--bootstrap)` on the same documents given in memory: every layer, coreference
   within and across documents, sums and bootstrap intervals, against the goal of 10 s;
3. the entity layer in one process against nervaluate on the same mentions: identical
   strict and exact counts, and the speed ratio.
The first line times a plain Python loop, to compare machines (figures scale with it).

The data are built so that nervaluate's greedy matching is unambiguous (each predicted
mention overlaps at most one gold mention and the reverse), which is where the two scorers
must agree; a few predictions fall in a boilerplate zone and are ignored by palmyra (they are
not given to nervaluate, which has no zones).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
from dataclasses import replace
from typing import Any

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
from palmyra.scoring import LAYER_SCORERS, entities
from palmyra.stats import Counts, prf, total

TYPES = ("PER", "ORG", "GPE", "LOC", "FAC")
EVENT_TYPES = {"Conflict.Attack": ("Attacker", "Target", "Place"),
               "Conflict.TakeControl": ("Captor", "Territory", "Loser"),
               "Life.Die": ("Agent", "Victim", "Place"),
               "Movement.Flee": ("Refugee", "Origin", "Destination")}
KINDS = ("count", "duration", "date", "ordinal")
WORDS = ("the", "fighters", "city", "forces", "army", "group", "desert", "ruins", "town",
         "militants", "government", "troops", "reports", "monitors", "said", "control",
         "ancient", "offensive", "airstrikes", "week", "month", "area", "centre", "officials",
         "civilians", "castle", "base", "province", "river", "road", "north", "south", "west")
ANNOTATED = frozenset({"headline", "body"})
SLOT = 3  # words per slot; a slot holds at most one gold and one predicted mention
GOAL_SECONDS = 10.0  # the whole evaluation of 10,000 documents, on 2 cores
TOPIC = 5  # documents per topic: cluster ids are shared inside a topic


class Builder:
    """Synthetic text with word offsets, zones and numbers."""

    def __init__(self, rng: random.Random, n_words: int):
        self.parts: list[str] = []
        self.words: list[tuple[int, int]] = []
        self.numbers: list[int] = []  # word indices holding a number
        pos = 0
        headline = 8
        for i in range(n_words):
            if rng.random() < 0.04:
                word = f"{rng.randint(1, 99)},{rng.randint(100, 999)}"
                self.numbers.append(i)
            else:
                word = rng.choice(WORDS)
            if i == headline:
                self.parts.append("\n\n")
                pos += 2
            self.words.append((pos, pos + len(word)))
            self.parts.append(word)
            pos += len(word)
            sep = ". " if i % 12 == 11 else " "
            self.parts.append(sep)
            pos += len(sep)
        self.body_end = pos
        footer = "\n\nSubscribe to our newsletter for all the latest news from the region."
        self.parts.append(footer)
        self.text = "".join(self.parts)
        self.zones = (Zone("headline", 0, self.words[headline][0]),
                      Zone("body", self.words[headline][0], self.body_end),
                      Zone("boilerplate", self.body_end, len(self.text)))

    def span(self, first: int, last: int) -> Span:
        start, end = self.words[first][0], self.words[last][1]
        return Span(start, end, self.text[start:end])


def _entities(rng: random.Random, b: Builder) -> tuple[list[Entity], list[Entity]]:
    gold: list[Entity] = []
    pred: list[Entity] = []
    for slot in range(len(b.words) // SLOT):
        first = slot * SLOT
        if rng.random() < 0.45:
            start = first + rng.randrange(SLOT - 1)
            end = min(start + rng.randrange(3), first + SLOT - 1)
            gtype = rng.choice(TYPES)
            gold.append(Entity(b.span(start, end), gtype, id=f"m{len(gold) + 1}",
                               cluster=f"E:c{rng.randrange(8)}", level="NAM"))
            roll = rng.random()
            if roll < 0.75:  # exact span, sometimes another type
                ptype = gtype if rng.random() < 0.9 else rng.choice(TYPES)
                pred.append(Entity(b.span(start, end), ptype, id=f"p{len(pred) + 1}"))
            elif roll < 0.87:  # boundary error inside the slot
                last = first + SLOT - 1
                options = [(a, z) for a in range(first, last + 1) for z in range(a, last + 1)
                           if a <= end and z >= start and (a, z) != (start, end)]
                s2, e2 = rng.choice(options)
                pred.append(Entity(b.span(s2, e2), rng.choice((gtype, gtype, rng.choice(TYPES))),
                                   id=f"p{len(pred) + 1}"))
        elif rng.random() < 0.08:  # spurious
            start = first + rng.randrange(SLOT)
            pred.append(Entity(b.span(start, start), rng.choice(TYPES), id=f"p{len(pred) + 1}"))
    start, end = b.body_end + 2, b.body_end + 11  # "Subscribe" in the boilerplate footer
    pred.append(Entity(Span(start, end, b.text[start:end]), "ORG", id=f"p{len(pred) + 1}"))
    return gold, pred


def _events(rng: random.Random, b: Builder, gold_ents: list[Entity], pred_ents: list[Entity]
            ) -> tuple[list[Event], list[Event]]:
    gold: list[Event] = []
    pred: list[Event] = []
    if not gold_ents:
        return gold, pred
    by_cluster: dict[str, list[Entity]] = {}
    for e in gold_ents:
        by_cluster.setdefault(e.cluster or "", []).append(e)
    for k, w in enumerate(rng.sample(range(len(b.words)), 10)):
        etype = rng.choice(list(EVENT_TYPES))
        roles = EVENT_TYPES[etype]
        args = []
        for role in roles[:rng.randint(1, 3)]:
            args.append(Argument(role, mention=rng.choice(gold_ents).id))
        realis = rng.choice(("ACTUAL", "ACTUAL", "OTHER"))
        trigger = b.span(w, w)
        gold.append(Event(trigger, etype, id=f"ev{k + 1}", realis=realis, arguments=tuple(args),
                          cluster=f"V:{k}"))
        if rng.random() < 0.15:
            continue
        ptype = etype if rng.random() < 0.85 else rng.choice(list(EVENT_TYPES))
        pargs = []
        mentions = {e.id: e for e in gold_ents}
        for a in args:
            m = mentions[a.mention or ""]
            roll = rng.random()
            if roll < 0.6:
                pargs.append(Argument(a.role, span=m.span))
            elif roll < 0.8:  # another mention of the same entity
                other = rng.choice(by_cluster[m.cluster or ""])
                pargs.append(Argument(a.role, span=other.span))
            elif roll < 0.9:
                pargs.append(Argument(rng.choice(roles), span=rng.choice(gold_ents).span))
        pred.append(Event(trigger, ptype, realis=rng.choice((realis, realis, "ACTUAL")),
                          arguments=tuple(pargs)))
    return gold, pred


def _numbers(rng: random.Random, b: Builder) -> tuple[list[Number], list[Number]]:
    gold: list[Number] = []
    pred: list[Number] = []
    for k, w in enumerate(b.numbers[:6]):
        span = b.span(w, w)
        value = float(span.text.replace(",", ""))
        kind = rng.choice(KINDS)
        qualifier = rng.choice(("exact", "approximate"))
        gold.append(Number(span, kind, id=f"n{k + 1}", value=value, qualifier=qualifier))
        if rng.random() < 0.85:
            pvalue = value if rng.random() < 0.8 else value * rng.choice((1.01, 1.2))
            pkind = kind if rng.random() < 0.9 else rng.choice(KINDS)
            pspan = span if rng.random() < 0.9 else b.span(w, min(w + 1, len(b.words) - 1))
            pred.append(Number(pspan, pkind, value=pvalue, qualifier=qualifier))
    return gold, pred


def _attributions(rng: random.Random, b: Builder, gold_ents: list[Entity]
                  ) -> tuple[list[Attribution], list[Attribution]]:
    gold: list[Attribution] = []
    pred: list[Attribution] = []
    for k in range(4):
        first = rng.randrange(10, len(b.words) - 14)
        cue = b.span(first + 2, first + 2)
        content = b.span(first + 3, first + 3 + rng.randint(4, 9))
        src = b.span(first, first + 1)
        implicit = rng.random() < 0.2
        parent = f"a{k}" if k and rng.random() < 0.3 else None
        gold.append(Attribution((cue,), (content,), id=f"a{k + 1}",
                                source=None if implicit else Source(src),
                                implicit_source="author" if implicit else None,
                                type=rng.choice(("direct", "indirect")), parent=parent))
        if rng.random() < 0.15:
            continue
        pcontent = content if rng.random() < 0.6 else b.span(first + 4, first + 10)
        pred.append(Attribution((cue,), (pcontent,), id=f"q{k + 1}",
                                source=None if implicit else Source(src),
                                implicit_source="author" if implicit else None,
                                type=gold[-1].type, parent=f"q{k}" if parent else None))
    return gold, pred


def _clusters(rng: random.Random, topic: int, ge: list[Entity], pe: list[Entity],
              gv: list[Event], pv: list[Event]
              ) -> tuple[list[Entity], list[Entity], list[Event], list[Event]]:
    """Cluster ids scoped to the document's topic (TOPIC documents share their ids, so
    clusters cross documents, as in ECB+), and predicted clusters: a predicted mention of a
    gold span joins its cluster 80% of the time, else another of the topic; other
    predictions stay singletons. A separate random stream, so the spans and labels are the
    same as without clusters."""
    gold_ents = [replace(e, cluster=f"E:t{topic}-{(e.cluster or '').removeprefix('E:')}")
                 for e in ge]
    cluster_at = {(e.span.start, e.span.end): e.cluster for e in gold_ents}
    names = sorted({e.cluster for e in gold_ents if e.cluster})
    pred_ents = []
    for e in pe:
        cluster = cluster_at.get((e.span.start, e.span.end))
        if cluster is not None and rng.random() >= 0.8:
            cluster = rng.choice(names)
        pred_ents.append(replace(e, cluster=cluster))
    gold_events = [replace(v, cluster=f"V:t{topic}-{v.cluster}") for v in gv]
    cluster_at = {(v.trigger.start, v.trigger.end): v.cluster for v in gold_events}
    pred_events = [replace(v, cluster=cluster_at.get((v.trigger.start, v.trigger.end))
                           if rng.random() < 0.8 else None) for v in pv]
    return gold_ents, pred_ents, gold_events, pred_events


def make_document(seed: int, index: int) -> tuple[Document, AnnotationDocument,
                                                  AnnotationDocument]:
    rng = random.Random(seed * 1_000_003 + index)
    b = Builder(rng, 350)
    doc_id = f"synthetic-{index:05d}"
    ge, pe = _entities(rng, b)
    gv, pv = _events(rng, b, ge, pe)
    gn, pn = _numbers(rng, b)
    ga, pa = _attributions(rng, b, ge)
    ge, pe, gv, pv = _clusters(random.Random(f"{seed}-{index}"), index // TOPIC, ge, pe, gv, pv)
    doc = Document(doc_id, b.text, {"doc_id": doc_id}, b.zones)
    gold = AnnotationDocument(doc_id, "gold", tuple(ge), tuple(gv), tuple(gn), tuple(ga))
    pred = AnnotationDocument(doc_id, "prediction", tuple(pe), tuple(pv), tuple(pn), tuple(pa))
    return doc, gold, pred


def count_spans(ad: AnnotationDocument) -> int:
    n = len(ad.layer("entities")) + len(ad.layer("numbers"))
    n += sum(1 + len(e.arguments) for e in ad.layer("events"))
    n += sum(len(a.cue) + len(a.content) + (a.source is not None) for a in ad.layer("attributions"))
    return n


Data = list[tuple[Document, AnnotationDocument, AnnotationDocument]]
Shard = tuple[dict[str, Counts], dict[str, float], float, float]


def score_documents(data: Data) -> tuple[dict[str, Counts], dict[str, float]]:
    """Every layer's Counts summed over `data`, and the seconds each layer took. Documents
    are scored one after the other, every layer of one before the next, as palmyra.evaluate
    does (what a scorer caches about a document, its tokenization, serves the next)."""
    rows: dict[str, list[Counts]] = {layer: [] for layer in LAYER_SCORERS}
    seconds = dict.fromkeys(LAYER_SCORERS, 0.0)
    clock = time.perf_counter
    for d, g, p in data:
        for layer, scorer in LAYER_SCORERS.items():
            start = clock()
            rows[layer].append(scorer(g, p, d))
            seconds[layer] += clock() - start
    start = clock()
    counts = {layer: total(found) for layer, found in rows.items()}
    seconds["(sums)"] = clock() - start
    return counts, seconds


def shard_worker(seed: int, first: int, last: int, barrier: Any, queue: Any) -> None:
    """Generate documents first..last-1, wait for the other workers, then score them.

    Each process builds its own documents: sharing the parent's through fork would make the
    scoring pay for copying the pages that reference counting touches. The timed part
    starts after a warm-up on one document (imports, the ontology)."""
    data = [make_document(seed, i) for i in range(first, last)]
    score_documents(data[:1])  # one-time costs (imports: seqeval loads scikit-learn) first
    barrier.wait()
    start = time.perf_counter()
    counts, seconds = score_documents(data)
    queue.put((counts, seconds, start, time.perf_counter()))


def score_in_parallel(seed: int, docs: int, workers: int) -> list[Shard]:
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(workers), context.Queue()
    step = -(-docs // workers)
    processes = [context.Process(target=shard_worker,
                                 args=(seed, a, min(a + step, docs), barrier, queue))
                 for a in range(0, docs, step)]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    return results


def run_nervaluate(data: Data) -> dict:
    from nervaluate import Evaluator

    true, pred = [], []
    for doc, gold, prediction in data:
        keep = [m for m in entities.mentions(prediction) if doc.in_zones(m[0], m[1], ANNOTATED)]
        # nervaluate's offsets are end-inclusive.
        true.append([{"label": t, "start": s, "end": e - 1}
                     for s, e, t in entities.mentions(gold)])
        pred.append([{"label": t, "start": s, "end": e - 1} for s, e, t in keep])
    return Evaluator(true, pred, tags=list(TYPES), loader="dict").evaluate()


def whole_evaluation(data: Data, jobs: int, bootstrap: int) -> None:
    """Time palmyra.evaluate() on the documents: every layer, coreference within and across
    documents included, sums and bootstrap intervals; print its stages."""
    from palmyra import evaluate

    gold = {d.doc_id: g for d, g, _ in data}
    predictions = {d.doc_id: p for d, _, p in data}
    corpus = {d.doc_id: d for d, _, _ in data}
    evaluate({k: gold[k] for k in list(gold)[:2]}, {}, corpus=corpus, bootstrap=10)  # warm
    start = time.perf_counter()
    result = evaluate(gold, predictions, corpus=corpus, jobs=jobs, bootstrap=bootstrap)
    seconds = time.perf_counter() - start
    goal = "under" if seconds < GOAL_SECONDS else "NOT under"
    print(f"whole evaluation, palmyra.evaluate(jobs={jobs}, bootstrap={bootstrap}), all layers: "
          f"{seconds:.2f} s ({goal} the {GOAL_SECONDS:.0f} s goal)")
    for stage, spent in result.timings.items():
        print(f"  {stage:<36} {spent:6.2f} s")
    conll = result.score("coreference", "entity_conll")["f1"]
    cross = result.score("coreference", "cross_entity_conll")["f1"]
    print(f"  entity CoNLL F1 {conll:.4f} within documents, {cross:.4f} across documents")


def reference_loop() -> float:
    """Seconds for 10^6 additions in a Python loop: how fast this machine runs Python."""
    start = time.perf_counter()
    x = 0
    for i in range(1_000_000):
        x += i
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="scoring processes (default 2)")
    parser.add_argument("--skip-nervaluate", action="store_true")
    parser.add_argument("--skip-evaluate", action="store_true",
                        help="skip the timing of the whole palmyra.evaluate()")
    parser.add_argument("--bootstrap", type=int, default=1000,
                        help="resamples in the whole evaluation (default 1000)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of the entity comparison; the best time counts")
    args = parser.parse_args(argv)

    print(f"python reference loop: {reference_loop():.2f} s for 10^6 additions")
    # Scoring: each process generates its share of the documents, then all start together.
    results = score_in_parallel(args.seed, args.docs, args.workers)
    totals = {layer: total(r[0][layer] for r in results) for layer in LAYER_SCORERS}
    wall = max(r[3] for r in results) - min(r[2] for r in results)
    print(f"all layers, {args.docs:,} documents, {args.workers} process(es): {wall:.2f} s wall "
          f"({args.docs / wall:,.0f} documents/s)")
    for layer in [*LAYER_SCORERS, "(sums)"]:
        busy = sum(r[1][layer] for r in results)
        print(f"  {layer:<13} {busy:6.2f} s summed over processes "
              f"({busy / args.docs * 1e6:,.0f} us per document)")
    for mode in entities.MODES:
        t = totals["entities"][("entities", mode, "*")]
        print(f"  entities {mode:<8} F1 {prf(t)['f1']:.4f}  ignored {t['ignored']:.0f}")
    if args.skip_nervaluate and args.skip_evaluate:
        return 0

    start = time.perf_counter()
    data = [make_document(args.seed, i) for i in range(args.docs)]
    gold_spans = sum(count_spans(g) for _, g, _ in data)
    pred_spans = sum(count_spans(p) for _, _, p in data)
    print(f"the same {args.docs:,} documents: {gold_spans:,} gold and {pred_spans:,} predicted "
          f"spans (generated in {time.perf_counter() - start:.1f} s)")
    if not args.skip_evaluate:
        whole_evaluation(data, args.workers, args.bootstrap)
    if args.skip_nervaluate:
        return 0
    # Best of --repeat alternating runs of each, warm: the machine may be shared.
    run_nervaluate(data[:1])
    ours_seconds = theirs_seconds = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        ours = total(entities.score(g, p, d) for d, g, p in data)
        ours_seconds = min(ours_seconds, time.perf_counter() - start)
        start = time.perf_counter()
        theirs = run_nervaluate(data)
        theirs_seconds = min(theirs_seconds, time.perf_counter() - start)
    print(f"entity layer, one process, best of {args.repeat}: palmyra {ours_seconds:.2f} s, "
          f"nervaluate {theirs_seconds:.2f} s: {theirs_seconds / ours_seconds:.1f}x faster")
    fields = ("correct", "incorrect", "partial", "missed", "spurious")
    failures = []
    for mode, their_mode in (("strict", "strict"), ("exact", "exact"), ("partial", "partial"),
                             ("type", "ent_type")):
        mine = tuple(int(ours[("entities", mode, "*")][f]) for f in fields)
        other = tuple(getattr(theirs["overall"][their_mode], f) for f in fields)
        print(f"  {mode:<8} palmyra {mine}  nervaluate {other}")
        if mode in ("strict", "exact") and mine != other:
            failures.append(mode)
    if failures:
        print(f"MISMATCH with nervaluate in {', '.join(failures)}", file=sys.stderr)
        return 1
    print("strict and exact counts identical to nervaluate (COR, INC, PAR, MIS, SPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
