"""Small hand-made documents for the scorer tests: spans found by their text."""

from __future__ import annotations

from palmyra.annotations import AnnotationDocument, Entity, Span
from palmyra.corpus import Document, Zone
from palmyra.stats import Counts, prf


class Text:
    """A document text with zones, and spans picked by their surface string."""

    def __init__(self, text: str, zones: list[tuple[str, int, int]] | None = None,
                 doc_id: str = "t1"):
        self.text = text
        self.doc_id = doc_id
        zone_list = zones if zones is not None else [("body", 0, len(text))]
        self.document = Document(doc_id, text, {"doc_id": doc_id},
                                 tuple(Zone(*z) for z in zone_list))

    def span(self, surface: str, nth: int = 0) -> Span:
        """The nth occurrence of `surface` in the text."""
        start = -1
        for _ in range(nth + 1):
            start = self.text.index(surface, start + 1)
        return Span(start, start + len(surface), surface)

    def at(self, start: int, end: int) -> Span:
        return Span(start, end, self.text[start:end])

    def entity(self, surface: str, type_: str, id_: str | None = None,
               cluster: str | None = None, nth: int = 0) -> Entity:
        return Entity(self.span(surface, nth), type_, id=id_, cluster=cluster)

    def annotations(self, **layers: object) -> AnnotationDocument:
        return AnnotationDocument(self.doc_id, **{k: tuple(v) if v is not None else None
                                                  for k, v in layers.items()})


def row(counts: Counts, layer: str, mode: str, label: str = "*") -> dict[str, float]:
    return counts[(layer, mode, label)]


def pr(counts: Counts, layer: str, mode: str, label: str = "*") -> tuple[float, float]:
    """(precision, recall) of a row."""
    scores = prf(counts[(layer, mode, label)])
    return scores["precision"], scores["recall"]


def core(counts: Counts, layer: str, mode: str, label: str = "*") -> tuple[float, ...]:
    """(p_num, p_den, r_num, r_den) of a row."""
    t = counts[(layer, mode, label)]
    return (t["p_num"], t["p_den"], t["r_num"], t["r_den"])
