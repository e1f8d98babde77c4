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

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from palmyra.annotations import AnnotationDocument, Attribution, Span
from palmyra.corpus import Document
from palmyra.scoring._common import Table, in_annotated_zone, kept_predictions
from palmyra.spans import match_graph, match_keys
from palmyra.stats import Counts
from palmyra.tokenize import annotated_zone_types, span_tokens, tokenization

LAYER = "attributions"
ELEMENTS = ("source", "cue", "content")
MODES = (*(f"{e}_{m}" for e in ELEMENTS for m in ("exact", "overlap")),
         "triple_exact", "triple_overlap", "nested_exact", "nested_overlap")

TokenSet = frozenset[tuple[int, int]]
Element = tuple  # ("tokens", TokenSet) | ("implicit", value) | ("none",)
_MICRO = 1_000_000  # Dice coefficients become integers for the exact assignment


@dataclass(frozen=True)
class _Attr:
    source: Element
    cue: Element
    content: Element
    type: str | None
    parent: int | None = None  # index of the parent in the same (canonical) list
    has_parent: bool = False   # the attribution names a parent (resolvable or not)

    @property
    def triple(self) -> tuple[Element, Element, Element]:
        return (self.source, self.cue, self.content)


def _tokens(doc: Document, spans: Sequence[Span]) -> Element:
    # The tokens of the article text, cached per document and shared with the BIO view;
    # zones are tokenized one by one, so inside one zone they are the whole document's.
    tok = tokenization(doc, annotated_zone_types(doc))
    starts, ends = tok.starts, tok.ends
    out: set[tuple[int, int]] = set()
    for s in spans:
        if in_annotated_zone(doc, s.start, s.end):
            i, j = bisect_right(ends, s.start), bisect_left(starts, s.end)  # tokens it touches
            found = list(zip(starts[i:j], ends[i:j], strict=True))
        else:  # page furniture, or across zones: tokenize around the span
            found = span_tokens(doc, s.start, s.end)
        out.update(found or [(s.start, s.end)])
    return ("tokens", frozenset(out))


def _source(doc: Document, a: Attribution) -> Element:
    if a.source is not None:
        return _tokens(doc, [a.source.span])
    if a.implicit_source is not None:
        return ("implicit", a.implicit_source)
    return ("none",)


def _order(e: Element) -> tuple:
    return (e[0], tuple(sorted(e[1])) if e[0] == "tokens" else e[1:])


def _prepare(items: Sequence[Attribution], doc: Document) -> list[_Attr]:
    """Attributions in canonical order (their elements, then their ancestors' elements),
    with parents resolved to indices."""
    base = [(_source(doc, a), _tokens(doc, a.cue), _tokens(doc, a.content)) for a in items]
    by_id = {a.id: k for k, a in enumerate(items) if a.id is not None}

    def lineage(k: int) -> tuple:
        chain, seen = [], set()
        while k is not None and k not in seen:
            seen.add(k)
            chain.append((tuple(_order(e) for e in base[k]), items[k].type or ""))
            parent = items[k].parent
            k = by_id.get(parent) if parent is not None else None
        return tuple(chain)

    order = sorted(range(len(items)), key=lineage)
    position = {k: n for n, k in enumerate(order)}
    out = []
    for k in order:
        parent = items[k].parent
        resolved = by_id.get(parent) if parent is not None else None
        out.append(_Attr(*base[k], items[k].type,
                         position[resolved] if resolved is not None else None,
                         parent is not None))
    return out


def _ratio(g: Element, p: Element) -> tuple[float, float, int] | None:
    """(precision credit, recall credit, Dice in millionths) of two elements; None: disjoint."""
    if g[0] != "tokens" or p[0] != "tokens":
        return (1.0, 1.0, _MICRO) if g == p else None
    shared = len(g[1] & p[1])
    if not shared:
        return None
    return (shared / len(p[1]), shared / len(g[1]),
            round(2 * shared * _MICRO / (len(g[1]) + len(p[1]))))


def anchor(a: Attribution) -> int:
    """Where an attribution is: its earliest cue span (content when there is no cue)."""
    return min((s.start for s in a.cue or a.content), default=0)


def score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    predicted = list(pred.layer(LAYER))
    kept = kept_predictions(doc, predicted, start=anchor)
    return _score(_prepare(gold.layer(LAYER), doc), _prepare(kept, doc),
                  len(predicted) - len(kept))


def _score(gold: list[_Attr], pred: list[_Attr], ignored: int) -> Counts:
    table = Table(LAYER)
    glabels = [a.type for a in gold]
    plabels = [a.type for a in pred]

    def same_type(g: int, p: int) -> tuple[int]:
        return (int(gold[g].type == pred[p].type),)

    def tally(mode: str, pairs: list[tuple[int, int]],
              credit: Callable[[int, int], tuple[float, float]] | None = None,
              gl: Sequence[str | None] = glabels, pl: Sequence[str | None] = plabels) -> None:
        table.tally(mode, gl, pl, pairs, credit=credit, ignored=ignored)

    for element in ELEMENTS:
        gvals = [getattr(a, element) for a in gold]
        pvals = [getattr(a, element) for a in pred]
        exact = match_keys(gvals, pvals, tie=same_type)
        tally(f"{element}_exact", exact)
        rest = _leftover_pairs(len(gold), len(pred), exact, lambda g, p, v=(gvals, pvals): (
            _overlap_weight([_ratio(v[0][g], v[1][p])], same_type(g, p))))
        ratios = {(g, p): _ratio(gvals[g], pvals[p])[:2] for g, p in rest}
        tally(f"{element}_overlap", exact + rest,
              credit=lambda g, p, r=ratios: r.get((g, p), (1.0, 1.0)))

    def triple_overlap(g: int, p: int) -> list[tuple[float, float, int] | None]:
        return [_ratio(x, y) for x, y in zip(gold[g].triple, pred[p].triple, strict=True)]

    exact = match_keys([a.triple for a in gold], [a.triple for a in pred], tie=same_type)
    tally("triple_exact", exact)
    rest = _leftover_pairs(len(gold), len(pred), exact,
                           lambda g, p: _overlap_weight(triple_overlap(g, p), same_type(g, p)))
    tally("triple_overlap", exact + rest)
    _score_nested(gold, pred, tally, same_type, triple_overlap)
    return table.counts()


def _overlap_weight(ratios: list[tuple[float, float, int] | None], tie: tuple[int]
                    ) -> tuple[int, ...] | None:
    """Weight of a left-over pair: every element must overlap; larger Dice totals first."""
    if any(r is None for r in ratios):
        return None
    return (1, sum(r[2] for r in ratios if r is not None), *tie)


def _leftover_pairs(n_gold: int, n_pred: int, done: list[tuple[int, int]],
                    weight: Callable[[int, int], tuple[int, ...] | None]
                    ) -> list[tuple[int, int]]:
    used_g = {g for g, _ in done}
    used_p = {p for _, p in done}
    golds = [g for g in range(n_gold) if g not in used_g]
    preds = [p for p in range(n_pred) if p not in used_p]
    edges = [(g, p) for g in golds for p in preds if weight(g, p) is not None]
    return match_graph(edges, weight)


def _score_nested(gold: list[_Attr], pred: list[_Attr], tally: Callable[..., None],
                  same_type: Callable[[int, int], tuple[int]],
                  triple_overlap: Callable[[int, int], list]) -> None:
    gkids = [k for k, a in enumerate(gold) if a.has_parent]
    pkids = [k for k, a in enumerate(pred) if a.has_parent]
    gl = [gold[k].type for k in gkids]
    pl = [pred[k].type for k in pkids]

    def key(a: _Attr, items: list[_Attr]) -> Hashable:
        return None if a.parent is None else (a.triple, items[a.parent].triple)

    exact = match_keys([key(gold[k], gold) for k in gkids], [key(pred[k], pred) for k in pkids],
                       tie=lambda i, j: same_type(gkids[i], pkids[j]))
    tally("nested_exact", exact, gl=gl, pl=pl)

    def weight(i: int, j: int) -> tuple[int, ...] | None:
        g, p = gold[gkids[i]], pred[pkids[j]]
        if g.parent is None or p.parent is None:
            return None
        ratios = triple_overlap(gkids[i], pkids[j]) + triple_overlap(g.parent, p.parent)
        return _overlap_weight(ratios, same_type(gkids[i], pkids[j]))

    edges = [(i, j) for i in range(len(gkids)) for j in range(len(pkids))
             if weight(i, j) is not None]
    tally("nested_overlap", match_graph(edges, weight), gl=gl, pl=pl)
