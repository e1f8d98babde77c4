"""Numbers: span detection, then the normalized fields of the matched spans.

Span modes (one-to-one; labels are number kinds: recall on the gold kind, precision on the
predicted kind)
  span_exact     offsets equal
  span_overlap   spans share a character (identical spans paired first, then the most pairs,
                 then the larger overlaps)
Field modes, on the pairs of span_overlap. They count p_num = r_num = pairs whose field
agrees, p_den = predicted numbers, r_den = gold numbers, so each reads as an F1 over the
field: an unmatched number never agrees.
  value_exact    value equal
  value          value within a relative tolerance of 1e-6 of the gold value
  value_tol5     value within 5% of the gold value
  bounds         low and high both equal (relative tolerance 1e-6)
  qualifier, unit, kind, timex   equal strings
  full           on the pairs of span_exact: kind, value, bounds, qualifier and unit agree
A field that is absent (or null) on both sides agrees: stating no unit for a count is right.
Tolerances are relative to the gold value, so a gold 0 needs a predicted 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from palmyra.annotations import AnnotationDocument, Number
from palmyra.corpus import Document
from palmyra.scoring._common import Table, kept_predictions
from palmyra.spans import align, overlap
from palmyra.stats import Counts

LAYER = "numbers"
SPAN_MODES = ("span_exact", "span_overlap")
FIELD_MODES = ("value_exact", "value", "value_tol5", "bounds", "qualifier", "unit", "kind",
               "timex")
MODES = (*SPAN_MODES, *FIELD_MODES, "full")
TOLERANCE = 1e-6
LOOSE_TOLERANCE = 0.05


class _Num(NamedTuple):
    start: int
    end: int
    kind: str
    value: float | None
    low: float | None
    high: float | None
    qualifier: str | None
    unit: str | None
    timex: str | None


def _num(n: Number) -> _Num:
    return _Num(n.span.start, n.span.end, n.kind, n.value, n.low, n.high, n.qualifier, n.unit,
                n.timex)


def _order(n: _Num) -> tuple:
    # None sorts before every value, and never meets a float in a comparison.
    return tuple((x is not None, x if x is not None else 0) for x in n)


def close(gold: float | None, pred: float | None, tolerance: float) -> bool:
    """Does `pred` agree with `gold` within a relative tolerance (absent agrees with absent)?"""
    if gold is None or pred is None:
        return gold is None and pred is None
    return abs(pred - gold) <= tolerance * abs(gold)


def _bounds(g: _Num, p: _Num) -> bool:
    return close(g.low, p.low, TOLERANCE) and close(g.high, p.high, TOLERANCE)


FIELDS: dict[str, Callable[[_Num, _Num], bool]] = {
    "value_exact": lambda g, p: close(g.value, p.value, 0.0),
    "value": lambda g, p: close(g.value, p.value, TOLERANCE),
    "value_tol5": lambda g, p: close(g.value, p.value, LOOSE_TOLERANCE),
    "bounds": _bounds,
    "qualifier": lambda g, p: g.qualifier == p.qualifier,
    "unit": lambda g, p: g.unit == p.unit,
    "kind": lambda g, p: g.kind == p.kind,
    "timex": lambda g, p: g.timex == p.timex,
}
_FULL = ("kind", "value", "bounds", "qualifier", "unit")
_TIE = ("kind", "value", "bounds", "qualifier", "unit", "timex")


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    gold_nums = sorted((_num(n) for n in gold.layer(LAYER)), key=_order)
    predicted = [_num(n) for n in pred.layer(LAYER)]
    pred_nums = sorted(kept_predictions(doc, predicted), key=_order)
    return _score(gold_nums, pred_nums, len(predicted) - len(pred_nums))


def _score(gold: Sequence[_Num], pred: Sequence[_Num], ignored: int) -> Counts:
    gspans = [(n.start, n.end) for n in gold]
    pspans = [(n.start, n.end) for n in pred]

    def agree(g: int, p: int) -> tuple[int, ...]:
        return (sum(FIELDS[f](gold[g], pred[p]) for f in _TIE),)

    exact = align(gspans, pspans, tie=agree)
    loose = align(gspans, pspans, tie=agree, gold_spans=gspans, pred_spans=pspans,
                  weight=lambda g, p: (1, overlap(gspans[g], pspans[p]), *agree(g, p)))
    table = Table(LAYER)
    glabels = [n.kind for n in gold]
    plabels = [n.kind for n in pred]
    table.tally("span_exact", glabels, plabels, exact.pairs, ignored=ignored)
    table.tally("span_overlap", glabels, plabels, loose.pairs, ignored=ignored)
    for mode, same in FIELDS.items():
        pairs = [(g, p) for g, p in loose.pairs if same(gold[g], pred[p])]
        table.tally(mode, glabels, plabels, pairs, ignored=ignored)
    full = [(g, p) for g, p in exact.pairs if all(FIELDS[f](gold[g], pred[p]) for f in _FULL)]
    table.tally("full", glabels, plabels, full, ignored=ignored)
    return table.counts()
