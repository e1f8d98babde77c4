"""Inter-annotator agreement between two annotation sets of the same documents.

Span-level agreement is the harness's own scoring with one annotator taken as reference:
pairwise F1 is symmetric (swapping the two sets swaps precision and recall), which is why F1,
not kappa, is the usual agreement figure for span annotation (Hripcsak & Rothschild, 2005).
On top of it, for the label of each layer (entity type, event type, number kind, attribution
type), agreement on the items both annotators marked: observed agreement and Cohen's kappa,
over pairs matched one-to-one by overlapping span (palmyra.spans).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palmyra.annotations import AnnotationDocument
from palmyra.corpus import load_corpus
from palmyra.evaluation import Result, evaluate
from palmyra.io import InputError, read_documents
from palmyra.spans import Interval, align_spans

Labelled = tuple[Interval, str]

# How each layer's items read as (span, label) for the label-agreement table.
LABELLERS: dict[str, Callable[[AnnotationDocument], list[Labelled]]] = {
    "entities": lambda d: [((e.span.start, e.span.end), e.type) for e in d.layer("entities")],
    "events": lambda d: [((e.trigger.start, e.trigger.end), e.type) for e in d.layer("events")],
    "numbers": lambda d: [((n.span.start, n.span.end), n.kind) for n in d.layer("numbers")],
    "attributions": lambda d: [((min(c.start for c in a.cue), max(c.end for c in a.cue)),
                                a.type or "untyped") for a in d.layer("attributions")],
}


@dataclass(frozen=True)
class LabelAgreement:
    """Agreement on labels over the items both annotators marked (matched by span)."""

    matched: int
    agreed: int
    kappa: float | None  # None when chance agreement is 1 (one label only)
    confusion: dict[tuple[str, str], int]

    @property
    def observed(self) -> float:
        return self.agreed / self.matched if self.matched else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"matched": self.matched, "agreed": self.agreed, "observed": self.observed,
                "kappa": self.kappa,
                "confusion": [{"first": a, "second": b, "count": n}
                              for (a, b), n in sorted(self.confusion.items())]}


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two label sequences; None when chance agreement is 1."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    chance = sum(first[label] * second[label] for label in first) / (n * n)
    return None if chance == 1 else (observed - chance) / (1 - chance)


def label_pairs(first: AnnotationDocument, second: AnnotationDocument,
                layer: str) -> list[tuple[str, str]]:
    """The (first label, second label) of every item pair matched by overlapping span."""
    a, b = LABELLERS[layer](first), LABELLERS[layer](second)
    alignment = align_spans([s for s, _ in a], [s for s, _ in b], overlapping=True)
    return [(a[i][1], b[j][1]) for i, j in alignment.pairs]


def label_agreement(first: Mapping[str, AnnotationDocument],
                    second: Mapping[str, AnnotationDocument], layer: str) -> LabelAgreement:
    pairs = [p for doc_id in sorted(first) if doc_id in second
             for p in label_pairs(first[doc_id], second[doc_id], layer)]
    return LabelAgreement(len(pairs), sum(a == b for a, b in pairs), cohen_kappa(pairs),
                          dict(Counter(pairs)))


Docs = Mapping[str, AnnotationDocument]


def _read(source: Path | str | Docs, corpus: Path | str | None, what: str) -> Docs:
    if isinstance(source, Mapping):
        return source
    return read_documents(source, corpus, what=what).docs


@dataclass(frozen=True)
class Agreement:
    scores: Result
    labels: dict[str, LabelAgreement]

    def to_dict(self) -> dict[str, Any]:
        return {**self.scores.to_dict(by_doc=True),
                "label_agreement": {k: v.to_dict() for k, v in self.labels.items()}}


def agreement(first: Path | str | Mapping[str, AnnotationDocument],
              second: Path | str | Mapping[str, AnnotationDocument], *,
              layers: Sequence[str] | None = None, corpus: Path | str | None = None
              ) -> Agreement:
    """Compare two annotators: `first` is taken as the reference for P/R, F1 is symmetric.

    The documents compared are those of `second` (typically a second pass over a subset);
    `first` must hold each of them.
    """
    pred = _read(second, corpus, "second annotator")
    full = _read(first, corpus, "first annotator")
    missing = sorted(set(pred) - set(full))
    if missing:
        raise InputError([f"{first}: no document {d!r}, which the second set has"
                          for d in missing])
    gold = {d: full[d] for d in pred}
    scores = evaluate(gold, pred, layers=layers, bootstrap=0, corpus=load_corpus(corpus))
    labels = {layer: label_agreement(gold, pred, layer) for layer in LABELLERS
              if layer in scores.layers}
    return Agreement(scores, labels)
