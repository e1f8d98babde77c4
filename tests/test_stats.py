"""Counts arithmetic, averages, bootstrap intervals, paired tests and the signature."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palmyra import stats
from palmyra.stats import Counts, tally

K = ("entities", "strict", "*")
KP = ("entities", "strict", "PER")
KO = ("entities", "strict", "ORG")


def counts(tp: float, fp: float, fn: float, key: tuple[str, str, str] = K) -> Counts:
    return Counts({key: tally(tp, fp, fn)})


def f1(tp: float, fp: float, fn: float) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


# --- arithmetic and averages ---------------------------------------------------------------

def test_total_adds_core_and_extra_fields() -> None:
    a = Counts({K: tally(2, 1, 0, ignored=1), KP: tally(1, 0, 0)})
    b = Counts({K: tally(3, 0, 2)})
    c = stats.total([a, b])
    assert c[K] == {"p_num": 5.0, "p_den": 6.0, "r_num": 5.0, "r_den": 7.0, "ignored": 1.0}
    assert c[KP] == {"p_num": 1.0, "p_den": 1.0, "r_num": 1.0, "r_den": 1.0}
    assert (a + b) == c
    assert a[K]["p_num"] == 2  # the inputs are not modified


def test_prf_of_empty_denominators_is_zero() -> None:
    assert stats.prf(tally()) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_micro_and_macro_averages() -> None:
    c = Counts({K: tally(4, 2, 4), KP: tally(3, 1, 0), KO: tally(1, 1, 4)})
    assert stats.micro(c, "entities", "strict") == pytest.approx(
        {"precision": 4 / 6, "recall": 4 / 8, "f1": 8 / 14})
    # PER: P 3/4, R 1, F1 6/7; ORG: P 1/2, R 1/5, F1 2/7
    assert stats.macro(c, "entities", "strict") == pytest.approx(
        {"precision": (3 / 4 + 1 / 2) / 2, "recall": (1 + 1 / 5) / 2, "f1": (6 / 7 + 2 / 7) / 2})
    assert stats.macro(Counts({K: tally(1)}), "entities", "strict") is None
    assert stats.micro(Counts(), "entities", "strict")["f1"] == 0.0


def test_counts_views() -> None:
    c = Counts({K: tally(1), KP: tally(1), ("events", "x", "*"): tally(1)})
    assert c.layers() == ["entities", "events"]
    assert c.modes("entities") == ["strict"]
    assert c.labels("entities", "strict") == ["PER"]
    assert set(c.select(["events"])) == {("events", "x", "*")}


def test_stack_and_f1_array() -> None:
    units = [counts(1, 1, 0), Counts()]  # a unit without the key reads as zeros
    data = stats.stack(units, [K])
    assert data.shape == (2, 1, 4)
    assert data[:, 0].tolist() == [[1, 2, 1, 1], [0, 0, 0, 0]]
    assert stats.f1_array(data)[:, 0].tolist() == pytest.approx([2 / 3, 0.0])
    groups = stats.metric_f1(np.array([[0.2, 0.4, 0.9]]), [[0], [0, 1, 2]])
    assert groups[0].tolist() == pytest.approx([0.2, 0.5])


def test_stacked_gathers_the_same_numbers_as_a_list_of_counts() -> None:
    units = [Counts({K: tally(2, 1, 0, ignored=1), KP: tally(1)}), Counts(),
             Counts({K: tally(0, 0, 3)})]
    stacked = stats.Stacked()
    for i, c in enumerate(units):
        stacked.add(i, c)
    assert stacked.total() == stats.total(units)
    assert stacked.array([K, KO]).tolist() == stats.stack(units, [K, KO]).tolist()
    stacked.add(2, Counts({K: tally(1)}))  # a unit given in parts adds up
    assert stacked.array([K])[2, 0].tolist() == [1, 1, 1, 4]
    assert stats.bootstrap_ci(stacked, [K], n=100) == stats.bootstrap_ci(
        [units[0], units[1], units[2] + Counts({K: tally(1)})], [K], n=100)


# --- bootstrap -----------------------------------------------------------------------------

TINY = [(3, 1, 0), (0, 2, 1), (5, 0, 2), (1, 1, 1)]


def _direct_ci(rows: list[tuple[int, int, int]], n: int, seed: int) -> tuple[float, float]:
    """The percentile interval computed the obvious way: draw indices, sum, score."""
    arr = np.array([(tp, tp + fp, tp, tp + fn) for tp, fp, fn in rows], dtype=float)
    idx = np.random.default_rng(seed).integers(0, len(rows), size=(n, len(rows)))
    sums = arr[idx].sum(axis=1)
    p = np.where(sums[:, 1] > 0, sums[:, 0] / np.maximum(sums[:, 1], 1), 0)
    r = np.where(sums[:, 3] > 0, sums[:, 2] / np.maximum(sums[:, 3], 1), 0)
    f = np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), 0)
    low, high = np.percentile(f, [2.5, 97.5])
    return float(low), float(high)


def test_bootstrap_ci_matches_a_direct_numpy_computation() -> None:
    units = [counts(*row) for row in TINY]
    (ci,) = stats.bootstrap_ci(units, [K], n=1000, seed=12345)
    assert ci == pytest.approx(_direct_ci(TINY, 1000, 12345), abs=1e-12)
    assert ci[0] < f1(9, 4, 4) < ci[1]


def test_bootstrap_is_deterministic_and_independent_of_batching(monkeypatch) -> None:
    units = [counts(*row) for row in TINY * 5]
    first = stats.bootstrap_ci(units, [K], n=500, seed=7)
    assert stats.bootstrap_ci(units, [K], n=500, seed=7) == first
    assert stats.bootstrap_ci(units, [K], n=500, seed=8) != first
    monkeypatch.setattr(stats, "_BATCH_CELLS", 7)  # batches of one resample
    assert stats.bootstrap_ci(units, [K], n=500, seed=7) == first


def test_bootstrap_of_one_unit_is_a_point() -> None:
    (ci,) = stats.bootstrap_ci([counts(3, 1, 2)], [K], n=50)
    assert ci == pytest.approx((f1(3, 1, 2), f1(3, 1, 2)))


def test_resamples_without_items_are_left_out_of_the_interval() -> None:
    # Only the first of four documents has the metric: a resample without it has no gold
    # and no prediction, which says nothing about the metric (a 0 there would be invented).
    units = [counts(2, 0, 0), Counts(), Counts(), Counts()]
    assert stats.bootstrap_ci(units, [K, KP], n=200) == [(1.0, 1.0), None]
    samples = stats.bootstrap_samples(stats.stack(units, [K]), 200, 12345)
    assert samples.min() == 0.0  # with the point estimate's 0/0 = 0 convention


def test_bootstrap_unit_hook() -> None:
    units = [counts(*row) for row in TINY]
    assert stats.bootstrap_ci(units, [K], unit="sentence") == stats.bootstrap_ci(units, [K])
    with pytest.raises(ValueError, match="unit"):
        stats.bootstrap_ci(units, [K], unit="token")
    with pytest.raises(ValueError):
        stats.bootstrap_ci([], [K])


def test_bootstrap_of_a_derived_metric_is_the_mean_of_its_parts() -> None:
    k2 = ("coreference", "b3", "*")
    units = [Counts({K: tally(*a), k2: tally(*b)}) for a, b in zip(TINY, reversed(TINY),
                                                                   strict=True)]
    samples = stats.bootstrap_samples(stats.stack(units, [K, k2]), 200, 1, [[0], [1], [0, 1]])
    assert samples[:, 2] == pytest.approx((samples[:, 0] + samples[:, 1]) / 2)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(5, 15), st.integers(0, 5), st.integers(0, 5)),
                min_size=30, max_size=60))
def test_interval_contains_the_point_estimate(rows: list[tuple[int, int, int]]) -> None:
    units = [counts(*row) for row in rows]
    ((low, high),) = stats.bootstrap_ci(units, [K], n=300, seed=12345)
    point = stats.prf(stats.total(units)[K])["f1"]
    assert low - 1e-12 <= point <= high + 1e-12


# --- paired tests --------------------------------------------------------------------------

def _stacked(rows: list[tuple[int, int, int]]) -> np.ndarray:
    return stats.stack([counts(*row) for row in rows], [K])


def test_identical_systems_give_p_one() -> None:
    a = _stacked(TINY * 3)
    assert stats.approximate_randomization(a, a.copy(), trials=2000).tolist() == [1.0]
    _, _, p = stats.paired_bootstrap(a, a.copy(), n=500)
    assert p.tolist() == [1.0]


def test_randomization_p_value_bounds_and_direct_computation() -> None:
    rows_a = [(3, 2, 2), (1, 1, 3), (4, 0, 1)]
    rows_b = [(4, 1, 1), (1, 2, 3), (5, 1, 0)]
    a, b = _stacked(rows_a), _stacked(rows_b)
    trials, seed = 999, 5
    (p,) = stats.approximate_randomization(a, b, trials=trials, seed=seed).tolist()
    # Direct: the same swap draws, scored one trial at a time.
    swaps = np.random.default_rng(seed).integers(2, size=(trials, 3), dtype=bool)

    def score(rows: list[tuple[int, int, int]]) -> float:
        tp, fp, fn = (sum(x) for x in zip(*rows, strict=True))
        return f1(tp, fp, fn)

    observed = abs(score(rows_a) - score(rows_b))
    c = 0
    for swap in swaps:
        sa = [rb if s else ra for ra, rb, s in zip(rows_a, rows_b, swap, strict=True)]
        sb = [ra if s else rb for ra, rb, s in zip(rows_a, rows_b, swap, strict=True)]
        c += abs(score(sa) - score(sb)) >= observed - 1e-12
    assert p == pytest.approx((c + 1) / (trials + 1), abs=1e-15)
    assert 1 / (trials + 1) <= p <= 1.0


def test_a_system_better_on_every_document_is_significant() -> None:
    a = _stacked([(5, 5, 5)] * 20)
    b = _stacked([(8, 2, 2)] * 20)
    (p_ar,) = stats.approximate_randomization(a, b, trials=2000).tolist()
    assert p_ar < 0.01
    _, _, p_bs = stats.paired_bootstrap(a, b, n=1000)
    assert p_bs.tolist() == [1 / 1001]  # B wins every resample: c = 0


def test_paired_bootstrap_direct_computation() -> None:
    rows_a = [(3, 2, 2), (1, 1, 3), (4, 0, 1), (0, 2, 2)]
    rows_b = [(4, 1, 1), (1, 2, 3), (3, 1, 2), (1, 1, 1)]
    n, seed = 400, 9
    samples_a, samples_b, p = stats.paired_bootstrap(_stacked(rows_a), _stacked(rows_b),
                                                     n=n, seed=seed)
    idx = np.random.default_rng(seed).integers(0, 4, size=(n, 4))

    def score(rows: list[tuple[int, int, int]]) -> float:
        tp, fp, fn = (sum(x) for x in zip(*rows, strict=True))
        return f1(tp, fp, fn)

    fa = np.array([score([rows_a[i] for i in draw]) for draw in idx])
    fb = np.array([score([rows_b[i] for i in draw]) for draw in idx])
    assert samples_a[:, 0] == pytest.approx(fa) and samples_b[:, 0] == pytest.approx(fb)
    sign = np.sign(score(rows_b) - score(rows_a))
    c = int(((fb - fa) * sign <= 1e-12).sum())
    assert p.tolist() == [pytest.approx((c + 1) / (n + 1))]


def test_paired_tests_intervals_equal_each_system_s_own_bootstrap() -> None:
    units_a = [counts(*row) for row in TINY * 4]
    units_b = [counts(tp + 1, fp, fn) for tp, fp, fn in TINY * 4]
    result = stats.paired_tests(units_a, units_b, [K], bootstrap=300, trials=300, seed=3)
    assert result.ci_a == stats.bootstrap_ci(units_a, [K], n=300, seed=3)
    assert result.ci_b == stats.bootstrap_ci(units_b, [K], n=300, seed=3)
    assert result.score_b[0] > result.score_a[0]
    assert 0 < result.p_bootstrap[0] <= 1 and 0 < result.p_randomization[0] <= 1
    none = stats.paired_tests(units_a, units_b, [K], bootstrap=0, trials=0)
    assert none.ci_a is None and none.p_bootstrap is None and none.p_randomization is None
    with pytest.raises(ValueError):
        stats.paired_tests(units_a, units_b[:-1], [K])


# --- signature -----------------------------------------------------------------------------

def test_signature_format() -> None:
    sha = "ab12cd34ef56" + "0" * 52
    assert stats.signature(sha, layer="entities", match="strict", version="0.1.0") == (
        "palmyra:0.1.0|gold:sha256:ab12cd34ef56|layer:entities|match:strict|"
        "bootstrap:1000|seed:12345")
    assert stats.signature(sha, layers="entities+events", trials=10000, bootstrap=0, seed=1,
                           version="0.1.0") == (
        "palmyra:0.1.0|gold:sha256:ab12cd34ef56|layers:entities+events|trials:10000|"
        "bootstrap:0|seed:1")
    from palmyra import __version__

    assert stats.signature(sha).startswith(f"palmyra:{__version__}|")
    with pytest.raises(ValueError, match=r"\|"):
        stats.signature(sha, layer="a|b")
