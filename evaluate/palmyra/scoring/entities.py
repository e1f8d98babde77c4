"""Entity mentions scored in the four modes of SemEval-2013 Task 9.1.

  strict   span and type both equal                       P = COR/ACT, R = COR/POS
  exact    span equal, type ignored                       P = COR/ACT, R = COR/POS
  partial  span equal (COR) or overlapping (PAR, 0.5)     P = (COR + 0.5 PAR)/ACT, ...
  type     overlapping span and equal type                P = COR/ACT, R = COR/POS

POS = COR + INC + PAR + MIS (gold mentions), ACT = COR + INC + PAR + SPU (predictions).
Each mode pairs mentions one-to-one with its own best alignment (palmyra.spans): identical
mentions first, then a maximum-weight assignment of the overlapping leftovers, so reordering
the lists never changes a count (unlike nervaluate, whose matching is greedy in list order).
Per-type rows count recall on the gold mention's type and precision on the predicted one's;
their extra counts (correct, incorrect, partial, missed) follow the gold mention's type,
`spurious` the predicted one's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from operator import itemgetter

from palmyra.annotations import AnnotationDocument
from palmyra.corpus import Document
from palmyra.scoring._common import TOTAL, kept_sorted
from palmyra.spans import lone_pairs, match_keys, overlap, overlap_clusters, solve_clusters
from palmyra.stats import Counts, Tally

LAYER = "entities"
MODES = ("strict", "exact", "partial", "type")

Mention = tuple[int, int, str]  # (start, end, type)
_TYPE = itemgetter(2)
TypePairs = Sequence[tuple[str, str]]  # (gold type, predicted type) of each pair
COR, INC, PAR = "correct", "incorrect", "partial"


def mentions(doc: AnnotationDocument) -> list[Mention]:
    """The entity mentions of a document as (start, end, type), in canonical order."""
    return sorted([(e.span.start, e.span.end, e.type) for e in doc.layer(LAYER)])


def scored_mentions(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document
                    ) -> tuple[list[Mention], list[Mention], int]:
    """The gold mentions, the predicted mentions kept (those in article text) and the number
    ignored, in canonical order, as the entity and BIO layers score them (do not modify the
    lists: the answer for the last documents asked about is kept for the next layer)."""
    last = _last[0]
    if last is not None and last[0] is gold and last[1] is pred and last[2] is doc:
        return last[3]
    predicted = mentions(pred)
    kept = kept_sorted(doc, predicted)
    out = (mentions(gold), kept, len(predicted) - len(kept))
    _last[0] = (gold, pred, doc, out)
    return out


# One tuple, read and replaced whole, so that threads never mix two entries.
_last: list[tuple[AnnotationDocument, AnnotationDocument, Document,
                  tuple[list[Mention], list[Mention], int]] | None] = [None]


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    return _score_sorted(*scored_mentions(gold, pred, doc))


def _unmatched(n: int, pairs: Sequence[tuple], side: int) -> list[int]:
    if not pairs:
        return list(range(n))
    used = {pair[side] for pair in pairs}
    return [i for i in range(n) if i not in used]


def _score_sorted(gold: list[Mention], pred: list[Mention], ignored: int) -> Counts:
    """All four modes for one document's mentions, both lists in canonical order."""
    lone = lone_pairs(gold, pred)
    if lone is not None:
        # The usual case: every chain of overlapping leftovers is one pair at most, so every
        # mode pairs the same mentions, and the pairs with identical spans are exactly the
        # leftovers that exact and partial mode pair first.
        identical, pairs = lone
        retyped = [(g[2], p[2]) for g, p in pairs if g[0] == p[0] and g[1] == p[1]]
        moved = [(g[2], p[2]) for g, p in pairs if g[0] != p[0] or g[1] != p[1]]
        types = retyped + moved
        rows = _Rows(gold, pred, identical, ignored, paired=types)
        rows.emit("strict", incorrect=types)
        rows.emit("exact", correct=retyped, incorrect=moved)
        rows.emit("partial", correct=retyped, partial=moved)
        rows.emit("type", correct=[t for t in types if t[0] == t[1]],
                  incorrect=[t for t in types if t[0] != t[1]])
        return Counts(rows.table)
    typed = match_keys(gold, pred)
    rows = _Rows(gold, pred, [gold[g] for g, _ in typed], ignored)
    g_left = [gold[g] for g in _unmatched(len(gold), typed, 0)]
    p_left = [pred[p] for p in _unmatched(len(pred), typed, 1)]
    if not g_left or not p_left:
        for mode in MODES:
            rows.emit(mode)
        return Counts(rows.table)
    gspans = [(s, e) for s, e, _ in g_left]
    pspans = [(s, e) for s, e, _ in p_left]
    clusters = overlap_clusters(gspans, pspans, range(len(g_left)), range(len(p_left)))
    _emit_solved(rows, g_left, p_left, clusters)
    return Counts(rows.table)


def _emit_solved(rows: _Rows, g_left: list[Mention], p_left: list[Mention],
                 clusters: list) -> None:
    """The four modes' rows in general (some chain of overlapping leftovers holds more than
    one mention on a side, or a span is empty): each mode solves its own best pairing (so
    modes may match different pairs, and the rows are built without `paired`)."""
    gspans = [(s, e) for s, e, _ in g_left]
    pspans = [(s, e) for s, e, _ in p_left]

    def same_type(g: int, p: int) -> int:
        return int(g_left[g][2] == p_left[p][2])

    def ov(g: int, p: int) -> int:
        return overlap(gspans[g], pspans[p])

    def types_of(pairs: list[tuple[int, int]]) -> list[tuple[str, str]]:
        return [(g_left[g][2], p_left[p][2]) for g, p in pairs]

    strict_rest = solve_clusters(clusters, lambda g, p: (1, ov(g, p)), gspans, pspans)
    type_rest = solve_clusters(clusters, lambda g, p: (same_type(g, p), 1, ov(g, p)),
                               gspans, pspans)
    # Exact and partial mode: leftovers with identical spans (necessarily of different
    # types, so any pairing counts the same) are COR, then the overlapping rest.
    retyped = match_keys(gspans, pspans, tie=lambda g, p: (same_type(g, p),))
    if retyped:
        clusters = overlap_clusters(gspans, pspans, _unmatched(len(g_left), retyped, 0),
                                    _unmatched(len(p_left), retyped, 1))
    span_rest = solve_clusters(clusters, lambda g, p: (1, ov(g, p), same_type(g, p)),
                               gspans, pspans)
    rows.emit("strict", incorrect=types_of(strict_rest))
    rows.emit("exact", correct=types_of(retyped), incorrect=types_of(span_rest))
    rows.emit("partial", correct=types_of(retyped), partial=types_of(span_rest))
    typed = types_of(type_rest)
    rows.emit("type", correct=[t for t in typed if t[0] == t[1]],
              incorrect=[t for t in typed if t[0] != t[1]])


class _Rows:
    """The SemEval-2013 rows of every mode: COR, INC, PAR and MIS on the gold type, SPU on
    the predicted type; P and R with half credit for PAR (only partial mode has PAR).

    Identical mentions are COR in every mode: they make a base row per type, copied for each
    mode, which then adds its other pairs (usually few). When every mode matches the same
    pairs (`paired`, as (gold type, predicted type)), they come off MIS and SPU in the base
    rows once, and each mode's `emit` only sorts those pairs into COR, INC and PAR.
    """

    def __init__(self, gold: Sequence[Mention], pred: Sequence[Mention],
                 identical: Sequence[Mention], ignored: int, paired: TypePairs = ()):
        self.table: dict[tuple[str, str, str], Tally] = {}
        n_gold = Counter(map(_TYPE, gold))
        n_pred = Counter(map(_TYPE, pred))
        same = Counter(map(_TYPE, identical))
        base = self.base = {TOTAL: _row(len(identical), len(gold), len(pred))}
        base[TOTAL]["ignored"] = float(ignored)
        for label in sorted(n_gold.keys() | n_pred.keys()):
            base[label] = _row(same[label], n_gold[label], n_pred[label])
        self.classify_only = bool(paired)
        if paired:
            n = len(paired)
            base[TOTAL]["missed"] -= n
            base[TOTAL]["spurious"] -= n
            for g, p in paired:
                base[g]["missed"] -= 1
                base[p]["spurious"] -= 1

    def emit(self, mode: str, correct: TypePairs = (), incorrect: TypePairs = (),
             partial: TypePairs = ()) -> None:
        """The rows of one mode: the base rows plus its other pairs, given as the (gold type,
        predicted type) of each pair."""
        rows = {label: row.copy() for label, row in self.base.items()}
        total = rows[TOTAL]
        for kind, credit, pairs in ((COR, 1.0, correct), (INC, 0.0, incorrect),
                                    (PAR, 0.5, partial)):
            if not pairs:
                continue
            n = len(pairs)
            total[kind] += n
            if credit:  # adding 0.0 would change nothing
                total["r_num"] += credit * n
                total["p_num"] += credit * n
                for g, p in pairs:
                    row = rows[g]
                    row[kind] += 1
                    row["r_num"] += credit
                    rows[p]["p_num"] += credit
            else:
                for g, _ in pairs:
                    rows[g][kind] += 1
            if not self.classify_only:
                total["missed"] -= n
                total["spurious"] -= n
                for g, p in pairs:
                    rows[g]["missed"] -= 1
                    rows[p]["spurious"] -= 1
        table = self.table
        for label, row in rows.items():
            table[(LAYER, mode, label)] = row


def _row(correct: int, n_gold: int, n_pred: int) -> Tally:
    return {"p_num": float(correct), "p_den": float(n_pred),
            "r_num": float(correct), "r_den": float(n_gold), "correct": float(correct),
            "incorrect": 0.0, "partial": 0.0, "missed": float(n_gold - correct),
            "spurious": float(n_pred - correct)}
