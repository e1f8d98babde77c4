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


class _Attr(NamedTuple):
    source: Element
    cue: Element
    content: Element
    type: str | None
    parent: int | None  # index of the parent in the same (canonical) list
    has_parent: bool    # the attribution names a parent (resolvable or not)


def _covered(doc: Document, spans: Sequence[Span]) -> list[tuple[int, int]]:
    """The (start, end) of the tokens the spans touch, perhaps repeated (a span touching
    none stands for itself). Attributions cover a small part of a document: the text around
    each span is tokenized, not the whole document (palmyra.tokenize.span_tokens finds the
    same tokens)."""
    out: list[tuple[int, int]] = []
    for s in spans:
        out += span_tokens(doc, s.start, s.end) or [(s.start, s.end)]
    return out


class _Elements:
    """The elements of one document with their sort keys, built once per list of span
    offsets: gold and predicted attributions share most spans, and a shared element is then
    one object (equality stops at its identity)."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.built: dict[Hashable, tuple[Element, tuple]] = {}

    def tokens(self, spans: Sequence[Span]) -> tuple[Element, tuple]:
        key: Hashable = ((spans[0].start, spans[0].end) if len(spans) == 1
                         else tuple((s.start, s.end) for s in spans))
        hit = self.built.get(key)
        if hit is None:
            found = _covered(self.doc, spans)
            tokens = frozenset(found)
            if len(tokens) < len(found):  # a token twice
                found = list(tokens)
            found.sort()  # the tokens come in text order: cheaper to sort than the set
            hit = self.built[key] = (("tokens", tokens), ("tokens", tuple(found)))
        return hit

    def attribution(self, a: Attribution) -> tuple[tuple[Element, tuple], ...]:
        """(element, sort key) of the source, cue and content of an attribution."""
        if a.source is not None:
            source = self.tokens((a.source.span,))
        elif a.implicit_source is not None:
            source = ("implicit", a.implicit_source), ("implicit", (a.implicit_source,))
        else:
            source = ("none",), ("none", ())
        return source, self.tokens(a.cue), self.tokens(a.content)


def _prepare(items: Sequence[Attribution], doc: Document, elements: _Elements | None = None
             ) -> list[_Attr]:
    """Attributions in canonical order (their elements, then their ancestors' elements),
    with parents resolved to indices."""
    built = list(map((elements or _Elements(doc)).attribution, items))
    # Each item's own sort key: its elements' sort keys, then its type.
    own = [((s[1], c[1], t[1]), a.type or "") for (s, c, t), a in zip(built, items, strict=True)]
    parents: list[int | None]
    if all(a.parent is None for a in items):  # no lineage: the items' own keys decide
        parents = [None] * len(items)
        order = sorted(range(len(items)), key=own.__getitem__)
    else:
        by_id = {a.id: k for k, a in enumerate(items) if a.id is not None}
        parents = [by_id.get(a.parent) if a.parent is not None else None for a in items]

        def lineage(k: int | None) -> tuple:
            chain, seen = [], set()
            while k is not None and k not in seen:
                seen.add(k)
                chain.append(own[k])
                k = parents[k]
            return tuple(chain)

        order = sorted(range(len(items)), key=lineage)
    position = {k: n for n, k in enumerate(order)}
    out = []
    for k in order:
        (source, _), (cue, _), (content, _) = built[k]
        parent = parents[k]
        out.append(_Attr(source, cue, content, items[k].type,
                         None if parent is None else position[parent],
                         items[k].parent is not None))
    return out


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


def _score(gold: list[_Attr], pred: list[_Attr], ignored: int) -> Counts:
    table = Table(LAYER)
    # The fields one by one: the sources, the cues, the contents, the types...
    gcols = [*zip(*gold, strict=True)] or [()] * len(_Attr._fields)
    pcols = [*zip(*pred, strict=True)] or [()] * len(_Attr._fields)
    glabels, plabels = gcols[3], pcols[3]

    def tally(mode: str, pairs: Pairs, credits: Credits | None = None) -> None:
        credit = None if credits is None else (lambda g, p: credits.get((g, p), _WHOLE))
        table.tally(mode, glabels, plabels, pairs, credit=credit, ignored=ignored)

    def same_type(g: int, p: int) -> tuple[int]:
        return (int(glabels[g] == plabels[p]),)

    n_gold, n_pred = len(gold), len(pred)
    for e, (exact_mode, overlap_mode) in enumerate(_ELEMENT_MODES):
        gvals, pvals = gcols[e], pcols[e]
        exact = match_keys(gvals, pvals, tie=same_type)
        tally(exact_mode, exact)
        weights: dict[tuple[int, int], tuple[int, ...]] = {}
        credits: Credits = {}
        for g, p in _leftover(n_gold, n_pred, exact):
            r = _ratio(gvals[g], pvals[p])
            if r is not None:
                weights[g, p] = (1, r[2], int(glabels[g] == plabels[p]))
                credits[g, p] = (r[0], r[1])
        if weights:
            tally(overlap_mode, exact + _best(weights), credits)
        else:  # nothing more than the exact pairs, at full credit
            table.repeat(overlap_mode, exact_mode)

    gtriples = [*zip(*gcols[:3], strict=True)]
    ptriples = [*zip(*pcols[:3], strict=True)]
    exact = match_keys(gtriples, ptriples, tie=same_type)
    tally("triple_exact", exact)
    weights = {}
    for g, p in _leftover(n_gold, n_pred, exact):
        dice = _dice(gtriples[g], ptriples[p])
        if dice is not None:
            weights[g, p] = (1, dice, int(glabels[g] == plabels[p]))
    if weights:
        tally("triple_overlap", exact + _best(weights))
    else:
        table.repeat("triple_overlap", "triple_exact")
    if any(a.has_parent for a in gold) or any(a.has_parent for a in pred):
        _score_nested(gold, pred, gtriples, ptriples, table, ignored)
    else:  # no attribution to pair: the totals of empty lists
        for mode in ("nested_exact", "nested_overlap"):
            table.tally(mode, (), (), (), ignored=ignored)
    return table.counts()


def _score_nested(gold: list[_Attr], pred: list[_Attr],
                  gtriples: list[tuple[Element, ...]], ptriples: list[tuple[Element, ...]],
                  table: Table, ignored: int) -> None:
    gkids = [k for k, a in enumerate(gold) if a.has_parent]
    pkids = [k for k, a in enumerate(pred) if a.has_parent]
    gl = [gold[k].type for k in gkids]
    pl = [pred[k].type for k in pkids]

    def tally(mode: str, pairs: Pairs) -> None:
        table.tally(mode, gl, pl, pairs, ignored=ignored)

    if not gkids or not pkids:  # nothing to pair
        tally("nested_exact", [])
        table.repeat("nested_overlap", "nested_exact")
        return

    def key(k: int, items: list[_Attr], triples: list[tuple[Element, ...]]) -> Hashable:
        parent = items[k].parent
        return None if parent is None else (triples[k], triples[parent])

    exact = match_keys([key(k, gold, gtriples) for k in gkids],
                       [key(k, pred, ptriples) for k in pkids],
                       tie=lambda i, j: (int(gl[i] == pl[j]),))
    tally("nested_exact", exact)
    weights: dict[tuple[int, int], tuple[int, ...]] = {}
    for i, g in enumerate(gkids):
        gp = gold[g].parent
        if gp is None:
            continue
        for j, p in enumerate(pkids):
            pp = pred[p].parent
            if pp is not None:
                dice = _dice(gtriples[g] + gtriples[gp], ptriples[p] + ptriples[pp])
                if dice is not None:
                    weights[i, j] = (1, dice, int(gl[i] == pl[j]))
    tally("nested_overlap", _best(weights))
