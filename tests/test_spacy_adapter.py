"""The spaCy adapter, run on real pipelines built here (spacy.blank + an entity ruler, saved
with nlp.to_disk and loaded by path), so no model is downloaded. Offsets checked by hand
against corpus/palmyra-004.txt."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palmyra.corpus import Document, Zone, load_document
from palmyra.extractors import ExtractorError
from palmyra.extractors.numparse import read_number
from palmyra.extractors.spacy_adapter import (
    SpacyAdapterError,
    cluster_id,
    detect_labelmap,
    load_labelmap,
    make,
)
from palmyra.validate import validate_document

try:
    import spacy
except ImportError:  # the number reader and the label maps are still tested
    spacy = None
needs_spacy = pytest.mark.skipif(spacy is None, reason="spaCy is not installed")

PATTERNS_004 = [
    ("ORG", "Skip"),                                     # 0: boilerplate zone: dropped
    ("ORG", "AFP"),                                      # 99: credit zone: dropped
    ("GPE", "Homs"),                                     # 59 (headline), 389 (body)
    ("FAC", "Fakhr-al-Din al-Ma'ani Castle"),            # 140 (caption)
    ("PERSON", "Talal Barazi"),                          # 523
    ("ORG", "Interfax"),                                 # 1246
    ("LOC", "Deir al Zor"),                              # 1471
    ("ORG", "The Syrian Observatory for Human Rights"),  # 1485: "The" is cut
    ("GPE", "Palmyra's"),                                # 1810: "'s" is cut
    ("EVENT", "the civil war"),                          # mapped to null: dropped
    ("CARDINAL", "more than 4,000"),                     # 963
    ("CARDINAL", "more than 60"),                        # 2046
    ("ORDINAL", "first"),                                # 436
    ("DATE", "April 9, 2016"),                           # 223
    ("DATE", "Sunday"),                                  # no numeral: dropped
    ("DATE", "last year"),                               # no numeral: dropped
    ("DATE", "2,000-year-old"),                          # 2289: an age
    ("DATE", "2011"),                                    # 2379
    ("DATE", "10 months"),                               # 2440: a duration
]


def _pipeline(path: Path, patterns: list[tuple[str, str]]) -> str:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": label, "pattern": text} for label, text in patterns])
    nlp.to_disk(path)
    return str(path)


@pytest.fixture(scope="module")
def pipeline_004(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _pipeline(tmp_path_factory.mktemp("spacy") / "ruler-004", PATTERNS_004)


@pytest.fixture(scope="module")
def doc_004() -> Document:
    return load_document("palmyra-004")


def _entities(prediction) -> list[tuple[int, int, str, str]]:
    return [(e.span.start, e.span.end, e.span.text, e.type) for e in prediction.entities]


@needs_spacy
def test_entities_are_mapped_trimmed_and_kept_in_article_zones(pipeline_004, doc_004):
    prediction = make(pipeline_004, {})(doc_004)
    assert _entities(prediction) == [
        (59, 63, "Homs", "GPE"),
        (140, 169, "Fakhr-al-Din al-Ma'ani Castle", "FAC"),
        (389, 393, "Homs", "GPE"),
        (523, 535, "Talal Barazi", "PER"),
        (1246, 1254, "Interfax", "ORG"),
        (1471, 1482, "Deir al Zor", "LOC"),
        (1489, 1524, "Syrian Observatory for Human Rights", "ORG"),
        (1810, 1817, "Palmyra", "GPE"),
    ]
    assert {e.level for e in prediction.entities} == {"NAM"}
    assert all(e.cluster is None for e in prediction.entities)  # cluster=none by default
    assert prediction.doc_id == "palmyra-004" and prediction.status == "prediction"
    assert prediction.events is None and prediction.attributions is None
    assert prediction.annotator.startswith(f"spacy:{pipeline_004} (en_pipeline")


@needs_spacy
def test_numbers_get_values_kinds_and_timex(pipeline_004, doc_004):
    numbers = [n.to_dict() for n in make(pipeline_004, {})(doc_004).numbers]
    assert numbers == [
        {"start": 223, "end": 236, "text": "April 9, 2016", "kind": "date",
         "timex": "2016-04-09", "qualifier": "exact"},
        {"start": 436, "end": 441, "text": "first", "kind": "ordinal", "value": 1,
         "qualifier": "exact"},
        {"start": 963, "end": 978, "text": "more than 4,000", "kind": "count", "value": None,
         "low": 4000, "high": None, "qualifier": "lower_bound"},
        {"start": 2046, "end": 2058, "text": "more than 60", "kind": "count", "value": None,
         "low": 60, "high": None, "qualifier": "lower_bound"},
        {"start": 2289, "end": 2303, "text": "2,000-year-old", "kind": "age", "value": 2000,
         "timex": "P2000Y", "qualifier": "exact", "unit": "year"},
        {"start": 2379, "end": 2383, "text": "2011", "kind": "date", "timex": "2011",
         "qualifier": "exact"},
        {"start": 2440, "end": 2449, "text": "10 months", "kind": "duration", "value": 10,
         "timex": "P10M", "qualifier": "exact", "unit": "month"},
    ]


@needs_spacy
def test_prediction_validates_against_the_corpus(pipeline_004, doc_004):
    prediction = make(pipeline_004, {"cluster": "string"})(doc_004)
    assert validate_document(prediction.to_dict()) == []


@needs_spacy
def test_zones_keep_entities_by_their_start(tmp_path):
    text = "Talal Barazi in Homs\nAFP / Homs\nPage not found"
    #       0           12  16  20 21    27  31 32
    zoned = Document("t", text, {}, (Zone("body", 0, 21), Zone("credit", 21, 32),
                                     Zone("boilerplate", 32, len(text))))
    unzoned = Document("t", text, {})  # a document without zones: every entity is kept
    path = _pipeline(tmp_path / "nlp", [("PERSON", "Talal Barazi"), ("GPE", "Homs"),
                                        ("ORG", "AFP"), ("ORG", "Page not found"),
                                        ("GPE", "Homs\nAFP")])
    extractor = make(path, {})
    kept = [(e.span.start, e.span.text) for e in extractor(zoned).entities]
    everything = [(e.span.start, e.span.text) for e in extractor(unzoned).entities]
    # "Homs\nAFP" starts in the body at 16 and ends in the credit: kept (it starts there).
    assert kept == [(0, "Talal Barazi"), (16, "Homs\nAFP")]
    assert everything == [(0, "Talal Barazi"), (16, "Homs\nAFP"), (27, "Homs"),
                          (32, "Page not found")]


NUMBERS_TEXT = ("For nine months ago, about 50 troops held 17 square miles; hundreds of "
                "families, the two militaries, 200 more soldiers, a five-and-a-half-year war, "
                "50% of $5 million.")


def _at(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


@needs_spacy
def test_number_spans_follow_the_guidelines(tmp_path):
    patterns = [("DATE", "nine months ago"), ("CARDINAL", "about 50"),
                ("QUANTITY", "17 square miles"), ("CARDINAL", "hundreds"),
                ("CARDINAL", "the two"), ("CARDINAL", "200 more"),
                ("DATE", "five-and-a-half-year"), ("PERCENT", "50%"), ("MONEY", "$5 million")]
    path = _pipeline(tmp_path / "nlp", patterns)
    doc = Document("t", NUMBERS_TEXT, {})
    got = [(n.span.text, n.kind, n.value, n.low, n.high, n.qualifier, n.unit, n.timex,
            n.increment) for n in make(path, {})(doc).numbers]
    assert got == [
        ("nine months", "duration", 9, None, None, "exact", "month", "P9M", None),
        ("about 50", "count", 50, None, None, "approximate", None, None, None),
        ("17 square miles", "area", 17, None, None, "exact", "mi2", None, None),
        ("hundreds", "count", None, 200, 999, "vague", None, None, None),
        ("two", "count", 2, None, None, "exact", None, None, None),
        ("200 more", "count", 200, None, None, "exact", None, None, True),
        ("five-and-a-half-year", "duration", 5.5, None, None, "exact", "year", "P5.5Y", None),
        ("50%", "proportion", 50, None, None, "exact", "percent", None, None),
        ("$5 million", "other", 5_000_000, None, None, "exact", "USD", None, None),
    ]
    untrimmed = make(path, {"trim": "0"})(doc).numbers
    assert (untrimmed[0].span.start, untrimmed[0].span.end) == _at(NUMBERS_TEXT,
                                                                   "nine months ago")
    assert untrimmed[0].timex == "P9M"
    assert untrimmed[4].span.text == "the two"


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("64", "count", ("count", 64, None, None, "exact", None, None)),
    ("at least 20", "count", ("count", None, 20, None, "lower_bound", None, None)),
    ("up to 300", "count", ("count", None, None, 300, "upper_bound", None, None)),
    ("between 10 and 20", "count", ("count", None, 10, 20, "range", None, None)),
    ("10-20", "count", ("count", None, 10, 20, "range", None, None)),
    ("tens of thousands", "count", ("count", None, 20_000, 99_999, "vague", None, None)),
    ("two hundred and fifty", "count", ("count", 250, None, None, "exact", None, None)),
    ("1.2 million", "count", ("count", 1_200_000, None, None, "exact", None, None)),
    ("a dozen", "count", ("count", 12, None, None, "exact", None, None)),
    ("three-day", "date", ("duration", 3, None, None, "exact", "day", "P3D")),
    ("two hours", "other", ("duration", 2, None, None, "exact", "hour", "PT2H")),
    ("2,000 year-old", "date", ("age", 2000, None, None, "exact", "year", "P2000Y")),
    ("May 2015", "date", ("date", None, None, None, "exact", None, "2015-05")),
    ("December 11", "date", ("date", None, None, None, "exact", None, "2016-12-11")),
    ("the 1990s", "date", ("date", None, None, None, "exact", None, None)),
    ("second", "ordinal", ("ordinal", 2, None, None, "exact", None, None)),
    ("twenty-first", "ordinal", ("ordinal", 21, None, None, "exact", None, None)),
    ("30 km", "other", ("other", 30, None, None, "exact", "km", None)),
    ("2016-04-09", "date", ("date", None, None, None, "exact", None, "2016-04-09")),
])
def test_read_number(text, kind, expected):
    r = read_number(text, kind, year="2016")
    assert (r.kind, r.value, r.low, r.high, r.qualifier, r.unit, r.timex) == expected


_NUMBERISH = st.sampled_from(
    ["more than", "about", "between", "and", "to", "-", "a", "half", "hundreds", "of", "two",
     "twenty", "first", "4,000", "1.5", "2016", "May", "9,", "months", "year", "old", "%",
     "$", "square", "miles", "ago", "the", "more", "additional", "1990s", "21st", " ", "\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_NUMBERISH, max_size=8).map(" ".join),
       st.sampled_from(["count", "date", "ordinal", "other", "proportion"]))
def test_read_number_never_fails_and_stays_in_the_text(text, kind):
    reading = read_number(text, kind, year="2016")
    if reading is not None:
        assert 0 <= reading.start < reading.end <= len(text)
        assert reading.kind in {"count", "duration", "age", "area", "date", "ordinal",
                                "proportion", "other"}
        assert reading.qualifier in {"exact", "approximate", "lower_bound", "upper_bound",
                                     "range", "vague"}


@pytest.mark.parametrize("text", ["Sunday", "last year", "several", "recent days", "today"])
def test_expressions_without_a_numeral_are_not_numbers(text):
    assert read_number(text, "date") is None


@needs_spacy
def test_a_user_label_map_overrides_the_builtin(tmp_path, pipeline_004, doc_004):
    labelmap = tmp_path / "mine.yaml"
    labelmap.write_text("name: mine\nentities:\n  PERSON: ORG\n  LOC: GPE\n"
                        "numbers:\n  DATE: date\n  CARDINAL: null\n", encoding="utf-8")
    prediction = make(pipeline_004, {"labelmap": str(labelmap)})(doc_004)
    # Only the labels of the user's map: PERSON -> ORG, LOC -> GPE; GPE, FAC, ORG unmapped.
    assert _entities(prediction) == [(523, 535, "Talal Barazi", "ORG"),
                                     (1471, 1482, "Deir al Zor", "GPE")]
    assert [n.span.text for n in prediction.numbers] == [
        "April 9, 2016", "2,000-year-old", "2011", "10 months"]
    extractor = make(pipeline_004, {"labelmap": str(labelmap)})
    extractor(doc_004)
    assert extractor.unmapped == {"GPE": 3, "FAC": 1, "ORG": 2, "ORDINAL": 1, "EVENT": 1}
    assert "labelmap mine" in extractor.name


@needs_spacy
def test_conll_labels_are_detected_and_mapped(tmp_path):
    path = _pipeline(tmp_path / "conll", [("PER", "Talal Barazi"), ("LOC", "Homs"),
                                         ("MISC", "Syrian"), ("ORG", "Interfax")])
    text = "Syrian TV: Talal Barazi of Homs told Interfax."
    extractor = make(path, {})
    assert extractor.labelmap.name == "conll"
    got = [(e.span.text, e.type) for e in extractor(Document("t", text, {})).entities]
    assert got == [("Talal Barazi", "PER"), ("Homs", "GPE"), ("Interfax", "ORG")]
    assert detect_labelmap({"PERSON", "NORP", "GPE"}) == "ontonotes"
    assert detect_labelmap({"PER", "LOC", "ORG", "MISC"}) == "conll"
    assert load_labelmap("ontonotes").entities["NORP"] == "GPE"
    assert load_labelmap("conll").entities["MISC"] is None


@needs_spacy
def test_cluster_by_exact_string(pipeline_004, doc_004):
    entities = make(pipeline_004, {"cluster": "string"})(doc_004).entities
    clusters = {(e.span.text, e.cluster) for e in entities}
    homs = {c for text, c in clusters if text == "Homs"}
    assert homs == {cluster_id("GPE", "Homs")}
    assert len({c for _, c in clusters}) == 7  # 8 mentions, "Homs" twice
    assert cluster_id("ORG", "IS") != cluster_id("ORG", "Is")
    assert cluster_id("GPE", "Deir al Zor").startswith("S:GPE:Deir-al-Zor-")


@needs_spacy
def test_layers_option(pipeline_004, doc_004):
    prediction = make(pipeline_004, {"layers": "numbers"})(doc_004)
    assert prediction.entities is None and len(prediction.numbers) == 7


@pytest.mark.parametrize(("options", "message"), [
    ({"colour": "red"}, "unknown option(s) colour"),
    ({"cluster": "fuzzy"}, "cluster='fuzzy': expected none or string"),
    ({"layers": "events"}, "layers='events': expected a comma-separated subset"),
    ({"trim": "maybe"}, "trim='maybe': expected 1 or 0"),
    ({"labelmap": "/no/such/map.yaml"}, "labelmap /no/such/map.yaml: no such file"),
])
def test_bad_options_are_one_line_errors(options, message):
    # Options and a named label map are checked before the pipeline is loaded.
    with pytest.raises(SpacyAdapterError) as info:
        make("xx_not_loaded", options)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert isinstance(info.value, ExtractorError)


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("entities:\n  PERSON: HUMAN\n", "entities.PERSON: unknown entity type 'HUMAN'"),
    ("numbers:\n  CARDINAL: amount\n", "numbers.CARDINAL: unknown number kind 'amount'"),
    ("entities:\n  DATE: PER\nnumbers:\n  DATE: date\n", "DATE in both entities and numbers"),
    ("- PER\n", "expected a mapping"),
    ("entities: [PER]\n", "entities: expected a mapping"),
    ("labels: {}\n", "unknown key(s) labels"),
    ("entities: {PER: [unclosed\n", "cannot read the label map"),
])
def test_bad_label_maps(tmp_path, yaml_text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(SpacyAdapterError) as info:
        make("xx_not_loaded", {"labelmap": str(path)})
    assert message in str(info.value)
    assert str(info.value).startswith(str(path))


@needs_spacy
def test_a_missing_model_is_one_line():
    with pytest.raises(SpacyAdapterError) as info:
        make("xx_no_such_model_sm", {})
    message = str(info.value)
    assert message.startswith("spacy:xx_no_such_model_sm: cannot load the pipeline:")
    assert "python -m spacy download xx_no_such_model_sm" in message and "\n" not in message


def test_without_spacy_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "spacy", None)  # import spacy raises ImportError
    with pytest.raises(SpacyAdapterError) as info:
        make("en_core_web_sm", {})
    assert str(info.value) == ("spacy: spaCy is not installed: pip install "
                               "'palmyra-corpus[spacy]'")
