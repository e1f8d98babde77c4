"""Coreference: MUC, B-cubed, CEAF-e and LEA for entity clusters and event clusters.

Definitions follow the CoNLL-2012 reference scorer (Pradhan et al. 2014) and, for LEA,
Moosavi and Strube (2016):

- Mentions are identified by exact span (strict mention identification): an entity mention
  by its (start, end), an event mention by its trigger's (start, end). Within a document a
  mention is its span; across documents it is (doc_id, start, end).
- A clustering is a partition of a side's mentions. A predicted mention without a cluster id
  is its own singleton. Mentions of one side absent from the other ("twinless" mentions) are
  kept, as in the reference scorer: they lower recall (gold) or precision (predicted).
- A span listed twice on one side is one mention; when its occurrences carry different
  cluster ids it joins the cluster whose id sorts first (an order-independent choice), and
  the extra occurrences are counted in `duplicates`.
- Predicted mentions that start outside the annotated zones (byline, credit, boilerplate)
  are dropped before scoring and counted in `ignored`, as in the other layers.
- Singletons: every metric is computed with singletons (all clusters, the default: the gold
  annotates singletons) and without (clusters of one mention removed from both sides first).

Each metric is additive over documents, so it is stored as a Tally:
  MUC     r = sum_k (|k| - |p(k, R)|) / sum_k (|k| - 1), p symmetric
  B3      r = sum_k sum_r |k & r|^2 / |k| / sum_k |k|,    p symmetric
  CEAF-e  r = Phi* / |K|, p = Phi* / |R|, Phi* the best one-to-one sum of
          phi4(k, r) = 2 |k & r| / (|k| + |r|)
  LEA     r = sum_k |k| * resolution(k) / sum_k |k|, resolution(k) = sum_r link(|k & r|) /
          link(|k|), link(n) = n (n - 1) / 2; a singleton k is resolved (1) when its mention
          is a singleton on the other side too (the reference scorer's singleton rule).
The CoNLL F1 (mean of the MUC, B3 and CEAF-e F1) is not additive and is derived at report
time from the three F1s (see `conll_modes`).
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from palmyra.stats import Counts, Tally

if TYPE_CHECKING:
    from palmyra.annotations import AnnotationDocument
    from palmyra.corpus import Document

LAYER = "coreference"
KINDS = {"entity": "entities", "event": "events"}  # mention kind -> annotation layer
METRICS = ("mentions", "muc", "b3", "ceafe", "lea")
CONLL = ("muc", "b3", "ceafe")
NO_SINGLETONS = "_nosingletons"
CROSS = "cross_"

Mention = Hashable
Partition = Sequence[Collection[Mention]]


# --- maximum-weight assignment -------------------------------------------------------------

def max_weight_matching(weights: Mapping[tuple[int, int], float]
                        ) -> tuple[float, list[tuple[int, int]]]:
    """The one-to-one pairing of rows and columns with the largest total weight, for sparse
    non-negative weights {(row, column): weight}; rows and columns may stay unpaired.

    Kuhn-Munkres (Hungarian) algorithm in its shortest-augmenting-path form with dual
    potentials, the paths found with Dijkstra over the sparse edges only: each row also has
    a private zero-weight "unpaired" column, so the search from a row never goes further
    than the cost of leaving it unpaired, and a corpus-wide problem with thousands of
    clusters (cross-document coreference) stays fast. Returns the total and the pairs."""
    rows = sorted({i for i, _ in weights})
    cols = sorted({j for _, j in weights})
    row_index = {r: x for x, r in enumerate(rows)}
    col_index = {c: x for x, c in enumerate(cols)}
    n, m = len(rows), len(cols)
    adjacency: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for (i, j), w in weights.items():
        adjacency[row_index[i]].append((col_index[j], -float(w)))  # minimise cost = -weight
    for r in range(n):
        adjacency[r].append((m + r, 0.0))  # row r left unpaired
    # Dual potentials: u[r] + v[c] <= cost(r, c) on every edge, equality on paired edges.
    u = [min(c for _, c in adjacency[r]) for r in range(n)]
    v = [0.0] * (m + n)
    owner = [-1] * (m + n)  # column -> its row
    for start in range(n):
        _augment(start, adjacency, u, v, owner)
    pairs = sorted((rows[owner[c]], cols[c]) for c in range(m) if owner[c] != -1)
    return float(sum(weights[p] for p in pairs)), pairs


def _augment(start: int, adjacency: list[list[tuple[int, float]]], u: list[float],
             v: list[float], owner: list[int]) -> None:
    """One phase: pair row `start` along a shortest augmenting path (reduced costs)."""
    dist: dict[int, float] = {}
    way: dict[int, int] = {}  # column -> the column before it on the path (-1: start row)
    done: list[int] = []
    heap: list[tuple[float, int]] = []

    def relax(row: int, base: float, via: int) -> None:
        for col, cost in adjacency[row]:
            d = base + cost - u[row] - v[col]
            if d < dist.get(col, math.inf):
                dist[col] = d
                way[col] = via
                heapq.heappush(heap, (d, col))

    relax(start, 0.0, -1)
    finished: set[int] = set()
    while True:
        d, col = heapq.heappop(heap)
        if col in finished or d > dist[col]:
            continue
        finished.add(col)
        if owner[col] == -1:
            break
        done.append(col)
        relax(owner[col], d, col)
    for c in done:  # keep the duals feasible and the path's edges tight
        delta = d - dist[c]
        v[c] -= delta
        u[owner[c]] += delta
    u[start] += d
    while col != -1:
        previous = way[col]
        owner[col] = owner[previous] if previous != -1 else start
        col = previous


# --- the metrics on two partitions ---------------------------------------------------------

class _Overlap:
    """The contingency table of two partitions: n[i, j] = |key_i & response_j|, with the
    cluster sizes. A size of 0 marks a cluster removed (see without_singletons)."""

    def __init__(self, key_sizes: list[int], response_sizes: list[int],
                 n: dict[tuple[int, int], int]) -> None:
        self.key_sizes = key_sizes
        self.response_sizes = response_sizes
        self.n = n

    @classmethod
    def of(cls, key: Partition, response: Partition) -> _Overlap:
        where = {m: j for j, r in enumerate(response) for m in r}
        n: dict[tuple[int, int], int] = defaultdict(int)
        for i, k in enumerate(key):
            for m in k:
                j = where.get(m)
                if j is not None:
                    n[i, j] += 1
        return cls([len(k) for k in key], [len(r) for r in response], n)

    def without_singletons(self) -> _Overlap:
        """The table once clusters of one mention are removed from both sides."""
        ks = [s if s > 1 else 0 for s in self.key_sizes]
        rs = [s if s > 1 else 0 for s in self.response_sizes]
        return _Overlap(ks, rs, {(i, j): c for (i, j), c in self.n.items() if ks[i] and rs[j]})

    def matched(self) -> tuple[list[int], list[int]]:
        """Per cluster, how many of its mentions the other side has."""
        key = [0] * len(self.key_sizes)
        response = [0] * len(self.response_sizes)
        for (i, j), c in self.n.items():
            key[i] += c
            response[j] += c
        return key, response


def _muc_side(sizes: list[int], matched: list[int], parts: list[int]) -> tuple[float, float]:
    """MUC numerator and denominator of one side: |c| - |p(c)| over |c| - 1, where the
    partition p(c) of c by the other side has one part per overlapping cluster plus one per
    twinless mention: |c| - |p(c)| = matched(c) - overlapping clusters."""
    num = sum(m - p for m, p in zip(matched, parts, strict=True))
    den = sum(s - 1 for s in sizes if s)
    return float(num), float(den)


def _muc(o: _Overlap) -> Tally:
    key_parts = [0] * len(o.key_sizes)
    response_parts = [0] * len(o.response_sizes)
    for i, j in o.n:
        key_parts[i] += 1
        response_parts[j] += 1
    key_matched, response_matched = o.matched()
    r_num, r_den = _muc_side(o.key_sizes, key_matched, key_parts)
    p_num, p_den = _muc_side(o.response_sizes, response_matched, response_parts)
    return {"p_num": p_num, "p_den": p_den, "r_num": r_num, "r_den": r_den}


def _b_cubed(o: _Overlap) -> Tally:
    r_num = sum(c * c / o.key_sizes[i] for (i, _), c in o.n.items())
    p_num = sum(c * c / o.response_sizes[j] for (_, j), c in o.n.items())
    return {"p_num": float(p_num), "p_den": float(sum(o.response_sizes)),
            "r_num": float(r_num), "r_den": float(sum(o.key_sizes))}


def _ceaf_e(o: _Overlap) -> Tally:
    phi = {(i, j): 2 * c / (o.key_sizes[i] + o.response_sizes[j]) for (i, j), c in o.n.items()}
    best = _best_matching(phi)
    return {"p_num": best, "p_den": float(sum(1 for s in o.response_sizes if s)),
            "r_num": best, "r_den": float(sum(1 for s in o.key_sizes if s))}


def _best_matching(phi: dict[tuple[int, int], float]) -> float:
    """The largest sum of phi over a one-to-one pairing of key and response clusters."""
    rows = {i for i, _ in phi}
    cols = {j for _, j in phi}
    if len(rows) == len(cols) == len(phi):  # every overlap is already one-to-one
        return float(sum(phi.values()))
    return max_weight_matching(phi)[0]


def _lea_side(sizes: list[int], other_sizes: list[int],
              overlaps: Iterable[tuple[int, int, int]]) -> tuple[float, float]:
    """LEA numerator and denominator of one side; overlaps are (own i, other j, count)."""
    common = [0.0] * len(sizes)
    for i, j, c in overlaps:
        if sizes[i] == 1:
            common[i] = 1.0 if other_sizes[j] == 1 else 0.0
        else:
            common[i] += c * (c - 1) / 2
    num = 0.0
    for i, s in enumerate(sizes):
        if s == 1:
            num += common[i]
        elif s > 1:
            num += s * common[i] / (s * (s - 1) / 2)
    return num, float(sum(sizes))


def _lea(o: _Overlap) -> Tally:
    r_num, r_den = _lea_side(o.key_sizes, o.response_sizes,
                             ((i, j, c) for (i, j), c in o.n.items()))
    p_num, p_den = _lea_side(o.response_sizes, o.key_sizes,
                             ((j, i, c) for (i, j), c in o.n.items()))
    return {"p_num": p_num, "p_den": p_den, "r_num": r_num, "r_den": r_den}


def _mentions(o: _Overlap) -> Tally:
    tp = float(sum(o.n.values()))
    return {"p_num": tp, "p_den": float(sum(o.response_sizes)),
            "r_num": tp, "r_den": float(sum(o.key_sizes))}


_SCORERS: dict[str, Callable[[_Overlap], Tally]] = {
    "mentions": _mentions, "muc": _muc, "b3": _b_cubed, "ceafe": _ceaf_e, "lea": _lea,
}


def score_partitions(key: Partition, response: Partition, singletons: bool = True
                     ) -> dict[str, Tally]:
    """Every metric of METRICS for one pair of partitions; singletons=False removes the
    clusters of one mention from both sides first."""
    o = _Overlap.of(key, response)
    if not singletons:
        o = o.without_singletons()
    return {name: _SCORERS[name](o) for name in METRICS}


def muc(key: Partition, response: Partition) -> Tally:
    return _muc(_Overlap.of(key, response))


def b_cubed(key: Partition, response: Partition) -> Tally:
    return _b_cubed(_Overlap.of(key, response))


def ceaf_e(key: Partition, response: Partition) -> Tally:
    return _ceaf_e(_Overlap.of(key, response))


def lea(key: Partition, response: Partition) -> Tally:
    return _lea(_Overlap.of(key, response))


def mention_identification(key: Partition, response: Partition) -> Tally:
    """Mention detection: a predicted mention is correct when its span is a gold mention."""
    return _mentions(_Overlap.of(key, response))


# --- from annotation documents to partitions ------------------------------------------------

@cache
def _annotated_zones() -> frozenset[str]:
    from palmyra.ontology import load_ontology

    return load_ontology().annotated_zones


def _span(item: Any) -> tuple[int, int]:
    span = item.trigger if hasattr(item, "trigger") else item.span
    return span.start, span.end


class Side:
    """One side's mentions of one kind: mention -> cluster id (None: unclustered)."""

    def __init__(self) -> None:
        self.cluster_of: dict[Mention, str | None] = {}
        self.ignored = 0
        self.duplicates = 0

    def add(self, mention: Mention, cluster: str | None) -> None:
        if mention in self.cluster_of:
            self.duplicates += 1
            old = self.cluster_of[mention]
            if old is None or (cluster is not None and cluster < old):
                self.cluster_of[mention] = cluster
        else:
            self.cluster_of[mention] = cluster

    def partition(self) -> list[Collection[Mention]]:
        clusters: dict[str, list[Mention]] = defaultdict(list)
        out: list[Collection[Mention]] = []
        for mention, cluster in self.cluster_of.items():
            if cluster is None:
                out.append((mention,))
            else:
                clusters[cluster].append(mention)
        return list(clusters.values()) + out


def collect(items: Iterable[Any], side: Side, doc: Document | None = None,
            doc_id: str | None = None) -> Side:
    """Add entity mentions or events to a side. With `doc`, items that start outside the
    annotated zones are dropped (counted in side.ignored); a document without zones keeps
    everything. With `doc_id`, mentions are keyed (doc_id, start, end) for cross-document
    scoring."""
    check = doc is not None and bool(doc.zones)
    zones = _annotated_zones() if check else frozenset()
    for item in items:
        start, end = _span(item)
        if check and not doc.in_zones(start, end, zones):  # type: ignore[union-attr]
            side.ignored += 1
            continue
        side.add((doc_id, start, end) if doc_id is not None else (start, end), item.cluster)
    return side


def _add_rows(counts: Counts, prefix: str, kind: str, key: Partition, response: Partition,
              extra: Mapping[str, float]) -> None:
    full = _Overlap.of(key, response)
    for suffix, o in (("", full), (NO_SINGLETONS, full.without_singletons())):
        for metric, scorer in _SCORERS.items():
            counts.table[LAYER, f"{prefix}{kind}_{metric}{suffix}", "*"] = {**scorer(o), **extra}


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    """Within-document coreference of entity and event clusters, as additive Counts keyed
    ("coreference", "<kind>_<metric>[_nosingletons]", "*")."""
    counts = Counts()
    for kind, layer in KINDS.items():
        key = collect(gold.layer(layer), Side())
        response = collect(pred.layer(layer), Side(), doc)
        extra = {"ignored": float(response.ignored), "duplicates": float(response.duplicates)}
        _add_rows(counts, "", kind, key.partition(), response.partition(), extra)
    return counts


def score_cross_document(
        pairs: Iterable[tuple[AnnotationDocument, AnnotationDocument, Document | None]],
        kinds: Collection[str] = tuple(KINDS)) -> Counts:
    """Cross-document coreference over a whole corpus: the mentions of all documents in one
    clustering per side, keyed (doc_id, start, end); cluster ids are global, so one id in two
    documents is one cluster. Rows ("coreference", "cross_<kind>_<metric>[...]", "*")."""
    sides = {kind: (Side(), Side()) for kind in kinds}
    for gold, pred, doc in pairs:
        for kind, (key, response) in sides.items():
            layer = KINDS[kind]
            collect(gold.layer(layer), key, doc_id=gold.doc_id)
            collect(pred.layer(layer), response, doc, doc_id=gold.doc_id)
    counts = Counts()
    for kind, (key, response) in sides.items():
        extra = {"ignored": float(response.ignored), "duplicates": float(response.duplicates)}
        _add_rows(counts, CROSS, kind, key.partition(), response.partition(), extra)
    return counts


def conll_modes(modes: Iterable[str]) -> dict[str, tuple[str, str, str]]:
    """The derived CoNLL F1 modes present among `modes`: "<prefix>conll<suffix>" -> its
    MUC, B3 and CEAF-e modes (e.g. "entity_conll" -> ("entity_muc", ...))."""
    modes = list(modes)
    present = set(modes)
    out: dict[str, tuple[str, str, str]] = {}
    for mode in modes:
        head, sep, tail = mode.partition("_muc")
        if not sep or tail not in ("", NO_SINGLETONS):
            continue
        parts = tuple(f"{head}_{m}{tail}" for m in CONLL)
        if all(p in present for p in parts):
            out[f"{head}_conll{tail}"] = parts  # type: ignore[assignment]
    return out
