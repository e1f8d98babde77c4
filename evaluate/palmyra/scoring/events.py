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

from palmyra.annotations import AnnotationDocument, Entity, Event
from palmyra.corpus import Document
from palmyra.scoring._common import ModeCounts, kept_predictions, label_rows, mode_rows
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

NO_SPAN: Interval = (-1, -1)  # an argument whose mention id names no mention: never matches

# Plain tuples, cheaper to build than named ones: an argument is (trigger, event type, role,
# span, accepted), `accepted` (gold only) being the spans a prediction may have to match it
# (one set shared by the arguments of an entity cluster); an event is (trigger, type, realis,
# arguments).
_Arg = tuple[Interval, str, str, Interval, AbstractSet[Interval]]
_Event = tuple[Interval, str, str, list[_Arg]]
_Pairs = list[tuple[int, int]]

_NOTHING: frozenset[Interval] = frozenset()


def _events(doc: AnnotationDocument, gold: bool) -> list[_Event]:
    """The events of a document in trigger order, their arguments in document order."""
    items = doc.layer(LAYER)
    if not items:
        return []
    entities = doc.layer("entities")
    out = _gold_events(items, entities) if gold else _predicted_events(items, entities)
    out.sort(key=_TRIGGER_KEY)  # ties are interchangeable: triggers look at nothing else
    return out


def _gold_events(items: Sequence[Event], entities: Sequence[Entity]) -> list[_Event]:
    """Gold events, each argument with the spans that a prediction may have to match it:
    the spans of every mention of its entity cluster, its own included (an argument whose
    mention has no cluster: the spans of the clusters that have its span)."""
    by_id: dict[str | None, Entity] = {e.id: e for e in entities}
    by_id.pop(None, None)  # an argument without a mention id names no mention
    members: dict[str, set[Interval]] = {}  # cluster -> the spans of its mentions
    for e in entities:
        cluster = e.cluster
        if cluster is not None:
            s = e.span
            spans = members.get(cluster)
            if spans is None:
                members[cluster] = {(s.start, s.end)}
            else:
                spans.add((s.start, s.end))
    at_span: dict[Interval, set[Interval]] = {}  # accepted without a cluster, by position
    out: list[_Event] = []
    for ev in items:
        trigger = (ev.trigger.start, ev.trigger.end)
        etype = ev.type
        args: list[_Arg] = []
        for a in ev.arguments:
            known = by_id.get(a.mention)
            given = a.span
            if given is not None:
                span = (given.start, given.end)
            elif known is not None:
                span = (known.span.start, known.span.end)
            else:
                args.append((trigger, etype, a.role, NO_SPAN, _NOTHING))
                continue
            if known is None or known.cluster is None:  # no cluster by id: those at the span
                accepted = at_span.get(span)
                if accepted is None:
                    accepted = at_span[span] = {span}.union(
                        *(spans for spans in members.values() if span in spans))
            else:
                accepted = members[known.cluster]
                if given is not None and span not in accepted:  # not a span of its cluster
                    accepted = accepted | {span}
            args.append((trigger, etype, a.role, span, accepted))
        out.append((trigger, etype, ev.realis or "", args))
    return out


def _predicted_events(items: Sequence[Event], entities: Sequence[Entity]) -> list[_Event]:
    """Predicted events, their arguments with spans only."""
    by_id: dict[str | None, Interval] | None = None
    out: list[_Event] = []
    for ev in items:
        trigger = (ev.trigger.start, ev.trigger.end)
        etype = ev.type
        args: list[_Arg] = []
        for a in ev.arguments:
            given = a.span
            if given is not None:
                span = (given.start, given.end)
            else:
                if by_id is None:
                    by_id = {e.id: (e.span.start, e.span.end)
                             for e in entities if e.id is not None}
                span = by_id.get(a.mention, NO_SPAN)
            args.append((trigger, etype, a.role, span, _NOTHING))
        out.append((trigger, etype, ev.realis or "", args))
    return out


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    gold_events = _events(gold, gold=True)
    predicted = _events(pred, gold=False)
    pred_events = kept_predictions(doc, predicted, start=lambda e: e[0][0])
    modes = _score_triggers(gold_events, pred_events, len(predicted) - len(pred_events))
    # The argument counts do not depend on the order of the arguments (see _max_matching).
    gold_args = [a for ev in gold_events for a in ev[3]]
    pred_args = [a for ev in pred_events for a in ev[3]]
    unresolved = [a for a in pred_args if a[3] == NO_SPAN]  # no position: never ignored
    kept_args = unresolved + kept_predictions(
        doc, [a for a in pred_args if a[3] != NO_SPAN] if unresolved else pred_args,
        start=lambda a: a[3][0])
    ignored_args = sum(len(ev[3]) for ev in predicted) - len(kept_args)
    modes += _score_arguments(gold_args, kept_args, ignored_args)
    return mode_rows(LAYER, modes)


def _score_triggers(gold: Sequence[_Event], pred: Sequence[_Event], ignored: int
                    ) -> list[ModeCounts]:
    gspans, glabels, grealis, _ = zip(*gold, strict=True) if gold else ((),) * 4
    pspans, plabels, prealis, _ = zip(*pred, strict=True) if pred else ((),) * 4

    def same_type(g: int, p: int) -> int:
        return int(glabels[g] == plabels[p])

    def same_realis(g: int, p: int) -> int:
        return int(grealis[g] == prealis[p])

    def by_type(g: int, p: int) -> tuple[int, ...]:
        return (same_type(g, p), same_realis(g, p))

    def rest(pairs: _Pairs, weight: Callable, typed: bool) -> _Pairs:
        """Pairs of overlapping triggers among the items `pairs` left over (of one event
        type if `typed`: the weight is None otherwise)."""
        if len(pairs) == len(gold) or len(pairs) == len(pred):
            return []  # one side is used up
        used_g = {g for g, _ in pairs}
        used_p = {p for _, p in pairs}
        gold_left = [g for g in range(len(gold)) if g not in used_g]
        pred_left = [p for p in range(len(pred)) if p not in used_p]
        if typed and {glabels[g] for g in gold_left}.isdisjoint([plabels[p] for p in pred_left]):
            return []  # no event type left on both sides
        clusters = overlap_clusters(gspans, pspans, gold_left, pred_left)
        return solve_clusters(clusters, weight, gspans, pspans)

    if len(set(gspans)) == len(gspans) and len(set(pspans)) == len(pspans):
        # No trigger twice on a side: a dictionary join, and the pairs of equal trigger and
        # type are those of equal trigger whose types agree.
        at = {span: p for p, span in enumerate(pspans)}
        identified = [(g, at[span]) for g, span in enumerate(gspans) if span in at]
        classified = [(g, p) for g, p in identified if glabels[g] == plabels[p]]
    else:
        identified = match_keys(gspans, pspans, tie=by_type)
        classified = match_keys(list(zip(gspans, glabels, strict=True)),
                                list(zip(pspans, plabels, strict=True)),
                                tie=lambda g, p: (same_realis(g, p),))
    found_r, found_p = _by_labels(identified, glabels, plabels)
    typed = _by_label(classified, glabels)  # the types of a pair agree
    more = rest(identified, lambda g, p: (1, overlap(gspans[g], pspans[p]), *by_type(g, p)),
                typed=False)
    near_r, near_p = _by_labels(identified + more, glabels, plabels) if more else (
        found_r, found_p)
    more_typed = rest(classified, lambda g, p: (
        1, overlap(gspans[g], pspans[p]), same_realis(g, p)) if same_type(g, p) else None,
        typed=True)
    near_typed = _by_label(classified + more_typed, glabels) if more_typed else typed
    types = label_rows(glabels, plabels)
    out: list[ModeCounts] = [
        ("trigger_identification", types, found_r, found_p, len(identified), ignored),
        ("trigger_classification", types, typed, typed, len(classified), ignored),
        ("trigger_identification_overlap", types, near_r, near_p,
         len(identified) + len(more), ignored),
        ("trigger_classification_overlap", types, near_typed, near_typed,
         len(classified) + len(more_typed), ignored)]
    # realis: agreement on the pairs of trigger identification, by the gold realis (the
    # pairs are both the gold and the predicted items).
    rows: dict[str | None, dict[str, float]] = {}
    agreeing: dict[str | None, float] = {}
    for g, p in identified:
        label = grealis[g] or None
        row = rows.get(label)
        if row is None:
            rows[label] = {"p_num": 0.0, "p_den": 1.0, "r_num": 0.0, "r_den": 1.0}
        else:
            row["p_den"] += 1.0
            row["r_den"] += 1.0
        if grealis[g] == prealis[p]:
            agreeing[label] = agreeing.get(label, 0.0) + 1.0
    n = float(len(identified))
    out.append(("realis", (rows, n, n), agreeing, agreeing, sum(agreeing.values()), ignored))
    return out


def _score_arguments(gold: Sequence[_Arg], pred: Sequence[_Arg], ignored: int
                     ) -> list[ModeCounts]:
    _, g_type, g_role, _, _ = zip(*gold, strict=True) if gold else ((),) * 5
    _, p_type, p_role, _, _ = zip(*pred, strict=True) if pred else ((),) * 5
    # Candidates: a predicted span may match the gold arguments of its event type whose
    # cluster has it (their own span included, so exact matches are among them). Gold
    # arguments of one cluster share their `accepted` set: test it once per event type.
    sharing: dict[tuple[str, int], list[int]] = {}
    by_type: dict[str, list[tuple[AbstractSet[Interval], list[int]]]] = {}
    for g, (_, gtype, _, _, accepted) in enumerate(gold):
        key = (gtype, id(accepted))
        golds = sharing.get(key)
        if golds is not None:
            golds.append(g)
        elif accepted:
            golds = sharing[key] = [g]
            groups = by_type.get(gtype)
            if groups is None:
                by_type[gtype] = [(accepted, golds)]
            else:
                groups.append((accepted, golds))
    # The edges of each mode: the role must agree for classification; the trigger too when
    # attached; the span itself (a resolved one) unless coreference-aware. The edges of each
    # predicted item stay together (as _greedy and _max_matching need).
    id_, cls, id_att, cls_att, id_co, cls_co, id_att_co, cls_att_co = edges = \
        [], [], [], [], [], [], [], []
    keyed = True  # no predicted span in two `accepted` sets of its event type
    for p, (ptrigger, ptype, prole, span, _) in enumerate(pred):
        candidates = None
        for accepted, golds in by_type.get(ptype, ()):
            if span in accepted:
                if candidates is None:
                    candidates = golds
                else:
                    candidates = candidates + golds
                    keyed = False
        if candidates is None:
            continue
        resolved = span != NO_SPAN
        for g in candidates:
            gtrigger, _, grole, gspan, _ = gold[g]
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
    # An exact edge joins items of equal (span, context) keys; with `keyed`, a coreference
    # edge joins items of equal (accepted set, context) keys: either way each connected
    # component is complete, where the greedy pass pairs as many items as can be.
    matched: list[dict[str | None, float]] = []
    for k, found in enumerate(edges):
        labels = g_role if k % 2 else g_type
        if k % 4 > 1 and found == edges[k - 2]:  # attached: often the edges of plain
            matched.append(matched[k - 2])
        elif keyed or k < 4:
            matched.append(_greedy(found, labels))
        else:
            matched.append(_by_label(_max_matching(found), labels))
    types, roles = label_rows(g_type, p_type), label_rows(g_role, p_role)
    out: list[ModeCounts] = []
    for k, mode in enumerate(ARGUMENT_BASE):  # each mode, then its coref variant
        space = roles if k % 2 else types
        for name, found in ((mode, matched[k]), (f"{mode}_coref", matched[k + 4])):
            out.append((name, space, found, found, sum(found.values()), ignored))
    return out


def _greedy(edges: _Pairs, labels: Sequence[str | None]) -> dict[str | None, float]:
    """How many pairs of each (gold) label the greedy pass makes: each predicted item paired
    with its first gold item not taken yet, the edges of each predicted item being
    consecutive. It pairs as many items as can be when every connected component is
    complete bipartite (any gold and predicted item of it are joined)."""
    taken: set[int] = set()
    matched: dict[str | None, float] = {}
    last = -1  # the last predicted item paired
    for g, p in edges:
        if p != last and g not in taken:
            taken.add(g)
            last = p
            label = labels[g]
            matched[label] = matched.get(label, 0.0) + 1.0
    return matched


def _by_label(pairs: _Pairs, labels: Sequence[str | None]) -> dict[str | None, float]:
    """How many pairs of each (gold) label."""
    matched: dict[str | None, float] = {}
    for g, _ in pairs:
        label = labels[g]
        matched[label] = matched.get(label, 0.0) + 1.0
    return matched


def _by_labels(pairs: _Pairs, gold_labels: Sequence[str | None],
               pred_labels: Sequence[str | None]
               ) -> tuple[dict[str | None, float], dict[str | None, float]]:
    """How many pairs of each gold label, and of each predicted label."""
    by_gold: dict[str | None, float] = {}
    by_pred: dict[str | None, float] = {}
    for g, p in pairs:
        label = gold_labels[g]
        by_gold[label] = by_gold.get(label, 0.0) + 1.0
        label = pred_labels[p]
        by_pred[label] = by_pred.get(label, 0.0) + 1.0
    return by_gold, by_pred


def _max_matching(edges: _Pairs) -> _Pairs:
    """A largest one-to-one subset of the (gold, pred) edges, the edges of each predicted
    item being consecutive: a greedy pass, then Kuhn's augmenting paths from the predicted
    items it left unpaired (needed only where a predicted span lies in two `accepted` sets).

    Every edge joins a gold and a predicted argument of the same label (the context that
    must agree includes it), so the counts depend only on how many pairs each connected
    component gets, which every maximum matching gives: which of several mentions a gold
    argument is paired with cannot change a count.
    """
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
