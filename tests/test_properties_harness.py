"""Properties of the whole harness on random documents (hypothesis): palmyra.evaluate() and
palmyra.compare() over several documents with every layer and coreference, and the command
line against the library.

The layer scorers' own properties are in test_properties.py (scores in range, gold against
itself, order, additivity, looser modes), the library round trips of brat and Label Studio
in test_formats.py, HTML escaping in test_html_report.py; this file reuses their random
documents and checks what only appears above a single scorer: corpus sums, intervals,
cross-document coreference, processes, files and the command line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import math
import random
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import palmyra
from palmyra import evaluation
from palmyra.annotations import LAYERS, AnnotationDocument, dumps
from palmyra.cli import main
from palmyra.corpus import Document, load_corpus
from palmyra.io import UsageError
from palmyra.paths import annotations_dir
from palmyra.stats import CORE
from palmyra.tokenize import annotated_zone_types, tokenization
from test_formats import TEXT_004, documents, model
from test_properties import Case, _shuffled, cases

HARNESS = settings(max_examples=40, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
Sets = tuple[dict[str, AnnotationDocument], dict[str, AnnotationDocument], dict[str, Document]]


def _clustered(doc: AnnotationDocument, entity: list[str | None], event: list[str | None]
               ) -> AnnotationDocument:
    """The document with these cluster ids on its entities and events, in order."""
    return dataclasses.replace(
        doc,
        entities=tuple(dataclasses.replace(e, cluster=c)
                       for e, c in zip(doc.layer("entities"), entity, strict=False)),
        events=tuple(dataclasses.replace(e, cluster=c)
                     for e, c in zip(doc.layer("events"), event, strict=False)))


@st.composite
def corpora(draw: st.DrawFn, min_docs: int = 1, max_docs: int = 3) -> Sets:
    """(gold, predictions, corpus) of a few random documents, every layer present, with
    entity and event clusters that may span documents on both sides."""
    n = draw(st.integers(min_docs, max_docs))
    drawn: list[Case] = [draw(cases(doc_id=f"d{i}")) for i in range(n)]
    ids = st.sampled_from(["1", "2", "3"])

    def clusters(prefix: str, count: int, optional: bool) -> list[str | None]:
        choice = st.one_of(st.none(), ids) if optional else ids
        return [None if (c := draw(choice)) is None else f"{prefix}{c}" for _ in range(count)]

    gold, pred, corpus = {}, {}, {}
    for case in drawn:
        g, p = case.gold, case.pred
        gold[g.doc_id] = _clustered(g, clusters("E:", len(g.layer("entities")), False),
                                    clusters("V:", len(g.layer("events")), False))
        pred[p.doc_id] = _clustered(p, clusters("E:", len(p.layer("entities")), True),
                                    clusters("V:", len(p.layer("events")), True))
        corpus[case.doc.doc_id] = case.doc
    return gold, pred, corpus


def _entries(result: dict) -> Iterator[tuple[str, str, dict]]:
    """(layer, mode, entry) of every mode of a JSON result."""
    for layer, modes in result["layers"].items():
        for mode, entry in modes.items():
            yield layer, mode, entry


def _rows(entry: dict) -> Iterator[dict]:
    """The entry, its per-type and per-document rows and its macro average."""
    yield entry
    yield from entry["by_type"].values()
    yield from entry["by_doc"].values()
    if "macro" in entry:
        yield entry["macro"]


@HARNESS
@given(corpora(), st.integers(0, 2**31 - 1))
def test_every_score_and_interval_is_in_range(sets: Sets, seed: int) -> None:
    gold, pred, corpus = sets
    result = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=30, seed=seed).to_dict()
    assert "coreference" in result["layers"]
    for layer, mode, entry in _entries(result):
        for row in _rows(entry):
            for name in ("precision", "recall", "f1"):
                assert 0.0 <= row[name] <= 1.0, (layer, mode, name, row)
        if entry["ci95"] is not None:
            low, high = entry["ci95"]
            assert 0.0 <= low <= high <= 1.0, (layer, mode, entry["ci95"])


def _defined(entry: dict, modes: dict) -> bool:
    """A mode with something to score (a CoNLL mode: all three of its parts)."""
    if "components" in entry:
        return all(_defined(modes[c], modes) for c in entry["components"])
    return bool(entry["p_den"] or entry["r_den"])


@HARNESS
@given(corpora())
def test_gold_against_itself_scores_one(sets: Sets) -> None:
    """Every mode that has items, coreference within and across documents included (MUC of
    singletons only is 0/0, see docs/scores.md)."""
    gold, _, corpus = sets
    result = palmyra.evaluate(gold, gold, corpus=corpus, bootstrap=0).to_dict()
    checked = 0
    for layer, mode, entry in _entries(result):
        if not _defined(entry, result["layers"][layer]):
            continue
        checked += 1
        assert (entry["precision"], entry["recall"], entry["f1"]) == (1.0, 1.0, 1.0), \
            (layer, mode, entry)
        for label, row in entry["by_type"].items():
            if row["p_den"] or row["r_den"]:
                assert row["f1"] == 1.0, (layer, mode, label)
    assert checked or not any(any(map(g.layer, LAYERS)) for g in gold.values())


def _close(a: object, b: object, path: str = "$") -> None:
    """Equal JSON values, floats to within rounding (sums taken in another order)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for key in a:
            _close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (path, a, b)
    else:
        assert a == b, (path, a, b)


@HARNESS
@given(corpora(), st.integers(0, 2**32 - 1))
def test_shuffling_documents_and_items_changes_nothing(sets: Sets, seed: int) -> None:
    gold, pred, corpus = sets
    rng = random.Random(seed)
    expected = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=20).to_dict()

    def shuffled(docs: dict[str, AnnotationDocument]) -> dict[str, AnnotationDocument]:
        order = list(docs)
        rng.shuffle(order)
        return {d: _shuffled(docs[d], rng) for d in order}

    got = palmyra.evaluate(shuffled(gold), shuffled(pred), corpus=corpus, bootstrap=20)
    # Every score is the same; only the gold's hash (of its text, items in file order) and
    # the signatures that quote it differ.
    hashed = ("signature", "signatures", "gold")
    _close({k: v for k, v in got.to_dict().items() if k not in hashed},
           {k: v for k, v in expected.items() if k not in hashed})


@HARNESS
@given(corpora(min_docs=2))
def test_per_document_counts_sum_to_the_corpus_counts(sets: Sets) -> None:
    gold, pred, corpus = sets
    result = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=0)
    assert sorted(result.per_document) == sorted(gold)
    for key, row in result.counts.items():
        for name, value in row.items():
            parts = sum(c.table.get(key, {}).get(name, 0.0)
                        for c in result.per_document.values())
            assert math.isclose(parts, value, abs_tol=1e-9), (key, name)
    for layer, mode, entry in _entries(result.to_dict()):  # the JSON says the same
        if "components" in entry or mode.startswith("cross_"):
            continue
        for name in CORE:
            parts = sum(row[name] for row in entry["by_doc"].values())
            assert math.isclose(parts, entry[name], abs_tol=1e-9), (layer, mode, name)


@settings(HARNESS, max_examples=15)
@given(corpora(), st.integers(0, 2**31 - 1))
def test_bootstrap_and_paired_tests_are_deterministic_for_a_seed(sets: Sets, seed: int
                                                                ) -> None:
    gold, pred, corpus = sets
    first = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=50, seed=seed)
    again = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=50, seed=seed)
    assert first.intervals == again.intervals
    assert first.to_json() == again.to_json()
    comparisons = [palmyra.compare(gold, gold, pred, corpus=corpus, bootstrap=30, trials=30,
                                   seed=seed).to_dict() for _ in range(2)]
    assert comparisons[0] == comparisons[1]


# --------------------------------------------------------------------------- processes


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(corpora(min_docs=5, max_docs=7), st.integers(0, 2**31 - 1))
def test_jobs_give_identical_results(sets: Sets, seed: int) -> None:
    """Documents scored in 2 processes (or one per CPU): the same JSON, byte for byte, for
    evaluate and compare; the parallel path really runs."""
    gold, pred, corpus = sets
    saved = evaluation.PARALLEL_MIN_DOCUMENTS
    evaluation.PARALLEL_MIN_DOCUMENTS = 1  # shard even a handful of documents
    try:
        one = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=40, seed=seed)
        two = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=40, seed=seed, jobs=2)
        every = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=40, seed=seed, jobs=0)
        pair = [palmyra.compare(gold, pred, gold, corpus=corpus, bootstrap=20, trials=20,
                                seed=seed, jobs=jobs).to_json() for jobs in (1, 2)]
    finally:
        evaluation.PARALLEL_MIN_DOCUMENTS = saved
    assert "score:layers (2 processes)" in two.timings
    assert two.to_json() == one.to_json() == every.to_json()
    assert pair[0] == pair[1]


def test_jobs_must_be_a_whole_number() -> None:
    for jobs in (-1, 1.5, True):
        with pytest.raises(UsageError, match="jobs must be a whole number >= 0"):
            palmyra.evaluate(None, {}, jobs=jobs)


# --------------------------------------------------------------------------- command line


@contextlib.contextmanager
def _folder() -> Iterator[Path]:
    """A temporary folder (hypothesis runs many examples per test function)."""
    with tempfile.TemporaryDirectory(prefix="palmyra-test-") as tmp:
        yield Path(tmp)


def _cli(*argv: str | Path) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main([str(a) for a in argv])
    return code, out.getvalue()


CLI = settings(max_examples=15, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@CLI
@given(documents())
def test_the_command_line_scores_what_the_library_scores(data: dict) -> None:
    """A prediction read from a folder, from a JSONL file and given in memory: one JSON."""
    with _folder() as tmp:
        gold = tmp / "gold"
        gold.mkdir()
        for name in ("palmyra-004.json", "clusters.json"):
            shutil.copy(annotations_dir() / name, gold / name)
        (tmp / "pred").mkdir()
        (tmp / "pred" / "palmyra-004.json").write_text(json.dumps(data), encoding="utf-8")
        (tmp / "run.jsonl").write_text(json.dumps(data) + "\n", encoding="utf-8")
        options = ["--gold", gold, "--bootstrap", "20", "--json"]
        outputs = [_cli("evaluate", "--pred", tmp / source, *options)
                   for source in ("pred", "run.jsonl")]
        library = palmyra.evaluate(gold, {"palmyra-004": AnnotationDocument.from_dict(data)},
                                   bootstrap=20).to_json()
    assert outputs[0] == outputs[1] == (0, library)


@CLI
@given(documents(), st.sampled_from(["brat", "labelstudio"]))
def test_export_then_import_through_the_command_line_is_the_identity(data: dict, fmt: str
                                                                     ) -> None:
    with _folder() as tmp:
        (tmp / "in").mkdir()
        (tmp / "in" / "palmyra-004.json").write_text(json.dumps(data), encoding="utf-8")
        exported = tmp / ("brat" if fmt == "brat" else "tasks.json")
        assert _cli("convert", "export", fmt, tmp / "in", exported)[0] == 0
        assert _cli("convert", "import", fmt, exported, tmp / "back")[0] == 0
        back = (tmp / "back" / "palmyra-004.json").read_text(encoding="utf-8")
    assert back == dumps(model(data))


TOKENS = tokenization(load_corpus()["palmyra-004"],
                      annotated_zone_types(load_corpus()["palmyra-004"]))
SENTENCES = [(start, end) for start, end in zip(TOKENS.sentence_starts,
                                                [*TOKENS.sentence_starts[1:], len(TOKENS)],
                                                strict=True)]


@st.composite
def token_aligned_entities(draw: st.DrawFn) -> dict:
    """An entity layer that IOB2 carries whole: token-aligned, one sentence each, no two
    mentions sharing a token, in the annotated zones."""
    taken: set[int] = set()
    entities = []
    for _ in range(draw(st.integers(0, 12))):
        first, stop = draw(st.sampled_from(SENTENCES))
        i = draw(st.integers(first, stop - 1))
        j = draw(st.integers(i, min(stop - 1, i + 3)))
        if taken & set(range(i - 1, j + 2)):  # apart, so that B- tags separate them
            continue
        taken |= set(range(i, j + 1))
        start, end = TOKENS.starts[i], TOKENS.ends[j]
        entities.append({"start": start, "end": end, "text": TEXT_004[start:end],
                         "type": draw(st.sampled_from(["PER", "ORG", "GPE", "LOC", "FAC"]))})
    entities.sort(key=lambda e: e["start"])
    return {"schema_version": "1.0.0", "doc_id": "palmyra-004", "entities": entities}


@CLI
@given(token_aligned_entities())
def test_conll_export_then_import_is_the_identity_on_what_iob2_carries(data: dict) -> None:
    with _folder() as tmp:
        (tmp / "palmyra-004.json").write_text(json.dumps(data), encoding="utf-8")
        assert _cli("convert", "export", "conll", tmp / "palmyra-004.json",
                    tmp / "out.conll")[0] == 0
        assert _cli("convert", "import", "conll", tmp / "out.conll", tmp / "back")[0] == 0
        back = (tmp / "back" / "palmyra-004.json").read_text(encoding="utf-8")
    assert back == dumps(model(data))
