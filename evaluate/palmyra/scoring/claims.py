"""The claims task: group claim mentions across documents and label each group's relation.

A system reads the gold documents and predicts a claims document (schema/claims.schema.json):
groups of mentions, each mention naming a gold item (doc_id, layer, id), and a relation per
group. It is scored against the gold claims in two ways:

- clustering: the claims of each side are a partition of that side's mentions, keyed
  (doc_id, layer, id), and the two partitions are compared with the coreference metrics of
  palmyra.scoring.coref (mention identification, MUC, B-cubed, CEAF-e, LEA; singletons kept:
  a single-source claim with one mention is a cluster of one). Mentions of one side absent
  from the other are kept, as the reference coreference scorer keeps twinless mentions.
- relation: gold and predicted claims are matched one-to-one by maximum overlap (the number
  of shared mentions; among equal overlaps the pair closer in size), with
  palmyra.spans.match_graph. `relation_accuracy` is the share of matched pairs whose
  relations are equal (its precision, recall and F1 all equal the accuracy; per-relation rows
  count recall on the gold relation and precision on the predicted one); `relation` is the
  end-to-end score: a predicted claim is correct when it is matched and has the gold
  relation, over all predicted (precision) and all gold (recall) claims.

Rows are palmyra.stats.Counts keyed ("claims", mode, label), label "*" the total. Every row
is additive over the connected components of the graph that joins a gold and a predicted
claim sharing a mention: `score` is the sum of `score_units`, and the units are what the
bootstrap resamples (a claim and the predicted claims it overlaps stay together).
`layers` restricts both sides to mentions of some layers (e.g. numbers only).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from palmyra.claims import ClaimsDocument, MentionKey
from palmyra.scoring._common import Table
from palmyra.scoring.coref import METRICS, score_partitions
from palmyra.spans import match_graph
from palmyra.stats import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    TOTAL,
    Counts,
    bootstrap_samples,
    percentile_ci,
    prf,
    signature,
    stack,
    total,
)

LAYER = "claims"
CLUSTER_MODES = METRICS  # mentions, muc, b3, ceafe, lea
MODES = (*CLUSTER_MODES, "relation_accuracy", "relation")


@dataclass(frozen=True)
class _Group:
    """A claim reduced to what the task scores: its mention keys and its relation."""

    keys: frozenset[MentionKey]
    relation: str


def groups(doc: ClaimsDocument, layers: Collection[str] | None = None) -> list[_Group]:
    """The claims as groups of mention keys, in a canonical order (sorted keys), so that the
    order of claims and mentions in the file never changes a score. With `layers`, mentions
    of other layers are dropped, and claims left without a mention with them."""
    out = []
    for claim in doc.claims:
        keys = frozenset(m.key for m in claim.mentions if layers is None or m.layer in layers)
        if keys:
            out.append(_Group(keys, claim.relation))
    return sorted(out, key=lambda g: (sorted(g.keys), g.relation))


def match(gold: Sequence[_Group], pred: Sequence[_Group]) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index) of maximum total overlap; a pair must
    share a mention. Ties prefer groups of closer size."""
    where = {k: j for j, g in enumerate(pred) for k in g.keys}
    edges = {(i, where[k]) for i, g in enumerate(gold) for k in g.keys if k in where}
    size = 1 + max((len(g.keys) for g in (*gold, *pred)), default=0)

    def weight(i: int, j: int) -> tuple[int, int]:
        shared = len(gold[i].keys & pred[j].keys)
        return (shared, size - abs(len(gold[i].keys) - len(pred[j].keys)))

    return sorted(match_graph(edges, weight))


def _components(gold: Sequence[_Group], pred: Sequence[_Group]
                ) -> list[tuple[list[int], list[int]]]:
    """Connected components of the bipartite graph gold claim - predicted claim (an edge when
    they share a mention), as (gold indices, predicted indices); lone claims included."""
    parent = list(range(len(gold) + len(pred)))  # union-find: gold i, predicted len(gold) + j

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    where = {k: j for j, g in enumerate(pred) for k in g.keys}
    for i, g in enumerate(gold):
        for k in g.keys:
            if k in where:
                parent[find(i)] = find(len(gold) + where[k])
    members: dict[int, tuple[list[int], list[int]]] = {}
    for x in range(len(parent)):
        side = members.setdefault(find(x), ([], []))
        (side[0].append(x) if x < len(gold) else side[1].append(x - len(gold)))
    return sorted(members.values(), key=lambda c: (c[0][:1] or [len(gold)], c[1][:1]))


def _unit(gold: Sequence[_Group], pred: Sequence[_Group], g_idx: list[int], p_idx: list[int],
          pairs: Sequence[tuple[int, int]]) -> Counts:
    """The rows of one component."""
    counts = Counts()
    clusters = score_partitions([gold[i].keys for i in g_idx], [pred[j].keys for j in p_idx])
    for metric in CLUSTER_MODES:
        counts.table[LAYER, metric, TOTAL] = clusters[metric]
    table = Table(LAYER)
    inside = set(g_idx)
    mine = [(i, j) for i, j in pairs if i in inside]
    gold_rel = [gold[i].relation for i, _ in mine]
    pred_rel = [pred[j].relation for _, j in mine]
    same = [(k, k) for k in range(len(mine)) if gold_rel[k] == pred_rel[k]]
    table.tally("relation_accuracy", gold_rel, pred_rel, same)
    g_pos = {i: n for n, i in enumerate(g_idx)}
    p_pos = {j: n for n, j in enumerate(p_idx)}
    table.tally("relation", [gold[i].relation for i in g_idx],
                [pred[j].relation for j in p_idx],
                [(g_pos[i], p_pos[j]) for i, j in mine if gold[i].relation == pred[j].relation])
    table.row("relation_accuracy")["matched"] = float(len(mine))
    counts.table.update(table.counts().table)
    return counts


def score_units(gold: ClaimsDocument, pred: ClaimsDocument,
                layers: Collection[str] | None = None) -> list[Counts]:
    """One Counts per connected component (the resampling units); their sum is `score`."""
    g, p = groups(gold, layers), groups(pred, layers)
    pairs = match(g, p)
    return [_unit(g, p, gi, pi, pairs) for gi, pi in _components(g, p)]


def score(gold: ClaimsDocument, pred: ClaimsDocument,
          layers: Collection[str] | None = None) -> Counts:
    """The claims task's Counts: clustering modes and relation modes (module docstring)."""
    out = total(score_units(gold, pred, layers))
    for mode in MODES:  # every mode has a total row, even when both sides are empty
        out.table.setdefault((LAYER, mode, TOTAL), {"p_num": 0.0, "p_den": 0.0, "r_num": 0.0,
                                                    "r_den": 0.0})
    return out


def intervals(units: Sequence[Counts], *, n: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
              ) -> dict[str, tuple[float, float] | None]:
    """95% percentile bootstrap intervals of each mode's F1, resampling the units (connected
    components of claims) with replacement; None where no resample has an item. The unit is
    a component, not a document: a claim spans documents, and its rows are additive over
    components only."""
    import numpy as np

    if n <= 0 or not units:
        return {}
    keys = [(LAYER, mode, TOTAL) for mode in MODES]
    samples = bootstrap_samples(stack(units, keys), n, seed, empty=np.nan)
    low, high = percentile_ci(samples)
    return {mode: None if np.isnan(a) else (float(a), float(b))
            for mode, a, b in zip(MODES, low, high, strict=True)}


def result(gold: ClaimsDocument, pred: ClaimsDocument, *, gold_sha256: str,
           layers: Collection[str] | None = None, bootstrap: int = DEFAULT_RESAMPLES,
           seed: int = DEFAULT_SEED) -> dict:
    """The scores as a JSON-ready object (docs/claims.md): per mode P/R/F1, the counts, the
    95% interval, per-relation rows for the relation modes, and the signature."""
    units = score_units(gold, pred, layers)
    counts = score(gold, pred, layers)
    cis = intervals(units, n=bootstrap, seed=seed)
    modes = {}
    for mode in MODES:
        t = counts[(LAYER, mode, TOTAL)]
        ci = cis.get(mode)
        modes[mode] = {**prf(t), **{k: float(v) for k, v in t.items()},
                       "ci95": [ci[0], ci[1]] if ci is not None else None,
                       "by_relation": {label: {**prf(counts[(LAYER, mode, label)]),
                                               **counts[(LAYER, mode, label)]}
                                       for label in counts.labels(LAYER, mode)}}
    scope = "+".join(sorted(layers)) if layers else "all"
    return {
        "signature": signature(gold_sha256, layer=LAYER, match="max-overlap",
                               mentions=scope, unit="claim-component", bootstrap=bootstrap,
                               seed=seed),
        "gold": {"sha256": gold_sha256, "claims": len(gold.claims)},
        "prediction": {"claims": len(pred.claims), "annotator": pred.annotator},
        "mention_layers": sorted(layers) if layers else "all",
        "modes": modes,
        "policies": {"mention_key": "doc_id, layer, id", "singletons": "with",
                     "twinless_mentions": "kept", "matching": "one-to-one, maximum overlap",
                     "resampling_unit": "connected component of overlapping claims",
                     "resamples": bootstrap, "seed": seed, "interval": "percentile",
                     "level": 0.95},
    }


__all__ = ["CLUSTER_MODES", "LAYER", "MODES", "groups", "intervals", "match", "result",
           "score", "score_units"]
