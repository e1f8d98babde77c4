"""Matching primitives (palmyra.spans) and the tokenizer (palmyra.tokenize)."""

from __future__ import annotations

import itertools
import json
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palmyra.corpus import Document, Zone, load_corpus
from palmyra.io import read_gold
from palmyra.spans import (
    align,
    align_spans,
    assign,
    lone_pairs,
    match_graph,
    match_keys,
    match_overlaps,
    overlap,
    overlap_clusters,
)
from palmyra.tokenize import (
    _SCAN,
    _TOKEN,
    TOKENIZER,
    annotated_zone_types,
    mention_bounds,
    mention_ranges,
    sentences,
    span_tokens,
    to_iob2,
    tokenization,
    tokenize,
    tokens_document,
)

# --- assignment -----------------------------------------------------------------------------


def _brute_force(weights: list[list[int | None]]) -> int:
    """The best total weight of a one-to-one matching, by enumeration."""
    n, m = len(weights), len(weights[0])
    best = 0
    for k in range(min(n, m) + 1):
        for rows in itertools.combinations(range(n), k):
            for cols in itertools.permutations(range(m), k):
                if all(weights[r][c] is not None for r, c in zip(rows, cols, strict=True)):
                    best = max(best, sum(weights[r][c] for r, c in zip(rows, cols,  # type: ignore[misc]
                                                                        strict=True)))
    return best


@pytest.mark.parametrize("seed", range(60))
def test_assign_finds_the_maximum_weight_matching(seed: int) -> None:
    rng = random.Random(seed)
    n, m = rng.randint(1, 5), rng.randint(1, 5)
    weights = [[rng.choice([None, None, 1, 2, 3, 7]) for _ in range(m)] for _ in range(n)]
    pairs = assign([[None if w is None else (w,) for w in row] for row in weights])
    assert len({r for r, _ in pairs}) == len(pairs) == len({c for _, c in pairs})
    assert all(weights[r][c] is not None for r, c in pairs)
    assert sum(weights[r][c] for r, c in pairs) == _brute_force(weights)  # type: ignore[misc]


def test_assign_weights_are_lexicographic() -> None:
    # One edge of first-element weight 1 beats any number of edges of (0, big).
    weights = [[(1, 0), (0, 100)], [(0, 100), None]]
    assert assign(weights) == [(0, 0)]
    # Equal first elements: the second decides.
    assert assign([[(1, 2), (1, 5)]]) == [(0, 1)]


def test_assign_rectangular_and_empty() -> None:
    assert assign([]) == []
    assert assign([[None, None]]) == []
    assert assign([[(1,)], [(2,)], [(3,)]]) == [(2, 0)]


# --- exact keys, overlaps, graphs -----------------------------------------------------------


def test_match_keys_is_a_multiset_intersection() -> None:
    assert match_keys(["a", "b", "c"], ["c", "a", "x"]) == [(0, 1), (2, 0)]
    # Repeated keys: as many pairs as the smaller multiplicity.
    assert len(match_keys(["a", "a", "a"], ["a", "a"])) == 2
    # None never matches.
    assert match_keys([None, "a"], [None, "a"]) == [(1, 1)]


def test_match_keys_tie_break_inside_a_group() -> None:
    gold = [((0, 5), "PER"), ((0, 5), "ORG")]
    pred = [((0, 5), "ORG")]
    pairs = match_keys([k for k, _ in gold], [k for k, _ in pred],
                       tie=lambda g, p: (int(gold[g][1] == pred[p][1]),))
    assert pairs == [(1, 0)]


def test_overlap() -> None:
    assert overlap((0, 5), (5, 9)) == 0
    assert overlap((0, 5), (4, 9)) == 1
    assert overlap((2, 3), (0, 9)) == 1


def test_identical_spans_are_paired_before_overlaps() -> None:
    # gold [0,5) and [6,12); predictions [3,8) (overlaps both) and [0,5) (identical to the
    # first): the identical pair is made, then [3,8) pairs with [6,12).
    for pred in ([(3, 8), (0, 5)], [(0, 5), (3, 8)]):
        alignment = align_spans([(0, 5), (6, 12)], pred, overlapping=True)
        got = {((0, 5), (6, 12))[g]: pred[p] for g, p in alignment.pairs}
        assert got == {(0, 5): (0, 5), (6, 12): (3, 8)}
        assert alignment.gold_unmatched == alignment.pred_unmatched == ()


def test_overlap_stage_maximizes_pairs_then_overlap() -> None:
    gold = [(0, 10), (10, 20)]
    pred = [(5, 15)]  # overlaps both by 5: a tie, broken by the given order
    assert align_spans(gold, pred, overlapping=True).pairs == ((0, 0),)
    pred = [(8, 15)]  # overlaps the second more
    assert align_spans(gold, pred, overlapping=True).pairs == ((1, 0),)
    # A chain that joins non-overlapping items: [0,4) [3,8) [7,12) with [1,2) and [9,10).
    pairs = match_overlaps([(0, 4), (7, 12)], [(1, 2), (3, 8), (9, 10)], [0, 1], [0, 1, 2],
                           lambda g, p: (1,))
    assert len(pairs) == 2


def test_lone_pairs_by_hand() -> None:
    gold = [(0, 5, "A"), (6, 9, "A"), (20, 30, "B"), (40, 45, "A")]
    pred = [(0, 5, "A"), (7, 12, "B"), (31, 33, "A"), (40, 45, "B")]
    # (0,5,A) is identical; (6,9)-(7,12) and (40,45) A-B are one-to-one chains; (20,30)
    # and (31,33) overlap nothing.
    assert lone_pairs(gold, pred) == (
        [(0, 5, "A")], [((6, 9, "A"), (7, 12, "B")), ((40, 45, "A"), (40, 45, "B"))])
    # A chain with two predictions for one gold item needs an assignment.
    assert lone_pairs([(0, 10, "A")], [(1, 3, "A"), (5, 8, "A")]) is None
    # A chain of two gold items and no prediction does not.
    assert lone_pairs([(0, 10, "A"), (5, 12, "A")], [(20, 25, "A")]) == ([], [])
    assert lone_pairs([(3, 3, "A")], []) is None  # an empty span
    assert lone_pairs([], []) == ([], [])
    # Repeated items are paired one-to-one; the leftover copy chains like any other.
    assert lone_pairs([(0, 4, "A"), (0, 4, "A")], [(0, 4, "A"), (2, 6, "B")]) == (
        [(0, 4, "A")], [((0, 4, "A"), (2, 6, "B"))])


_ITEMS = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 6), st.sampled_from("AB")),
                  max_size=9).map(lambda xs: sorted((s, s + n, t) for s, n, t in xs))


@settings(max_examples=2000, deadline=None)
@given(_ITEMS, _ITEMS)
def test_lone_pairs_agree_with_the_two_stages(gold: list, pred: list) -> None:
    identical = match_keys(gold, pred)
    g_left = [i for i in range(len(gold)) if i not in {g for g, _ in identical}]
    p_left = [j for j in range(len(pred)) if j not in {p for _, p in identical}]
    spans = ([s[:2] for s in gold], [s[:2] for s in pred])
    clusters = overlap_clusters(*spans, g_left, p_left)
    lone = lone_pairs(gold, pred)
    if lone is None:
        assert any(s >= e for s, e, _ in gold + pred) or any(
            len(g) > 1 or len(p) > 1 for g, p in clusters)
        return
    assert sorted(lone[0]) == sorted(gold[g] for g, _ in identical)
    assert all(len(g) == 1 and len(p) == 1 for g, p in clusters)
    assert sorted(lone[1]) == sorted((gold[g[0]], pred[p[0]]) for g, p in clusters)


def test_align_exact_only_without_weight() -> None:
    alignment = align([(0, 5), (6, 9)], [(0, 4), (6, 9)])
    assert alignment.pairs == ((1, 1),)
    assert alignment.gold_unmatched == (0,)
    assert alignment.pred_unmatched == (0,)


def test_match_graph_one_to_one() -> None:
    # Two predictions both fit gold 0; only one may take it; prediction 1 also fits gold 1.
    edges = [(0, 0), (0, 1), (1, 1)]
    assert sorted(match_graph(edges, lambda g, p: (1,))) == [(0, 0), (1, 1)]
    # A star: the heaviest edge wins.
    assert match_graph([(0, 0), (0, 1), (0, 2)], lambda g, p: (1, p == 2)) == [(0, 2)]
    assert match_graph([], lambda g, p: (1,)) == []


# --- tokenizer ------------------------------------------------------------------------------


def test_tokenize_rules() -> None:
    text = ("Syria's U.S. 2,000-year-old al-Ma'ani it\u2019s rebels' 1.5km 4,000. "
            "O'Brien \u201cquoted\u201d")
    assert [t.text for t in tokenize(text)] == [
        "Syria", "'s", "U.S.", "2,000-year-old", "al-Ma'ani", "it", "\u2019s", "rebels", "'",
        "1.5", "km", "4,000", ".", "O'Brien", "\u201c", "quoted", "\u201d"]
    for t in tokenize(text):
        assert text[t.start:t.end] == t.text


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="aB9_ .,-'\u2019sS\n\t\"()\u00e9\u00b2\u0661\u00df", max_size=24))
def test_the_plain_word_shortcut_finds_the_tokens_the_rules_find(text: str) -> None:
    # The scanner tries plain words first; the token rules alone must agree on any text.
    rules = re.compile(rf"(\s*)({_TOKEN})")
    assert _SCAN.findall(text) == rules.findall(text)


def test_the_plain_word_shortcut_on_the_corpus() -> None:
    rules = re.compile(rf"(\s*)({_TOKEN})")
    for doc in load_corpus().values():
        assert _SCAN.findall(doc.text) == rules.findall(doc.text)


def _doc(text: str, zones: list[tuple[str, int, int]] | None = None) -> Document:
    return Document("d", text, {}, tuple(Zone(*z) for z in zones or []))


def test_sentences_split_on_line_breaks_and_sentence_ends() -> None:
    text = 'Mr. Smith said "No." Then he left!\nA new line. U.S. troops. 3 died? yes'
    got = [" ".join(t.text for t in s.tokens) for s in sentences(_doc(text))]
    assert got == ['Mr . Smith said " No . "', "Then he left !", "A new line .",
                   "U.S. troops .", "3 died ? yes"]


def test_zones_are_token_and_sentence_boundaries() -> None:
    text = "media captionParts of the city"
    doc = _doc(text, [("boilerplate", 0, 13), ("caption", 13, len(text))])
    (only,) = sentences(doc)  # the boilerplate zone is not annotated
    assert only.zone == "caption"
    assert [t.text for t in only.tokens] == ["Parts", "of", "the", "city"]
    everything = tokenization(doc)
    assert everything.texts == ["media", "caption", "Parts", "of", "the", "city"]


def test_span_tokens_equal_the_whole_tokenization() -> None:
    rng = random.Random(3)
    for doc in load_corpus().values():
        tok = tokenization(doc)
        for _ in range(200):
            start = rng.randrange(len(doc.text))
            end = min(len(doc.text), start + rng.randint(1, 60))
            i, j = tok.covering(start, end)
            assert span_tokens(doc, start, end) == list(zip(tok.starts[i:j], tok.ends[i:j],
                                                            strict=True))


def test_corpus_tokens_reproduce_the_text() -> None:
    for doc in load_corpus().values():
        tok = tokenization(doc)
        assert all(doc.text[s:e] == t for s, e, t in zip(tok.starts, tok.ends, tok.texts,
                                                         strict=True))
        assert all(not t.isspace() for t in tok.texts)


def test_tokens_document_is_json_ready() -> None:
    text = "Skip\n\nIS fighters retook Palmyra. The army fled."
    doc = _doc(text, [("boilerplate", 0, 6), ("body", 6, len(text))])
    data = json.loads(json.dumps(tokens_document(doc)))
    assert data["tokenizer"] == TOKENIZER
    assert data["text_sha256"] == doc.sha256
    assert [s["zone"] for s in data["sentences"]] == ["body", "body"]
    first = data["sentences"][0]
    assert (first["start"], first["end"]) == (6, 33)
    assert first["tokens"][0] == {"start": 6, "end": 8, "text": "IS"}


# --- IOB2 conversion -------------------------------------------------------------------------


def test_to_iob2_extends_truncates_drops_and_reports() -> None:
    text = "Islamic State fighters retook Palmyra on Sunday. The army fled."
    doc = _doc(text)
    tok = tokenization(doc)

    def at(surface: str, label: str) -> tuple[int, int, str]:
        start = text.index(surface)
        return (start, start + len(surface), label)

    mentions = [at("Islamic State", "ORG"), at("Islamic State fighters", "PER"),
                at("Palmyr", "GPE"), at("Sunday. The", "LOC"), (len(text), len(text) + 3, "X")]
    conversion = to_iob2(tok, mentions)
    assert conversion.tags == [
        ["B-PER", "I-PER", "I-PER", "O", "B-GPE", "O", "B-LOC", "I-LOC"],  # "Sunday ."
        ["O", "O", "O", "O"]]
    assert sorted(r for _, r in conversion.adjustments) == [
        "extended", "nested", "outside", "truncated"]
    assert conversion.count("nested") == 1
    # The ranges behind the tags, in token order.
    kept, _ = mention_ranges(tok, mentions)
    assert kept == [(0, 2, "PER"), (4, 4, "GPE"), (6, 7, "LOC")]


def test_to_iob2_equal_length_overlaps_keep_the_earlier() -> None:
    text = "a b c d"
    tok = tokenization(_doc(text))
    conversion = to_iob2(tok, [(2, 5, "Y"), (0, 3, "X")])  # "b c" and "a b"
    assert conversion.tags == [["B-X", "I-X", "O", "O"]]
    assert conversion.adjustments == [((2, 5, "Y"), "nested")]


def _bounds_from_tokens(doc: Document, mentions: list[tuple[int, int, str]]
                        ) -> tuple[list[tuple[int, int, str]], list]:
    """mention_ranges on the whole tokenization, with the ranges as character offsets."""
    tok = tokenization(doc, annotated_zone_types(doc))
    kept, adjustments = mention_ranges(tok, mentions)
    return [(tok.starts[i], tok.ends[last], label) for i, last, label in kept], adjustments


@st.composite
def _documents_with_mentions(draw: st.DrawFn) -> tuple[Document, list[tuple[int, int, str]]]:
    """Short texts of words, marks, quotes and line breaks, with zones, and mentions whose
    ends are mostly at whitespace (where no tokenization is needed) and sometimes anywhere."""
    words = st.sampled_from(["a", "Bb", "9", "4,000", "U.S.", "Mr", "al-Ma'ani", "it\u2019s",
                             "\u00e9t\u00e9"])
    marks = st.sampled_from([".", ",", ";", "!", "?", "'", "\"", "(", ")", "-", "\n",
                             *[""] * 12])
    spaces = st.sampled_from([" ", " ", " ", "  ", "\n", ""])
    text = "".join(draw(st.lists(st.tuples(words, marks, spaces).map("".join),
                                 min_size=1, max_size=8)))
    cuts = sorted(draw(st.sets(st.integers(1, len(text)), max_size=3)) | {0, len(text)})
    types = draw(st.lists(st.sampled_from(["body", "headline", "boilerplate"]),
                          min_size=len(cuts) - 1, max_size=len(cuts) - 1))
    zones = [] if draw(st.booleans()) else [
        (kind, a, b) for kind, a, b in zip(types, cuts, cuts[1:], strict=False) if a < b]
    starts = [i for i in range(len(text))
              if not text[i].isspace() and (i == 0 or text[i - 1].isspace())] or [0]
    ends = [j for j in range(1, len(text) + 1) if not text[j - 1].isspace()
            and (j == len(text) or text[j].isspace() or text[j] in ",.;:!?")]
    mentions = []
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.integers(0, 3)):
            start = draw(st.sampled_from(starts))
            later = [j for j in ends if j > start]
            end = draw(st.sampled_from(later[:3])) if later else len(text)
        else:
            start = draw(st.integers(0, len(text) - 1))
            end = draw(st.integers(start + 1, len(text)))
        mentions.append((start, end, draw(st.sampled_from(["PER", "ORG"]))))
    return _doc(text, zones), mentions


@settings(max_examples=3000, deadline=None)
@given(_documents_with_mentions())
def test_mention_bounds_equal_the_ranges_of_the_whole_tokenization(
        case: tuple[Document, list[tuple[int, int, str]]]) -> None:
    doc, mentions = case
    assert mention_bounds(doc, mentions) == _bounds_from_tokens(doc, mentions)


@settings(max_examples=2000, deadline=None)
@given(_documents_with_mentions())
def test_span_tokens_equal_the_whole_tokenization_on_any_text(
        case: tuple[Document, list[tuple[int, int, str]]]) -> None:
    # Words, numbers and marks (read without the regex) and anything else (with it).
    doc, mentions = case
    tok = tokenization(doc)
    for start, end, _ in mentions:
        i, j = tok.covering(start, end)
        assert span_tokens(doc, start, end) == list(zip(tok.starts[i:j], tok.ends[i:j],
                                                        strict=True))


def test_mention_bounds_on_the_gold() -> None:
    gold = read_gold(None).docs
    corpus = load_corpus()
    rng = random.Random(5)
    for doc_id, gold_doc in gold.items():
        doc = corpus[doc_id]
        mentions = [(e.span.start, e.span.end, e.type) for e in gold_doc.entities or []]
        assert mention_bounds(doc, mentions) == _bounds_from_tokens(doc, mentions)
        for mention in mentions:  # one at a time: most take the path without tokens
            assert mention_bounds(doc, [mention]) == _bounds_from_tokens(doc, [mention])
        shifted = [(s + rng.randint(-2, 2), e + rng.randint(-2, 2), t) for s, e, t in mentions]
        shifted = [(s, e, t) for s, e, t in shifted if 0 <= s < e <= len(doc.text)]
        assert mention_bounds(doc, shifted) == _bounds_from_tokens(doc, shifted)
