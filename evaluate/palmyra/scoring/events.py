"""Events scored as ACE / TextEE do, with one-to-one matching everywhere.

Triggers
  trigger_identification           trigger span equal
  trigger_classification           trigger span and event type equal
  trigger_identification_overlap   trigger spans overlap (identical spans paired first)
  trigger_classification_overlap   trigger spans overlap and event types equal
  realis                           on the pairs of trigger_identification: realis equal
                                   (p_num = r_num = agreeing, p_den = r_den = pairs)
Arguments (an argument is its span, the event type and role of its event; an argument given
as a `mention` id has that entity mention's span, looked up in the same document)
  argument_identification            span and event type equal
  argument_classification            span, event type and role equal
  argument_identification_attached   ... and the trigger span equal too
  argument_classification_attached   ... and the trigger span equal too
  <each of the four>_coref           the predicted span may be any mention of the gold
                                     argument's entity cluster (the `cluster` of the gold
                                     mentions, in this document); still one-to-one: a gold
                                     argument is credited once, a prediction counts once.

Labels: trigger modes and argument_identification* are broken down by event type,
argument_classification* by role, realis by the gold realis.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from palmyra.annotations import AnnotationDocument, Argument, Entity
from palmyra.corpus import Document
from palmyra.scoring._common import TOTAL, Table, zone_filter
from palmyra.spans import Interval, align, match_graph, match_keys, overlap
from palmyra.stats import Counts

LAYER = "events"
TRIGGER_MODES = ("trigger_identification", "trigger_classification",
                 "trigger_identification_overlap", "trigger_classification_overlap")
ARGUMENT_BASE = ("argument_identification", "argument_classification",
                 "argument_identification_attached", "argument_classification_attached")
ARGUMENT_MODES = ARGUMENT_BASE + tuple(f"{m}_coref" for m in ARGUMENT_BASE)
MODES = (*TRIGGER_MODES, "realis", *ARGUMENT_MODES)


@dataclass(frozen=True)
class _Arg:
    trigger: Interval
    type: str
    role: str
    span: Interval | None          # None: a mention id that names no mention
    accepted: tuple[Interval, ...]  # gold only: the spans of its entity cluster


@dataclass(frozen=True)
class _Event:
    trigger: Interval
    type: str
    realis: str
    args: tuple[_Arg, ...]


def _span(e: Entity) -> Interval:
    return (e.span.start, e.span.end)


class _Mentions:
    """The entity mentions of one document: by id, and (gold) the spans of each cluster."""

    def __init__(self, doc: AnnotationDocument):
        entities = doc.layer("entities")
        self.by_id = {e.id: e for e in entities if e.id is not None}
        self.clusters_at: dict[Interval, set[str]] = {}
        self.cluster_spans: dict[str, set[Interval]] = {}
        for e in entities:
            if e.cluster is not None:
                self.clusters_at.setdefault(_span(e), set()).add(e.cluster)
                self.cluster_spans.setdefault(e.cluster, set()).add(_span(e))

    def span(self, arg: Argument) -> Interval | None:
        if arg.span is not None:
            return (arg.span.start, arg.span.end)
        mention = self.by_id.get(arg.mention) if arg.mention is not None else None
        return _span(mention) if mention is not None else None

    def accepted(self, arg: Argument, span: Interval | None) -> tuple[Interval, ...]:
        """The spans a predicted argument may have to match this gold argument."""
        if span is None:
            return ()
        mention = self.by_id.get(arg.mention) if arg.mention is not None else None
        if mention is not None and mention.cluster is not None:
            clusters = {mention.cluster}
        else:
            clusters = self.clusters_at.get(span, set())
        spans = {span}
        for cluster in clusters:
            spans |= self.cluster_spans[cluster]
        return tuple(sorted(spans))


def _events(doc: AnnotationDocument, gold: bool) -> list[_Event]:
    mentions = _Mentions(doc)
    out = []
    for ev in doc.layer(LAYER):
        trigger = (ev.trigger.start, ev.trigger.end)
        args = []
        for a in ev.arguments:
            span = mentions.span(a)
            accepted = mentions.accepted(a, span) if gold else ()
            args.append(_Arg(trigger, ev.type, a.role, span, accepted))
        args.sort(key=_arg_order)
        out.append(_Event(trigger, ev.type, ev.realis or "", tuple(args)))
    out.sort(key=lambda e: (e.trigger, e.type, e.realis, [_arg_order(a) for a in e.args]))
    return out


def _arg_order(a: _Arg) -> tuple:
    return (a.trigger, a.type, a.role, a.span or (-1, -1), a.accepted)


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    keep = zone_filter(doc)
    gold_events = _events(gold, gold=True)
    predicted = _events(pred, gold=False)
    pred_events = []
    ignored_args = 0
    for ev in predicted:
        if not keep(ev.trigger[0]):
            ignored_args += len(ev.args)
            continue
        args = tuple(a for a in ev.args if a.span is None or keep(a.span[0]))
        ignored_args += len(ev.args) - len(args)
        pred_events.append(_Event(ev.trigger, ev.type, ev.realis, args))
    table = Table(LAYER)
    _score_triggers(table, gold_events, pred_events, len(predicted) - len(pred_events))
    gold_args = sorted((a for ev in gold_events for a in ev.args), key=_arg_order)
    pred_args = sorted((a for ev in pred_events for a in ev.args), key=_arg_order)
    _score_arguments(table, gold_args, pred_args, ignored_args)
    return table.counts()


def _score_triggers(table: Table, gold: Sequence[_Event], pred: Sequence[_Event],
                    ignored: int) -> None:
    gspans = [e.trigger for e in gold]
    pspans = [e.trigger for e in pred]
    gtyped = [(e.trigger, e.type) for e in gold]
    ptyped = [(e.trigger, e.type) for e in pred]

    def same_type(g: int, p: int) -> int:
        return int(gold[g].type == pred[p].type)

    def same_realis(g: int, p: int) -> int:
        return int(gold[g].realis == pred[p].realis)

    def ov(g: int, p: int) -> int:
        return overlap(gspans[g], pspans[p])

    def by_type(g: int, p: int) -> tuple[int, ...]:
        return (same_type(g, p), same_realis(g, p))

    def typed_overlap(g: int, p: int) -> tuple[int, ...] | None:
        return (1, ov(g, p), same_realis(g, p)) if same_type(g, p) else None

    alignments = {
        "trigger_identification": align(gspans, pspans, tie=by_type),
        "trigger_classification": align(gtyped, ptyped, tie=lambda g, p: (same_realis(g, p),)),
        "trigger_identification_overlap": align(
            gspans, pspans, tie=by_type, gold_spans=gspans, pred_spans=pspans,
            weight=lambda g, p: (1, ov(g, p), *by_type(g, p))),
        "trigger_classification_overlap": align(
            gtyped, ptyped, tie=lambda g, p: (same_realis(g, p),), gold_spans=gspans,
            pred_spans=pspans, weight=typed_overlap),
    }
    glabels = [e.type for e in gold]
    plabels = [e.type for e in pred]
    for mode, alignment in alignments.items():
        table.tally(mode, glabels, plabels, alignment.pairs, ignored=ignored)
    total = table.row("realis", TOTAL)
    total["ignored"] = total.get("ignored", 0.0) + ignored
    for g, p in alignments["trigger_identification"].pairs:
        agree = float(gold[g].realis == pred[p].realis)
        for label in (TOTAL, gold[g].realis or None):
            table.add("realis", label, p_num=agree, r_num=agree, p_den=1.0, r_den=1.0)


_KEYS: dict[str, Callable[[_Arg, Interval], Hashable]] = {
    "argument_identification": lambda a, s: (a.type, s),
    "argument_classification": lambda a, s: (a.type, s, a.role),
    "argument_identification_attached": lambda a, s: (a.trigger, a.type, s),
    "argument_classification_attached": lambda a, s: (a.trigger, a.type, s, a.role),
}


def _score_arguments(table: Table, gold: Sequence[_Arg], pred: Sequence[_Arg],
                     ignored: int) -> None:
    for mode, key in _KEYS.items():
        labels: Callable[[_Arg], str] = (
            (lambda a: a.role) if "classification" in mode else (lambda a: a.type))
        glabels = [labels(a) for a in gold]
        plabels = [labels(a) for a in pred]
        pkeys = [key(a, a.span) if a.span is not None else None for a in pred]
        exact = match_keys([key(a, a.span) if a.span is not None else None for a in gold], pkeys)
        table.tally(mode, glabels, plabels, exact, ignored=ignored)
        table.tally(f"{mode}_coref", glabels, plabels, _coref_pairs(gold, pred, key, pkeys),
                    ignored=ignored)


def _coref_pairs(gold: Sequence[_Arg], pred: Sequence[_Arg],
                 key: Callable[[_Arg, Interval], Hashable], pkeys: Sequence[Hashable]
                 ) -> list[tuple[int, int]]:
    """One-to-one pairs where the predicted span is a mention of the gold argument's cluster:
    the most pairs, then the most predictions on the gold argument's own span."""
    index: dict[Hashable, list[int]] = {}
    for g, a in enumerate(gold):
        for span in a.accepted:
            index.setdefault(key(a, span), []).append(g)
    edges = [(g, p) for p, k in enumerate(pkeys) if k is not None for g in index.get(k, ())]
    return match_graph(edges, lambda g, p: (1, int(gold[g].span == pred[p].span)))
