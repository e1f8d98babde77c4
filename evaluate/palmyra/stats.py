"""Additive score tables. Every scorer maps one (gold, predicted) document pair to Counts;
corpus scores, bootstrap resamples and shards are sums of Counts.

A Tally holds four numbers from which P/R/F1 follow, plus optional extra counts:
  p_num / p_den = precision, r_num / r_den = recall.
For plain matching p_num = r_num = tp, p_den = tp + fp, r_den = tp + fn; for partial credit,
B-cubed or CEAF the numerators are fractional. Extras (correct, incorrect, partial, missed,
spurious, ...) are summed the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

Key = tuple[str, str, str]  # (layer, mode, label); label "*" is the micro total
Tally = dict[str, float]
CORE = ("p_num", "p_den", "r_num", "r_den")


def tally(tp: float = 0, fp: float = 0, fn: float = 0, **extra: float) -> Tally:
    """A Tally for one-to-one matching: tp matched, fp spurious, fn missed."""
    return {"p_num": tp, "p_den": tp + fp, "r_num": tp, "r_den": tp + fn, **extra}


@dataclass
class Counts(Mapping[Key, Tally]):
    table: dict[Key, Tally] = field(default_factory=dict)

    def add(self, key: Key, t: Tally) -> None:
        row = self.table.setdefault(key, dict.fromkeys(CORE, 0.0))
        for name, value in t.items():
            row[name] = row.get(name, 0.0) + value

    def __add__(self, other: Counts) -> Counts:
        out = Counts({k: dict(v) for k, v in self.table.items()})
        for key, t in other.table.items():
            out.add(key, t)
        return out

    def __getitem__(self, key: Key) -> Tally:
        return self.table[key]

    def __iter__(self) -> Iterator[Key]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)


def total(counts: Iterable[Counts]) -> Counts:
    out = Counts()
    for c in counts:
        for key, t in c.table.items():
            out.add(key, t)
    return out


def prf(t: Tally) -> dict[str, float]:
    """Precision, recall and F1 of a Tally. An empty denominator gives 0, never NaN, and
    the report shows the counts next to it (gold and prediction both empty reads 0/0)."""
    p = t["p_num"] / t["p_den"] if t["p_den"] else 0.0
    r = t["r_num"] / t["r_den"] if t["r_den"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}
