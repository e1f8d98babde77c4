"""The entity layer read as IOB2 tags over tokens and scored as seqeval scores it, the way
CoNLL-style papers report NER.

Mentions become token ranges with palmyra.tokenize.mention_ranges (which says how spans that
cut a token, cross a sentence or nest are handled): ranges that never overlap or cross a
sentence, each written as B- followed by I- tags. seqeval reads such tags back as exactly
those ranges, in its default (conlleval-compatible) mode and in its strict IOB2 mode alike,
and counts per type as seqeval does (sets of chunks, tp = |gold & pred|). So a document's
counts are taken from the ranges directly, with no tags in between (tests check the sums
against seqeval itself on generated corpora); the ranges come from
palmyra.tokenize.mention_bounds, as character offsets, which tokenizes a document only when
some mention is not already whole tokens of one sentence. Raw tag sequences, which may be
malformed, go through seqeval (`score_tags`): there strict mode drops chunks that do not
begin with B-.

A corpus score is the sum of the per-document counts and equals seqeval run on the
concatenated sentences of all documents, since seqeval's chunks never cross a sentence.
For tag sequences, the counts are taken over the runs of tokens where gold or prediction is
not O, which an O on both sides would have separated anyway; seqeval's answer for a run
depends only on the run's tags, so it is computed once per distinct (gold run, predicted
run).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter

from palmyra.annotations import AnnotationDocument
from palmyra.corpus import Document
from palmyra.scoring._common import TOTAL
from palmyra.scoring.entities import scored_mentions
from palmyra.stats import Counts
from palmyra.tokenize import ADJUSTMENTS, mention_bounds

LAYER = "bio"
MODES = ("seqeval_default", "seqeval_strict")

Run = tuple[str, ...]
_LABEL = itemgetter(2)
RunCounts = tuple[tuple[str, str, int, int, int], ...]  # (mode, type, gold, pred, tp)


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    gold_mentions, kept, ignored = scored_mentions(gold, pred, doc)
    g_ranges, g_adjusted = mention_bounds(doc, gold_mentions)
    p_ranges, p_adjusted = mention_bounds(doc, kept)
    extras = {"ignored": float(ignored)}
    for side, adjusted in (("gold", g_adjusted), ("pred", p_adjusted)):
        reasons = [r for _, r in adjusted]
        for reason in ADJUSTMENTS:
            extras[f"{side}_{reason}"] = float(reasons.count(reason))
    return _tally([_chunks_of_ranges(g_ranges, p_ranges)], extras)


def _chunks_of_ranges(gold: list[tuple[int, int, str]], pred: list[tuple[int, int, str]]
                      ) -> RunCounts:
    """Per mode and type, the chunks seqeval would read off the tags of well-formed ranges
    (the ranges themselves): (mode, type, gold, pred, tp)."""
    n_gold = Counter(map(_LABEL, gold))
    n_pred = Counter(map(_LABEL, pred))
    n_both = Counter(map(_LABEL, set(gold).intersection(pred)))
    counts = [(label, n_gold[label], n_pred[label], n_both[label])
              for label in sorted(n_gold.keys() | n_pred.keys())]
    return tuple((mode, *row) for mode in MODES for row in counts)


def _runs_of_tags(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]
                  ) -> list[tuple[Run, Run]]:
    """Every maximal run of tokens, inside one sentence, where gold or prediction is not
    O, read off aligned tag sequences (one list of tags per sentence)."""
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
def _chunk_counts(gold: Run, pred: Run) -> RunCounts:
    """seqeval's chunks of one run, counted per mode and type: (mode, type, gold, pred, tp)."""
    # Imported here: seqeval.metrics imports scikit-learn, seconds that only BIO scoring pays.
    from seqeval.metrics.sequence_labeling import get_entities
    from seqeval.scheme import IOB2, Entities

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


def _tally(counts: list[RunCounts], extras: dict[str, float] | None) -> Counts:
    sums: dict[tuple[str, str], list[int]] = {}
    for run in counts:
        for mode, label, n_gold, n_pred, tp in run:
            for key in ((mode, TOTAL), (mode, label)):
                row = sums.get(key)
                if row is None:
                    sums[key] = [n_gold, n_pred, tp]
                else:
                    row[0] += n_gold
                    row[1] += n_pred
                    row[2] += tp
    table: dict[tuple[str, str, str], dict[str, float]] = {}
    for mode in MODES:
        table[(LAYER, mode, TOTAL)] = {"p_num": 0.0, "p_den": 0.0, "r_num": 0.0,
                                       "r_den": 0.0, **(extras or {})}
    for (mode, label), (n_gold, n_pred, tp) in sums.items():
        row = table.setdefault((LAYER, mode, label), {})
        row.update(p_num=float(tp), p_den=float(n_pred), r_num=float(tp), r_den=float(n_gold))
    return Counts(table)


def score_tags(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]],
               extras: dict[str, float] | None = None) -> Counts:
    """seqeval's chunk counts for aligned tag sequences (one list of tags per sentence), in
    both modes. For taggers that emit tags directly (malformed sequences included).

    Raises ValueError when the numbers of sentences or of tags in a sentence differ, or
    (strict mode) when a tag is not an IOB2 tag.
    """
    return _tally([_chunk_counts(g, p) for g, p in _runs_of_tags(gold, pred)], extras)
