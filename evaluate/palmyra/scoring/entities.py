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
from palmyra.spans import match_keys, overlap, overlap_clusters, solve_clusters
from palmyra.stats import Counts

LAYER = "entities"
MODES = ("strict", "exact", "partial", "type")

Mention = tuple[int, int, str]  # (start, end, type)
Pairs = list[tuple[int, int]]


def mentions(doc: AnnotationDocument) -> list[Mention]:
    """The entity mentions of a document as (start, end, type), in canonical order."""
    return sorted([(e.span.start, e.span.end, e.type) for e in doc.layer(LAYER)])


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


COR, INC, PAR = 0, 1, 2


def score_mentions(gold: Sequence[Mention], pred: Sequence[Mention], ignored: int = 0
                   ) -> Counts:
    """All four modes for one document's (start, end, type) mentions."""
    gold, pred = sorted(gold), sorted(pred)
    gspans = [(s, e) for s, e, _ in gold]
    pspans = [(s, e) for s, e, _ in pred]
    glabels = [m[2] for m in gold]
    plabels = [m[2] for m in pred]

    def same_type(g: int, p: int) -> int:
        return int(glabels[g] == plabels[p])

    def ov(g: int, p: int) -> int:
        return overlap(gspans[g], pspans[p])

    # Identical mentions (span and type) are COR in strict and type mode; the rest overlap.
    typed = match_keys(gold, pred)
    g_left, p_left = _unmatched(len(gold), typed, 0), _unmatched(len(pred), typed, 1)
    clusters = overlap_clusters(gspans, pspans, g_left, p_left)
    strict_rest = solve_clusters(clusters, lambda g, p: (1, ov(g, p)), gspans, pspans)
    type_rest = solve_clusters(clusters, lambda g, p: (same_type(g, p), 1, ov(g, p)),
                               gspans, pspans)
    # Identical spans are COR in exact and partial mode; among several, same type first.
    spans = match_keys(gspans, pspans, tie=lambda g, p: (same_type(g, p),))
    if len(spans) != len(typed):
        g_left, p_left = _unmatched(len(gold), spans, 0), _unmatched(len(pred), spans, 1)
        clusters = overlap_clusters(gspans, pspans, g_left, p_left)
    span_rest = solve_clusters(clusters, lambda g, p: (1, ov(g, p), same_type(g, p)),
                               gspans, pspans)

    table = Table(LAYER)
    emit = _Emitter(table, glabels, plabels, typed, ignored)
    emit("strict", [(g, p, INC) for g, p in strict_rest])
    extra_cor = [(g, p, COR) for g, p in spans if glabels[g] != plabels[p]]
    emit("exact", extra_cor + [(g, p, INC) for g, p in span_rest])
    emit("partial", extra_cor + [(g, p, PAR) for g, p in span_rest])
    emit("type", [(g, p, COR if glabels[g] == plabels[p] else INC) for g, p in type_rest])
    return table.counts()


class _Emitter:
    """Writes the SemEval-2013 rows of a mode: COR, INC, PAR on the gold type, MIS on the
    gold type, SPU on the predicted type; P and R with half credit for PAR (0 in the other
    modes, which have none).

    The identical mentions are COR in every mode; they are counted once, and each mode adds
    its other pairs (`outcomes`).
    """

    def __init__(self, table: Table, glabels: Sequence[str], plabels: Sequence[str],
                 identical: Pairs, ignored: int):
        self.table, self.glabels, self.plabels = table, glabels, plabels
        self.ignored = float(ignored)
        self.n_gold = Counter(glabels)
        self.n_pred = Counter(plabels)
        same = Counter([glabels[g] for g, _ in identical])
        self.base = {label: [same[label], 0, 0, same[label], 0, 0]
                     for label in sorted(self.n_gold.keys() | self.n_pred.keys())}
        self.n_identical = len(identical)

    def __call__(self, mode: str, outcomes: list[tuple[int, int, int]]) -> None:
        glabels, plabels = self.glabels, self.plabels
        per = {label: counts[:] for label, counts in self.base.items()}
        total = [self.n_identical, 0, 0]
        for g, p, kind in outcomes:
            per[glabels[g]][kind] += 1
            per[plabels[p]][kind + 3] += 1
            total[kind] += 1
        rows = self.table.rows
        rows[(mode, TOTAL)] = _row(*total, *total, len(glabels), len(plabels))
        rows[(mode, TOTAL)]["ignored"] = self.ignored
        n_gold, n_pred = self.n_gold, self.n_pred
        for label, (cg, ig, pg, cp, ip, pp) in per.items():
            ng, np_ = n_gold[label], n_pred[label]
            rows[(mode, label)] = {
                "p_num": cp + 0.5 * pp, "p_den": np_, "r_num": cg + 0.5 * pg, "r_den": ng,
                "correct": cg, "incorrect": ig, "partial": pg, "missed": ng - cg - ig - pg,
                "spurious": np_ - cp - ip - pp}


def _row(cor: int, inc: int, par: int, cor_p: int, inc_p: int, par_p: int, n_gold: int,
         n_pred: int) -> dict[str, float]:
    """One row from the COR/INC/PAR counts on the gold side and on the predicted side."""
    return {"p_num": cor_p + 0.5 * par_p, "p_den": n_pred, "r_num": cor + 0.5 * par,
            "r_den": n_gold, "correct": cor, "incorrect": inc, "partial": par,
            "missed": n_gold - cor - inc - par, "spurious": n_pred - cor_p - inc_p - par_p}
