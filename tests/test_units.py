"""Sentences as bootstrap units (palmyra.units, `--bootstrap-unit sentence`) and the packed
per-key rows they are gathered in (palmyra.stats.Stacked)."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

import palmyra
from palmyra import cli, stats
from palmyra.annotations import AnnotationDocument, Attribution, Entity, Event, Number, Source
from palmyra.corpus import load_corpus
from palmyra.evaluation import LAYERS
from palmyra.io import read_gold
from palmyra.stats import Counts, tally
from palmyra.units import sentence_pairs, sentence_starts
from scoring_fixtures import Text

STRICT = ("entities", "strict", "*")
EXAMPLE = "examples/noisy-predictions.jsonl"


def _two_sentences() -> tuple[dict, dict, dict]:
    t = Text("Alice met Bob in Aleppo. Carol left on 3 May.", doc_id="t1")
    gold = t.annotations(
        entities=[t.entity("Alice", "PER"), t.entity("Bob", "PER"), t.entity("Carol", "PER")],
        events=[Event(t.span("met"), "Contact.Meet"), Event(t.span("left"), "Movement.Flee")],
        numbers=[Number(t.span("3"), "date", value=3.0)],
        attributions=[])
    pred = t.annotations(
        entities=[t.entity("Alice", "PER"), t.entity("Bob", "ORG")],
        events=[Event(t.span("met"), "Contact.Meet")],
        numbers=[Number(t.span("3"), "date", value=3.0)],
        attributions=[])
    return {"t1": gold}, {"t1": pred}, {"t1": t.document}


def test_items_go_to_the_sentence_their_anchor_starts_in() -> None:
    gold, pred, corpus = _two_sentences()
    doc = corpus["t1"]
    assert sentence_starts(doc) == [0, doc.text.index(".") + 1]  # after "Aleppo."
    parts = sentence_pairs((gold["t1"], pred["t1"], doc), "entities")
    assert [[e.span.text for e in g.entities] for g, _, _ in parts] == [["Alice", "Bob"],
                                                                         ["Carol"]]
    assert [[e.span.text for e in p.entities] for _, p, _ in parts] == [["Alice", "Bob"], []]
    assert all(g.events == gold["t1"].events for g, _, _ in parts)  # other layers stay whole
    events = sentence_pairs((gold["t1"], pred["t1"], doc), "events")
    assert [[e.trigger.text for e in g.events] for g, _, _ in events] == [["met"], ["left"]]


def test_sentence_rows_are_hand_computed() -> None:
    gold, pred, corpus = _two_sentences()
    result = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=50, unit="sentence")
    units = result.sentence_stacked
    assert units is not None and units.n_units == 2
    # sentence 1: Alice right, Bob mistyped; sentence 2: Carol missed
    assert units.array([STRICT])[:, 0].tolist() == [[1, 2, 1, 2], [0, 0, 0, 1]]
    trig = ("events", "trigger_classification", "*")
    assert units.array([trig])[:, 0].tolist() == [[1, 1, 1, 1], [0, 0, 0, 1]]
    num = ("numbers", "full", "*")
    assert units.array([num])[:, 0].tolist() == [[0, 0, 0, 0], [1, 1, 1, 1]]
    # the point estimates are the document's
    assert result.score("entities", "strict")["f1"] == pytest.approx(0.4)  # P 1/2, R 1/3
    assert result.to_dict()["policies"]["resampling_unit"] == "sentence"
    assert "|unit:sentence|" in result.signature("entities")
    assert "unit:" not in result.signature("coreference")  # coreference: by document


def _sums_equal(gold: dict, pred: dict, corpus: dict, layer: str) -> None:
    result = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=0, layers=[layer],
                              unit="sentence")
    by_sentence = result.sentence_stacked.total()  # type: ignore[union-attr]
    for mode in result.counts.modes(layer):
        key = (layer, mode, "*")
        for name in stats.CORE:
            assert by_sentence[key][name] == pytest.approx(result.counts[key][name]), key


def test_a_nested_attribution_stays_with_its_parent() -> None:
    t = Text("Bob said Ann told him. She said the town fell.", doc_id="t1")
    outer = Attribution(cue=(t.span("said"),), content=(t.span("Ann told him"),), id="a1",
                        source=Source(t.span("Bob")), type="indirect")
    inner = Attribution(cue=(t.span("said", 1),), content=(t.span("the town fell"),),
                        id="a2", source=Source(t.span("She")), type="indirect", parent="a1")
    gold = {"t1": t.annotations(attributions=[outer, inner])}
    corpus = {"t1": t.document}
    parts = sentence_pairs((gold["t1"], gold["t1"], t.document), "attributions")
    assert [len(g.attributions) for g, _, _ in parts] == [2, 0]
    _sums_equal(gold, gold, corpus, "attributions")
    same = palmyra.compare(gold, gold, gold, corpus=corpus, bootstrap=20, trials=20,
                           unit="sentence", layers=["attributions"])
    assert same.rows["attributions"]["nested_exact"]["a"]["f1"] == 1.0


def test_a_span_starting_in_the_whitespace_before_a_sentence_belongs_to_it() -> None:
    t = Text("Alice met Bob. Carol left.", doc_id="t1")
    gold = {"t1": t.annotations(entities=[t.entity("Alice", "PER"), t.entity("Carol", "PER")])}
    carol = t.span("Carol")
    spaced = t.at(carol.start - 1, carol.end)  # " Carol": IOB2 tags the token "Carol"
    pred = {"t1": t.annotations(entities=[t.entity("Alice", "PER"), Entity(spaced, "PER")])}
    assert sentence_starts(t.document) == [0, t.text.index(".") + 1]
    _sums_equal(gold, pred, {"t1": t.document}, "bio")


def test_compare_over_sentences_shows_the_document_scores() -> None:
    gold, pred, corpus = _gold_and_example()
    by_doc = palmyra.compare(gold, gold, pred, corpus=corpus, bootstrap=20, trials=20,
                             layers=["entities", "events"])
    by_sentence = palmyra.compare(gold, gold, pred, corpus=corpus, bootstrap=20, trials=20,
                                  layers=["entities", "events"], unit="sentence")
    for layer, modes in by_doc.rows.items():
        for mode, row in modes.items():
            other = by_sentence.rows[layer][mode]
            assert (other["a"]["f1"], other["b"]["f1"], other["difference"]) == pytest.approx(
                (row["a"]["f1"], row["b"]["f1"], row["difference"]), abs=1e-12)


def test_only_coreference_scored_names_no_sentence_unit() -> None:
    gold, pred, corpus = _gold_and_example()
    result = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=10, unit="sentence",
                              layers=["coreference"])
    assert "unit:" not in result.signature()
    same = palmyra.compare(gold, pred, pred, corpus=corpus, bootstrap=10, trials=10,
                           unit="sentence", layers=["coreference"])
    assert "unit:" not in same.signature()
    assert same.signature().endswith("|trials:10|bootstrap:10|seed:12345")


def test_a_document_level_run_keeps_its_signature() -> None:
    gold, pred, corpus = _two_sentences()
    result = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=10)
    assert result.sentence_stacked is None
    assert "unit:" not in result.signature() and "unit:" not in result.signature("entities")
    assert result.to_dict()["policies"]["resampling_unit"] == "doc"


def _gold_and_example() -> tuple[dict, dict, dict]:
    corpus = load_corpus()
    gold = read_gold(None, None).docs
    with open(EXAMPLE, encoding="utf-8") as fh:
        pred = [AnnotationDocument.from_dict(json.loads(line)) for line in fh]
    return gold, {d.doc_id: d for d in pred}, corpus


@pytest.mark.parametrize("layer", [x for x in LAYERS if x != "coreference"])
def test_sentence_rows_add_up_to_the_documents(layer: str) -> None:
    """Gold against itself, and the bundled noisy predictions: no match crosses a sentence,
    so the sentences' totals equal the documents' in every mode."""
    gold, pred, corpus = _gold_and_example()
    for preds in (gold, pred):
        result = palmyra.evaluate(gold, preds, corpus=corpus, bootstrap=0, layers=[layer],
                                  unit="sentence")
        assert result.sentence_stacked is not None
        by_sentence = result.sentence_stacked.total()
        for mode in result.counts.modes(layer):
            key = (layer, mode, "*")
            for name in stats.CORE:
                assert by_sentence[key][name] == pytest.approx(result.counts[key][name]), key


def test_sentence_intervals_are_seeded_bounded_and_spare_coreference() -> None:
    gold, pred, corpus = _gold_and_example()
    result = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=200, unit="sentence")
    n = result.sentence_stacked.n_units  # type: ignore[union-attr]
    assert n == sum(len(sentence_starts(corpus[d])) for d in gold) > 5 * 10
    for (layer, mode), ci in result.intervals.items():
        if ci is not None:
            assert 0.0 <= ci[0] <= ci[1] <= 1.0, (layer, mode)
    again = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=200, unit="sentence")
    assert again.intervals == result.intervals  # seeded
    doc = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=200)
    assert doc.intervals[("coreference", "entity_conll")] == \
        result.intervals[("coreference", "entity_conll")]  # coreference: by document
    assert doc.intervals[STRICT[:2]] != result.intervals[STRICT[:2]]


def test_sentence_units_are_the_same_in_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    from palmyra import evaluation

    monkeypatch.setattr(evaluation, "PARALLEL_MIN_DOCUMENTS", 1)
    gold, pred, corpus = _gold_and_example()
    one = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=100, unit="sentence")
    two = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=100, unit="sentence", jobs=2)
    assert one.to_json() == two.to_json()


def test_compare_over_sentences() -> None:
    gold, pred, corpus = _gold_and_example()
    same = palmyra.compare(gold, pred, pred, corpus=corpus, bootstrap=100, trials=100,
                           unit="sentence", layers=["entities"])
    row = same.rows["entities"]["strict"]
    assert row["paired_bootstrap_p"] == 1.0 and row["randomization_p"] == 1.0
    assert same.to_dict()["policies"]["resampling_unit"] == "sentence"
    assert "|unit:sentence|" in same.signature()


def test_a_bad_unit_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(palmyra.io.UsageError):
        palmyra.evaluate(None, EXAMPLE, unit="paragraph")
    with pytest.raises(SystemExit) as exc:
        cli.main(["evaluate", "--pred", EXAMPLE, "--bootstrap-unit", "paragraph"])
    assert exc.value.code == 2
    assert "invalid choice: 'paragraph'" in capsys.readouterr().err


def test_the_command_line_resamples_sentences(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["evaluate", "--pred", EXAMPLE, "--layers", "numbers", "--json",
                     "--bootstrap", "50", "--bootstrap-unit", "sentence"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["policies"]["resampling_unit"] == "sentence"
    assert out["layers"]["numbers"]["full"]["ci95"] is not None


# --- Stacked --------------------------------------------------------------------------------

K, KP = ("entities", "strict", "*"), ("entities", "strict", "PER")


def _random_units(rng: random.Random, n: int) -> list[Counts]:
    units = []
    for _ in range(n):
        c = Counts()
        if rng.random() < 0.8:
            extra = {"ignored": float(rng.randrange(3))} if rng.random() < 0.5 else {}
            c.table[K] = tally(rng.randrange(4), rng.randrange(3), rng.randrange(3), **extra)
        if rng.random() < 0.5:
            c.table[KP] = tally(rng.randrange(2), 0, rng.randrange(2))
        units.append(c)
    return units


@pytest.mark.parametrize("seed", range(5))
def test_shards_merged_equal_one_stack(seed: int) -> None:
    rng = random.Random(seed)
    units = _random_units(rng, 40)
    whole = stats.Stacked()
    for i, c in enumerate(units):
        whole.add(i, c)
    merged, start = stats.Stacked(), 0
    for size in (7, 1, 20, 12):
        shard = stats.Stacked()
        for i, c in enumerate(units[start:start + size]):
            shard.add(i, c)
        shard.n_units = size
        merged.merge(shard.freeze(), start)
        start += size
    assert merged.n_units == whole.n_units == 40
    assert merged.total() == whole.total() == stats.total(units)
    assert np.array_equal(merged.array([K, KP]), stats.stack(units, [K, KP]))
    assert [u.table for u in merged.units()] == [
        {k: {**dict.fromkeys(whole.total()[k]), **{f: 0.0 for f in whole.total()[k]}, **t}
         for k, t in c.table.items()} for c in units]


def test_per_document_entries_are_each_document_s_own_scores() -> None:
    gold, pred, corpus = _gold_and_example()
    result = palmyra.evaluate(gold, pred, corpus=corpus, bootstrap=0)
    for layer, modes in result.to_dict()["layers"].items():
        for mode, entry in modes.items():
            if "components" in entry:
                continue
            for doc_id, row in entry["by_doc"].items():
                own = result.per_document[doc_id].get((layer, mode, "*"))
                expected = stats.prf(own) if own is not None else stats.prf(
                    dict.fromkeys(stats.CORE, 0.0))
                assert {k: row[k] for k in expected} == expected, (layer, mode, doc_id)
