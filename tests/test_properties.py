"""Properties of every layer scorer on random documents (hypothesis): scores stay in [0, 1],
gold against itself is perfect, order never matters, documents add up, and the looser modes
never score below the stricter ones."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from palmyra.scoring import LAYER_SCORERS
from palmyra.stats import Counts, total

WORDS = ["IS", "fighters", "retook", "Palmyra", "said", "the", "army", "4,000", "Syria's",
         "al-Assad", "U.S.", "about", "50", "(Reuters)", "city"]
TYPES = ["PER", "ORG", "GPE"]
EVENT_TYPES = {"Conflict.Attack": ["Attacker", "Target"],
               "Conflict.TakeControl": ["Captor", "Territory"]}
FURNITURE = "Skip to content\n\n"

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclasses.dataclass
class Case:
    doc: Document
    gold: AnnotationDocument
    pred: AnnotationDocument


@st.composite
def cases(draw: st.DrawFn, implicit_sources: bool = True, doc_id: str = "d") -> Case:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=4, max_size=24))
    seps = draw(st.lists(st.sampled_from([" ", " ", ", ", ". ", "\n"]), min_size=len(words),
                         max_size=len(words)))
    text, offsets = FURNITURE, []
    for word, sep in zip(words, seps, strict=True):
        offsets.append((len(text), len(text) + len(word)))
        text += word + sep
    body = len(FURNITURE)
    doc = Document(doc_id, text, {}, (Zone("boilerplate", 0, body),
                                      Zone("body", body, len(text))))

    def span(furniture: bool = False) -> Span:
        if furniture and draw(st.booleans()):
            s = draw(st.integers(0, 10))
            return Span(s, s + 4, text[s:s + 4])
        first = draw(st.integers(0, len(offsets) - 1))
        last = draw(st.integers(first, min(len(offsets) - 1, first + 3)))
        s, e = offsets[first][0], offsets[last][1]
        if e - s > 1 and draw(st.integers(0, 4)) == 0:  # cut a token
            s += 1
        return Span(s, e, text[s:e])

    def entities(gold: bool, prefix: str) -> list[Entity]:
        n = draw(st.integers(0, 8))
        return [Entity(span(not gold), draw(st.sampled_from(TYPES)), f"{prefix}{k}",
                       cluster=f"E:{doc_id}-{draw(st.integers(0, 2))}" if gold else None)
                for k in range(n)]

    def events(gold: bool, mentions: list[Entity]) -> list[Event]:
        out = []
        for k in range(draw(st.integers(0, 4))):
            etype = draw(st.sampled_from(sorted(EVENT_TYPES)))
            args = []
            for _ in range(draw(st.integers(0, 3))):
                role = draw(st.sampled_from(EVENT_TYPES[etype]))
                if mentions and draw(st.booleans()):
                    args.append(Argument(role, mention=draw(st.sampled_from(mentions)).id))
                else:
                    args.append(Argument(role, span=span(not gold)))
            out.append(Event(span(not gold), etype, f"ev{k}" if gold else None,
                             draw(st.sampled_from(["ACTUAL", "OTHER"])), tuple(args)))
        return out

    def numbers(gold: bool) -> list[Number]:
        values = st.none() | st.sampled_from([50.0, 51.0, 4000.0, 2015.0])
        return [Number(span(not gold), draw(st.sampled_from(["count", "date"])),
                       f"n{k}" if gold else None, value=draw(values), low=draw(values),
                       qualifier=draw(st.sampled_from([None, "exact", "approximate"])),
                       unit=draw(st.sampled_from([None, "month"])),
                       timex=draw(st.sampled_from([None, "2015"])))
                for k in range(draw(st.integers(0, 5)))]

    def attributions(gold: bool, prefix: str) -> list[Attribution]:
        out: list[Attribution] = []
        for k in range(draw(st.integers(0, 4))):
            implicit = implicit_sources and draw(st.booleans())
            parent = draw(st.sampled_from([None] + [a.id for a in out]))
            out.append(Attribution(
                tuple(span(not gold) for _ in range(draw(st.integers(1, 2)))),
                tuple(span() for _ in range(draw(st.integers(1, 2)))),
                f"{prefix}{k}",
                None if implicit else Source(span()),
                draw(st.sampled_from(["author", "unspecified"])) if implicit else None,
                draw(st.sampled_from([None, "direct", "indirect"])), parent))
        return out

    gold_mentions = entities(True, f"{doc_id}m")
    pred_mentions = entities(False, f"{doc_id}x")
    gold = AnnotationDocument(doc_id, "gold", tuple(gold_mentions),
                              tuple(events(True, gold_mentions)), tuple(numbers(True)),
                              tuple(attributions(True, f"{doc_id}a")))
    pred = AnnotationDocument(doc_id, "prediction", tuple(pred_mentions),
                              tuple(events(False, pred_mentions)), tuple(numbers(False)),
                              tuple(attributions(False, f"{doc_id}b")))
    return Case(doc, gold, pred)


def score_all(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    return total(scorer(gold, pred, doc) for scorer in LAYER_SCORERS.values())


@SETTINGS
@given(cases())
def test_scores_are_in_range(case: Case) -> None:
    for key, t in score_all(case.gold, case.pred, case.doc).items():
        assert 0 <= t["p_num"] <= t["p_den"] + 1e-9, key
        assert 0 <= t["r_num"] <= t["r_den"] + 1e-9, key


@SETTINGS
@given(cases())
def test_gold_against_itself_is_perfect(case: Case) -> None:
    # Gold lies in article text only (predictions may not): drop gold spans in furniture.
    body = case.doc.zones[1].start
    gold = case.gold

    def inside(s: Span | None) -> bool:
        return s is None or s.start >= body

    gold = dataclasses.replace(
        gold,
        entities=tuple(e for e in gold.layer("entities") if inside(e.span)),
        numbers=tuple(n for n in gold.layer("numbers") if inside(n.span)),
        events=tuple(dataclasses.replace(ev, arguments=tuple(a for a in ev.arguments
                                                             if inside(a.span)))
                     for ev in gold.layer("events") if inside(ev.trigger)),
        attributions=tuple(a for a in gold.layer("attributions") if inside(a.cue[0])
                           and all(inside(s) for s in a.cue)))
    for key, t in score_all(gold, gold, case.doc).items():
        if t["r_den"]:
            assert t["p_num"] == t["p_den"] == t["r_num"] == t["r_den"], key


def _shuffled(doc: AnnotationDocument, rng: random.Random) -> AnnotationDocument:
    def mix(items):
        items = list(items)
        rng.shuffle(items)
        return tuple(items)

    return dataclasses.replace(
        doc,
        entities=mix(doc.layer("entities")),
        numbers=mix(doc.layer("numbers")),
        events=mix(dataclasses.replace(e, arguments=mix(e.arguments))
                   for e in doc.layer("events")),
        attributions=mix(dataclasses.replace(a, cue=mix(a.cue), content=mix(a.content))
                         for a in doc.layer("attributions")))


@SETTINGS
@given(cases(), st.integers(0, 2**32 - 1))
def test_order_never_changes_a_score(case: Case, seed: int) -> None:
    rng = random.Random(seed)
    expected = score_all(case.gold, case.pred, case.doc)
    got = score_all(_shuffled(case.gold, rng), _shuffled(case.pred, rng), case.doc)
    assert got.table == expected.table


def _shift_span(s: Span | None, by: int) -> Span | None:
    return None if s is None else Span(s.start + by, s.end + by, s.text)


def _shift(doc: AnnotationDocument, by: int, doc_id: str) -> AnnotationDocument:
    """The annotations of a document moved `by` characters to the right."""
    return AnnotationDocument(
        doc_id, doc.status,
        tuple(dataclasses.replace(e, span=_shift_span(e.span, by))
              for e in doc.layer("entities")),
        tuple(dataclasses.replace(
            ev, trigger=_shift_span(ev.trigger, by),
            arguments=tuple(dataclasses.replace(a, span=_shift_span(a.span, by))
                            for a in ev.arguments)) for ev in doc.layer("events")),
        tuple(dataclasses.replace(n, span=_shift_span(n.span, by))
              for n in doc.layer("numbers")),
        tuple(dataclasses.replace(
            a, cue=tuple(_shift_span(s, by) for s in a.cue),
            content=tuple(_shift_span(s, by) for s in a.content),
            source=None if a.source is None else Source(_shift_span(a.source.span, by)))
            for a in doc.layer("attributions")))


def _concatenate(first: Case, second: Case) -> Case:
    by = len(first.doc.text)
    zones = first.doc.zones + tuple(Zone(z.type, z.start + by, z.end + by)
                                    for z in second.doc.zones)
    doc = Document("ab", first.doc.text + second.doc.text, {}, zones)

    def join(a: AnnotationDocument, b: AnnotationDocument) -> AnnotationDocument:
        b = _shift(b, by, "ab")
        return AnnotationDocument("ab", a.status, *(a.layer(x) + b.layer(x) for x in (
            "entities", "events", "numbers", "attributions")))

    return Case(doc, join(first.gold, second.gold), join(first.pred, second.pred))


@SETTINGS
@given(cases(implicit_sources=False, doc_id="a"), cases(implicit_sources=False, doc_id="b"))
def test_documents_add_up(first: Case, second: Case) -> None:
    # Scoring two documents separately and summing equals scoring them as one document (their
    # spans can never meet): per-document Counts are exactly additive.
    separate = total([score_all(first.gold, first.pred, first.doc),
                      score_all(second.gold, second.pred, second.doc)])
    joined = _concatenate(first, second)
    together = score_all(joined.gold, joined.pred, joined.doc)
    assert separate.table.keys() == together.table.keys()
    for key, t in together.items():
        for name, value in t.items():
            assert separate[key][name] == pytest.approx(value, abs=1e-9), (key, name)


@SETTINGS
@given(cases())
def test_looser_modes_never_score_lower(case: Case) -> None:
    c = score_all(case.gold, case.pred, case.doc)

    def num(layer: str, mode: str) -> tuple[float, float]:
        t = c[(layer, mode, "*")]
        return t["p_num"], t["r_num"]

    def at_most(layer: str, strict: str, loose: str) -> None:
        a, b = num(layer, strict), num(layer, loose)
        assert a[0] <= b[0] + 1e-9 and a[1] <= b[1] + 1e-9, (layer, strict, loose)

    for strict, loose in (("strict", "type"), ("strict", "exact"), ("exact", "partial")):
        at_most("entities", strict, loose)
    for strict, loose in (("trigger_identification", "trigger_identification_overlap"),
                          ("trigger_classification", "trigger_classification_overlap"),
                          ("trigger_classification", "trigger_identification"),
                          ("argument_classification", "argument_identification"),
                          ("argument_classification_attached", "argument_classification"),
                          ("argument_classification", "argument_classification_coref"),
                          ("argument_identification", "argument_identification_coref")):
        at_most("events", strict, loose)
    for strict, loose in (("span_exact", "span_overlap"), ("full", "span_exact"),
                          ("value_exact", "value"), ("value", "value_tol5")):
        at_most("numbers", strict, loose)
    for element in ("source", "cue", "content", "triple"):
        at_most("attributions", f"{element}_exact", f"{element}_overlap")
    at_most("attributions", "triple_exact", "content_exact")
