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
from typing import NamedTuple

from palmyra.annotations import AnnotationDocument, Argument
from palmyra.corpus import Document
from palmyra.scoring._common import Table, kept_predictions
from palmyra.spans import (
    Interval,
    match_graph,
    match_keys,
    overlap,
    overlap_clusters,
    solve_clusters,
)
from palmyra.stats import Counts

LAYER = "events"
TRIGGER_MODES = ("trigger_identification", "trigger_classification",
                 "trigger_identification_overlap", "trigger_classification_overlap")
ARGUMENT_BASE = ("argument_identification", "argument_classification",
                 "argument_identification_attached", "argument_classification_attached")
ARGUMENT_MODES = ARGUMENT_BASE + tuple(f"{m}_coref" for m in ARGUMENT_BASE)
MODES = (*TRIGGER_MODES, "realis", *ARGUMENT_MODES)

NO_SPAN: Interval = (-1, -1)  # an argument whose mention id names no mention: never matches


class _Arg(NamedTuple):
    trigger: Interval
    type: str
    role: str
    span: Interval
    accepted: tuple[Interval, ...]  # gold only: the spans of its entity cluster


class _Event(NamedTuple):
    trigger: Interval
    type: str
    realis: str
    args: tuple[_Arg, ...]


class _Mentions:
    """The entity mentions of one document: spans by id, and the spans of each cluster."""

    def __init__(self, doc: AnnotationDocument, gold: bool):
        entities = doc.layer("entities")
        self.by_id = {e.id: ((e.span.start, e.span.end), e.cluster)
                      for e in entities if e.id is not None}
        self.clusters_at: dict[Interval, set[str]] = {}
        self.cluster_spans: dict[str, set[Interval]] = {}
        if not gold:
            return  # a prediction's arguments need spans only
        for e in entities:
            if e.cluster is not None:
                span = (e.span.start, e.span.end)
                self.clusters_at.setdefault(span, set()).add(e.cluster)
                self.cluster_spans.setdefault(e.cluster, set()).add(span)

    def resolve(self, arg: Argument, gold: bool) -> tuple[Interval, tuple[Interval, ...]]:
        """The argument's span, and (gold) the spans that a prediction may have to match it:
        the spans of every mention of its entity cluster, its own included."""
        known = self.by_id.get(arg.mention) if arg.mention is not None else None
        if arg.span is not None:
            span = (arg.span.start, arg.span.end)
        elif known is not None:
            span = known[0]
        else:
            return NO_SPAN, ()
        if not gold:
            return span, ()
        if known is not None and known[1] is not None:
            clusters: set[str] = {known[1]}
        else:
            clusters = self.clusters_at.get(span, set())
        if not clusters:
            return span, (span,)
        accepted = {span}
        for cluster in clusters:
            accepted |= self.cluster_spans[cluster]
        return span, tuple(sorted(accepted))


def _events(doc: AnnotationDocument, gold: bool) -> list[_Event]:
    """The events of a document in canonical order (arguments sorted inside each)."""
    mentions = _Mentions(doc, gold)
    out = []
    for ev in doc.layer(LAYER):
        trigger = (ev.trigger.start, ev.trigger.end)
        args = sorted(_Arg(trigger, ev.type, a.role, *mentions.resolve(a, gold))
                      for a in ev.arguments)
        out.append(_Event(trigger, ev.type, ev.realis or "", tuple(args)))
    out.sort()
    return out


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    gold_events = _events(gold, gold=True)
    predicted = _events(pred, gold=False)
    pred_events = kept_predictions(doc, predicted, start=lambda e: e.trigger[0])
    ignored_args = sum(len(ev.args) for ev in predicted) - sum(len(ev.args)
                                                               for ev in pred_events)
    table = Table(LAYER)
    _score_triggers(table, gold_events, pred_events, len(predicted) - len(pred_events))
    gold_args = sorted(a for ev in gold_events for a in ev.args)
    pred_args = sorted(a for ev in pred_events for a in ev.args)
    kept_args = [a for a in pred_args if a.span == NO_SPAN] + kept_predictions(
        doc, [a for a in pred_args if a.span != NO_SPAN], start=lambda a: a.span[0])
    kept_args.sort()
    ignored_args += len(pred_args) - len(kept_args)
    _score_arguments(table, gold_args, kept_args, ignored_args)
    return table.counts()


def _score_triggers(table: Table, gold: Sequence[_Event], pred: Sequence[_Event],
                    ignored: int) -> None:
    gspans = [e.trigger for e in gold]
    pspans = [e.trigger for e in pred]
    glabels = [e.type for e in gold]
    plabels = [e.type for e in pred]

    def same_type(g: int, p: int) -> int:
        return int(glabels[g] == plabels[p])

    def same_realis(g: int, p: int) -> int:
        return int(gold[g].realis == pred[p].realis)

    def by_type(g: int, p: int) -> tuple[int, ...]:
        return (same_type(g, p), same_realis(g, p))

    def rest(pairs: list[tuple[int, int]], weight: Callable) -> list[tuple[int, int]]:
        """Pairs of overlapping triggers among the items `pairs` left over."""
        used_g = {g for g, _ in pairs}
        used_p = {p for _, p in pairs}
        clusters = overlap_clusters(gspans, pspans,
                                    [g for g in range(len(gold)) if g not in used_g],
                                    [p for p in range(len(pred)) if p not in used_p])
        return solve_clusters(clusters, weight, gspans, pspans)

    identified = match_keys(gspans, pspans, tie=by_type)
    classified = match_keys([(e.trigger, e.type) for e in gold],
                            [(e.trigger, e.type) for e in pred],
                            tie=lambda g, p: (same_realis(g, p),))
    pairs = {
        "trigger_identification": identified,
        "trigger_classification": classified,
        "trigger_identification_overlap": identified + rest(identified, lambda g, p: (
            1, overlap(gspans[g], pspans[p]), *by_type(g, p))),
        "trigger_classification_overlap": classified + rest(classified, lambda g, p: (
            1, overlap(gspans[g], pspans[p]), same_realis(g, p)) if same_type(g, p) else None),
    }
    for mode, found in pairs.items():
        table.tally(mode, glabels, plabels, found, ignored=ignored)
    # realis: agreement on the pairs of trigger identification, by the gold realis.
    pair_labels = [gold[g].realis or None for g, _ in identified]
    agreeing = [(k, k) for k, (g, p) in enumerate(identified) if same_realis(g, p)]
    table.tally("realis", pair_labels, pair_labels, agreeing, ignored=ignored)


def _score_arguments(table: Table, gold: Sequence[_Arg], pred: Sequence[_Arg],
                     ignored: int) -> None:
    g_trigger, g_type, g_role, g_span, _ = zip(*gold, strict=True) if gold else ((),) * 5
    p_trigger, p_type, p_role, p_span, _ = zip(*pred, strict=True) if pred else ((),) * 5
    # What must agree besides the span, per mode (zip builds the tuples in C).
    contexts = {
        "argument_identification": (g_type, p_type),
        "argument_classification": (list(zip(g_type, g_role, strict=True)),
                                    list(zip(p_type, p_role, strict=True))),
        "argument_identification_attached": (list(zip(g_trigger, g_type, strict=True)),
                                             list(zip(p_trigger, p_type, strict=True))),
        "argument_classification_attached": (list(zip(g_trigger, g_type, g_role, strict=True)),
                                             list(zip(p_trigger, p_type, p_role, strict=True))),
    }
    # Coreference-aware candidates: the gold arguments whose cluster has the predicted span.
    by_span: dict[Interval, list[int]] = {}
    for g, a in enumerate(gold):
        for span in a.accepted:
            by_span.setdefault(span, []).append(g)
    candidates = [(p, by_span[span]) for p, span in enumerate(p_span) if span in by_span]

    def prefer_own_span(g: int, p: int) -> tuple[int, int]:
        return (1, int(g_span[g] == p_span[p]))

    for mode, (g_ctx, p_ctx) in contexts.items():
        glabels, plabels = (g_role, p_role) if "classification" in mode else (g_type, p_type)
        g_keys = _keys(g_ctx, g_span)
        p_keys = _keys(p_ctx, p_span)
        table.tally(mode, glabels, plabels, match_keys(g_keys, p_keys), ignored=ignored)
        edges = [(g, p) for p, golds in candidates for g in golds if g_ctx[g] == p_ctx[p]]
        table.tally(f"{mode}_coref", glabels, plabels, match_graph(edges, prefer_own_span),
                    ignored=ignored)


def _keys(contexts: Sequence[Hashable], spans: Sequence[Interval]) -> list[Hashable]:
    """(context, span) per argument; None (never matches) for an unresolved argument."""
    keys: list[Hashable] = list(zip(contexts, spans, strict=True))
    if NO_SPAN in spans:
        keys = [None if s == NO_SPAN else k for k, s in zip(keys, spans, strict=True)]
    return keys
