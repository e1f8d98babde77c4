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

from palmyra.annotations import AnnotationDocument
from palmyra.corpus import Document
from palmyra.scoring._common import TOTAL, Table, zone_filter
from palmyra.spans import match_keys, match_overlaps, overlap
from palmyra.stats import Counts

LAYER = "entities"
MODES = ("strict", "exact", "partial", "type")

Mention = tuple[int, int, str]  # (start, end, type)
Pairs = list[tuple[int, int]]


def mentions(doc: AnnotationDocument) -> list[Mention]:
    """The entity mentions of a document as (start, end, type), in canonical order."""
    return sorted((e.span.start, e.span.end, e.type) for e in doc.layer(LAYER))


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    keep = zone_filter(doc)
    predicted = mentions(pred)
    kept = [m for m in predicted if keep(m[0])]
    return score_mentions(mentions(gold), kept, ignored=len(predicted) - len(kept))


def _unmatched(n: int, pairs: Pairs, side: int) -> list[int]:
    if not pairs:
        return list(range(n))
    used = {pair[side] for pair in pairs}
    return [i for i in range(n) if i not in used]


def score_mentions(gold: Sequence[Mention], pred: Sequence[Mention], ignored: int = 0
                   ) -> Counts:
    """All four modes for one document's (start, end, type) mentions."""
    gold, pred = sorted(gold), sorted(pred)
    gspans = [(s, e) for s, e, _ in gold]
    pspans = [(s, e) for s, e, _ in pred]

    def same_type(g: int, p: int) -> int:
        return int(gold[g][2] == pred[p][2])

    def ov(g: int, p: int) -> int:
        return overlap(gspans[g], pspans[p])

    # Identical mentions (span and type) are COR in strict and type mode.
    typed = match_keys(gold, pred)
    g_left, p_left = _unmatched(len(gold), typed, 0), _unmatched(len(pred), typed, 1)
    strict_rest = match_overlaps(gspans, pspans, g_left, p_left, lambda g, p: (1, ov(g, p)))
    type_rest = match_overlaps(gspans, pspans, g_left, p_left,
                               lambda g, p: (same_type(g, p), 1, ov(g, p)))
    # Identical spans are COR in exact and partial mode; among several, same type first.
    spans = match_keys(gspans, pspans, tie=lambda g, p: (same_type(g, p),))
    g_left, p_left = _unmatched(len(gold), spans, 0), _unmatched(len(pred), spans, 1)
    span_rest = match_overlaps(gspans, pspans, g_left, p_left,
                               lambda g, p: (1, ov(g, p), same_type(g, p)))

    table = Table(LAYER)
    glabels = [m[2] for m in gold]
    plabels = [m[2] for m in pred]
    _emit(table, "strict", glabels, plabels, typed, strict_rest, [], ignored)
    _emit(table, "exact", glabels, plabels, spans, span_rest, [], ignored)
    _emit(table, "partial", glabels, plabels, spans, [], span_rest, ignored)
    _emit(table, "type", glabels, plabels, typed + [x for x in type_rest if same_type(*x)],
          [x for x in type_rest if not same_type(*x)], [], ignored)
    return table.counts()


def _emit(table: Table, mode: str, glabels: Sequence[str], plabels: Sequence[str],
          correct: Pairs, incorrect: Pairs, partial: Pairs, ignored: int) -> None:
    """The SemEval-2013 rows of one mode: COR, INC, PAR by gold type; MIS on the gold type,
    SPU on the predicted type; P and R with half credit for PAR."""
    gold_all, pred_all = Counter(glabels), Counter(plabels)
    cor_g = Counter([glabels[g] for g, _ in correct])
    cor_p = Counter([plabels[p] for _, p in correct])
    inc_g = Counter([glabels[g] for g, _ in incorrect])
    inc_p = Counter([plabels[p] for _, p in incorrect])
    par_g = Counter([glabels[g] for g, _ in partial])
    par_p = Counter([plabels[p] for _, p in partial])
    matched = len(correct) + len(incorrect) + len(partial)
    table.rows[(mode, TOTAL)] = _row(
        len(correct), len(incorrect), len(partial), len(glabels) - matched,
        len(plabels) - matched, len(correct) + 0.5 * len(partial), len(plabels),
        len(correct) + 0.5 * len(partial), len(glabels), ignored=float(ignored))
    for label in sorted(gold_all.keys() | pred_all.keys()):
        cg, ig, pg, n_gold = cor_g[label], inc_g[label], par_g[label], gold_all[label]
        cp, ip, pp, n_pred = cor_p[label], inc_p[label], par_p[label], pred_all[label]
        table.rows[(mode, label)] = _row(cg, ig, pg, n_gold - cg - ig - pg,
                                         n_pred - cp - ip - pp, cp + 0.5 * pp, n_pred,
                                         cg + 0.5 * pg, n_gold)


def _row(correct: int, incorrect: int, partial: int, missed: int, spurious: int,
         p_num: float, p_den: int, r_num: float, r_den: int, **extra: float) -> dict[str, float]:
    return {"p_num": float(p_num), "p_den": float(p_den), "r_num": float(r_num),
            "r_den": float(r_den), **extra, "correct": float(correct),
            "incorrect": float(incorrect), "partial": float(partial), "missed": float(missed),
            "spurious": float(spurious)}
