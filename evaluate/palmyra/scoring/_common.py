"""Helpers shared by the layer scorers: the zone policy and the building of Counts rows."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import TypeVar

from palmyra.corpus import Document, Zone
from palmyra.stats import CORE, Counts, Tally

TOTAL = "*"

T = TypeVar("T")
M = TypeVar("M", bound=tuple)


def kept_predictions(doc: Document, items: list[T], start: int | Callable[[T], int] = 0
                     ) -> list[T]:
    """The predictions that the scorers keep: those whose start offset (`item[start]`, an
    index into a tuple, or `start(item)`) lies in a zone of article text.

    Predictions that start in page furniture (zone types with `annotated: false` in the
    ontology) or outside every zone are ignored by every scorer. A document without zones
    is all article text.
    """
    if not doc.zones:
        return items
    bounds, ok = _zone_table_of(doc.zones)
    if callable(start):
        return [x for x in items if ok[bisect_right(bounds, start(x))]]
    return [x for x in items if ok[bisect_right(bounds, x[start])]]  # type: ignore[index]


def kept_sorted(doc: Document, items: list[M]) -> list[M]:
    """kept_predictions for tuples sorted by their first field, the start offset: the kept
    ones are runs of the list, one per annotated zone, found by bisection."""
    if not doc.zones:
        return items
    bounds, ok = _zone_table_of(doc.zones)
    out: list[M] = []
    lo = 0
    for k, keep in enumerate(ok):
        # Offsets in [bounds[k - 1], bounds[k]) read ok[k]; (x,) sorts before any (x, ...).
        hi = bisect_left(items, (bounds[k],)) if k < len(bounds) else len(items)
        if keep:
            out += items[lo:hi]
        lo = hi
    return out


# The last zones asked about and their table, as one tuple (threads never mix two entries).
_last_table: list[tuple[tuple[Zone, ...], tuple[list[int], list[bool]]] | None] = [None]


def _zone_table_of(zones: tuple[Zone, ...]) -> tuple[list[int], list[bool]]:
    """_zone_table, without hashing the zones again while one document is being scored."""
    last = _last_table[0]
    if last is None or last[0] is not zones:
        last = _last_table[0] = (zones, _zone_table(zones))
    return last[1]


@lru_cache(maxsize=1024)
def _zone_table(zones: tuple[Zone, ...]) -> tuple[list[int], list[bool]]:
    """Boundaries and flags: offset x is annotated iff ok[bisect_right(bounds, x)]."""
    from palmyra.ontology import load_ontology

    annotated = load_ontology().annotated_zones
    bounds: list[int] = []
    ok: list[bool] = [False]  # before the first zone
    for zone in sorted(zones, key=lambda z: z.start):
        if not bounds:
            bounds.append(zone.start)
        elif zone.start > bounds[-1]:
            ok.append(False)  # a gap between zones
            bounds.append(zone.start)
        else:
            bounds[-1] = zone.start  # adjacent (or overlapping) zones: the later one starts
        ok.append(zone.type in annotated)
        bounds.append(zone.end)
    ok.append(False)  # after the last zone
    return bounds, ok


class Table:
    """Rows of one layer's Counts under construction: (mode, label) -> Tally."""

    def __init__(self, layer: str):
        self.layer = layer
        self.rows: dict[tuple[str, str], Tally] = {}
        self._counters: dict[tuple[int, int], tuple[Sequence[str | None],
                                                     Sequence[str | None], tuple]] = {}

    def row(self, mode: str, label: str = TOTAL) -> Tally:
        row = self.rows.get((mode, label))
        if row is None:
            row = self.rows[(mode, label)] = dict.fromkeys(CORE, 0.0)
        return row

    def add(self, mode: str, label: str | None, **values: float) -> None:
        if label is None:
            return
        row = self.row(mode, label)
        for name, value in values.items():
            row[name] = row.get(name, 0.0) + value

    def tally(self, mode: str, gold_labels: Sequence[str | None],
              pred_labels: Sequence[str | None], pairs: Sequence[tuple[int, int]],
              credit: Callable[[int, int], tuple[float, float]] | None = None,
              ignored: int | None = None) -> None:
        """Add one mode's rows: the total and one row per label.

        Recall is counted on the gold item's label, precision on the predicted item's label.
        `credit(g, p)` gives the (precision, recall) credit of a pair (default 1 and 1).
        """
        gold_n, pred_n, labels = self._labels(gold_labels, pred_labels)
        p_num = dict.fromkeys(gold_n.keys() | pred_n.keys(), 0.0)
        r_num = p_num.copy()
        if credit is None:
            for g, p in pairs:
                r_num[gold_labels[g]] += 1.0
                p_num[pred_labels[p]] += 1.0
            p_total = r_total = float(len(pairs))
        else:
            p_total = r_total = 0.0
            for g, p in pairs:
                pc, rc = credit(g, p)
                p_total += pc
                r_total += rc
                p_num[pred_labels[p]] += pc
                r_num[gold_labels[g]] += rc
        total = {"p_num": p_total, "p_den": float(len(pred_labels)), "r_num": r_total,
                 "r_den": float(len(gold_labels))}
        if ignored is not None:
            total["ignored"] = float(ignored)
        rows = self.rows
        self._put((mode, TOTAL), total)
        for label in labels:
            row = {"p_num": p_num[label], "p_den": pred_n.get(label, 0.0),
                   "r_num": r_num[label], "r_den": gold_n.get(label, 0.0)}
            if (mode, label) in rows:
                self._put((mode, label), row)
            else:
                rows[(mode, label)] = row

    def repeat(self, mode: str, like: str) -> None:
        """Add a mode whose rows are copies of mode `like`'s (the same pairs and credit)."""
        for (m, label), row in list(self.rows.items()):
            if m == like:
                self._put((mode, label), row.copy())

    def _put(self, key: tuple[str, str], row: Tally) -> None:
        old = self.rows.get(key)
        if old is None:
            self.rows[key] = row
        else:
            for name, value in row.items():
                old[name] = old.get(name, 0.0) + value

    def _labels(self, gold_labels: Sequence[str | None], pred_labels: Sequence[str | None]
                ) -> tuple[dict[str | None, float], dict[str | None, float], list[str]]:
        """Label counts of both sides and the labels that get a row, computed once per pair
        of label lists (modes of a layer share them; the lists live as long as the Table)."""
        key = (id(gold_labels), id(pred_labels))
        hit = self._counters.get(key)
        if hit is None or hit[0] is not gold_labels or hit[1] is not pred_labels:
            gold_n = _label_counts(gold_labels)
            pred_n = _label_counts(pred_labels)
            labels = [x for x in gold_n.keys() | pred_n.keys() if x is not None]
            hit = self._counters[key] = (gold_labels, pred_labels, (gold_n, pred_n, labels))
        return hit[2]

    def counts(self) -> Counts:
        return Counts({(self.layer, mode, label): row for (mode, label), row in self.rows.items()})


def _label_counts(labels: Sequence[str | None]) -> dict[str | None, float]:
    """How many times each label occurs, as floats."""
    out: dict[str | None, float] = {}
    for label in labels:
        out[label] = out.get(label, 0.0) + 1.0
    return out


# --- rows built from per-label pair counts ------------------------------------------------

# The labels of a pair of label lists: the row of each label before any pair counts, and the
# numbers of gold and predicted items.
LabelRows = tuple[dict[str | None, Tally], float, float]
# A mode's counts: (mode, label rows, pairs by gold label, pairs by predicted label, pairs,
# ignored items).
ModeCounts = tuple[str, LabelRows, Mapping[str | None, float], Mapping[str | None, float],
                   float, int]


def label_rows(gold_labels: Sequence[str | None], pred_labels: Sequence[str | None]
               ) -> LabelRows:
    """The row of each label before any pair counts (its gold and predicted items), and
    the sizes of both sides: computed once, shared by the modes that count these lists."""
    rows: dict[str | None, Tally] = {}
    for labels, field in ((gold_labels, "r_den"), (pred_labels, "p_den")):
        for label in labels:
            row = rows.get(label)
            if row is None:
                row = rows[label] = {"p_num": 0.0, "p_den": 0.0, "r_num": 0.0, "r_den": 0.0}
            row[field] += 1.0
    return rows, float(len(gold_labels)), float(len(pred_labels))


def mode_rows(layer: str, modes: Sequence[ModeCounts]) -> Counts:
    """The rows that Table.tally adds for each mode (a total with the ignored items, and one
    row per label but None, counted on the gold label for recall and on the predicted one
    for precision), built from the pair counts per label and the label rows that modes
    share. Scorers that count many modes of one document use this rather than a Table."""
    if any(TOTAL in labels[0] for _, labels, _, _, _, _ in modes):
        # A label named like the total row: Table adds its counts to the total's.
        table = Table(layer)
        for mode, (templates, n_gold, n_pred), r_num, p_num, n, ignored in modes:
            table.add(mode, TOTAL, p_num=float(n), p_den=n_pred, r_num=float(n), r_den=n_gold,
                      ignored=float(ignored))
            for label, t in templates.items():
                table.add(mode, label, p_num=p_num.get(label, 0.0), p_den=t["p_den"],
                          r_num=r_num.get(label, 0.0), r_den=t["r_den"])
        return table.counts()
    rows: dict[tuple[str, str, str | None], Tally] = {}
    for mode, (templates, n_gold, n_pred), r_num, p_num, n, ignored in modes:
        rows[(layer, mode, TOTAL)] = {"p_num": float(n), "p_den": n_pred, "r_num": float(n),
                                      "r_den": n_gold, "ignored": float(ignored)}
        if r_num is p_num:  # every pair has one label
            count = r_num.get
            for label, template in templates.items():
                row = rows[(layer, mode, label)] = template.copy()
                k = count(label)
                if k:
                    row["p_num"] = row["r_num"] = k
        else:
            for label, template in templates.items():
                rows[(layer, mode, label)] = template.copy()
            for label, k in r_num.items():
                rows[(layer, mode, label)]["r_num"] = k
            for label, k in p_num.items():
                rows[(layer, mode, label)]["p_num"] = k
        if None in templates:  # counted in the total only
            del rows[(layer, mode, None)]
    return Counts(rows)  # type: ignore[arg-type]
