"""Agreement with the reference implementations: nervaluate (SemEval-2013 modes) where its
greedy matching is unambiguous, and seqeval (default and strict IOB2) for the BIO view."""

from __future__ import annotations

import random

import pytest
from nervaluate import Evaluator
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from palmyra.annotations import AnnotationDocument, Entity, Span
from palmyra.corpus import Document, Zone
from palmyra.scoring import bio, entities
from palmyra.stats import prf, total
from palmyra.tokenize import annotated_zone_types, to_iob2, tokenization
from scoring_fixtures import Text

TYPES = ["PER", "ORG", "GPE", "LOC", "FAC"]
WORDS = ["the", "army", "fighters", "city", "ruins", "Palmyra", "said", "4,000", "Syria's",
         "al-Assad", "U.S.", "(IS)", "group", "desert", "control"]


def _text(rng: random.Random, n_words: int) -> tuple[str, list[tuple[int, int]]]:
    """Random text with the offsets of its words; a sentence ends every few words."""
    parts, words, pos = [], [], 0
    for i in range(n_words):
        word = rng.choice(WORDS)
        words.append((pos, pos + len(word)))
        sep = rng.choice([" ", " ", " ", ". ", ", ", "\n"]) if i % 5 == 4 else " "
        parts += [word, sep]
        pos += len(word) + len(sep)
    return "".join(parts), words


def _unambiguous(rng: random.Random, doc_id: str) -> tuple[Document, list, list]:
    """Mentions in 4-word slots: each slot holds at most one gold and one predicted mention,
    so a prediction overlaps at most one gold mention and the reverse."""
    text, words = _text(rng, 80)
    gold, pred = [], []

    def mention(first: int, last: int, label: str) -> Entity:
        s, e = words[first][0], words[last][1]
        return Entity(Span(s, e, text[s:e]), label)

    for slot in range(0, 80, 4):
        a = slot + rng.randrange(3)
        b = min(slot + 3, a + rng.randrange(3))
        label = rng.choice(TYPES)
        has_gold = rng.random() < 0.6
        if has_gold:
            gold.append(mention(a, b, label))
        roll = rng.random()
        if has_gold and roll < 0.5:
            pred.append(mention(a, b, label if rng.random() < 0.8 else rng.choice(TYPES)))
        elif roll < 0.8:
            a2 = slot + rng.randrange(4)
            b2 = min(slot + 3, a2 + rng.randrange(3))
            pred.append(mention(a2, b2, rng.choice(TYPES)))
    rng.shuffle(gold)
    rng.shuffle(pred)
    return Document(doc_id, text, {}, (Zone("body", 0, len(text)),)), gold, pred


def _nervaluate(docs: list) -> dict:
    def spans(items: list[Entity]) -> list[dict]:  # nervaluate's ends are inclusive
        return [{"label": e.type, "start": e.span.start, "end": e.span.end - 1} for e in items]

    return Evaluator([spans(g) for _, g, _ in docs], [spans(p) for _, _, p in docs],
                     tags=TYPES, loader="dict").evaluate()


def _palmyra(docs: list):
    return total(entities.score(AnnotationDocument(d.doc_id, entities=tuple(g)),
                                AnnotationDocument(d.doc_id, entities=tuple(p)), d)
                 for d, g, p in docs)


OUTCOMES = ("correct", "incorrect", "partial", "missed", "spurious")
NERVALUATE_MODE = {"strict": "strict", "exact": "exact", "partial": "partial",
                   "type": "ent_type"}


@pytest.mark.parametrize("seed", range(8))
def test_semeval_modes_agree_with_nervaluate(seed: int) -> None:
    rng = random.Random(seed)
    docs = [_unambiguous(rng, f"d{i}") for i in range(25)]
    theirs = _nervaluate(docs)
    ours = _palmyra(docs)
    for mode, their_mode in NERVALUATE_MODE.items():
        mine = ours[("entities", mode, "*")]
        result = theirs["overall"][their_mode]
        assert tuple(mine[k] for k in OUTCOMES) == tuple(getattr(result, k) for k in OUTCOMES)
        scores = prf(mine)
        assert scores["precision"] == pytest.approx(result.precision, abs=1e-12)
        assert scores["recall"] == pytest.approx(result.recall, abs=1e-12)
        assert scores["f1"] == pytest.approx(result.f1, abs=1e-12)
    # Per type, strict mode: nervaluate re-runs on each type's mentions alone; the precision
    # and recall agree (COR over predicted / gold mentions of the type).
    for label, by_mode in theirs["entities"].items():
        scores = prf(ours[("entities", "strict", label)])
        assert scores["precision"] == pytest.approx(by_mode["strict"].precision, abs=1e-12)
        assert scores["recall"] == pytest.approx(by_mode["strict"].recall, abs=1e-12)


def test_nervaluate_depends_on_order_and_palmyra_does_not() -> None:
    # nervaluate issue #40: a prediction overlapping two gold mentions is paired greedily with
    # the first in list order.
    text = Text("IS fighters retook Palmyra")
    gold = [text.entity("IS fighters", "PER"), text.entity("retook Palmyra", "GPE")]
    pred = [text.entity("fighters retook", "PER"), text.entity("IS fighters", "PER")]
    doc = text.document
    partial = []
    for p in (pred, pred[::-1]):
        theirs = _nervaluate([(doc, gold, p)])["overall"]["partial"]
        partial.append(tuple(getattr(theirs, k) for k in OUTCOMES))
        ours = _palmyra([(doc, gold, p)])[("entities", "partial", "*")]
        assert tuple(ours[k] for k in OUTCOMES) == (1, 0, 1, 0, 0)
    assert partial[0] != partial[1]
    assert (1, 0, 1, 0, 0) in partial


# --- seqeval ----------------------------------------------------------------------------------

def _random_mentions(rng: random.Random, text: str, words: list[tuple[int, int]], n: int
                     ) -> tuple[Entity, ...]:
    """Any spans at all: nested, crossing, cutting tokens, crossing sentences, in furniture."""
    out = []
    for _ in range(n):
        first = rng.randrange(len(words))
        last = min(len(words) - 1, first + rng.randrange(4))
        s, e = words[first][0], words[last][1]
        if rng.random() < 0.2:
            s = min(e - 1, s + rng.randrange(3))
        out.append(Entity(Span(s, e, text[s:e]), rng.choice(TYPES[:3])))
    return tuple(out)


def _bio_corpus(seed: int, n_docs: int = 12) -> list[tuple[Document, AnnotationDocument,
                                                            AnnotationDocument]]:
    rng = random.Random(seed)
    docs = []
    for i in range(n_docs):
        text, words = _text(rng, 60)
        cut = words[5][0]
        doc = Document(f"d{i}", text, {}, (Zone("boilerplate", 0, cut),
                                           Zone("body", cut, len(text))))
        gold = [e for e in _random_mentions(rng, text, words, 14) if e.span.start >= cut]
        pred = _random_mentions(rng, text, words, 14)
        docs.append((doc, AnnotationDocument(doc.doc_id, entities=tuple(gold)),
                     AnnotationDocument(doc.doc_id, entities=pred)))
    return docs


def _report_matches(ours, report: dict, mode: str) -> None:
    types = {k[2] for k in ours if k[1] == mode and k[2] != "*"}
    assert types == set(report) - {"micro avg", "macro avg", "weighted avg"}
    for label, scores in report.items():
        if label in ("macro avg", "weighted avg"):
            continue
        key = ("bio", mode, "*" if label == "micro avg" else label)
        got = prf(ours[key])
        assert got["precision"] == pytest.approx(scores["precision"], abs=1e-12)
        assert got["recall"] == pytest.approx(scores["recall"], abs=1e-12)
        assert got["f1"] == pytest.approx(scores["f1-score"], abs=1e-12)
        assert ours[key]["r_den"] == scores["support"]


@pytest.mark.parametrize("seed", range(6))
def test_bio_corpus_sums_equal_seqeval_on_all_sentences(seed: int) -> None:
    docs = _bio_corpus(seed)
    ours = total(bio.score(g, p, d) for d, g, p in docs)
    y_true, y_pred = [], []
    for doc, gold, pred in docs:
        tok = tokenization(doc, annotated_zone_types(doc))
        kept = [e for e in pred.layer("entities") if e.span.start >= doc.zones[1].start]
        y_true += to_iob2(tok, entities.mentions(gold)).tags
        y_pred += to_iob2(tok, [(e.span.start, e.span.end, e.type) for e in kept]).tags
    default = classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    strict = classification_report(y_true, y_pred, output_dict=True, zero_division=0,
                                   mode="strict", scheme=IOB2)
    _report_matches(ours, default, "seqeval_default")
    _report_matches(ours, strict, "seqeval_strict")


@pytest.mark.parametrize("seed", range(10))
def test_score_tags_equals_seqeval_on_malformed_sequences(seed: int) -> None:
    rng = random.Random(seed)
    tags = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG"]
    y_true = [[rng.choice(tags) for _ in range(rng.randint(1, 12))] for _ in range(40)]
    y_pred = [[rng.choice(tags) for _ in sentence] for sentence in y_true]
    ours = bio.score_tags(y_true, y_pred)
    _report_matches(ours, classification_report(y_true, y_pred, output_dict=True,
                                                zero_division=0), "seqeval_default")
    _report_matches(ours, classification_report(y_true, y_pred, output_dict=True,
                                                zero_division=0, mode="strict", scheme=IOB2),
                    "seqeval_strict")
