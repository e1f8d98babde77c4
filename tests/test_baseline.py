"""The built-in baseline extractor on hand-written sentences (exact spans and values), on
zones, and on the corpus: valid output, nothing in page furniture, no state, fast."""

from __future__ import annotations

import time
from typing import Any

import pytest

from palmyra.annotations import AnnotationDocument
from palmyra.corpus import Document, Zone, load_corpus
from palmyra.extractors.baseline import NAME, Baseline, make, parse_number
from palmyra.ontology import load_ontology
from palmyra.validate import validate_document

PUBLISHED = {"published": {"value": "2016-12-11"}}


def run(text: str, zones: tuple[Zone, ...] = (), doc_id: str = "t-1") -> dict[str, Any]:
    return Baseline()(Document(doc_id, text, PUBLISHED, zones)).to_dict()


def at(text: str, part: str, nth: int = 0) -> dict[str, Any]:
    """The span of the nth occurrence of `part` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return {"start": start, "end": start + len(part), "text": part}


def numbers(text: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in n.items() if k != "id"} for n in run(text)["numbers"]]


def entities(text: str) -> list[tuple[str, int, str]]:
    return [(e["text"], e["start"], e["type"]) for e in run(text)["entities"]]


def events(text: str) -> list[tuple[str, str, str]]:
    return [(e["trigger"]["text"], e["type"], e["realis"]) for e in run(text)["events"]]


# --- numbers: every construction of the guidelines ---------------------------------------

NUMBER_CASES = [
    ("The siege lasted nine months.", "nine months",
     {"kind": "duration", "value": 9, "timex": "P9M", "qualifier": "exact", "unit": "month"}),
    ("The two armies met.", "two", {"kind": "count", "value": 2, "qualifier": "exact"}),
    ("They fought a five-and-a-half-year war.", "five-and-a-half-year",
     {"kind": "duration", "value": 5.5, "timex": "P5.5Y", "qualifier": "exact",
      "unit": "year"}),
    ("Hundreds of families fled.", "Hundreds",
     {"kind": "count", "value": None, "low": 200, "high": 999, "qualifier": "vague"}),
    ("Thousands of others left.", "Thousands",
     {"kind": "count", "value": None, "low": 2000, "high": 9999, "qualifier": "vague"}),
    ("Its 2,000-year-old temple fell.", "2,000-year-old",
     {"kind": "age", "value": 2000, "timex": "P2000Y", "qualifier": "exact", "unit": "year"}),
    ("Its 2,000 year-old arch fell.", "2,000 year-old",
     {"kind": "age", "value": 2000, "timex": "P2000Y", "qualifier": "exact", "unit": "year"}),
    ("It ended a 10-month occupation.", "10-month",
     {"kind": "duration", "value": 10, "timex": "P10M", "qualifier": "exact",
      "unit": "month"}),
    ("It lasted a three-day campaign.", "three-day",
     {"kind": "duration", "value": 3, "timex": "P3D", "qualifier": "exact", "unit": "day"}),
    ("Rebels held 17 square miles of land.", "17 square miles",
     {"kind": "area", "value": 17, "qualifier": "exact", "unit": "mi2"}),
    ("More than 4,000 fighters came.", "More than 4,000",
     {"kind": "count", "value": None, "low": 4000, "high": None, "qualifier": "lower_bound"}),
    ("They came in May 2015.", "May 2015",
     {"kind": "date", "timex": "2015-05", "qualifier": "exact"}),
    ("They left on April 9, 2016.", "April 9, 2016",
     {"kind": "date", "timex": "2016-04-09", "qualifier": "exact"}),
    ("They left on 9 April 2016.", "9 April 2016",
     {"kind": "date", "timex": "2016-04-09", "qualifier": "exact"}),
    ("The war began in 2011.", "2011", {"kind": "date", "timex": "2011", "qualifier": "exact"}),
    ("He came on May 5 and may leave.", "May 5",  # the year from the publication date
     {"kind": "date", "timex": "2016-05-05", "qualifier": "exact"}),
    ("Police counted 1999 ballots.", "1999", {"kind": "count", "value": 1999,
                                             "qualifier": "exact"}),
    ("About 50 troops died.", "About 50", {"kind": "count", "value": 50,
                                           "qualifier": "approximate"}),
    ("Some 50 troops died.", "Some 50", {"kind": "count", "value": 50,
                                         "qualifier": "approximate"}),
    ("It killed at least 20 officers.", "at least 20",
     {"kind": "count", "value": None, "low": 20, "high": None, "qualifier": "lower_bound"}),
    ("It sent up to 30 guards.", "up to 30",
     {"kind": "count", "value": None, "low": None, "high": 30, "qualifier": "upper_bound"}),
    ("Then 200 more soldiers came.", "200 more",
     {"kind": "count", "value": 200, "qualifier": "exact", "increment": True}),
    ("Then an additional 300 troops came.", "additional 300",
     {"kind": "count", "value": 300, "qualifier": "exact", "increment": True}),
    ("It is the second city.", "second", {"kind": "ordinal", "value": 2, "qualifier": "exact"}),
    ("It was the 3rd attempt.", "3rd", {"kind": "ordinal", "value": 3, "qualifier": "exact"}),
    ("Between 10 and 20 people left.", "Between 10 and 20",
     {"kind": "count", "value": None, "low": 10, "high": 20, "qualifier": "range"}),
    ("It launched 64 airstrikes.", "64", {"kind": "count", "value": 64, "qualifier": "exact"}),
    ("Fuel fell by 12% overnight.", "12%",
     {"kind": "proportion", "value": 12, "qualifier": "exact", "unit": "percent"}),
    ("Fuel fell by 3 percent.", "3 percent",
     {"kind": "proportion", "value": 3, "qualifier": "exact", "unit": "percent"}),
    ("It paid $5 million.", "$5 million",
     {"kind": "other", "value": 5000000, "qualifier": "exact", "unit": "USD"}),
    ("Two hundred and ten people left.", "Two hundred and ten",
     {"kind": "count", "value": 210, "qualifier": "exact"}),
    ("The talks took 36 hours.", "36 hours",
     {"kind": "duration", "value": 36, "timex": "PT36H", "qualifier": "exact",
      "unit": "hour"}),
]


@pytest.mark.parametrize(("text", "part", "fields"), NUMBER_CASES,
                         ids=[c[1] for c in NUMBER_CASES])
def test_number_constructions(text: str, part: str, fields: dict[str, Any]) -> None:
    assert numbers(text) == [{**at(text, part), **fields}]


def test_two_numbers_in_one_phrase() -> None:
    text = "Two 2,000-year-old temples and 5 km of road."
    assert [(n["text"], n["kind"], n.get("unit")) for n in numbers(text)] == [
        ("Two", "count", None), ("2,000-year-old", "age", "year"), ("5 km", "other", "km")]


def test_what_is_not_a_number() -> None:
    # vague quantifiers, "one ... another", articles, a bare scale word, month names
    text = ("IS destroyed a number of monuments and several sites. Just as one fight ended, "
            "another began. A dozen guards left in March on Sunday. The only hope remained.")
    assert numbers(text) == []


def test_parse_number() -> None:
    assert [parse_number(x) for x in ("4,000", "2.5 million", "twenty-five",
                                      "two hundred and ten", "five-and-a-half",
                                      "three thousand", "one and a half", "1.5", "banana")] == \
        [4000, 2500000, 25, 210, 5.5, 3000, 1.5, 1.5, None]


# --- entities --------------------------------------------------------------------------------

def test_entities_by_titles_countries_and_heads() -> None:
    text = ("President Barack Obama arrived in Kabul. U.S. Defense Secretary Jane Doe met "
            "Kurdish-led forces.")
    assert entities(text) == [("Barack Obama", 10, "PER"), ("Kabul", 34, "GPE"),
                              ("U.S.", 41, "GPE"), ("Jane Doe", 64, "PER"),
                              ("Kurdish", 77, "GPE")]  # the prefix of "Kurdish-led" only


def test_entities_heads_connectors_and_acronyms() -> None:
    text = ("The Syrian Observatory for Human Rights (SOHR) watched the Baron Hotel, the "
            "Euphrates River and Mount Hermon.")
    assert entities(text) == [("Syrian Observatory for Human Rights", 4, "ORG"),
                              ("SOHR", 41, "ORG"), ("Baron Hotel", 59, "FAC"),
                              ("Euphrates River", 76, "LOC"), ("Mount Hermon", 96, "LOC")]


def test_entities_sentence_starts_function_words_and_dates() -> None:
    text = ("However, Turkey and the Free Syrian Army sent troops. Refugees crossed into "
            "Jordan on Sunday in March.")
    # "However" and "Refugees" open sentences without support; days and months are no names
    assert entities(text) == [("Turkey", 9, "GPE"), ("Free Syrian Army", 24, "ORG"),
                              ("Jordan", 76, "GPE")]


def test_one_type_per_string_and_shouted_words() -> None:
    text = "Aleppo fell. Fighting raged in Aleppo. They were pushed OUT of the town. IS held it " \
           "and IS left."
    # "Aleppo" opens a sentence but is capitalized elsewhere, where "in" makes it a GPE;
    # "OUT" occurs once (emphasis), "IS" twice (an acronym)
    assert entities(text) == [("Aleppo", 0, "GPE"), ("Aleppo", 31, "GPE"), ("IS", 73, "ORG"),
                              ("IS", 88, "ORG")]


def test_entity_fields_and_cross_document_clusters() -> None:
    a = run("Troops left Mosul. They went to Mosul.", doc_id="a")["entities"]
    b = run("The army went to Mosul from Baghdad.", doc_id="b")["entities"]
    assert a[0] == {"id": "m1", **at("Troops left Mosul. They went to Mosul.", "Mosul"),
                    "type": "GPE", "level": "NAM", "cluster": "E:GPE:mosul"}
    assert {e["cluster"] for e in a} == {"E:GPE:mosul"}
    # the same string and type, the same cluster, in any document
    assert [e["cluster"] for e in b] == ["E:GPE:mosul", "E:GPE:baghdad"]


# --- events ----------------------------------------------------------------------------------

def test_event_triggers_and_realis() -> None:
    text = ("Rebels attacked the town. The army will retreat. Militants did not capture the "
            "base. Russian air strikes hit the city. Thousands fled the fighting. Two soldiers "
            "were killed. The group demolished a temple. Turkey sent reinforcements. The "
            "ministry announced a ceasefire.")
    assert events(text) == [
        ("attacked", "Conflict.Attack", "ACTUAL"), ("retreat", "Conflict.Retreat", "OTHER"),
        ("capture", "Conflict.TakeControl", "OTHER"),
        ("air strikes", "Conflict.Airstrike", "ACTUAL"), ("fled", "Movement.Flee", "ACTUAL"),
        ("fighting", "Conflict.Attack", "ACTUAL"), ("killed", "Life.Die", "ACTUAL"),
        ("demolished", "Artifact.Destroy", "ACTUAL"), ("sent", "Movement.Deploy", "ACTUAL"),
        ("reinforcements", "Movement.Deploy", "ACTUAL"),
        ("announced", "Contact.Statement", "ACTUAL")]


def test_event_arguments_subject_and_object() -> None:
    text = "Turkey captured Jarablus. The army tried to retake Manbij. Kurdistan withdrew."
    out = run(text)
    ids = {e["id"]: e["text"] for e in out["entities"]}
    got = [(e["trigger"]["text"], e["realis"],
            [(a["role"], ids[a["mention"]]) for a in e.get("arguments", [])])
           for e in out["events"]]
    assert got == [("captured", "ACTUAL", [("Captor", "Turkey"), ("Territory", "Jarablus")]),
                   ("retake", "OTHER", [("Territory", "Manbij")]),
                   ("withdrew", "ACTUAL", [("Retreater", "Kurdistan")])]


def test_passive_subject_is_the_undergoer() -> None:
    text = "Troops entered Raqqa. Later Raqqa was captured."
    out = run(text)
    captured = next(e for e in out["events"] if e["trigger"]["text"] == "captured")
    mention = next(m for m in out["entities"] if m["id"] == captured["arguments"][0]["mention"])
    assert captured["arguments"][0]["role"] == "Territory"
    assert (mention["start"], mention["text"]) == (28, "Raqqa")


# --- attributions ----------------------------------------------------------------------------

def attributions(text: str) -> list[dict[str, Any]]:
    return run(text)["attributions"]


def test_indirect_direct_and_hedged_attributions() -> None:
    text = ('The ministry said that the town had fallen. "We will win," he said. Rebels '
            'claimed the town was theirs.')
    assert attributions(text) == [
        {"id": "a1", "source": at(text, "The ministry"), "cue": [at(text, "said")],
         "content": [at(text, "the town had fallen")], "type": "indirect", "hedged": False},
        {"id": "a2", "source": {"start": 59, "end": 61, "text": "he"},
         "cue": [at(text, "said", 1)],
         "content": [at(text, "We will win")], "type": "direct", "hedged": False},
        {"id": "a3", "source": at(text, "Rebels"), "cue": [at(text, "claimed")],
         "content": [at(text, "the town was theirs")], "type": "indirect", "hedged": True}]


def test_according_to_before_and_after() -> None:
    text = ("According to officials, the bridge was destroyed. The dam was damaged, according "
            "to engineers.")
    assert attributions(text) == [
        {"id": "a1", "source": at(text, "officials"), "cue": [at(text, "According to")],
         "content": [at(text, "the bridge was destroyed")], "type": "indirect",
         "hedged": False},
        {"id": "a2", "source": at(text, "engineers"), "cue": [at(text, "according to")],
         "content": [at(text, "The dam was damaged")], "type": "indirect", "hedged": False}]


def test_quoted_as_saying_is_nested() -> None:
    text = "Reuters quoted the mayor as saying the city was calm."
    assert attributions(text) == [
        {"id": "a1", "source": at(text, "Reuters"), "cue": [at(text, "quoted")],
         "content": [at(text, "the mayor as saying"), at(text, "the city was calm")],
         "type": "indirect", "hedged": False},
        {"id": "a2", "source": at(text, "the mayor"), "cue": [at(text, "as saying")],
         "content": [at(text, "the city was calm")], "type": "indirect", "parent": "a1",
         "hedged": False}]


def test_unspecified_sources_appositives_and_inverted_quotes() -> None:
    text = ("There was an unconfirmed report that the mayor had fled. The town is reported to "
            "have fallen. Jane Doe, a spokeswoman for the agency, said talks had failed. "
            '"The army has left," said Colonel John Smith.')
    got = attributions(text)
    assert got[0] == {"id": "a1", "implicit_source": "unspecified", "cue": [at(text, "report")],
                      "content": [at(text, "the mayor had fled")], "type": "indirect",
                      "hedged": True}
    assert got[1] == {"id": "a2", "implicit_source": "unspecified",
                      "cue": [at(text, "reported")],
                      "content": [at(text, "The town"), at(text, "to have fallen")],
                      "type": "indirect", "hedged": False}
    assert got[2]["source"] == {**at(text, "Jane Doe"), "mention": "m1"}
    assert got[2]["content"] == [at(text, "talks had failed")]
    assert (got[3]["source"], got[3]["content"], got[3]["type"]) == (
        at(text, "Colonel John Smith"), [at(text, "The army has left")], "direct")


# --- zones, validity, determinism, speed -------------------------------------------------------

def test_page_furniture_is_never_annotated() -> None:
    body = "Rebels said 50 soldiers were killed in Homs in May 2015."
    furniture = " President John Smith said 40 troops were killed in Paris on June 3, 2014."
    text = body + furniture
    zones = (Zone("body", 0, len(body)), Zone("boilerplate", len(body), len(text)))
    out = run(text, zones)
    starts = [x["start"] for x in out["entities"] + out["numbers"]] + \
        [e["trigger"]["start"] for e in out["events"]] + \
        [s["start"] for a in out["attributions"] for s in a["cue"]]
    assert starts and all(s < len(body) for s in starts)
    assert [n["text"] for n in out["numbers"]] == ["50", "May 2015"]


@pytest.fixture(scope="module")
def corpus() -> dict[str, Document]:
    return load_corpus()


def test_corpus_output_is_valid_and_in_article_text(corpus: dict[str, Document]) -> None:
    annotated = load_ontology().annotated_zones
    for doc in corpus.values():
        pred = Baseline()(doc)
        data = pred.to_dict()
        assert data["status"] == "prediction" and data["annotator"] == NAME
        errors = [p for p in validate_document(data) if p.severity == "error"]
        assert errors == [], errors
        spans = [e.span for e in pred.layer("entities")] + \
            [n.span for n in pred.layer("numbers")] + \
            [e.trigger for e in pred.layer("events")] + \
            [s for a in pred.layer("attributions") for s in (*a.cue, *a.content)]
        assert spans
        for span in spans:
            zone = doc.zone_at(span.start)
            assert zone is not None and zone.type in annotated, (doc.doc_id, span)


def test_no_state_between_documents(corpus: dict[str, Document]) -> None:
    ids = sorted(corpus)
    shared = Baseline()
    for doc_id in ids:
        shared(corpus[doc_id])
    assert shared(corpus[ids[0]]) == Baseline()(corpus[ids[0]])


def test_fast(corpus: dict[str, Document]) -> None:
    extractor = Baseline()
    extractor(corpus[sorted(corpus)[0]])  # word lists and patterns are built once
    started = time.perf_counter()
    for doc in corpus.values():
        extractor(doc)
    assert time.perf_counter() - started < 1.0


def test_layers_option(corpus: dict[str, Document]) -> None:
    doc = corpus["palmyra-004"]
    only = make("events,attributions")(doc)
    assert isinstance(only, AnnotationDocument)
    assert only.entities is None and only.numbers is None
    assert only.events and only.attributions
    # without the entity layer, arguments and sources carry spans, not mention ids
    assert all(a.mention is None and a.span is not None
               for e in only.events for a in e.arguments)
    assert all(a.source is None or a.source.mention is None for a in only.attributions)
    assert [p for p in validate_document(only.to_dict()) if p.severity == "error"] == []
