"""Per-layer scorers. Each maps one (gold, predicted) document pair to additive Counts:

    score(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts

keyed (layer, mode, label), label "*" being the total. A layer the prediction lacks (None)
is scored as empty. Predictions starting in page furniture (zones with `annotated: false`)
are ignored and counted in the `ignored` field of every total row. docs/scoring.md defines
every mode.
"""

from __future__ import annotations

from collections.abc import Callable

from palmyra.annotations import AnnotationDocument
from palmyra.corpus import Document
from palmyra.scoring import attributions, bio, entities, events, numbers
from palmyra.stats import Counts

Scorer = Callable[[AnnotationDocument, AnnotationDocument, Document], Counts]

LAYER_SCORERS: dict[str, Scorer] = {
    entities.LAYER: entities.score,
    bio.LAYER: bio.score,
    events.LAYER: events.score,
    numbers.LAYER: numbers.score,
    attributions.LAYER: attributions.score,
}

LAYER_MODES: dict[str, tuple[str, ...]] = {
    entities.LAYER: entities.MODES,
    bio.LAYER: bio.MODES,
    events.LAYER: events.MODES,
    numbers.LAYER: numbers.MODES,
    attributions.LAYER: attributions.MODES,
}

__all__ = ["LAYER_MODES", "LAYER_SCORERS", "Scorer"]
