"""Every mode of the entity, BIO, event, number and attribution scorers on hand-made
documents, with counts computed by hand."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palmyra.annotations import Argument, Attribution, Event, Number, Source
from palmyra.corpus import Document, Zone
from palmyra.scoring import LAYER_MODES, LAYER_SCORERS, attributions, bio, entities, events, numbers
from palmyra.scoring._common import kept_predictions, kept_sorted
from palmyra.stats import prf
from scoring_fixtures import Text, core, row

# A page with furniture: "Skip to content" is boilerplate, the rest is the article.
PAGE = Text("Skip to content\n\nIS fighters retook Palmyra on Sunday. The army said militants "
            "attacked the city, Reuters reported.\n",
            zones=[("boilerplate", 0, 17), ("body", 17, 116)])


def test_interface() -> None:
    assert set(LAYER_SCORERS) == {"entities", "bio", "events", "numbers", "attributions"}
    assert LAYER_MODES["entities"] == ("strict", "exact", "partial", "type")
    assert LAYER_MODES["bio"] == ("seqeval_default", "seqeval_strict")
    for layer, scorer in LAYER_SCORERS.items():
        counts = scorer(PAGE.annotations(), PAGE.annotations(), PAGE.document)
        assert {k[1] for k in counts} == set(LAYER_MODES[layer])  # every mode has a row
        assert all(k[0] == layer for k in counts)


# --- entities ---------------------------------------------------------------------------------

GOLD_ENTITIES = [PAGE.entity("IS fighters", "PER"), PAGE.entity("Palmyra", "GPE"),
                 PAGE.entity("The army", "ORG"), PAGE.entity("the city", "GPE")]
PRED_ENTITIES = [PAGE.entity("IS fighters", "PER"),  # COR everywhere
                 PAGE.entity("Palmyra", "LOC"),      # right span, wrong type
                 PAGE.entity("army", "ORG"),         # overlaps "The army", right type
                 PAGE.entity("Reuters", "ORG"),      # spurious
                 PAGE.entity("Skip", "ORG")]         # boilerplate: ignored


def _entities(gold: list | None, pred: list | None):
    return entities.score(PAGE.annotations(entities=gold), PAGE.annotations(entities=pred),
                          PAGE.document)


OUTCOMES = ("correct", "incorrect", "partial", "missed", "spurious")


def _outcomes(counts, mode: str, label: str = "*") -> tuple[float, ...]:
    return tuple(row(counts, "entities", mode, label)[k] for k in OUTCOMES)


def test_entities_semeval_modes() -> None:
    c = _entities(GOLD_ENTITIES, PRED_ENTITIES)
    # POS = 4 gold, ACT = 4 kept predictions ("Skip" is ignored).
    assert _outcomes(c, "strict") == (1, 2, 0, 1, 1)
    assert _outcomes(c, "exact") == (2, 1, 0, 1, 1)
    assert _outcomes(c, "partial") == (2, 0, 1, 1, 1)
    assert _outcomes(c, "type") == (2, 1, 0, 1, 1)
    assert core(c, "entities", "strict") == (1, 4, 1, 4)
    assert core(c, "entities", "exact") == (2, 4, 2, 4)
    assert core(c, "entities", "partial") == (2.5, 4, 2.5, 4)   # (COR + 0.5 PAR) / 4
    assert core(c, "entities", "type") == (2, 4, 2, 4)
    for mode in entities.MODES:
        assert row(c, "entities", mode)["ignored"] == 1


def test_entities_per_type_rows() -> None:
    c = _entities(GOLD_ENTITIES, PRED_ENTITIES)
    # Recall on the gold type, precision on the predicted type.
    assert core(c, "entities", "strict", "GPE") == (0, 0, 0, 2)
    assert _outcomes(c, "strict", "GPE") == (0, 1, 0, 1, 0)
    assert core(c, "entities", "strict", "LOC") == (0, 1, 0, 0)
    assert core(c, "entities", "strict", "ORG") == (0, 2, 0, 1)
    assert _outcomes(c, "strict", "ORG") == (0, 1, 0, 0, 1)
    assert core(c, "entities", "exact", "GPE") == (0, 0, 1, 2)   # "Palmyra" found, as LOC
    assert core(c, "entities", "exact", "LOC") == (1, 1, 0, 0)
    assert core(c, "entities", "partial", "ORG") == (0.5, 2, 0.5, 1)
    assert core(c, "entities", "type", "ORG") == (1, 2, 1, 1)
    assert core(c, "entities", "type", "PER") == (1, 1, 1, 1)


def test_entities_identical_spans_win_over_overlaps_in_any_order() -> None:
    text = Text("IS fighters retook Palmyra")
    gold = [text.entity("IS fighters", "PER"), text.entity("retook Palmyra", "GPE")]
    pred = [text.entity("fighters retook", "PER"), text.entity("IS fighters", "PER")]
    for p in (pred, pred[::-1]):
        for g in (gold, gold[::-1]):
            c = entities.score(text.annotations(entities=g), text.annotations(entities=p),
                               text.document)
            assert _outcomes(c, "partial") == (1, 0, 1, 0, 0)
            assert core(c, "entities", "partial") == (1.5, 2, 1.5, 2)
            assert _outcomes(c, "exact") == (1, 1, 0, 0, 0)
            assert _outcomes(c, "strict") == (1, 1, 0, 0, 0)
            assert _outcomes(c, "type") == (1, 1, 0, 0, 0)


def test_entities_type_mode_pairs_identical_mentions_first() -> None:
    # gold [0,10) and [8,20); predictions [0,10) (identical) and [0,2). Type mode pairs the
    # identical mention first, so [0,2) and [8,20), which do not overlap, stay unpaired.
    text = Text("abcdefghijklmnopqrstuvwxyz")
    gold = [text.entity("abcdefghij", "PER"), text.entity("ijklmnopqrst", "PER")]
    pred = [text.entity("abcdefghij", "PER"), text.entity("ab", "PER")]
    c = entities.score(text.annotations(entities=gold), text.annotations(entities=pred),
                       text.document)
    assert _outcomes(c, "type") == (1, 0, 0, 1, 1)


def test_entities_never_pair_mentions_that_do_not_overlap() -> None:
    # gold "abcde" and "efghi" overlap each other; predictions "b" and "c" overlap only the
    # first. One pair is possible; "efghi" is missed and one prediction is spurious.
    text = Text("abcdefghij")
    gold = [text.entity("abcde", "PER"), text.entity("efghi", "PER")]
    pred = [text.entity("b", "ORG"), text.entity("c", "ORG")]
    c = entities.score(text.annotations(entities=gold), text.annotations(entities=pred),
                       text.document)
    assert _outcomes(c, "strict") == (0, 1, 0, 1, 1)
    assert _outcomes(c, "exact") == (0, 1, 0, 1, 1)
    assert _outcomes(c, "partial") == (0, 0, 1, 1, 1)
    assert _outcomes(c, "type") == (0, 1, 0, 1, 1)


def test_entities_nested_gold() -> None:
    text = Text("Islamic State fighters attacked")
    gold = [text.entity("Islamic State", "ORG"), text.entity("Islamic State fighters", "PER")]
    pred = [text.entity("Islamic State fighters", "PER")]
    c = entities.score(text.annotations(entities=gold), text.annotations(entities=pred),
                       text.document)
    assert _outcomes(c, "strict") == (1, 0, 0, 1, 0)
    assert core(c, "entities", "strict") == (1, 1, 1, 2)
    assert _outcomes(c, "partial") == (1, 0, 0, 1, 0)


def test_entities_empty_sides() -> None:
    c = _entities([], PRED_ENTITIES[:2])
    for mode in entities.MODES:
        assert core(c, "entities", mode) == (0, 2, 0, 0)
        assert _outcomes(c, mode) == (0, 0, 0, 0, 2)
        assert prf(row(c, "entities", mode)) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    c = _entities(GOLD_ENTITIES, None)  # the layer is not predicted at all
    for mode in entities.MODES:
        assert core(c, "entities", mode) == (0, 0, 0, 4)
        assert _outcomes(c, mode) == (0, 0, 0, 4, 0)
    c = _entities([], [])
    assert core(c, "entities", "strict") == (0, 0, 0, 0)


def test_predictions_outside_every_zone_are_ignored() -> None:
    text = Text("Palmyra ... Homs and Raqqa", zones=[("headline", 0, 7), ("body", 12, 26)])
    pred = [text.entity("Palmyra", "GPE"), text.entity("...", "LOC"),
            text.entity("Homs", "GPE"), text.entity("Raqqa", "GPE")]
    c = entities.score(text.annotations(entities=[]), text.annotations(entities=pred),
                       text.document)
    assert core(c, "entities", "strict") == (0, 3, 0, 0)
    assert row(c, "entities", "strict")["ignored"] == 1


@settings(max_examples=500, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=6, unique=True),
       st.lists(st.sampled_from(["headline", "body", "boilerplate"]), min_size=6, max_size=6),
       st.lists(st.tuples(st.integers(-2, 40), st.integers(0, 3)), max_size=12))
def test_kept_sorted_keeps_what_kept_predictions_keeps(cuts: list[int], types: list[str],
                                                       items: list[tuple[int, int]]) -> None:
    bounds = sorted(cuts)
    zones = tuple(Zone(kind, a, b) for kind, a, b in zip(types, bounds, [*bounds[1:], 45],
                                                         strict=False) if a < b)
    doc = Document("d", "x" * 45, {}, zones)
    mentions = sorted((s, s + n, "PER") for s, n in items)
    assert kept_sorted(doc, mentions) == kept_predictions(doc, mentions)


def test_entities_without_zones_everything_counts() -> None:
    text = Text("Skip to content", zones=[])
    pred = [text.entity("Skip", "ORG")]
    c = entities.score(text.annotations(entities=[]), text.annotations(entities=pred),
                       text.document)
    assert core(c, "entities", "strict") == (0, 1, 0, 0)
    assert row(c, "entities", "strict")["ignored"] == 0


# --- BIO --------------------------------------------------------------------------------------

BIO_PAGE = Text("Skip\n\nIslamic State fighters retook Palmyra on Sunday. The army fled.",
                zones=[("boilerplate", 0, 6), ("body", 6, 69)])


def test_bio_seqeval_counts_and_conversion_report() -> None:
    t = BIO_PAGE
    gold = [t.entity("Islamic State", "ORG"), t.entity("Islamic State fighters", "PER"),
            t.entity("Palmyra", "GPE"), t.entity("The army", "ORG")]
    pred = [t.entity("Islamic State fighters", "PER"), t.entity("Palmyr", "GPE"),
            t.entity("army", "ORG"), t.entity("Skip", "ORG")]
    c = bio.score(t.annotations(entities=gold), t.annotations(entities=pred), t.document)
    for mode in bio.MODES:
        # gold chunks PER, GPE, ORG ("The army"); predicted PER, GPE ("Palmyr" widened to the
        # token "Palmyra"), ORG ("army" alone): two agree.
        assert core(c, "bio", mode) == (2, 3, 2, 3)
        assert core(c, "bio", mode, "ORG") == (0, 1, 0, 1)
        assert core(c, "bio", mode, "GPE") == (1, 1, 1, 1)
        total = row(c, "bio", mode)
        assert (total["ignored"], total["gold_nested"], total["pred_extended"]) == (1, 1, 1)
        assert total["gold_extended"] == total["pred_nested"] == total["gold_outside"] == 0


def test_bio_empty_prediction_and_self() -> None:
    t = BIO_PAGE
    gold = [t.entity("Palmyra", "GPE"), t.entity("The army", "ORG")]
    c = bio.score(t.annotations(entities=gold), t.annotations(), t.document)
    assert core(c, "bio", "seqeval_default") == (0, 0, 0, 2)
    c = bio.score(t.annotations(entities=gold), t.annotations(entities=gold), t.document)
    assert core(c, "bio", "seqeval_strict") == (2, 2, 2, 2)


def test_bio_score_tags_modes_differ_on_malformed_tags() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    pred = [["I-PER", "I-PER", "O", "B-LOC"]]
    c = bio.score_tags(gold, pred)
    assert core(c, "bio", "seqeval_default") == (2, 2, 2, 2)  # I- after O starts a chunk
    assert core(c, "bio", "seqeval_strict") == (1, 1, 1, 2)   # strict drops it
    with pytest.raises(ValueError, match="sentence 0: 2 gold tags but 1 predicted tags"):
        bio.score_tags([["O", "O"]], [["O"]])


# --- events -----------------------------------------------------------------------------------

def _page_gold_events():
    t = PAGE
    ents = [t.entity("IS fighters", "PER", "m1", "E:is"),
            t.entity("Palmyra", "GPE", "m2", "E:palmyra"),
            t.entity("The army", "ORG", "m3", "E:army"),
            t.entity("militants", "PER", "m4", "E:is"),
            t.entity("the city", "GPE", "m5", "E:palmyra")]
    evs = [Event(t.span("retook"), "Conflict.TakeControl", "ev1", "ACTUAL",
                 (Argument("Captor", "m1"), Argument("Territory", "m2"))),
           Event(t.span("attacked"), "Conflict.Attack", "ev2", "ACTUAL",
                 (Argument("Attacker", "m4"), Argument("Target", "m5"))),
           Event(t.span("said"), "Contact.Statement", "ev3", "ACTUAL",
                 (Argument("Speaker", "m3"),))]
    return t.annotations(entities=ents, events=evs)


def _page_pred_events(captors: tuple[Argument, ...] | None = None):
    t = PAGE
    ents = [t.entity("militants", "PER", "x1")]
    captors = captors or (Argument("Captor", "x1"),)  # resolves to "militants"
    evs = [Event(t.span("retook"), "Conflict.TakeControl", realis="ACTUAL",
                 arguments=(*captors, Argument("Territory", span=t.span("Palmyra")))),
           Event(t.span("attacked"), "Conflict.Airstrike", realis="OTHER",
                 arguments=(Argument("Attacker", span=t.span("militants")),
                            Argument("Target", span=t.span("Palmyra")),
                            Argument("Place", span=t.span("the city")))),
           Event(t.span("Skip"), "Conflict.Attack", realis="ACTUAL",  # boilerplate: ignored
                 arguments=(Argument("Attacker", span=t.span("IS fighters")),))]
    return t.annotations(entities=ents, events=evs)


def test_events_triggers_and_realis() -> None:
    c = events.score(_page_gold_events(), _page_pred_events(), PAGE.document)
    assert core(c, "events", "trigger_identification") == (2, 2, 2, 3)
    assert core(c, "events", "trigger_classification") == (1, 2, 1, 3)
    assert core(c, "events", "trigger_identification_overlap") == (2, 2, 2, 3)
    assert core(c, "events", "trigger_classification_overlap") == (1, 2, 1, 3)
    # Identification rows: recall on the gold type, precision on the predicted type.
    assert core(c, "events", "trigger_identification", "Conflict.Attack") == (0, 0, 1, 1)
    assert core(c, "events", "trigger_identification", "Conflict.Airstrike") == (1, 1, 0, 0)
    assert core(c, "events", "trigger_identification", "Contact.Statement") == (0, 0, 0, 1)
    assert core(c, "events", "realis") == (1, 2, 1, 2)  # "attacked": ACTUAL vs OTHER
    assert core(c, "events", "realis", "ACTUAL") == (1, 2, 1, 2)
    for mode in (*events.TRIGGER_MODES, "realis"):
        assert row(c, "events", mode)["ignored"] == 1


def test_events_arguments_exact_and_coreference_aware() -> None:
    c = events.score(_page_gold_events(), _page_pred_events(), PAGE.document)
    # 5 gold arguments, 5 kept predicted ones; only (TakeControl, "Palmyra") has the gold
    # span; (TakeControl, "militants") is another mention of the Captor's cluster E:is.
    for mode in events.ARGUMENT_BASE:
        assert core(c, "events", mode) == (1, 5, 1, 5)
        assert core(c, "events", f"{mode}_coref") == (2, 5, 2, 5)
        assert row(c, "events", mode)["ignored"] == 1
    assert core(c, "events", "argument_classification", "Territory") == (1, 1, 1, 1)
    assert core(c, "events", "argument_classification", "Captor") == (0, 1, 0, 1)
    assert core(c, "events", "argument_classification_coref", "Captor") == (1, 1, 1, 1)
    assert core(c, "events", "argument_classification", "Place") == (0, 1, 0, 0)
    assert core(c, "events", "argument_classification", "Speaker") == (0, 0, 0, 1)
    assert core(c, "events", "argument_identification", "Conflict.Airstrike") == (0, 3, 0, 0)


def test_events_coreference_matching_stays_one_to_one() -> None:
    # Two predicted Captors, both mentions of E:is, for one gold Captor: one is credited.
    captors = (Argument("Captor", span=PAGE.span("militants")),
               Argument("Captor", span=PAGE.span("IS fighters")))
    c = events.score(_page_gold_events(), _page_pred_events(captors), PAGE.document)
    assert core(c, "events", "argument_classification_coref", "Captor") == (1, 2, 1, 1)
    assert core(c, "events", "argument_classification", "Captor") == (1, 2, 1, 1)


def test_events_overlapping_trigger() -> None:
    t = PAGE
    gold = t.annotations(events=[Event(t.span("retook"), "Conflict.TakeControl", "ev1",
                                       "ACTUAL")])
    pred = t.annotations(events=[Event(t.span("retook Palmyra"), "Conflict.Attack")])
    c = events.score(gold, pred, t.document)
    assert core(c, "events", "trigger_identification") == (0, 1, 0, 1)
    assert core(c, "events", "trigger_identification_overlap") == (1, 1, 1, 1)
    assert core(c, "events", "trigger_classification_overlap") == (0, 1, 0, 1)
    assert core(c, "events", "realis") == (0, 0, 0, 0)


def test_events_empty_and_unresolvable_mentions() -> None:
    t = PAGE
    gold = _page_gold_events()
    c = events.score(gold, t.annotations(), t.document)
    assert core(c, "events", "trigger_classification") == (0, 0, 0, 3)
    assert core(c, "events", "argument_classification_coref") == (0, 0, 0, 5)
    # A predicted argument naming a mention id that does not exist counts, and never matches.
    pred = t.annotations(events=[Event(t.span("retook"), "Conflict.TakeControl",
                                       arguments=(Argument("Captor", "nope"),))])
    c = events.score(gold, pred, t.document)
    assert core(c, "events", "argument_classification_coref") == (0, 1, 0, 5)


def test_events_span_in_two_clusters_still_largest_matching() -> None:
    # "Palmyra" is a mention of two clusters. The Territory "the city" (E:a) accepts
    # "Palmyra" and "the city"; the Territory "Palmyra" (E:b) accepts "Palmyra" only. The
    # predicted "Palmyra" comes first and could take "the city"; the largest matching pairs
    # it with "Palmyra" and the predicted "the city" with "the city".
    t = PAGE
    ents = [t.entity("Palmyra", "GPE", "m1", "E:a"), t.entity("the city", "GPE", "m2", "E:a"),
            t.entity("Palmyra", "GPE", "m3", "E:b")]
    gold = t.annotations(entities=ents, events=[Event(
        t.span("retook"), "Conflict.TakeControl", "ev1",
        arguments=(Argument("Territory", "m2"), Argument("Territory", "m3")))])
    pred = t.annotations(events=[Event(
        t.span("retook"), "Conflict.TakeControl",
        arguments=(Argument("Territory", span=t.span("Palmyra")),
                   Argument("Territory", span=t.span("the city"))))])
    c = events.score(gold, pred, t.document)
    for mode in events.ARGUMENT_BASE:
        assert core(c, "events", mode) == (2, 2, 2, 2)
        assert core(c, "events", f"{mode}_coref") == (2, 2, 2, 2)


def test_events_labels_without_a_row() -> None:
    # A gold event without realis counts in the realis total only, under no label.
    t = PAGE
    gold = t.annotations(events=[Event(t.span("retook"), "Conflict.TakeControl", "ev1"),
                                 Event(t.span("attacked"), "Conflict.Attack", "ev2", "ACTUAL")])
    pred = t.annotations(events=[Event(t.span("retook"), "Conflict.TakeControl"),
                                 Event(t.span("attacked"), "Conflict.Attack", realis="ACTUAL")])
    c = events.score(gold, pred, t.document)
    assert core(c, "events", "realis") == (2, 2, 2, 2)
    assert core(c, "events", "realis", "ACTUAL") == (1, 1, 1, 1)
    assert {k[2] for k in c if k[1] == "realis"} == {"*", "ACTUAL"}
    # An event type named like the total row adds its counts to the total (as Table.tally).
    gold = t.annotations(events=[Event(t.span("retook"), "*", "ev1")])
    pred = t.annotations(events=[Event(t.span("retook"), "*"),
                                 Event(t.span("attacked"), "Conflict.Attack")])
    c = events.score(gold, pred, t.document)
    assert core(c, "events", "trigger_classification") == (1 + 1, 2 + 1, 1 + 1, 1 + 1)
    assert row(c, "events", "trigger_classification")["ignored"] == 0
    assert core(c, "events", "trigger_classification", "Conflict.Attack") == (0, 1, 0, 0)
    assert core(c, "events", "realis") == (1, 1, 1, 1)
    assert {k[2] for k in c if k[1] == "realis"} == {"*"}


# --- numbers ----------------------------------------------------------------------------------

NUM_PAGE = Text("Skip 17\n\nAbout 50 troops and 4,000 militants fought for nine months in "
                "2015. Call 999.\n", zones=[("boilerplate", 0, 9), ("body", 9, 87)])


def _numbers():
    t = NUM_PAGE
    gold = [Number(t.span("About 50"), "count", "n1", value=50, qualifier="approximate"),
            Number(t.span("4,000"), "count", "n2", value=4000, qualifier="exact"),
            Number(t.span("nine months"), "duration", "n3", value=9, unit="month",
                   qualifier="exact"),
            Number(t.span("2015"), "date", "n4", value=2015, timex="2015")]
    pred = [Number(t.span("50"), "count", value=50, qualifier="approximate"),   # overlap only
            Number(t.span("4,000"), "count", value=4100, qualifier="exact"),    # 2.5% off
            Number(t.span("nine months"), "duration", value=9, unit="year", qualifier="exact"),
            Number(t.span("2015"), "date", value=2015, timex="2015"),
            Number(t.span("999"), "other", value=999),                          # spurious
            Number(t.span("17"), "count", value=17)]                            # ignored
    return numbers.score(t.annotations(numbers=gold), t.annotations(numbers=pred), t.document)


@pytest.mark.parametrize(("mode", "expected"), [
    ("span_exact", (3, 5, 3, 4)),
    ("span_overlap", (4, 5, 4, 4)),
    ("value_exact", (3, 5, 3, 4)),
    ("value", (3, 5, 3, 4)),
    ("value_tol5", (4, 5, 4, 4)),
    ("bounds", (4, 5, 4, 4)),
    ("qualifier", (4, 5, 4, 4)),
    ("unit", (3, 5, 3, 4)),
    ("kind", (4, 5, 4, 4)),
    ("timex", (4, 5, 4, 4)),
    ("full", (1, 5, 1, 4)),   # of the exact spans, only "2015" agrees on every field
])
def test_numbers_modes(mode: str, expected: tuple) -> None:
    c = _numbers()
    assert core(c, "numbers", mode) == expected
    assert row(c, "numbers", mode)["ignored"] == 1


def test_numbers_per_kind() -> None:
    c = _numbers()
    assert core(c, "numbers", "span_exact", "count") == (1, 2, 1, 2)
    assert core(c, "numbers", "span_exact", "other") == (0, 1, 0, 0)
    assert core(c, "numbers", "unit", "duration") == (0, 1, 0, 1)


def test_numbers_tolerances_and_bounds() -> None:
    assert numbers.close(4000, 4200, 0.05) and not numbers.close(4000, 4201, 0.05)
    assert numbers.close(0, 0, 1e-6) and not numbers.close(0, 1e-9, 1e-6)
    assert numbers.close(None, None, 0.0) and not numbers.close(None, 0, 0.5)
    t = Text("more than 4,000 militants")
    gold = [Number(t.span("more than 4,000"), "count", "n1", low=4000,
                   qualifier="lower_bound")]
    pred = [Number(t.span("more than 4,000"), "count", low=4000.000001, qualifier="lower_bound")]
    c = numbers.score(t.annotations(numbers=gold), t.annotations(numbers=pred), t.document)
    assert core(c, "numbers", "bounds") == (1, 1, 1, 1)
    assert core(c, "numbers", "full") == (1, 1, 1, 1)
    pred = [Number(t.span("4,000"), "count", low=4000, high=4000, qualifier="exact")]
    c = numbers.score(t.annotations(numbers=gold), t.annotations(numbers=pred), t.document)
    assert core(c, "numbers", "span_exact") == (0, 1, 0, 1)
    assert core(c, "numbers", "bounds") == (0, 1, 0, 1)   # high given but not in the gold
    assert core(c, "numbers", "kind") == (1, 1, 1, 1)



def test_numbers_kind_named_like_the_total() -> None:
    # Table adds the rows of a kind "*" into the total row; the scorer keeps doing so.
    t = Text("50 troops and 4,000 militants")
    gold = [Number(t.span("50"), "*", "n1", value=50), Number(t.span("4,000"), "count", "n2")]
    pred = [Number(t.span("50"), "*", value=50)]
    c = numbers.score(t.annotations(numbers=gold), t.annotations(numbers=pred), t.document)
    assert core(c, "numbers", "span_exact") == (2, 2, 2, 3)
    assert core(c, "numbers", "full", "count") == (0, 0, 0, 1)
    assert row(c, "numbers", "value")["ignored"] == 0


def test_numbers_sort_order() -> None:
    # The shortcut for distinct spans gives _order's order, also when offsets repeat or are
    # missing (None sorts first).
    def num(start: int | None, end: int, kind: str = "count") -> numbers._Num:
        return numbers._Num(start, end, kind, None, None, None, None, None, None)  # type: ignore[arg-type]

    for nums in ([num(5, 9), num(0, 3), num(0, 2)],
                 [num(5, 9, "date"), num(0, 3), num(5, 9, "count")],
                 [num(5, 9), num(None, 3), num(0, 2)]):  # type: ignore[list-item]
        assert numbers._sorted(nums) == sorted(nums, key=numbers._order)


# --- attributions -----------------------------------------------------------------------------

ATT_PAGE = Text('Share: he said\n\nReuters said "the army is retreating". State TV quoted the '
                "governor as saying the city had fallen. It is understood that IS holds the "
                "city.", zones=[("boilerplate", 0, 16), ("body", 16, 155)])


def _attributions():
    t = ATT_PAGE
    s = t.span
    gold = [
        Attribution((s("said", 1),), (s("the army is retreating"),), "a1",
                    Source(s("Reuters")), type="direct"),
        Attribution((s("quoted"),), (s("the governor as saying the city had fallen"),), "a2",
                    Source(s("State TV")), type="indirect"),
        Attribution((s("as saying"),), (s("the city had fallen"),), "a3",
                    Source(s("the governor")), type="indirect", parent="a2"),
        Attribution((s("It is understood"),), (s("IS holds the city"),), "a4",
                    implicit_source="unspecified", type="indirect"),
    ]
    pred = [
        Attribution((s("said", 1),), (s("army is retreating"),), "b1", Source(s("Reuters")),
                    type="direct"),
        Attribution((s("quoted"),), (s("the governor as saying the city had fallen"),), "b2",
                    Source(s("State TV")), type="indirect"),
        Attribution((s("as saying"),), (s("the city had fallen"),), "b3",
                    Source(s("governor")), type="indirect", parent="b2"),
        Attribution((s("It is understood"),), (s("IS holds the city"),), "b4",
                    implicit_source="author", type="indirect"),
        Attribution((s("said"),), (s("he"),), "b5", type="indirect"),  # boilerplate: ignored
    ]
    return attributions.score(t.annotations(attributions=gold),
                              t.annotations(attributions=pred), t.document)


@pytest.mark.parametrize(("mode", "expected"), [
    ("source_exact", (2, 4, 2, 4)),
    # + "governor" for "the governor": 1 of 1 predicted token, 1 of 2 gold tokens
    ("source_overlap", (3, 4, 2.5, 4)),
    ("cue_exact", (4, 4, 4, 4)),
    ("cue_overlap", (4, 4, 4, 4)),
    ("content_exact", (3, 4, 3, 4)),
    # + "army is retreating" for "the army is retreating": 3/3 and 3/4
    ("content_overlap", (4, 4, 3.75, 4)),
    ("triple_exact", (1, 4, 1, 4)),
    ("triple_overlap", (3, 4, 3, 4)),      # not a4/b4: implicit sources differ
    ("nested_exact", (0, 1, 0, 1)),        # a3/b3 differ in source
    ("nested_overlap", (1, 1, 1, 1)),      # a3/b3 and their parents a2/b2 overlap
])
def test_attribution_modes(mode: str, expected: tuple) -> None:
    c = _attributions()
    assert core(c, "attributions", mode) == pytest.approx(expected)
    assert row(c, "attributions", mode)["ignored"] == 1


def test_attribution_per_type_and_empty() -> None:
    c = _attributions()
    assert core(c, "attributions", "source_exact", "direct") == (1, 1, 1, 1)
    assert core(c, "attributions", "source_exact", "indirect") == (1, 3, 1, 3)
    t = ATT_PAGE
    gold = t.annotations(attributions=[Attribution((t.span("quoted"),), (t.span("fallen"),),
                                                   "a1", implicit_source="author")])
    c = attributions.score(gold, t.annotations(), t.document)
    assert core(c, "attributions", "triple_overlap") == (0, 0, 0, 1)
    c = attributions.score(gold, gold, t.document)
    assert core(c, "attributions", "source_overlap") == (1, 1, 1, 1)


def test_attribution_multi_span_cue_and_content_as_token_sets() -> None:
    t = ATT_PAGE
    s = t.span
    gold = [Attribution((s("quoted"), s("as saying")), (s("the city had fallen"),), "a1",
                        Source(s("State TV")))]
    # The same tokens, split differently and listed in another order.
    pred = [Attribution((s("as saying"), s("quoted")), (s("had fallen"), s("the city", 0)),
                        source=Source(s("State TV")))]
    c = attributions.score(t.annotations(attributions=gold), t.annotations(attributions=pred),
                           t.document)
    assert core(c, "attributions", "triple_exact") == (1, 1, 1, 1)


def test_attribution_token_sets_equal_the_whole_document_tokenization() -> None:
    """Token sets are read off the text around each span: the tokens of the whole document's
    tokenization that the span touches, inside an annotated zone, across zones or in page
    furniture alike."""
    from palmyra.annotations import Span
    from palmyra.corpus import load_corpus
    from palmyra.scoring import attributions as attr
    from palmyra.tokenize import tokenization

    corpus = load_corpus()
    checked = 0
    for doc in corpus.values():
        elements = attr._Elements(doc)
        tok = tokenization(doc)
        for zone in doc.zones:
            for start, end in ((zone.start, min(zone.start + 40, zone.end)),
                               (max(zone.start, zone.end - 25), min(zone.end + 15, len(doc.text))),
                               (zone.start + 3, zone.start + 4)):
                if start >= end:
                    continue
                span = Span(start, end, doc.text[start:end])
                i, j = tok.covering(start, end)
                expected = set(zip(tok.starts[i:j], tok.ends[i:j], strict=True)) or {(start, end)}
                element, key = elements.tokens([span])
                assert element == ("tokens", frozenset(expected))
                assert key == ("tokens", tuple(sorted(expected)))
                checked += 1
    assert checked > 80
