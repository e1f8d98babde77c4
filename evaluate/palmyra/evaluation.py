"""Score a prediction set against the gold: `palmyra.evaluate()` and `palmyra.compare()`.

The steps: read and check the gold, the corpus and the predictions (palmyra.io); score each
gold document with each layer's scorer (palmyra.scoring) into additive Counts; sum them into
corpus Counts; add the cross-document coreference scores; resample documents for confidence
intervals (palmyra.stats). The result serialises to the JSON contract of docs/scores.md.

Policies (also stated in the JSON output, under "policies"):
- The scored documents are the gold's documents. A gold document without a prediction is
  scored as an empty prediction and listed under documents.missing_predictions; predictions
  for corpus documents that the gold does not hold are listed under documents.not_in_gold
  and not scored; a doc_id that the corpus does not know is an error.
- A layer that no prediction document has is "not predicted": it is not scored (no zeros
  that look like a result) and is listed under not_predicted. Once any prediction document
  has a layer, documents without it are scored as empty in that layer.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from typing import Any

from palmyra import __version__
from palmyra.annotations import AnnotationDocument
from palmyra.corpus import CorpusError, Document, load_corpus
from palmyra.io import DocumentSet, InputError, UsageError, from_mapping, read_documents, read_gold
from palmyra.scoring import coref
from palmyra.stats import (
    CORE,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    DEFAULT_TRIALS,
    TOTAL,
    UNITS,
    Counts,
    Key,
    PairedResult,
    Stacked,
    Tally,
    bootstrap_ci,
    macro,
    paired_tests,
    prf,
    signature,
)
from palmyra.units import sentence_pairs

LAYERS = ("entities", "bio", "events", "numbers", "attributions", "coreference")
# The annotation layers each evaluation layer reads; coreference reads either.
SOURCES = {"entities": ("entities",), "bio": ("entities",), "events": ("events",),
           "numbers": ("numbers",), "attributions": ("attributions",),
           "coreference": ("entities", "events")}
COREF_MATCH = "strict"


def policies() -> dict[str, Any]:
    """The scoring policies, stated in every JSON output (docs/scores.md explains each)."""
    return {
        "match": COREF_MATCH,
        "singletons": ["with", "without"],
        "twinless_mentions": "kept",
        "missing_documents": "scored as empty",
        "not_predicted": "not scored",
        "non_annotated_zones": "ignored",
        "empty_denominator": 0.0,
        "interval": "percentile",
        "level": 0.95,
        "resampling_unit": "doc",
        "coreference_resampling_unit": "doc",
        "undefined_resamples": "left out",
    }


Scorer = Callable[[AnnotationDocument, AnnotationDocument, Document], Counts]
PathLike = str | os.PathLike
Docs = Mapping[str, AnnotationDocument]


def layer_scorers() -> dict[str, Scorer]:
    """Every layer's scorer: the per-layer modules' LAYER_SCORERS plus coreference."""
    from palmyra.scoring import LAYER_SCORERS

    return {**LAYER_SCORERS, "coreference": coref.score}


def _kind(mode: str) -> str | None:
    """The coreference mention kind ("entity" or "event") of a coreference mode."""
    bare = mode.removeprefix(coref.CROSS)
    return next((k for k in coref.KINDS if bare.startswith(f"{k}_")), None)


# --- inputs --------------------------------------------------------------------------------

@dataclass
class _Corpus:
    docs: Mapping[str, Document]
    folder: Path | None  # None: the bundled corpus, or a corpus given in memory
    in_memory: bool = False


def _corpus(corpus: PathLike | Mapping[str, Document] | None) -> _Corpus:
    if isinstance(corpus, Mapping):
        return _Corpus(corpus, None, in_memory=True)
    if corpus is not None and not Path(corpus).is_dir():
        raise UsageError([f"{corpus}: no such folder (corpus)"])
    try:
        return _Corpus(load_corpus(corpus), Path(corpus) if corpus is not None else None)
    except CorpusError as exc:
        raise InputError([str(exc)]) from None


def _read(source: PathLike | Docs | None, corpus: _Corpus, what: str,
          keep: Docs | None = None, jobs: int = 1) -> DocumentSet:
    """A set given as a mapping (doc_ids checked against the corpus) or read from a path
    (every file validated, which needs the corpus as a folder). Documents read from a path
    whose doc_id is not in `keep` (the gold) are kept without their items: they are not
    scored (palmyra.io.read_documents)."""
    if isinstance(source, Mapping):
        docs = from_mapping(source, f"<{what} mapping>")
        unknown = [d for d in docs.docs if d not in corpus.docs]
        if unknown:
            raise InputError([f"<{what} mapping>: {d!r}: unknown doc_id (not in the corpus)"
                              for d in unknown])
        return docs
    if corpus.in_memory:
        raise UsageError([f"{what} read from files are validated against a corpus folder: "
                          "give the corpus as a folder, or the documents as a mapping"])
    if source is None:
        return read_gold(None, corpus.folder, jobs=jobs)
    return read_documents(source, corpus.folder, what=what, keep=keep, jobs=jobs)


def _gold(gold: PathLike | Docs | None, corpus: _Corpus, jobs: int = 1
          ) -> tuple[DocumentSet, str]:
    """The gold set and its version: the package version for the bundled gold, else
    "custom"."""
    from palmyra.paths import annotations_dir

    gold_set = _read(gold, corpus, "gold", jobs=jobs)
    bundled = gold is None or (not isinstance(gold, Mapping)
                               and Path(gold).resolve() == annotations_dir().resolve())
    return gold_set, __version__ if bundled else "custom"


def _choose_layers(requested: Sequence[str] | None, gold: Docs, *predictions: Docs
                   ) -> tuple[list[str], list[str], list[str]]:
    """(layers to score, layers not predicted, coreference kinds to score)."""
    def has(docs: Docs, source: str) -> bool:
        return any(getattr(doc, source) is not None for doc in docs.values())

    if requested is not None:
        unknown = [x for x in requested if x not in LAYERS]
        if unknown:
            raise UsageError([f"unknown layer {x!r}: expected one of {', '.join(LAYERS)}"
                              for x in unknown])
        absent = [x for x in requested if not any(has(gold, s) for s in SOURCES[x])]
        if absent:
            raise UsageError([f"layer {x!r}: the gold has no {' or '.join(SOURCES[x])}"
                              for x in absent])
    wanted = [x for x in LAYERS if (requested is None or x in requested)
              and any(has(gold, s) for s in SOURCES[x])]
    kinds = [k for k, s in coref.KINDS.items()
             if has(gold, s) and all(has(p, s) for p in predictions)]
    scored, not_predicted = [], []
    for layer in wanted:
        if layer == "coreference":
            ok = bool(kinds)
        else:
            ok = all(has(p, s) for p in predictions for s in SOURCES[layer])
        (scored if ok else not_predicted).append(layer)
    return scored, not_predicted, kinds


# --- scoring -------------------------------------------------------------------------------

@dataclass
class _Scored:
    doc_ids: list[str]  # the scored documents: unit i of `stacked` is doc_ids[i]
    stacked: Stacked  # every document's rows gathered by key, for sums and resampling
    sentences: Stacked | None  # every sentence's rows (layers but coreference), if asked
    cross_document: Counts
    missing: list[str]
    not_in_gold: list[str]


Pair = tuple[AnnotationDocument, AnnotationDocument, Document]
Rows = dict[Key, Tally]
# Below this many documents per process, starting processes costs more than it saves.
PARALLEL_MIN_DOCUMENTS = 200
SHARD_DOCUMENTS = 250


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Scoring makes millions of small objects without cycles, and keeps the rows: the
    cyclic garbage collector would scan the growing heap over and over for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_LAYER_OF = itemgetter(0)


def _layer_rows(pair: Pair, layer: str, scorer: Scorer, kinds: Sequence[str]) -> Rows:
    """One layer's rows of one document pair."""
    out = scorer(*pair)
    table = getattr(out, "table", out)
    if layer == "coreference" and not set(coref.KINDS) <= set(kinds):
        return {key: t for key, t in table.items()
                if key[0] == layer and _kind(key[1]) in kinds}
    if set(map(_LAYER_OF, table)) <= {layer}:  # usually (checked in C)
        return table
    return {key: t for key, t in table.items() if key[0] == layer}


def _stack(pairs: Sequence[Pair], layers: Sequence[str], kinds: Sequence[str],
           scorers: Mapping[str, Scorer], sentences: bool,
           timings: dict[str, float] | None = None) -> tuple[Stacked, Stacked | None]:
    """Every document's rows (unit i = pairs[i]); with `sentences`, also every sentence's
    rows (palmyra.units), numbered in text order. Documents are scored one after the other,
    every layer of one before the next, so that what the scorers cache about a document
    (its entity mentions) is still there for the next layer."""
    stacked = Stacked()
    spent = dict.fromkeys(layers, 0.0)
    clock = time.perf_counter
    for unit, pair in enumerate(pairs):
        for layer in layers:
            started = clock()
            stacked.add(unit, _layer_rows(pair, layer, scorers[layer], kinds))
            spent[layer] += clock() - started
    if timings is not None:
        timings.update({f"score:{layer}": t for layer, t in spent.items()})
    stacked.n_units = len(pairs)  # documents without any row are units too
    if not sentences:
        return stacked.freeze(), None
    started = time.perf_counter()
    by_sentence = Stacked()
    first = 0  # the unit number of the document's first sentence
    for pair in pairs:
        size = 0
        for layer in layers:
            if layer == "coreference":
                continue
            parts = sentence_pairs(pair, layer)
            for unit, part in enumerate(parts, first):
                by_sentence.add(unit, _layer_rows(part, layer, scorers[layer], kinds))
            size = len(parts)
        first += size
    by_sentence.n_units = first  # sentences without any row are units too
    if timings is not None:
        timings["score:sentences"] = time.perf_counter() - started
    return stacked.freeze(), by_sentence.freeze()


_shard: tuple[list[Pair], Sequence[str], Sequence[str], Mapping[str, Scorer], bool] | None = None


def _start_shard(pairs: list[Pair], layers: Sequence[str], kinds: Sequence[str],
                 scorers: Mapping[str, Scorer], sentences: bool) -> None:
    """In a worker process: the documents and scorers, given once (inherited without a copy
    where processes fork)."""
    global _shard
    _shard = (pairs, layers, kinds, scorers, sentences)


def _score_shard(bounds: tuple[int, int]) -> tuple[Stacked, Stacked | None]:
    """In a worker process: the rows of pairs[start:stop], packed into arrays (cheap to
    send back, unlike one dictionary per row)."""
    assert _shard is not None
    pairs, layers, kinds, scorers, sentences = _shard
    start, stop = bounds
    with _collector_paused():
        return _stack(pairs[start:stop], layers, kinds, scorers, sentences)


def _cross_in_shard(kinds: Sequence[str]) -> tuple[Counts, float]:
    """In a worker process: cross-document coreference of all the pairs, and its seconds."""
    assert _shard is not None
    started = time.perf_counter()
    with _collector_paused():
        counts = coref.score_cross_document(_shard[0], kinds)
    return counts, time.perf_counter() - started


_Parallel = tuple[Stacked, Stacked | None, tuple[Counts, float] | None]


def _stack_in_parallel(pairs: list[Pair], layers: Sequence[str], kinds: Sequence[str],
                       scorers: Mapping[str, Scorer], sentences: bool, jobs: int
                       ) -> _Parallel | None:
    """The rows of every document, scored in `jobs` processes, and cross-document
    coreference (with its seconds) when it is among the layers (None when processes cannot
    be had here: the caller scores in this one).

    Scores are sums of per-document counts, so the shards need nothing from each other; the
    shards' rows are gathered in document order, as one process gathers them, so the
    results are identical. Cross-document coreference is the longest single task: it is
    given to a worker first. (Run here instead, it would compete with the workers for the
    processors, and with the thread that hands them their shards.)"""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from pickle import PicklingError

    # Several shards per process, of at most SHARD_DOCUMENTS: when the last shard ends, the
    # other processes have been idle for at most that shard's time.
    size = min(SHARD_DOCUMENTS, -(-len(pairs) // (jobs * 4)))
    bounds = [(i, min(i + size, len(pairs))) for i in range(0, len(pairs), size)]
    try:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_start_shard,
                                 initargs=(pairs, layers, kinds, scorers, sentences)) as pool:
            cross = (pool.submit(_cross_in_shard, kinds) if "coreference" in layers
                     else None)
            futures = [pool.submit(_score_shard, b) for b in bounds]
            stacked, by_sentence = Stacked(), Stacked() if sentences else None
            for (start, _), future in zip(bounds, futures, strict=True):
                docs, parts = future.result()
                stacked.merge(docs, start)
                if by_sentence is not None and parts is not None:
                    by_sentence.merge(parts, by_sentence.n_units)
            cross_result = cross.result() if cross is not None else None
    except (OSError, BrokenProcessPool, PicklingError, AttributeError):
        return None  # no processes (a sandbox), or a scorer that cannot be sent to one
    stacked.n_units = len(pairs)
    return stacked, by_sentence, cross_result


def _jobs(jobs: int) -> int:
    """Processes for `jobs` (0: one per CPU this process may use)."""
    if jobs:
        return jobs
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def _score(gold: Docs, preds: Docs, corpus: Mapping[str, Document], layers: Sequence[str],
           kinds: Sequence[str], scorers: Mapping[str, Scorer],
           timings: dict[str, float], jobs: int = 1, unit: str = "doc") -> _Scored:
    missing = [d for d in sorted(gold) if d not in preds]
    not_in_gold = sorted(d for d in preds if d not in gold)
    absent = [x for x in layers if x not in scorers]
    if absent:
        raise UsageError([f"no scorer for layer {x!r}" for x in absent])
    pairs = [(gold[d], preds.get(d) or AnnotationDocument(d), corpus[d]) for d in sorted(gold)]
    jobs = min(_jobs(jobs), len(pairs) // PARALLEL_MIN_DOCUMENTS)
    sentences = unit == "sentence"
    parallel = None
    with _collector_paused():
        if jobs > 1:
            started = time.perf_counter()
            parallel = _stack_in_parallel(pairs, layers, kinds, scorers, sentences, jobs)
            if parallel is not None:
                timings[f"score:layers ({jobs} processes)"] = time.perf_counter() - started
        if parallel is not None:
            stacked, by_sentence, cross = parallel
        else:
            stacked, by_sentence = _stack(pairs, layers, kinds, scorers, sentences, timings)
            cross = None
            if "coreference" in layers:
                started = time.perf_counter()
                cross = (coref.score_cross_document(pairs, kinds),
                         time.perf_counter() - started)
    if cross is not None:
        timings["score:coreference-cross-document"] = cross[1]
    return _Scored([g.doc_id for g, _, _ in pairs], stacked, by_sentence,
                   cross[0] if cross else Counts(), missing, not_in_gold)


def _metrics(counts: Counts, layers: Sequence[str]
             ) -> tuple[list[Key], list[tuple[str, str]], list[list[int]]]:
    """The additive total rows to resample, and the metrics over them: every mode, plus the
    derived CoNLL modes (means of three keys)."""
    keys: list[Key] = [(layer, mode, TOTAL) for layer in layers for mode in counts.modes(layer)
                       if (layer, mode, TOTAL) in counts]
    index = {k: i for i, k in enumerate(keys)}
    names = [(k[0], k[1]) for k in keys]
    groups = [[i] for i in range(len(keys))]
    if "coreference" in layers:
        for name, parts in coref.conll_modes(counts.modes("coreference")).items():
            names.append(("coreference", name))
            groups.append([index[("coreference", p, TOTAL)] for p in parts])
    return keys, names, groups


# --- the result ----------------------------------------------------------------------------

def _entry(t: Tally) -> dict[str, Any]:
    """P/R/F1 followed by the Tally's counts (floats: B-cubed and CEAF numerators are
    fractional, so every count is written as a float for one stable type)."""
    return {**prf(t), **t}


def _ordered(t: Tally) -> Tally:
    return {**{k: float(t.get(k, 0.0)) for k in CORE},
            **{k: float(v) for k, v in t.items() if k not in CORE}}


_ZERO: Tally = dict.fromkeys(CORE, 0.0)


def _with_conll(modes: list[str]) -> list[str]:
    """Coreference modes with each derived CoNLL mode right after its last component."""
    after = {parts[-1]: name for name, parts in coref.conll_modes(modes).items()}
    out = []
    for mode in modes:
        out.append(mode)
        if mode in after:
            out.append(after[mode])
    return out


@dataclass
class Result:
    """Scores of one prediction set: per-document and corpus Counts, cross-document
    coreference, intervals; `to_dict()` / `to_json()` give the documented JSON contract."""

    doc_ids: list[str]  # the scored documents, in doc_id order
    stacked: Stacked = field(repr=False, compare=False)  # unit i: doc_ids[i]
    counts: Counts
    cross_document: Counts
    layers: list[str]
    not_predicted: list[str]
    missing_predictions: list[str]
    not_in_gold: list[str]
    gold_digest: str | Callable[[], str]  # the gold's sha256, or a function computing it
    gold_version: str
    bootstrap: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED
    # (layer, mode) -> 95% interval of F1; None where no resample has an item
    intervals: dict[tuple[str, str], tuple[float, float] | None] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    unit: str = "doc"  # what the bootstrap resamples: "doc" or "sentence"
    # with unit "sentence": the rows of every sentence (layers but coreference)
    sentence_stacked: Stacked | None = field(default=None, repr=False, compare=False)

    def units(self, layer: str | None = None) -> Stacked:
        """The tallies that the bootstrap resamples for a layer: per sentence with unit
        "sentence" (coreference excepted), else per document in doc_id order."""
        if self.sentence_stacked is not None and layer != "coreference":
            return self.sentence_stacked
        return self.stacked

    def _resampling(self) -> dict[str, object]:
        """The signature fields of the resampling: the unit only when it is not the
        default, so that document-level signatures stay as they were."""
        resampled = self.unit != "doc" and any(x != "coreference" for x in self.layers)
        unit = {"unit": self.unit} if resampled else {}  # coreference: always by document
        return {**unit, "bootstrap": self.bootstrap, "seed": self.seed}

    @cached_property
    def per_document(self) -> dict[str, Counts]:
        """Each scored document's Counts (built on first use from the stacked rows)."""
        return dict(zip(self.doc_ids, self.stacked.units(), strict=True))

    # -- reading ------------------------------------------------------------------------
    @property
    def gold_sha256(self) -> str:
        if callable(self.gold_digest):
            self.gold_digest = self.gold_digest()
        return self.gold_digest

    def modes(self, layer: str) -> list[str]:
        """A layer's modes: the scorer's, then derived CoNLL modes, then cross-document."""
        modes = self.counts.modes(layer)
        if layer != "coreference":
            return modes
        return _with_conll(modes) + _with_conll(self.cross_document.modes(layer))

    def tally(self, layer: str, mode: str) -> Tally | None:
        """The corpus Tally of an additive mode (None for a derived CoNLL mode)."""
        source = self.cross_document if mode.startswith(coref.CROSS) else self.counts
        t = source.get((layer, mode, TOTAL))
        return _ordered(t) if t is not None else None

    def score(self, layer: str, mode: str) -> dict[str, float]:
        """Precision, recall and F1 of a mode (a CoNLL mode: means of its three parts)."""
        parts = self._conll_parts(layer, mode)
        if parts is None:
            return prf(self.tally(layer, mode) or _ZERO)
        scores = [self.score(layer, p) for p in parts]
        return {k: sum(s[k] for s in scores) / 3 for k in ("precision", "recall", "f1")}

    def _conll_parts(self, layer: str, mode: str) -> tuple[str, ...] | None:
        if layer != "coreference" or "_conll" not in mode:
            return None
        source = self.cross_document if mode.startswith(coref.CROSS) else self.counts
        return coref.conll_modes(source.modes(layer)).get(mode)

    def signature(self, layer: str | None = None) -> str:
        """The signature of one layer's scores, or of the whole run."""
        if layer is None:
            return signature(self.gold_sha256, layers="+".join(self.layers) or "none",
                             **self._resampling())  # type: ignore[arg-type]
        if layer == "coreference":
            return signature(self.gold_sha256, layer=layer, match=COREF_MATCH,
                             singletons="with+without", bootstrap=self.bootstrap,
                             seed=self.seed)
        return signature(self.gold_sha256, layer=layer,
                         match="+".join(self.counts.modes(layer)),
                         **self._resampling())  # type: ignore[arg-type]

    def ignored(self, layer: str) -> int:
        """Predictions of a layer dropped because they start outside the annotated zones:
        the largest count over the layer's modes (coreference: entity plus event mentions)."""
        if layer == "coreference":
            return int(sum(self.counts.get((layer, f"{k}_mentions", TOTAL), {}).get("ignored", 0)
                           for k in coref.KINDS))
        return int(max((self.counts[(layer, m, TOTAL)].get("ignored", 0)
                        for m in self.counts.modes(layer) if (layer, m, TOTAL) in self.counts),
                       default=0))

    # -- the JSON contract ---------------------------------------------------------------
    def _mode_entry(self, layer: str, mode: str, by_doc: bool) -> dict[str, Any]:
        parts = self._conll_parts(layer, mode)
        if parts is not None:
            out: dict[str, Any] = {**self.score(layer, mode), "components": list(parts)}
        else:
            out = _entry(self.tally(layer, mode) or _ZERO)
        ci = self.intervals.get((layer, mode))
        out["ci95"] = [ci[0], ci[1]] if ci is not None else None
        out["by_type"] = {label: _entry(_ordered(self.counts[(layer, mode, label)]))
                          for label in self.counts.labels(layer, mode)}
        averaged = macro(self.counts, layer, mode)
        if averaged is not None:
            out["macro"] = averaged
        out["by_doc"] = self._by_doc(layer, mode, parts) if by_doc else {}
        return out

    def _by_doc(self, layer: str, mode: str, parts: tuple[str, ...] | None
                ) -> dict[str, dict[str, Any]]:
        if mode.startswith(coref.CROSS):
            return {}
        if parts is None:
            return dict(zip(self.doc_ids, self._doc_entries((layer, mode, TOTAL)), strict=True))
        columns = [self._doc_entries((layer, p, TOTAL)) for p in parts]
        out = {}
        for doc_id, *scores in zip(self.doc_ids, *columns, strict=True):
            out[doc_id] = {k: sum(s[k] for s in scores) / 3 for k in ("precision", "recall", "f1")}
        return out

    def _doc_entries(self, key: Key) -> list[dict[str, float]]:
        """Per document (doc_ids order), the entry of its row of `key` as _entry() gives it
        (zeros where it has none), with P/R/F1 computed over the whole column at once."""
        import numpy as np

        fields, values, present = self.stacked.per_unit(key)
        core = values[:, [fields.index(f) for f in CORE]].T
        with np.errstate(divide="ignore", invalid="ignore"):  # 0/0 reads 0, as in prf()
            p = np.where(core[1] != 0, core[0] / core[1], 0.0)
            r = np.where(core[3] != 0, core[2] / core[3], 0.0)
            f = np.where(p + r != 0, 2 * p * r / (p + r), 0.0)
        names = ("precision", "recall", "f1", *fields)
        empty = _entry(_ZERO)
        scores = zip(p.tolist(), r.tolist(), f.tolist(), strict=True)
        return [dict(zip(names, (*prf_, *row), strict=True)) if here else {**empty}
                for prf_, row, here in zip(scores, values.tolist(), present.tolist(),
                                           strict=True)]

    def to_dict(self, by_doc: bool = True) -> dict[str, Any]:
        """The JSON object of docs/scores.md. by_doc=False leaves every by_doc empty."""
        return {
            "signature": self.signature(),
            "signatures": {layer: self.signature(layer) for layer in self.layers},
            "gold": {"version": self.gold_version, "sha256": self.gold_sha256},
            "layers": {layer: {mode: self._mode_entry(layer, mode, by_doc)
                               for mode in self.modes(layer)} for layer in self.layers},
            "not_predicted": list(self.not_predicted),
            "documents": {"scored": list(self.doc_ids),
                          "missing_predictions": list(self.missing_predictions),
                          "not_in_gold": list(self.not_in_gold)},
            "ignored_predictions": {layer: self.ignored(layer) for layer in self.layers},
            "policies": {**policies(), "resampling_unit": self.unit,
                         "resamples": self.bootstrap, "seed": self.seed},
        }

    def to_json(self, by_doc: bool = True) -> str:
        from palmyra.report.json import dumps

        return dumps(self.to_dict(by_doc))


def _unit_groups(layers: Sequence[str], unit: str) -> list[list[str]]:
    """The layers resampled together: all of them by document, or by sentence all but
    coreference (resampled by document)."""
    if unit == "doc":
        return [list(layers)] if layers else []
    return [g for g in ([x for x in layers if x != "coreference"],
                        [x for x in layers if x == "coreference"]) if g]


def _intervals(result: Result, bootstrap: int, seed: int) -> None:
    if bootstrap <= 0 or not result.doc_ids:
        return
    started = time.perf_counter()
    for layers in _unit_groups(result.layers, result.unit):
        keys, names, groups = _metrics(result.counts, layers)
        units = result.units(layers[0])
        if not keys or not units.n_units:
            continue
        cis = bootstrap_ci(units, keys, n=bootstrap, seed=seed, groups=groups,
                           unit=result.unit if units is result.sentence_stacked else "doc")
        result.intervals.update(zip(names, cis, strict=True))
    result.timings["bootstrap"] = time.perf_counter() - started


def _check_counts(bootstrap: int, seed: int, trials: int = 0, jobs: int = 1,
                  unit: str = "doc") -> None:
    problems = [f"{name} must be a whole number >= 0, found {value!r}"
                for name, value in (("bootstrap", bootstrap), ("trials", trials),
                                    ("jobs", jobs))
                if isinstance(value, bool) or not isinstance(value, int) or value < 0]
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.append(f"seed must be a whole number >= 0, found {seed!r}")
    if unit not in UNITS:
        problems.append(f"unit must be one of {', '.join(UNITS)}, found {unit!r}")
    if problems:
        raise UsageError(problems)


def evaluate(gold: PathLike | Docs | None, predictions: PathLike | Docs, *,
             layers: Sequence[str] | None = None, bootstrap: int = DEFAULT_RESAMPLES,
             seed: int = DEFAULT_SEED,
             corpus: PathLike | Mapping[str, Document] | None = None,
             jobs: int = 1, unit: str = "doc") -> Result:
    """Score predictions against the gold.

    gold: a folder of `<doc_id>.json` files or a JSONL file, a mapping doc_id ->
    AnnotationDocument, or None for the bundled gold. predictions: the same (no default).
    layers: some of LAYERS (default: every layer the gold has). bootstrap: resamples for the
    95% intervals (0: none). corpus: a corpus folder or a mapping doc_id -> Document (default:
    the bundled corpus). jobs: processes that check the files of a folder and score the
    documents (0: one per CPU); the result is identical for any value. unit: what the
    bootstrap resamples, "doc" or "sentence" (palmyra.units; coreference is resampled by
    document either way). Raises
    palmyra.io.InputError (bad input, one line per problem) or UsageError (bad paths or
    options)."""
    _check_counts(bootstrap, seed, jobs=jobs, unit=unit)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    docs = _corpus(corpus)
    gold_set, version = _gold(gold, docs, _jobs(jobs))
    pred_set = _read(predictions, docs, "predictions", keep=gold_set.docs, jobs=_jobs(jobs))
    timings["read"] = time.perf_counter() - started
    scored_layers, not_predicted, kinds = _choose_layers(layers, gold_set.docs, pred_set.docs)
    scored = _score(gold_set.docs, pred_set.docs, docs.docs, scored_layers, kinds,
                    layer_scorers(), timings, jobs, unit)
    started = time.perf_counter()
    counts = scored.stacked.total()
    timings["sum"] = time.perf_counter() - started
    result = Result(scored.doc_ids, scored.stacked, counts, scored.cross_document,
                    scored_layers, not_predicted, scored.missing, scored.not_in_gold,
                    lambda: gold_set.sha256, version, bootstrap, seed, timings=timings,
                    unit=unit, sentence_stacked=scored.sentences)
    _intervals(result, bootstrap, seed)
    return result


# --- comparing two systems -----------------------------------------------------------------

@dataclass
class Comparison:
    """Two systems scored on the same gold, with paired significance tests per metric."""

    a: Result
    b: Result
    names: tuple[str, str]
    rows: dict[str, dict[str, dict[str, Any]]]  # layer -> mode -> comparison entry
    not_compared: list[str]
    bootstrap: int
    trials: int
    seed: int
    alpha: float = 0.05
    unit: str = "doc"

    def signature(self) -> str:
        # the resampling fields of either system's result: same unit, layers and settings
        return signature(self.a.gold_sha256, layers="+".join(self.rows) or "none",
                         trials=self.trials, **self.a._resampling())  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        return {
            "signature": self.signature(),
            "gold": {"version": self.a.gold_version, "sha256": self.a.gold_sha256},
            "systems": {"a": self.names[0], "b": self.names[1]},
            "layers": self.rows,
            "not_compared": list(self.not_compared),
            "documents": {"scored": list(self.a.doc_ids),
                          "missing_predictions": {"a": self.a.missing_predictions,
                                                  "b": self.b.missing_predictions}},
            "policies": {**policies(), "resampling_unit": self.unit,
                         "resamples": self.bootstrap, "trials": self.trials,
                         "seed": self.seed, "alpha": self.alpha,
                         "paired_bootstrap_p": "share of resamples where B - A does not "
                                               "have the sign of the observed difference",
                         "randomization_p": "(c + 1) / (trials + 1), c = trials with "
                                            "|A' - B'| >= |A - B|"},
        }

    def to_json(self) -> str:
        from palmyra.report.json import dumps

        return dumps(self.to_dict())


def _side(f1: float, ci: tuple[float, float] | None) -> dict[str, Any]:
    return {"f1": f1, "ci95": [ci[0], ci[1]] if ci is not None else None}


def _compare_rows(a: Result, b: Result, layers: Sequence[str], bootstrap: int, trials: int,
                  seed: int, alpha: float) -> dict[str, dict[str, dict[str, Any]]]:
    counts = a.counts + b.counts  # the union of both systems' rows
    rows: dict[str, dict[str, dict[str, Any]]] = {layer: {} for layer in layers}
    for group in _unit_groups(layers, a.unit):
        keys, names, groups = _metrics(counts, group)
        if keys:
            units = a.units(group[0])
            tests = paired_tests(units, b.units(group[0]), keys,
                                 bootstrap=bootstrap, trials=trials, seed=seed, groups=groups)
            # Resampled sentences: the point estimates stay the documents' (palmyra.units).
            point = (a, b) if units is a.sentence_stacked else None
            _add_tests(rows, names, tests, alpha, point)
    _add_cross_document(rows, a, b, layers)
    order = {layer: list(dict.fromkeys(a.modes(layer) + b.modes(layer))) for layer in layers}
    return {layer: {m: rows[layer][m] for m in order[layer] if m in rows[layer]}
            for layer in layers}


def _add_tests(rows: dict[str, dict[str, dict[str, Any]]], names: list[tuple[str, str]],
               tests: PairedResult, alpha: float, point: tuple[Result, Result] | None) -> None:
    """Each metric's row; `point`: the results whose scores to show (else the tests')."""
    for i, (layer, mode) in enumerate(names):
        p_bs = tests.p_bootstrap[i] if tests.p_bootstrap is not None else None
        p_ar = tests.p_randomization[i] if tests.p_randomization is not None else None
        fa, fb = ((point[0].score(layer, mode)["f1"], point[1].score(layer, mode)["f1"])
                  if point is not None else (tests.score_a[i], tests.score_b[i]))
        rows[layer][mode] = {
            "a": _side(fa, tests.ci_a[i] if tests.ci_a else None),
            "b": _side(fb, tests.ci_b[i] if tests.ci_b else None),
            "difference": fb - fa,
            "paired_bootstrap_p": p_bs,
            "randomization_p": p_ar,
            "significant": {"paired_bootstrap": p_bs is not None and p_bs < alpha,
                            "randomization": p_ar is not None and p_ar < alpha},
        }


def _add_cross_document(rows: dict[str, dict[str, dict[str, Any]]], a: Result, b: Result,
                        layers: Sequence[str]) -> None:
    for layer in layers:  # cross-document scores: no resampling of documents applies
        for mode in a.modes(layer) + b.modes(layer):
            if mode.startswith(coref.CROSS) and mode not in rows[layer]:
                fa, fb = a.score(layer, mode)["f1"], b.score(layer, mode)["f1"]
                rows[layer][mode] = {"a": _side(fa, None), "b": _side(fb, None),
                                     "difference": fb - fa, "paired_bootstrap_p": None,
                                     "randomization_p": None,
                                     "significant": {"paired_bootstrap": False,
                                                     "randomization": False}}


def compare(gold: PathLike | Docs | None, a: PathLike | Docs, b: PathLike | Docs, *,
            layers: Sequence[str] | None = None, bootstrap: int = DEFAULT_RESAMPLES,
            trials: int = DEFAULT_TRIALS, seed: int = DEFAULT_SEED,
            corpus: PathLike | Mapping[str, Document] | None = None,
            names: tuple[str, str] | None = None, alpha: float = 0.05,
            jobs: int = 1, unit: str = "doc") -> Comparison:
    """Score two prediction sets on the same gold and test every metric's difference with a
    paired bootstrap (`bootstrap` resamples) and approximate randomization (`trials`), both
    over documents or (unit="sentence", coreference excepted) over sentences.
    jobs: processes that score documents (0: one per CPU); the result is identical."""
    _check_counts(bootstrap, seed, trials, jobs, unit)
    docs = _corpus(corpus)
    gold_set, version = _gold(gold, docs, _jobs(jobs))
    sets = [_read(x, docs, "predictions", keep=gold_set.docs, jobs=_jobs(jobs)) for x in (a, b)]
    wanted, _, _ = _choose_layers(layers, gold_set.docs)
    both, _, kinds = _choose_layers(layers, gold_set.docs, sets[0].docs, sets[1].docs)
    scorers = layer_scorers()
    results = []
    for pred_set in sets:
        s = _score(gold_set.docs, pred_set.docs, docs.docs, both, kinds, scorers, {}, jobs,
                   unit)
        results.append(Result(s.doc_ids, s.stacked, s.stacked.total(), s.cross_document,
                              both, [x for x in wanted if x not in both], s.missing,
                              s.not_in_gold, lambda: gold_set.sha256, version, bootstrap,
                              seed, unit=unit, sentence_stacked=s.sentences))
    rows = _compare_rows(results[0], results[1], both, bootstrap, trials, seed, alpha)
    label = names or (str(a) if not isinstance(a, Mapping) else "A",
                      str(b) if not isinstance(b, Mapping) else "B")
    return Comparison(results[0], results[1], label, rows,
                      [x for x in wanted if x not in both], bootstrap, trials, seed, alpha,
                      unit)
