"""Attributions (PARC 3.0 style): source, cue and content, alone, as triples, and nested.

Cue and content may be several spans; every element is compared as the set of tokens it
covers (palmyra.tokenize; a span covering no token stands for itself). A source
is either such a token set, an implicit source ("author", "unspecified": it matches the same
implicit value only), or nothing (matches nothing stated).

  source_exact, cue_exact, content_exact
      the element's token sets are equal; one-to-one over the document's attributions.
  source_overlap, cue_overlap, content_overlap
      equal elements are paired first, then the rest by the largest token-overlap
      (Dice coefficient); a pair earns partial credit, the token-overlap ratio on each side:
      precision credit |G & P| / |P|, recall credit |G & P| / |G| (1 for equal elements).
  triple_exact      source, cue and content all equal
  triple_overlap    source, cue and content each share at least one token (implicit sources
                    equal); full credit per pair
  nested_exact, nested_overlap
      over the attributions that have a parent: a predicted one matches a gold one when they
      match (triple_exact / triple_overlap) and so do their parents.

Labels are attribution types (direct / indirect / mixed): recall on the gold type, precision
on the predicted type. A prediction is ignored when its earliest cue span starts outside
the annotated zones.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import NamedTuple

from palmyra.annotations import AnnotationDocument, Attribution, Span
from palmyra.corpus import Document
from palmyra.scoring._common import Table, kept_predictions
from palmyra.spans import match_graph, match_keys
from palmyra.stats import Counts
from palmyra.tokenize import span_tokens

LAYER = "attributions"
ELEMENTS = ("source", "cue", "content")
MODES = (*(f"{e}_{m}" for e in ELEMENTS for m in ("exact", "overlap")),
         "triple_exact", "triple_overlap", "nested_exact", "nested_overlap")

TokenSet = frozenset[tuple[int, int]]
Element = tuple  # ("tokens", TokenSet) | ("implicit", value) | ("none",)
_MICRO = 1_000_000  # Dice coefficients become integers for the exact assignment
_FULL = (1.0, 1.0, _MICRO)  # the ratio of two equal elements (a non-empty token set)
_WHOLE = (1.0, 1.0)  # the credit of an exact pair
Pairs = list[tuple[int, int]]
Credits = dict[tuple[int, int], tuple[float, float]]  # (precision, recall) credit of a pair
Triple = tuple[Element, Element, Element]  # source, cue, content


class _Side(NamedTuple):
    """One side's attributions in canonical order, field by field."""

    triples: list[Triple]
    types: list[str | None]
    parents: list[int | None]  # index of the parent in the same order
    has_parent: list[bool]     # the attribution names a parent (resolvable or not)


class _Elements:
    """The elements of one document with their sort keys, built once per list of span
    offsets: gold and predicted attributions share most spans, and a shared element is then
    one object (equality stops at its identity)."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.built: dict[Hashable, tuple[Element, tuple]] = {}

    def tokens(self, spans: Sequence[Span]) -> tuple[Element, tuple]:
        """The set of tokens the spans touch (a span touching none stands for itself) and
        its sort key (the tokens in order). Attributions cover a small part of a document:
        the text around each span is tokenized, not the whole document
        (palmyra.tokenize.span_tokens finds the same tokens)."""
        if len(spans) == 1:
            span = spans[0]
            key: Hashable = (span.start, span.end)
            hit = self.built.get(key)
            if hit is not None:
                return hit
            found = span_tokens(self.doc, span.start, span.end) or [key]
        else:
            key = tuple((s.start, s.end) for s in spans)
            hit = self.built.get(key)
            if hit is not None:
                return hit
            found = []
            for s in spans:
                found += span_tokens(self.doc, s.start, s.end) or [(s.start, s.end)]
        tokens = frozenset(found)
        if len(tokens) < len(found):  # a token twice
            found = list(tokens)
        found.sort()  # the tokens come in text order: cheaper to sort than the set
        hit = self.built[key] = (("tokens", tokens), ("tokens", tuple(found)))
        return hit

    def attribution(self, a: Attribution) -> tuple[tuple, Triple]:
        """The sort key of an attribution (its elements' sort keys, then its type) and its
        source, cue and content elements."""
        if a.source is not None:
            source, source_key = self.tokens((a.source.span,))
        elif a.implicit_source is not None:
            source, source_key = ("implicit", a.implicit_source), ("implicit",
                                                                   (a.implicit_source,))
        else:
            source, source_key = ("none",), ("none", ())
        cue, cue_key = self.tokens(a.cue)
        content, content_key = self.tokens(a.content)
        return ((source_key, cue_key, content_key), a.type or ""), (source, cue, content)


def _prepare(items: Sequence[Attribution], doc: Document, elements: _Elements | None = None
             ) -> _Side:
    """Attributions in canonical order (their elements, then their ancestors' elements),
    with parents resolved to indices."""
    built = list(map((elements or _Elements(doc)).attribution, items))
    own = [key for key, _ in built]
    n = len(items)
    named_ids = [a.parent for a in items]
    if named_ids.count(None) == n:  # no lineage: the items' own keys decide
        order = sorted(range(n), key=own.__getitem__)
        return _Side([built[k][1] for k in order], [items[k].type for k in order],
                     [None] * n, [False] * n)
    by_id = {a.id: k for k, a in enumerate(items) if a.id is not None}
    named = [None if i is None else by_id.get(i) for i in named_ids]

    def lineage(k: int | None) -> tuple:
        chain, seen = [], set()
        while k is not None and k not in seen:
            seen.add(k)
            chain.append(own[k])
            k = named[k]
        return tuple(chain)

    order = sorted(range(n), key=lineage)
    position = {k: i for i, k in enumerate(order)}
    return _Side([built[k][1] for k in order], [items[k].type for k in order],
                 [None if named[k] is None else position[named[k]] for k in order],
                 [named_ids[k] is not None for k in order])


def _ratio(g: Element, p: Element) -> tuple[float, float, int] | None:
    """(precision credit, recall credit, Dice in millionths) of two elements; None: disjoint."""
    if g[0] != "tokens" or p[0] != "tokens":
        return (1.0, 1.0, _MICRO) if g == p else None
    a, b = g[1], p[1]
    if a is b:  # one shared element: what the arithmetic below gives, exactly
        return _FULL if a else None
    shared = len(a & b)
    if not shared:
        return None
    return (shared / len(b), shared / len(a), round(2 * shared * _MICRO / (len(a) + len(b))))


def _dice(gs: Sequence[Element], ps: Sequence[Element]) -> int | None:
    """The Dice total (millionths) of elements compared in turn; None: one pair is disjoint."""
    total = 0
    for g, p in zip(gs, ps, strict=True):
        r = _ratio(g, p)
        if r is None:
            return None
        total += r[2]
    return total


def anchor(a: Attribution) -> int:
    """Where an attribution is: its earliest cue span (content when there is no cue)."""
    spans = a.cue or a.content
    if len(spans) == 1:
        return spans[0].start
    return min([s.start for s in spans]) if spans else 0


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    predicted = list(pred.layer(LAYER))
    kept = kept_predictions(doc, predicted, start=anchor)
    elements = _Elements(doc)
    return _score(_prepare(gold.layer(LAYER), doc, elements), _prepare(kept, doc, elements),
                  len(predicted) - len(kept))


def _leftover(n_gold: int, n_pred: int, done: Pairs) -> Pairs:
    """Every (gold, predicted) pair of items that the one-to-one `done` left unpaired."""
    if len(done) == n_gold or len(done) == n_pred:  # one side is used up
        return []
    used_g = {g for g, _ in done}
    used_p = {p for _, p in done}
    preds = [p for p in range(n_pred) if p not in used_p]
    return [(g, p) for g in range(n_gold) if g not in used_g for p in preds]


def _best(weights: dict[tuple[int, int], tuple[int, ...]]) -> Pairs:
    """match_graph over the candidate edges, each weight computed once beforehand."""
    return match_graph(weights, lambda g, p: weights[g, p])


_ELEMENT_MODES = [(f"{e}_exact", f"{e}_overlap") for e in ELEMENTS]


def _score(gold: _Side, pred: _Side, ignored: int) -> Counts:
    table = Table(LAYER)
    gtriples, ptriples = gold.triples, pred.triples
    glabels, plabels = gold.types, pred.types
    n_gold, n_pred = len(gtriples), len(ptriples)

    def same_type(g: int, p: int) -> tuple[int]:
        return (int(glabels[g] == plabels[p]),)

    # The fields one by one: the sources, the cues, the contents.
    columns = zip(*gtriples, strict=True) if gtriples else [()] * 3
    pcolumns = zip(*ptriples, strict=True) if ptriples else [()] * 3
    for (exact_mode, overlap_mode), gvals, pvals in zip(_ELEMENT_MODES, columns, pcolumns,
                                                        strict=True):
        exact = match_keys(gvals, pvals, tie=same_type)
        table.tally(exact_mode, glabels, plabels, exact, ignored=ignored)
        weights: dict[tuple[int, int], tuple[int, ...]] = {}
        credits: Credits = {}
        for g, p in _leftover(n_gold, n_pred, exact):
            r = _ratio(gvals[g], pvals[p])
            if r is not None:
                weights[g, p] = (1, r[2], int(glabels[g] == plabels[p]))
                credits[g, p] = (r[0], r[1])
        if weights:
            table.tally(overlap_mode, glabels, plabels, exact + _best(weights),
                        credit=lambda g, p, c=credits: c.get((g, p), _WHOLE), ignored=ignored)
        else:  # nothing more than the exact pairs, at full credit
            table.repeat(overlap_mode, exact_mode)

    exact = match_keys(gtriples, ptriples, tie=same_type)
    table.tally("triple_exact", glabels, plabels, exact, ignored=ignored)
    weights = {}
    for g, p in _leftover(n_gold, n_pred, exact):
        dice = _dice(gtriples[g], ptriples[p])
        if dice is not None:
            weights[g, p] = (1, dice, int(glabels[g] == plabels[p]))
    if weights:
        table.tally("triple_overlap", glabels, plabels, exact + _best(weights), ignored=ignored)
    else:
        table.repeat("triple_overlap", "triple_exact")
    if True in gold.has_parent or True in pred.has_parent:
        _score_nested(gold, pred, table, ignored)
    else:  # no attribution to pair: the totals of empty lists
        for mode in ("nested_exact", "nested_overlap"):
            table.tally(mode, (), (), (), ignored=ignored)
    return table.counts()


def _score_nested(gold: _Side, pred: _Side, table: Table, ignored: int) -> None:
    gkids = [k for k, h in enumerate(gold.has_parent) if h]
    pkids = [k for k, h in enumerate(pred.has_parent) if h]
    gl = [gold.types[k] for k in gkids]
    pl = [pred.types[k] for k in pkids]

    def tally(mode: str, pairs: Pairs) -> None:
        table.tally(mode, gl, pl, pairs, ignored=ignored)

    if not gkids or not pkids:  # nothing to pair
        tally("nested_exact", [])
        table.repeat("nested_overlap", "nested_exact")
        return

    def key(k: int, side: _Side) -> Hashable:
        parent = side.parents[k]
        return None if parent is None else (side.triples[k], side.triples[parent])

    exact = match_keys([key(k, gold) for k in gkids], [key(k, pred) for k in pkids],
                       tie=lambda i, j: (int(gl[i] == pl[j]),))
    tally("nested_exact", exact)
    gtriples, ptriples = gold.triples, pred.triples
    weights: dict[tuple[int, int], tuple[int, ...]] = {}
    for i, g in enumerate(gkids):
        gp = gold.parents[g]
        if gp is None:
            continue
        for j, p in enumerate(pkids):
            pp = pred.parents[p]
            if pp is not None:
                dice = _dice(gtriples[g] + gtriples[gp], ptriples[p] + ptriples[pp])
                if dice is not None:
                    weights[i, j] = (1, dice, int(gl[i] == pl[j]))
    tally("nested_overlap", _best(weights) if weights else [])
