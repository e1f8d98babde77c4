"""Helpers shared by the layer scorers: the zone policy and the building of Counts rows."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from palmyra.corpus import Document
from palmyra.stats import CORE, Counts, Tally

TOTAL = "*"

ZoneFilter = Callable[[int], bool]


def zone_filter(doc: Document) -> ZoneFilter:
    """A test "does a span starting at this offset lie in annotated text?".

    Predictions that start in page furniture (zone types with `annotated: false` in the
    ontology) are ignored by every scorer. A document without zones is all annotated text.
    """
    if not doc.zones:
        return lambda start: True
    from palmyra.ontology import load_ontology

    annotated = load_ontology().annotated_zones
    starts = [z.start for z in doc.zones]
    ends = [z.end for z in doc.zones]
    ok = [z.type in annotated for z in doc.zones]

    def keep(start: int) -> bool:
        i = bisect_right(starts, start) - 1
        return i >= 0 and start < ends[i] and ok[i]

    return keep


def kept_predictions(doc: Document, items: list[tuple], start: int = 0) -> list[tuple]:
    """The items (tuples whose element `start` is a start offset) that lie in annotated text.

    The same policy as `zone_filter`, as one list comprehension for the hot paths.
    """
    if not doc.zones:
        return items
    bounds, ok = _zone_table(doc)
    return [x for x in items if ok[bisect_right(bounds, x[start])]]


def _zone_table(doc: Document) -> tuple[list[int], list[bool]]:
    """Boundaries and flags: offset x is annotated iff ok[bisect_right(bounds, x)]."""
    from palmyra.ontology import load_ontology

    annotated = load_ontology().annotated_zones
    bounds: list[int] = []
    ok: list[bool] = [False]  # before the first zone
    for zone in sorted(doc.zones, key=lambda z: z.start):
        if bounds and zone.start > bounds[-1]:
            ok.append(False)  # a gap between zones
            bounds.append(zone.start)
        elif not bounds:
            bounds.append(zone.start)
        else:
            bounds[-1] = zone.start
        ok.append(zone.type in annotated)
        bounds.append(zone.end)
    ok.append(False)  # after the last zone
    return bounds, ok


class Table:
    """Rows of one layer's Counts under construction: (mode, label) -> Tally."""

    def __init__(self, layer: str):
        self.layer = layer
        self.rows: dict[tuple[str, str], Tally] = {}
        self._counters: dict[int, tuple[Sequence[str | None], Counter]] = {}

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
              pred_labels: Sequence[str | None], pairs: Iterable[tuple[int, int]],
              credit: Callable[[int, int], tuple[float, float]] | None = None,
              ignored: int | None = None) -> None:
        """Add one mode's rows: the total and one row per label.

        Recall is counted on the gold item's label, precision on the predicted item's label.
        `credit(g, p)` gives the (precision, recall) credit of a pair (default 1 and 1).
        """
        total = self.row(mode)
        total["p_den"] += len(pred_labels)
        total["r_den"] += len(gold_labels)
        if ignored is not None:
            total["ignored"] = total.get("ignored", 0.0) + ignored
        for label, n in self._counter(gold_labels).items():
            if label is not None:
                self.row(mode, label)["r_den"] += n
        for label, n in self._counter(pred_labels).items():
            if label is not None:
                self.row(mode, label)["p_den"] += n
        if credit is None:
            pairs = list(pairs)
            total["p_num"] += len(pairs)
            total["r_num"] += len(pairs)
            for label, n in Counter([gold_labels[g] for g, _ in pairs]).items():
                if label is not None:
                    self.row(mode, label)["r_num"] += n
            for label, n in Counter([pred_labels[p] for _, p in pairs]).items():
                if label is not None:
                    self.row(mode, label)["p_num"] += n
            return
        for g, p in pairs:
            pc, rc = credit(g, p)
            total["p_num"] += pc
            total["r_num"] += rc
            if pred_labels[p] is not None:
                self.row(mode, pred_labels[p])["p_num"] += pc
            if gold_labels[g] is not None:
                self.row(mode, gold_labels[g])["r_num"] += rc

    def _counter(self, labels: Sequence[str | None]) -> Counter:
        """Label counts, computed once per label list (the lists live as long as the Table)."""
        key = id(labels)
        hit = self._counters.get(key)
        if hit is None or hit[0] is not labels:
            hit = self._counters[key] = (labels, Counter(labels))
        return hit[1]

    def counts(self) -> Counts:
        return Counts({(self.layer, mode, label): row for (mode, label), row in self.rows.items()})
