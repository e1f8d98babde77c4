"""The entity layer read as IOB2 tags over tokens and scored with seqeval, the way
CoNLL-style papers report NER.

Mentions become tags with palmyra.tokenize.mention_ranges / to_iob2 (they say how spans that
cut a token, cross a sentence or nest are handled); the chunks are then extracted by seqeval
itself, in its default (conlleval-compatible) mode and in its strict mode with scheme IOB2,
and counted per type as seqeval counts them (sets of chunks, tp = |gold & pred|). Both
sides' tags come from well-formed spans, so the two modes agree on annotation documents;
they differ on raw tag sequences (`score_tags`), where strict mode drops chunks that do not
begin with B-.

A corpus score is the sum of the per-document counts and equals seqeval run on the
concatenated sentences of all documents: seqeval's chunks never cross a sentence, and the
counts are taken over the runs of tokens where gold or prediction is not O, which an O on
both sides would have separated anyway. seqeval's answer for a run depends only on the run's
tags, so it is computed once per distinct (gold run, predicted run).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from seqeval.metrics.sequence_labeling import get_entities
from seqeval.scheme import IOB2, Entities

from palmyra.annotations import AnnotationDocument
from palmyra.corpus import Document
from palmyra.scoring._common import TOTAL, Table, zone_filter
from palmyra.scoring.entities import mentions
from palmyra.stats import Counts
from palmyra.tokenize import ADJUSTMENTS, Tokenization, annotated_zone_types, mention_ranges
from palmyra.tokenize import tokenization as tokenization_of

LAYER = "bio"
MODES = ("seqeval_default", "seqeval_strict")

Run = tuple[str, ...]
RunCounts = tuple[tuple[str, str, int, int, int], ...]  # (mode, type, gold, pred, tp)


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    tok = tokenization_of(doc, annotated_zone_types(doc))
    keep = zone_filter(doc)
    predicted = mentions(pred)
    kept = [m for m in predicted if keep(m[0])]
    g_ranges, g_adjusted = mention_ranges(tok, mentions(gold))
    p_ranges, p_adjusted = mention_ranges(tok, kept)
    extras = {"ignored": float(len(predicted) - len(kept))}
    for side, adjusted in (("gold", g_adjusted), ("pred", p_adjusted)):
        reasons = [r for _, r in adjusted]
        for reason in ADJUSTMENTS:
            extras[f"{side}_{reason}"] = float(reasons.count(reason))
    return _tally(_runs_of_ranges(tok, g_ranges, p_ranges), extras)


def _tags(ranges: list[tuple[int, int, str]], a: int, b: int) -> Run:
    """The IOB2 tags of tokens a..b (inclusive) given the mention ranges inside them."""
    tags = ["O"] * (b - a + 1)
    for i, last, label in ranges:
        tags[i - a] = f"B-{label}"
        tags[i - a + 1:last - a + 1] = [f"I-{label}"] * (last - i)
    return tuple(tags)


def _runs_of_ranges(tok: Tokenization, gold: list[tuple[int, int, str]],
                    pred: list[tuple[int, int, str]]) -> list[tuple[Run, Run]]:
    """The (gold tags, predicted tags) of every maximal run of tokens, inside one sentence,
    where gold or prediction is not O."""
    marked = sorted([(i, last, 0, label) for i, last, label in gold]
                    + [(i, last, 1, label) for i, last, label in pred])
    runs: list[tuple[Run, Run]] = []
    members: tuple[list, list] = ([], [])
    a = b = sentence = -1
    for i, last, side, label in marked:
        k = tok.sentence_of(i)
        if i > b + 1 or k != sentence:
            if members[0] or members[1]:
                runs.append((_tags(members[0], a, b), _tags(members[1], a, b)))
            members = ([], [])
            a, b, sentence = i, last, k
        members[side].append((i, last, label))
        b = max(b, last)
    if members[0] or members[1]:
        runs.append((_tags(members[0], a, b), _tags(members[1], a, b)))
    return runs


def _runs_of_tags(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]
                  ) -> list[tuple[Run, Run]]:
    """The same runs read off aligned tag sequences (one list of tags per sentence)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted sentences")
    runs: list[tuple[Run, Run]] = []
    for n, (gs, ps) in enumerate(zip(gold, pred, strict=True)):
        if len(gs) != len(ps):
            raise ValueError(f"sentence {n}: {len(gs)} gold tags but {len(ps)} predicted tags")
        start = None
        for i, (x, y) in enumerate(zip(gs, ps, strict=True)):
            if x != "O" or y != "O":
                if start is None:
                    start = i
            elif start is not None:
                runs.append((tuple(gs[start:i]), tuple(ps[start:i])))
                start = None
        if start is not None:
            runs.append((tuple(gs[start:]), tuple(ps[start:])))
    return runs


@lru_cache(maxsize=65536)
def _run_counts(gold: Run, pred: Run) -> RunCounts:
    """seqeval's chunks of one run, counted per mode and type: (mode, type, gold, pred, tp)."""
    out: list[tuple[str, str, int, int, int]] = []
    extractors = (
        ("seqeval_default", lambda tags: set(get_entities(list(tags)))),
        ("seqeval_strict", lambda tags: {(e.tag, e.start, e.end)
                                         for e in Entities([list(tags)], IOB2).entities[0]}),
    )
    for mode, extract in extractors:
        g, p = extract(gold), extract(pred)
        both = g & p
        for label in sorted({c[0] for c in g | p}):
            out.append((mode, label, sum(c[0] == label for c in g),
                        sum(c[0] == label for c in p), sum(c[0] == label for c in both)))
    return tuple(out)


def _tally(runs: list[tuple[Run, Run]], extras: dict[str, float] | None) -> Counts:
    table = Table(LAYER)
    for mode in MODES:
        total = table.row(mode, TOTAL)
        for name, value in (extras or {}).items():
            total[name] = total.get(name, 0.0) + value
    for g, p in runs:
        for mode, label, n_gold, n_pred, tp in _run_counts(g, p):
            for row in (table.row(mode, TOTAL), table.row(mode, label)):
                row["r_den"] += n_gold
                row["p_den"] += n_pred
                row["p_num"] += tp
                row["r_num"] += tp
    return table.counts()


def score_tags(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]],
               extras: dict[str, float] | None = None) -> Counts:
    """seqeval's chunk counts for aligned tag sequences (one list of tags per sentence), in
    both modes. For taggers that emit tags directly (malformed sequences included).

    Raises ValueError when the numbers of sentences or of tags in a sentence differ, or
    (strict mode) when a tag is not an IOB2 tag.
    """
    return _tally(_runs_of_tags(gold, pred), extras)
