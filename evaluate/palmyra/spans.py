"""One-to-one, order-independent matching of gold and predicted items.

Every scorer reduces its layer to items with a key (what must be equal for an exact match)
and, where partial matches count, a character interval. Matching then runs in two stages:

1. Exact stage: items with equal keys are paired (a multiset intersection, by dictionary
   lookup). When several gold and predicted items share a key, the pairing inside that group
   maximizes a tie-break weight (e.g. same type before different type).
2. Overlap stage (optional): the items left over are grouped into clusters of chained
   overlapping intervals; each cluster is solved by an exact maximum-weight assignment
   (Hungarian algorithm). The common cluster of one gold and one predicted item is solved
   directly.

An exact reproduction is therefore always paired with what it reproduces, and partial
matches are decided globally, never greedily in list order.

Weights are tuples of non-negative numbers compared lexicographically (first element first);
`None` means "no edge". They are combined into one exact integer per edge so that a gain in an
earlier element always outweighs any total gain in the later ones. For large sparse problems
with plain float weights (CEAF-e's cluster alignment, corpus-wide in cross-document
coreference) `max_weight_matching` and `max_weight_total` solve the same assignment without a
dense matrix and without encoding the weights.

Callers sort their items into a canonical order first (offsets, labels, every field that
affects the score): the algorithms below are deterministic in the order they are given, so
scores do not depend on the order of the input lists.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

Interval = tuple[int, int]
Item = TypeVar("Item", bound=tuple)  # (start, end, ...)
WeightTuple = tuple[float, ...]
Weight = Callable[[int, int], "WeightTuple | None"]

_INF = float("inf")


def overlap(a: Interval, b: Interval) -> int:
    """The number of characters two end-exclusive intervals share."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


@dataclass(frozen=True)
class Alignment:
    """A one-to-one pairing of gold items with predicted items (indices into the inputs)."""

    pairs: tuple[tuple[int, int], ...]
    gold_unmatched: tuple[int, ...]
    pred_unmatched: tuple[int, ...]


# --- maximum-weight assignment --------------------------------------------------------------


def _hungarian(cost: list[list[float]]) -> list[int]:
    """Minimum-cost assignment for an n x m matrix with n <= m: column of each row.

    The classical O(n^2 m) shortest augmenting path method with row and column potentials.
    """
    n, m = len(cost), len(cost[0])
    u = [0] * (n + 1)
    v = [0] * (m + 1)
    owner = [0] * (m + 1)  # owner[j]: 1-based row assigned to column j (0: free)
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        owner[0] = i
        j0 = 0
        minv = [_INF] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = owner[j0]
            row = cost[i0 - 1]
            ui0 = u[i0]
            delta = _INF
            j1 = 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j - 1] - ui0 - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    column = [-1] * n
    for j in range(1, m + 1):
        if owner[j]:
            column[owner[j] - 1] = j - 1
    return column


def _encode(weights: list[list[WeightTuple | None]]) -> list[list[float]]:
    """Combine lexicographic weight tuples into single numbers, exactly (integers stay ints).

    Each element is scaled by a radix larger than the best possible total of all later
    elements over any matching, so an earlier element always dominates.
    """
    rows = [w for row in weights for w in row if w is not None]
    if not rows:
        return [[0] * len(row) for row in weights]
    size = min(len(weights), len(weights[0]))
    width = len(rows[0])
    scale = [1] * width
    bound = 0  # best possible total of the elements after position k
    for k in range(width - 1, -1, -1):
        scale[k] = bound + 1
        bound = bound + max(w[k] for w in rows) * scale[k] * size
    return [[0 if w is None else sum(x * s for x, s in zip(w, scale, strict=True)) for w in row]
            for row in weights]


def assign(weights: list[list[WeightTuple | None]]) -> list[tuple[int, int]]:
    """Maximum-weight one-to-one assignment of rows to columns.

    `weights[i][j]` is a lexicographic weight tuple (all of one length) or None for "no edge".
    Returns (row, column) pairs joined by an edge of positive weight, in row order.
    """
    if not weights or not weights[0]:
        return []
    values = _encode(weights)
    transposed = len(values) > len(values[0])
    if transposed:
        values = [list(col) for col in zip(*values, strict=True)]
    columns = _hungarian([[-x for x in row] for row in values])
    pairs = [(i, j) for i, j in enumerate(columns) if j >= 0 and values[i][j] > 0]
    if transposed:
        pairs = sorted((j, i) for i, j in pairs)
    return pairs


# --- stage 1: exact keys --------------------------------------------------------------------


def _groups(keys: Sequence[Hashable]) -> dict[Hashable, list[int]]:
    groups: dict[Hashable, list[int]] = {}
    for i, key in enumerate(keys):
        if key is None:
            continue
        group = groups.get(key)
        if group is None:
            groups[key] = [i]
        else:
            group.append(i)
    return groups


def match_keys(gold_keys: Sequence[Hashable], pred_keys: Sequence[Hashable],
               tie: Weight | None = None) -> list[tuple[int, int]]:
    """Pair gold and predicted items whose keys are equal (a key of None never matches).

    Inside a group of equal keys with several items on a side, the pairing maximizes the
    tie-break weight `tie(g, p)` (default: the first items in the given order).
    """
    gold_index = {k: i for i, k in enumerate(gold_keys)}
    if len(gold_index) == len(gold_keys) and None not in gold_index:
        pred_index = {k: j for j, k in enumerate(pred_keys)}
        if len(pred_index) == len(pred_keys):  # no repeated key: a dictionary join
            return sorted((gold_index[k], pred_index[k])
                          for k in gold_index.keys() & pred_index.keys() if k is not None)
    gold_groups = _groups(gold_keys)
    pairs: list[tuple[int, int]] = []
    for key, preds in _groups(pred_keys).items():
        golds = gold_groups.get(key)
        if golds is None:
            continue
        if tie is None or (len(golds) == 1 and len(preds) == 1):
            pairs.extend(zip(golds, preds, strict=False))  # the shorter side is used up
            continue
        rows = [[(1, *(tie(g, p) or ())) for p in preds] for g in golds]
        pairs.extend((golds[i], preds[j]) for i, j in assign(rows))
    return pairs


# --- stage 2: overlapping intervals ---------------------------------------------------------


Cluster = tuple[list[int], list[int]]


def overlap_clusters(gold_spans: Sequence[Interval], pred_spans: Sequence[Interval],
                     gold_left: Iterable[int], pred_left: Iterable[int]) -> list[Cluster]:
    """The left-over items grouped into clusters of chained overlapping intervals (only the
    clusters holding a gold and a predicted item that overlap), each as (gold indices,
    predicted indices) in order."""
    events = sorted([(*gold_spans[i], 0, i) for i in gold_left]
                    + [(*pred_spans[j], 1, j) for j in pred_left])
    out: list[Cluster] = []
    golds: list[int] = []
    preds: list[int] = []
    reach = -1
    for start, end, side, i in events:
        if start >= reach:  # no overlap with anything so far: a new cluster
            if golds and preds:
                out.append((golds, preds))
            golds, preds = [], []
        (preds if side else golds).append(i)
        if end > reach:
            reach = end
    if golds and preds:
        out.append((golds, preds))
    # One gold and one predicted item in a chain overlap; larger chains may join items that
    # do not, so keep them only if some gold-predicted pair really overlaps.
    return [(g, p) if len(g) == 1 and len(p) == 1 else (sorted(g), sorted(p)) for g, p in out
            if (len(g) == 1 and len(p) == 1)
            or any(overlap(gold_spans[a], pred_spans[b]) for a in g for b in p)]


def lone_pairs(gold: Sequence[Item], pred: Sequence[Item]
               ) -> tuple[list[Item], list[tuple[Item, Item]]] | None:
    """Both stages in one sweep, for items (start, end, ...) sorted on both sides, when no
    assignment is needed: the items equal on both sides (paired one-to-one), and the pairs of
    overlapping leftovers, if every chain of overlapping leftovers (as overlap_clusters
    forms them) holds at most one item per side. None when some chain holds more, or some
    span is empty; then match_keys, overlap_clusters and solve_clusters decide."""
    identical: list[Item] = []
    pairs: list[tuple[Item, Item]] = []
    n_gold, n_pred = len(gold), len(pred)
    i = j = 0
    reach = -1
    chain_gold = chain_pred = None  # the current chain's last item on each side
    crowded = False  # the chain holds two items on one side
    while i < n_gold or j < n_pred:
        if j == n_pred or (i < n_gold and gold[i] < pred[j]):
            item, side = gold[i], 0
            i += 1
        elif i == n_gold or pred[j] < gold[i]:
            item, side = pred[j], 1
            j += 1
        else:
            identical.append(gold[i])
            i += 1
            j += 1
            continue
        start, end = item[0], item[1]
        if start >= end:
            return None
        if start >= reach:  # the chain so far is closed
            if chain_gold is not None and chain_pred is not None:
                if crowded:
                    return None
                pairs.append((chain_gold, chain_pred))
            chain_gold = chain_pred = None
            crowded = False
        if side:
            crowded = crowded or chain_pred is not None
            chain_pred = item
        else:
            crowded = crowded or chain_gold is not None
            chain_gold = item
        if end > reach:
            reach = end
    if chain_gold is not None and chain_pred is not None:
        if crowded:
            return None
        pairs.append((chain_gold, chain_pred))
    return identical, pairs


def solve_clusters(clusters: list[Cluster], weight: Weight,
                   gold_spans: Sequence[Interval] | None = None,
                   pred_spans: Sequence[Interval] | None = None) -> list[tuple[int, int]]:
    """Maximum-weight one-to-one pairing inside each cluster; `weight(g, p)` is asked only
    about pairs whose intervals overlap when the spans are given (else about every pair)."""
    pairs: list[tuple[int, int]] = []
    for golds, preds in clusters:
        if len(golds) == 1 and len(preds) == 1:
            g, p = golds[0], preds[0]
            if weight(g, p) is not None:
                pairs.append((g, p))
            continue
        if gold_spans is not None and pred_spans is not None:
            rows = [[weight(g, p) if overlap(gold_spans[g], pred_spans[p]) else None
                     for p in preds] for g in golds]
        else:
            rows = [[weight(g, p) for p in preds] for g in golds]
        pairs.extend((golds[i], preds[j]) for i, j in assign(rows))
    return pairs


def match_overlaps(gold_spans: Sequence[Interval], pred_spans: Sequence[Interval],
                   gold_left: Iterable[int], pred_left: Iterable[int], weight: Weight
                   ) -> list[tuple[int, int]]:
    """Maximum-weight one-to-one pairing of the left-over items whose intervals overlap.

    `weight(g, p)` is only asked about pairs that share at least one character.
    """
    clusters = overlap_clusters(gold_spans, pred_spans, gold_left, pred_left)
    return solve_clusters(clusters, weight, gold_spans, pred_spans)


# --- general graphs -------------------------------------------------------------------------


def match_graph(edges: Iterable[tuple[int, int]], weight: Weight) -> list[tuple[int, int]]:
    """Maximum-weight one-to-one pairing over an explicit set of candidate (gold, pred) edges
    (`weight` None drops an edge), solved per connected component."""
    edge_list = sorted(set(edges))
    if len({g for g, _ in edge_list}) == len(edge_list) == len({p for _, p in edge_list}):
        return [(g, p) for g, p in edge_list if weight(g, p) is not None]  # one-to-one already
    by_gold: dict[int, list[int]] = {}
    by_pred: dict[int, list[int]] = {}
    for g, p in edge_list:
        by_gold.setdefault(g, []).append(p)
        by_pred.setdefault(p, []).append(g)
    pairs: list[tuple[int, int]] = []
    for golds, preds in _components(by_gold, by_pred):
        g_list, p_list = sorted(golds), sorted(preds)
        if len(g_list) == 1 or len(p_list) == 1:  # a star: its best edge is the answer
            best = _best_edge([(g, p) for g in g_list for p in by_gold[g]], weight)
            if best is not None:
                pairs.append(best)
            continue
        rows = [[weight(g, p) if p in by_gold[g] else None for p in p_list] for g in g_list]
        pairs.extend((g_list[i], p_list[j]) for i, j in assign(rows))
    return pairs


def _components(by_gold: Mapping[int, list[int]], by_pred: Mapping[int, list[int]]
                ) -> Iterator[tuple[set[int], set[int]]]:
    """The connected components (gold items, predicted items) of a bipartite graph given
    as adjacency lists both ways, in the order of their first gold item in `by_gold`."""
    seen: set[int] = set()
    for start in by_gold:
        if start in seen:
            continue
        golds, preds, stack = {start}, set(), [start]  # the component of gold item `start`
        while stack:
            for p in by_gold[stack.pop()]:
                if p not in preds:
                    preds.add(p)
                    for g in by_pred[p]:
                        if g not in golds:
                            golds.add(g)
                            stack.append(g)
        seen |= golds
        yield golds, preds


def _best_edge(edges: list[tuple[int, int]], weight: Weight) -> tuple[int, int] | None:
    """The edge of largest weight (the first in order among equals), None if none counts."""
    best, best_w = None, None
    for g, p in sorted(edges):
        w = weight(g, p)
        if w is not None and (best_w is None or w > best_w):
            best, best_w = (g, p), w
    return best


# --- sparse float weights (large problems) ---------------------------------------------------


def max_weight_matching(weights: Mapping[tuple[int, int], float]
                        ) -> tuple[float, list[tuple[int, int]]]:
    """The one-to-one pairing of rows and columns with the largest total weight, for sparse
    non-negative weights {(row, column): weight}; rows and columns may stay unpaired.

    `assign` fills a dense matrix, which a corpus-wide problem (thousands of clusters in
    cross-document coreference) cannot afford. This is Kuhn-Munkres (Hungarian) in its
    shortest-augmenting-path form with dual potentials, the paths found with Dijkstra over
    the sparse edges only: each row also has a private zero-weight "unpaired" column, so the
    search from a row never goes further than the cost of leaving it unpaired. Returns the
    total and the pairs."""
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
    finished: set[int] = set()

    def relax(row: int, base: float, via: int) -> None:
        for col, cost in adjacency[row]:
            d = base + cost - u[row] - v[col]
            if col not in finished and d < dist.get(col, math.inf):
                dist[col] = d
                way[col] = via
                heapq.heappush(heap, (d, col))

    relax(start, 0.0, -1)
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


def max_weight_total(weights: Mapping[tuple[int, int], float]) -> float:
    """The largest total of a one-to-one pairing for sparse non-negative float weights
    {(row, column): weight}, as match_graph solves it: per connected component, a component
    with one row or one column by its heaviest edge, the others by max_weight_matching.
    The weights are summed as given (no encoding), so float weights keep their precision."""
    by_row: dict[int, list[int]] = {}
    by_col: dict[int, list[int]] = {}
    for i, j in weights:
        by_row.setdefault(i, []).append(j)
        by_col.setdefault(j, []).append(i)
    if len(by_row) == len(by_col) == len(weights):  # every edge is already one-to-one
        return float(sum(weights.values()))
    total = 0.0
    for rows, cols in _components(by_row, by_col):
        if len(rows) == 1 or len(cols) == 1:
            total += max(weights[i, j] for i in rows for j in by_row[i])
        else:
            total += max_weight_matching({(i, j): weights[i, j] for i in rows
                                          for j in by_row[i]})[0]
    return total


# --- both stages ----------------------------------------------------------------------------


def _complete(pairs: list[tuple[int, int]], n_gold: int, n_pred: int) -> Alignment:
    matched_gold = {g for g, _ in pairs}
    matched_pred = {p for _, p in pairs}
    return Alignment(tuple(sorted(pairs)),
                     tuple(i for i in range(n_gold) if i not in matched_gold),
                     tuple(j for j in range(n_pred) if j not in matched_pred))


def align(gold_keys: Sequence[Hashable], pred_keys: Sequence[Hashable], *,
          tie: Weight | None = None,
          gold_spans: Sequence[Interval] | None = None,
          pred_spans: Sequence[Interval] | None = None,
          weight: Weight | None = None) -> Alignment:
    """Exact stage on keys, then (when spans and `weight` are given) the overlap stage on
    what is left. See the module docstring for the policy."""
    pairs = match_keys(gold_keys, pred_keys, tie)
    if weight is not None and gold_spans is not None and pred_spans is not None:
        first = _complete(pairs, len(gold_keys), len(pred_keys))
        pairs += match_overlaps(gold_spans, pred_spans, first.gold_unmatched,
                                first.pred_unmatched, weight)
    return _complete(pairs, len(gold_keys), len(pred_keys))


def align_spans(gold_spans: Sequence[Interval], pred_spans: Sequence[Interval], *,
                overlapping: bool = False) -> Alignment:
    """Plain span matching: exact (equal offsets), or overlap (identical spans first, then the
    most pairs of overlapping spans, preferring larger overlaps)."""
    weight = (lambda g, p: (1, overlap(gold_spans[g], pred_spans[p]))) if overlapping else None
    return align(gold_spans, pred_spans, gold_spans=gold_spans, pred_spans=pred_spans,
                 weight=weight)


__all__ = ["Alignment", "Cluster", "Interval", "Weight", "align", "align_spans", "assign",
           "lone_pairs", "match_graph", "match_keys", "match_overlaps", "max_weight_matching",
           "max_weight_total", "overlap", "overlap_clusters", "solve_clusters"]
