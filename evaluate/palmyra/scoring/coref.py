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

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from palmyra.annotations import Event
from palmyra.spans import max_weight_total
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



def _tally(p_num: float, p_den: float, r_num: float, r_den: float) -> Tally:
    return {"p_num": float(p_num), "p_den": float(p_den), "r_num": float(r_num),
            "r_den": float(r_den)}


def _lea_num(sizes: list[int], common: list[float]) -> float:
    """LEA numerator of one side: sum of |c| * resolution(c); common[c] holds the links of
    c found on the other side (for a singleton: 1 when it is a singleton there too)."""
    num = 0.0
    for s, links in zip(sizes, common, strict=True):
        if s == 1:
            num += links
        elif s > 1:
            num += s * links / (s * (s - 1) / 2)
    return num


def metrics(o: _Overlap) -> dict[str, Tally]:
    """Every metric of METRICS from one contingency table, in one pass over its cells.

    MUC: |c| - |p(c)| = (mentions of c the other side has) - (clusters it spreads over),
    since p(c) has one part per overlapping cluster plus one per twinless mention; summed
    over a side's clusters that is (shared mentions) - (cells of the table)."""
    ks, rs = o.key_sizes, o.response_sizes
    k_parts, r_parts = [0] * len(ks), [0] * len(rs)
    k_common, r_common = [0.0] * len(ks), [0.0] * len(rs)
    b3_r = b3_p = 0.0
    phi: dict[tuple[int, int], float] = {}
    for (i, j), c in o.n.items():
        ki, rj = ks[i], rs[j]
        k_parts[i] += 1
        r_parts[j] += 1
        b3_r += c * c / ki
        b3_p += c * c / rj
        links = c * (c - 1) / 2
        k_common[i] = float(rj == 1) if ki == 1 else k_common[i] + links
        r_common[j] = float(ki == 1) if rj == 1 else r_common[j] + links
        phi[i, j] = 2 * c / (ki + rj)
    tp = sum(o.n.values())
    n_key, n_response = sum(ks), sum(rs)
    ceaf = max_weight_total(phi)  # one-to-one per component; see palmyra.spans
    return {
        "mentions": _tally(tp, n_response, tp, n_key),
        "muc": _tally(tp - sum(r_parts), sum(s - 1 for s in rs if s),
                      tp - sum(k_parts), sum(s - 1 for s in ks if s)),
        "b3": _tally(b3_p, n_response, b3_r, n_key),
        "ceafe": _tally(ceaf, sum(1 for s in rs if s), ceaf, sum(1 for s in ks if s)),
        "lea": _tally(_lea_num(rs, r_common), n_response, _lea_num(ks, k_common), n_key),
    }


def score_partitions(key: Partition, response: Partition, singletons: bool = True
                     ) -> dict[str, Tally]:
    """Every metric of METRICS for one pair of partitions (collections of mention ids);
    singletons=False removes the clusters of one mention from both sides first."""
    o = _Overlap.of(key, response)
    return metrics(o if singletons else o.without_singletons())


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

@cache
def _annotated_zones() -> frozenset[str]:
    from palmyra.ontology import load_ontology

    return load_ontology().annotated_zones


def _zone_filter(doc: Document | None) -> Callable[[int], bool] | None:
    """A test "does a prediction starting at this offset lie in annotated text?", or None
    when everything is kept (no document, or a document without zones)."""
    if doc is None or not doc.zones:
        return None
    annotated = _annotated_zones()
    starts = [z.start for z in doc.zones]
    zones = doc.zones

    def keep(offset: int) -> bool:
        i = bisect_right(starts, offset) - 1
        return i >= 0 and offset < zones[i].end and zones[i].type in annotated

    return keep


class Side:
    """One side's mentions of one kind: mention -> cluster id (None: unclustered), with the
    counts of dropped items."""

    def __init__(self) -> None:
        self.cluster_of: dict[Mention, str | None] = {}
        self.ignored = 0
        self.duplicates = 0

    def add(self, mention: Mention, cluster: str | None) -> None:
        known = self.cluster_of
        if mention not in known:
            known[mention] = cluster
            return
        self.duplicates += 1
        old = known[mention]
        if old is None or (cluster is not None and cluster < old):
            known[mention] = cluster

    def collect(self, items: Iterable[Any], doc: Document | None = None,
                doc_id: str | None = None) -> Side:
        """Add entity mentions or events (by trigger). With `doc`, items that start outside
        the annotated zones are dropped and counted in `ignored`. With `doc_id`, mentions
        are keyed (doc_id, start, end) for cross-document scoring."""
        keep = _zone_filter(doc)
        known = self.cluster_of
        for item in items:
            span = item.trigger if isinstance(item, Event) else item.span
            if keep is not None and not keep(span.start):
                self.ignored += 1
                continue
            mention = (span.start, span.end) if doc_id is None else (doc_id, span.start,
                                                                     span.end)
            if mention in known:
                self.add(mention, item.cluster)
            else:
                known[mention] = item.cluster
        return self

    def extra(self) -> dict[str, float]:
        return {"ignored": float(self.ignored), "duplicates": float(self.duplicates)}

    def labels(self) -> tuple[dict[Mention, int], list[int]]:
        """Each mention's cluster index and the cluster sizes; a mention without a cluster
        id is a cluster of its own."""
        index: dict[str | None, int] = {}
        label: dict[Mention, int] = {}
        for mention, cluster in self.cluster_of.items():
            if cluster is None:
                label[mention] = -1 - len(label)  # its own cluster, numbered below
            else:
                label[mention] = index.setdefault(cluster, len(index))
        sizes = [0] * len(index)
        for mention, i in label.items():
            if i < 0:
                label[mention] = len(sizes)
                sizes.append(1)
            else:
                sizes[i] += 1
        return label, sizes


def _overlap(key: Side, response: Side) -> _Overlap:
    key_label, key_sizes = key.labels()
    response_label, response_sizes = response.labels()
    n: dict[tuple[int, int], int] = defaultdict(int)
    for mention, i in key_label.items():
        j = response_label.get(mention)
        if j is not None:
            n[i, j] += 1
    return _Overlap(key_sizes, response_sizes, n)


def _add_rows(counts: Counts, prefix: str, kind: str, key: Side, response: Side) -> None:
    full = _overlap(key, response)
    extra = response.extra()
    for suffix, o in (("", full), (NO_SINGLETONS, full.without_singletons())):
        for metric, t in metrics(o).items():
            t.update(extra)
            counts.table[LAYER, f"{prefix}{kind}_{metric}{suffix}", "*"] = t


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    """Within-document coreference of entity and event clusters, as additive Counts keyed
    ("coreference", "<kind>_<metric>[_nosingletons]", "*")."""
    counts = Counts()
    for kind, layer in KINDS.items():
        key = Side().collect(gold.layer(layer))
        response = Side().collect(pred.layer(layer), doc)
        _add_rows(counts, "", kind, key, response)
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
            key.collect(gold.layer(KINDS[kind]), doc_id=gold.doc_id)
            response.collect(pred.layer(KINDS[kind]), doc, doc_id=gold.doc_id)
    counts = Counts()
    for kind, (key, response) in sides.items():
        _add_rows(counts, CROSS, kind, key, response)
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
