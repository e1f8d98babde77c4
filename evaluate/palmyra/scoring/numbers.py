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

from collections.abc import Iterable, Sequence
from operator import attrgetter, itemgetter
from typing import NamedTuple

from palmyra.annotations import AnnotationDocument, Number
from palmyra.corpus import Document
from palmyra.scoring._common import ModeCounts, kept_predictions, label_rows, mode_rows
from palmyra.spans import match_keys, match_overlaps, overlap
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


_fields_of = attrgetter("span.start", "span.end", *_Num._fields[2:])
_span = itemgetter(0, 1)  # (start, end) of a _Num
_kind = itemgetter(2)


def _nums(numbers: Iterable[Number]) -> list[_Num]:
    # tuple.__new__ with a getter of all fields: no Python-level call per number.
    return [tuple.__new__(_Num, fields) for fields in map(_fields_of, numbers)]


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


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    gold_nums = _sorted(_nums(gold.layer(LAYER)))
    predicted = _nums(pred.layer(LAYER))
    pred_nums = _sorted(kept_predictions(doc, predicted))
    return _score(gold_nums, pred_nums, len(predicted) - len(pred_nums))


def _sorted(nums: list[_Num]) -> list[_Num]:
    """`nums` sorted by _order. When no two numbers share a span, the offsets alone decide
    and plain tuple comparison stops at them: the same order without a key per number."""
    if len(set(map(_span, nums))) == len(nums):
        try:
            return sorted(nums)
        except TypeError:  # an offset of None: only _order compares it with numbers
            pass
    return sorted(nums, key=_order)


def _agreement(g: _Num, p: _Num) -> tuple[bool, ...]:
    """Whether each field agrees, in FIELD_MODES order: the value exactly, within TOLERANCE
    and within LOOSE_TOLERANCE of the gold value (the comparisons of `close`, the value read
    once), the bounds (`_bounds`), then qualifier, unit, kind and timex equal."""
    gv, pv = g.value, p.value
    if gv is None or pv is None:
        exact = near = loose = gv is None and pv is None
    else:
        diff, size = abs(pv - gv), abs(gv)
        exact = diff <= 0.0 * size
        near = diff <= TOLERANCE * size
        loose = diff <= LOOSE_TOLERANCE * size
    if g.low is None and g.high is None and p.low is None and p.high is None:
        bounds = True  # what _bounds says, without its calls to `close`
    else:
        bounds = _bounds(g, p)
    return (exact, near, loose, bounds, g.qualifier == p.qualifier, g.unit == p.unit,
            g.kind == p.kind, g.timex == p.timex)


# Positions in an _agreement tuple.
_VALUE, _BOUNDS, _QUALIFIER, _UNIT, _KIND, _TIMEX = 1, 3, 4, 5, 6, 7


def _score(gold: Sequence[_Num], pred: Sequence[_Num], ignored: int) -> Counts:
    gspans = list(map(_span, gold))
    pspans = list(map(_span, pred))

    def agree(g: int, p: int) -> tuple[int, ...]:  # how many of these fields agree (a tie)
        a = _agreement(gold[g], pred[p])
        return (a[_KIND] + a[_VALUE] + a[_BOUNDS] + a[_QUALIFIER] + a[_UNIT] + a[_TIMEX],)

    # span_overlap pairs identical spans exactly as span_exact does (the same keys and tie),
    # then the numbers left on both sides by overlap.
    exact = match_keys(gspans, pspans, agree)
    loose = exact
    if len(exact) < min(len(gspans), len(pspans)):
        gold_done = {g for g, _ in exact}
        pred_done = {p for _, p in exact}
        loose = sorted(exact + match_overlaps(
            gspans, pspans, [g for g in range(len(gspans)) if g not in gold_done],
            [p for p in range(len(pspans)) if p not in pred_done],
            lambda g, p: (1, overlap(gspans[g], pspans[p]), *agree(g, p))))
    # Which of the pairs of span_overlap each mode of MODES counts, one flag per pair.
    agreed = [_agreement(gold[g], pred[p]) for g, p in loose]
    exact_set = set(exact)
    in_exact = [True] * len(loose) if loose is exact else [pair in exact_set for pair in loose]
    masks = [tuple(in_exact), (True,) * len(loose),
             *(zip(*agreed, strict=True) if agreed else [()] * len(FIELD_MODES)),
             tuple([e and a[_KIND] and a[_VALUE] and a[_BOUNDS] and a[_QUALIFIER] and a[_UNIT]
                    for e, a in zip(in_exact, agreed, strict=True)])]
    return _counts(list(map(_kind, gold)), list(map(_kind, pred)), loose, masks, ignored)


def _counts(glabels: list[str], plabels: list[str], pairs: list[tuple[int, int]],
            masks: list[tuple[bool, ...]], ignored: int) -> Counts:
    """The rows of each mode of MODES, whose pairs are those its mask flags: each distinct
    mask's pairs are counted once, the label rows once for all."""
    labels = label_rows(glabels, plabels)
    pair_labels = [(glabels[g], plabels[p]) for g, p in pairs]
    counted: dict[tuple[bool, ...], tuple[dict[str, float], dict[str, float], float]] = {}
    modes: list[ModeCounts] = []
    for mode, mask in zip(MODES, masks, strict=True):
        found = counted.get(mask)
        if found is None:
            r_num: dict[str, float] = {}
            p_num: dict[str, float] = {}
            for (g, p), ok in zip(pair_labels, mask, strict=True):
                if ok:
                    r_num[g] = r_num.get(g, 0.0) + 1.0
                    p_num[p] = p_num.get(p, 0.0) + 1.0
            found = counted[mask] = (r_num, p_num, float(sum(mask)))
        modes.append((mode, labels, *found, ignored))
    return mode_rows(LAYER, modes)
