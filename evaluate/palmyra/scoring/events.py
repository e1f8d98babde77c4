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

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from operator import itemgetter

from palmyra.annotations import AnnotationDocument, Argument, Entity
from palmyra.corpus import Document
from palmyra.scoring._common import Table, kept_predictions
from palmyra.spans import Interval, match_keys, overlap, overlap_clusters, solve_clusters
from palmyra.stats import Counts

LAYER = "events"
TRIGGER_MODES = ("trigger_identification", "trigger_classification",
                 "trigger_identification_overlap", "trigger_classification_overlap")
ARGUMENT_BASE = ("argument_identification", "argument_classification",
                 "argument_identification_attached", "argument_classification_attached")
ARGUMENT_MODES = ARGUMENT_BASE + tuple(f"{m}_coref" for m in ARGUMENT_BASE)
MODES = (*TRIGGER_MODES, "realis", *ARGUMENT_MODES)

_TRIGGER_KEY = itemgetter(0, 1, 2)  # an event's trigger, type and realis
_PRED = itemgetter(1)  # an edge's predicted item

NO_SPAN: Interval = (-1, -1)  # an argument whose mention id names no mention: never matches

# Plain tuples, cheaper to build than named ones: an argument is (trigger, event type, role,
# span, accepted), `accepted` (gold only) being the spans a prediction may have to match it
# (one set shared by the arguments of an entity cluster); an event is (trigger, type, realis,
# arguments).
_Arg = tuple[Interval, str, str, Interval, AbstractSet[Interval]]
_Event = tuple[Interval, str, str, list[_Arg]]

_NOTHING: frozenset[Interval] = frozenset()


class _GoldMentions:
    """The entity mentions of a gold document by id and by cluster, and the spans that a
    prediction may have to match an argument (computed once per cluster or position)."""

    def __init__(self, entities: Sequence[Entity]):
        self.by_id: dict[str | None, Entity] = {e.id: e for e in entities}
        self.by_id.pop(None, None)  # an argument without a mention id names no mention
        self.members: dict[str, set[Interval]] = {}  # cluster -> the spans of its mentions
        for e in entities:
            if e.cluster is not None:
                span = (e.span.start, e.span.end)
                spans = self.members.get(e.cluster)
                if spans is None:
                    self.members[e.cluster] = {span}
                else:
                    spans.add(span)
        self._at_span: dict[Interval, set[Interval]] = {}  # accepted, by position

    def argument(self, arg: Argument, trigger: Interval, etype: str) -> _Arg:
        """The argument with its span, and the spans that a prediction may have to match
        it: the spans of every mention of its entity cluster, its own included."""
        known = self.by_id.get(arg.mention)
        if arg.span is not None:
            span = (arg.span.start, arg.span.end)
        elif known is not None:
            span = (known.span.start, known.span.end)
        else:
            return (trigger, etype, arg.role, NO_SPAN, _NOTHING)
        if known is None or known.cluster is None:  # no cluster by id: those at the span
            accepted = self._at_span.get(span)
            if accepted is None:
                accepted = self._at_span[span] = {span}.union(
                    *(spans for spans in self.members.values() if span in spans))
            return (trigger, etype, arg.role, span, accepted)
        accepted = self.members[known.cluster]
        if arg.span is not None and span not in accepted:  # not a span of its cluster
            accepted = accepted | {span}
        return (trigger, etype, arg.role, span, accepted)


def _events(doc: AnnotationDocument, gold: bool) -> list[_Event]:
    """The events of a document in trigger order, their arguments in document order."""
    items = doc.layer(LAYER)
    if not items:
        return []
    entities = doc.layer("entities")
    argument = _GoldMentions(entities).argument if gold else None
    by_id: dict[str | None, Interval] | None = None  # a prediction's arguments: spans only
    out: list[_Event] = []
    for ev in items:
        trigger = (ev.trigger.start, ev.trigger.end)
        etype = ev.type
        args: list[_Arg] = []
        for a in ev.arguments:
            if argument is not None:
                args.append(argument(a, trigger, etype))
            elif a.span is not None:
                args.append((trigger, etype, a.role, (a.span.start, a.span.end), _NOTHING))
            else:
                if by_id is None:
                    by_id = {e.id: (e.span.start, e.span.end)
                             for e in entities if e.id is not None}
                args.append((trigger, etype, a.role, by_id.get(a.mention, NO_SPAN), _NOTHING))
        out.append((trigger, etype, ev.realis or "", args))
    out.sort(key=_TRIGGER_KEY)  # ties are interchangeable: triggers look at nothing else
    return out


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    gold_events = _events(gold, gold=True)
    predicted = _events(pred, gold=False)
    pred_events = kept_predictions(doc, predicted, start=lambda e: e[0][0])
    table = Table(LAYER)
    _score_triggers(table, gold_events, pred_events, len(predicted) - len(pred_events))
    # The argument counts do not depend on the order of the arguments (see _max_matching).
    gold_args = [a for ev in gold_events for a in ev[3]]
    pred_args = [a for ev in pred_events for a in ev[3]]
    ignored_args = sum(len(ev[3]) for ev in predicted) - len(pred_args)
    kept_args = [a for a in pred_args if a[3] == NO_SPAN] + kept_predictions(
        doc, [a for a in pred_args if a[3] != NO_SPAN], start=lambda a: a[3][0])
    ignored_args += len(pred_args) - len(kept_args)
    _score_arguments(table, gold_args, kept_args, ignored_args)
    return table.counts()


def _score_triggers(table: Table, gold: Sequence[_Event], pred: Sequence[_Event],
                    ignored: int) -> None:
    gspans, glabels, grealis, _ = zip(*gold, strict=True) if gold else ((),) * 4
    pspans, plabels, prealis, _ = zip(*pred, strict=True) if pred else ((),) * 4

    def same_type(g: int, p: int) -> int:
        return int(glabels[g] == plabels[p])

    def same_realis(g: int, p: int) -> int:
        return int(grealis[g] == prealis[p])

    def by_type(g: int, p: int) -> tuple[int, ...]:
        return (same_type(g, p), same_realis(g, p))

    def rest(pairs: list[tuple[int, int]], weight: Callable) -> list[tuple[int, int]]:
        """Pairs of overlapping triggers among the items `pairs` left over."""
        if len(pairs) == len(gold) or len(pairs) == len(pred):
            return []  # one side is used up
        used_g = {g for g, _ in pairs}
        used_p = {p for _, p in pairs}
        clusters = overlap_clusters(gspans, pspans,
                                    [g for g in range(len(gold)) if g not in used_g],
                                    [p for p in range(len(pred)) if p not in used_p])
        return solve_clusters(clusters, weight, gspans, pspans)

    identified = match_keys(gspans, pspans, tie=by_type)
    if len(set(gspans)) == len(gspans) and len(set(pspans)) == len(pspans):
        # No trigger twice on a side: the pairs of equal trigger and type are those of
        # equal trigger whose types agree.
        classified = [(g, p) for g, p in identified if glabels[g] == plabels[p]]
    else:
        classified = match_keys(list(zip(gspans, glabels, strict=True)),
                                list(zip(pspans, plabels, strict=True)),
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
    pair_labels = [grealis[g] or None for g, _ in identified]
    agreeing = [(k, k) for k, (g, p) in enumerate(identified) if grealis[g] == prealis[p]]
    table.tally("realis", pair_labels, pair_labels, agreeing, ignored=ignored)


def _score_arguments(table: Table, gold: Sequence[_Arg], pred: Sequence[_Arg],
                     ignored: int) -> None:
    _, g_type, g_role, _, g_accepted = zip(*gold, strict=True) if gold else ((),) * 5
    _, p_type, p_role, p_span, _ = zip(*pred, strict=True) if pred else ((),) * 5
    # Candidates: a predicted span may match the gold arguments whose cluster has it (their
    # own span included, so exact matches are among them). Gold arguments of one cluster
    # share their `accepted` set: index its spans once.
    sharing: dict[int, tuple[AbstractSet[Interval], list[int]]] = {}
    for g, accepted in enumerate(g_accepted):
        entry = sharing.get(id(accepted))
        if entry is None:
            sharing[id(accepted)] = (accepted, [g])
        else:
            entry[1].append(g)
    by_span: dict[Interval, list[int]] = {}
    for accepted, golds in sharing.values():
        for span in accepted:
            known = by_span.get(span)
            by_span[span] = golds if known is None else known + golds
    # The edges of each mode: the event type must agree; the role too for classification;
    # the trigger too when attached; the span itself (a resolved one) unless coreference-aware.
    # The edges of each predicted item stay together (as _max_matching needs).
    id_, cls, id_att, cls_att, id_co, cls_co, id_att_co, cls_att_co = edges = \
        [], [], [], [], [], [], [], []
    for p, golds in enumerate(map(by_span.get, p_span)):
        if golds is None:
            continue
        ptrigger, ptype, prole, span, _ = pred[p]
        resolved = span != NO_SPAN
        for g in golds:
            gtrigger, gtype, grole, gspan, _ = gold[g]
            if gtype != ptype:
                continue
            edge = (g, p)
            own = resolved and gspan == span
            id_co.append(edge)
            if own:
                id_.append(edge)
            if grole == prole:
                cls_co.append(edge)
                if own:
                    cls.append(edge)
                if gtrigger == ptrigger:
                    cls_att_co.append(edge)
                    if own:
                        cls_att.append(edge)
            if gtrigger == ptrigger:
                id_att_co.append(edge)
                if own:
                    id_att.append(edge)
    for k, mode in enumerate(ARGUMENT_BASE):  # each mode, then its coref variant
        glabels, plabels = (g_role, p_role) if k % 2 else (g_type, p_type)
        table.tally(mode, glabels, plabels, _max_matching(edges[k]), ignored=ignored)
        table.tally(f"{mode}_coref", glabels, plabels, _max_matching(edges[k + 4]),
                    ignored=ignored)


def _max_matching(edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A largest one-to-one subset of the (gold, pred) edges, the edges of each predicted
    item being consecutive: a greedy pass, then Kuhn's augmenting paths from the predicted
    items it left unpaired (rarely needed).

    Every edge joins a gold and a predicted argument of the same label (the context that
    must agree includes it), so the counts depend only on how many pairs each connected
    component gets, which every maximum matching gives: which of several mentions a gold
    argument is paired with cannot change a count.
    """
    if len(dict(edges)) == len(edges) == len(set(map(_PRED, edges))):
        return edges  # one-to-one already
    owner: dict[int, int] = {}  # gold item -> the predicted item it is paired with
    left: list[int] = []  # predicted items whose gold items were all taken
    current, paired = -1, True
    for g, p in edges:
        if p != current:
            if not paired:
                left.append(current)
            current, paired = p, False
        if not paired and g not in owner:
            owner[g] = p
            paired = True
    if not paired:
        left.append(current)
    if left and len(owner) < len({g for g, _ in edges}):  # perhaps not the largest yet
        adjacency: dict[int, list[int]] = {}
        for g, p in edges:
            adjacency.setdefault(p, []).append(g)
        for p in left:
            _augment(p, adjacency, owner)
    return list(owner.items())


def _augment(start: int, adjacency: dict[int, list[int]], owner: dict[int, int]) -> None:
    """Pair predicted item `start` along an augmenting path if there is one (depth-first;
    `owner` maps each paired gold item to its predicted item)."""
    seen: set[int] = set()
    preds = [start]  # the path so far: preds[k] reaches preds[k + 1] through via[k]
    via: list[int] = []
    todo = [iter(adjacency[start])]
    while todo:
        for g in todo[-1]:
            if g in seen:
                continue
            seen.add(g)
            p = owner.get(g)
            if p is None:  # a free gold item: shift every pair along the path
                owner[g] = preds[-1]
                for k, h in enumerate(via):
                    owner[h] = preds[k]
                return
            preds.append(p)
            via.append(g)
            todo.append(iter(adjacency[p]))
            break
        else:  # a dead end: back up
            todo.pop()
            preds.pop()
            if via:
                via.pop()
