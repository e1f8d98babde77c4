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
          is a singleton on the other side too (the LEA reference implementation's rule).
The CoNLL F1 (mean of the MUC, B3 and CEAF-e F1) is not additive and is derived at report
time from the three F1s (see `conll_modes`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Sequence
from functools import cache
from itertools import chain, compress, count
from typing import TYPE_CHECKING, Any

from palmyra.annotations import Event
from palmyra.scoring._common import kept_predictions
from palmyra.spans import max_weight_total
from palmyra.stats import CORE, Counts, Tally

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
Cell = tuple[int, int]
Numbers = tuple[float, float, float, float]  # p_num, p_den, r_num, r_den


# --- the metrics on two partitions ---------------------------------------------------------

def _component(phi: dict[Cell, float]) -> float:
    """max_weight_total of a table that is one connected component of more than one row:
    its heaviest cell when it has one column, the pairing of each column with its heaviest
    cell when that is one-to-one (see _ceaf), else the assignment."""
    by_col: dict[int, list[tuple[int, float]]] = {}
    for (i, j), w in phi.items():
        by_col.setdefault(j, []).append((i, w))
    if len(by_col) == 1:
        return max(phi.values())
    pairs: dict[int, float] = {}  # row -> the weight of its column's heaviest cell
    for cells in by_col.values():
        row, best = -1, -1.0
        for i, w in cells:
            if w > best:
                row, best = i, w
            elif w == best:
                return max_weight_total(phi)
        if row in pairs:
            return max_weight_total(phi)
        pairs[row] = best
    return float(sum([pairs[i] for i in sorted(pairs)]))


def _ceaf(phi: dict[Cell, float], n_rows: int, n_cols: int) -> float:
    """max_weight_total(phi) for rows < n_rows and columns < n_cols, with the same float
    additions in the same order: per connected component (in the order of their first row in
    phi), a component of one row by its heaviest cell, and one whose rows each have a single
    heaviest cell, no two in one column, by those cells summed in row order. Those cells are
    the one best one-to-one pairing (any other replaces some of them by lighter cells of the
    same rows), so the assignment, which only the other components need, finds just them."""
    if not phi:
        return 0.0
    best = [-1.0] * n_rows  # each row's heaviest cell: weight and column
    arg = [-1] * n_rows
    tied = [-1.0] * n_rows  # a row's heaviest weight when met twice (a tie if it stays so)
    rows: list[int] = []  # in order of appearance
    owner = [-1] * n_cols  # the first row of each column
    parent: list[int] | None = None  # union-find over the rows, once two share a column
    for (i, j), w in phi.items():
        b = best[i]
        if w > b:
            if b < 0:
                rows.append(i)
            best[i] = w
            arg[i] = j
        elif w == b:
            tied[i] = w
        o = owner[j]
        if o < 0:
            owner[j] = i
        elif parent is None:
            parent = list(range(n_rows))
            parent[o] = i
        else:
            while parent[i] != i:
                parent[i] = i = parent[parent[i]]
            while parent[o] != o:
                parent[o] = o = parent[parent[o]]
            parent[o] = i
    if parent is None:  # no column has two rows: each row is a component
        if len(rows) == len(phi) == n_cols - owner.count(-1):  # one cell each
            return float(sum(phi.values()))  # as max_weight_total sums such a table
        total = 0.0
        for i in rows:
            total += best[i]
        return total
    components: dict[int, list[int]] = {}  # root -> rows, in order of their first row
    for i in rows:
        a = i
        while parent[a] != a:
            a = parent[a]
        if a in components:
            components[a].append(i)
        else:
            components[a] = [i]
    total = 0.0
    for a, group in components.items():
        if len(group) == 1:
            total += best[group[0]]
            continue
        if len({arg[i] for i in group}) == len(group) and not any(
                [tied[i] == best[i] for i in group]):
            group.sort()
            total += float(sum([best[i] for i in group]))  # as max_weight_matching
            continue
        cells: dict[Cell, float] = {}
        for cell, w in phi.items():
            r = cell[0]
            while parent[r] != r:
                r = parent[r]
            if r == a:
                cells[cell] = w
        total += _component(cells)
    return total


def _lea_nums(sizes: list[int], common: list[float]) -> tuple[float, float]:
    """The LEA numerator of one side, sum of |c| * resolution(c), with and without its
    singletons (sizes all positive); common[c] holds the links of c found on the other side
    (a singleton: 1 when it is a singleton there too). A cluster without common links adds
    0.0, which changes no sum: only the others are read."""
    num = bare = 0.0
    for s, links in compress(zip(sizes, common, strict=False), common):  # equal lengths
        if s == 1:
            num += links
        else:
            x = s * links / (s * (s - 1) / 2)
            num += x
            bare += x
    return num, bare


_ZERO = (0.0, 0.0, 0.0, 0.0)


def _singleton_rows(n_key: int, n_response: int, shared: int) -> list[Numbers]:
    """The numbers of _metrics_both when all clusters are singletons (events, mostly) and
    `shared` key mentions have a twin: each is a cell of one mention that weighs 1 in B3,
    CEAF-e and LEA, so each sum counts those mentions; MUC has no links, and nothing is left
    without singletons."""
    t = float(shared)
    both = (t, float(n_response), t, float(n_key))
    return [both, _ZERO, both, both, both, _ZERO, _ZERO, _ZERO, _ZERO, _ZERO]


def _metrics_both(ks: list[int], rs: list[int], n: dict[tuple[int, int | None], int]
                  ) -> list[Numbers]:
    """The numbers (p_num, p_den, r_num, r_den) of every metric of METRICS with, then
    without singletons (clusters of one mention removed from both sides first), in one pass
    over the contingency table. ks / rs: the key and response cluster sizes, all positive;
    n: the contingency table in key mention order, (the cluster of a key mention, the
    response cluster of the same mention or None when the response lacks it) -> mentions
    (see _numbers). MUC: |c| - |p(c)| summed over a side's clusters is (shared mentions) -
    (cells of the table).

    A cell holds at most as many mentions as its smaller cluster, so one of a singleton
    holds one mention and has no LEA links: the links of a larger cluster are the same with
    or without the singletons of the other side."""
    k_single, r_single = ks.count(1), rs.count(1)
    if k_single == len(ks) and r_single == len(rs):
        matched = [j for _, j in n if j is not None]  # a cell per key mention
        if len(set(matched)) == len(matched):
            return _singleton_rows(len(ks), len(rs), len(matched))
    k_common, r_common = [0.0] * len(ks), [0.0] * len(rs)
    b3_r = b3_p = b3_r_bare = b3_p_bare = 0.0
    tp = tp_bare = 0
    phi: dict[Cell, float] = {}
    phi_bare: dict[Cell, float] = {}
    for cell, c in n.items():
        i, j = cell
        if j is None:  # key mentions the response lacks
            continue
        ki, rj = ks[i], rs[j]
        cc = c * c
        r_term, p_term = cc / ki, cc / rj
        b3_r += r_term
        b3_p += p_term
        tp += c
        w = phi[cell] = 2 * c / (ki + rj)  # type: ignore[index]
        if ki > 1 and rj > 1:
            if c > 1:
                links = c * (c - 1) / 2
                k_common[i] += links
                r_common[j] += links
            b3_r_bare += r_term
            b3_p_bare += p_term
            tp_bare += c
            phi_bare[cell] = w  # type: ignore[index]
        else:  # a singleton is resolved when the cell's other cluster is one too
            if ki == 1:
                k_common[i] = float(rj == 1)
            if rj == 1:
                r_common[j] = float(ki == 1)
    lea_k, lea_k_bare = _lea_nums(ks, k_common)
    lea_r, lea_r_bare = _lea_nums(rs, r_common)
    n_key, n_response = float(sum(ks)), float(sum(rs))
    ceaf = _ceaf(phi, len(ks), len(rs))
    muc_num, true_p = float(tp - len(phi)), float(tp)
    rows = [(true_p, n_response, true_p, n_key),
            (muc_num, n_response - len(rs), muc_num, n_key - len(ks)),
            (b3_p, n_response, b3_r, n_key),
            (ceaf, float(len(rs)), ceaf, float(len(ks))),
            (lea_r, n_response, lea_k, n_key)]
    n_key, n_response = n_key - k_single, n_response - r_single  # without singletons
    k_big, r_big = float(len(ks) - k_single), float(len(rs) - r_single)
    if len(phi_bare) < len(phi):  # else the same table
        ceaf = _ceaf(phi_bare, len(ks), len(rs))
    muc_num, true_p = float(tp_bare - len(phi_bare)), float(tp_bare)
    rows += [(true_p, n_response, true_p, n_key),
             (muc_num, n_response - r_big, muc_num, n_key - k_big),
             (b3_p_bare, n_response, b3_r_bare, n_key),
             (ceaf, r_big, ceaf, k_big),
             (lea_r_bare, n_response, lea_k_bare, n_key)]
    return rows


def score_partitions(key: Partition, response: Partition, singletons: bool = True
                     ) -> dict[str, Tally]:
    """Every metric of METRICS for one pair of partitions (collections of mention ids);
    singletons=False removes the clusters of one mention from both sides first."""
    key = [k for k in key if len(k)]  # an empty cluster counts in no metric
    response = [r for r in response if len(r)]
    where = {m: j for j, r in enumerate(response) for m in r}
    key_labels = [i for i, k in enumerate(key) for _ in k]
    twins = [where.get(m) for k in key for m in k]
    rows = _metrics_both([len(k) for k in key], [len(r) for r in response],
                         Counter(zip(key_labels, twins, strict=True)))
    chosen = rows[:len(METRICS)] if singletons else rows[len(METRICS):]
    return {metric: dict(zip(CORE, map(float, numbers), strict=True))
            for metric, numbers in zip(METRICS, chosen, strict=True)}


def muc(key: Partition, response: Partition) -> Tally:
    return score_partitions(key, response)["muc"]


def b_cubed(key: Partition, response: Partition) -> Tally:
    return score_partitions(key, response)["b3"]


def ceaf_e(key: Partition, response: Partition) -> Tally:
    return score_partitions(key, response)["ceafe"]


def lea(key: Partition, response: Partition) -> Tally:
    return score_partitions(key, response)["lea"]


def mention_identification(key: Partition, response: Partition) -> Tally:
    """Mention detection: a predicted mention is correct when its span is a gold mention."""
    return score_partitions(key, response)["mentions"]


# --- from annotation documents to clusterings ---------------------------------------------

def _joined(old: str | None, new: str | None) -> str | None:
    """The cluster of a span listed twice: the id that sorts first (an order-independent
    choice), an id before none."""
    return new if old is None or (new is not None and new < old) else old


class Side:
    """One side's mentions of one kind: mention -> cluster id (None: unclustered), with the
    count of repeated mentions."""

    def __init__(self) -> None:
        self.cluster_of: dict[Mention, str | None] = {}
        self.duplicates = 0

    def add(self, mention: Mention, cluster: str | None) -> None:
        known = self.cluster_of
        if mention not in known:
            known[mention] = cluster
            return
        self.duplicates += 1
        known[mention] = _joined(known[mention], cluster)

    def collect(self, items: Iterable[Any]) -> Side:
        """Add entity mentions or events (by trigger), keyed (start, end)."""
        for item in items:
            span = item.trigger if isinstance(item, Event) else item.span
            self.add((span.start, span.end), item.cluster)
        return self


# The scorers below do what Side does on plain lists: a side of one document is
# (mentions once each, in order; their cluster ids; items ignored; duplicates).
Chunk = tuple[list[Mention], list[str | None], int, int]


def _chunk(items: Sequence[Any], kind: str, doc: Document | None = None) -> Chunk:
    """A side's mentions of one kind in one document, as a Chunk. With `doc` (predictions),
    those that start outside the annotated zones are dropped and counted, as in the other
    layers (palmyra.scoring._common.kept_predictions)."""
    if kind == "event":
        mentions: list[Any] = [(x.trigger.start, x.trigger.end) for x in items]
    else:
        mentions = [(x.span.start, x.span.end) for x in items]
    ignored = 0
    if doc is not None:
        # A mention starts where its item does; the kept ones are the same objects, in order.
        kept = kept_predictions(doc, mentions, 0)
        ignored = len(mentions) - len(kept)
    clusters = [x.cluster for x in items]
    if ignored:  # drop the clusters of the mentions not kept
        # Equal mentions start alike, so kept_predictions keeps all or none of them, and the
        # kept mentions are the first or last ones of the list when they equal those (the
        # usual case: page furniture before or after the article).
        if mentions[:len(kept)] == kept:
            del clusters[len(kept):]
        elif mentions[ignored:] == kept:
            del clusters[:ignored]
        else:
            dropped = set(mentions).difference(kept)
            clusters = [c for m, c in zip(mentions, clusters, strict=True) if m not in dropped]
        mentions = kept
    if len(set(mentions)) == len(mentions):
        return mentions, clusters, ignored, 0
    side = Side()
    for mention, cluster in zip(mentions, clusters, strict=True):
        side.add(mention, cluster)
    known = side.cluster_of
    return list(known), list(known.values()), ignored, side.duplicates


def _drop_repeats(chunks: list[Chunk], doc_ids: list[str], repeated: set[str]
                  ) -> list[Chunk]:
    """The Chunks of documents in order, as one Side keyed (doc_id, start, end) would hold
    them when a doc_id comes more than once (those in `repeated`): a mention that an earlier
    Chunk of the same doc_id has stays there, with the cluster Side.add gives it, and counts
    as a duplicate."""
    seen: dict[str, tuple[set[Mention], list[Chunk]]] = {}  # doc_id -> mentions, Chunks
    out: list[Chunk] = []
    for chunk, doc_id in zip(chunks, doc_ids, strict=True):
        if doc_id in repeated:
            if doc_id not in seen:
                seen[doc_id] = (set(chunk[0]), [chunk])
            else:
                known, earlier = seen[doc_id]
                if not known.isdisjoint(chunk[0]):
                    chunk = _without(chunk, earlier)
                known.update(chunk[0])
                earlier.append(chunk)
        out.append(chunk)
    return out


def _without(chunk: Chunk, earlier: list[Chunk]) -> Chunk:
    """`chunk` without the mentions of the `earlier` Chunks of its document, which take their
    clusters as Side.add does."""
    where = {m: (clusters, k) for mentions, clusters, _, _ in earlier
             for k, m in enumerate(mentions)}
    mentions, clusters, ignored, duplicates = chunk
    kept: list[Mention] = []
    kept_clusters: list[str | None] = []
    for mention, cluster in zip(mentions, clusters, strict=True):
        if mention not in where:
            kept.append(mention)
            kept_clusters.append(cluster)
            continue
        duplicates += 1
        others, k = where[mention]
        others[k] = _joined(others[k], cluster)
    return kept, kept_clusters, ignored, duplicates


def _labels(clusters: list[str | None]) -> tuple[list[int], list[int]]:
    """The cluster index of each of a side's mentions, given their cluster ids, and the
    cluster sizes: ids are numbered in order of first appearance, then each mention without
    an id is a cluster of its own, in order."""
    if len(clusters) <= 16 and None not in clusters and len(set(clusters)) == len(clusters):
        # One mention per id (events, mostly), found at less cost than by a Counter
        return list(range(len(clusters))), [1] * len(clusters)
    size_of: dict[str | None, int] = Counter(clusters)
    alone = size_of.pop(None, 0)
    sizes = list(size_of.values())
    if not alone and len(sizes) == len(clusters):  # one mention per id: numbered in order
        return list(range(len(sizes))), sizes
    index = {c: i for i, c in enumerate(size_of)}
    if not alone:
        return [index[c] for c in clusters], sizes
    number = count(len(sizes)).__next__
    sizes += [1] * alone
    return [index[c] if c is not None else number() for c in clusters], sizes


def _one_each(clusters: list[str | None]) -> bool:
    """Is each of these mentions a cluster of its own (no id on two of them)?"""
    ids = set(clusters)
    return len(ids) - (None in ids) + clusters.count(None) == len(clusters)


def _numbers(keys: Sequence[Chunk], responses: Sequence[Chunk],
             doc_ids: Sequence[str] | None = None) -> list[Numbers]:
    """_metrics_both of paired sides, one pair per document: a key mention is looked up in
    the responses of its own document only (all those of its doc_id, if given), as mentions
    of two documents never meet."""
    if len(keys) == 1:
        key_clusters, clusters = keys[0][1], responses[0][1]
    else:
        key_clusters = list(chain.from_iterable(k[1] for k in keys))
        clusters = list(chain.from_iterable(r[1] for r in responses))
    key_labels, key_sizes = _labels(key_clusters)
    if len(key_sizes) == len(key_clusters) and _one_each(clusters):
        # Singletons only: a key mention's twin is a cluster of its own (no mention is in
        # a Chunk twice, nor in two Chunks of one doc_id), so only the shared mentions count.
        if len(keys) == 1:
            shared = len(set(responses[0][0]).intersection(keys[0][0]))
        else:
            shared = len(key_clusters) - list(
                _twins(keys, responses, [0] * len(clusters), doc_ids)).count(None)
        return _singleton_rows(len(key_clusters), len(clusters), shared)
    response_labels, response_sizes = _labels(clusters)
    return _metrics_both(key_sizes, response_sizes, Counter(
        zip(key_labels, _twins(keys, responses, response_labels, doc_ids), strict=False)))


def _twins(keys: Sequence[Chunk], responses: Sequence[Chunk], labels: list[int],
           doc_ids: Sequence[str] | None) -> Iterable[int | None]:
    """The response cluster of each key mention (None: the response lacks it), given the
    cluster labels of the response mentions, as in _numbers."""
    if len(keys) == 1:
        where = dict(zip(responses[0][0], labels, strict=False))
        return map(where.get, keys[0][0])
    found = iter(labels)
    twins: list[int | None] = []
    if doc_ids is None:
        for key, response in zip(keys, responses, strict=True):
            # zip stops at the end of this response's mentions, taking just their labels
            where = dict(zip(response[0], found, strict=False))
            twins += map(where.get, key[0])
        return twins
    where_of: dict[str, dict[Mention, int]] = {}
    for response, doc_id in zip(responses, doc_ids, strict=True):
        where_of.setdefault(doc_id, {}).update(zip(response[0], found, strict=False))
    for key, doc_id in zip(keys, doc_ids, strict=True):
        twins += map(where_of[doc_id].get, key[0])
    return twins


@cache
def _row_keys(prefix: str, kind: str) -> tuple[tuple[str, str, str], ...]:
    """The Counts keys of a kind's rows: with singletons, then without."""
    return tuple((LAYER, f"{prefix}{kind}_{metric}{suffix}", "*")
                 for suffix in ("", NO_SINGLETONS) for metric in METRICS)


def _add_rows(counts: Counts, prefix: str, kind: str, rows: list[Numbers], ignored: int,
              duplicates: int) -> None:
    # Copying a row and setting its numbers costs less than a dict display.
    zero = {"p_num": 0.0, "p_den": 0.0, "r_num": 0.0, "r_den": 0.0,
            "ignored": float(ignored), "duplicates": float(duplicates)}
    table = counts.table
    for key, numbers in zip(_row_keys(prefix, kind), rows, strict=False):  # 10 each
        table[key] = row = zero.copy()
        if numbers is not _ZERO:
            row["p_num"], row["p_den"], row["r_num"], row["r_den"] = numbers


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    """Within-document coreference of entity and event clusters, as additive Counts keyed
    ("coreference", "<kind>_<metric>[_nosingletons]", "*")."""
    counts = Counts()
    for kind, layer in KINDS.items():
        key = _chunk(gold.layer(layer), kind)
        response = _chunk(pred.layer(layer), kind, doc)
        _add_rows(counts, "", kind, _numbers([key], [response]), response[2], response[3])
    return counts


def score_cross_document(
        pairs: Iterable[tuple[AnnotationDocument, AnnotationDocument, Document | None]],
        kinds: Collection[str] = tuple(KINDS)) -> Counts:
    """Cross-document coreference over a whole corpus: the mentions of all documents in one
    clustering per side, keyed (doc_id, start, end); cluster ids are global, so one id in two
    documents is one cluster. Rows ("coreference", "cross_<kind>_<metric>[...]", "*")."""
    pairs = list(pairs)
    sides: dict[str, tuple[list[Chunk], list[Chunk]]] = {kind: ([], []) for kind in kinds}
    for gold, pred, doc in pairs:
        for kind, (keys, responses) in sides.items():
            layer = KINDS[kind]
            keys.append(_chunk(gold.layer(layer), kind))
            responses.append(_chunk(pred.layer(layer), kind, doc))
    doc_ids = [gold.doc_id for gold, _, _ in pairs]
    # The mentions of pairs of one doc_id meet, as one document's.
    repeated = {d for d, n in Counter(doc_ids).items() if n > 1}
    counts = Counts()
    for kind, (keys, responses) in sides.items():
        if repeated:
            keys = _drop_repeats(keys, doc_ids, repeated)
            responses = _drop_repeats(responses, doc_ids, repeated)
        rows = _numbers(keys, responses, doc_ids if repeated else None)
        _add_rows(counts, CROSS, kind, rows, sum([r[2] for r in responses]),
                  sum([r[3] for r in responses]))
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
