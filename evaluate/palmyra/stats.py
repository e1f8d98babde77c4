"""Additive score tables. Every scorer maps one (gold, predicted) document pair to Counts;
corpus scores, bootstrap resamples and shards are sums of Counts.

A Tally holds four numbers from which P/R/F1 follow, plus optional extra counts:
  p_num / p_den = precision, r_num / r_den = recall.
For plain matching p_num = r_num = tp, p_den = tp + fp, r_den = tp + fn; for partial credit,
B-cubed or CEAF the numerators are fractional. Extras (correct, incorrect, partial, missed,
spurious, ...) are summed the same way.

Because corpus scores are sums, uncertainty comes cheaply: per-unit (document, or sentence
as palmyra.units scores them) tallies are stacked once into an array
(units x metrics x 4), and a bootstrap resample is a weighted sum of its rows. The same array
serves the paired tests of two systems (paired bootstrap, approximate randomization).

numpy is imported inside the functions that need it, so that `import palmyra.stats` (and the
`palmyra` command line) stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import numpy as np

Key = tuple[str, str, str]  # (layer, mode, label); label "*" is the micro total
Tally = dict[str, float]
CORE = ("p_num", "p_den", "r_num", "r_den")
TOTAL = "*"

DEFAULT_RESAMPLES = 1000
DEFAULT_TRIALS = 10_000
DEFAULT_SEED = 12345
UNITS = ("doc", "sentence")
# Resample draws are processed in batches of about this many (resample, unit) cells, so that
# memory stays bounded (~16 MB of weights) whatever the corpus size.
_BATCH_CELLS = 2_000_000


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

    def layers(self) -> list[str]:
        """Layers in the order their first row was added."""
        return list(dict.fromkeys(k[0] for k in self.table))

    def modes(self, layer: str) -> list[str]:
        """Modes of a layer in the order their first row was added."""
        return list(dict.fromkeys(k[1] for k in self.table if k[0] == layer))

    def labels(self, layer: str, mode: str) -> list[str]:
        """The per-type labels of a mode (the total "*" excluded), sorted."""
        return sorted(k[2] for k in self.table if k[0] == layer and k[1] == mode
                      and k[2] != TOTAL)

    def select(self, layers: Iterable[str]) -> Counts:
        """The rows of some layers only (a copy)."""
        keep = set(layers)
        return Counts({k: dict(v) for k, v in self.table.items() if k[0] in keep})


def total(counts: Iterable[Mapping[Key, Tally]]) -> Counts:
    """The sum of several Counts (rows matched by key, fields added, absent reads 0).

    Rows are grouped by key first and each field summed with one C-level pass (sum over
    map), so that summing thousands of documents stays fast."""
    by_key: dict[Key, list[Tally]] = {}
    for c in counts:
        for key, t in (c.table if isinstance(c, Counts) else c).items():
            rows = by_key.get(key)
            if rows is None:
                by_key[key] = [t]
            else:
                rows.append(t)
    out = Counts()
    for key, rows in by_key.items():
        out.table[key] = _sum_rows(rows)
    return out


def _sum_rows(rows: list[Tally]) -> Tally:
    """Field-wise sum of tallies; a field that some rows lack counts 0 there."""
    first = rows[0]
    if len(set(map(len, rows))) == 1:  # usually every row has the same fields
        try:
            row = {name: sum(map(itemgetter(name), rows), 0.0) for name in first}
        except KeyError:
            pass
        else:
            return {**dict.fromkeys(CORE, 0.0), **row}
    names = dict.fromkeys(CORE)
    for t in rows:
        names.update(dict.fromkeys(t))
    return {name: sum((t.get(name, 0.0) for t in rows), 0.0) for name in names}


def prf(t: Tally) -> dict[str, float]:
    """Precision, recall and F1 of a Tally. An empty denominator gives 0, never NaN, and
    the report shows the counts next to it (gold and prediction both empty reads 0/0)."""
    p = t["p_num"] / t["p_den"] if t["p_den"] else 0.0
    r = t["r_num"] / t["r_den"] if t["r_den"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def micro(counts: Mapping[Key, Tally], layer: str, mode: str) -> dict[str, float]:
    """Micro average of a mode: counts summed over types (the "*" row), then P/R/F1."""
    t = counts.get((layer, mode, TOTAL))
    return prf(t) if t is not None else prf(dict.fromkeys(CORE, 0.0))


def macro(counts: Counts, layer: str, mode: str) -> dict[str, float] | None:
    """Macro average of a mode: the unweighted mean of the per-type P, R and F1 (each type
    that has a row, i.e. occurs in the gold or in the predictions). None without types."""
    labels = counts.labels(layer, mode)
    if not labels:
        return None
    scores = [prf(counts[(layer, mode, label)]) for label in labels]
    return {name: sum(s[name] for s in scores) / len(scores)
            for name in ("precision", "recall", "f1")}


# --- stacking and F1 over arrays ---------------------------------------------------------

def stack(units: Sequence[Mapping[Key, Tally]], keys: Sequence[Key]) -> np.ndarray:
    """Per-unit tallies as a float array (units x keys x 4: p_num, p_den, r_num, r_den).
    A key missing from a unit's Counts reads as zeros."""
    import numpy as np

    zero = dict.fromkeys(CORE, 0.0)
    tables = [u.table if isinstance(u, Counts) else u for u in units]
    out = np.zeros((len(tables), len(keys), 4))
    for k, key in enumerate(keys):
        rows = [table.get(key, zero) for table in tables]
        for f, name in enumerate(CORE):
            out[:, k, f] = np.fromiter(map(itemgetter(name), rows), dtype=np.float64,
                                       count=len(rows))
    return out


class Stacked:
    """Tallies of many units gathered by key: the transpose of a list of per-unit Counts.

    Rows arrive as dictionaries (`add`) and are packed into one float array per key
    (`freeze`): units x fields, with the unit numbers beside it. Summing (total), stacking
    (array), per-unit rows and merging shards scored in other processes (`merge`, which
    sends arrays rather than millions of small dictionaries) then run in numpy. Rows keep
    their arrival order (unit order, when units are added in order), so a total is the same
    however the units were sharded."""

    def __init__(self) -> None:
        self.n_units = 0
        self._pending: dict[Key, tuple[list[int], list[Tally]]] = {}
        self._chunks: dict[Key, list[_Chunk]] = {}

    def add(self, unit: int, counts: Mapping[Key, Tally]) -> None:
        """Add rows of unit number `unit` (0, 1, ...); a unit may be added in parts."""
        self.n_units = max(self.n_units, unit + 1)
        pending = self._pending
        for key, t in (counts.table if isinstance(counts, Counts) else counts).items():
            column = pending.get(key)
            if column is None:
                pending[key] = ([unit], [t])
            else:
                column[0].append(unit)
                column[1].append(t)

    def freeze(self) -> Stacked:
        """Pack the rows added so far into arrays (done by every reader; returns self)."""
        import numpy as np

        for key, (units, rows) in self._pending.items():
            fields, values = _packed(rows)
            self._chunks.setdefault(key, []).append(
                _Chunk(np.array(units, dtype=np.intp), fields, values))
        self._pending = {}
        return self

    def merge(self, other: Stacked, offset: int) -> None:
        """Add another Stacked's rows, its unit i becoming unit offset + i (after the rows
        added to this one so far)."""
        self.freeze()
        other.freeze()
        for key, chunks in other._chunks.items():
            mine = self._chunks.setdefault(key, [])
            mine += [_Chunk(c.units + offset, c.fields, c.values) for c in chunks]
        self.n_units = max(self.n_units, offset + other.n_units)

    def keys(self) -> list[Key]:
        self.freeze()
        return list(self._chunks)

    def column(self, key: Key) -> tuple[np.ndarray, tuple[str, ...], np.ndarray] | None:
        """(units, fields, values) of a key's rows in arrival order; None without rows."""
        self.freeze()
        chunks = self._chunks.get(key)
        if not chunks:
            return None
        if len(chunks) > 1:
            import numpy as np

            fields = _fields([dict.fromkeys(c.fields) for c in chunks])
            values = np.concatenate([_aligned(c, fields) for c in chunks])
            chunks[:] = [_Chunk(np.concatenate([c.units for c in chunks]), fields, values)]
        c = chunks[0]
        return c.units, c.fields, c.values

    def total(self) -> Counts:
        """The sum over units (rows of the same unit and key are added too)."""
        out = Counts()
        for key in self.keys():
            _, fields, values = self.column(key)  # type: ignore[misc]
            out.table[key] = dict(zip(fields, values.sum(axis=0).tolist(), strict=True))
        return out

    def per_unit(self, key: Key) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
        """(fields, values per unit (n_units x fields), which units have a row)."""
        import numpy as np

        column = self.column(key)
        if column is None:
            return CORE, np.zeros((self.n_units, 4)), np.zeros(self.n_units, dtype=bool)
        units, fields, values = column
        out = np.zeros((self.n_units, len(fields)))
        np.add.at(out, units, values)
        present = np.zeros(self.n_units, dtype=bool)
        present[units] = True
        return fields, out, present

    def units(self) -> list[Counts]:
        """One Counts per unit, as the rows were added (a unit's parts summed)."""
        import numpy as np

        out = [Counts() for _ in range(self.n_units)]
        for key in self.keys():
            fields, values, present = self.per_unit(key)
            rows = values.tolist()
            for unit in np.flatnonzero(present).tolist():
                out[unit].table[key] = dict(zip(fields, rows[unit], strict=True))
        return out

    def array(self, keys: Sequence[Key]) -> np.ndarray:
        """Like stack(): units x keys x 4 (p_num, p_den, r_num, r_den), zeros where absent."""
        import numpy as np

        out = np.zeros((self.n_units, len(keys), 4))
        for k, key in enumerate(keys):
            column = self.column(key)
            if column is None:
                continue
            units, fields, values = column
            np.add.at(out[:, k, :], units, values[:, [fields.index(f) for f in CORE]])
        return out


class _Chunk(NamedTuple):
    units: np.ndarray
    fields: tuple[str, ...]
    values: np.ndarray


def _packed(rows: Sequence[Mapping[str, float]]) -> tuple[tuple[str, ...], np.ndarray]:
    """Rows as an array (rows x fields); fields: CORE first, then the others in order of
    first appearance; a field that a row lacks counts 0 there."""
    import numpy as np

    fields = _fields(rows[:1])
    if len(fields) == len(rows[0]) and sum(map(len, rows)) == len(rows) * len(fields):
        try:  # usually every row has the first row's fields (then, by the sizes, no others)
            flat = chain.from_iterable(map(itemgetter(*fields), rows))
            values = np.fromiter(flat, dtype=np.float64, count=len(rows) * len(fields))
            return fields, values.reshape(len(rows), len(fields))
        except KeyError:
            pass
    fields = _fields(rows)
    values = np.fromiter((t.get(f, 0.0) for t in rows for f in fields), dtype=np.float64,
                         count=len(rows) * len(fields))
    return fields, values.reshape(len(rows), len(fields))


def _fields(rows: Iterable[Mapping[str, object]]) -> tuple[str, ...]:
    """CORE first, then every other field in order of first appearance."""
    names = dict.fromkeys(CORE)
    for t in rows:
        names.update(dict.fromkeys(t))
    return tuple(names)


def _aligned(chunk: _Chunk, fields: tuple[str, ...]) -> np.ndarray:
    """A chunk's values with the columns of `fields` (absent fields: zeros)."""
    import numpy as np

    if chunk.fields == fields:
        return chunk.values
    out = np.zeros((len(chunk.values), len(fields)))
    for i, name in enumerate(chunk.fields):
        out[:, fields.index(name)] = chunk.values[:, i]
    return out


def _array(units: Sequence[Mapping[Key, Tally]] | Stacked, keys: Sequence[Key]) -> np.ndarray:
    return units.array(keys) if isinstance(units, Stacked) else stack(units, keys)


def _n_units(units: Sequence[Mapping[Key, Tally]] | Stacked) -> int:
    return units.n_units if isinstance(units, Stacked) else len(units)


def f1_array(sums: np.ndarray, empty: float = 0.0) -> np.ndarray:
    """F1 of tallies summed over units: (..., keys, 4) -> (..., keys), as prf() does it.
    `empty` is the value where both denominators are 0 (no gold, no prediction): 0 as in
    prf(), or NaN to mark the score undefined."""
    import numpy as np

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        return np.divide(num, den, out=np.zeros_like(num), where=den != 0)

    p = ratio(sums[..., 0], sums[..., 1])
    r = ratio(sums[..., 2], sums[..., 3])
    f = ratio(2 * p * r, p + r)
    if empty != 0.0:
        f[(sums[..., 1] == 0) & (sums[..., 3] == 0)] = empty
    return f


def metric_f1(f1: np.ndarray, groups: Sequence[Sequence[int]] | None) -> np.ndarray:
    """Scores of metrics that are means of key F1s (..., keys) -> (..., metrics).

    A plain metric is a group of one key; a derived one such as the CoNLL coreference F1 is
    the mean of several (MUC, B-cubed, CEAF-e). An undefined (NaN) part counts 0, as in the
    point estimate; the mean is undefined only when every part is. groups=None: one metric
    per key."""
    import numpy as np

    if groups is None:
        return f1
    if not groups:
        return np.zeros((*f1.shape[:-1], 0))
    out = []
    for g in groups:
        parts = f1[..., list(g)]
        undefined = np.isnan(parts).all(axis=-1)
        out.append(np.where(undefined, np.nan, np.nan_to_num(parts, nan=0.0).mean(axis=-1)))
    return np.stack(out, axis=-1)


# --- resampling --------------------------------------------------------------------------

def _draw_weights(rng: np.random.Generator, n_draws: int, n_units: int) -> np.ndarray:
    """How many times each unit occurs in each of n_draws bootstrap resamples."""
    import numpy as np

    idx = rng.integers(0, n_units, size=(n_draws, n_units))
    idx += np.arange(n_draws)[:, None] * n_units  # one bincount for the whole batch
    weights = np.bincount(idx.ravel(), minlength=n_draws * n_units)
    return weights.reshape(n_draws, n_units).astype(np.float64)


def resampled_sums(data: np.ndarray, n: int = DEFAULT_RESAMPLES,
                   seed: int = DEFAULT_SEED) -> np.ndarray:
    """Column sums of n bootstrap resamples of the rows (units) of data (units x columns).

    Resample i draws len(data) units with replacement: the indices are
    numpy.random.default_rng(seed).integers(0, units, size=(n, units)) (drawn in batches,
    which gives the same stream), and the sums are the weights (occurrences of each unit)
    times data, one matrix product per batch."""
    import numpy as np

    n_units = data.shape[0]
    out = np.empty((n, data.shape[1]))
    if n_units == 0:
        out[:] = 0.0
        return out
    rng = np.random.default_rng(seed)
    batch = max(1, _BATCH_CELLS // n_units)
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        out[start:stop] = _draw_weights(rng, stop - start, n_units) @ data
    return out


def percentile_ci(samples: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over the first axis (numpy's default linear interpolation).
    NaN samples (undefined scores) are left out; a column of NaN gives NaN."""
    import warnings

    import numpy as np

    tail = (1.0 - level) / 2 * 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN
        low, high = np.nanpercentile(samples, [tail, 100 - tail], axis=0)
    return low, high


def _check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")


def bootstrap_samples(data: np.ndarray, n: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
                      groups: Sequence[Sequence[int]] | None = None,
                      empty: float = 0.0) -> np.ndarray:
    """Metric scores of n bootstrap resamples of stacked tallies (units x keys x 4) ->
    (n x metrics); `empty` is the score of a resample without gold or predicted items."""
    units, keys, _ = data.shape
    sums = resampled_sums(data.reshape(units, keys * 4), n, seed).reshape(n, keys, 4)
    return metric_f1(f1_array(sums, empty), groups)


def bootstrap_ci(units: Sequence[Mapping[Key, Tally]] | Stacked, keys: Sequence[Key], *,
                 n: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED, level: float = 0.95,
                 groups: Sequence[Sequence[int]] | None = None,
                 unit: str = "doc") -> list[tuple[float, float] | None]:
    """95% percentile bootstrap intervals of F1, one per metric (per key when groups is None).

    `units` holds one Counts per resampling unit (or a Stacked of them): per document
    (unit="doc", what the scorers produce) or per sentence (unit="sentence", as
    palmyra.units scores them); the computation is the same, `unit` only names what was
    resampled.
    A resample in which a metric has neither gold nor predicted items says nothing about it
    and is left out of its interval; None when no resample has any."""
    import numpy as np

    _check_unit(unit)
    if n <= 0 or not _n_units(units):
        raise ValueError("a bootstrap needs at least one resample and one unit")
    samples = bootstrap_samples(_array(units, keys), n, seed, groups, empty=np.nan)
    return _intervals(samples, level)


def _intervals(samples: np.ndarray, level: float) -> list[tuple[float, float] | None]:
    import numpy as np

    low, high = percentile_ci(samples, level)
    return [None if np.isnan(a) else (float(a), float(b))
            for a, b in zip(low, high, strict=True)]


# --- paired tests of two systems ---------------------------------------------------------

@dataclass(frozen=True)
class PairedResult:
    """Per metric: both systems' scores, the bootstrap intervals and the two p-values."""

    score_a: list[float]
    score_b: list[float]
    ci_a: list[tuple[float, float] | None] | None
    ci_b: list[tuple[float, float] | None] | None
    p_bootstrap: list[float] | None
    p_randomization: list[float] | None


# Differences closer than this are ties: the observed and resampled scores are sums of the
# same numbers in different orders, and must not differ by rounding noise alone.
_TIE = 1e-12


def paired_bootstrap(a: np.ndarray, b: np.ndarray, *, n: int = DEFAULT_RESAMPLES,
                     seed: int = DEFAULT_SEED,
                     groups: Sequence[Sequence[int]] | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Paired bootstrap (Koehn 2004) over stacked tallies of two systems on the same units.

    Every resample draws the same unit indices for both systems. Returns the resampled
    scores of A and of B (n x metrics, NaN where a resample has no item: see bootstrap_ci)
    and the p-values (metrics,), on scores where 0/0 reads 0:
      d = score(B) - score(A) on the full set, d_i the same on resample i,
      p = (c + 1) / (n + 1), c = #{i : d_i * sign(d) <= 0}
    i.e. the share of resamples in which B is not better than A when B is better (or the
    reverse), with a tie (d = 0) counting every resample, so that p = 1 for identical
    systems. SacreBLEU's --paired-bs instead centres |d_i| on its mean; see docs/scores.md.
    """
    import numpy as np

    units, keys, _ = a.shape
    both = np.concatenate([a.reshape(units, keys * 4), b.reshape(units, keys * 4)], axis=1)
    sums = resampled_sums(both, n, seed).reshape(n, 2, keys, 4)
    scores = metric_f1(f1_array(sums), groups)  # n x 2 x metrics, 0/0 reads 0
    observed = (metric_f1(f1_array(b.sum(axis=0)), groups)
                - metric_f1(f1_array(a.sum(axis=0)), groups))
    diffs = scores[:, 1] - scores[:, 0]
    sign = np.where(np.abs(observed) <= _TIE, 0.0, np.sign(observed))
    not_better = (diffs * sign <= _TIE) | (sign == 0)
    p = (not_better.sum(axis=0) + 1) / (n + 1)
    # For the intervals, as in bootstrap_ci: a resample without items is undefined (NaN).
    defined = metric_f1(f1_array(sums, np.nan), groups)
    return defined[:, 0], defined[:, 1], p


def approximate_randomization(a: np.ndarray, b: np.ndarray, *, trials: int = DEFAULT_TRIALS,
                              seed: int = DEFAULT_SEED,
                              groups: Sequence[Sequence[int]] | None = None) -> np.ndarray:
    """Approximate randomization (Noreen 1989; Riezler and Maxwell 2005) per metric.

    Each trial swaps every unit's tallies between the two systems with probability 1/2 and
    rescores both pseudo-systems. p = (c + 1) / (trials + 1), c = #{trials with
    |score(A') - score(B')| >= |score(A) - score(B)|}; identical systems give p = 1.
    (SacreBLEU counts '>' instead of '>=', which gives identical systems p = 1/(trials+1).)
    """
    import numpy as np

    units, keys, _ = a.shape
    flat_a, flat_b = a.reshape(units, keys * 4), b.reshape(units, keys * 4)
    total_a, total_b = flat_a.sum(axis=0), flat_b.sum(axis=0)
    delta = flat_b - flat_a
    observed = np.abs(metric_f1(f1_array(total_a.reshape(keys, 4)), groups)
                      - metric_f1(f1_array(total_b.reshape(keys, 4)), groups))
    rng = np.random.default_rng(seed)
    count = np.zeros_like(observed)
    batch = max(1, _BATCH_CELLS // max(units, 1))
    for start in range(0, trials, batch):
        size = min(trials, start + batch) - start
        swap = rng.integers(2, size=(size, units), dtype=bool)
        moved = swap.astype(np.float64) @ delta  # what the swapped units move from B to A
        f_a = metric_f1(f1_array((total_a + moved).reshape(size, keys, 4)), groups)
        f_b = metric_f1(f1_array((total_b - moved).reshape(size, keys, 4)), groups)
        count += (np.abs(f_a - f_b) >= observed - _TIE).sum(axis=0)
    return (count + 1) / (trials + 1)


def paired_tests(units_a: Sequence[Mapping[Key, Tally]] | Stacked,
                 units_b: Sequence[Mapping[Key, Tally]] | Stacked, keys: Sequence[Key], *,
                 bootstrap: int = DEFAULT_RESAMPLES,
                 trials: int = DEFAULT_TRIALS, seed: int = DEFAULT_SEED, level: float = 0.95,
                 groups: Sequence[Sequence[int]] | None = None,
                 unit: str = "doc") -> PairedResult:
    """Scores of two systems on the same units, with intervals and paired p-values.
    bootstrap=0 skips the intervals and the paired bootstrap; trials=0 skips randomization."""
    _check_unit(unit)
    if _n_units(units_a) != _n_units(units_b):
        raise ValueError("paired tests need the same units for both systems")
    a, b = _array(units_a, keys), _array(units_b, keys)
    score_a = metric_f1(f1_array(a.sum(axis=0)), groups).tolist()
    score_b = metric_f1(f1_array(b.sum(axis=0)), groups).tolist()
    ci_a = ci_b = p_bs = p_ar = None
    if bootstrap > 0 and len(a):
        samples_a, samples_b, p = paired_bootstrap(a, b, n=bootstrap, seed=seed, groups=groups)
        ci_a, ci_b = _intervals(samples_a, level), _intervals(samples_b, level)
        p_bs = p.tolist()
    if trials > 0 and len(a):
        p_ar = approximate_randomization(a, b, trials=trials, seed=seed, groups=groups).tolist()
    return PairedResult(score_a, score_b, ci_a, ci_b, p_bs, p_ar)


# --- reproducibility ---------------------------------------------------------------------

def signature(gold_sha256: str, *, layer: str | None = None, match: str | None = None,
              bootstrap: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
              version: str | None = None, **extra: object) -> str:
    """The reproducibility signature of a score, e.g.
    palmyra:0.1.0|gold:sha256:ab12cd34ef56|layer:entities|match:strict|bootstrap:1000|seed:12345

    Extra fields (trials=10000, layers=..., ...) go between match and bootstrap, in the order
    given. The gold hash is cut to its first 12 hex digits."""
    if version is None:
        from palmyra import __version__ as version
    fields: list[tuple[str, object]] = [("palmyra", version),
                                        ("gold", f"sha256:{gold_sha256[:12]}")]
    if layer is not None:
        fields.append(("layer", layer))
    if match is not None:
        fields.append(("match", match))
    fields += list(extra.items())
    fields += [("bootstrap", bootstrap), ("seed", seed)]
    for name, value in fields:
        if "|" in str(value):
            raise ValueError(f"signature field {name}={value!r} must not contain '|'")
    return "|".join(f"{name}:{value}" for name, value in fields)
