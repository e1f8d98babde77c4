"""Sentences as resampling units for the bootstrap (`--bootstrap-unit sentence`).

Every item belongs to the sentence in which its anchor starts: an entity mention or a
number by its span, an event by its trigger, an attribution by the earliest cue span (its
content when it has no cue) of the outermost attribution it is nested in, so that a nested
attribution stays with its parent. Sentences are those of the tokenization shipped with the
corpus (palmyra.tokenize: the sentences of the annotated zones); a sentence owns the
whitespace before it (it begins where the previous sentence's last token ends, as IOB2
tagging assigns a span that starts in that whitespace to the next token), an item anchored
before the first sentence belongs to the first, and a document without sentences is one
unit.

A sentence's counts are the layer's scorer run on the document restricted to that
sentence's items of the layer; the other layers stay whole, so that an event argument given
as a mention id still resolves. Matching therefore happens within sentences. For the BIO
view this changes nothing (IOB2 tags never cross a sentence): the sentence counts add up to
the document's. In the other layers they differ only where a prediction would be paired
with a gold item anchored in another sentence. The point estimates stay the document-level
scores; only the intervals come from resampling sentences. Coreference chains cross
sentences, so coreference is always resampled by document.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from palmyra.annotations import AnnotationDocument
from palmyra.corpus import Document
from palmyra.scoring import attributions
from palmyra.tokenize import annotated_zone_types, tokenization

Pair = tuple[AnnotationDocument, AnnotationDocument, Document]

# The annotation layer an evaluation layer reads, and where its items are anchored.
ANCHORED_LAYERS = {"entities": "entities", "bio": "entities", "events": "events",
                   "numbers": "numbers", "attributions": "attributions"}


ANCHORS: dict[str, Callable[[Any], int]] = {
    "entities": lambda e: e.span.start,
    "events": lambda e: e.trigger.start,
    "numbers": lambda n: n.span.start,
    "attributions": attributions.anchor,
}


def sentence_starts(doc: Document) -> list[int]:
    """Character offsets at which the sentences of the annotated zones begin: the first at
    its first token, each other where the previous sentence's last token ends."""
    tok = tokenization(doc, annotated_zone_types(doc))
    first = tok.sentence_starts[:1]
    return [tok.starts[i] for i in first] + [tok.ends[i - 1] for i in tok.sentence_starts[1:]]


def _anchors(layer: str, items: Sequence[Any]) -> list[int]:
    """Where each item is anchored; a nested attribution at its outermost ancestor."""
    anchor = ANCHORS[layer]
    if layer != "attributions":
        return [anchor(x) for x in items]
    by_id = {x.id: x for x in items if x.id is not None}

    def root(x: Any) -> Any:
        seen = {id(x)}
        while x.parent is not None and x.parent in by_id and id(by_id[x.parent]) not in seen:
            x = by_id[x.parent]
            seen.add(id(x))
        return x

    return [anchor(root(x)) for x in items]


def _restricted(doc: AnnotationDocument, layer: str, starts: Sequence[int]
                ) -> list[AnnotationDocument]:
    """One copy of `doc` per sentence, holding only that sentence's items of `layer`."""
    items = getattr(doc, layer)
    n = max(len(starts), 1)
    if items is None:
        return [doc] * n
    groups: list[list[Any]] = [[] for _ in range(n)]
    for item, at in zip(items, _anchors(layer, items), strict=True):
        groups[max(bisect_right(starts, at) - 1, 0)].append(item)
    return [dataclasses.replace(doc, **{layer: tuple(g)}) for g in groups]


def sentence_pairs(pair: Pair, layer: str) -> list[Pair]:
    """The (gold, prediction, document) triples of a document's sentences for one
    evaluation layer (not coreference), in text order."""
    gold, pred, doc = pair
    source = ANCHORED_LAYERS[layer]
    starts = sentence_starts(doc)
    golds, preds = _restricted(gold, source, starts), _restricted(pred, source, starts)
    return [(g, p, doc) for g, p in zip(golds, preds, strict=True)]

