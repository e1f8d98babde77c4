"""Coreference metrics: hand-computed classic examples, edge cases, the reference package
`scorch` on random clusterings, the assignment solver, and the document-level scorer."""

from __future__ import annotations

import itertools
import random
import statistics
from collections import Counter

import pytest

from palmyra.annotations import AnnotationDocument, Entity, Event, Span
from palmyra.corpus import Document, Zone
from palmyra.scoring import coref
from palmyra.spans import assign, max_weight_matching, max_weight_total
from palmyra.stats import Counts, prf, total

# Pradhan et al. (2014), figure 1, also the running example of Moosavi and Strube (2016).
KEY = [{"a", "b", "c"}, {"d", "e", "f", "g"}]
RESPONSE = [{"a", "b"}, {"c", "d"}, {"f", "g", "h", "i"}]


def approx(x: float) -> pytest.approx:
    return pytest.approx(x, abs=1e-12)


# --- hand-computed examples ----------------------------------------------------------------

def test_pradhan_2014_example_muc() -> None:
    # key {a b c}: split into {a b} {c} -> 3 - 2 = 1; {d e f g}: {d} {e} {f g} -> 4 - 3 = 1
    # response {a b}: 1; {c d}: 0; {f g h i}: {f g} {h} {i} -> 1; denominators 2+3 and 1+1+3.
    t = coref.muc(KEY, RESPONSE)
    assert t == {"p_num": 2.0, "p_den": 5.0, "r_num": 2.0, "r_den": 5.0}
    assert prf(t)["f1"] == approx(0.4)


def test_pradhan_2014_example_b_cubed() -> None:
    # recall: (2^2 + 1^2)/3 + (1^2 + 2^2)/4 over 7 mentions = (5/3 + 5/4)/7 = 5/12
    # precision: 2^2/2 + (1 + 1)/2 + 2^2/4 over 8 mentions = 4/8
    t = coref.b_cubed(KEY, RESPONSE)
    assert t["r_num"] / t["r_den"] == approx(5 / 12)
    assert t["p_num"] / t["p_den"] == approx(0.5)
    assert (t["p_den"], t["r_den"]) == (8.0, 7.0)


def test_pradhan_2014_example_ceaf_e() -> None:
    # phi4: {abc}-{ab} 4/5, {abc}-{cd} 2/5, {defg}-{cd} 2/6, {defg}-{fghi} 4/8; best 4/5 + 1/2
    t = coref.ceaf_e(KEY, RESPONSE)
    assert t["r_num"] == approx(1.3)
    assert prf(t)["recall"] == approx(0.65)
    assert prf(t)["precision"] == approx(1.3 / 3)


def test_moosavi_strube_2016_example_lea() -> None:
    # recall (3 * 1/3 + 4 * 1/6) / 7 = 5/21; precision (2 * 1 + 2 * 0 + 4 * 1/6) / 8 = 1/3
    t = coref.lea(KEY, RESPONSE)
    assert prf(t)["recall"] == approx(5 / 21)
    assert prf(t)["precision"] == approx(1 / 3)


def test_vilain_1995_muc_example() -> None:
    # key {A B C D}, response {A B} {C D}: recall (4 - 2)/3, precision (1 + 1)/(1 + 1)
    t = coref.muc([{"A", "B", "C", "D"}], [{"A", "B"}, {"C", "D"}])
    assert prf(t)["recall"] == approx(2 / 3)
    assert prf(t)["precision"] == approx(1.0)


def test_bagga_baldwin_luo_example() -> None:
    # key {1..5} {6 7} {8..12}; response merges the first and third clusters.
    key = [set(range(1, 6)), {6, 7}, set(range(8, 13))]
    response = [set(range(1, 6)) | set(range(8, 13)), {6, 7}]
    b3 = coref.b_cubed(key, response)
    assert prf(b3)["recall"] == approx(1.0)
    assert prf(b3)["precision"] == approx(7 / 12)  # (25/10 * 2 + 2) / 12
    ceaf = coref.ceaf_e(key, response)  # 2*5/15 + 1 = 5/3 over 3 key, 2 response clusters
    assert prf(ceaf)["recall"] == approx(5 / 9)
    assert prf(ceaf)["precision"] == approx(5 / 6)


def test_mention_identification() -> None:
    t = coref.mention_identification(KEY, RESPONSE)  # 6 shared of 7 gold, 8 predicted
    assert t == {"p_num": 6.0, "p_den": 8.0, "r_num": 6.0, "r_den": 7.0}


# --- edge cases ----------------------------------------------------------------------------

def test_identical_clusterings_score_one() -> None:
    for metric, t in coref.score_partitions(KEY, KEY).items():
        assert prf(t) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}, metric


def test_identical_with_singletons_score_one_except_muc() -> None:
    clusters = [{1, 2}, {3}, {4}]
    scores = coref.score_partitions(clusters, clusters)
    for metric in ("mentions", "b3", "ceafe", "lea"):
        assert prf(scores[metric])["f1"] == 1.0, metric
    assert prf(scores["muc"])["f1"] == 1.0  # {1 2} gives MUC one link
    only_singletons = [{1}, {2}]
    muc = coref.score_partitions(only_singletons, only_singletons)["muc"]
    # MUC counts links: all-singleton clusterings have none, 0/0 reads 0 (documented).
    assert muc == {"p_num": 0.0, "p_den": 0.0, "r_num": 0.0, "r_den": 0.0}
    assert prf(muc)["f1"] == 0.0
    lea = coref.score_partitions(only_singletons, only_singletons)["lea"]
    assert prf(lea)["f1"] == 1.0  # a singleton is resolved when it is a singleton there too


def test_empty_gold() -> None:
    scores = coref.score_partitions([], [{1, 2}, {3}])
    for metric, t in scores.items():
        assert t["r_den"] == 0.0 and t["p_num"] == 0.0, metric
        assert prf(t)["f1"] == 0.0
    assert scores["b3"]["p_den"] == 3.0 and scores["ceafe"]["p_den"] == 2.0


def test_empty_predictions() -> None:
    scores = coref.score_partitions([{1, 2}, {3}], [])
    for metric, t in scores.items():
        assert t["p_den"] == 0.0 and t["r_num"] == 0.0, metric
    assert scores["muc"]["r_den"] == 1.0 and scores["lea"]["r_den"] == 3.0


def test_both_empty() -> None:
    for t in coref.score_partitions([], []).values():
        assert t == {"p_num": 0.0, "p_den": 0.0, "r_num": 0.0, "r_den": 0.0}


def test_without_singletons_drops_clusters_of_one() -> None:
    key = [{1, 2}, {3}]
    response = [{1, 2, 3}, {4}]
    full = coref.score_partitions(key, response)
    bare = coref.score_partitions(key, response, singletons=False)  # key {1 2}, resp {1 2 3}
    assert bare["mentions"] == {"p_num": 2.0, "p_den": 3.0, "r_num": 2.0, "r_den": 2.0}
    assert full["mentions"]["r_den"] == 3.0 and full["mentions"]["p_den"] == 4.0
    assert bare["ceafe"]["r_den"] == 1.0 and bare["ceafe"]["p_den"] == 1.0
    assert bare["ceafe"]["r_num"] == approx(2 * 2 / 5)
    # MUC ignores singletons by construction: both variants agree.
    assert prf(full["muc"]) == prf(bare["muc"])


# --- the reference implementation ----------------------------------------------------------

def _random_partition(rng: random.Random, mentions: list[int]) -> list[set[int]]:
    mentions = mentions[:]
    rng.shuffle(mentions)
    out = []
    while mentions:
        size = rng.choice((1, 1, 2, 3, 4, 6))
        out.append(set(mentions[:size]))
        mentions = mentions[size:]
    return out


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # scorch divides by zero on P = R = 0
def test_agrees_with_scorch_on_random_clusterings() -> None:
    scores = pytest.importorskip("scorch.scores")
    rng = random.Random(20161211)
    compared = 0
    for _ in range(400):
        universe = list(range(rng.randint(1, 30)))
        # Twinless mentions on both sides: each side keeps ~80% of the mentions.
        key = _random_partition(rng, [m for m in universe if rng.random() < 0.8])
        response = _random_partition(rng, [m for m in universe if rng.random() < 0.8])
        if not key or not response:
            continue
        ours = coref.score_partitions(key, response)
        for name, reference in (("muc", scores.muc), ("b3", scores.b_cubed),
                                ("ceafe", scores.ceaf_e)):
            try:
                r, p, f = reference(key, response)
            except statistics.StatisticsError:
                # scorch's CEAF harmonic mean fails on P = R = 0 (numpy zeros); ours is 0.
                assert prf(ours[name])["f1"] == 0.0
                continue
            got = prf(ours[name])
            assert got["recall"] == pytest.approx(float(r), abs=1e-9), name
            assert got["precision"] == pytest.approx(float(p), abs=1e-9), name
            assert got["f1"] == pytest.approx(float(f), abs=1e-9), name
            compared += 1
    assert compared > 1000


def test_order_of_mentions_and_clusters_does_not_matter() -> None:
    rng = random.Random(7)
    key = _random_partition(rng, list(range(40)))
    response = _random_partition(rng, list(range(5, 45)))
    expected = coref.score_partitions(key, response)
    for _ in range(5):
        k = [set(c) for c in rng.sample(key, len(key))]
        r = [list(c) for c in rng.sample(response, len(response))]
        for c in r:
            rng.shuffle(c)
        got = coref.score_partitions(k, r)
        for metric in coref.METRICS:
            assert got[metric] == pytest.approx(expected[metric], abs=1e-12)


# --- the assignment solver -----------------------------------------------------------------

def _brute_force(weights: dict[tuple[int, int], float]) -> float:
    rows = sorted({i for i, _ in weights})
    cols = sorted({j for _, j in weights})
    best = 0.0
    # Every injective map of rows into columns or "unpaired" (None).
    for assignment in itertools.product([None, *cols], repeat=len(rows)):
        used = [c for c in assignment if c is not None]
        if len(used) != len(set(used)):
            continue
        best = max(best, sum(weights.get((r, c), 0.0) for r, c in zip(rows, assignment,
                                                                      strict=True)
                             if c is not None))
    return best


def test_max_weight_matching_is_optimal_on_small_problems() -> None:
    rng = random.Random(3)
    for _ in range(300):
        n, m = rng.randint(1, 5), rng.randint(1, 5)
        weights = {(i, j): rng.choice((rng.random(), 0.5, 1.0))
                   for i in range(n) for j in range(m) if rng.random() < 0.6}
        if not weights:
            continue
        value, pairs = max_weight_matching(weights)
        assert value == pytest.approx(_brute_force(weights), abs=1e-12)
        assert len({i for i, _ in pairs}) == len({j for _, j in pairs}) == len(pairs)
        assert value == pytest.approx(sum(weights[p] for p in pairs), abs=1e-12)


def test_max_weight_matching_large_sparse_agrees_with_scipy() -> None:
    optimize = pytest.importorskip("scipy.optimize")
    import numpy as np

    rng = random.Random(11)
    n = 400
    weights = {(i, rng.randrange(n)): rng.random() for i in range(n) for _ in range(3)}
    value, _ = max_weight_matching(weights)
    dense = np.zeros((n, n))
    for (i, j), w in weights.items():
        dense[i, j] = w
    rows, cols = optimize.linear_sum_assignment(-dense)
    assert value == pytest.approx(dense[rows, cols].sum(), abs=1e-9)


def test_max_weight_matching_prefers_two_pairs_to_one_heavy_one() -> None:
    value, pairs = max_weight_matching({(0, 0): 0.9, (0, 1): 0.6, (1, 0): 0.6})
    assert value == pytest.approx(1.2) and pairs == [(0, 1), (1, 0)]


def test_max_weight_total_solves_each_component_optimally() -> None:
    """Several components (stars, one-to-one edges, larger blocks) in one problem: the
    total is the brute-force optimum and the dense solver's (spans.assign) optimum."""
    rng = random.Random(5)
    for _ in range(200):
        weights: dict[tuple[int, int], float] = {}
        best = 0.0
        for block in range(rng.randint(1, 4)):  # disjoint blocks of rows and columns
            n, m = rng.randint(1, 3), rng.randint(1, 3)
            edges = {(10 * block + i, 10 * block + j): rng.choice((rng.random(), 0.5))
                     for i in range(n) for j in range(m) if rng.random() < 0.7}
            best += _brute_force(edges) if edges else 0.0
            weights |= edges
        if not weights:
            continue
        total = max_weight_total(weights)
        assert total == pytest.approx(best, abs=1e-12)
        rows = sorted({i for i, _ in weights})
        cols = sorted({j for _, j in weights})
        dense = [[(weights[i, j],) if (i, j) in weights else None for j in cols] for i in rows]
        pairs = assign(dense)
        assert total == pytest.approx(sum(dense[i][j][0] for i, j in pairs), abs=1e-12)


def test_max_weight_total_fast_paths() -> None:
    # one-to-one edges are summed; a star keeps its heaviest edge
    assert max_weight_total({(0, 0): 0.25, (1, 1): 0.5}) == 0.75
    assert max_weight_total({(0, 0): 0.25, (0, 1): 0.5, (0, 2): 0.125}) == 0.5
    assert max_weight_total({(0, 0): 0.25, (1, 0): 0.5, (2, 3): 0.125}) == 0.625


# --- from annotation documents -------------------------------------------------------------

TEXT = "Islamic State retook Palmyra. IS fighters entered it. The town fell. Credit: AP"
#       0         1         2         3         4         5         6         7
#       0123456789012345678901234567890123456789012345678901234567890123456789012345678
ZONES = (Zone("body", 0, 68), Zone("credit", 69, len(TEXT)))
DOC = Document("d1", TEXT, {"doc_id": "d1"}, ZONES)


def entity(start: int, end: int, cluster: str | None, kind: str = "ORG") -> Entity:
    return Entity(Span(start, end, TEXT[start:end]), kind, cluster=cluster)


def event(start: int, end: int, cluster: str | None) -> Event:
    return Event(Span(start, end, TEXT[start:end]), "Conflict.TakeControl", cluster=cluster)


GOLD = AnnotationDocument(
    "d1", "gold",
    entities=(entity(0, 13, "E:is"), entity(30, 32, "E:is"), entity(21, 28, "E:palmyra", "GPE"),
              entity(50, 52, "E:palmyra", "GPE"), entity(54, 62, "E:palmyra", "GPE")),
    events=(event(14, 20, "V:retake"), event(62, 67, "V:retake")))


def test_score_document_rows_and_policies() -> None:
    pred = AnnotationDocument(
        "d1", entities=(entity(0, 13, "x"), entity(30, 32, "x"), entity(21, 28, "y"),
                        entity(50, 52, None),          # unclustered: its own singleton
                        entity(76, 78, "x"),           # starts in the credit zone: ignored
                        entity(21, 28, "z")),          # same span again: one mention, in "y"
        events=(event(14, 20, "v"),))
    counts = coref.score(GOLD, pred, DOC)
    modes = {k[1] for k in counts}
    assert {k[0] for k in counts} == {"coreference"} and {k[2] for k in counts} == {"*"}
    assert modes == {f"{kind}_{metric}{suffix}" for kind in ("entity", "event")
                     for metric in coref.METRICS for suffix in ("", "_nosingletons")}
    mentions = counts[("coreference", "entity_mentions", "*")]
    assert mentions == {"p_num": 4.0, "p_den": 4.0, "r_num": 4.0, "r_den": 5.0,
                        "ignored": 1.0, "duplicates": 1.0}
    # key {0-13 30-32} {21-28 50-52 54-62}; response {0-13 30-32} {21-28} {50-52}
    muc = counts[("coreference", "entity_muc", "*")]
    assert (muc["r_num"], muc["r_den"], muc["p_num"], muc["p_den"]) == (1.0, 3.0, 1.0, 1.0)
    ev = counts[("coreference", "event_b3", "*")]
    assert (ev["r_num"], ev["r_den"], ev["p_num"], ev["p_den"]) == (0.5, 2.0, 1.0, 1.0)


def test_ceaf_e_adds_as_the_assignment_solver_does() -> None:
    """CEAF-e solves most components by inspection, with max_weight_total's float additions:
    documents whose clusters interleave (tables with many shared columns) score exactly as
    the solver does on the table in key mention order."""
    bare = Document("d1", TEXT, {"doc_id": "d1"})
    rng = random.Random(12)
    for _ in range(300):
        starts = rng.sample(range(60), rng.randint(2, 40))
        gold = [(s, f"k{rng.randrange(8)}") for s in starts if rng.random() < 0.9]
        pred = [(s, f"r{rng.randrange(12)}") for s in starts if rng.random() < 0.9]
        key_ids = list(dict.fromkeys(c for _, c in gold))  # numbered by first appearance
        response_ids = list(dict.fromkeys(c for _, c in pred))
        sizes = Counter(c for _, c in gold + pred)
        twin = dict(pred)
        cells = Counter((key_ids.index(c), response_ids.index(twin[s])) for s, c in gold
                        if s in twin)
        phi = {(i, j): 2 * n / (sizes[key_ids[i]] + sizes[response_ids[j]])
               for (i, j), n in cells.items()}
        counts = coref.score(
            AnnotationDocument("d1", "gold", entities=tuple(entity(s, s + 1, c) for s, c in gold)),
            AnnotationDocument("d1", entities=tuple(entity(s, s + 1, c) for s, c in pred)), bare)
        expected = max_weight_total(phi) if phi else 0.0
        assert counts[("coreference", "entity_ceafe", "*")]["r_num"] == expected


def test_duplicate_spans_join_the_cluster_that_sorts_first_in_any_order() -> None:
    a = AnnotationDocument("d1", entities=(entity(21, 28, "z"), entity(21, 28, "y"),
                                           entity(50, 52, "y")))
    b = AnnotationDocument("d1", entities=tuple(reversed(a.entities)))
    assert coref.score(GOLD, a, DOC) == coref.score(GOLD, b, DOC)
    side = coref.Side().collect(a.entities)
    assert side.cluster_of == {(21, 28): "y", (50, 52): "y"} and side.duplicates == 1


def test_a_document_without_zones_keeps_every_prediction() -> None:
    bare = Document("d1", TEXT, {"doc_id": "d1"})
    pred = AnnotationDocument("d1", entities=(entity(76, 78, "x"),))
    assert coref.score(GOLD, pred, bare)[("coreference", "entity_mentions", "*")]["ignored"] == 0
    assert coref.score(GOLD, pred, DOC)[("coreference", "entity_mentions", "*")]["ignored"] == 1


def test_missing_layers_read_as_empty() -> None:
    counts = coref.score(GOLD, AnnotationDocument("d1"), DOC)
    assert counts[("coreference", "entity_b3", "*")]["r_den"] == 5.0
    assert counts[("coreference", "entity_b3", "*")]["p_den"] == 0.0


def test_cross_document_clusters_share_ids_across_documents() -> None:
    text2 = "Palmyra fell to IS."
    doc2 = Document("d2", text2, {"doc_id": "d2"})
    gold2 = AnnotationDocument("d2", "gold", entities=(
        Entity(Span(0, 7, "Palmyra"), "GPE", cluster="E:palmyra"),
        Entity(Span(16, 18, "IS"), "ORG", cluster="E:is")))
    # The prediction links IS across documents but not Palmyra.
    pred1 = AnnotationDocument("d1", entities=(entity(0, 13, "A"), entity(30, 32, "A"),
                                               entity(21, 28, "B")))
    pred2 = AnnotationDocument("d2", entities=(
        Entity(Span(0, 7, "Palmyra"), "GPE", cluster="C"),
        Entity(Span(16, 18, "IS"), "ORG", cluster="A")))
    pairs = [(GOLD, pred1, DOC), (gold2, pred2, doc2)]
    cross = coref.score_cross_document(pairs, kinds=("entity",))
    assert {k[1] for k in cross} == {f"cross_entity_{m}{s}" for m in coref.METRICS
                                     for s in ("", "_nosingletons")}
    # key {is: d1 0-13, d1 30-32, d2 16-18} {palmyra: d1 21-28, 50-52, 54-62, d2 0-7}
    # response {A: d1 0-13, 30-32, d2 16-18} {B: d1 21-28} {C: d2 0-7}
    muc = cross[("coreference", "cross_entity_muc", "*")]
    assert (muc["r_num"], muc["r_den"], muc["p_num"], muc["p_den"]) == (2.0, 5.0, 2.0, 2.0)
    # Within documents the same predictions lose the cross-document link.
    within = total(coref.score(g, p, d) for g, p, d in pairs)
    w = within[("coreference", "entity_muc", "*")]
    assert (w["r_num"], w["r_den"]) == (1.0, 3.0)  # d2 alone has only singletons: 0/0


def test_within_document_scores_are_additive() -> None:
    # Two documents with no shared cluster ids: the sum of the per-document tallies equals
    # the cross-document score of the pair.
    text2 = "IS took it."
    doc2 = Document("d2", text2, {"doc_id": "d2"})
    gold2 = AnnotationDocument("d2", "gold", entities=(
        Entity(Span(0, 2, "IS"), "ORG", cluster="E:other"),
        Entity(Span(8, 10, "it"), "ORG", cluster="E:other")))
    pred1 = AnnotationDocument("d1", entities=(entity(0, 13, "p"), entity(21, 28, "p"),
                                               entity(50, 52, "q")))
    pred2 = AnnotationDocument("d2", entities=(Entity(Span(0, 2, "IS"), "ORG", cluster="r"),))
    pairs = [(GOLD, pred1, DOC), (gold2, pred2, doc2)]
    summed = total(coref.score(g, p, d) for g, p, d in pairs)
    cross = coref.score_cross_document(pairs, kinds=("entity",))
    for metric in coref.METRICS:
        a = summed[("coreference", f"entity_{metric}", "*")]
        b = cross[("coreference", f"cross_entity_{metric}", "*")]
        assert a == pytest.approx(b, abs=1e-12), metric


def test_conll_modes() -> None:
    modes = ["entity_mentions", "entity_muc", "entity_b3", "entity_ceafe", "entity_lea",
             "event_muc", "event_b3", "cross_entity_muc_nosingletons",
             "cross_entity_b3_nosingletons", "cross_entity_ceafe_nosingletons"]
    assert coref.conll_modes(modes) == {
        "entity_conll": ("entity_muc", "entity_b3", "entity_ceafe"),
        "cross_entity_conll_nosingletons": ("cross_entity_muc_nosingletons",
                                            "cross_entity_b3_nosingletons",
                                            "cross_entity_ceafe_nosingletons"),
    }  # event_conll is absent: event_ceafe is missing


def test_score_returns_counts() -> None:
    assert isinstance(coref.score(GOLD, GOLD, DOC), Counts)
    for key, t in coref.score(GOLD, GOLD, DOC).items():
        assert prf(t)["f1"] == 1.0, key
